"""Evidence rows for review packet tests: as ``evidence_rows`` returns them, or as stored rows."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.ladder import Ladder, load_ladder
from bot.store import models

ROOT = Path(__file__).resolve().parents[2]
LADDER = ROOT / "ladder.yaml"
NOW = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
BASE = "https://gitlab.example.com/acme/backend/-"
# A summary written to break things: HTML, Markdown, GitLab references and a quick action.
HOSTILE = (
    "<script>alert(1)</script> <img src=x onerror=alert(2)> @all #12 !3 ~bug %v1 $7 &9 "
    "[click](javascript:alert(3)) | pipe `tick` **bold** /close"
)
SECRET = "SECRET-layoff-plan"

_ids = itertools.count(1)


def ladder() -> Ladder:
    return load_ladder(LADDER)


def why(rule: str, kind: str, held: int = 1) -> dict[str, Any]:
    """An explanation with ``held`` checks that held after the kind check."""
    checks: list[dict[str, Any]] = [
        {
            "condition": "kind",
            "field": "kind",
            "text": f"kind is {kind}",
            "seen": kind,
            "held": True,
        }
    ]
    checks += [
        {
            "condition": "at_least",
            "field": f"field_{index}",
            "text": f"field_{index} is at least 1",
            "seen": index + 1,
            "held": True,
        }
        for index in range(held)
    ]
    return {"rule": rule, "description": "test rule", "checks": checks}


def row(
    the_ladder: Ladder,
    expectation: str,
    when: datetime | str,
    *,
    person: str = "alice",
    rule: str = "test-rule",
    kind: str = "merge_request_merged",
    url: str | None = None,
    summary: str | None = None,
    confidential: bool = False,
    held: int = 1,
    project: str = "acme/backend",
) -> dict[str, Any]:
    """One evidence row shaped like :func:`bot.evidence.listing.evidence_rows` gives it."""
    moment = datetime.fromisoformat(when.replace("Z", "+00:00")) if isinstance(when, str) else when
    found = the_ladder.get(expectation)
    assert found is not None, expectation
    number = next(_ids)
    return {
        "person": person,
        "expectation": expectation,
        "expectation_text": found.text,
        "level": found.level,
        "dimension": found.dimension,
        "rule": rule,
        "kind": kind,
        "url": url or f"{BASE}/merge_requests/{number}",
        "occurred_at": moment.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "summary": summary if summary is not None else f"Merged !{number}: change {number}",
        "why": why(rule, kind, held),
        "confidential": confidential,
        "project": project,
    }


def stored(data: dict[str, Any], key: str | None = None) -> models.Evidence:
    """A row as an ``Evidence`` model, to insert into a store."""
    occurred = datetime.fromisoformat(data["occurred_at"].replace("Z", "+00:00"))
    return models.Evidence(
        key=key or f"{data['rule']}:{data['expectation']}:{data['url']}",
        person_id=None,
        person_username=data["person"],
        expectation=data["expectation"],
        level=data["level"],
        dimension=data["dimension"],
        rule=data["rule"],
        rule_digest="0" * 64,
        activity_key=data["url"],
        kind=data["kind"],
        occurred_at=occurred,
        project_path=data["project"],
        url=data["url"],
        summary=data["summary"],
        why=data["why"],
        confidential=data["confidential"],
        matched_at=NOW,
    )


# Expectations of levels 2 and 3 (alice is at level 2), one per dimension, and one of level 4.
SPREAD = (
    "l2.mastery.writes-automated-tests",
    "l2.impact.delivers-tasks-meeting-criteria",
    "l2.communication.actionable-review-feedback",
    "l3.mastery.debugs-issues",
    "l3.influence.builds-tools-for-others",
    "l3.communication.proactive-timely-feedback",
    "l4.leadership.sought-out-for-code-reviews",
)


def year_rows(the_ladder: Ladder) -> list[dict[str, Any]]:
    """A deterministic year of alice's evidence (2026), with a hostile and a confidential item."""
    rows = []
    start = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    for week in range(50):
        moment = start + timedelta(days=7 * week)
        for index, expectation in enumerate(SPREAD):
            if (week + index) % (index + 2) == 0:
                rows.append(row(the_ladder, expectation, moment, held=(week + index) % 4))
    rows.append(
        row(
            the_ladder,
            "l2.impact.delivers-tasks-meeting-criteria",
            "2026-06-10T09:00:00Z",
            summary=HOSTILE,
            held=9,
            url=f"{BASE}/merge_requests/900",
        )
    )
    rows.append(
        row(
            the_ladder,
            "l2.communication.actionable-review-feedback",
            "2026-06-11T09:00:00Z",
            summary=f"Reviewed {SECRET}",
            kind="review_comment",
            confidential=True,
            held=12,
            url=f"{BASE}/issues/77#note_901",
        )
    )
    rows[-1]["why"]["checks"][1]["seen"] = SECRET
    rows.sort(key=lambda item: item["occurred_at"])
    return rows
