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
from sqlalchemy.orm import Session

from bot.store import models
from bot.sync import bulk, derive, watermarks
from bot.sync.context import ProjectSync
from bot.sync.prefetch import ahead
from bot.sync.records import approval_values, must_time, note_values
from bot.sync.users import referenced_users

Payload = dict[str, Any]
FEEDS = {"commented": "events:commented", "approved": "events:approved"}


# EventsFinder counts at most 10,001 rows and paginates by that count, so one query's pages end
# there even when more events match; the walk then asks again from where it got to.
EVENTS_CAP = 10_001


def sync_feed(job: ProjectSync, action: str) -> None:
    resource = FEEDS[action]
    with job.sessions() as session:
        mark = None if job.full else watermarks.read(session, job.project.id, resource)
    last_id, last_at = _position(mark.position if mark else "")
    job.progress.start(job.path, f"{action} events")
    while True:
        params: Payload = {"action": action, "sort": "asc", "per_page": 100}
        if last_at is not None:
            params["after"] = (last_at - timedelta(days=1)).date().isoformat()
        started_at, capped = last_id, False
        for page in ahead(job.client.pages(f"{job.api}/events", params), name="events"):
            capped = page.total is not None and page.total >= EVENTS_CAP
            fresh = [event for event in page.items if int(event["id"]) > last_id]
            with job.sessions() as session, session.begin():
                touched = _store(job, session, action, fresh)
                if fresh:
                    newest = max(fresh, key=lambda e: int(e["id"]))
                    last_id, last_at = int(newest["id"]), must_time(newest["created_at"], "event")
                    position = f"{last_id}@{newest['created_at']}"
                    watermarks.write(session, job.project.id, resource, position, job.now)
                _rederive(job, session, touched)
            job.summary.add(job.path, f"{action} events", fetched=len(page.items))
            job.progress.advance(len(page.items))
        # Stop unless the query was cut off at the cap and the walk still moved forward (more
        # than 10,001 events within one day could not move it; counts reconcile the rest).
        if not capped or last_id == started_at:
            break
    job.progress.finish()


def _position(text: str) -> tuple[int, Any]:
    if not text:
        return 0, None
    ident, _, at = text.partition("@")
    return int(ident), must_time(at, "watermark")


def _store(
    job: ProjectSync, session: Session, action: str, events: list[Payload]
) -> set[tuple[str, int]]:
    """Upsert what a page of events carries; returns the (noteable type, iid) pairs touched."""
    touched: set[tuple[str, int]] = set()
    users: list[Any] = [e["author"] for e in events if isinstance(e.get("author"), dict)]
    if action == "commented":
        notes = [
            e["note"]
            for e in events
            if isinstance(e.get("note"), dict)
            and e["note"].get("noteable_type") in ("MergeRequest", "Issue")
        ]  # a missing note was deleted since; commit and snippet comments are not ours
        for note in notes:
            users.extend(referenced_users(note))
        job.directory.ensure(session, users, job.now)
        known = {
            row.id: row
            for row in session.execute(
                select(models.Note.id, models.Note.updated_at, models.Note.discussion_id).where(
                    models.Note.id.in_([int(n["id"]) for n in notes])
                )
            )
        }
        rows = []
        for note in notes:
            old = known.get(int(note["id"]))
            row = note_values(
                note,
                job.project.id,
                f"{job.api}/events",
                job.now,
                old.discussion_id if old else None,
            )
            if old is None or old.updated_at != row["updated_at"]:
                rows.append(row)
                job.summary.add(job.path, "notes", **{"updated" if old else "new": 1})
            touched.add((str(note["noteable_type"]), int(note["noteable_iid"])))
        bulk.upsert(session, models.Note, rows, ["id"])
    elif action == "approved":
        job.directory.ensure(session, users, job.now)
        approvals = [
            e
            for e in events
            if e.get("target_type") == "MergeRequest" and isinstance(e.get("author"), dict)
        ]
        stored: set[tuple[int, int]] = {
            (int(iid), int(uid))
            for iid, uid in session.execute(
                select(models.Approval.mr_iid, models.Approval.user_id).where(
                    models.Approval.project_id == job.project.id,
                    models.Approval.mr_iid.in_([int(e["target_iid"]) for e in approvals]),
                )
            )
        }
        rows = []
        for event in approvals:
            iid, uid = int(event["target_iid"]), int(event["author"]["id"])
            if (iid, uid) not in stored:
                stored.add((iid, uid))
                approved_at = must_time(event["created_at"], "event")
                rows.append(
                    approval_values(
                        job.project.id,
                        iid,
                        event["author"],
                        approved_at,
                        f"{job.api}/events",
                        job.now,
                    )
                )
                job.summary.add(job.path, "approvals", new=1)
            touched.add(("MergeRequest", iid))
        bulk.upsert(session, models.Approval, rows, ["project_id", "mr_iid", "user_id"])
    return touched


def _rederive(job: ProjectSync, session: Session, touched: set[tuple[str, int]]) -> None:
    """Notes do not always move their MR's ``updated_at`` (GitLab throttles the touch to once a
    minute), so what the feed touched is re-derived here rather than waiting for the MR walk."""
    mr_iids = [iid for name, iid in touched if name == "MergeRequest"]
    issue_iids = [iid for name, iid in touched if name == "Issue"]
    mrs = session.scalars(
        select(models.MergeRequest).where(
            models.MergeRequest.project_id == job.project.id, models.MergeRequest.iid.in_(mr_iids)
        )
    ).all()
    issues = session.scalars(
        select(models.Issue).where(
            models.Issue.project_id == job.project.id, models.Issue.iid.in_(issue_iids)
        )
    ).all()
    for written, removed in (
        derive.merge_requests(session, job.directory, job.project, mrs, job.now),
        derive.issues(session, job.directory, job.project, issues, job.now),
    ):
        job.summary.activities.update(written=written, removed=removed)
