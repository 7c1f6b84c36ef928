"""Recompute a subject's activities from what the store holds, and replace them in place.

Each MR, issue or project's pipelines is a *source*; its activities are derived from stored raw
payloads only, so this runs during a sync and again, without GitLab, whenever the derivation
changes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from bot.activities import (
    Activity,
    issue_activities,
    merge_request_activities,
    pipeline_activities,
)
from bot.store import models
from bot.sync import attribution, bulk
from bot.sync.users import Directory

Payload = dict[str, object]


class Item(Protocol):
    """What derivation reads of a stored MR or issue: an ORM row, or a page's ``Fresh`` one."""

    @property
    def iid(self) -> int: ...

    @property
    def raw(self) -> dict[str, Any]: ...

    @property
    def deleted_at(self) -> datetime | None: ...


class MergeRequestItem(Item, Protocol):
    @property
    def diffs(self) -> list[Any] | None: ...


@dataclass(frozen=True, slots=True)
class Fresh:
    """An item a page has just written with a Core upsert, where no ORM row exists."""

    iid: int
    raw: dict[str, Any]
    diffs: list[Any] | None = None
    deleted_at: datetime | None = None

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> Fresh:
        """From the column values written (``records.merge_request_values`` and the like)."""
        return cls(values["iid"], values["raw"], values.get("diffs"), values["deleted_at"])


def mr_source(project_id: int, iid: int) -> str:
    return f"mr:{project_id}:{iid}"


def issue_source(project_id: int, iid: int) -> str:
    return f"issue:{project_id}:{iid}"


def pipelines_source(project_id: int) -> str:
    return f"pipelines:{project_id}"


def _notes(
    session: Session, project_id: int, noteable_type: str, iids: Sequence[int]
) -> dict[int, list[dict[str, object]]]:
    """The human comments of some MRs or issues, oldest first, by iid.

    System notes stay in the store but out of derivation: they are fetched only when an item's
    notes are fetched in full (a reconcile, a count mismatch), and activities must not depend
    on which path a sync happened to take. Review requests therefore date from the MR.
    """
    # Plain columns, not ORM objects: derivation reads tens of thousands of notes per run.
    rows = session.execute(
        select(models.Note.noteable_iid, models.Note.raw, models.Note.discussion_id)
        .where(
            models.Note.project_id == project_id,
            models.Note.noteable_type == noteable_type,
            models.Note.noteable_iid.in_(iids),
            models.Note.system.is_(False),
            models.Note.deleted_at.is_(None),
        )
        .order_by(models.Note.id)
    )
    out: dict[int, list[dict[str, object]]] = {iid: [] for iid in iids}
    for iid, raw, discussion_id in rows:
        if discussion_id:
            raw = {**raw, "discussion_id": discussion_id}  # decoded afresh: ours to extend
        out[iid].append(raw)
    return out


def replace(
    session: Session, sources: Sequence[str], activities: Sequence[Activity], now: datetime
) -> tuple[int, int]:
    """Make the stored activities of ``sources`` exactly ``activities``: (written, removed)."""
    if not sources:
        return 0, 0
    existing = {
        row.key: row
        for row in session.scalars(
            select(models.Activity).where(models.Activity.source.in_(sources))
        )
    }
    inserts: list[dict[str, object]] = []
    written = 0
    for activity in activities:
        values = _values(activity)
        row = existing.pop(activity.key, None)
        if row is None:
            inserts.append({"key": activity.key, "updated_at": now, **values})
            written += 1
        elif any(getattr(row, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = now
            written += 1
    if inserts:
        # Core, not ORM, insert: the rows are plain dicts and need no identity map.
        session.execute(insert(bulk.table(models.Activity)), inserts)
    if existing:
        session.execute(
            delete(models.Activity).where(models.Activity.id.in_([r.id for r in existing.values()]))
        )
    return written, len(existing)


def _values(activity: Activity) -> dict[str, object]:
    return {
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
        "source": _source_of(activity),
    }


def _source_of(activity: Activity) -> str:
    if activity.subject_type == "merge_request":
        return mr_source(activity.project_id, activity.subject_iid or 0)
    if activity.subject_type == "issue":
        return issue_source(activity.project_id, activity.subject_iid or 0)
    return pipelines_source(activity.project_id)


# The template types (``/templates/merge_requests``, ``/templates/issues``) whose contents
# descriptions are read without; ``bot.sync.templates`` fetches them.
MERGE_REQUEST_TEMPLATES = "merge_requests"
ISSUE_TEMPLATES = "issues"


def templates(session: Session, project_id: int, kind: str) -> tuple[str, ...]:
    """The stored description templates of a project of one type, by name."""
    rows = session.scalars(
        select(models.DescriptionTemplate.raw)
        .where(
            models.DescriptionTemplate.project_id == project_id,
            models.DescriptionTemplate.kind == kind,
        )
        .order_by(models.DescriptionTemplate.name)
    )
    return tuple(str(raw.get("content") or "") for raw in rows)


def merge_requests(
    session: Session,
    directory: Directory,
    project: models.Project,
    rows: Sequence[MergeRequestItem],
    now: datetime,
) -> tuple[int, int]:
    """Re-derive the activities of several merge requests of one project."""
    if not rows:
        return 0, 0
    iids = [row.iid for row in rows]
    contents = templates(session, project.id, MERGE_REQUEST_TEMPLATES)
    notes = _notes(session, project.id, "MergeRequest", iids)
    approvals: dict[int, list[dict[str, object]]] = {iid: [] for iid in iids}
    for mr_iid, raw in session.execute(  # columns, not objects: nothing here is written back
        select(models.Approval.mr_iid, models.Approval.raw).where(
            models.Approval.project_id == project.id,
            models.Approval.mr_iid.in_(iids),
            models.Approval.deleted_at.is_(None),
        )
    ):
        approvals[mr_iid].append(raw)  # decoded afresh for this query: ours to hand on
    activities: list[Activity] = []
    for row in rows:
        if row.deleted_at is None:
            activities.extend(
                merge_request_activities(
                    row.raw,
                    project_path=project.path,
                    diffs=list(row.diffs or []),
                    approvals=approvals[row.iid],
                    notes=notes[row.iid],
                    actors=directory,
                    templates=contents,
                )
            )
    return replace(session, [mr_source(project.id, row.iid) for row in rows], activities, now)


def every(
    session: Session,
    directory: Directory,
    project: models.Project,
    model: type[models.MergeRequest] | type[models.Issue],
    now: datetime,
) -> tuple[int, int, int]:
    """Re-derive all of a project's merge requests or issues: (items, written, removed)."""
    # Each batch is derived before the next is read: ``batches`` lets a batch go once done.
    done: Iterator[tuple[int, tuple[int, int]]]
    if model is models.MergeRequest:
        done = (
            (len(rows), merge_requests(session, directory, project, rows, now))
            for rows in batches(session, models.MergeRequest, project.id)
        )
    else:
        done = (
            (len(rows), issues(session, directory, project, rows, now))
            for rows in batches(session, models.Issue, project.id)
        )
    count = written = removed = 0
    for items, (added, gone) in done:
        count, written, removed = count + items, written + added, removed + gone
    return count, written, removed


# Merge requests or issues derived together: one query for their notes, one for approvals.
BATCH = 500

_Row = TypeVar("_Row", models.MergeRequest, models.Issue)


def batches(session: Session, model: type[_Row], project_id: int) -> Iterator[Sequence[_Row]]:
    """A project's merge requests or issues, ``BATCH`` at a time. After each batch its
    activity changes are written and its raw payloads let go: a project may hold tens of
    thousands of merge requests."""
    iids = list(
        session.scalars(select(model.iid).where(model.project_id == project_id).order_by(model.iid))
    )
    for first in range(0, len(iids), BATCH):
        rows = session.scalars(
            select(model).where(
                model.project_id == project_id, model.iid.in_(iids[first : first + BATCH])
            )
        ).all()
        yield rows
        session.flush()
        for row in rows:
            session.expunge(row)


def issues(
    session: Session,
    directory: Directory,
    project: models.Project,
    rows: Sequence[Item],
    now: datetime,
) -> tuple[int, int]:
    """Re-derive the activities of several issues of one project."""
    if not rows:
        return 0, 0
    notes = _notes(session, project.id, "Issue", [row.iid for row in rows])
    contents = templates(session, project.id, ISSUE_TEMPLATES)
    activities: list[Activity] = []
    for row in rows:
        if row.deleted_at is None:
            activities.extend(
                issue_activities(
                    row.raw,
                    project_path=project.path,
                    notes=notes[row.iid],
                    actors=directory,
                    templates=contents,
                )
            )
    return replace(session, [issue_source(project.id, row.iid) for row in rows], activities, now)


def pipelines(
    session: Session, directory: Directory, project: models.Project, now: datetime
) -> tuple[int, int]:
    payloads = list(
        session.scalars(
            select(models.Pipeline.raw)
            .where(models.Pipeline.project_id == project.id)
            .order_by(models.Pipeline.id)
        )
    )
    users = {row.id: row for row in session.scalars(select(models.User))}
    index = attribution.authors(session, project.id)

    def actor_of(pipeline: Mapping[str, Any]) -> Mapping[str, Any] | None:
        uid = attribution.actor_id(pipeline, index)
        user = users.get(uid) if uid is not None else None
        return {"id": user.id, "username": user.username, "name": user.name} if user else None

    activities = pipeline_activities(
        payloads, project_path=project.path, actor_of=actor_of, actors=directory
    )
    return replace(session, [pipelines_source(project.id)], activities, now)
