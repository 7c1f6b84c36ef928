"""ISO weeks in the configured timezone: what a weekly digest covers.

A week is Monday 00:00 to the next Monday 00:00 *local* time. Around a daylight-saving switch
that is 167 or 169 hours, not 168, so bounds are always computed from local dates and then
converted to UTC, never by adding seven days to a UTC instant. ``bounds(w)[1] ==
bounds(w.next())[0]`` always holds, so consecutive weeks neither overlap nor leave a gap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import BotError

__all__ = ["IsoWeek", "WeekError", "bounds", "last_complete", "previous", "week_of"]

_PATTERN = re.compile(r"(\d{4})-?W(\d{1,2})", re.IGNORECASE)


class WeekError(BotError):
    """A week written in a way we cannot read, or one its year does not have."""


@dataclass(frozen=True, order=True)
class IsoWeek:
    """An ISO 8601 week: ``IsoWeek(2026, 47)`` is ``2026-W47``."""

    year: int
    week: int

    def __post_init__(self) -> None:
        try:
            date.fromisocalendar(self.year, self.week, 1)
        except ValueError:
            weeks = weeks_in(self.year) if 1 <= self.year <= 9998 else None
            has = f" ({self.year} has {weeks} weeks)" if weeks else ""
            raise WeekError(f"{self.year}-W{self.week:02d} is not an ISO week{has}") from None

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """``2026-W47`` (also ``2026W47``, any case); raises :class:`WeekError`."""
        found = _PATTERN.fullmatch(text.strip())
        if found is None:
            raise WeekError(f"expected an ISO week such as 2026-W47, got {text!r}")
        return cls(int(found[1]), int(found[2]))

    def __str__(self) -> str:
        return f"{self.year:04d}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 7)

    def previous(self) -> IsoWeek:
        return _of_date(self.monday - timedelta(days=7))

    def next(self) -> IsoWeek:
        return _of_date(self.monday + timedelta(days=7))


def weeks_in(year: int) -> int:
    """52 or 53: 28 December is always in the year's last week."""
    return date(year, 12, 28).isocalendar().week


def _of_date(day: date) -> IsoWeek:
    iso = day.isocalendar()
    return IsoWeek(iso.year, iso.week)


def week_of(moment: datetime, zone: ZoneInfo) -> IsoWeek:
    """The ISO week that ``moment`` (timezone-aware) falls in, in ``zone``."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("week_of needs a timezone-aware datetime")
    return _of_date(moment.astimezone(zone).date())


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of ``day`` in ``zone``, in UTC.

    Where a zone skips midnight (DST starting at 00:00, as in some of South America), the
    nonexistent 00:00 is read with the offset before the switch, which lands on the first
    instant that does exist (01:00 new time). Where midnight happens twice, the first one.
    """
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def bounds(week: IsoWeek, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """``(start, end)`` in UTC: Monday 00:00 local (inclusive) to the next Monday 00:00 local
    (exclusive)."""
    return _local_midnight(week.monday, zone), _local_midnight(
        week.monday + timedelta(days=7), zone
    )


def previous(week: IsoWeek) -> IsoWeek:
    """The week before ``week`` (``2026-W01`` → ``2025-W52``, or W53 in a long year)."""
    return week.previous()


def last_complete(now: datetime, zone: ZoneInfo) -> IsoWeek:
    """The newest week that has ended at ``now`` in ``zone``: the one before ``now``'s."""
    return week_of(now, zone).previous()
