"""Changing the offline GitLab while it runs: add, edit and delete objects.

Tests use this (directly or through ``/-/fakelab/``) to make GitLab change under a sync: new
MRs, edited notes, deletions, users who leave. New objects are written in the dataset format
and go through the same loader, so they get the same defaults and the same validation. Every
change moves ``updated_at`` like GitLab would, unless the change sets it itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.errors import DatasetError
from bot.fakelab import events as event_log
from bot.fakelab import times
from bot.fakelab.dataset import _Loader
from bot.fakelab.model import (
    USER_FIELDS,
    USER_LIST_FIELDS,
    Issue,
    MergeRequest,
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


class Mutator:
    """All edits go through here, under the state's lock."""

    def __init__(self, state: GitLabState) -> None:
        self.state = state

    def _loader(self) -> _Loader:
        loader = _Loader("request body")
        loader.state = self.state
        return loader

    def project(self, ref: str | int) -> Project:
        project = self.state.project(str(ref))
        if project is None:
            raise MutationError(404, f"no project {ref}")
        return project

    def item(self, project: Project, kind: str, iid: int) -> Noteable:
        table: dict[int, Any] = (
            project.merge_requests if kind == "merge_requests" else project.issues
        )
        item = table.get(int(iid))
        if item is None:
            raise MutationError(
                404, f"no {kind[:-1].replace('_', ' ')} {project.path_with_namespace}#{iid}"
            )
        return item  # type: ignore[no-any-return]

    # -- adding ------------------------------------------------------------------------------

    def add_merge_request(self, project_ref: str | int, entry: Payload) -> MergeRequest:
        with self.state.lock:
            project = self.project(project_ref)
            self._guard(lambda loader: loader._merge_request(project, entry, ["merge_request"]))
            mr = project.merge_requests[int(entry["merge_request"]["iid"])]
            self._finish_new(mr)
            for event in event_log.for_merge_request(project, mr):
                event_log.append(self.state, project, event)
            return mr

    def add_issue(self, project_ref: str | int, entry: Payload) -> Issue:
        with self.state.lock:
            project = self.project(project_ref)
            self._guard(lambda loader: loader._issue(project, entry, ["issue"]))
            issue = project.issues[int(entry["issue"]["iid"])]
            self._finish_new(issue)
            for event in event_log.for_issue(project, issue):
                event_log.append(self.state, project, event)
            return issue

    def add_note(
        self, project_ref: str | int, kind: str, iid: int, raw: Payload, *, touch: bool = True
    ) -> int:
        with self.state.lock:
            project = self.project(project_ref)
            item = self.item(project, kind, iid)
            before = len(item.notes)
            self._guard(lambda loader: loader._notes(item, [raw], ["note"]))
            note = item.notes[before]
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
            raw = dict(raw)
            raw.setdefault("id", self.state.new_id("pipeline"))
            self._guard(lambda loader: loader._pipeline(project, raw, ["pipeline"]))
            return project.pipelines[int(raw["id"])]

    def add_user(self, raw: Payload) -> User:
        with self.state.lock:
            raw = dict(raw)
            raw.setdefault("id", self.state.new_id("user"))
            self._guard(lambda loader: loader._users([raw]))
            return self.state.users[int(raw["id"])]

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
        self, project_ref: str | int, kind: str, iid: int, changes: Payload, now: datetime
    ) -> Noteable:
        with self.state.lock:
            project = self.project(project_ref)
            item = self.item(project, kind, iid)
            self._apply(item.data, changes)
            if "updated_at" not in changes:
                item.data["updated_at"] = times.fmt(now)
            return item

    def update_note(
        self, note_id: int, changes: Payload, now: datetime, *, touch: bool = True
    ) -> None:
        with self.state.lock:
            note = self.state.notes.get(int(note_id))
            if note is None or note.noteable is None:
                raise MutationError(404, f"no note {note_id}")
            self._apply(note.data, changes)
            stamp = times.fmt(now)
            if "updated_at" not in changes:
                note.data["updated_at"] = stamp
            if touch:
                note.noteable.data["updated_at"] = max(
                    note.noteable.data["updated_at"], note.data["updated_at"]
                )

    def update_pipeline(
        self, project_ref: str | int, pipeline_id: int, changes: Payload, now: datetime
    ) -> None:
        with self.state.lock:
            project = self.project(project_ref)
            pipeline = project.pipelines.get(int(pipeline_id))
            if pipeline is None:
                raise MutationError(404, f"no pipeline {pipeline_id}")
            self._apply(pipeline, changes)
            if "updated_at" not in changes:
                pipeline["updated_at"] = times.fmt(now)

    def update_user(self, user_id: int, changes: Payload) -> None:
        with self.state.lock:
            user = self.state.users.get(int(user_id))
            if user is None:
                raise MutationError(404, f"no user {user_id}")
            if "username" in changes:
                del self.state.users_by_name[user.username.lower()]
            user.data.update(changes)
            self.state.add_user(user)

    # -- deleting ----------------------------------------------------------------------------

    def delete_item(self, project_ref: str | int, kind: str, iid: int) -> None:
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

    def delete_note(self, note_id: int, now: datetime, *, touch: bool = True) -> None:
        with self.state.lock:
            note = self.state.notes.pop(int(note_id), None)
            if note is None or note.noteable is None:
                raise MutationError(404, f"no note {note_id}")
            note.noteable.notes.remove(note)
            if touch:
                note.noteable.data["updated_at"] = times.fmt(now)

    def delete_pipeline(self, project_ref: str | int, pipeline_id: int) -> None:
        with self.state.lock:
            project = self.project(project_ref)
            if project.pipelines.pop(int(pipeline_id), None) is None:
                raise MutationError(404, f"no pipeline {pipeline_id}")

    def delete_user(self, user_id: int) -> None:
        """Delete a user, moving their contributions to the ghost user as GitLab does."""
        with self.state.lock:
            user = self.state.users.get(int(user_id))
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
        try:
            self._apply_unguarded(payload, changes)
        except (DatasetError, ValueError) as exc:
            raise MutationError(400, str(exc)) from None

    def _apply_unguarded(self, payload: Payload, changes: Payload) -> None:
        loader = self._loader()
        for key, value in changes.items():
            if key in USER_FIELDS:
                payload[key] = loader._user_ref(value, [key])
            elif key in USER_LIST_FIELDS:
                payload[key] = [loader._user_ref(v, [key]) for v in value]
            elif key.endswith("_at") and isinstance(value, str):
                payload[key] = times.normalize(value)
            elif key == "labels":
                payload[key] = sorted(value)
            else:
                payload[key] = value
