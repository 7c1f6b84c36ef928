"""The ``why`` of a verdict: which conditions held, on which values, as JSON-able data.

Every evidence row stores one, and ``ladder-bot explain`` prints them::

    {"rule": "mr-description-gives-context", "description": "...",
     "checks": [{"condition": "at_least", "field": "description_words",
                 "text": "description_words is at least 40", "seen": 120, "held": true}],
     "window": {...}}                                      # window rules only

``all``, ``any`` and ``not`` nest their checks under their own entry. Seen values are
shortened: strings to 120 characters, lists to 10 items.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

MAX_CHARS = 120
MAX_ITEMS = 10


def literal(value: Any) -> str:
    """A value as a rule author writes it: JSON literals (``"x"``, ``40``, ``true``, ``null``)."""
    return json.dumps(value, ensure_ascii=False, default=str)


def shorten(value: Any) -> Any:
    """``value`` made JSON-able and short enough to print and to store on every evidence row."""
    kind = type(value)
    if kind is str:
        return value if len(value) <= MAX_CHARS else value[: MAX_CHARS - 1] + "…"
    if kind is list and len(value) <= MAX_ITEMS:
        for item in value:  # the usual list: a few short strings, kept as they are
            if type(item) is not str or len(item) > MAX_CHARS:
                break
        else:
            return list(value)
    if value is None or kind is bool or kind is int or kind is float:
        return value
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value if len(value) <= MAX_CHARS else value[: MAX_CHARS - 1] + "…"
    if isinstance(value, list | tuple):
        items = [shorten(item) for item in value[:MAX_ITEMS]]
        if len(value) > MAX_ITEMS:
            items.append(f"… {len(value) - MAX_ITEMS} more")
        return items
    if isinstance(value, Mapping):
        return {str(key): shorten(item) for key, item in value.items()}
    if isinstance(value, datetime | date):
        return value.isoformat()
    return shorten(repr(value))


def held(entry: Any) -> bool:
    """Whether a check's entry says it held: a whole one (a dict) or a short one
    (``[n, name, value, …]``, ``bot.rules.texts``)."""
    if type(entry) is tuple or type(entry) is list:
        for at in range(1, len(entry) - 1, 2):
            if entry[at] == "held":
                return bool(entry[at + 1])
        return False
    return bool(entry.get("held"))


def why(
    rule: str,
    description: str,
    checks: Sequence[dict[str, Any]],
    window: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The explanation of one rule on one activity (and its window, for window rules)."""
    explanation: dict[str, Any] = {
        "rule": rule,
        "description": description,
        "checks": list(checks),
    }
    if window is not None:
        explanation["window"] = window
    return explanation


def _seen(entry: Mapping[str, Any]) -> str:
    return f" (seen {literal(entry.get('seen'))})" if "seen" in entry else ""


# Says where a condition is written (``bot.rules.testing``); given the condition an entry came
# from, or None for entries no condition made (the kind, the earner).
Locate = Callable[[Any], str]


def _nowhere(condition: Any) -> str:
    return ""


def _parts(condition: Any, checks: Sequence[Any]) -> list[Any]:
    """The conditions the nested ``checks`` came from: ``explain`` lists a condition's
    children in the order they are written, so they pair up one to one."""
    children = getattr(condition, "children", ())
    return list(children) if len(children) == len(checks) else [None] * len(checks)


def failure_text(entry: Mapping[str, Any], condition: Any = None, locate: Locate = _nowhere) -> str:
    """Why a failed check failed, down to the leaf conditions and the values they saw; with
    the ``condition`` the entry came from, ``locate`` adds where each leaf is written."""
    checks: list[Mapping[str, Any]] = list(entry.get("checks", ()))
    parts = _parts(condition, checks)
    kind = entry.get("condition")
    if kind == "all":
        return "; ".join(
            failure_text(check, part, locate)
            for check, part in zip(checks, parts, strict=True)
            if not check.get("held")
        )
    if kind == "any":
        return "none of: " + "; ".join(
            failure_text(check, part, locate) for check, part in zip(checks, parts, strict=True)
        )
    if kind == "not":
        return f"{entry.get('text')}, but " + "; ".join(
            held_text(check, part, locate) for check, part in zip(checks, parts, strict=True)
        )
    return f"{entry.get('text')}{_seen(entry)}{locate(condition)}"


def held_text(entry: Mapping[str, Any], condition: Any = None, locate: Locate = _nowhere) -> str:
    """What made a check hold, down to the leaf conditions and the values they saw; with
    the ``condition`` the entry came from, ``locate`` adds where each leaf is written."""
    checks: list[Mapping[str, Any]] = list(entry.get("checks", ()))
    parts = _parts(condition, checks)
    kind = entry.get("condition")
    if kind in ("all", "any"):
        return "; ".join(
            held_text(check, part, locate)
            for check, part in zip(checks, parts, strict=True)
            if check.get("held")
        )
    if kind == "not":
        # The inner check failed: a leaf says so by its value alone ("not (is_reply is true)
        # (seen false)"); a compound one names the parts that failed.
        if len(checks) == 1 and "checks" not in checks[0]:
            return f"{entry.get('text')}{_seen(checks[0])}{locate(parts[0])}"
        return f"{entry.get('text')}, failing " + "; ".join(
            failure_text(check, part, locate) for check, part in zip(checks, parts, strict=True)
        )
    return f"{entry.get('text')}{_seen(entry)}{locate(condition)}"
