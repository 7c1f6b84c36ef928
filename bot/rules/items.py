"""What each distinct element of a list field satisfies: changed paths, labels, headings.

Rules test list elements one at a time: `paths` globs each changed path, `matches` searches
each label, `count` with `matching` counts the elements a pattern is found in. The elements
come from vocabularies: a repository's paths, a project's labels, a template's headings recur
across thousands of activities. An ``ItemIndex`` (one per list field of a rule set) works out
once per distinct element which of the rule set's element tests hold on it, one bit per test,
and remembers the answer, so a merged MR's forty glob and label tests cost a dictionary lookup
per element and a bit test per condition.

The answers are the tests' own. A new element is first screened with RE2 (``bot.rules.screen``)
so that only the tests that can hold are run; every test it lets through still decides. The
memory is bounded (``LIMIT`` elements per field): past it, the index starts afresh.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container
from typing import Any

from bot.rules.screen import EVERYTHING, FieldScreen, ascii_only, relaxed

ElementTest = Callable[[str], object]  # truthy when the test holds on the element

LIMIT = 1 << 17  # distinct elements remembered per field


class ItemIndex:
    """The element tests of one list field, and what each distinct element satisfies."""

    def __init__(self) -> None:
        # (bit, test, screen index or None, prepare or None), in the order tests were added
        self._tests: list[tuple[int, ElementTest, int | None, Callable[[str], str] | None]] = []
        self._screen = FieldScreen()
        self._screened = False
        self._known: dict[str, int] = {}
        self._last: tuple[object, int] = (None, 0)
        self._each: tuple[object, list[int]] = (None, [])

    def add(
        self,
        test: ElementTest,
        regex: re.Pattern[str] | None = None,
        prepare: Callable[[str], str] | None = None,
    ) -> ItemTest:
        """Register ``test``; ``regex``, when given, must be found in ``prepare(element)``
        (or the element) for the test to hold: it lets RE2 rule the test out."""
        bit = len(self._tests)
        index = None
        if regex is not None:
            pattern = relaxed(regex)
            if pattern is not None:
                index = self._screen.add(pattern, ascii_only=ascii_only(regex))
                self._screened = True
        self._tests.append((bit, test, index, prepare))
        self._known = {}
        self._last = (None, 0)
        self._each = (None, [])
        return ItemTest(self, 1 << bit)

    def mask(self, element: str) -> int:
        """The bits of the tests that hold on ``element``."""
        found = self._known.get(element)
        if found is None:
            found = self._learn(element)
        return found

    def _learn(self, element: str) -> int:
        candidates: Container[int] = EVERYTHING
        if self._screened:  # scanned, not ``candidates``: the index remembers the answer
            candidates = self._screen.scan(element)
        found = 0
        for bit, test, index, prepare in self._tests:
            ruled_out = index is not None and index not in candidates
            # RE2 read the element as written: a test that rewrites it first decides itself.
            if ruled_out and (prepare is None or prepare(element) == element):
                continue
            if test(element):
                found |= 1 << bit
        known = self._known
        if len(known) >= LIMIT:
            known.clear()
        known[element] = found
        return found

    def union(self, values: list[Any]) -> int:
        """The bits of the tests holding on some string element of ``values``, kept for the
        last list asked about (every condition reading an activity's field gets the same
        list object)."""
        last = self._last
        if last[0] is values:
            return last[1]
        known, found = self._known, 0
        for element in values:
            if isinstance(element, str):
                bits = known.get(element)
                found |= bits if bits is not None else self._learn(element)
        self._last = (values, found)
        return found

    def masks(self, values: list[Any]) -> list[int]:
        """The bits of each element of ``values`` (0 for an element that is not a string),
        kept for the last list asked about."""
        each = self._each
        if each[0] is values:
            return each[1]
        known, found = self._known, []
        for element in values:
            if isinstance(element, str):
                bits = known.get(element)
                found.append(bits if bits is not None else self._learn(element))
            else:
                found.append(0)
        self._each = (values, found)
        return found


class ItemTest:
    """One element test's bit in its index."""

    __slots__ = ("bit", "index")

    def __init__(self, index: ItemIndex, bit: int) -> None:
        self.index, self.bit = index, bit

    def holds(self, element: str) -> bool:
        """Whether the test holds on ``element``."""
        return bool(self.index.mask(element) & self.bit)

    def any(self, values: list[Any]) -> bool:
        """Whether the test holds on some string element of ``values``."""
        return bool(self.index.union(values) & self.bit)

    def count(self, values: list[Any]) -> int:
        """On how many string elements of ``values`` the test holds."""
        bit, index = self.bit, self.index
        if not index.union(values) & bit:
            return 0
        number = 0
        for bits in index.masks(values):
            if bits & bit:
                number += 1
        return number

    def which(self, values: list[Any]) -> list[str]:
        """The string elements of ``values`` the test holds on, in order."""
        bit = self.bit
        if not self.index.union(values) & bit:
            return []
        masks = self.index.masks(values)
        return [element for element, bits in zip(values, masks, strict=True) if bits & bit]


def standalone(
    test: ElementTest,
    regex: re.Pattern[str] | None = None,
    prepare: Callable[[str], str] | None = None,
) -> ItemTest:
    """``test`` in an index of its own (a condition outside any rule set)."""
    return ItemIndex().add(test, regex, prepare)
