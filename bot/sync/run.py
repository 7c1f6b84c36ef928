"""One sync run over every watched project: what ``ladder-bot sync`` and the scheduler call.

Per project, in this order: the comment and approval feeds (cheap, and they let the MR walk
see that an MR's notes are already complete), the description templates (once a day), merge
requests, issues, every ``reconcile_days`` or on ``--full`` a reconcile that catches deletions,
and pipelines (attributed through MRs). Each page commits with its watermark, so an
interrupted run loses nothing and the next one resumes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.collector import rarer_collections
from bot.config import Config
from bot.errors import BotError
from bot.store.models import Issue, MergeRequest, Project, SyncRun
from bot.sync import derive, events, issuables, pipelines, projects, templates, watermarks
from bot.sync.client import BudgetExhausted, GitLabClient
from bot.sync.context import NoProgress, Progress, ProjectSync
from bot.sync.diffs import DiffFetcher
from bot.sync.summary import SyncSummary
from bot.sync.users import Directory

log = logging.getLogger("ladder_bot.sync")
MR_TEMPLATES, ISSUE_TEMPLATES = derive.MERGE_REQUEST_TEMPLATES, derive.ISSUE_TEMPLATES


@dataclass(frozen=True)
class SyncOptions:
    projects: Sequence[str] = ()
    groups: Sequence[str] = ()
    bot_usernames: Sequence[str] = ()
    bot_patterns: Sequence[str] = ()
    opt_out: Sequence[str] = ()
    overlap_seconds: int = 300
    reconcile_days: int = 7
    only: Sequence[str] = field(default_factory=tuple)  # restrict to these project paths

    @classmethod
    def from_config(cls, config: Config, only: Sequence[str] = ()) -> SyncOptions:
        """What ``config`` asks a sync to collect, and how."""
        return cls(
            projects=config.watch.projects,
            groups=config.watch.groups,
            bot_usernames=tuple(config.bots.usernames),
            bot_patterns=config.bots.patterns,
            opt_out=tuple(config.opt_out),
            overlap_seconds=config.sync.overlap_seconds,
            reconcile_days=config.sync.reconcile_days,
            only=only,
        )


@dataclass
class SyncResult:
    summary: SyncSummary
    status: str  # ok, budget
    message: str = ""


# A sync's survivors are few (a page at a time): a young generation of 50,000 allocations
# is enough to make the collector's share of a sync negligible.
SYNC_YOUNG = 50_000


class SyncFailed(BotError):
    """The run stopped; what was collected before is kept."""


def run_sync(
    options: SyncOptions,
    client: GitLabClient,
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    monotonic: Callable[[], float],
    full: bool = False,
    progress: Progress | None = None,
) -> SyncResult:
    with rarer_collections(SYNC_YOUNG):
        return _run(options, client, sessions, now, monotonic, full, progress or NoProgress())


def _run(
    options: SyncOptions,
    client: GitLabClient,
    sessions: sessionmaker[Session],
    now: datetime,
    monotonic: Callable[[], float],
    full: bool,
    progress: Progress,
) -> SyncResult:
    started = monotonic()
    summary = SyncSummary()
    with sessions() as session, session.begin():
        run = SyncRun(started_at=now, finished_at=None, status="running", summary={}, error=None)
        session.add(run)
        session.flush()
        run_id = run.id
    status, message, error = "ok", "", None
    try:
        _sync_all(options, client, sessions, summary, progress, now, full)
    except BudgetExhausted as exc:
        status, message = "budget", str(exc)
    except BotError as exc:
        status, error = "failed", str(exc)
    finally:
        summary.requests = client.requests
        summary.seconds = monotonic() - started
        with sessions() as session, session.begin():
            finished = session.get(SyncRun, run_id)
            assert finished is not None
            finished.finished_at = now + timedelta(seconds=summary.seconds)
            finished.status = status
            finished.summary = summary.as_dict()
            finished.error = error
    if error is not None:
        raise SyncFailed(f"{error} (kept everything collected before: {summary.line()})")
    return SyncResult(summary, status, message)


def _sync_all(
    options: SyncOptions,
    client: GitLabClient,
    sessions: sessionmaker[Session],
    summary: SyncSummary,
    progress: Progress,
    now: datetime,
    full: bool,
) -> None:
    directory = Directory(
        client,
        bot_usernames=options.bot_usernames,
        bot_patterns=options.bot_patterns,
        opt_out=options.opt_out,
    )
    with sessions() as session, session.begin():
        directory.load(session)
        try:
            watched = projects.resolve(client, session, options.projects, options.groups, now)
        except projects.WatchError as exc:
            raise SyncFailed(str(exc)) from None
    if options.only:
        wanted = {path.lower() for path in options.only}
        watched = [p for p in watched if p.path.lower() in wanted]
    with DiffFetcher(client) as diffs:
        for project in watched:
            log.info("syncing %s", project.path)
            job = ProjectSync(
                project=project,
                client=client,
                diffs=diffs,
                sessions=sessions,
                directory=directory,
                summary=summary,
                progress=progress,
                now=now,
                overlap=timedelta(seconds=options.overlap_seconds),
                full=full,
            )
            _sync_project(job, options)


def _sync_project(job: ProjectSync, options: SyncOptions) -> None:
    project, sessions, now, full = job.project, job.sessions, job.now, job.full
    events.sync_feed(job, "commented")
    events.sync_feed(job, "approved")
    # Items stored before their templates changed were read with the old ones: what counts as
    # their authors' words changed, not only for those the walks below bring in.
    stale = {
        kind: templates.sync(job, kind) and _has_items(sessions, model, project.id)
        for kind, model in ((MR_TEMPLATES, MergeRequest), (ISSUE_TEMPLATES, Issue))
    }
    issuables.sync(job, issuables.MERGE_REQUESTS)
    if stale[MR_TEMPLATES]:
        _derive_again(job, MergeRequest)
    issuables.sync(job, issuables.ISSUES)
    if stale[ISSUE_TEMPLATES]:
        _derive_again(job, Issue)
    due, since = _reconcile_due(sessions, project.id, now, options.reconcile_days)
    if full or due:
        issuables.reconcile(job, issuables.MERGE_REQUESTS, now, None if full else since)
        issuables.reconcile(job, issuables.ISSUES, now, None if full else since)
        with sessions() as session, session.begin():
            watermarks.reconciled(session, project.id, now)
    # Last: a pipeline is attributed through the MRs, which are now current.
    pipelines.sync(job)


def _has_items(
    sessions: sessionmaker[Session], model: type[MergeRequest | Issue], project_id: int
) -> bool:
    with sessions() as session:
        found = session.scalar(select(model.iid).where(model.project_id == project_id).limit(1))
    return found is not None


def _derive_again(job: ProjectSync, model: type[MergeRequest] | type[Issue]) -> None:
    with job.sessions() as session, session.begin():
        project = session.get_one(Project, job.project.id)
        _, written, removed = derive.every(session, job.directory, project, model, job.now)
    job.summary.activities.update(written=written, removed=removed)


def _reconcile_due(
    sessions: sessionmaker[Session], project_id: int, now: datetime, days: int
) -> tuple[bool, datetime | None]:
    """Is a reconcile due, and since when have items changed that it must look at?"""
    with sessions() as session:
        mark = watermarks.read(session, project_id, "reconcile")
    if mark is None or mark.reconciled_at is None:
        # The first sync of a project is complete by construction; start the clock there.
        with sessions() as session, session.begin():
            watermarks.reconciled(session, project_id, now)
        return False, None
    return now - mark.reconciled_at >= timedelta(days=days), mark.reconciled_at
