"""Where the matcher reads activities and writes evidence.

:class:`EvidenceStore` does it with SQLAlchemy Core and works on every database ladder-bot
supports; on SQLite the matcher uses :class:`~bot.evidence.sqlite.SqliteEvidenceStore`, which
reads and writes the same rows through the DBAPI connection. Both work inside the caller's
transaction and keep no cursor open between calls, so evidence can be written while activities
are still being read, a chunk at a time.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from bot.evidence.rows import Activity, EvidenceRow
from bot.store import models
from bot.sync.bulk import table

_A = models.Activity
# What ``RuleSet.match`` sees of an activity: every column but its bookkeeping ``source``.
COLUMNS = (
    _A.id,
    _A.key,
    _A.kind,
    _A.actor_id,
    _A.actor_username,
    _A.occurred_at,
    _A.project_id,
    _A.project_path,
    _A.url,
    _A.subject_type,
    _A.subject_iid,
    _A.context,
    _A.fields,
    _A.confidential,
    _A.updated_at,
)
NAMES = tuple(column.key for column in COLUMNS)


class EvidenceStore:
    """Activities and evidence through SQLAlchemy Core, inside ``session``'s transaction."""

    def __init__(self, session: Session, matched_at: datetime) -> None:
        self.session = session
        self.matched_at = matched_at

    # -- activities -------------------------------------------------------------------------

    def activities_after(
        self, last_id: int, since: datetime | None, limit: int, *, until: int | None = None
    ) -> list[Activity]:
        """Up to ``limit`` activities with an id above ``last_id`` (and at most ``until``), in
        id order; only those written after ``since`` when it is given."""
        query = select(*COLUMNS).where(_A.id > last_id).order_by(_A.id).limit(limit)
        if since is not None:
            query = query.where(_A.updated_at > since)
        if until is not None:
            query = query.where(_A.id <= until)
        return [dict(zip(NAMES, row, strict=True)) for row in self.session.execute(query)]

    def actors(self, kinds: Collection[str]) -> list[int]:
        """Everyone with an activity of one of ``kinds``, by id."""
        query = select(_A.actor_id).where(_A.kind.in_(sorted(kinds))).distinct()
        return list(self.session.scalars(query.order_by(_A.actor_id)))

    def activities_of(self, actor: int, kinds: Collection[str]) -> list[Activity]:
        """``actor``'s activities of ``kinds``, oldest first (the key breaks ties)."""
        query = (
            select(*COLUMNS)
            .where(_A.actor_id == actor, _A.kind.in_(sorted(kinds)))
            .order_by(_A.occurred_at, _A.key)
        )
        return [dict(zip(NAMES, row, strict=True)) for row in self.session.execute(query)]

    def count_activities(self) -> int:
        return self.session.scalar(select(func.count()).select_from(_A)) or 0

    # -- evidence ---------------------------------------------------------------------------

    def evidence_keys(self) -> set[str]:
        return set(self.session.scalars(select(models.Evidence.key)))

    @contextmanager
    def rebuilding(self) -> Iterator[None]:
        """Around a rebuild, which writes every piece of evidence again (nothing to arrange
        here; SQLite's store takes a larger page cache)."""
        yield

    def delete_all_evidence(self) -> None:
        self.session.execute(delete(models.Evidence))

    def insert(self, rows: Sequence[EvidenceRow]) -> None:
        """Add ``rows``, whose keys are neither stored nor repeated among them."""
        if rows:
            matched = {"matched_at": self.matched_at}
            values = [row._asdict() | matched for row in rows]
            self.session.execute(insert(table(models.Evidence)), values)
