"""First-letter guards in patterns: finding alternatives a guard makes unreachable.

Long keyword patterns in the shipped rules open with a lookahead that lists the first letters
of their alternatives, ``\\b(?=[bcd])(?:(?=b)(?:bug|broken)|(?=c)(?:crash\\w*)|deadlock)``: a
text position that cannot start any keyword is given up after one test instead of one per
alternative, which keeps them fast. The cost is a trap. A word added later whose first letter
is not in the guard (``mitigated`` above) is silently never found, and the pattern still
compiles, so neither Python nor an example that happens to match another way says so.

``unreachable`` reads Python's own parse of a pattern and finds what follows a lookahead (each
alternative, when it is a group of them, looking into nested groups) whose possible first
characters the lookahead all rules out. ``rules check`` reports them as problems of the
pattern (``bot.rules.conditions.text``). It only says "unreachable" when it is sure: any
construct whose first character it cannot bound (``.``, ``\\w``, a negated set, an optional
start) makes it say nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from re import _constants as _c  # type: ignore[attr-defined]
from re import _parser as _p  # type: ignore[attr-defined]
from typing import Any

# Operators that match no character: a first character is looked for after them.
_ZERO_WIDTH = {_c.AT, _c.ASSERT_NOT}


def unreachable(pattern: str, flags: int = 0) -> list[str]:
    """One line per alternative that a lookahead before it rules out, or none.

    >>> [line[:45] for line in unreachable(r"\\b(?=[bc])(?:bug|crash|deadlock)")]
    ["'deadlock…' can never match: it starts with"]
    """
    return list(_unreachable(pattern, flags))


@functools.cache
def _unreachable(pattern: str, flags: int) -> tuple[str, ...]:
    """``unreachable``, once per pattern: parsing in Python costs about as much as loading the
    rest of a rule set, and tests and long-running processes load the same patterns again."""
    return tuple(_find(pattern, flags))


def _find(pattern: str, flags: int) -> list[str]:
    try:
        parsed = _p.parse(pattern, flags)
    except (re.error, ValueError, OverflowError, RecursionError):
        return []  # compile_regex reports why
    fold = bool(parsed.state.flags & re.IGNORECASE)
    found: list[str] = []
    _walk(list(parsed), fold, found)
    return found


def _walk(items: Sequence[tuple[Any, Any]], fold: bool, found: list[str]) -> None:
    for index, (op, av) in enumerate(items):
        if op is _c.ASSERT and av[0] == 1 and index + 1 < len(items):
            guard = _firsts(list(av[1]), fold)
            if guard is not None:
                for dead, firsts in _dead(list(items[index + 1 :]), guard, fold):
                    found.append(_message(dead, firsts, guard))
        for child in _children(op, av):
            _walk(list(child), fold, found)


def _children(op: Any, av: Any) -> Iterable[Any]:
    """The sub-patterns inside one parsed item."""
    if op is _c.SUBPATTERN:
        yield av[3]
    elif op is _c.BRANCH:
        yield from av[1]
    elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        yield av[2]
    elif op in (_c.ASSERT, _c.ASSERT_NOT):
        yield av[1]
    elif op is _c.ATOMIC_GROUP:
        yield av
    elif op is _c.GROUPREF_EXISTS:
        yield av[1]
        if av[2] is not None:
            yield av[2]


def _dead(
    items: list[tuple[Any, Any]], guard: frozenset[str], fold: bool
) -> Iterable[tuple[list[tuple[Any, Any]], frozenset[str]]]:
    """The ways of starting ``items`` that ``guard`` rules out, with their first characters.
    An alternative that opens with a group of alternatives (``(?:mitigat|resolv)ed``) is
    looked into: each of those, followed by the rest, is a way of starting it."""
    start = 0
    while start < len(items) and _zero_width(*items[start]):
        start += 1
    if start < len(items):
        op, av = items[start]
        ways = None
        if op is _c.BRANCH:
            ways = av[1]
        elif op is _c.SUBPATTERN and not av[1] & re.IGNORECASE:
            ways = _branch(items[start]) or [av[3]]
        if ways is not None:
            for way in ways:
                yield from _dead(list(way) + items[start + 1 :], guard, fold)
            return
        if op is _c.IN and (chars := _set(av, fold)) is not None:
            # Python's parser turns one-letter alternatives (``a|b``) into a set ``[ab]``.
            for char in sorted(chars - guard):
                yield [(_c.LITERAL, ord(char))], frozenset(char)
            return
    firsts = _firsts(items, fold)
    if firsts is not None and not firsts & guard:
        yield items, firsts


def _zero_width(op: Any, av: Any) -> bool:
    return op in _ZERO_WIDTH or (op is _c.ASSERT and av[0] == -1)


def _branch(item: tuple[Any, Any]) -> list[Any] | None:
    """The alternatives of ``item`` when it is a group of alternatives (or a bare one)."""
    op, av = item
    while op is _c.SUBPATTERN and len(av[3]) == 1:
        op, av = av[3][0]
    if op is _c.BRANCH:
        return list(av[1])
    return None


def _firsts(items: Sequence[tuple[Any, Any]], fold: bool) -> frozenset[str] | None:
    """Every character a match of ``items`` can start with, or None when it cannot be bounded
    (it may be empty, or start with a class this does not spell out)."""
    for index, (op, av) in enumerate(items):
        if _zero_width(op, av):
            continue  # \b, ^, a negative lookahead or a lookbehind: look further
        if op is _c.ASSERT:
            # A lookahead bounds what follows: the first character satisfies both.
            ahead, rest = _firsts(list(av[1]), fold), _firsts(items[index + 1 :], fold)
            if ahead is None:
                return rest
            return ahead if rest is None else ahead & rest
        if op is _c.LITERAL:
            return _fold(frozenset({chr(av)}), fold)
        if op is _c.IN:
            return _set(av, fold)
        if op is _c.SUBPATTERN:
            return _firsts(list(av[3]), fold or bool(av[1] & re.IGNORECASE))
        if op is _c.BRANCH:
            union: set[str] = set()
            for alternative in av[1]:
                firsts = _firsts(list(alternative), fold)
                if firsts is None:
                    return None
                union |= firsts
            return frozenset(union)
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT) and av[0] > 0:
            return _firsts(list(av[2]), fold)
        return None  # ., \w outside a set, an optional start, a backreference...
    return None  # it can match the empty string


def _set(items: Sequence[tuple[Any, Any]], fold: bool) -> frozenset[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            chars.add(chr(av))
        elif op is _c.RANGE and av[1] - av[0] < 256:
            chars.update(chr(code) for code in range(av[0], av[1] + 1))
        else:
            return None  # a negated set, a category (\d, \w), a wide range
    return _fold(frozenset(chars), fold)


def _fold(chars: frozenset[str], fold: bool) -> frozenset[str]:
    return frozenset(char.lower() for char in chars) if fold else chars


def _message(alternative: Any, firsts: frozenset[str], guard: frozenset[str]) -> str:
    start = "".join(sorted(firsts))
    letters = "".join(sorted(guard))
    return (
        f"{_shown(alternative)} can never match: it starts with "
        f"{start!r}, which the lookahead (?=[{letters}]) before it rules out"
    )


def _shown(alternative: Any) -> str:
    """The alternative's leading literal text, for the message (``'mitigat…'``): its
    characters up to the first that is not literal or that alternatives follow (``_dead``
    has already taken the way apart where it opens with alternatives)."""
    shown = "".join(_leading(list(alternative)))[:24]
    return repr(shown + "…") if shown else "an alternative"


def _leading(items: Sequence[tuple[Any, Any]]) -> Iterable[str]:
    for op, av in items:
        if op is _c.LITERAL:
            yield chr(av)
        elif op is _c.SUBPATTERN:
            yield from _leading(list(av[3]))
            return
        elif op not in _ZERO_WIDTH and op is not _c.ASSERT:
            return
