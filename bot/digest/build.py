"""Building one person's weekly digest from the stored evidence.

For the person's level and the next one, every expectation with evidence up to the end of the
week is listed, by dimension in the ladder's order: what is new this week first, then the most
recent earlier items (``earlier`` of them; the digest says how far back the rest goes rather
than listing a year of it every week). Evidence for other levels appears only when it is new
this week ("Also new this week"), so nothing the person did this week goes unmentioned.
Next-level expectations that GitLab can show and that have no evidence yet become a short list
of opportunities; at the ladder's top level they come from the person's own level.

Only the person's own evidence is read. Nothing is counted against anyone: expectations
without evidence are never listed as such, only offered as openings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import Person
from bot.digest.model import (
    Digest,
    DimensionEvidence,
    ExpectationEvidence,
    Item,
    LevelEvidence,
    Opportunity,
)
from bot.digest.weeks import IsoWeek, bounds
from bot.evidence import texts
from bot.ladder import Expectation, Ladder
from bot.store.models import Evidence, User

__all__ = ["EARLIER_SHOWN", "MAX_OPPORTUNITIES", "build_digest"]

EARLIER_SHOWN = 3  # earlier items shown in full per expectation, besides this week's
MAX_OPPORTUNITIES = 5
_CHUNK = 500  # ids per IN (...) when reading the items shown

_E = Evidence
_FULL = (
    _E.key,
    _E.expectation,
    _E.level,
    _E.dimension,
    _E.rule,
    _E.kind,
    _E.url,
    _E.project_path,
    _E.occurred_at,
    _E.summary,
    _E.why,
    _E.confidential,
)


def build_digest(
    session: Session,
    ladder: Ladder,
    person: Person,
    week: IsoWeek,
    zone: ZoneInfo,
    now: datetime,
    *,
    earlier: int = EARLIER_SHOWN,
    max_opportunities: int = MAX_OPPORTUNITIES,
) -> Digest:
    """``person``'s digest for ``week`` (bounds in ``zone``), from the evidence stored so far.

    ``now`` only decides whether the week is complete; the digest never shows it, so
    building it again gives the same digest.
    """
    start, end = bounds(week, zone)
    level = person.level
    top = max(ladder.levels, default=level)
    next_level = level + 1 if level < top else None
    wanted = {level} | ({next_level} if next_level is not None else set())

    names = _usernames(session, person.username)
    # First only what is needed to choose: which expectations, when. The explanations
    # (the bulk of a row) are read for the items shown, not for a year of evidence.
    by_expectation: dict[str, list[tuple[datetime, str, int]]] = defaultdict(list)
    query = select(_E.id, _E.key, _E.expectation, _E.occurred_at).where(
        _E.person_username.in_(names), _E.occurred_at < end
    )
    for row_id, key, expectation_id, occurred_at in session.execute(query):
        by_expectation[expectation_id].append((occurred_at, key, row_id))

    shown: dict[str, list[int]] = {}
    since: dict[str, datetime] = {}
    also: list[int] = []
    for expectation_id, rows in by_expectation.items():
        expectation = ladder.get(expectation_id)
        if expectation is None:
            continue  # the ladder changed since matching; `match` rebuilds
        rows.sort(key=lambda row: (row[0], row[1]), reverse=True)
        fresh = [row for row in rows if row[0] >= start]
        if expectation.level in wanted:
            older = rows[len(fresh) :]
            picked = fresh + older[:earlier]
            shown[expectation_id] = [row[2] for row in picked]
            if len(older) > earlier:
                since[expectation_id] = rows[-1][0]
        elif fresh:
            also.extend(row[2] for row in fresh)

    items = _items(session, ladder, [i for ids in shown.values() for i in ids] + also, start)

    levels = tuple(
        _level(ladder, lvl, lvl == level, shown, since, items)
        for lvl in sorted(wanted)  # the person's own level first: it is the lower one
    )
    also_new = tuple(sorted((items[i] for i in also), key=_newest_first))
    source = next_level if next_level is not None else level
    return Digest(
        person=person.username,
        level=level,
        next_level=next_level,
        week=week,
        zone=zone,
        start=start,
        end=end,
        complete=now >= end,
        ladder_title=ladder.title,
        levels=levels,
        also_new=also_new,
        opportunities=_opportunities(ladder, source, set(by_expectation), max_opportunities),
        opportunities_level=source,
    )


def _usernames(session: Session, username: str) -> list[str]:
    """``username`` as configured and as GitLab spells it (usernames ignore case there)."""
    found = session.scalars(
        select(User.username).where(func.lower(User.username) == username.lower())
    )
    return sorted({username, *found})


def _items(
    session: Session, ladder: Ladder, ids: Sequence[int], start: datetime
) -> dict[int, Item]:
    items: dict[int, Item] = {}
    for first in range(0, len(ids), _CHUNK):
        chunk = ids[first : first + _CHUNK]
        rows = list(session.execute(select(_E.id, *_FULL).where(_E.id.in_(chunk))))
        whys = texts.expand_all(session, [row.why or {} for row in rows])
        for row, why in zip(rows, whys, strict=True):
            items[row[0]] = _item(row, why, ladder, start)
    return items


def _item(row: Any, why: dict[str, Any], ladder: Ladder, start: datetime) -> Item:
    expectation = ladder.get(row.expectation)
    return Item(
        key=row.key,
        expectation=row.expectation,
        level=row.level,
        dimension=row.dimension,
        rule=row.rule,
        kind=row.kind,
        url=row.url,
        project=row.project_path,
        occurred_at=row.occurred_at,
        summary=row.summary,
        why=why,
        confidential=bool(row.confidential),
        new=row.occurred_at >= start,
        expectation_text=expectation.text if expectation is not None else "",
    )


def _newest_first(item: Item) -> tuple[float, str]:
    return (-item.occurred_at.timestamp(), item.key)


def _level(
    ladder: Ladder,
    level: int,
    current: bool,
    shown: dict[str, list[int]],
    since: dict[str, datetime],
    items: dict[int, Item],
) -> LevelEvidence:
    dimensions = []
    for dimension, expectations in _by_dimension(ladder, ladder.at_level(level)):
        groups = tuple(
            ExpectationEvidence(
                expectation=expectation,
                items=tuple(items[i] for i in shown[expectation.id]),
                earlier_since=since.get(expectation.id),
            )
            for expectation in expectations
            if shown.get(expectation.id)
        )
        if groups:
            dimensions.append(
                DimensionEvidence(dimension, ladder.heading(level, dimension), groups)
            )
    return LevelEvidence(level=level, current=current, dimensions=tuple(dimensions))


def _by_dimension(
    ladder: Ladder, expectations: Iterable[Expectation]
) -> list[tuple[str, list[Expectation]]]:
    """Expectations by dimension, dimensions in the ladder's order, each in document order."""
    grouped: dict[str, list[Expectation]] = defaultdict(list)
    for expectation in expectations:
        grouped[expectation.dimension].append(expectation)
    order = ladder.dimension_order
    return sorted(grouped.items(), key=lambda pair: (order.get(pair[0], len(order)), pair[0]))


def _opportunities(
    ladder: Ladder, level: int, with_evidence: set[str], limit: int
) -> tuple[Opportunity, ...]:
    """Up to ``limit`` observable expectations of ``level`` without evidence, taken in turn
    from each dimension so the list is varied; always the same ones for the same evidence."""
    queues = [
        [e for e in expectations if e.observable and e.id not in with_evidence]
        for _dimension, expectations in _by_dimension(ladder, ladder.at_level(level))
    ]
    picked: list[Opportunity] = []
    while len(picked) < limit and any(queues):
        for queue in queues:
            if queue and len(picked) < limit:
                expectation = queue.pop(0)
                heading = ladder.heading(level, expectation.dimension)
                picked.append(Opportunity(expectation, heading))
    return tuple(picked)
