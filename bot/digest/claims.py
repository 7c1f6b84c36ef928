"""Claims in ``digest_posts``: one poster per person and week, and a record of what it posted.

Before a poster talks to GitLab about ``(person, week)`` it claims the row, in a transaction of
its own that is committed at once:

- no row yet: ``INSERT ... ON CONFLICT DO NOTHING``; of two posters racing, one inserts and the
  other inserts nothing;
- a row that is ``posted`` (running again edits the note in place), or ``claimed`` longer ago
  than :data:`STALE_AFTER` (its poster died): an ``UPDATE`` that only matches the row as it was
  read, so of two posters taking it over, one wins.

A poster that cannot claim skips that person. The winner posts, then :func:`finish` records the
note; if posting fails, :func:`release` puts the row back as it was. A poster that crashes
leaves its claim behind; the next poster takes it over once it is stale, finds the note the
crashed one may have posted by its hidden marker, and edits it: never a second note.

The clock is the caller's ``now``; staleness compares claim times written by the posters.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session, sessionmaker

from bot.store.db import transaction
from bot.store.models import DigestPost

__all__ = [
    "CLAIMED",
    "ISSUE_WEEK",
    "POSTED",
    "STALE_AFTER",
    "Claim",
    "claim",
    "finish",
    "new_owner",
    "posted_people",
    "release",
]

STALE_AFTER = timedelta(minutes=15)
CLAIMED = "claimed"
POSTED = "posted"
# In post_to = "project" mode, the row that guards opening a person's digest issue.
ISSUE_WEEK = "issue"


@dataclass(frozen=True)
class _Row:
    """The recorded values a claim replaces, to put back on release."""

    state: str
    destination: str
    note_id: int | None
    url: str | None
    body_sha256: str | None
    claimed_by: str | None
    claimed_at: datetime
    posted_at: datetime | None


@dataclass(frozen=True)
class Claim:
    """A held claim on ``(person, week)``; ``previous`` is the row it took over, if any."""

    id: int
    person: str  # lower case
    week: str
    owner: str
    claimed_at: datetime
    previous: _Row | None

    @property
    def posted_before(self) -> bool:
        """Whether a digest was recorded as posted before this claim."""
        return self.previous is not None and self.previous.state == POSTED


def new_owner() -> str:
    """A name for one posting run, unique across hosts and processes: ``host:pid:random``."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def claim(
    sessions: sessionmaker[Session],
    person: str,
    week: str,
    destination: str,
    *,
    owner: str,
    now: datetime,
    stale_after: timedelta = STALE_AFTER,
) -> Claim | None:
    """Claim ``(person, week)`` for ``owner``; ``None`` when another poster holds it.

    Each step is its own committed transaction, and no transaction reads before it writes, so
    SQLite never has to upgrade a stale read snapshot (which fails at once instead of waiting).
    """
    key = person.lower()
    values: dict[str, Any] = {
        "person": key,
        "week": week,
        "destination": destination,
        "state": CLAIMED,
        "claimed_by": owner,
        "claimed_at": now,
    }
    for _attempt in range(3):  # a row released between our insert and our read: go again
        with transaction(sessions) as session:
            inserted = session.execute(_insert_new(session, values)).scalar_one_or_none()
        if inserted is not None:
            return Claim(inserted, key, week, owner, now, None)
        with sessions() as session:
            row = session.scalars(
                select(DigestPost).where(DigestPost.person == key, DigestPost.week == week)
            ).one_or_none()
            if row is None:
                continue
            before = _Row(
                row.state,
                row.destination,
                row.note_id,
                row.url,
                row.body_sha256,
                row.claimed_by,
                row.claimed_at,
                row.posted_at,
            )
            row_id = row.id
        if before.state == CLAIMED and before.claimed_at > now - stale_after:
            return None
        with transaction(sessions) as session:
            taken = _changed(
                session,
                update(DigestPost)
                .where(
                    DigestPost.id == row_id,
                    DigestPost.state == before.state,
                    DigestPost.claimed_at == before.claimed_at,
                    _same(DigestPost.claimed_by, before.claimed_by),
                )
                .values(state=CLAIMED, claimed_by=owner, claimed_at=now, destination=destination),
            )
        return Claim(row_id, key, week, owner, now, before) if taken else None
    return None


def finish(
    sessions: sessionmaker[Session],
    held: Claim,
    *,
    destination: str,
    note_id: int | None,
    url: str | None,
    body_sha256: str | None,
    now: datetime,
) -> bool:
    """Record what was posted and let go of the claim; ``False`` if the claim was lost (taken
    over as stale meanwhile), in which case the poster that holds it now records instead."""
    with transaction(sessions) as session:
        done = _changed(
            session,
            update(DigestPost)
            .where(DigestPost.id == held.id, DigestPost.claimed_by == held.owner)
            .values(
                state=POSTED,
                destination=destination,
                note_id=note_id,
                url=url,
                body_sha256=body_sha256,
                posted_at=now,
            ),
        )
    return bool(done)


def release(sessions: sessionmaker[Session], held: Claim) -> None:
    """Give the claim up after a failure: the row goes back to what it was, or away.

    Going away is safe even if the note was posted after all: the next poster finds it by its
    marker and edits it.
    """
    mine = (DigestPost.id == held.id, DigestPost.claimed_by == held.owner)
    before = held.previous
    with transaction(sessions) as session:
        if before is None or before.state != POSTED:
            session.execute(delete(DigestPost).where(*mine))
        else:
            session.execute(
                update(DigestPost)
                .where(*mine)
                .values(
                    state=before.state,
                    destination=before.destination,
                    note_id=before.note_id,
                    url=before.url,
                    body_sha256=before.body_sha256,
                    claimed_by=before.claimed_by,
                    claimed_at=before.claimed_at,
                    posted_at=before.posted_at,
                )
            )


def posted_people(sessions: sessionmaker[Session], week: str) -> set[str]:
    """The people (lower case) whose digest for ``week`` is recorded as posted."""
    with sessions() as session:
        return set(
            session.scalars(
                select(DigestPost.person).where(DigestPost.week == week, DigestPost.state == POSTED)
            )
        )


def _insert_new(session: Session, values: dict[str, Any]) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING RETURNING id``: the new id, or no row."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(DigestPost).values(values).on_conflict_do_nothing().returning(DigestPost.id)


def _changed(session: Session, statement: Any) -> int:
    """How many rows an UPDATE or DELETE changed."""
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return result.rowcount


def _same(column: Any, value: str | None) -> Any:
    return column.is_(None) if value is None else column == value
