"""Changing the offline GitLab while it runs: add, edit and delete objects.

Tests use this (directly or through ``/-/fakelab/``) to make GitLab change under a sync: new
MRs, edited notes, deletions, users who leave. New objects are written in the dataset format
and go through the same loader, so they get the same defaults and the same validation. Every
change moves ``updated_at`` like GitLab would, unless the change sets it itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import jsonschema

from bot.errors import DatasetError
from bot.fakelab import events as event_log
from bot.fakelab import times
from bot.fakelab.dataset import _describe, _Loader, best_error, json_path
from bot.fakelab.dataset_schema import SCHEMA
from bot.fakelab.model import (
    USER_FIELDS,
    USER_LIST_FIELDS,
    Issue,
    MergeRequest,
    Note,
    Noteable,
    Payload,
    Project,
    User,
)
from bot.fakelab.state import GitLabState, discussion_id_for


class MutationError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


_PROJECT_ENTRY: dict[str, Any] = SCHEMA["properties"]["projects"]["items"]["properties"]
_MR_ENTRY: dict[str, Any] = _PROJECT_ENTRY["merge_requests"]["items"]
# New objects are validated with the dataset's own schema, so they meet the same rules.
_NEW: dict[str, dict[str, Any]] = {
    "merge_requests": _MR_ENTRY,
    "issues": _PROJECT_ENTRY["issues"]["items"],
    "pipelines": _PROJECT_ENTRY["pipelines"]["items"],
    "notes": _MR_ENTRY["properties"]["notes"]["items"],
    "users": SCHEMA["properties"]["users"]["items"],
}
# Changes are validated against the same payload properties, none of them required.
_CHANGES: dict[str, dict[str, Any]] = {
    "merge_requests": _MR_ENTRY["properties"]["merge_request"],
    "issues": _NEW["issues"]["properties"]["issue"],
    "pipelines": _NEW["pipelines"],
    "notes": _NEW["notes"],
    "users": _NEW["users"],
}
# Keys that identify an object: changing them would orphan every index that holds it.
_FIXED = {
    "merge_requests": ("id", "iid", "project_id"),
    "issues": ("id", "iid", "project_id"),
    "pipelines": ("id", "project_id"),
    "notes": ("id", "noteable_id", "noteable_type", "noteable_iid", "project_id"),
    "users": ("id",),
}
_KINDS = ("merge_requests", "issues")
_LABEL = "request body"


def _check(kind: str, payload: Any, *, new: bool) -> None:
    """Refuse a payload the dataset format would refuse, naming the key at fault."""
    if not isinstance(payload, dict):
        raise MutationError(400, f"{_LABEL}: expected a JSON object")
    if new:
        schema = _NEW[kind]
    else:
        for key in _FIXED[kind]:
            if key in payload:
                raise MutationError(400, f"{_LABEL}: {key}: cannot be changed")
        base = _CHANGES[kind]
        schema = {"type": "object", "properties": base.get("properties", {})}
    error = best_error(jsonschema.Draft202012Validator(schema), payload)
    if error is not None:
        where = json_path(list(error.absolute_path))
        raise MutationError(400, f"{_LABEL}: {where}: {_describe(error)}")


class Mutator:
    """All edits go through here, under the state's lock."""

    def __init__(self, state: GitLabState) -> None:
        self.state = state

    def _loader(self) -> _Loader:
        loader = _Loader(_LABEL)
        loader.state = self.state
        return loader

    def project(self, ref: str | int) -> Project:
        project = self.state.project(str(ref))
        if project is None:
            raise MutationError(404, f"no project {ref}")
        return project

    def item(self, project: Project, kind: str, iid: int | str) -> Noteable:
        if kind not in _KINDS:
            raise MutationError(404, f"no {kind} with notes: use merge_requests or issues")
        table: dict[int, Any] = (
            project.merge_requests if kind == "merge_requests" else project.issues
        )
        item = table.get(_number(iid, "iid"))
        if item is None:
            raise MutationError(
                404, f"no {kind[:-1].replace('_', ' ')} {project.path_with_namespace}#{iid}"
            )
        return item  # type: ignore[no-any-return]

    # -- adding ------------------------------------------------------------------------------

    def add_merge_request(self, project_ref: str | int, entry: Payload) -> MergeRequest:
        with self.state.lock:
            project = self.project(project_ref)
            _check("merge_requests", entry, new=True)
            self._new_id_is_free(entry["merge_request"], self.state.merge_requests, "merge request")
            self._guard(lambda loader: loader._merge_request(project, entry, []))
            mr = project.merge_requests[int(entry["merge_request"]["iid"])]
            self._finish_new(mr)
            for event in event_log.for_merge_request(project, mr):
                event_log.append(self.state, project, event)
            return mr

    def add_issue(self, project_ref: str | int, entry: Payload) -> Issue:
        with self.state.lock:
            project = self.project(project_ref)
            _check("issues", entry, new=True)
            self._new_id_is_free(entry["issue"], self.state.issues, "issue")
            self._guard(lambda loader: loader._issue(project, entry, []))
            issue = project.issues[int(entry["issue"]["iid"])]
            self._finish_new(issue)
            for event in event_log.for_issue(project, issue):
                event_log.append(self.state, project, event)
            return issue

    def add_note(
        self, project_ref: str | int, kind: str, iid: int | str, raw: Payload, *, touch: bool = True
    ) -> int:
        with self.state.lock:
            project = self.project(project_ref)
            item = self.item(project, kind, iid)
            _check("notes", raw, new=True)
            self._new_id_is_free(raw, self.state.notes, "note")
            created: list[Note] = []
            self._guard(lambda loader: created.append(loader._note(item, raw, [])))
            note = created[0]
            if note.data.pop("_pending_id"):
                note.data["id"] = self.state.new_id("note")
            if not note.discussion_id:
                note.discussion_id = discussion_id_for(f"note-{note.id}")
            note.noteable = item
            self.state.notes[note.id] = note
            if touch and note.data["created_at"] > item.data["updated_at"]:
                item.data["updated_at"] = note.data["created_at"]
            if not note.data["system"]:
                event_log.append(self.state, project, event_log.comment_event(project, note, item))
            return note.id

    def add_pipeline(self, project_ref: str | int, raw: Payload) -> Payload:
        with self.state.lock:
            project = self.project(project_ref)
            if not isinstance(raw, dict):
                raise MutationError(400, f"{_LABEL}: expected a JSON object")
            raw = dict(raw)
            raw.setdefault("id", self.state.new_id("pipeline"))
            _check("pipelines", raw, new=True)
            taken = {pid for p in self.state.projects.values() for pid in p.pipelines}
            if raw["id"] in taken:
                raise MutationError(400, f"{_LABEL}: id: duplicate pipeline id {raw['id']}")
            self._guard(lambda loader: loader._pipeline(project, raw, []))
            return project.pipelines[int(raw["id"])]

    def add_user(self, raw: Payload) -> User:
        with self.state.lock:
            if not isinstance(raw, dict):
                raise MutationError(400, f"{_LABEL}: expected a JSON object")
            raw = dict(raw)
            raw.setdefault("id", self.state.new_id("user"))
            _check("users", raw, new=True)
            created: list[User] = []
            self._guard(lambda loader: created.append(loader._user(raw, [])))
            return created[0]

    def approve(self, project_ref: str | int, iid: int, user_id: int, at: datetime) -> None:
        with self.state.lock:
            project = self.project(project_ref)
            mr = self.item(project, "merge_requests", iid)
            assert isinstance(mr, MergeRequest)
            stamp = times.fmt(at)
            mr.approvals.setdefault("approved_by", []).append(
                {"user": user_id, "approved_at": stamp}
            )
            mr.data["updated_at"] = max(mr.data["updated_at"], stamp)
            event = event_log._event(project, "approved", stamp, user_id, mr)
            event_log.append(self.state, project, event)

    # -- editing -----------------------------------------------------------------------------

    def update_item(
        self, project_ref: str | int, kind: str, iid: int | str, changes: Payload, now: datetime
    ) -> Noteable:
        """Change fields of an MR or issue. A state change also does what GitLab does with it:
        it stamps ``closed_at``/``merged_at`` and records the ``closed``, ``accepted`` or
        (re)``opened`` event, unless the change gives those fields itself."""
        with self.state.lock:
            project = self.project(project_ref)
            item = self.item(project, kind, iid)
            _check(kind, changes, new=False)
            before = str(item.data["state"])
            self._apply(item.data, changes)
            if "updated_at" not in changes:
                item.data["updated_at"] = times.fmt(now)
            if str(item.data["state"]) != before:
                self._transition(project, item, before, changes)
            return item

    def update_note(
        self, note_id: int | str, changes: Payload, now: datetime, *, touch: bool = True
    ) -> None:
        with self.state.lock:
            note = self.state.notes.get(_number(note_id, "note id"))
            if note is None or note.noteable is None:
                raise MutationError(404, f"no note {note_id}")
            _check("notes", changes, new=False)
            self._apply(note.data, changes)
            stamp = times.fmt(now)
            if "updated_at" not in changes:
                note.data["updated_at"] = stamp
            if touch:
                note.noteable.data["updated_at"] = max(
                    note.noteable.data["updated_at"], note.data["updated_at"]
                )

    def update_pipeline(
        self, project_ref: str | int, pipeline_id: int | str, changes: Payload, now: datetime
    ) -> None:
        with self.state.lock:
            project = self.project(project_ref)
            pipeline = project.pipelines.get(_number(pipeline_id, "pipeline id"))
            if pipeline is None:
                raise MutationError(404, f"no pipeline {pipeline_id}")
            _check("pipelines", changes, new=False)
            self._apply(pipeline, changes)
            if "updated_at" not in changes:
                pipeline["updated_at"] = times.fmt(now)

    def update_user(self, user_id: int | str, changes: Payload) -> None:
        with self.state.lock:
            user = self.state.users.get(_number(user_id, "user id"))
            if user is None:
                raise MutationError(404, f"no user {user_id}")
            _check("users", changes, new=False)
            renamed = str(changes.get("username", user.username))
            other = self.state.users_by_name.get(renamed.lower())
            if other is not None and other is not user:
                raise MutationError(400, f"{_LABEL}: username: duplicate username {renamed!r}")
            if "is_admin" in changes:
                user.is_admin = bool(changes["is_admin"])
            fields = {k: v for k, v in changes.items() if k != "is_admin"}
            if "created_at" in fields and isinstance(fields["created_at"], str):
                fields["created_at"] = self._time(fields["created_at"], "created_at")
            del self.state.users_by_name[user.username.lower()]
            user.data.update(fields)
            self.state.add_user(user)

    # -- deleting ----------------------------------------------------------------------------

    def delete_item(self, project_ref: str | int, kind: str, iid: int | str) -> None:
        with self.state.lock:
            project = self.project(project_ref)
            item = self.item(project, kind, iid)
            for note in item.notes:
                self.state.notes.pop(note.id, None)
            if isinstance(item, MergeRequest):
                del project.merge_requests[item.iid]
                self.state.merge_requests.pop(item.id, None)
            else:
                del project.issues[item.iid]
                self.state.issues.pop(item.id, None)
            project.events[:] = [
                e for e in project.events if e.get("_target") != (item.kind, item.iid)
            ]
            project.events_changed()

    def delete_note(self, note_id: int | str, now: datetime, *, touch: bool = True) -> None:
        with self.state.lock:
            note = self.state.notes.pop(_number(note_id, "note id"), None)
            if note is None or note.noteable is None:
                raise MutationError(404, f"no note {note_id}")
            note.noteable.notes.remove(note)
            if touch:
                note.noteable.data["updated_at"] = times.fmt(now)

    def delete_pipeline(self, project_ref: str | int, pipeline_id: int | str) -> None:
        with self.state.lock:
            project = self.project(project_ref)
            if project.pipelines.pop(_number(pipeline_id, "pipeline id"), None) is None:
                raise MutationError(404, f"no pipeline {pipeline_id}")

    def delete_user(self, user_id: int | str) -> None:
        """Delete a user, moving their contributions to the ghost user as GitLab does."""
        with self.state.lock:
            user = self.state.users.get(_number(user_id, "user id"))
            if user is None:
                raise MutationError(404, f"no user {user_id}")
            ghost = self.state.ghost()
            if ghost.id == user.id:
                raise MutationError(403, "the ghost user cannot be removed")

            def swap(payload: Payload) -> None:
                for key in USER_FIELDS:
                    if payload.get(key) == user.id:
                        payload[key] = ghost.id
                for key in USER_LIST_FIELDS:
                    if user.id in payload.get(key, []):
                        payload[key] = [ghost.id if uid == user.id else uid for uid in payload[key]]
                if payload.get("author_id") == user.id:
                    payload["author_id"] = ghost.id

            for project in self.state.projects.values():
                project.members.pop(user.id, None)
                for item in [*project.merge_requests.values(), *project.issues.values()]:
                    swap(item.data)
                    for note in item.notes:
                        swap(note.data)
                    for award in item.award_emoji:
                        swap(award)
                    if isinstance(item, MergeRequest):
                        for row in [*item.approvals.get("approved_by", []), *item.reviewer_states]:
                            swap(row)
                for pipeline in project.pipelines.values():
                    swap(pipeline)
                for event in project.events:
                    swap(event)
            for group in self.state.groups.values():
                group.members.pop(user.id, None)
            del self.state.users[user.id]
            del self.state.users_by_name[user.username.lower()]
            for token in [t for t, uid in self.state.tokens.items() if uid == user.id]:
                del self.state.tokens[token]

    # -- helpers -----------------------------------------------------------------------------

    def _guard(self, action: Any) -> None:
        try:
            action(self._loader())
        except DatasetError as exc:
            raise MutationError(400, str(exc)) from None

    def _finish_new(self, item: Noteable) -> None:
        state = self.state
        kind = "merge_request" if isinstance(item, MergeRequest) else "issue"
        if item.data.pop("_pending_id", False):
            item.data["id"] = state.new_id(kind)
        for note in item.notes:
            if note.data.pop("_pending_id", False):
                note.data["id"] = state.new_id("note")
            if not note.discussion_id:
                note.discussion_id = discussion_id_for(f"note-{note.id}")
        for award in item.award_emoji:
            if award.pop("_pending_id", False):
                award["id"] = state.new_id("award_emoji")
            if award["awardable_type"] != "Note":
                award["awardable_id"] = item.id
        state.index_noteable(item)

    def _apply(self, payload: Payload, changes: Payload) -> None:
        """Apply ``changes`` all or nothing: resolve every value first, then write."""
        loader = self._loader()
        resolved: Payload = {}
        try:
            for key, value in changes.items():
                if key in USER_FIELDS:
                    resolved[key] = loader._user_ref(value, [key])
                elif key in USER_LIST_FIELDS:
                    if not isinstance(value, list):
                        raise MutationError(400, f"{_LABEL}: {key}: expected a list of users")
                    resolved[key] = [loader._user_ref(v, [key, i]) for i, v in enumerate(value)]
                elif key.endswith("_at") and isinstance(value, str):
                    resolved[key] = self._time(value, key)
                elif key == "labels":
                    resolved[key] = sorted(value)
                else:
                    resolved[key] = value
        except DatasetError as exc:
            raise MutationError(400, str(exc)) from None
        payload.update(resolved)

    def _time(self, value: str, key: str) -> str:
        try:
            return times.normalize(value)
        except (ValueError, OverflowError):
            raise MutationError(400, f"{_LABEL}: {key}: not an ISO 8601 time: {value!r}") from None

    def _new_id_is_free(self, payload: Payload, taken: dict[int, Any], what: str) -> None:
        if "id" in payload and payload["id"] in taken:
            raise MutationError(400, f"{_LABEL}: id: duplicate {what} id {payload['id']}")

    def _transition(self, project: Project, item: Noteable, before: str, changes: Payload) -> None:
        data = item.data
        after = str(data["state"])
        stamp = str(data["updated_at"])
        if after == "closed":
            if "closed_at" not in changes:
                data["closed_at"] = stamp
            event = event_log._event(
                project, "closed", data["closed_at"], data.get("closed_by"), item
            )
        elif after == "merged":
            if "merged_at" not in changes:
                data["merged_at"] = stamp
            if data.get("merge_user") is None and data.get("merged_by") is not None:
                data["merge_user"] = data["merged_by"]
            event = event_log._event(
                project, "accepted", data["merged_at"], data.get("merge_user"), item
            )
        elif after == "opened" and before == "closed":
            for key in ("closed_at", "closed_by"):
                if key not in changes:
                    data[key] = None
            event = event_log._event(project, "opened", stamp, None, item)
            event["_action"] = "reopened"
        else:
            return
        event_log.append(self.state, project, event)


def _number(value: int | str, what: str) -> int:
    """An id or iid from a URL or a caller: 404 rather than a crash when it is not a number."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value)
    if not text.isdigit():
        raise MutationError(404, f"{what} {text!r} is not a number")
    return int(text)
