"""GitLab's time format, kept as fixed-width strings.

Every stored time is normalised to ``YYYY-MM-DDTHH:MM:SS.mmmZ`` in UTC, the format GitLab.com
answers with. Fixed width means string order is time order, so filters compare strings directly.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


def parse(value: str) -> datetime:
    """Parse an ISO 8601 time with ``Z``, an offset, or no zone (taken as UTC)."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def fmt(moment: datetime) -> str:
    """Render an aware datetime the way GitLab does: UTC, milliseconds, ``Z``."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def normalize(value: str) -> str:
    """Any accepted ISO 8601 string, in the stored form; ``ValueError`` if it is not a time.

    Strings already in the stored shape are only checked, not re-rendered: loading a large
    dataset normalises hundreds of thousands of them.
    """
    if len(value) == 24 and value[10] == "T" and value[19] == "." and value[23] == "Z":
        datetime.fromisoformat(value[:23])  # rejects 2026-02-30 and 25:00 alike
        if value[:4].isdigit() and value[20:23].isdigit():
            return value
    return fmt(parse(value))


def parse_date(value: str) -> date:
    """A ``YYYY-MM-DD`` date, as GitLab's events API reads ``before`` and ``after``.

    Grape coerces the parameter to ``Date``, so a full timestamp loses its time part.
    """
    return date.fromisoformat(value.strip()[:10])


def day_start(day: date) -> str:
    """The stored form of midnight UTC at the start of ``day``."""
    return fmt(datetime(day.year, day.month, day.day, tzinfo=UTC))


def day_after(day: date) -> date:
    return day + timedelta(days=1)
