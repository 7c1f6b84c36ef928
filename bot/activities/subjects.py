"""The item activities belong to: a merge request, an issue or a pipeline.

A ``Subject`` is read once per payload and shared by all the activities built from it: where it
lives, its page, the ``context`` rules see and whether its activities are confidential.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.activities.activity import Activity
from bot.activities.payloads import (
    flag,
    labels,
    require,
    require_int,
    text,
    user,
    username,
    web_url,
)


@dataclass(frozen=True)
class Subject:
    """Where activities happened. ``context`` is copied into each activity, never shared."""

    subject_type: str
    project_id: int
    project_path: str
    iid: int | None
    url: str
    context: Mapping[str, Any]
    confidential: bool
    author_id: int | None
    author_username: str | None

    def activity(
        self,
        *,
        key: str,
        kind: str,
        actor: Mapping[str, Any],
        occurred_at: datetime,
        fields: dict[str, Any],
        url: str | None = None,
        confidential: bool = False,
    ) -> Activity:
        """An activity of ``actor`` (already found eligible) on this subject."""
        return Activity(
            key=key,
            kind=kind,
            actor_id=actor["id"],
            actor_username=actor["username"],
            occurred_at=occurred_at,
            project_id=self.project_id,
            project_path=self.project_path,
            url=url or self.url,
            subject_type=self.subject_type,
            subject_iid=self.iid,
            context=_copy(self.context),
            fields=fields,
            confidential=self.confidential or confidential,
        )

    def note_url(self, note_id: int) -> str:
        return f"{self.url}#note_{note_id}"


def _copy(context: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: list(value) if isinstance(value, list) else value for key, value in context.items()
    }


def _author(payload: Mapping[str, Any]) -> tuple[int | None, str | None]:
    author = user(payload, "author")
    author_id = author.get("id") if author else None
    return (author_id if isinstance(author_id, int) else None), username(author)


def merge_request_subject(
    mr: Mapping[str, Any], *, project_path: str, base_url: str | None
) -> Subject:
    what = f"merge request {project_path}!{mr.get('iid')}"
    iid = require_int(mr, "iid", what)
    url = web_url(
        mr, base_url=base_url, project_path=project_path, route=f"merge_requests/{iid}", what=what
    )
    author_id, author_name = _author(mr)
    context = {
        "iid": iid,
        "title": text(mr, "title"),
        "author": author_name,
        "labels": labels(mr),
        "state": str(require(mr, "state", what)),
        "draft": flag(mr, "draft") or flag(mr, "work_in_progress"),
        "web_url": url,
    }
    return Subject(
        "merge_request",
        require_int(mr, "project_id", what),
        project_path,
        iid,
        url,
        context,
        False,
        author_id,
        author_name,
    )


def issue_subject(issue: Mapping[str, Any], *, project_path: str, base_url: str | None) -> Subject:
    what = f"issue {project_path}#{issue.get('iid')}"
    iid = require_int(issue, "iid", what)
    url = web_url(
        issue, base_url=base_url, project_path=project_path, route=f"issues/{iid}", what=what
    )
    author_id, author_name = _author(issue)
    confidential = flag(issue, "confidential")
    context = {
        "iid": iid,
        "title": text(issue, "title"),
        "author": author_name,
        "labels": labels(issue),
        "state": str(require(issue, "state", what)),
        "issue_type": issue_type(issue),
        "confidential": confidential,
        "web_url": url,
    }
    return Subject(
        "issue",
        require_int(issue, "project_id", what),
        project_path,
        iid,
        url,
        context,
        confidential,
        author_id,
        author_name,
    )


def issue_type(issue: Mapping[str, Any]) -> str:
    """``issue_type``, else the upper-case ``type`` lower-cased, else ``issue``."""
    value = issue.get("issue_type") or issue.get("type")
    return value.lower() if isinstance(value, str) and value else "issue"


def pipeline_subject(
    pipeline: Mapping[str, Any], *, project_path: str, base_url: str | None
) -> Subject:
    what = f"pipeline {project_path} {pipeline.get('id')}"
    pipeline_id = require_int(pipeline, "id", what)
    url = web_url(
        pipeline,
        base_url=base_url,
        project_path=project_path,
        route=f"pipelines/{pipeline_id}",
        what=what,
    )
    iid = pipeline.get("iid")
    iid = iid if isinstance(iid, int) and not isinstance(iid, bool) else None
    context = {
        "id": pipeline_id,
        "iid": iid,
        "ref": str(require(pipeline, "ref", what)),
        "status": str(require(pipeline, "status", what)),
        "web_url": url,
    }
    return Subject(
        "pipeline",
        require_int(pipeline, "project_id", what),
        project_path,
        iid,
        url,
        context,
        False,
        None,
        None,
    )
