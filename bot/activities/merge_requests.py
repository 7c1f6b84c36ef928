"""Activities of a merge request: authoring, merging, approving, being asked to review, and
the discussion on it.

Takes the payloads as GitLab's API returns them: a list item (``MergeRequestBasic``) or the
single merge request, its ``/diffs`` items, its approvals and its notes (including system
notes, which date review requests and approvals).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.activities.activity import Activity
from bot.activities.actors import Actors, may_act
from bot.activities.diffs import changed_files, changed_paths
from bot.activities.notes import (
    approval_times,
    check_noteable,
    diff_fields,
    is_system,
    note_features,
    note_fields,
    note_time,
    review_requests,
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
    username,
)
from bot.activities.subjects import Subject, merge_request_subject
from bot.activities.text import template_lines, text_features

_REVERT_TITLE = re.compile(r'\s*Revert\s+"', re.IGNORECASE)
# GitLab's revert description, and git's own revert commit message.
_REVERT_DESCRIPTION = re.compile(
    r"\bThis reverts (?:merge request [\w.\-/]*!\d+|commit [0-9a-f]{7,40}\b)", re.IGNORECASE
)


def is_revert(title: str, description: str) -> bool:
    """A ``Revert "…"`` title, or a description saying what it reverts."""
    return bool(_REVERT_TITLE.match(title) or _REVERT_DESCRIPTION.search(description))


def merge_request_activities(
    mr: Mapping[str, Any],
    *,
    project_path: str,
    diffs: Sequence[Mapping[str, Any]],
    approvals: Sequence[Mapping[str, Any]] | Mapping[str, Any],
    notes: Sequence[Mapping[str, Any]],
    actors: Actors,
    base_url: str | None = None,
    templates: Sequence[str] = (),
) -> list[Activity]:
    """Every activity the merge request ``mr`` holds, ordered by time then key.

    ``approvals`` is the ``approved_by`` list of ``GET …/approvals`` (items
    ``{"user": UserBasic, "approved_at": …}``) or that whole payload. ``base_url`` (the
    instance root) builds web URLs for payloads that lack ``web_url``. ``templates`` are the
    contents of the project's merge request description templates: lines the description
    shares with them are not the author's writing.
    """
    subject = merge_request_subject(mr, project_path=project_path, base_url=base_url)
    what = f"merge request {project_path}!{subject.iid}"
    created = parse_time(require(mr, "created_at", what), f"{what} created_at")
    merged = _merged_at(mr, what)
    notes = unique_notes(notes)
    for note in notes:
        check_noteable(note, subject, "MergeRequest")
    boilerplate = template_lines(tuple(templates))
    activities = _authored(mr, subject, diffs, created, merged, actors, boilerplate)
    reviewer_ids = {r.get("id") for r in mr.get("reviewers") or () if isinstance(r, Mapping)}
    activities += _approvals(subject, approvals, notes, reviewer_ids, mr, actors)
    activities += _review_requests(subject, mr, notes, created, actors)
    activities += _notes(subject, notes, reviewer_ids, actors)
    return sorted(activities, key=lambda activity: (activity.occurred_at, activity.key))


def _merged_at(mr: Mapping[str, Any], what: str) -> datetime | None:
    """When a merged merge request merged; ``updated_at`` when an old merge lacks metrics."""
    if mr.get("state") != "merged":
        return None
    return optional_time(mr, "merged_at", what) or parse_time(
        require(mr, "updated_at", what), f"{what} updated_at"
    )


def merge_request_fields(
    mr: Mapping[str, Any],
    *,
    project_path: str,
    diffs: Sequence[Mapping[str, Any]],
    created: datetime,
    merged: datetime | None,
    boilerplate: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The fields of ``merge_request_authored`` and ``merge_request_merged``; ``boilerplate``
    is ``template_lines`` of the project's description templates."""
    title, description = text(mr, "title"), text(mr, "description")
    features = text_features(description, project_path, boilerplate, description=True)
    files = changed_files(diffs)
    merge_user = user(mr, "merge_user") or user(mr, "merged_by")
    return {
        "title": title,
        "description": description,
        # A checklist's words are the template's confirmations, not an account of the change.
        "description_words": features.words - features.checklist_words,
        "description_prose": features.prose,
        "description_sections": list(features.sections),
        "empty_sections": list(features.empty_sections),
        "template_unfilled": bool(features.empty_sections),
        "closes_issues": list(features.closing_issue_refs),
        "mentions_issues": list(features.issue_refs),
        "mentions_users": list(features.user_mentions),
        "has_code": features.has_code,
        "has_links": features.has_links,
        "labels": labels(mr),
        "draft": flag(mr, "draft") or flag(mr, "work_in_progress"),
        "is_revert": is_revert(title, description),
        "files": files,
        "changed_paths": changed_paths(files),
        "lines_added": sum(file["added"] for file in files),
        "lines_removed": sum(file["removed"] for file in files),
        "files_changed": len(files),
        "target_branch": text(mr, "target_branch"),
        "source_branch": text(mr, "source_branch"),
        "merge_user": username(merge_user),
        "hours_to_merge": None if merged is None else hours_between(created, merged),
    }


def _authored(
    mr: Mapping[str, Any],
    subject: Subject,
    diffs: Sequence[Mapping[str, Any]],
    created: datetime,
    merged: datetime | None,
    actors: Actors,
    boilerplate: frozenset[str],
) -> list[Activity]:
    author = user(mr, "author")
    if author is None or not may_act(author, actors):
        return []
    fields = merge_request_fields(
        mr,
        project_path=subject.project_path,
        diffs=diffs,
        created=created,
        merged=merged,
        boilerplate=boilerplate,
    )
    prefix = f"mr:{subject.project_id}:{subject.iid}"
    found = [
        subject.activity(
            key=f"{prefix}:authored",
            kind="merge_request_authored",
            actor=author,
            occurred_at=created,
            fields=fields,
        )
    ]
    if merged is not None:
        found.append(
            subject.activity(
                key=f"{prefix}:merged",
                kind="merge_request_merged",
                actor=author,
                occurred_at=merged,
                fields=_own_copy(fields),
            )
        )
    return found


def _own_copy(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A copy sharing no list or dict with ``fields`` (whose lists hold scalars or flat dicts);
    cheaper than ``copy.deepcopy``, which dominated deriving merged MRs."""
    return {
        key: [dict(item) if isinstance(item, dict) else item for item in value]
        if isinstance(value, list)
        else value
        for key, value in fields.items()
    }


def _approvals(
    subject: Subject,
    approvals: Sequence[Mapping[str, Any]] | Mapping[str, Any],
    notes: Sequence[Mapping[str, Any]],
    reviewer_ids: set[Any],
    mr: Mapping[str, Any],
    actors: Actors,
) -> list[Activity]:
    items = (approvals.get("approved_by") or ()) if isinstance(approvals, Mapping) else approvals
    from_notes = approval_times(notes)
    found: list[Activity] = []
    for item in items:
        approver = user(item, "user")
        if approver is None or approver.get("id") == subject.author_id:
            continue
        if not may_act(approver, actors):
            continue
        what = f"approval of {subject.project_path}!{subject.iid} by {approver['username']}"
        when = (
            optional_time(item, "approved_at", what)
            or from_notes.get(approver["id"])
            or parse_time(require(mr, "updated_at", what), f"{what} updated_at")
        )
        found.append(
            subject.activity(
                key=f"approval:{subject.project_id}:{subject.iid}:{approver['id']}",
                kind="approval_given",
                actor=approver,
                occurred_at=when,
                fields={
                    "mr_author": subject.author_username,
                    "requested_reviewer": approver["id"] in reviewer_ids,
                },
            )
        )
    return found


def _review_requests(
    subject: Subject,
    mr: Mapping[str, Any],
    notes: Sequence[Mapping[str, Any]],
    created: datetime,
    actors: Actors,
) -> list[Activity]:
    requests = review_requests(notes)
    found: list[Activity] = []
    for reviewer in mr.get("reviewers") or ():
        if not isinstance(reviewer, Mapping) or reviewer.get("id") == subject.author_id:
            continue
        if not may_act(reviewer, actors):
            continue
        when, requester = requests.get(reviewer["username"].lower(), (created, None))
        found.append(
            subject.activity(
                key=f"review_request:{subject.project_id}:{subject.iid}:{reviewer['id']}",
                kind="review_requested",
                actor=reviewer,
                occurred_at=when,
                fields={
                    "mr_author": subject.author_username,
                    "requested_by": username(requester),
                },
            )
        )
    return found


def _notes(
    subject: Subject,
    notes: Sequence[Mapping[str, Any]],
    reviewer_ids: set[Any],
    actors: Actors,
) -> list[Activity]:
    positions = thread_positions(notes)
    found: list[Activity] = []
    for note in notes:
        author = user(note, "author")
        if is_system(note) or author is None or not may_act(author, actors):
            continue
        own = author["id"] == subject.author_id
        features = note_features(note, subject)
        fields = note_fields(note, features, positions.get(note["id"]))
        fields |= diff_fields(note, features)
        fields["mr_author"] = subject.author_username
        if not own:
            fields["requested_reviewer"] = author["id"] in reviewer_ids
        found.append(
            subject.activity(
                key=f"note:{note['id']}",
                kind="review_reply" if own else "review_comment",
                actor=author,
                occurred_at=note_time(note),
                fields=fields,
                url=subject.note_url(note["id"]),
                confidential=fields["internal"],
            )
        )
    return found
