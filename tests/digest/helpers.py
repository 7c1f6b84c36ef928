"""Evidence rows written straight into a store, shaped like the matcher's, for digest tests."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from bot.ladder import Ladder, load_ladder
from bot.store import models
from bot.sync.bulk import table
from tests.sync.helpers import Store

ROOT = Path(__file__).resolve().parents[2]
LADDER: Ladder = load_ladder(ROOT / "ladder.yaml")
BERLIN = ZoneInfo("Europe/Berlin")
GITLAB = "https://gitlab.example.com"
# 2026-W45 in Berlin: Monday 2 November 00:00 CET (= 1 November 23:00 UTC) to Monday 9 November.
WEEK_START = datetime(2026, 11, 1, 23, tzinfo=UTC)
NOW = datetime(2026, 11, 12, 9, tzinfo=UTC)
_ids = itertools.count(1)


def why(rule: str, *checks: Mapping[str, Any], window: Mapping[str, Any] | None = None) -> dict:
    """An explanation shaped like the rule engine's: the kind check first, then ``checks``."""
    explanation: dict[str, Any] = {
        "rule": rule,
        "description": f"What {rule} recognises.",
        "checks": [
            {
                "condition": "kind",
                "field": "kind",
                "text": "kind is merge_request_authored",
                "seen": "merge_request_authored",
                "held": True,
            },
            *checks,
        ],
    }
    if window is not None:
        explanation["window"] = dict(window)
    return explanation


def evidence(
    person: str,
    expectation: str,
    occurred_at: datetime,
    *,
    rule: str = "mr-authored",
    summary: str | None = None,
    url: str | None = None,
    project: str = "acme/backend",
    confidential: bool = False,
    kind: str = "merge_request_authored",
    explanation: Mapping[str, Any] | None = None,
    ladder: Ladder = LADDER,
) -> dict[str, Any]:
    """One evidence row as the matcher writes it."""
    number = next(_ids)
    target = ladder.expectations.get(expectation)
    return {
        "key": f"{rule}:{expectation}:mr:{number}",
        "person_id": None,
        "person_username": person,
        "expectation": expectation,
        "level": target.level if target else int(expectation[1]),
        "dimension": target.dimension if target else expectation.split(".")[1],
        "rule": rule,
        "rule_digest": "0" * 64,
        "activity_key": f"mr:{number}",
        "kind": kind,
        "occurred_at": occurred_at,
        "project_path": project,
        "url": url or f"{GITLAB}/{project}/-/merge_requests/{number}",
        "summary": summary if summary is not None else f"Opened !{number}: change {number}",
        "why": dict(explanation) if explanation is not None else why(rule),
        "confidential": confidential,
        "matched_at": NOW,
    }


def write(store: Store, rows: Iterable[Mapping[str, Any]]) -> None:
    rows = [dict(row) for row in rows]
    if rows:
        with store.sessions.begin() as session:
            session.execute(insert(table(models.Evidence)), rows)


def adversarial_digest(texts: Iterable[str], *, person: str = "alice") -> Any:
    """A digest whose every user-derived value is hostile: summaries, seen values, found
    text, window values, rule descriptions and check texts, project paths, expectation texts,
    dimension headings; some items confidential, some not, some new."""
    from bot.digest.model import (
        Digest,
        DimensionEvidence,
        ExpectationEvidence,
        Item,
        LevelEvidence,
        Opportunity,
    )
    from bot.digest.weeks import IsoWeek, bounds
    from bot.ladder import Expectation

    texts = list(texts)
    week = IsoWeek(2026, 45)
    start, end = bounds(week, BERLIN)
    items = []
    for index, text in enumerate(texts):
        explanation = why(
            "hostile-rule",
            {
                "condition": "all",
                "text": f"all of these hold: {text}",
                "held": True,
                "checks": [
                    {
                        "condition": "matches",
                        "field": "title",
                        "text": f"title matches /{text}/",
                        "seen": text,
                        "held": True,
                        "found": text,
                    },
                    {
                        "condition": "contains",
                        "field": "labels",
                        "text": "labels contains x",
                        "seen": [text, "@alice", "#1"],
                        "held": False,
                    },
                    {
                        "condition": "paths",
                        "text": "paths",
                        "seen": [text],
                        "held": True,
                        "matched": [text],
                    },
                ],
            },
            window={"days": 90, "distinct": [text, "bob"], "activities": ["a", "b"]},
        )
        explanation["description"] = text
        items.append(
            Item(
                key=f"k{index}",
                expectation="l2.impact.delivers-tasks-meeting-criteria",
                level=2,
                dimension="impact",
                rule="hostile-rule",
                kind="merge_request_authored",
                url=f"{GITLAB}/acme/backend/-/merge_requests/{index + 1}",
                project="acme/backend" if index % 5 else text,
                occurred_at=start if index % 2 else start.replace(year=2025),
                summary=text,
                why=explanation,
                confidential=index % 7 == 3,
                new=bool(index % 2),
                expectation_text=text,
            )
        )
    hostile = Expectation(
        id="l2.impact.delivers-tasks-meeting-criteria",
        level=2,
        dimension="impact",
        text=" ".join(texts[:3]),
        examples=(),
        observable=True,
        why_not=None,
    )
    group = ExpectationEvidence(hostile, tuple(items), earlier_since=start.replace(year=2025))
    level = LevelEvidence(2, True, (DimensionEvidence("impact", texts[0], (group,)),))
    return Digest(
        person=person,
        level=2,
        next_level=3,
        week=week,
        zone=BERLIN,
        start=start,
        end=end,
        complete=True,
        ladder_title=texts[-1],
        levels=(level, LevelEvidence(3, False, ())),
        also_new=tuple(items[:5]),
        opportunities=tuple(
            Opportunity(Expectation("l3.x.y", 3, "x", text, (), True, None), heading=text)
            for text in texts[:5]
        ),
        opportunities_level=3,
    )
