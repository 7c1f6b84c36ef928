"""Reading evidence back: one person's (or everyone's) evidence over a period, as rows.

Rows are plain dicts with a fixed set of keys, in time order, so the CLI can print them as a
table, JSON or CSV, and digests and review packets can group them. There is deliberately no
ordering by person or by amount: evidence is listed, never ranked.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.evidence import texts
from bot.ladder import Ladder
from bot.store.models import Evidence

COLUMNS: tuple[str, ...] = (
    "person",
    "expectation",
    "expectation_text",
    "level",
    "dimension",
    "rule",
    "kind",
    "url",
    "occurred_at",
    "summary",
    "why",
    "confidential",
    "project",
)


def evidence_rows(
    session: Session,
    ladder: Ladder,
    *,
    person: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    expectations: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Evidence in time order; ``since`` inclusive, ``until`` exclusive (both aware UTC)."""
    query = select(Evidence)
    if person is not None:
        query = query.where(Evidence.person_username == person)
    if since is not None:
        query = query.where(Evidence.occurred_at >= since)
    if until is not None:
        query = query.where(Evidence.occurred_at < until)
    if expectations is not None:
        query = query.where(Evidence.expectation.in_(list(expectations)))
    query = query.order_by(Evidence.occurred_at, Evidence.expectation, Evidence.rule, Evidence.id)
    items = list(session.scalars(query))
    whys = texts.expand_all(session, [item.why for item in items])
    rows = []
    for item, why in zip(items, whys, strict=True):
        expectation = ladder.expectations.get(item.expectation)
        rows.append(
            {
                "person": item.person_username,
                "expectation": item.expectation,
                "expectation_text": expectation.text if expectation else "",
                "level": item.level,
                "dimension": item.dimension,
                "rule": item.rule,
                "kind": item.kind,
                "url": item.url,
                "occurred_at": item.occurred_at.isoformat().replace("+00:00", "Z"),
                "summary": item.summary,
                "why": why,
                "confidential": item.confidential,
                "project": item.project_path,
            }
        )
    return rows


def to_json(rows: Iterable[dict[str, Any]]) -> str:
    return json.dumps(list(rows), indent=2, ensure_ascii=False) + "\n"


def to_csv(rows: Iterable[dict[str, Any]]) -> str:
    """CSV with a header; ``why`` as compact JSON in its cell."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "why": json.dumps(row["why"], separators=(",", ":"))})
    return out.getvalue()
