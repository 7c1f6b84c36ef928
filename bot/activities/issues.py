"""Activities of an issue (incidents, tasks and test cases included): opening, closing, and
the comments on it.

Every activity of a confidential issue is confidential, the title in its context included; a
comment is also confidential when it is an internal note.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.activities.activity import Activity
from bot.activities.actors import Actors, may_act
from bot.activities.notes import (
    check_noteable,
    is_system,
    note_features,
    note_fields,
    note_time,
    thread_positions,
    unique_notes,
)
from bot.activities.payloads import (
    flag,
    hours_between,
    labels,
    optional_time,
    parse_time,
    require,
    text,
    user,
)
from bot.activities.subjects import Subject, issue_subject, issue_type
from bot.activities.text import template_lines, text_features


def issue_activities(
    issue: Mapping[str, Any],
    *,
    project_path: str,
    notes: Sequence[Mapping[str, Any]],
    actors: Actors,
    base_url: str | None = None,
    templates: Sequence[str] = (),
) -> list[Activity]:
    """Every activity the issue holds, ordered by time then key. ``templates`` are the
    contents of the project's issue description templates: lines the description shares with
    them are not the author's writing."""
    subject = issue_subject(issue, project_path=project_path, base_url=base_url)
    what = f"issue {project_path}#{subject.iid}"
    created = parse_time(require(issue, "created_at", what), f"{what} created_at")
    closed = _closed_at(issue, what)
    boilerplate = template_lines(tuple(templates))
    fields = issue_fields(
        issue, project_path=project_path, created=created, closed=closed, boilerplate=boilerplate
    )
    prefix = f"issue:{subject.project_id}:{subject.iid}"
    activities: list[Activity] = []
    author = user(issue, "author")
    if author is not None and may_act(author, actors):
        activities.append(
            subject.activity(
                key=f"{prefix}:opened",
                kind="issue_opened",
                actor=author,
                occurred_at=created,
                fields=fields,
            )
        )
    closer = user(issue, "closed_by")
    if closed is not None and closer is not None and may_act(closer, actors):
        activities.append(
            subject.activity(
                key=f"{prefix}:closed",
                kind="issue_closed",
                actor=closer,
                occurred_at=closed,
                fields=issue_fields(
                    issue,
                    project_path=project_path,
                    created=created,
                    closed=closed,
                    boilerplate=boilerplate,
                ),
            )
        )
    activities += _comments(subject, unique_notes(notes), actors)
    return sorted(activities, key=lambda activity: (activity.occurred_at, activity.key))


def _closed_at(issue: Mapping[str, Any], what: str) -> datetime | None:
    """When a closed issue closed; ``updated_at`` when ``closed_at`` is missing (GitLab's
    documentation shows such payloads)."""
    if issue.get("state") != "closed":
        return None
    return optional_time(issue, "closed_at", what) or parse_time(
        require(issue, "updated_at", what), f"{what} updated_at"
    )


def issue_fields(
    issue: Mapping[str, Any],
    *,
    project_path: str,
    created: datetime,
    closed: datetime | None,
    boilerplate: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The fields of ``issue_opened`` and ``issue_closed``; ``boilerplate`` is
    ``template_lines`` of the project's issue templates."""
    features = text_features(
        text(issue, "description"), project_path, boilerplate, description=True
    )
    severity = issue.get("severity")
    return {
        "title": text(issue, "title"),
        "description": text(issue, "description"),
        "description_words": features.words,
        "description_sections": list(features.sections),
        "empty_sections": list(features.empty_sections),
        "template_unfilled": bool(features.empty_sections),
        "labels": labels(issue),
        "mentions_issues": list(features.issue_refs),
        "mentions_users": list(features.user_mentions),
        "has_code": features.has_code,
        "has_links": features.has_links,
        "issue_type": issue_type(issue),
        "confidential": flag(issue, "confidential"),
        "severity": severity if isinstance(severity, str) else None,
        "task_items": features.task_items,
        "task_issue_refs": list(features.task_issue_refs),
        "hours_to_close": None if closed is None else hours_between(created, closed),
    }


def _comments(
    subject: Subject, notes: Sequence[Mapping[str, Any]], actors: Actors
) -> list[Activity]:
    positions = thread_positions(notes)
    found: list[Activity] = []
    for note in notes:
        check_noteable(note, subject, "Issue")
        author = user(note, "author")
        if is_system(note) or author is None or not may_act(author, actors):
            continue
        fields = note_fields(note, note_features(note, subject), positions.get(note["id"]))
        fields["issue_author"] = subject.author_username
        fields["on_others_issue"] = author["id"] != subject.author_id
        found.append(
            subject.activity(
                key=f"note:{note['id']}",
                kind="issue_comment",
                actor=author,
                occurred_at=note_time(note),
                fields=fields,
                url=subject.note_url(note["id"]),
                confidential=fields["internal"],
            )
        )
    return found
