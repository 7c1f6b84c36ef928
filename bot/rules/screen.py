"""Screening text fields: one RE2 pass finds which regular expressions can possibly match.

A merged MR meets dozens of ``matches`` conditions on its title and description, and Python's
``re`` runs them one by one. RE2's ``Set`` answers for all of a field's patterns in one pass
over the text. It is only a screen: a pattern RE2 rules out is skipped, and every pattern it lets
through is still searched with Python's ``re``, so answers never change (a Hypothesis test holds
the screen to never ruling out a pattern that matches).

Python and RE2 dialects differ, so each pattern is rewritten from Python's own parse of it into
an RE2 pattern that matches *at least* what the original matches:

- lookarounds are dropped (a dropped constraint only widens what matches);
- ``$`` becomes RE2's multi-line ``$`` (Python's ``$`` also holds before a final newline);
- character classes (``\\d``, ``\\s``, ``\\w``) are spelled out as their ASCII sets (``\\s``
  with the separators Python counts as space), and atomic groups and possessive repeats become
  plain ones; backreferences cannot be expressed, so such a pattern is never screened.

The classes agree with Python's only on ASCII: a pattern compiled with ``re.ASCII`` (inline
``(?a)``, as the shipped rules are) is screened on any text, any other only on ASCII text.
Lists of texts (labels, paths) are screened element by element, by their
``bot.rules.items.ItemIndex``.

Without the ``google-re2`` package nothing is screened, and everything still works.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

try:  # pragma: no cover - exercised by whichever way the environment is
    import re2 as _re2
except ImportError:  # pragma: no cover
    _re2 = None

from re import _constants as _c  # type: ignore[attr-defined]
from re import _parser as _p  # type: ignore[attr-defined]

if TYPE_CHECKING:
    from bot.rules.items import ItemIndex

_NOTHING: frozenset[int] = frozenset()

_RE2_MAX_REPEAT = 1000  # RE2 refuses larger counted repetitions
_SPACE = r"\t\n\x0b\x0c\r \x1c-\x1f"  # Python's \s on ASCII (Unicode mode adds \x1c-\x1f)
_CLASSES = {
    _c.CATEGORY_DIGIT: ("0-9", False),
    _c.CATEGORY_NOT_DIGIT: ("0-9", True),
    _c.CATEGORY_WORD: ("0-9A-Za-z_", False),
    _c.CATEGORY_NOT_WORD: ("0-9A-Za-z_", True),
    _c.CATEGORY_SPACE: (_SPACE, False),
    # Not-space without \x1c-\x1f: wider than either of Python's \S.
    _c.CATEGORY_NOT_SPACE: (r"\t\n\x0b\x0c\r ", True),
}


class Unscreenable(Exception):
    """The pattern uses something RE2 cannot express even loosely (a backreference)."""


def available() -> bool:
    """Whether RE2 is installed, so that screening happens at all."""
    return _re2 is not None


def relaxed(regex: re.Pattern[str]) -> str | None:
    """``relax(regex)`` when RE2 accepts it, or None (without RE2, always None)."""
    if _re2 is None:
        return None
    return _relaxed(regex.pattern, regex.flags)


@cache
def _relaxed(pattern: str, flags: int) -> str | None:
    """``relax``, once per pattern (rule sets are loaded often; anchors repeat patterns),
    and only when RE2 accepts the result."""
    relaxed = relax(re.compile(pattern, flags))
    return relaxed if relaxed is not None and _accepted(relaxed) else None


def relax(regex: re.Pattern[str]) -> str | None:
    """An RE2 pattern matching at least what ``regex`` matches, or None when there is none."""
    try:
        parsed = _p.parse(regex.pattern, regex.flags)
    except (re.error, RecursionError, OverflowError, ValueError):
        return None
    flags = parsed.state.flags
    try:
        body = _sequence(list(parsed), flags)
    except (Unscreenable, RecursionError):
        return None
    return _scoped(body, flags)


def ascii_only(regex: re.Pattern[str]) -> bool:
    """Whether ``regex`` reads every text with ASCII classes (``re.ASCII`` / ``(?a)``)."""
    return bool(regex.flags & re.ASCII)


def _scoped(body: str, flags: int) -> str:
    on = ("i" if flags & re.IGNORECASE else "") + ("s" if flags & re.DOTALL else "")
    return f"(?{on}:{body})" if on else f"(?:{body})"


def _char(code: int) -> str:
    return rf"\x{{{code:x}}}"


def _sequence(items: Iterable[tuple[Any, Any]], flags: int) -> str:
    return "".join(_item(op, av, flags) for op, av in items)


def _item(op: Any, av: Any, flags: int) -> str:
    caseless = bool(flags & re.IGNORECASE)
    if op is _c.LITERAL:
        return _ANY if caseless and _foreign_case(av, av) else _char(av)
    if op is _c.NOT_LITERAL:
        return _charset([(_c.NEGATE, None), (_c.LITERAL, av)], flags)
    if op is _c.ANY:
        return "."
    if op is _c.IN:
        return _charset(av, flags)
    if op is _c.BRANCH:
        return "(?:" + "|".join(_sequence(list(branch), flags) for branch in av[1]) + ")"
    if op is _c.SUBPATTERN:
        _group, add, remove, pattern = av
        inner = (flags | add) & ~remove
        body = _sequence(list(pattern), inner)
        on = [f for f, bit in (("i", re.IGNORECASE), ("s", re.DOTALL)) if inner & bit]
        off = [f for f, bit in (("i", re.IGNORECASE), ("s", re.DOTALL)) if not inner & bit]
        return f"(?{''.join(on)}{'-' + ''.join(off) if off else ''}:{body})"
    if op is _c.ATOMIC_GROUP:
        return "(?:" + _sequence(list(av), flags) + ")"
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        low, high, pattern = av
        body = "(?:" + _sequence(list(pattern), flags) + ")"
        low = min(low, _RE2_MAX_REPEAT)
        if high is _c.MAXREPEAT or high > _RE2_MAX_REPEAT:
            return body + ("*" if low == 0 else "+" if low == 1 else f"{{{low},}}")
        return body + f"{{{low},{high}}}"
    if op in (_c.ASSERT, _c.ASSERT_NOT):
        return ""  # dropped: the relaxed pattern matches wherever the original did
    if op is _c.AT:
        return _at(av, flags)
    raise Unscreenable(str(op))  # GROUPREF, GROUPREF_EXISTS, and anything new


def _at(where: Any, flags: int) -> str:
    if where in (_c.AT_BEGINNING, _c.AT_BEGINNING_LINE):
        return "(?m:^)" if flags & re.MULTILINE else "^"
    if where is _c.AT_BEGINNING_STRING:
        return r"\A"
    if where in (_c.AT_END, _c.AT_END_LINE):
        return "(?m:$)"  # before any newline: wider than Python's "before a final newline"
    if where is _c.AT_END_STRING:
        return r"\z"
    if where is _c.AT_BOUNDARY:
        return r"\b"
    if where is _c.AT_NON_BOUNDARY:
        return r"\B"
    raise Unscreenable(str(where))


def _charset(items: list[tuple[Any, Any]], flags: int) -> str:
    r"""A set, as RE2 sees it at least as widely as Python.

    RE2 folds case wider than Python does, which widens a plain set (sound) but narrows a
    negated one (``(?i)[^s]`` refuses ``ſ``, where Python's ASCII mode takes it). So a negated
    set is written case-sensitively, each ASCII letter with its other case; and ``\d``/``\w``/
    ``\s`` are never folded (RE2 would fold ``\w`` to take in ``ſ`` and the Kelvin sign).
    """
    negate = bool(items) and items[0][0] is _c.NEGATE
    caseless = bool(flags & re.IGNORECASE)
    ranges: list[tuple[int, int]] = []
    classes: list[tuple[str, bool]] = []
    for op, av in items[1:] if negate else items:
        if op is _c.LITERAL:
            ranges.append((av, av))
        elif op in (_c.RANGE, _c.RANGE_UNI_IGNORE):
            ranges.append((av[0], av[1]))
        elif op is _c.CATEGORY:
            classes.append(_CLASSES[av])
        else:
            raise Unscreenable(str(op))
    if caseless and any(_foreign_case(low, high) for low, high in ranges):
        return _ANY  # Python may fold these in ways RE2 does not: no screening of this set
    if not negate:
        alternatives = [f"[{_ranges(ranges)}]"] if ranges else []
        alternatives += [f"(?-i:[{'^' if neg else ''}{members}])" for members, neg in classes]
        if not alternatives:
            return f"[{_EMPTY}]"
        return alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})"
    if any(negated for _members, negated in classes):
        return _ANY  # [^\W...] and the like: rare; any character keeps the screen sound
    if caseless:
        ranges = ranges + _other_cases(ranges)
    members = _ranges(ranges) + "".join(members for members, _negated in classes)
    return f"(?-i:[^{members}])"


def _ranges(ranges: list[tuple[int, int]]) -> str:
    return "".join(
        _char(low) if low == high else f"{_char(low)}-{_char(high)}" for low, high in ranges
    )


def _other_cases(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The ASCII letters of ``ranges`` in their other case."""
    found = []
    for low, high in ranges:
        for first, last, shift in ((97, 122, -32), (65, 90, 32)):
            start, end = max(low, first), min(high, last)
            if start <= end:
                found.append((start + shift, end + shift))
    return found


def _foreign_case(low: int, high: int) -> bool:
    """Whether a range holds a non-ASCII character with case (Python folds some of them to
    ASCII letters, RE2 not all: ``(?i)İ`` finds ``i`` in Python)."""
    if high < 128:
        return False
    return any(
        chr(c).lower() != chr(c).upper() for c in range(max(low, 128), min(high, 0x2FFFF) + 1)
    )


_ANY = r"[\x{0}-\x{10ffff}]"
_EMPTY = r"^\x{0}-\x{10ffff}"  # "[]" can never match: a class of no character


class _Everything:
    """The hits of a text RE2 cannot read: every pattern may match."""

    def __contains__(self, index: object) -> bool:
        return True


EVERYTHING = _Everything()


class _Screen:
    """The RE2 set of the relaxed patterns conditions search one field with, and its last
    answer, kept by the identity of what it read (every rule reading an activity's field gets
    the same object)."""

    def __init__(self) -> None:
        self._patterns: list[str] = []
        self._unicode: frozenset[int] = _NOTHING  # patterns screened on ASCII text only
        self._match: Callable[[bytes], Any] | None = None
        self._last: tuple[object, Container[int]] = (None, _NOTHING)

    def add(self, relaxed: str, *, ascii_only: bool = True) -> int:
        """Register a relaxed pattern; its index in ``candidates``."""
        self._match = None
        self._patterns.append(relaxed)
        index = len(self._patterns) - 1
        if not ascii_only:
            self._unicode = self._unicode | {index}
        return index

    def _compiled(self) -> Callable[[bytes], Any]:
        """The compiled set's matcher, on UTF-8 bytes (a list of indexes, or None/empty)."""
        assert _re2 is not None
        options = _re2.Options()
        options.log_errors = False
        options.max_mem = 64 << 20
        screen = _re2.Set.SearchSet(options)
        for pattern in self._patterns:
            screen.Add(pattern)
        screen.Compile()
        # The binding under google-re2's thin Python wrapper takes the bytes directly, which
        # saves a check and a call per text; the wrapper's own Match takes bytes too.
        binding = getattr(screen, "_set", None)
        match: Callable[[bytes], Any] = getattr(binding, "Match", screen.Match)
        self._match = match
        return match

    def scan(self, text: str) -> Container[int]:
        """The indexes of the patterns ``text`` must be searched with: what RE2 finds, on a
        non-ASCII text the patterns screened on ASCII only too, and every one for a text RE2
        cannot read (a lone surrogate)."""
        match = self._match or self._compiled()
        try:
            found = match(text.encode())  # a short list: membership is as fast as in a set
        except UnicodeEncodeError:
            return EVERYTHING
        if self._unicode and not text.isascii():
            return self._unicode.union(found or ())
        return found or _NOTHING


# Names recur: project paths, branches, file paths, labels. A short text without a space is
# taken for one and its answer remembered (up to REMEMBERED per field). Prose (titles,
# descriptions, comments) rarely repeats across a project, but one merge request's activities
# (opened, merged, approved) carry its title and description each, and are derived and matched
# together: the answers for the last RECENT prose texts of a field are kept for them.
SHORT = 100
REMEMBERED = 1 << 16
RECENT = 4


class FieldScreen(_Screen):
    """One RE2 set for the patterns several conditions search in one text field."""

    def __init__(self) -> None:
        super().__init__()
        self._short: dict[str, Container[int]] = {}
        self._recent: dict[str, Container[int]] = {}  # oldest first

    def add(self, relaxed: str, *, ascii_only: bool = True) -> int:
        self._short, self._recent = {}, {}
        return super().add(relaxed, ascii_only=ascii_only)

    def candidates(self, text: str) -> Container[int]:
        """The patterns that may be found in ``text`` (generated code tests membership)."""
        last = self._last
        if last[0] is text:
            return last[1]
        if len(text) <= SHORT and " " not in text:
            short = self._short
            found = short.get(text)
            if found is None:
                if len(short) >= REMEMBERED:
                    short.clear()
                found = short[text] = self.scan(text)
        else:
            recent = self._recent
            found = recent.get(text)
            if found is None:
                if len(recent) >= RECENT:
                    del recent[next(iter(recent))]
                found = recent[text] = self.scan(text)
        self._last = (text, found)
        return found


class Screens:
    """What one rule set's conditions share: a screen per text field (``probe`` hands each
    ``matches`` condition its place in one) and an element index per list field (``items``).
    """

    def __init__(self) -> None:
        self._fields: dict[str, FieldScreen] = {}
        self._items: dict[str, ItemIndex] = {}

    def items(self, field: str) -> ItemIndex:
        """The element index of list field ``field`` (see ``bot.rules.items``)."""
        from bot.rules.items import ItemIndex  # it screens with this module's FieldScreen

        index = self._items.get(field)
        if index is None:
            index = self._items[field] = ItemIndex()
        return index

    def probe(self, field: str, regex: re.Pattern[str]) -> Probe | None:
        """A quick "can ``regex`` be found in this text?" (False is certain), or None when the
        pattern cannot be screened."""
        pattern = relaxed(regex)
        if pattern is None:
            return None
        screen = self._fields.setdefault(field, FieldScreen())
        return Probe(screen, screen.add(pattern, ascii_only=ascii_only(regex)))


class Probe:
    """One pattern's place in a field screen: ``probe(text)`` is False when the pattern
    cannot be found in ``text``."""

    __slots__ = ("index", "screen")

    def __init__(self, screen: FieldScreen, index: int) -> None:
        self.screen, self.index = screen, index

    def __call__(self, text: str) -> bool:
        return self.index in self.screen.candidates(text)


def _accepted(relaxed: str) -> bool:
    assert _re2 is not None
    options = _re2.Options()
    options.log_errors = False
    options.max_mem = 8 << 20
    try:
        _re2.compile(relaxed, options)
    except Exception:
        return False
    return True
