"""Running a real sync against the offline GitLab, and reading back what it stored."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.fakelab.server import FakeGitLab
from bot.store import db, models
from bot.sync.client import GitLabClient
from bot.sync.run import SyncOptions, SyncResult, run_sync

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@dataclass
class Store:
    url: str

    def __post_init__(self) -> None:
        self.engine = db.make_engine(self.url)
        db.ensure_current(self.engine)
        self.sessions: sessionmaker[Session] = db.session_factory(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def sync(
    fake: FakeGitLab,
    store: Store,
    token: str,
    *,
    options: SyncOptions | None = None,
    now: datetime = NOW,
    full: bool = False,
    client: GitLabClient | None = None,
    sleep: Callable[[float], None] = lambda seconds: None,
) -> SyncResult:
    ticks = itertools.count()
    client = client or GitLabClient(fake.url, token, sleep=sleep, max_per_minute=0)
    return run_sync(
        options or SyncOptions(groups=("acme",)),
        client,
        store.sessions,
        now=now,
        monotonic=lambda: float(next(ticks)),
        full=full,
    )


def activities(store: Store) -> dict[str, tuple[Any, ...]]:
    """Every stored activity by key, with the values that matter (not bookkeeping times)."""
    with store.sessions() as session:
        rows = session.scalars(select(models.Activity)).all()
    return {
        row.key: (
            row.kind,
            row.actor_username,
            row.occurred_at,
            row.url,
            row.fields,
            row.context,
            row.confidential,
        )
        for row in rows
    }


def table(store: Store, model: type[Any], *columns: str) -> set[tuple[Any, ...]]:
    with store.sessions() as session:
        rows = session.scalars(select(model)).all()
    return {tuple(getattr(row, c) for c in columns) for row in rows}


def later(hours: float) -> datetime:
    return NOW + timedelta(hours=hours)
