"""Simulated time: integer milliseconds since the epoch, working hours, GitLab's time format.

Integers rather than datetimes keep the simulation fast and exact; only :meth:`Clock.iso` turns
an instant into text.
"""

from __future__ import annotations

import bisect
import random
from datetime import UTC, datetime, timedelta

MINUTE = 60_000
HOUR = 3_600_000
DAY = 86_400_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Hour of day (UTC) at which work happens, repeated by weight.
_WORK_HOURS = tuple(
    hour
    for hour, weight in (
        (8, 2),
        (9, 5),
        (10, 7),
        (11, 6),
        (12, 3),
        (13, 5),
        (14, 7),
        (15, 6),
        (16, 5),
        (17, 3),
        (18, 1),
        (19, 1),
        (21, 1),
    )
    for _ in range(weight)
)


def weekday(day: int) -> int:
    """Monday = 0 for a day number since the epoch (1970-01-01 was a Thursday)."""
    return (day + 3) % 7


class Clock:
    """The simulated span ``[start, end)`` in integer milliseconds, and GitLab's time format."""

    def __init__(self, end: datetime, weeks: int) -> None:
        self.end = (end - _EPOCH) // timedelta(milliseconds=1)
        self.start = self.end - weeks * 7 * DAY
        self._prefixes: dict[int, str] = {}
        first, last = self.start // DAY, (self.end - 1) // DAY
        # Days repeated by weight: a weekday is twelve times as busy as a weekend day.
        self._days = [d for d in range(first, last + 1) for _ in range(12 if weekday(d) < 5 else 1)]

    def iso(self, ms: int) -> str:
        """``2026-03-02T09:15:00.000Z``; the date part is cached per day.

        Every payload holds several times, so this is hot: it avoids building a datetime each.
        """
        day, rest = divmod(ms, DAY)
        prefix = self._prefixes.get(day)
        if prefix is None:
            prefix = (_EPOCH + timedelta(days=day)).strftime("%Y-%m-%dT")
            self._prefixes[day] = prefix
        hours, rest = divmod(rest, HOUR)
        minutes, rest = divmod(rest, MINUTE)
        seconds, millis = divmod(rest, 1000)
        return f"{prefix}{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}Z"

    def fraction(self, share: float) -> int:
        """The instant ``share`` of the way from start to end."""
        return self.start + int((self.end - self.start) * share)

    def sample(self, rng: random.Random, lo: int | None = None, hi: int | None = None) -> int:
        """A working-hours instant in ``[lo, hi)``, weekdays much more likely than weekends."""
        lo = self.start if lo is None else max(lo, self.start)
        hi = self.end if hi is None else min(hi, self.end)
        if hi - lo <= 1:
            return lo
        first = bisect.bisect_left(self._days, lo // DAY)
        last = bisect.bisect_right(self._days, (hi - 1) // DAY)
        for _ in range(20):
            day = self._days[rng.randrange(first, last)]
            moment = day * DAY + rng.choice(_WORK_HOURS) * HOUR + rng.randrange(HOUR)
            if lo <= moment < hi:
                return moment
        # A narrow window may hold no working hour at all: any instant in it will do.
        return rng.randrange(lo, hi)

    def after(self, rng: random.Random, moment: int, lo_minutes: float, hi_minutes: float) -> int:
        """``moment`` plus a delay; a result at night or on a weekend usually waits for work."""
        moment += int(rng.uniform(lo_minutes, hi_minutes) * MINUTE)
        hour = moment // HOUR % 24
        if (hour >= 19 or hour < 7) and rng.random() < 0.85:
            day = moment // DAY + (1 if hour >= 19 else 0)
            moment = day * DAY + 8 * HOUR + rng.randrange(2 * HOUR)
        day_of_week = weekday(moment // DAY)
        if day_of_week >= 5 and rng.random() < 0.9:
            moment += (7 - day_of_week) * DAY
        return moment
