"""ISO weeks in the configured timezone: parsing, year boundaries, DST-correct bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.digest.weeks import IsoWeek, WeekError, bounds, last_complete, previous, week_of
from bot.errors import BotError

BERLIN = ZoneInfo("Europe/Berlin")
UTC_ZONE = ZoneInfo("UTC")


def test_parse_and_print() -> None:
    assert IsoWeek.parse("2026-W47") == IsoWeek(2026, 47)
    assert IsoWeek.parse(" 2026w05 ") == IsoWeek(2026, 5)
    assert str(IsoWeek(2026, 5)) == "2026-W05"
    assert IsoWeek(2025, 52) < IsoWeek(2026, 1) < IsoWeek(2026, 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("last week", "expected an ISO week such as 2026-W47, got 'last week'"),
        ("2026-47", "expected an ISO week such as 2026-W47"),
        ("2025-W53", "2025-W53 is not an ISO week (2025 has 52 weeks)"),
        ("2026-W00", "2026-W00 is not an ISO week (2026 has 53 weeks)"),
        ("2026-W54", "2026-W54 is not an ISO week"),
    ],
)
def test_bad_weeks_are_errors_the_user_can_fix(text: str, message: str) -> None:
    with pytest.raises(WeekError) as caught:
        IsoWeek.parse(text)
    assert isinstance(caught.value, BotError)
    assert str(caught.value).startswith(message)


def test_year_boundaries_w01_w52_w53() -> None:
    # 2026 starts on a Thursday, so it has 53 weeks; 2025 has 52; 2027-W01 starts 4 January.
    assert previous(IsoWeek(2026, 1)) == IsoWeek(2025, 52)
    assert IsoWeek(2026, 52).next() == IsoWeek(2026, 53)
    assert IsoWeek(2026, 53).next() == IsoWeek(2027, 1)
    assert previous(IsoWeek(2027, 1)) == IsoWeek(2026, 53)
    assert IsoWeek(2026, 53).monday.isoformat() == "2026-12-28"
    assert IsoWeek(2026, 53).sunday.isoformat() == "2027-01-03"
    # 1 January 2027 (a Friday) is in 2026-W53; 29 December 2025 is in 2026-W01.
    assert week_of(datetime(2027, 1, 1, 12, tzinfo=UTC), BERLIN) == IsoWeek(2026, 53)
    assert week_of(datetime(2025, 12, 29, 12, tzinfo=UTC), BERLIN) == IsoWeek(2026, 1)
    start, end = bounds(IsoWeek(2026, 1), BERLIN)
    assert start == datetime(2025, 12, 28, 23, tzinfo=UTC)  # Monday 29 Dec 00:00 CET
    assert end == datetime(2026, 1, 4, 23, tzinfo=UTC)


def test_week_of_uses_the_local_date() -> None:
    # Sunday 8 Nov 23:30 UTC is already Monday 9 Nov 00:30 in Berlin: the next week.
    late = datetime(2026, 11, 8, 23, 30, tzinfo=UTC)
    assert week_of(late, UTC_ZONE) == IsoWeek(2026, 45)
    assert week_of(late, BERLIN) == IsoWeek(2026, 46)
    assert week_of(late, ZoneInfo("America/New_York")) == IsoWeek(2026, 45)
    with pytest.raises(ValueError, match="timezone-aware"):
        week_of(datetime(2026, 11, 8), BERLIN)


def test_bounds_in_a_normal_week() -> None:
    start, end = bounds(IsoWeek(2026, 45), BERLIN)
    assert start == datetime(2026, 11, 1, 23, tzinfo=UTC)
    assert end == datetime(2026, 11, 8, 23, tzinfo=UTC)
    assert end - start == timedelta(days=7)
    assert start.tzinfo is UTC and end.tzinfo is UTC


def test_bounds_across_the_spring_switch_are_167_hours() -> None:
    # Berlin moves from CET to CEST on Sunday 29 March 2026, 02:00 → 03:00 (2026-W13).
    start, end = bounds(IsoWeek(2026, 13), BERLIN)
    assert start == datetime(2026, 3, 22, 23, tzinfo=UTC)  # Monday 23 March 00:00 CET
    assert end == datetime(2026, 3, 29, 22, tzinfo=UTC)  # Monday 30 March 00:00 CEST
    assert end - start == timedelta(hours=167)
    assert bounds(IsoWeek(2026, 14), BERLIN)[0] == end


def test_bounds_across_the_autumn_switch_are_169_hours() -> None:
    # Back from CEST to CET on Sunday 25 October 2026, 03:00 → 02:00 (2026-W43).
    start, end = bounds(IsoWeek(2026, 43), BERLIN)
    assert start == datetime(2026, 10, 18, 22, tzinfo=UTC)  # Monday 19 Oct 00:00 CEST
    assert end == datetime(2026, 10, 25, 23, tzinfo=UTC)  # Monday 26 Oct 00:00 CET
    assert end - start == timedelta(hours=169)
    # The repeated hour (02:00-03:00 local, twice) belongs to this week, both times.
    twice = (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC))
    for moment in twice:
        assert start <= moment < end
        assert week_of(moment, BERLIN) == IsoWeek(2026, 43)


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/Santiago", "Asia/Tehran", "UTC"])
def test_consecutive_weeks_neither_overlap_nor_leave_a_gap(zone: str) -> None:
    tz = ZoneInfo(zone)
    week = IsoWeek(2025, 40)
    for _ in range(70):  # through a winter and both switches
        start, end = bounds(week, tz)
        assert start < end
        assert end == bounds(week.next(), tz)[0]
        assert week_of(start, tz) == week
        assert week_of(end - timedelta(microseconds=1), tz) == week
        week = week.next()


def test_a_monday_whose_midnight_never_happened_starts_at_its_first_instant() -> None:
    # Tehran's DST began at 00:00 on Monday 22 March 2021 (clocks to 01:00): that Monday's
    # week starts at 01:00 +04:30, the first instant of the day, and the week before ends there.
    tehran = ZoneInfo("Asia/Tehran")
    start, end = bounds(IsoWeek(2021, 12), tehran)
    assert start == datetime(2021, 3, 21, 20, 30, tzinfo=UTC)
    assert start.astimezone(tehran).hour == 1
    assert bounds(IsoWeek(2021, 11), tehran)[1] == start
    assert week_of(start, tehran) == IsoWeek(2021, 12)
    assert week_of(start - timedelta(microseconds=1), tehran) == IsoWeek(2021, 11)
    assert end - start == timedelta(hours=167)  # the skipped hour is not in it


def test_last_complete_week() -> None:
    # Monday 9 November 2026, 08:00 in Berlin: the week of 2-8 November has just ended.
    monday = datetime(2026, 11, 9, 7, tzinfo=UTC)
    assert last_complete(monday, BERLIN) == IsoWeek(2026, 45)
    # Sunday evening UTC, already Monday in Berlin.
    assert last_complete(datetime(2026, 11, 8, 23, 30, tzinfo=UTC), BERLIN) == IsoWeek(2026, 45)
    assert last_complete(datetime(2026, 11, 8, 22, 30, tzinfo=UTC), BERLIN) == IsoWeek(2026, 44)
    assert last_complete(datetime(2026, 1, 2, 12, tzinfo=UTC), BERLIN) == IsoWeek(2025, 52)
