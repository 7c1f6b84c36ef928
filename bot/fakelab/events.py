"""GitLab's events feed, derived from the objects when a dataset does not spell it out.

Event rows mirror ``Entities::Event`` with two internal keys: ``_note`` (the note id of a
comment event) and ``_target`` (``(kind, iid)`` of the MR or issue), which the visibility checks
and the renderer use. Event ids follow creation time, as GitLab's serial ids do.
"""

from __future__ import annotations

from typing import Any

from bot.fakelab import times
from bot.fakelab.model import Issue, MergeRequest, Note, Noteable, Payload, Project
from bot.fakelab.state import GitLabState

NOTE_CLASS = {None: "Note", "DiscussionNote": "DiscussionNote", "DiffNote": "DiffNote"}


def _event(project: Project, action: str, at: str, author: int | None, item: Noteable) -> Payload:
    return {
        "project_id": project.id,
        "action_name": action,
        "target_id": item.id,
        "target_iid": item.iid,
        "target_type": item.kind,
        "author_id": author,
        "target_title": item.data["title"],
        "created_at": at,
        "imported": False,
        "imported_from": "none",
        "_target": (item.kind, item.iid),
    }


def comment_event(project: Project, note: Note, item: Noteable) -> Payload:
    """``commented on``: target is the note itself, and ``target_iid`` is the note id."""
    return {
        **_event(project, "commented on", note.data["created_at"], note.data["author"], item),
        "target_id": note.id,
        "target_iid": note.id,
        "target_type": NOTE_CLASS.get(note.data.get("type"), "Note"),
        "_note": note.id,
    }


def push_event(project: Project, mr: MergeRequest, commit: Payload) -> Payload:
    event = _event(project, "pushed to", commit["created_at"], mr.data["author"], mr)
    event.update(target_id=None, target_iid=None, target_type=None, target_title=None, _target=None)
    event["push_data"] = {
        "commit_count": 1,
        "action": "pushed",
        "ref_type": "branch",
        "commit_from": (commit.get("parent_ids") or [None])[0],
        "commit_to": commit["id"],
        "ref": mr.data["source_branch"],
        "commit_title": commit["title"],
        "ref_count": None,
    }
    return event


def for_merge_request(project: Project, mr: MergeRequest) -> list[Payload]:
    data = mr.data
    out = [_event(project, "opened", data["created_at"], data["author"], mr)]
    for commit in mr.commits:
        out.append(push_event(project, mr, commit))
    for approval in mr.approvals.get("approved_by", []):
        out.append(_event(project, "approved", approval["approved_at"], approval["user"], mr))
    if data["state"] == "merged" and data.get("merged_at"):
        out.append(_event(project, "accepted", data["merged_at"], data.get("merge_user"), mr))
    if data["state"] == "closed" and data.get("closed_at"):
        out.append(_event(project, "closed", data["closed_at"], data.get("closed_by"), mr))
    out.extend(comment_event(project, n, mr) for n in mr.notes if not n.data["system"])
    return out


def for_issue(project: Project, issue: Issue) -> list[Payload]:
    data = issue.data
    out = [_event(project, "opened", data["created_at"], data["author"], issue)]
    if data["state"] == "closed" and data.get("closed_at"):
        out.append(_event(project, "closed", data["closed_at"], data.get("closed_by"), issue))
    out.extend(comment_event(project, n, issue) for n in issue.notes if not n.data["system"])
    return out


def derive_all(state: GitLabState, *, explicit: dict[int, list[Payload]]) -> None:
    """Fill every project's events, keeping the ones a dataset gives explicitly."""
    rows: list[tuple[str, int, Payload]] = []
    for project in state.projects.values():
        if project.id in explicit:
            for raw in explicit[project.id]:
                event = dict(raw)
                event["created_at"] = times.normalize(event["created_at"])
                event.setdefault("project_id", project.id)
                rows.append((event["created_at"], project.id, event))
            continue
        derived: list[Payload] = []
        for mr in project.merge_requests.values():
            derived.extend(for_merge_request(project, mr))
        for issue in project.issues.values():
            derived.extend(for_issue(project, issue))
        rows.extend((e["created_at"], project.id, e) for e in derived)
    rows.sort(key=lambda row: (row[0], row[1]))
    used = [int(e["id"]) for _, _, e in rows if "id" in e]
    next_id = max(used, default=0) + 1
    for _, project_id, event in rows:
        if "id" not in event:
            event["id"] = next_id
            next_id += 1
        state.projects[project_id].events.append(event)
    for project in state.projects.values():
        project.events.sort(key=lambda e: int(e["id"]))
        project.events_changed()
    state.reserve_ids("event", next_id - 1 if not used else max(max(used), next_id - 1))


def append(state: GitLabState, project: Project, event: dict[str, Any]) -> None:
    """Record an event caused by a write while the server runs."""
    event["id"] = state.new_id("event")
    project.events.append(event)
    project.events_changed()
