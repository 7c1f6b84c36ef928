"""Load a ``ladder-bot-dataset/1`` file into a live :class:`GitLabState`.

Loading happens in two passes. The JSON Schema catches structural mistakes; then the loader
resolves references (users, namespaces, notes) and fills GitLab's defaults. Either pass stops at
the first problem with a :class:`DatasetError` that names the JSON path.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema

from bot.errors import DatasetError
from bot.fakelab import events as event_log
from bot.fakelab import times
from bot.fakelab.dataset_schema import FORMAT, SCHEMA
from bot.fakelab.model import Group, Issue, MergeRequest, Note, Noteable, Payload, Project, User
from bot.fakelab.state import GitLabState, discussion_id_for

_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
_PROJECT_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA["properties"]["projects"]["items"])
# jsonschema finds the most telling error but walks a 300 MB dataset in minutes; a compiled
# validator says yes or no in seconds. Valid datasets take only the fast path; broken ones are
# re-checked by jsonschema on the smallest part that holds the error.
_FAST = fastjsonschema.compile({**SCHEMA, "$schema": "http://json-schema.org/draft-07/schema#"})
# Of two problems at the same place, a misspelt key explains more than the key it replaced
# going missing: report ``unknown key 'titel' (did you mean 'title'?)`` first.
_RELEVANCE = jsonschema.exceptions.by_relevance(strong=frozenset({"additionalProperties"}))


def best_error(
    validator: jsonschema.protocols.Validator, instance: Any
) -> jsonschema.ValidationError | None:
    """The one schema error worth reporting for ``instance``, or None when it is valid."""
    error: jsonschema.ValidationError | None = jsonschema.exceptions.best_match(
        validator.iter_errors(instance), key=_RELEVANCE
    )
    return error


def _schema_error(data: Payload) -> tuple[list[Any], jsonschema.ValidationError] | None:
    """The best schema error in ``data`` and the path prefix of where it was searched."""
    try:
        _FAST(data)
        return None
    except fastjsonschema.JsonSchemaException as exc:
        where = list(getattr(exc, "path", []) or [])[1:]
    projects = data.get("projects")
    if len(where) >= 2 and where[0] == "projects" and isinstance(projects, list):
        index = int(where[1])
        error = best_error(_PROJECT_VALIDATOR, projects[index])
        if error is not None:
            return ["projects", index], error
    error = best_error(_VALIDATOR, {**data, "projects": []} if where[:1] != ["projects"] else data)
    if error is None:
        error = best_error(_VALIDATOR, data)
    return ([], error) if error is not None else None


_TIME_KEYS = (
    "created_at",
    "updated_at",
    "merged_at",
    "closed_at",
    "resolved_at",
    "approved_at",
    "started_at",
    "finished_at",
    "committed_at",
    "prepared_at",
)
_DRAFT_PREFIX = re.compile(
    r"^\s*(\[draft\]|\(draft\)|draft:|draft\s-\s|draft\s|\[wip\]|wip:|wip\s)", re.I
)


def json_path(parts: Any) -> str:
    """``["projects", 0, "project"]`` as ``projects[0].project``."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def load_dataset(source: str | Path | Payload, *, name: str | None = None) -> GitLabState:
    """Validate a dataset (a path, or already parsed JSON) and build the live state.

    Anything wrong with it, whatever its shape, is a :class:`DatasetError`.
    """
    if not isinstance(source, str | Path):
        data: Any = source
        label = name or "dataset"
    else:
        path = Path(source)
        label = name or str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise DatasetError(f"cannot read: {exc.strerror or exc}", file=label) from None
        except UnicodeDecodeError as exc:
            raise DatasetError(
                f"not UTF-8 text: byte {exc.start} is {exc.object[exc.start]:#04x}", file=label
            ) from None
        except ValueError as exc:  # an embedded NUL in the name
            raise DatasetError(f"cannot read: {exc}", file=label) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"not JSON: {exc.msg}", file=label, line=exc.lineno) from None
        except RecursionError:
            raise DatasetError(
                "not JSON this parser can read: nested too deeply", file=label
            ) from None
    return _Loader(label).load(data)


class _Loader:
    def __init__(self, label: str) -> None:
        self.label = label
        self.state: GitLabState
        # Where each loaded MR, issue, note and award came from, for errors found later.
        self._paths: dict[int, list[Any]] = {}
        self._events: dict[int, list[Payload]] = {}

    def fail(self, path: list[Any], message: str) -> DatasetError:
        return DatasetError(message, file=self.label, key=json_path(path))

    def load(self, data: Any) -> GitLabState:
        if not isinstance(data, dict):
            raise self.fail([], "expected a JSON object")
        if data.get("format") != FORMAT:
            raise self.fail(["format"], f"expected {FORMAT!r}, got {data.get('format')!r}")
        found = _schema_error(data)
        if found is not None:
            prefix, error = found
            raise self.fail([*prefix, *error.absolute_path], _describe(error))
        self.state = GitLabState(instance=data.get("instance"), meta=data.get("meta"))
        self._users(data["users"])
        self._tokens(data.get("tokens", []))
        self._groups(data.get("groups", []))
        for index, entry in enumerate(data["projects"]):
            self._project(entry, ["projects", index])
        self._reserve_ids()
        event_log.derive_all(self.state, explicit=self._events)
        return self.state

    # -- users, tokens, groups ---------------------------------------------------------------

    def _users(self, users: list[Payload]) -> None:
        for index, raw in enumerate(users):
            self._user(raw, ["users", index])

    def _user(self, raw: Payload, path: list[Any]) -> User:
        payload = dict(raw)
        if payload["id"] in self.state.users:
            raise self.fail([*path, "id"], f"duplicate user id {payload['id']}")
        if payload["username"].lower() in self.state.users_by_name:
            raise self.fail([*path, "username"], f"duplicate username {payload['username']!r}")
        is_admin = bool(payload.pop("is_admin", False))
        payload.setdefault("name", payload["username"].replace(".", " ").title())
        payload.setdefault("state", "active")
        payload.setdefault("locked", payload["state"] == "locked")
        payload.setdefault("bot", False)
        payload.setdefault("avatar_url", None)
        if payload.get("created_at"):
            payload["created_at"] = self._time(payload["created_at"], [*path, "created_at"])
        user = User(payload, is_admin=is_admin)
        self.state.add_user(user)
        return user

    def _tokens(self, tokens: list[Payload]) -> None:
        for index, entry in enumerate(tokens):
            user = self.state.users_by_name.get(entry["username"].lower())
            if user is None:
                raise self.fail(
                    ["tokens", index, "username"], f"unknown user {entry['username']!r}"
                )
            if entry["token"] in self.state.tokens:
                raise self.fail(["tokens", index, "token"], "duplicate token")
            self.state.tokens[entry["token"]] = user.id

    def _groups(self, groups: list[Payload]) -> None:
        pending = list(enumerate(groups))
        # Parents may come after their subgroups in the file; resolve until nothing moves.
        while pending:
            progressed = False
            for index, entry in list(pending):
                payload = dict(entry["group"])
                parent_id = payload.get("parent_id")
                parent = self.state.groups.get(parent_id) if parent_id else None
                if parent_id and parent is None:
                    continue
                if payload["id"] in self.state.groups:
                    raise self.fail(
                        ["groups", index, "group", "id"], f"duplicate group id {payload['id']}"
                    )
                payload.setdefault("name", payload["path"].replace("-", " ").title())
                payload["full_path"] = (
                    f"{parent.full_path}/{payload['path']}" if parent else payload["path"]
                )
                if payload["full_path"].lower() in self.state.groups_by_path:
                    raise self.fail(
                        ["groups", index, "group", "path"],
                        f"duplicate group path {payload['full_path']!r}",
                    )
                payload.setdefault(
                    "full_name",
                    payload["name"]
                    if not parent
                    else f"{parent.data['full_name']} / {payload['name']}",
                )
                payload.setdefault("visibility", "private")
                payload.setdefault("description", "")
                payload.setdefault("parent_id", None)
                group = Group(payload, parent=parent)
                group.members = self._members(
                    entry.get("members", []), ["groups", index, "members"]
                )
                self.state.add_group(group)
                pending.remove((index, entry))
                progressed = True
            if not progressed:
                index, entry = pending[0]
                parent_id = entry["group"]["parent_id"]
                waiting = {e["group"]["id"] for _, e in pending}
                problem = (
                    f"parent group {parent_id} is in a cycle of parents"
                    if parent_id in waiting
                    else f"unknown parent group {parent_id}"
                )
                raise self.fail(["groups", index, "group", "parent_id"], problem)

    def _members(self, members: list[Payload], path: list[Any]) -> dict[int, Payload]:
        out: dict[int, Payload] = {}
        for index, member in enumerate(members):
            uid = self._user_ref(member, [*path, index])
            assert uid is not None
            out[uid] = {
                "access_level": member["access_level"],
                "created_at": member.get("created_at"),
                "expires_at": member.get("expires_at"),
            }
        return out

    # -- projects ----------------------------------------------------------------------------

    def _project(self, entry: Payload, path: list[Any]) -> None:
        payload = dict(entry["project"])
        if payload["id"] in self.state.projects:
            raise self.fail([*path, "project", "id"], f"duplicate project id {payload['id']}")
        full = payload["path_with_namespace"]
        if full.lower() in self.state.projects_by_path:
            raise self.fail(
                [*path, "project", "path_with_namespace"], f"duplicate project path {full!r}"
            )
        namespace, _, leaf = full.rpartition("/")
        group = self.state.groups_by_path.get(namespace.lower())
        if group is None and namespace.lower() not in self.state.users_by_name:
            raise self.fail(
                [*path, "project", "path_with_namespace"],
                f"namespace {namespace!r} is neither a group nor a username",
            )
        payload.setdefault("path", leaf)
        payload.setdefault("name", leaf.replace("-", " ").title())
        payload.setdefault("visibility", "private")
        payload.setdefault("default_branch", "main")
        payload.setdefault("description", "")
        payload.setdefault("archived", False)
        payload.setdefault("created_at", None)
        if payload["created_at"]:
            payload["created_at"] = self._time(
                payload["created_at"], [*path, "project", "created_at"]
            )
        project = Project(payload, group=group)
        project.members = self._members(entry.get("members", []), [*path, "members"])
        project.templates = {
            kind: dict(found) for kind, found in (entry.get("templates") or {}).items()
        }
        self.state.add_project(project)
        for index, item in enumerate(entry.get("merge_requests", [])):
            self._merge_request(project, item, [*path, "merge_requests", index])
        for index, item in enumerate(entry.get("issues", [])):
            self._issue(project, item, [*path, "issues", index])
        for index, raw in enumerate(entry.get("pipelines", [])):
            self._pipeline(project, raw, [*path, "pipelines", index])
        if "events" in entry:
            self._events[project.id] = self._explicit_events(entry["events"], [*path, "events"])

    def _explicit_events(self, events: list[Payload], path: list[Any]) -> list[Payload]:
        out: list[Payload] = []
        seen: set[int] = {int(e["id"]) for rows in self._events.values() for e in rows if "id" in e}
        for index, raw in enumerate(events):
            event = dict(raw)
            event["created_at"] = self._time(event["created_at"], [*path, index, "created_at"])
            if "id" in event:
                if event["id"] in seen:
                    raise self.fail([*path, index, "id"], f"duplicate event id {event['id']}")
                seen.add(event["id"])
            out.append(event)
        return out

    def _merge_request(self, project: Project, item: Payload, path: list[Any]) -> None:
        data = self._issuable(
            project, item["merge_request"], [*path, "merge_request"], project.merge_requests
        )
        data.setdefault("draft", bool(_DRAFT_PREFIX.match(data["title"])))
        data.setdefault("source_branch", f"{data['iid']}-change")
        data.setdefault("target_branch", project.data["default_branch"])
        for key in ("merge_user", "merged_by"):
            data[key] = self._user_ref(data.get(key), [*path, "merge_request", key])
        if data["merge_user"] is None and data["merged_by"] is not None:
            data["merge_user"] = data["merged_by"]
        mr = MergeRequest(data, project)
        approvals = dict(item.get("approvals") or {})
        approvals["approved_by"] = [
            {
                "user": self._user_ref(a["user"], [*path, "approvals", "approved_by", i, "user"]),
                "approved_at": self._opt_time(
                    a.get("approved_at"), [*path, "approvals", "approved_by", i, "approved_at"]
                )
                or data["updated_at"],
            }
            for i, a in enumerate(approvals.get("approved_by", []))
        ]
        approvals.setdefault("approvals_required", 0)
        mr.approvals = approvals
        mr.reviewer_states = [
            {
                "user": self._user_ref(r["user"], [*path, "reviewers", i, "user"]),
                "state": r.get("state", "unreviewed"),
                "created_at": self._opt_time(
                    r.get("created_at"), [*path, "reviewers", i, "created_at"]
                )
                or data["created_at"],
            }
            for i, r in enumerate(item.get("reviewers", []))
        ]
        if "reviewers" not in item["merge_request"]:
            data["reviewers"] = [r["user"] for r in mr.reviewer_states]
        elif not mr.reviewer_states:
            mr.reviewer_states = [
                {"user": uid, "state": "unreviewed", "created_at": data["created_at"]}
                for uid in data["reviewers"]
            ]
        mr.diffs = [_diff_defaults(d) for d in item.get("diffs", [])]
        mr.commits = [
            self._commit(c, [*path, "commits", i]) for i, c in enumerate(item.get("commits", []))
        ]
        if "sha" not in data:
            data["sha"] = mr.commits[0]["id"] if mr.commits else None
        mr.versions = [dict(v) for v in item.get("versions", [])]
        self._notes(mr, item.get("notes", []), [*path, "notes"])
        mr.award_emoji = self._awards(mr, item.get("award_emoji", []), [*path, "award_emoji"])
        project.merge_requests[mr.iid] = mr

    def _issue(self, project: Project, item: Payload, path: list[Any]) -> None:
        data = self._issuable(project, item["issue"], [*path, "issue"], project.issues)
        data.setdefault("confidential", False)
        data.setdefault("issue_type", "issue")
        issue = Issue(data, project)
        self._notes(issue, item.get("notes", []), [*path, "notes"])
        issue.award_emoji = self._awards(issue, item.get("award_emoji", []), [*path, "award_emoji"])
        project.issues[issue.iid] = issue

    def _issuable(
        self, project: Project, raw: Payload, path: list[Any], existing: dict[int, Any]
    ) -> Payload:
        data = dict(raw)
        if data["iid"] in existing:
            raise self.fail(
                [*path, "iid"], f"duplicate iid {data['iid']} in {project.path_with_namespace}"
            )
        for key in _TIME_KEYS:
            if data.get(key) is not None:
                data[key] = self._time(data[key], [*path, key])
        # Closing or merging moves updated_at in GitLab; a derived default must not be older.
        data.setdefault(
            "updated_at",
            max(t for t in (data["created_at"], data.get("closed_at"), data.get("merged_at")) if t),
        )
        data.setdefault("state", "opened")
        data.setdefault("description", "")
        data.setdefault("labels", [])
        data["labels"] = sorted(data["labels"])
        data["project_id"] = project.id
        data["author"] = self._user_ref(data["author"], [*path, "author"])
        data["closed_by"] = self._user_ref(data.get("closed_by"), [*path, "closed_by"])
        for key in ("assignees", "reviewers"):
            if key in data:
                data[key] = [self._user_ref(u, [*path, key, i]) for i, u in enumerate(data[key])]
        if "assignees" not in data:
            single = data.get("assignee")
            data["assignees"] = [self._user_ref(single, [*path, "assignee"])] if single else []
        data.pop("assignee", None)
        data["_pending_id"] = "id" not in data
        self._paths[id(data)] = path
        return data

    def _notes(self, noteable: Noteable, notes: list[Payload], path: list[Any]) -> None:
        for index, raw in enumerate(notes):
            self._note(noteable, raw, [*path, index])

    def _note(self, noteable: Noteable, raw: Payload, where: list[Any]) -> Note:
        data = dict(raw)
        data["created_at"] = self._time(data["created_at"], [*where, "created_at"])
        data["updated_at"] = (
            self._opt_time(data.get("updated_at"), [*where, "updated_at"]) or data["created_at"]
        )
        data["author"] = self._user_ref(data["author"], [*where, "author"])
        note_type = data.get("type") or None
        data["type"] = None if note_type == "Note" else note_type
        data.setdefault("system", False)
        internal = bool(data.get("internal", data.get("confidential", False)))
        data["internal"] = internal
        data.pop("confidential", None)
        data.setdefault(
            "resolvable", data["type"] in ("DiffNote", "DiscussionNote") and not data["system"]
        )
        if data["resolvable"]:
            data.setdefault("resolved", False)
            data["resolved_by"] = self._user_ref(data.get("resolved_by"), [*where, "resolved_by"])
            data["resolved_at"] = self._opt_time(data.get("resolved_at"), [*where, "resolved_at"])
        if data["type"] == "DiffNote" and not isinstance(data.get("position"), dict):
            raise self.fail([*where, "position"], "a DiffNote needs its position")
        discussion = data.pop("discussion_id", None)
        data["_pending_id"] = "id" not in data
        self._paths[id(data)] = where
        note = Note(data, discussion_id=str(discussion) if discussion else "")
        noteable.notes.append(note)
        return note

    def _awards(self, noteable: Noteable, awards: list[Payload], path: list[Any]) -> list[Payload]:
        out = []
        for index, raw in enumerate(awards):
            data = dict(raw)
            data["user"] = self._user_ref(data["user"], [*path, index, "user"])
            data["created_at"] = self._time(data["created_at"], [*path, index, "created_at"])
            data.setdefault("updated_at", data["created_at"])
            if data.get("awardable_type") == "Note":
                if "awardable_id" not in data:
                    raise self.fail(
                        [*path, index, "awardable_id"], "a note's award needs the note id"
                    )
            else:
                data["awardable_type"] = noteable.kind
                data.pop("awardable_id", None)
            data["_pending_id"] = "id" not in data
            self._paths[id(data)] = [*path, index]
            out.append(data)
        return out

    def _commit(self, raw: Payload, path: list[Any]) -> Payload:
        data = dict(raw)
        for key in ("created_at", "authored_date", "committed_date"):
            if data.get(key):
                data[key] = self._time(data[key], [*path, key])
        created = data.get("created_at") or data.get("committed_date") or data.get("authored_date")
        if created is None:
            raise self.fail(
                [*path, "created_at"], "a commit needs created_at, committed_date or authored_date"
            )
        data["created_at"] = created
        data.setdefault("authored_date", created)
        data.setdefault("committed_date", created)
        data.setdefault("short_id", data["id"][:8])
        data.setdefault("message", data["title"])
        data.setdefault("parent_ids", [])
        parents = data["parent_ids"]
        if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents):
            raise self.fail([*path, "parent_ids"], "expected a list of commit SHAs")
        for key in ("author_name", "author_email", "committer_name", "committer_email"):
            data.setdefault(key, "")
        data.setdefault("trailers", {})
        data.setdefault("extended_trailers", {})
        return data

    def _pipeline(self, project: Project, raw: Payload, path: list[Any]) -> None:
        data = dict(raw)
        if any(data["id"] in p.pipelines for p in self.state.projects.values()):
            raise self.fail([*path, "id"], f"duplicate pipeline id {data['id']}")
        for key in _TIME_KEYS:
            if data.get(key) is not None:
                data[key] = self._time(data[key], [*path, key])
        data.setdefault("updated_at", data["created_at"])
        data.setdefault("source", "push")
        data["user"] = self._user_ref(data.get("user"), [*path, "user"])
        data["project_id"] = project.id
        project.pipelines[data["id"]] = data

    # -- references and ids ----------------------------------------------------------------------

    def _user_ref(self, value: Any, path: list[Any]) -> int | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.fail(path, 'expected a user object like {"id": 3}')
        uid = value.get("id")
        if uid is not None and uid in self.state.users:
            return int(uid)
        username = value.get("username")
        if username is not None:
            known = self.state.users_by_name.get(str(username).lower())
            if known is not None:
                if uid is not None and uid != known.id:
                    raise self.fail(path, f"user {username!r} has id {known.id}, not {uid}")
                return known.id
            if uid is not None:
                user_data = {
                    k: v
                    for k, v in value.items()
                    if k in ("id", "username", "name", "state", "avatar_url", "locked")
                }
                user_data.setdefault("name", username)
                user_data.setdefault("state", "active")
                user_data.setdefault("locked", False)
                user_data.setdefault("bot", False)
                user_data.setdefault("avatar_url", None)
                self.state.add_user(User(user_data))
                return int(uid)
            raise self.fail(path, f'unknown username {username!r} (add it to "users")')
        raise self.fail(path, f'unknown user id {uid} (add it to "users")')

    def _time(self, value: Any, path: list[Any]) -> str:
        # Year 1 with an offset overflows when converted to UTC.
        try:
            return times.normalize(str(value))
        except (ValueError, OverflowError):
            raise self.fail(path, f"not an ISO 8601 time: {value!r}") from None

    def _opt_time(self, value: Any, path: list[Any]) -> str | None:
        return None if value is None else self._time(value, path)

    def _unique(self, seen: set[int], payload: Payload, what: str) -> None:
        value = int(payload["id"])
        if value in seen:
            raise self.fail([*self._paths.get(id(payload), []), "id"], f"duplicate {what}")
        seen.add(value)

    def _reserve_ids(self) -> None:
        """Give every object without an id an unused one, in file order."""
        state = self.state
        mrs = [mr for p in state.projects.values() for mr in p.merge_requests.values()]
        issues = [i for p in state.projects.values() for i in p.issues.values()]
        notes = [n for item in [*mrs, *issues] for n in item.notes]
        awards = [a for item in [*mrs, *issues] for a in item.award_emoji]
        _assign(state, "merge_request", [m.data for m in mrs])
        _assign(state, "issue", [i.data for i in issues])
        _assign(state, "note", [n.data for n in notes])
        _assign(state, "award_emoji", awards)
        state.reserve_ids("user", max(state.users, default=0) + 1000)
        state.reserve_ids("group", max(state.groups, default=0))
        state.reserve_ids("project", max(state.projects, default=0))
        state.reserve_ids(
            "pipeline",
            max((pid for p in state.projects.values() for pid in p.pipelines), default=0),
        )
        seen_mrs: set[int] = set()
        seen_issues: set[int] = set()
        seen_notes: set[int] = set()
        for mr in mrs:
            self._unique(seen_mrs, mr.data, f"merge request id {mr.id}")
        for issue in issues:
            self._unique(seen_issues, issue.data, f"issue id {issue.id}")
        for note in notes:
            self._unique(seen_notes, note.data, f"note id {note.id}")
            if not note.discussion_id:
                note.discussion_id = discussion_id_for(f"note-{note.id}")
        state.merge_requests.clear()
        state.issues.clear()
        state.notes.clear()
        for item in [*mrs, *issues]:
            state.index_noteable(item)
        for item in [*mrs, *issues]:
            note_ids = {n.id for n in item.notes}
            for award in item.award_emoji:
                if award["awardable_type"] == "Note" and award["awardable_id"] not in note_ids:
                    raise self.fail(
                        [*self._paths.get(id(award), []), "awardable_id"],
                        f"award emoji on note {award['awardable_id']}, "
                        f"which is not a note of {item.reference()}",
                    )
                if award["awardable_type"] != "Note":
                    award["awardable_id"] = item.id


def _assign(state: GitLabState, kind: str, payloads: list[Payload]) -> None:
    used = [int(p["id"]) for p in payloads if not p["_pending_id"]]
    state.reserve_ids(kind, max(used, default=0))
    for payload in payloads:
        if payload.pop("_pending_id"):
            payload["id"] = state.new_id(kind)


def _diff_defaults(raw: Payload) -> Payload:
    data = dict(raw)
    data.setdefault("old_path", data["new_path"])
    data.setdefault("new_file", False)
    data.setdefault("renamed_file", data["old_path"] != data["new_path"])
    data.setdefault("deleted_file", False)
    data.setdefault("generated_file", False)
    data.setdefault("a_mode", "0" if data["new_file"] else "100644")
    data.setdefault("b_mode", "0" if data["deleted_file"] else "100644")
    data.setdefault("diff", "")
    return data


def _describe(error: jsonschema.ValidationError) -> str:
    instance: Any = error.instance
    expected: Any = error.validator_value
    if error.validator == "required":
        missing = [key for key in expected if key not in instance]
        return f"missing required key {missing[0]!r}" if missing else error.message
    if error.validator == "additionalProperties":
        schema = error.schema if isinstance(error.schema, dict) else {}
        known = sorted(schema.get("properties", {}))
        unknown = sorted(set(instance) - set(known))
        hint = difflib.get_close_matches(unknown[0], known, n=1)
        suggestion = (
            f" (did you mean {hint[0]!r}?)" if hint else f" (expected one of: {', '.join(known)})"
        )
        return f"unknown key {unknown[0]!r}{suggestion}"
    if error.validator == "const":
        return f"expected {error.validator_value!r}, got {error.instance!r}"
    if error.validator == "pattern" and "T ]" in str(error.validator_value):
        return f"expected an ISO 8601 time like 2026-03-02T09:15:00Z, got {error.instance!r}"
    if error.validator == "anyOf" and isinstance(error.instance, dict):
        return 'expected a user object with "id" or "username"'
    return error.message
