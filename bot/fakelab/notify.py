"""Who a written note would notify, and which items it would cross-reference.

GitLab notifies users mentioned with ``@name`` (``@all`` means every project member, a group
path means the group's members) and leaves a "mentioned in" system note on every issue or MR a
note references. Both are recorded in the ``notifications`` log; cross-references also get
their system note, as in GitLab.

Only users who may read the item are notified, and only items the note's author may read are
cross-referenced: GitLab's reference extractor runs as the author, so a reference to a private
project's issue written by an outsider stays plain text. An item already "mentioned in" the
same issue or merge request gets no second system note (``cross_reference_exists?``).
"""

from __future__ import annotations

from datetime import datetime

from bot.fakelab import times
from bot.fakelab.markdown import Reference, find_references
from bot.fakelab.model import REPORTER, Issue, MergeRequest, Note, Noteable, User
from bot.fakelab.state import GitLabState, discussion_id_for


def _mentioned_users(state: GitLabState, item: Noteable, ref: Reference) -> list[User]:
    name = (ref.name or "").lower()
    if name == "all":
        ids = state.project_members(item.project)
        return [state.users[uid] for uid in sorted(ids) if uid in state.users]
    user = state.users_by_name.get(name)
    if user is not None:
        return [user]
    group = state.groups_by_path.get(name)
    if group is not None:
        return [state.users[uid] for uid in sorted(group.members) if uid in state.users]
    return []


def _can_read(state: GitLabState, user: User, item: Noteable, internal: bool) -> bool:
    if not state.can_see_project(user, item.project):
        return False
    level = state.project_access(user, item.project)
    if internal and level < REPORTER:
        return False
    if isinstance(item, MergeRequest) and item.project.visibility == "private":
        return level >= REPORTER  # read_merge_request: guests of a private project lack it
    if isinstance(item, Issue) and item.data.get("confidential"):
        return (
            level >= REPORTER
            or user.id == item.data["author"]
            or user.id in item.data.get("assignees", [])
        )
    return True


def _target(state: GitLabState, item: Noteable, ref: Reference) -> Noteable | None:
    project = state.project(ref.project) if ref.project else item.project
    if project is None or ref.iid is None:
        return None
    if ref.kind == "issue":
        return project.issues.get(ref.iid)
    if ref.kind == "merge_request":
        return project.merge_requests.get(ref.iid)
    return None


def record(
    state: GitLabState,
    note: Note,
    actor: User,
    now: datetime,
    *,
    previous_body: str | None = None,
) -> None:
    """Log what ``note`` notifies; on an edit only what ``previous_body`` did not already."""
    item = note.noteable
    assert item is not None
    stamp = times.fmt(now)
    before = find_references(previous_body) if previous_body is not None else []
    old_users = {
        u.id for ref in before if ref.kind == "user" for u in _mentioned_users(state, item, ref)
    }
    old_targets = {id(t) for ref in before if (t := _target(state, item, ref)) is not None}
    where = {
        "note_id": note.id,
        "project": item.project.path_with_namespace,
        "noteable_type": item.kind,
        "iid": item.iid,
        "by": actor.username,
        "at": stamp,
    }
    for ref in find_references(note.data["body"]):
        if ref.kind == "user":
            users = [
                u
                for u in _mentioned_users(state, item, ref)
                if u.id != actor.id
                and u.id not in old_users
                and _can_read(state, u, item, note.data["internal"])
            ]
            if users:
                old_users.update(u.id for u in users)
                state.record(
                    "notifications",
                    {
                        **where,
                        "kind": "mention",
                        "text": ref.text,
                        "users": [u.username for u in users],
                    },
                )
        elif ref.kind in ("issue", "merge_request"):
            target = _target(state, item, ref)
            if target is None or target is item or id(target) in old_targets:
                continue
            old_targets.add(id(target))
            if not _can_read(state, actor, target, False) or _already_mentioned(target, item):
                continue
            state.record(
                "notifications",
                {
                    **where,
                    "kind": "cross_reference",
                    "text": ref.text,
                    "target": target.reference(None),
                },
            )
            _cross_reference_note(state, target, item, actor, stamp)


def _mention_text(target: Noteable, source: Noteable) -> str:
    noun = "merge request" if isinstance(source, MergeRequest) else "issue"
    return f"mentioned in {noun} {source.reference(target.project)}"


def _already_mentioned(target: Noteable, source: Noteable) -> bool:
    text = _mention_text(target, source)
    return any(n.data["system"] and n.data["body"] == text for n in target.notes)


def _cross_reference_note(
    state: GitLabState, target: Noteable, source: Noteable, actor: User, stamp: str
) -> None:
    note_id = state.new_id("note")
    note = Note(
        {
            "id": note_id,
            "type": None,
            "body": _mention_text(target, source),
            "attachment": None,
            "author": actor.id,
            "created_at": stamp,
            "updated_at": stamp,
            "system": True,
            "internal": False,
            "resolvable": False,
        },
        discussion_id=discussion_id_for(f"note-{note_id}"),
        noteable=target,
    )
    target.notes.append(note)
    state.notes[note_id] = note
