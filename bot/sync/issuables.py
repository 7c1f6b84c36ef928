"""Merge requests and issues: walked by ``updated_at``, detail fetched only where it changed.

A changed MR costs its ``/diffs`` only when its head commit moved. Comments arrive through the
events feed; an item whose ``user_notes_count`` disagrees with the comments the store holds
(events older than GitLab's retention, a deleted comment) has its notes fetched in full, so
nothing is lost either way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.store import models
from bot.sync import bulk, derive, watermarks
from bot.sync.context import ProjectSync, updated_pages
from bot.sync.prefetch import ahead
from bot.sync.records import (
    approval_row,
    issue_values,
    merge_request_values,
    must_time,
    note_row,
)
from bot.sync.users import referenced_users

Payload = dict[str, Any]


@dataclass(frozen=True)
class Kind:
    resource: str  # watermark and summary name
    segment: str  # URL segment
    noteable_type: str
    model: Any  # models.MergeRequest or models.Issue
    derive: Callable[..., tuple[int, int]]  # derive.merge_requests or derive.issues
    carried: tuple[Any, ...] = ()  # columns a changed item keeps from its stored row


MERGE_REQUESTS = Kind(
    "merge_requests",
    "merge_requests",
    "MergeRequest",
    models.MergeRequest,
    derive.merge_requests,
    carried=(models.MergeRequest.diffs_sha,),
)
ISSUES = Kind("issues", "issues", "Issue", models.Issue, derive.issues)


def sync(job: ProjectSync, kind: Kind) -> None:
    with job.sessions() as session:
        mark = None if job.full else watermarks.read(session, job.project.id, kind.resource)
        shas = {} if job.full or kind is not MERGE_REQUESTS else stored_diff_shas(session, job)
    since = must_time(mark.position, "watermark") - job.overlap if mark else None
    job.progress.start(job.path, kind.resource)
    path = f"{job.api}/{kind.segment}"
    walk = updated_pages(job.client, path, {"state": "all", "per_page": 100}, since)
    early = EarlyDiffs(job, shas) if kind is MERGE_REQUESTS else None
    staged = ((page, position, early.start(page.items) if early else {}) for page, position in walk)
    for page, position, diffs in ahead(staged, name=f"{kind.resource} pages"):
        with job.sessions() as session, session.begin():
            store(job, session, kind, page.items, diffs)
            if position is not None:
                watermarks.write(
                    session, job.project.id, kind.resource, position.isoformat(), job.now
                )
        job.summary.add(job.path, kind.resource, fetched=len(page.items))
        job.progress.advance(len(page.items))
    job.progress.finish()


Diffs = Mapping[int, tuple[str, "Future[list[Any]]"]]


class EarlyDiffs:
    """Starts fetching an MR's ``/diffs`` as soon as its list page arrives.

    Runs in the page walk's thread, ahead of the store: it decides from the head commits the
    store held when the walk began (plus what it has already started), so by the time the store
    reaches an MR its diffs are usually there. The store still decides: it takes a fetch only
    when the head commit matches, and fetches itself otherwise.
    """

    def __init__(self, job: ProjectSync, shas: dict[int, str]) -> None:
        self.job, self.shas = job, shas

    def start(self, payloads: list[Payload]) -> dict[int, tuple[str, Future[list[Any]]]]:
        wanted: list[tuple[int, str, int]] = []
        for payload in payloads:
            sha, ident, iid = payload.get("sha"), payload.get("id"), payload.get("iid")
            if not isinstance(sha, str) or not sha or not isinstance(ident, int):
                continue
            if self.shas.get(ident) == sha or not isinstance(iid, int):
                continue
            self.shas[ident] = sha
            wanted.append((ident, sha, iid))
        # A page's diffs are started together: the courier takes them in one message.
        futures = self.job.diffs.start(self.job.api, [iid for _, _, iid in wanted])
        return {
            ident: (sha, future) for (ident, sha, _), future in zip(wanted, futures, strict=True)
        }


def stored_diff_shas(session: Session, job: ProjectSync) -> dict[int, str]:
    """The head commit each stored MR of the project has its diffs for."""
    rows = session.execute(
        select(models.MergeRequest.id, models.MergeRequest.diffs_sha).where(
            models.MergeRequest.project_id == job.project.id,
            models.MergeRequest.diffs_sha.is_not(None),
        )
    )
    return {int(ident): str(sha) for ident, sha in rows}


def store(
    job: ProjectSync,
    session: Session,
    kind: Kind,
    payloads: list[Payload],
    early: Diffs | None = None,
) -> None:
    """Upsert a page of MR or issue list items and what they need; re-derive their activities.

    An item whose ``updated_at`` is unchanged costs nothing: no request, no write. ``early``
    holds diff fetches already under way (see ``EarlyDiffs``).
    """
    model = kind.model
    # Columns, not objects: most items of a page are usually unchanged, and their payloads and
    # diffs need not be read back to find that out.
    existing = {
        row.id: row
        for row in session.execute(
            select(
                model.id, model.updated_at, model.deleted_at, model.fetched_at, *kind.carried
            ).where(model.id.in_([int(p["id"]) for p in payloads]))
        )
    }
    changed: list[dict[str, Any]] = []  # column values, written below with one statement
    needs_diffs: list[dict[str, Any]] = []
    old_diffs: list[dict[str, Any]] = []
    endpoint = f"{job.api}/{kind.segment}"
    values = merge_request_values if kind is MERGE_REQUESTS else issue_values
    for payload in payloads:
        old = existing.get(int(payload["id"]))
        updated_at = must_time(payload["updated_at"], kind.resource)
        if (
            old is not None
            and old.deleted_at is None
            and old.updated_at == updated_at
            and not job.full
        ):
            continue
        job.directory.ensure(session, referenced_users(payload), job.now)
        fresh = values(payload, endpoint, job.now)
        changed.append(fresh)
        if kind is MERGE_REQUESTS:
            fresh["diffs_sha"] = old.diffs_sha if old else None
            # --full fetches diffs again once per run, not again for an MR the walk's
            # inclusive bound hands back.
            again = job.full and (old is None or old.fetched_at != job.now)
            if fresh["sha"] and (again or fresh["sha"] != fresh["diffs_sha"]):
                needs_diffs.append(fresh)
            elif old is not None:
                old_diffs.append(fresh)
        job.summary.add(job.path, kind.resource, **{"updated" if old is not None else "new": 1})
    if old_diffs:
        kept: dict[int, Any] = {
            int(ident): diffs
            for ident, diffs in session.execute(
                select(model.id, model.diffs).where(model.id.in_([row["id"] for row in old_diffs]))
            )
        }
        for row in old_diffs:
            row["diffs"] = kept.get(row["id"])
    if needs_diffs:
        started = early or {}
        late = [row for row in needs_diffs if started.get(row["id"], ("",))[0] != row["sha"]]
        # Diffs are one request per MR: fetch the ones not under way side by side.
        futures = job.diffs.start(job.api, [row["iid"] for row in late]) if late else []
        fetched = dict(zip([row["id"] for row in late], futures, strict=True))
        for row in needs_diffs:
            ident = row["id"]
            row["diffs"] = (fetched[ident] if ident in fetched else started[ident][1]).result()
            row["diffs_sha"] = row["sha"]
    if not changed:
        return
    bulk.upsert(session, model, changed, ["id"])
    iids = [row["iid"] for row in changed]
    counts = stored_comments(session, job.project.id, kind.noteable_type, iids)
    for row in changed:
        if counts.get(row["iid"], 0) != row["user_notes_count"]:
            refetch_notes(job, session, kind, row["iid"])
    items = [derive.Fresh.of(row) for row in changed]
    written, removed = kind.derive(session, job.directory, job.project, items, job.now)
    job.summary.activities.update(written=written, removed=removed)


def stored_comments(
    session: Session, project_id: int, noteable_type: str, iids: list[int]
) -> dict[int, int]:
    """How many human comments the store holds for each of ``iids``."""
    rows = session.execute(
        select(models.Note.noteable_iid, func.count())
        .where(
            models.Note.project_id == project_id,
            models.Note.noteable_type == noteable_type,
            models.Note.noteable_iid.in_(iids),
            models.Note.system.is_(False),
            models.Note.deleted_at.is_(None),
        )
        .group_by(models.Note.noteable_iid)
    )
    return {int(iid): int(count) for iid, count in rows}


def refetch_notes(job: ProjectSync, session: Session, kind: Kind, iid: int) -> None:
    """Fetch every note of one item (system notes too) and mark the ones gone as deleted."""
    path = f"{job.api}/{kind.segment}/{iid}/notes"
    seen: set[int] = set()
    for page in job.client.pages(path, {"per_page": 100, "sort": "asc", "order_by": "created_at"}):
        for note in page.items:
            job.directory.ensure(session, referenced_users(note), job.now)
            old = session.get(models.Note, int(note["id"]))
            session.merge(
                note_row(note, job.project.id, path, job.now, old.discussion_id if old else None)
            )
            if old is None:
                job.summary.add(job.path, "notes", new=1)
            seen.add(int(note["id"]))
    stale = session.scalars(
        select(models.Note).where(
            models.Note.project_id == job.project.id,
            models.Note.noteable_type == kind.noteable_type,
            models.Note.noteable_iid == iid,
            models.Note.deleted_at.is_(None),
        )
    )
    for stored in stale:
        if stored.id not in seen:
            stored.deleted_at = job.now
            job.summary.add(job.path, "notes", deleted=1)


def refetch_approvals(job: ProjectSync, session: Session, iid: int) -> None:
    """Replace an MR's approvals with what GitLab says now (an unapproval leaves no event)."""
    path = f"{job.api}/merge_requests/{iid}/approvals"
    payload = job.client.get(path)
    current: dict[int, Payload] = {}
    for entry in payload.get("approved_by") or []:
        user = entry.get("user") or {}
        if user.get("id") is not None:
            current[int(user["id"])] = entry
    job.directory.ensure(session, [entry["user"] for entry in current.values()], job.now)
    stored = session.scalars(
        select(models.Approval).where(
            models.Approval.project_id == job.project.id, models.Approval.mr_iid == iid
        )
    ).all()
    for approval in stored:
        if approval.user_id not in current and approval.deleted_at is None:
            approval.deleted_at = job.now
            job.summary.add(job.path, "approvals", deleted=1)
    known = {approval.user_id: approval for approval in stored}
    for uid, entry in current.items():
        approved_at = must_time(entry.get("approved_at"), "approval")
        old = known.get(uid)
        if old is None:
            session.add(
                approval_row(job.project.id, iid, entry["user"], approved_at, path, job.now)
            )
            job.summary.add(job.path, "approvals", new=1)
        elif old.deleted_at is not None:
            old.deleted_at = None
            old.approved_at = approved_at


def reconcile(job: ProjectSync, kind: Kind, now: datetime, since: datetime | None) -> None:
    """Catch what no ``updated_at`` reveals: deletions, edited or deleted notes, withdrawn
    approvals.

    Every item is listed (one request per hundred); items changed since the last reconcile
    (``since``; all of them when None) have their notes, and an MR its approvals, fetched
    again, and anything no longer listed is marked deleted.
    """
    seen: set[int] = set()
    job.progress.start(job.path, f"{kind.resource} (reconcile)")
    listing = job.client.pages(f"{job.api}/{kind.segment}", {"state": "all", "per_page": 100})
    for page in ahead(listing, name=f"{kind.resource} reconcile"):
        with job.sessions() as session, session.begin():
            store(job, session, kind, page.items)  # what changed since the walk: new, edited
            rows = session.scalars(
                select(kind.model).where(kind.model.id.in_([int(p["id"]) for p in page.items]))
            ).all()
            by_id = {row.id: row for row in rows}
            counts = stored_comments(
                session, job.project.id, kind.noteable_type, [row.iid for row in rows]
            )
            mend = []
            for payload in page.items:
                seen.add(int(payload["id"]))
                row = by_id[int(payload["id"])]
                counts_differ = counts.get(row.iid, 0) != int(payload.get("user_notes_count") or 0)
                if counts_differ or since is None or row.updated_at >= since:
                    refetch_notes(job, session, kind, row.iid)
                    if kind is MERGE_REQUESTS:
                        refetch_approvals(job, session, row.iid)
                    mend.append(row)
            kind.derive(session, job.directory, job.project, mend, now)
        job.progress.advance(len(page.items))
    with job.sessions() as session, session.begin():
        gone = [
            row
            for row in session.scalars(
                select(kind.model).where(
                    kind.model.project_id == job.project.id, kind.model.deleted_at.is_(None)
                )
            )
            if row.id not in seen
        ]
        for row in gone:
            row.deleted_at = now
        _, removed = kind.derive(session, job.directory, job.project, gone, now)
        job.summary.add(job.path, kind.resource, deleted=len(gone))
        job.summary.activities.update(removed=removed)
    job.progress.finish()
