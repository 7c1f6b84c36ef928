"""How far each resource of each project has been collected.

A watermark is written in the same transaction as the rows it covers, so a sync killed at any
point resumes exactly where its last committed page ended.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.store.models import Watermark


def read(session: Session, project_id: int, resource: str) -> Watermark | None:
    return session.get(Watermark, (project_id, resource))


def write(session: Session, project_id: int, resource: str, position: str, now: datetime) -> None:
    mark = session.get(Watermark, (project_id, resource))
    if mark is None:
        session.add(
            Watermark(
                project_id=project_id,
                resource=resource,
                position=position,
                updated_at=now,
                reconciled_at=None,
            )
        )
    else:
        mark.position = position
        mark.updated_at = now


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
