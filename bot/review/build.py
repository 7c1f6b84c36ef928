"""Building a review packet from the stored evidence of one person over one period.

The packet only ever comes from an explicit ``ladder-bot review``: nothing here runs on a
schedule. It lists evidence and never weighs it: no scores, no ranks, no comparison with anyone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.evidence.listing import evidence_rows
from bot.ladder import Expectation, Ladder
from bot.review.model import (
    CoverageCell,
    CoverageMark,
    ExpectationEntry,
    Item,
    LevelSection,
    ReviewPacket,
    Timeline,
)

__all__ = ["EXAMPLES", "build_packet", "packet_from_rows", "period"]

EXAMPLES = 3  # best examples per expectation
SEEN_CHARS = 60  # seen values in an explanation line are cut to this


def period(since: date, until: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The days ``since`` to ``until``, both included, in ``zone``, as UTC bounds: the start of
    ``since`` and the start of the day after ``until`` (a day may last 23 or 25 hours)."""
    start = datetime.combine(since, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(until + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def build_packet(
    session: Session,
    ladder: Ladder,
    *,
    person: str,
    level: int,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    now: datetime,
) -> ReviewPacket:
    """The packet for ``person`` at ``level``: evidence with ``start <= occurred_at < end``.

    ``start`` and ``end`` are aware datetimes (``end`` exclusive), normally the start of the
    first day and the start of the day after the last, in ``zone``.
    """
    rows = evidence_rows(session, ladder, person=person, since=start, until=end)
    return packet_from_rows(
        rows, ladder, person=person, level=level, start=start, end=end, zone=zone, now=now
    )


def packet_from_rows(
    rows: Iterable[Mapping[str, Any]],
    ladder: Ladder,
    *,
    person: str,
    level: int,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    now: datetime,
) -> ReviewPacket:
    """The packet from evidence rows as :func:`bot.evidence.listing.evidence_rows` gives them."""
    items = sorted(
        (_item(row, zone) for row in rows),
        key=lambda item: (item.occurred_at, item.expectation, item.rule, item.url),
    )
    items = [item for item in items if start <= item.occurred_at < end]
    by_expectation: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        by_expectation[item.expectation].append(item)

    sections = []
    for wanted, role in ((level, "current"), (level + 1, "next")):
        if wanted not in ladder.levels:
            continue
        entries = tuple(
            _entry(expectation, ladder, by_expectation.get(expectation.id, []))
            for expectation in _in_order(ladder, ladder.at_level(wanted))
        )
        sections.append(LevelSection(wanted, role, entries))

    since = start.astimezone(zone).date()
    until = (end - timedelta(microseconds=1)).astimezone(zone).date()
    return ReviewPacket(
        person=person,
        level=level,
        ladder_name=ladder.name,
        ladder_title=ladder.title,
        since=since,
        until=until,
        timezone=zone.key,
        start=start,
        end=end,
        generated_at=now,
        levels=tuple(ladder.levels),
        dimensions=tuple(ladder.dimensions),
        sections=tuple(sections),
        timeline=_timeline(items, ladder, since, until),
        coverage=_coverage(ladder, by_expectation),
        appendix=tuple(items),
    )


# -- items ---------------------------------------------------------------------------------------


def _item(row: Mapping[str, Any], zone: ZoneInfo) -> Item:
    occurred = row["occurred_at"]
    if isinstance(occurred, str):
        occurred = datetime.fromisoformat(occurred.replace("Z", "+00:00"))
    confidential = bool(row.get("confidential"))
    return Item(
        day=occurred.astimezone(zone).date(),
        occurred_at=occurred,
        expectation=str(row["expectation"]),
        expectation_text=str(row.get("expectation_text") or ""),
        level=int(row["level"]),
        dimension=str(row["dimension"]),
        rule=str(row["rule"]),
        kind=str(row.get("kind") or ""),
        url=str(row["url"]),
        project=str(row.get("project") or ""),
        confidential=confidential,
        summary=None if confidential else str(row.get("summary") or ""),
        why=() if confidential else why_lines(row.get("why") or {}),
    )


def why_lines(why: Mapping[str, Any]) -> tuple[str, ...]:
    """The checks that held, as plain lines: ``words is at least 3 (seen 12)``.

    The activity's kind, always the first check, is left out: the rule already says it.
    """
    lines: list[str] = []

    def walk(checks: Sequence[Mapping[str, Any]]) -> None:
        for check in checks:
            if not check.get("held"):
                continue
            nested = check.get("checks")
            if nested and check.get("condition") in ("all", "any"):
                walk(nested)
                continue
            if check.get("condition") == "kind":
                continue
            text = str(check.get("text") or check.get("condition") or "")
            if "seen" in check and not nested:
                among = f" among {_shown(check['elements'])}" if check.get("elements") else ""
                text += f" (seen {_shown(check['seen'])}{among})"
            lines.append(text)

    walk(why.get("checks") or [])
    return tuple(lines)


def _shown(value: Any) -> str:
    if isinstance(value, str):
        text = " ".join(value.split())
        return repr(text if len(text) <= SEEN_CHARS else text[: SEEN_CHARS - 1] + "…")
    if isinstance(value, list):
        shown = ", ".join(_shown(item) for item in value[:5])
        return "[" + shown + (", …" if len(value) > 5 else "") + "]"
    return str(value)


def _strength(item: Item) -> int:
    """How much an item shows: the checks that held (a simple, deterministic measure)."""
    return len(item.why)


# -- expectations ------------------------------------------------------------------------------


def _in_order(ladder: Ladder, expectations: Iterable[Expectation]) -> list[Expectation]:
    """Ladder order: dimension by dimension, document order within each."""
    order = ladder.dimension_order
    ranked = sorted(
        enumerate(expectations),
        key=lambda pair: (order.get(pair[1].dimension, len(order)), pair[0]),
    )
    return [expectation for _, expectation in ranked]


def best_examples(items: Sequence[Item], limit: int = EXAMPLES) -> tuple[Item, ...]:
    """Up to ``limit`` items, one per link: those that can be shown (not confidential) first,
    then the most checks held, then the newest; listed newest first."""
    ranked = sorted(
        items,
        key=lambda item: (
            item.confidential,
            -_strength(item),
            -item.occurred_at.timestamp(),
            item.url,
            item.rule,
        ),
    )
    chosen: list[Item] = []
    links: set[str] = set()
    for item in ranked:
        if item.url in links:
            continue
        links.add(item.url)
        chosen.append(item)
        if len(chosen) == limit:
            break
    return tuple(sorted(chosen, key=lambda item: (-item.occurred_at.timestamp(), item.url)))


def _entry(expectation: Expectation, ladder: Ladder, items: Sequence[Item]) -> ExpectationEntry:
    return ExpectationEntry(
        id=expectation.id,
        text=expectation.text,
        level=expectation.level,
        dimension=expectation.dimension,
        heading=ladder.heading(expectation.level, expectation.dimension),
        observable=expectation.observable,
        why_not=expectation.why_not,
        count=len(items),
        examples=best_examples(items),
    )


# -- pictures ------------------------------------------------------------------------------------


def months_between(first: date, last: date) -> tuple[str, ...]:
    """``YYYY-MM`` for every month from ``first``'s to ``last``'s, both included."""
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(months)


def _timeline(items: Sequence[Item], ladder: Ladder, since: date, until: date) -> Timeline:
    months = months_between(since, until)
    extra = sorted({item.dimension for item in items} - set(ladder.dimensions))
    dimensions = (*ladder.dimensions, *extra)
    column = {month: index for index, month in enumerate(months)}
    counts = [[0] * len(months) for _ in dimensions]
    row = {dimension: index for index, dimension in enumerate(dimensions)}
    for item in items:
        index = column.get(f"{item.day.year:04d}-{item.day.month:02d}")
        if index is not None:
            counts[row[item.dimension]][index] += 1
    return Timeline(months, dimensions, tuple(tuple(line) for line in counts))


def _coverage(
    ladder: Ladder, by_expectation: Mapping[str, Sequence[Item]]
) -> tuple[CoverageCell, ...]:
    cells = []
    for level in ladder.levels:
        at_level = ladder.at_level(level)
        for dimension in ladder.dimensions:
            marks = tuple(
                CoverageMark(
                    id=e.id,
                    text=e.text,
                    observable=e.observable,
                    why_not=e.why_not,
                    count=len(by_expectation.get(e.id, ())),
                )
                for e in at_level
                if e.dimension == dimension
            )
            cells.append(CoverageCell(level, dimension, ladder.heading(level, dimension), marks))
    return tuple(cells)
