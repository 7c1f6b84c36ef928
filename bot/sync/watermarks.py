"""How far each resource of each project has been collected.

A watermark is written in the same transaction as the rows it covers, so a sync killed at any
point resumes exactly where its last committed page ended.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.store.models import Watermark
from bot.sync import bulk


def read(session: Session, project_id: int, resource: str) -> Watermark | None:
    return session.get(Watermark, (project_id, resource))


def write(session: Session, project_id: int, resource: str, position: str, now: datetime) -> None:
    # One upsert rather than a read and a write: every page of every resource ends here.
    # ``reconciled_at`` is left out, so an existing row keeps it and a new one starts without.
    bulk.upsert(
        session,
        Watermark,
        [{"project_id": project_id, "resource": resource, "position": position, "updated_at": now}],
        ["project_id", "resource"],
    )


def reconciled(session: Session, project_id: int, now: datetime) -> None:
    mark = session.get(Watermark, (project_id, "reconcile"))
    if mark is None:
        session.add(
            Watermark(
                project_id=project_id,
                resource="reconcile",
                position="",
                updated_at=now,
                reconciled_at=now,
            )
        )
    else:
        mark.reconciled_at = now
        mark.updated_at = now


def reset(session: Session, project_id: int) -> None:
    """Forget every watermark of a project: the next sync collects it all again."""
    session.query(Watermark).filter(Watermark.project_id == project_id).delete()
