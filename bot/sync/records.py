"""GitLab payloads to store rows: the normalised columns next to the raw envelope."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.activities.diffs import line_counts
from bot.store.models import Approval, Note, Pipeline, Project

Payload = dict[str, Any]


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    parsed = datetime.fromisoformat(text)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def must_time(value: str | None, what: str) -> datetime:
    parsed = parse_time(value)
    if parsed is None:
        raise ValueError(f"{what} has no time")
    return parsed


def _user_id(value: Any) -> int | None:
    return int(value["id"]) if isinstance(value, Mapping) and value.get("id") is not None else None


def project_row(payload: Payload, endpoint: str, now: datetime) -> Project:
    return Project(
        id=int(payload["id"]),
        path=str(payload["path_with_namespace"]),
        web_url=str(payload.get("web_url") or ""),
        raw=payload,
        endpoint=endpoint,
        fetched_at=now,
        source_updated_at=parse_time(payload.get("last_activity_at")),
    )


def merge_request_values(payload: Payload, endpoint: str, now: datetime) -> dict[str, Any]:
    """A merge request's columns as a dict, for a Core upsert of a whole page; its diffs are
    filled in by the caller."""
    updated_at = must_time(payload.get("updated_at"), "merge request")
    return dict(
        id=int(payload["id"]),
        project_id=int(payload["project_id"]),
        iid=int(payload["iid"]),
        author_id=_user_id(payload.get("author")),
        state=str(payload["state"]),
        created_at=must_time(payload.get("created_at"), "merge request"),
        updated_at=updated_at,
        merged_at=parse_time(payload.get("merged_at")),
        sha=payload.get("sha"),
        user_notes_count=int(payload.get("user_notes_count") or 0),
        diffs=None,
        diffs_sha=None,
        raw=payload,
        endpoint=endpoint,
        fetched_at=now,
        source_updated_at=updated_at,
        deleted_at=None,
    )


def issue_values(payload: Payload, endpoint: str, now: datetime) -> dict[str, Any]:
    """An issue's columns as a dict, for a Core upsert of a whole page."""
    updated_at = must_time(payload.get("updated_at"), "issue")
    return dict(
        id=int(payload["id"]),
        project_id=int(payload["project_id"]),
        iid=int(payload["iid"]),
        author_id=_user_id(payload.get("author")),
        state=str(payload["state"]),
        issue_type=str(payload.get("issue_type") or "issue"),
        confidential=bool(payload.get("confidential")),
        created_at=must_time(payload.get("created_at"), "issue"),
        updated_at=updated_at,
        user_notes_count=int(payload.get("user_notes_count") or 0),
        raw=payload,
        endpoint=endpoint,
        fetched_at=now,
        source_updated_at=updated_at,
        deleted_at=None,
    )


def note_row(
    payload: Payload,
    project_id: int,
    endpoint: str,
    now: datetime,
    discussion_id: str | None = None,
) -> Note:
    return Note(**note_values(payload, project_id, endpoint, now, discussion_id))


def note_values(
    payload: Payload,
    project_id: int,
    endpoint: str,
    now: datetime,
    discussion_id: str | None = None,
) -> dict[str, Any]:
    """A note's columns as a dict, for Core upserts of a whole page (no ORM object each)."""
    return dict(
        id=int(payload["id"]),
        project_id=project_id,
        noteable_type=str(payload.get("noteable_type") or ""),
        noteable_iid=int(payload.get("noteable_iid") or 0),
        author_id=_user_id(payload.get("author")),
        system=bool(payload.get("system")),
        internal=bool(payload.get("internal") or payload.get("confidential")),
        discussion_id=discussion_id,
        created_at=must_time(payload.get("created_at"), "note"),
        updated_at=must_time(payload.get("updated_at") or payload.get("created_at"), "note"),
        raw=payload,
        endpoint=endpoint,
        fetched_at=now,
        source_updated_at=parse_time(payload.get("updated_at")),
        deleted_at=None,
    )


def approval_row(
    project_id: int, mr_iid: int, user: Payload, approved_at: datetime, endpoint: str, now: datetime
) -> Approval:
    return Approval(**approval_values(project_id, mr_iid, user, approved_at, endpoint, now))


def approval_values(
    project_id: int, mr_iid: int, user: Payload, approved_at: datetime, endpoint: str, now: datetime
) -> dict[str, Any]:
    """An approval's columns as a dict, for Core upserts."""
    return dict(
        project_id=project_id,
        mr_iid=mr_iid,
        user_id=int(user["id"]),
        approved_at=approved_at,
        raw={"user": user, "approved_at": approved_at.isoformat().replace("+00:00", "Z")},
        endpoint=endpoint,
        fetched_at=now,
        source_updated_at=approved_at,
        deleted_at=None,
    )


def pipeline_row(payload: Payload, project_id: int, endpoint: str, now: datetime) -> Pipeline:
    return Pipeline(**pipeline_values(payload, project_id, endpoint, now))


def pipeline_values(
    payload: Payload, project_id: int, endpoint: str, now: datetime
) -> dict[str, Any]:
    """A pipeline's columns as a dict, for Core upserts."""
    return dict(
        id=int(payload["id"]),
        project_id=project_id,
        status=str(payload["status"]),
        ref=str(payload.get("ref") or ""),
        sha=str(payload.get("sha") or ""),
        source=payload.get("source"),
        user_id=_user_id(payload.get("user")),
        created_at=must_time(payload.get("created_at"), "pipeline"),
        updated_at=must_time(payload.get("updated_at") or payload.get("created_at"), "pipeline"),
        raw=payload,
        endpoint=endpoint,
        fetched_at=now,
        source_updated_at=parse_time(payload.get("updated_at")),
    )


def slim_diff(item: Payload) -> Payload:
    """A ``/diffs`` item without its text, with the lines it adds and removes counted.

    Evidence never needs the code itself, and diff text is most of a sync's bytes.
    """
    added, removed = line_counts(str(item.get("diff") or ""))
    slim = {key: value for key, value in item.items() if key != "diff"}
    slim.update(added=added, removed=removed)
    return slim
