"""An explanation's fixed texts, kept once per rule version instead of in every explanation.

A stored ``why`` (``bot.rules.explain``) repeats, on every row of a rule, the rule's
description and each check's condition, field and text — patterns included. Those are two
thirds of a row's explanation and the same on every row of the rule. So a row keeps only what
it saw::

    {"rule": "mr-adds-tests", "texts": "3f2a…",
     "checks": [[0, "seen", "merge_request_merged", "held", true], …]}

and the texts named by ``texts`` (the ``explanation_texts`` table, ``bot.evidence.texts``) hold
the rest: the description, and the fixed part of check ``n`` (its ``condition``, ``field`` and
``text``). A check's entry is ``[n, name, value, name, value, …]``: its number in the texts,
then what the whole entry holds besides its fixed texts, in the whole entry's order (``seen``,
``held``, ``found``, ``checks``…). A list rather than an object: the generated code builds one
for every check of every match, and a tuple costs a fifth of a dict to build. ``expand`` puts
them back together, equal to the explanation as ``Rule.checks`` gives it. ``RuleSet.match``
gives explanations in this short form (the generated code writes them so, ``Emitter.entry``);
``Compactor`` shortens a whole one. Rows stored by the release before, with each check an
object ``{"n": 0, "seen": …, "held": …}``, are expanded as well.

The key is a digest of the texts themselves, not of the rule: a new release may word a
condition differently for the same rule, and rows matched before keep the words they were
matched with. A check the texts do not list (say, one a condition adds in a later release) stays
whole on the row, and ``expand`` leaves it as it is, as it does a row stored whole by an
earlier release.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import orjson

from bot.rules.rule import Rule, window_check

Fixed = tuple[str, str | None, str]  # (condition, field or None when it has none, text)
_STATIC = ("condition", "field", "text")


class Texts(NamedTuple):
    """A rule version's fixed texts: what ``explanation_texts`` stores under ``key``."""

    key: str
    rule: str
    description: str
    checks: tuple[Fixed, ...]


class Compactor:
    """Turns a rule's whole explanations into their short form (see the module docstring)."""

    __slots__ = ("_index", "texts")

    def __init__(self, texts: Texts) -> None:
        self.texts = texts
        self._index = {fixed: n for n, fixed in enumerate(texts.checks)}

    def number(self, condition: str, field: str | None, text: str) -> int | None:
        """The number of the check with these fixed texts, if the texts list it."""
        return self._index.get((condition, field, text))

    def compact(self, why: Mapping[str, Any]) -> dict[str, Any]:
        """``why`` without its fixed texts; ``why`` itself if it is not this rule's."""
        texts = self.texts
        if why.get("rule") != texts.rule or why.get("description") != texts.description:
            return dict(why)
        stored: dict[str, Any] = {"rule": texts.rule, "texts": texts.key}
        for name, value in why.items():
            if name == "checks" and isinstance(value, list):
                stored["checks"] = self._entries(value)
            elif name not in ("rule", "description"):
                stored[name] = value
        return stored

    def entry(self, entry: Any) -> Any:
        """One check's entry (and those under it) without its fixed texts."""
        return self._entries([entry])[0]

    def _entries(self, entries: list[Any]) -> list[Any]:
        index, out = self._index, []
        for entry in entries:
            if type(entry) is not dict:
                out.append(entry)
                continue
            fixed = (entry.get("condition"), entry.get("field"), entry.get("text"))
            n = index.get(fixed)  # type: ignore[arg-type]
            if n is None or ("field" in entry) != (fixed[1] is not None):
                out.append(entry)  # not in the texts, or an explicit null field: kept whole
                continue
            compacted: list[Any] = [n]
            for name, value in entry.items():
                if name == "checks" and type(value) is list:
                    compacted += (name, self._entries(value))
                elif name not in _STATIC:
                    compacted += (name, value)
            out.append(tuple(compacted))
        return out


def texts_of(rule: Rule) -> Texts:
    """The fixed texts of ``rule``'s explanations: every check its full explanation lists (an
    explanation of the rule on any activity lists a subset of them), in order, once each."""
    nothing: dict[str, Any] = {"fields": {}, "context": {}}  # an activity without values
    checks = rule.checks(nothing)
    if rule.window is not None:
        checks.append(window_check(rule, nothing))
    fixed: dict[Fixed, None] = {}
    _collect(checks, fixed)
    body = (rule.id, rule.description, [list(item) for item in fixed])
    key = hashlib.sha256(orjson.dumps(body)).hexdigest()[:32]
    return Texts(key, rule.id, rule.description, tuple(fixed))


def _collect(entries: Iterable[Any], fixed: dict[Fixed, None]) -> None:
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        condition, field, text = (entry.get(name) for name in _STATIC)
        named = field is None or isinstance(field, str)
        if isinstance(condition, str) and isinstance(text, str) and named:
            fixed.setdefault((condition, field, text), None)
        _collect(entry.get("checks") or (), fixed)


def expand(why: Mapping[str, Any], texts: Mapping[str, Texts]) -> dict[str, Any]:
    """A short explanation made whole again, given the texts it names (from the store:
    ``bot.evidence.texts.load``; from a rule set: ``RuleSet.whole``).

    A row stored whole, or naming texts that are not there, comes back as stored."""
    key = why.get("texts")
    found = texts.get(key) if isinstance(key, str) else None
    if found is None:
        return dict(why)
    whole: dict[str, Any] = {"rule": why.get("rule"), "description": found.description}
    for name, value in why.items():
        if name == "checks" and isinstance(value, list):
            whole["checks"] = _whole(value, found.checks)
        elif name not in ("rule", "texts"):
            whole[name] = value
    return whole


def _whole(entries: list[Any], fixed: Sequence[Fixed]) -> list[Any]:
    out = []
    for entry in entries:
        items = _items(entry, len(fixed))
        if items is None:
            out.append(entry)
            continue
        n, pairs = items
        condition, field, text = fixed[n]
        whole: dict[str, Any] = {"condition": condition}
        if field is not None:
            whole["field"] = field
        whole["text"] = text
        for name, value in pairs:
            if name == "checks" and isinstance(value, list | tuple):
                whole[name] = _whole(list(value), fixed)
            else:
                whole[name] = value
        out.append(whole)
    return out


def _items(entry: Any, count: int) -> tuple[int, list[tuple[str, Any]]] | None:
    """A short entry's number and its other items; None for an entry kept whole (or one
    that is not a short entry of texts with ``count`` checks)."""
    if isinstance(entry, list | tuple):  # [n, name, value, …]
        n = entry[0] if entry else None
        names = entry[1::2]
        if len(entry) % 2 == 0 or any(type(name) is not str for name in names):
            return None
        pairs = list(zip(names, entry[2::2], strict=True))
    elif isinstance(entry, Mapping) and "condition" not in entry:  # the earlier {"n": …}
        n = entry.get("n")
        pairs = [(name, value) for name, value in entry.items() if name != "n"]
    else:
        return None
    if type(n) is not int or not 0 <= n < count:
        return None
    return n, pairs
