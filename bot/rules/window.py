"""Window rules: repetition over time, such as "asked to review by 3 people within 90 days".

A window completes on the activity that brings the Nth distinct value of the ``distinct``
field within ``days`` (inclusive) ending at that activity. After a window completes, only
later activities count towards the next one, so windows never share an activity: a person
asked by a fourth, fifth and sixth reviewer within the same 90 days earns nothing more until a
new window of three completes. Activities whose value is null or empty never count.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

Activity = Mapping[str, Any]


@dataclass(frozen=True)
class Window:
    """A rule's window: ``at_least`` distinct values of ``distinct`` within ``days``."""

    days: int
    distinct: str
    at_least: int


@dataclass(frozen=True)
class Completed:
    """A window that completed on ``activity``: the distinct values, with the activity that
    first brought each one, oldest first."""

    activity: Activity
    values: tuple[Any, ...]
    keys: tuple[str, ...]


def completed_windows(
    window: Window, activities: Iterable[Activity], value_of: Callable[[Activity], Any]
) -> list[Completed]:
    """Every window that completes over ``activities`` (oldest first; all of them count)."""
    span = timedelta(days=window.days)
    pending: deque[tuple[datetime, Any, Activity]] = deque()
    counts: dict[Any, int] = {}
    found: list[Completed] = []
    for activity in activities:
        value = value_of(activity)
        if value is None or value == "" or not _hashable(value):
            continue
        when: datetime = activity["occurred_at"]
        pending.append((when, value, activity))
        counts[value] = counts.get(value, 0) + 1
        while when - pending[0][0] > span:
            _, old, _ = pending.popleft()
            counts[old] -= 1
            if not counts[old]:
                del counts[old]
        if len(counts) >= window.at_least:
            first: dict[Any, str] = {}
            for _, seen, contributor in pending:
                first.setdefault(seen, str(contributor.get("key", "")))
            found.append(Completed(activity, tuple(first), tuple(first.values())))
            pending.clear()
            counts.clear()
    return found


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
