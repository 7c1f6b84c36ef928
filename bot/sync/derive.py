"""Recompute a subject's activities from what the store holds, and replace them in place.

Each MR, issue or project's pipelines is a *source*; its activities are derived from stored raw
payloads only, so this runs during a sync and again, without GitLab, whenever the derivation
changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.activities import (
    Activity,
    issue_activities,
    merge_request_activities,
    pipeline_activities,
)
from bot.store import models
from bot.sync.users import Directory

Payload = dict[str, object]


def mr_source(project_id: int, iid: int) -> str:
    return f"mr:{project_id}:{iid}"


def issue_source(project_id: int, iid: int) -> str:
    return f"issue:{project_id}:{iid}"


def pipelines_source(project_id: int) -> str:
    return f"pipelines:{project_id}"


def _notes(
    session: Session, project_id: int, noteable_type: str, iid: int
) -> list[dict[str, object]]:
    """The human comments of one MR or issue, oldest first.

    System notes stay in the store but out of derivation: they are fetched only when an item's
    notes are fetched in full (a reconcile, a count mismatch), and activities must not depend
    on which path a sync happened to take. Review requests therefore date from the MR.
    """
    rows = session.scalars(
        select(models.Note)
        .where(
            models.Note.project_id == project_id,
            models.Note.noteable_type == noteable_type,
            models.Note.noteable_iid == iid,
            models.Note.system.is_(False),
            models.Note.deleted_at.is_(None),
        )
        .order_by(models.Note.id)
    )
    out = []
    for row in rows:
        payload = dict(row.raw)
        if row.discussion_id:
            payload["discussion_id"] = row.discussion_id
        out.append(payload)
    return out


def replace(
    session: Session, source: str, activities: Sequence[Activity], now: datetime
) -> tuple[int, int]:
    """Make the stored activities of ``source`` exactly ``activities``: (written, removed)."""
    existing = {
        row.key: row
        for row in session.scalars(select(models.Activity).where(models.Activity.source == source))
    }
    written = 0
    for activity in activities:
        row = existing.pop(activity.key, None)
        values = {
            "kind": activity.kind,
            "actor_id": activity.actor_id,
            "actor_username": activity.actor_username,
            "occurred_at": activity.occurred_at,
            "project_id": activity.project_id,
            "project_path": activity.project_path,
            "url": activity.url,
            "subject_type": activity.subject_type,
            "subject_iid": activity.subject_iid,
            "context": activity.context,
            "fields": activity.fields,
            "confidential": activity.confidential,
            "source": source,
        }
        if row is None:
            session.add(models.Activity(key=activity.key, updated_at=now, **values))
            written += 1
        elif any(getattr(row, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = now
            written += 1
    for row in existing.values():
        session.delete(row)
    return written, len(existing)


def merge_request(
    session: Session,
    directory: Directory,
    project: models.Project,
    mr: models.MergeRequest,
    now: datetime,
) -> tuple[int, int]:
    source = mr_source(project.id, mr.iid)
    if mr.deleted_at is not None:
        return replace(session, source, [], now)
    approvals = [
        dict(row.raw)
        for row in session.scalars(
            select(models.Approval).where(
                models.Approval.project_id == project.id,
                models.Approval.mr_iid == mr.iid,
                models.Approval.deleted_at.is_(None),
            )
        )
    ]
    activities = merge_request_activities(
        mr.raw,
        project_path=project.path,
        diffs=list(mr.diffs or []),
        approvals=approvals,
        notes=_notes(session, project.id, "MergeRequest", mr.iid),
        actors=directory,
    )
    return replace(session, source, activities, now)


def issue(
    session: Session,
    directory: Directory,
    project: models.Project,
    row: models.Issue,
    now: datetime,
) -> tuple[int, int]:
    source = issue_source(project.id, row.iid)
    if row.deleted_at is not None:
        return replace(session, source, [], now)
    activities = issue_activities(
        row.raw,
        project_path=project.path,
        notes=_notes(session, project.id, "Issue", row.iid),
        actors=directory,
    )
    return replace(session, source, activities, now)


def pipelines(
    session: Session, directory: Directory, project: models.Project, now: datetime
) -> tuple[int, int]:
    rows = session.scalars(
        select(models.Pipeline)
        .where(models.Pipeline.project_id == project.id)
        .order_by(models.Pipeline.id)
    ).all()
    users = {row.id: row for row in session.scalars(select(models.User))}

    def actor_of(pipeline: Mapping[str, Any]) -> Mapping[str, Any] | None:
        uid = pipeline.get("_user_id")
        user = users.get(uid) if isinstance(uid, int) else None
        return {"id": user.id, "username": user.username, "name": user.name} if user else None

    payloads = [{**row.raw, "_user_id": row.user_id} for row in rows]
    activities = pipeline_activities(
        payloads, project_path=project.path, actor_of=actor_of, actors=directory
    )
    return replace(session, pipelines_source(project.id), activities, now)
