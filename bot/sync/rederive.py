"""Recompute every stored activity from the stored GitLab payloads, without GitLab.

A new release may derive activities differently (a field added, a bot rule tightened), and a
configuration may name new bots or opt people out. The store keeps every raw payload that
derivation reads (merge requests with their changed files, notes, approvals, issues, pipelines,
users), so ``ladder-bot rederive`` brings the stored activities up to date without a
``sync --full``. It changes only activities, one project per transaction, and running it again
changes nothing. Evidence follows with the next ``ladder-bot match``: a changed activity
carries the run's time as its ``updated_at``, and a removed one takes its evidence with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import BotError
from bot.store import models
from bot.sync import derive
from bot.sync.run import SyncOptions
from bot.sync.users import Directory


@dataclass
class Rederived:
    """What a run went through and changed."""

    projects: int = 0
    merge_requests: int = 0
    issues: int = 0
    written: int = 0
    removed: int = 0

    def add(self, counts: tuple[int, int]) -> None:
        self.written += counts[0]
        self.removed += counts[1]

    def line(self) -> str:
        return (
            f"{self.projects} projects, {self.merge_requests} merge requests, "
            f"{self.issues} issues; activities: {self.written} written, {self.removed} removed"
        )


def rederive(
    sessions: Callable[[], Session],
    options: SyncOptions,
    *,
    now: datetime,
    on_project: Callable[[str], None] | None = None,
) -> Rederived:
    """Re-derive the activities of every stored project (``options.only``: of those paths).

    ``options`` gives who is a bot and who opted out, as a sync would use them.
    """
    result = Rederived()
    with sessions() as session:
        projects = [(p.id, p.path) for p in session.scalars(select(models.Project))]
    wanted = {path.lower() for path in options.only}
    chosen = sorted((path, pid) for pid, path in projects if not wanted or path.lower() in wanted)
    missing = wanted - {path.lower() for path, _ in chosen}
    if missing:
        known = ", ".join(sorted(path for _, path in projects)) or "none"
        raise BotError(
            f"--project {', '.join(sorted(missing))}: not in the store (stored projects: {known})"
        )
    for path, pid in chosen:
        if on_project is not None:
            on_project(path)
        with sessions() as session, session.begin():
            _project(session, pid, options, now, result)
        result.projects += 1
    return result


def _project(
    session: Session, project_id: int, options: SyncOptions, now: datetime, result: Rederived
) -> None:
    directory = Directory(
        None,  # never asks GitLab: it knows only the stored users, as derivation needs
        bot_usernames=options.bot_usernames,
        bot_patterns=options.bot_patterns,
        opt_out=options.opt_out,
    )
    directory.load(session)
    project = session.get_one(models.Project, project_id)
    count, written, removed = derive.every(session, directory, project, models.MergeRequest, now)
    result.merge_requests += count
    result.add((written, removed))
    count, written, removed = derive.every(session, directory, project, models.Issue, now)
    result.issues += count
    result.add((written, removed))
    result.add(derive.pipelines(session, directory, project, now))
