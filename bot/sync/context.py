"""What every resource sync of one project shares, and GitLab's ``updated_after`` walk."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from bot.store.models import Project
from bot.sync.client import GitLabClient, Page
from bot.sync.diffs import DiffFetcher
from bot.sync.records import must_time
from bot.sync.summary import SyncSummary
from bot.sync.users import Directory

Payload = dict[str, Any]


class Progress(Protocol):
    """Where a sync reports what it is doing: progress bars, log lines, or nothing."""

    def start(self, project: str, resource: str) -> None: ...

    def advance(self, count: int) -> None: ...

    def finish(self) -> None: ...


class NoProgress:
    def start(self, project: str, resource: str) -> None:
        return None

    def advance(self, count: int) -> None:
        return None

    def finish(self) -> None:
        return None


@dataclass
class ProjectSync:
    """One project being synced: the project row, the client, the store and the rules."""

    project: Project
    client: GitLabClient
    diffs: DiffFetcher  # the run's, shared by its projects
    sessions: sessionmaker[Session]
    directory: Directory
    summary: SyncSummary
    progress: Progress
    now: datetime
    overlap: timedelta
    full: bool

    @property
    def api(self) -> str:
        return f"/projects/{self.project.id}"

    @property
    def path(self) -> str:
        return self.project.path


def updated_pages(
    client: GitLabClient,
    path: str,
    params: Payload,
    since: datetime | None,
    stamp: Callable[[Payload], str] = lambda item: str(item["updated_at"]),
) -> Iterator[tuple[Page, datetime | None]]:
    """Walk a list in ``updated_at`` order by moving ``updated_after`` forward.

    Offset pages drift when items change during the walk (a changed item jumps to the end and
    the one behind it slips into a page already read). Restarting every page from the newest
    ``updated_at`` seen instead cannot skip anything: GitLab's bound is inclusive, so the
    boundary items come back and are recognised as unchanged. Yields each page with the
    position a resumed walk may safely start from.
    """
    cursor = since
    while True:
        query = {**params, "order_by": "updated_at", "sort": "asc"}
        if cursor is not None:
            query["updated_after"] = cursor.isoformat().replace("+00:00", "Z")
        page = client.page(path, query)
        while True:
            newest = max((must_time(stamp(item), "item") for item in page.items), default=None)
            yield page, newest or cursor
            if page.next_url is None:
                return
            if newest is not None and newest != cursor:
                break
            # A whole page of one timestamp: moving the bound would not move the walk.
            page = client.page(page.next_url)
        cursor = newest
