"""The tables. GitLab's own ids are the primary keys, so a re-sync updates rows in place."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.store.types import JSONType, UTCDateTime

Payload = dict[str, Any]


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy's documented class attribute
        datetime: UTCDateTime(),
        Payload: JSONType,
        list[Any]: JSONType,
    }


class Envelope:
    """Where a raw payload came from: Perceval's envelope, per row."""

    raw: Mapped[Payload]
    endpoint: Mapped[str] = mapped_column(String(500))
    fetched_at: Mapped[datetime]
    source_updated_at: Mapped[datetime | None]


class User(Envelope, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    username: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(50))
    is_bot: Mapped[bool] = mapped_column(Boolean)


class Project(Envelope, Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    path: Mapped[str] = mapped_column(String(500), unique=True)
    web_url: Mapped[str] = mapped_column(String(1000))


class DescriptionTemplate(Envelope, Base):
    """A project's description template (``GET /projects/:id/templates/merge_requests/:name``):
    ``raw`` holds ``name`` and ``content``. Lines a description shares with it are the
    template's words, not its author's."""

    __tablename__ = "description_templates"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)  # "merge_requests"
    name: Mapped[str] = mapped_column(String(255), primary_key=True)


class MergeRequest(Envelope, Base):
    __tablename__ = "merge_requests"
    __table_args__ = (UniqueConstraint("project_id", "iid"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    iid: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(index=True)
    merged_at: Mapped[datetime | None]
    sha: Mapped[str | None] = mapped_column(String(64))
    user_notes_count: Mapped[int] = mapped_column(Integer, default=0)
    # Changed files as fetched from /diffs for ``diffs_sha``: paths, flags and line counts.
    # The diff text itself is not kept: evidence never needs the code, and it is large.
    diffs: Mapped[list[Any] | None]
    diffs_sha: Mapped[str | None] = mapped_column(String(64))
    deleted_at: Mapped[datetime | None]


class Issue(Envelope, Base):
    __tablename__ = "issues"
    __table_args__ = (UniqueConstraint("project_id", "iid"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    iid: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(20))
    issue_type: Mapped[str] = mapped_column(String(20))
    confidential: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(index=True)
    user_notes_count: Mapped[int] = mapped_column(Integer, default=0)
    deleted_at: Mapped[datetime | None]


class Note(Envelope, Base):
    """A comment or system note on a merge request or an issue."""

    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_noteable", "project_id", "noteable_type", "noteable_iid"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    noteable_type: Mapped[str] = mapped_column(String(20))  # "MergeRequest" or "Issue"
    noteable_iid: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(BigInteger)
    system: Mapped[bool] = mapped_column(Boolean)
    internal: Mapped[bool] = mapped_column(Boolean)
    discussion_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]


class Approval(Envelope, Base):
    __tablename__ = "approvals"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    mr_iid: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    approved_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]


class Pipeline(Envelope, Base):
    __tablename__ = "pipelines"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    status: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str] = mapped_column(String(500))
    sha: Mapped[str] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(60))
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(index=True)


class Activity(Base):
    """One contribution, normalised: the contract between sync and rules."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    actor_id: Mapped[int] = mapped_column(BigInteger, index=True)
    actor_username: Mapped[str] = mapped_column(String(255))
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    project_id: Mapped[int] = mapped_column(BigInteger, index=True)
    project_path: Mapped[str] = mapped_column(String(500))
    url: Mapped[str] = mapped_column(String(1000))
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_iid: Mapped[int | None] = mapped_column(Integer)
    context: Mapped[Payload]
    fields: Mapped[Payload]
    confidential: Mapped[bool] = mapped_column(Boolean)
    # The subject it was derived from, so a changed MR replaces exactly its own activities.
    source: Mapped[str] = mapped_column(String(120), index=True)
    # When it was last written: ``match`` picks up what changed since its last run here.
    updated_at: Mapped[datetime] = mapped_column(index=True)


class Watermark(Base):
    """How far a resource of a project has been collected; committed with the rows it covers."""

    __tablename__ = "watermarks"

    project_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    resource: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[str] = mapped_column(String(100))  # an updated_at time or an event id
    updated_at: Mapped[datetime]
    reconciled_at: Mapped[datetime | None]


class SyncRun(Base):
    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20))  # running, ok, failed, budget
    summary: Mapped[Payload]
    error: Mapped[str | None] = mapped_column(Text)


class Evidence(Base):
    """One activity shown to meet one ladder expectation, by one rule, with its reasons.

    Keyed by (rule, expectation, activity) so matching again updates it in place. It points at
    its activity by the activity's stable ``key``, not its row id: re-deriving an activity may
    give it a new row, never a new key.
    """

    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_person_time", "person_username", "occurred_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(500), unique=True)
    person_id: Mapped[int | None] = mapped_column(BigInteger)
    person_username: Mapped[str] = mapped_column(String(255))
    expectation: Mapped[str] = mapped_column(String(120), index=True)
    level: Mapped[int] = mapped_column(Integer)
    dimension: Mapped[str] = mapped_column(String(40))
    rule: Mapped[str] = mapped_column(String(120), index=True)
    rule_digest: Mapped[str] = mapped_column(String(64))
    activity_key: Mapped[str] = mapped_column(String(255), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    occurred_at: Mapped[datetime]
    project_path: Mapped[str] = mapped_column(String(500))
    url: Mapped[str] = mapped_column(String(1000))
    summary: Mapped[str] = mapped_column(Text)
    why: Mapped[Payload]
    confidential: Mapped[bool] = mapped_column(Boolean)
    matched_at: Mapped[datetime]


class ExplanationTexts(Base):
    """The fixed texts of one rule version's explanations, which its evidence rows name
    instead of repeating them (``bot.evidence.texts``). Never updated: a key is a digest of
    its texts."""

    __tablename__ = "explanation_texts"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    rule: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    checks: Mapped[list[Any]]  # [condition, field or null, text] per check


class MatchState(Base):
    """How far ``match`` has read the activities, and with which rules and ladder."""

    __tablename__ = "match_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[datetime | None]  # the newest activities.updated_at already matched
    rules_digest: Mapped[str] = mapped_column(String(64))
    matched_at: Mapped[datetime]


class DigestPost(Base):
    """One person's weekly digest on GitLab: claimed before posting, then where it went.

    ``(person, week)`` is unique: a poster first inserts (or takes over) the row as ``claimed``
    in its own committed transaction, and only the one that holds the claim talks to GitLab.
    ``person`` is the username in lower case, ``week`` an ISO week such as ``2026-W47``; in
    ``post_to = "project"`` mode the week ``issue`` guards the opening of the person's issue.
    """

    __tablename__ = "digest_posts"
    __table_args__ = (UniqueConstraint("person", "week"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person: Mapped[str] = mapped_column(String(255))
    week: Mapped[str] = mapped_column(String(10), index=True)
    destination: Mapped[str] = mapped_column(String(600))  # "group/project#iid"
    state: Mapped[str] = mapped_column(String(20))  # claimed, posted
    note_id: Mapped[int | None] = mapped_column(BigInteger)
    url: Mapped[str | None] = mapped_column(String(1000))
    body_sha256: Mapped[str | None] = mapped_column(String(64))
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_at: Mapped[datetime]
    posted_at: Mapped[datetime | None]
