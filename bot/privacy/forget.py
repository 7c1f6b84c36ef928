"""Forgetting a person: their activities, their evidence and the records of their digests.

What goes: every activity they are the actor of, every piece of evidence they earned, and their
rows in ``digest_posts``, matched by username in any case. What stays: the raw GitLab payloads
(merge requests, issues, notes, approvals) that are also other people's context; the next sync
derives the person's activities from them again unless they are in ``[privacy] opt_out``, which
is why :meth:`ForgetResult.reminder` asks for that. Comments already posted to GitLab stay there:
they belong to GitLab now.

One transaction: all of it goes, or nothing does.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Delete, delete, func
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session, sessionmaker

from bot.store.db import transaction
from bot.store.models import Activity, DigestPost, Evidence

__all__ = ["ForgetResult", "forget_person"]


@dataclass(frozen=True)
class ForgetResult:
    """How many rows were removed for ``username``."""

    username: str
    activities: int
    evidence: int
    digest_posts: int

    def line(self) -> str:
        """``removed 120 activities, 45 evidence items, 3 digest records for bob``."""
        return (
            f"removed {_count(self.activities, 'activity', 'activities')}, "
            f"{_count(self.evidence, 'evidence item', 'evidence items')}, "
            f"{_count(self.digest_posts, 'digest record', 'digest records')} "
            f"for {self.username}"
        )

    def reminder(self, opted_out: bool) -> str | None:
        """What to do so that the next sync does not collect them again; ``None`` if done."""
        if opted_out:
            return None
        return (
            f"{self.username} is not in [privacy] opt_out: add them there, or the next sync "
            "collects their activity again"
        )


def forget_person(sessions: sessionmaker[Session], username: str) -> ForgetResult:
    """Delete ``username``'s activities, evidence and digest records (any case)."""
    name = username.lower()
    with transaction(sessions) as session:
        evidence = _deleted(
            session, delete(Evidence).where(func.lower(Evidence.person_username) == name)
        )
        activities = _deleted(
            session, delete(Activity).where(func.lower(Activity.actor_username) == name)
        )
        posts = _deleted(session, delete(DigestPost).where(DigestPost.person == name))
    return ForgetResult(username, activities, evidence, posts)


def _deleted(session: Session, statement: Delete) -> int:
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return result.rowcount


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"
