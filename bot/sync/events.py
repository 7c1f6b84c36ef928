"""Comments and approvals, read from the project's events feed.

One feed page carries a hundred comments, each with its full note embedded, where asking every
merge request for its notes costs a request per MR. Events are ordered by id and only ever
appended, so the feed is walked in ascending id order from the last id seen. GitLab's ``after``
takes a date and excludes that whole day, so the walk asks from the day before and skips ids it
already has.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.store import models
from bot.sync import derive, watermarks
from bot.sync.context import ProjectSync
from bot.sync.records import approval_row, must_time, note_row
from bot.sync.users import referenced_users

Payload = dict[str, Any]
FEEDS = {"commented": "events:commented", "approved": "events:approved"}


def sync_feed(job: ProjectSync, action: str) -> None:
    resource = FEEDS[action]
    with job.sessions() as session:
        mark = None if job.full else watermarks.read(session, job.project.id, resource)
    last_id, last_at = _position(mark.position if mark else "")
    params: Payload = {"action": action, "sort": "asc", "per_page": 100}
    if last_at is not None:
        params["after"] = (last_at - timedelta(days=1)).date().isoformat()
    job.progress.start(job.path, f"{action} events")
    for page in job.client.pages(f"{job.api}/events", params):
        fresh = [event for event in page.items if int(event["id"]) > last_id]
        with job.sessions() as session, session.begin():
            touched = _store(job, session, action, fresh)
            if fresh:
                newest = max(fresh, key=lambda e: int(e["id"]))
                last_id = int(newest["id"])
                watermarks.write(
                    session, job.project.id, resource, f"{last_id}@{newest['created_at']}", job.now
                )
            _rederive(job, session, touched)
        job.summary.add(job.path, f"{action} events", fetched=len(page.items))
        job.progress.advance(len(page.items))
    job.progress.finish()


def _position(text: str) -> tuple[int, Any]:
    if not text:
        return 0, None
    ident, _, at = text.partition("@")
    return int(ident), must_time(at, "watermark")


def _store(
    job: ProjectSync, session: Any, action: str, events: list[Payload]
) -> set[tuple[str, int]]:
    """Upsert what the events carry; returns the (noteable type, iid) pairs they touched."""
    touched: set[tuple[str, int]] = set()
    for event in events:
        author = event.get("author")
        users: list[Any] = [author] if isinstance(author, dict) else []
        if action == "commented":
            note = event.get("note")
            if not isinstance(note, dict) or note.get("noteable_type") not in (
                "MergeRequest",
                "Issue",
            ):
                continue  # deleted since, or a commit/snippet comment
            users.extend(referenced_users(note))
            job.directory.ensure(session, users, job.now)
            existing = session.get(models.Note, int(note["id"]))
            row = note_row(
                note,
                job.project.id,
                f"{job.api}/events",
                job.now,
                existing.discussion_id if existing else None,
            )
            state = "updated" if existing is not None else "new"
            if existing is None or existing.updated_at != row.updated_at:
                session.merge(row)
                job.summary.add(job.path, "notes", **{state: 1})
            touched.add((str(note["noteable_type"]), int(note["noteable_iid"])))
        elif (
            action == "approved"
            and event.get("target_type") == "MergeRequest"
            and isinstance(author, dict)
        ):
            job.directory.ensure(session, users, job.now)
            iid = int(event["target_iid"])
            key = (job.project.id, iid, int(author["id"]))
            if session.get(models.Approval, key) is None:
                session.add(
                    approval_row(
                        job.project.id,
                        iid,
                        author,
                        must_time(event["created_at"], "event"),
                        f"{job.api}/events",
                        job.now,
                    )
                )
                job.summary.add(job.path, "approvals", new=1)
            touched.add(("MergeRequest", iid))
    return touched


def _rederive(job: ProjectSync, session: Any, touched: set[tuple[str, int]]) -> None:
    """Notes do not always move their MR's ``updated_at`` (GitLab throttles the touch to once a
    minute), so what the feed touched is re-derived here rather than waiting for the MR walk."""
    for noteable_type, iid in sorted(touched):
        if noteable_type == "MergeRequest":
            mr = session.scalars(
                select(models.MergeRequest).where(
                    models.MergeRequest.project_id == job.project.id, models.MergeRequest.iid == iid
                )
            ).first()
            if mr is not None:
                written, removed = derive.merge_request(
                    session, job.directory, job.project, mr, job.now
                )
                job.summary.activities.update(written=written, removed=removed)
        else:
            issue = session.scalars(
                select(models.Issue).where(
                    models.Issue.project_id == job.project.id, models.Issue.iid == iid
                )
            ).first()
            if issue is not None:
                written, removed = derive.issue(session, job.directory, job.project, issue, job.now)
                job.summary.activities.update(written=written, removed=removed)
