"""Render stored objects as GitLab's API entities (``lib/api/entities/*.rb``).

Field lists are data, one tuple per entity, so what each endpoint sends can be read at a glance
and compared with GitLab's documented examples (``tests/fakelab/test_entities.py`` does). Users
are rendered at response time; ``web_url`` and ``references`` are derived from the server's base
URL unless the dataset gave them.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from bot.fakelab.hunks import shown_lines
from bot.fakelab.markdown import closing_references
from bot.fakelab.model import (
    REPORTER,
    Group,
    Issue,
    MergeRequest,
    Note,
    Noteable,
    Payload,
    Project,
    User,
)
from bot.fakelab.state import GitLabState

USER_BASIC = ("id", "username", "name", "state", "locked", "avatar_url", "web_url")
USER_PUBLIC_EXTRA = (
    "created_at",
    "bio",
    "bio_html",
    "location",
    "public_email",
    "linkedin",
    "twitter",
    "discord",
    "github",
    "website_url",
    "organization",
    "job_title",
    "pronouns",
    "bot",
    "work_information",
    "followers",
    "following",
    "is_followed",
    "local_time",
)
MR_BASIC = (
    "id",
    "iid",
    "project_id",
    "title",
    "description",
    "state",
    "created_at",
    "updated_at",
    "merged_by",
    "merge_user",
    "merged_at",
    "closed_by",
    "closed_at",
    "target_branch",
    "source_branch",
    "user_notes_count",
    "upvotes",
    "downvotes",
    "author",
    "assignees",
    "assignee",
    "reviewers",
    "source_project_id",
    "target_project_id",
    "labels",
    "draft",
    "imported",
    "imported_from",
    "work_in_progress",
    "milestone",
    "merge_when_pipeline_succeeds",
    "merge_status",
    "detailed_merge_status",
    "merge_after",
    "sha",
    "merge_commit_sha",
    "squash_commit_sha",
    "discussion_locked",
    "should_remove_source_branch",
    "force_remove_source_branch",
    "prepared_at",
    "reference",
    "references",
    "web_url",
    "time_stats",
    "squash",
    "squash_on_merge",
    "task_completion_status",
    "has_conflicts",
    "blocking_discussions_resolved",
    "approvals_before_merge",
)
MR_SINGLE_EXTRA = (
    "subscribed",
    "changes_count",
    "latest_build_started_at",
    "latest_build_finished_at",
    "first_deployed_to_production_at",
    "pipeline",
    "head_pipeline",
    "diff_refs",
    "merge_error",
    "first_contribution",
    "user",
)
MR_SIMPLE = (
    "id",
    "iid",
    "project_id",
    "title",
    "description",
    "state",
    "created_at",
    "updated_at",
    "web_url",
)
ISSUE_LIST = (
    "id",
    "iid",
    "project_id",
    "title",
    "description",
    "state",
    "created_at",
    "updated_at",
    "closed_at",
    "closed_by",
    "labels",
    "milestone",
    "assignees",
    "author",
    "type",
    "assignee",
    "user_notes_count",
    "merge_requests_count",
    "upvotes",
    "downvotes",
    "due_date",
    "start_date",
    "confidential",
    "discussion_locked",
    "issue_type",
    "web_url",
    "time_stats",
    "task_completion_status",
    "has_tasks",
    "task_status",
    "_links",
    "references",
    "severity",
    "moved_to_id",
    "imported",
    "imported_from",
)
ISSUE_SINGLE_DROP = frozenset({"has_tasks", "task_status", "start_date", "moved_to_id"})
NOTE = (
    "id",
    "type",
    "body",
    "attachment",
    "author",
    "created_at",
    "updated_at",
    "system",
    "noteable_id",
    "noteable_type",
    "project_id",
    "resolvable",
    "confidential",
    "internal",
    "imported",
    "imported_from",
    "noteable_iid",
    "commands_changes",
)
PIPELINE_BASIC = (
    "id",
    "iid",
    "project_id",
    "sha",
    "ref",
    "status",
    "source",
    "created_at",
    "updated_at",
    "web_url",
    "name",
)
PIPELINE_EXTRA = (
    "before_sha",
    "tag",
    "yaml_errors",
    "user",
    "started_at",
    "finished_at",
    "committed_at",
    "duration",
    "queued_duration",
    "coverage",
    "detailed_status",
    "archived",
)
DIFF = (
    "old_path",
    "new_path",
    "a_mode",
    "b_mode",
    "diff",
    "new_file",
    "renamed_file",
    "deleted_file",
    "generated_file",
)
COMMIT = (
    "id",
    "short_id",
    "created_at",
    "parent_ids",
    "title",
    "message",
    "author_name",
    "author_email",
    "authored_date",
    "committer_name",
    "committer_email",
    "committed_date",
    "trailers",
    "extended_trailers",
    "web_url",
)
_POSITION_BASE = ("base_sha", "start_sha", "head_sha", "old_path", "new_path", "position_type")
_POSITION_EXTRA = {
    "text": ("old_line", "new_line", "line_range"),
    "image": ("width", "height", "x", "y"),
}
_CHECKBOX = re.compile(r"^\s*[-*+]\s+\[([ xX])\]", re.M)
_SUGGESTION = re.compile(r"^```suggestion(?::-(\d+)\+(\d+))?\n(.*?)^```", re.M | re.S)
_STATUS_TEXT = {
    "success": "passed",
    "failed": "failed",
    "running": "running",
    "pending": "pending",
    "canceled": "canceled",
    "skipped": "skipped",
    "manual": "manual",
    "created": "created",
}


class Renderer:
    """Renders for one request: a base URL and the user whose view this is."""

    def __init__(self, state: GitLabState, base_url: str, viewer: User | None) -> None:
        self.state = state
        self.base = base_url.rstrip("/")
        self.viewer = viewer
        # The group a group-level list (``/groups/:id/merge_requests``) was asked for:
        # ``references.relative`` is relative to it (``IssuableReferences``).
        self.reference_group: Group | None = None
        # Per request: how many MRs of a project close each of its issues.
        self._closing: dict[int, dict[int, int]] = {}

    # -- users, groups, projects ------------------------------------------------------------

    def user_basic(self, user_id: int | None) -> Payload | None:
        user = self.state.user(user_id)
        if user is None:
            return None
        data = user.data
        return {
            "id": user.id,
            "username": user.username,
            "name": data.get("name", user.username),
            "state": data.get("state", "active"),
            "locked": bool(data.get("locked", False)),
            "avatar_url": data.get("avatar_url"),
            "web_url": data.get("web_url") or f"{self.base}/{user.username}",
        }

    def user(self, user: User) -> Payload:
        """``Entities::User`` (``GET /users/:id``): the only user entity with ``bot``."""
        out = self.user_basic(user.id)
        assert out is not None
        data = user.data
        defaults: dict[str, Any] = {
            "created_at": None,  # a timestamp or nothing, never ""
            "location": None,
            "followers": 0,
            "following": 0,
            "is_followed": False,
            "bot": False,
            "work_information": None,
            "local_time": None,
        }
        for key in USER_PUBLIC_EXTRA:
            out[key] = data.get(key, defaults.get(key, ""))
        out["bio_html"] = data.get("bio_html", f"<p>{data['bio']}</p>" if data.get("bio") else "")
        if self.viewer is not None and self.viewer.is_admin:
            out["is_admin"] = user.is_admin
        return out

    def current_user(self, user: User) -> Payload:
        out = self.user(user)
        out.update(
            email=user.data.get("email", f"{user.username}@example.com"),
            commit_email=user.data.get("email", f"{user.username}@example.com"),
            is_admin=user.is_admin,
            can_create_group=True,
            can_create_project=True,
            two_factor_enabled=False,
            external=False,
            private_profile=False,
            identities=[],
            last_sign_in_at=None,
            confirmed_at=out.get("created_at") or None,
            last_activity_on=None,
            projects_limit=100000,
            theme_id=1,
            color_scheme_id=1,
        )
        return out

    def member(self, user_id: int, access_level: int, created_at: str | None = None) -> Payload:
        out = self.user_basic(user_id)
        assert out is not None
        out.update(
            access_level=access_level,
            created_at=created_at,
            expires_at=None,
            membership_state="active",
        )
        return out

    def group(self, group: Group) -> Payload:
        data = group.data
        return {
            "id": group.id,
            "web_url": f"{self.base}/groups/{group.full_path}",
            "name": data["name"],
            "path": data["path"],
            "description": data.get("description", ""),
            "visibility": data.get("visibility", "private"),
            "share_with_group_lock": False,
            "require_two_factor_authentication": False,
            "two_factor_grace_period": 48,
            "project_creation_level": "developer",
            "auto_devops_enabled": None,
            "subgroup_creation_level": "maintainer",
            "emails_disabled": False,
            "emails_enabled": True,
            "mentions_disabled": None,
            "lfs_enabled": True,
            "default_branch_protection": 2,
            "avatar_url": data.get("avatar_url"),
            "request_access_enabled": True,
            "full_name": data["full_name"],
            "full_path": group.full_path,
            "created_at": data.get("created_at"),
            "parent_id": data.get("parent_id"),
        }

    def namespace(self, project: Project) -> Payload:
        if project.group is not None:
            group = project.group
            return {
                "id": group.id,
                "name": group.data["name"],
                "path": group.data["path"],
                "kind": "group",
                "full_path": group.full_path,
                "parent_id": group.data.get("parent_id"),
                "avatar_url": group.data.get("avatar_url"),
                "web_url": f"{self.base}/groups/{group.full_path}",
            }
        owner = self.state.users_by_name[project.path_with_namespace.split("/")[0].lower()]
        return {
            "id": owner.id,
            "name": owner.data.get("name"),
            "path": owner.username,
            "kind": "user",
            "full_path": owner.username,
            "parent_id": None,
            "avatar_url": owner.data.get("avatar_url"),
            "web_url": f"{self.base}/{owner.username}",
        }

    def project(self, project: Project) -> Payload:
        data = project.data
        web = data.get("web_url") or f"{self.base}/{project.path_with_namespace}"
        host = self.base.split("://", 1)[-1].split("/", 1)[0].split(":")[0]
        last_activity = max(
            (e["created_at"] for e in project.events[-1:]), default=data.get("created_at")
        )
        out: Payload = {
            "id": project.id,
            "description": data.get("description", ""),
            "name": data["name"],
            "name_with_namespace": (project.group.data["full_name"] + " / " + data["name"])
            if project.group
            else data["name"],
            "path": data["path"],
            "path_with_namespace": project.path_with_namespace,
            "created_at": data.get("created_at"),
            "default_branch": data["default_branch"],
            "tag_list": data.get("topics", []),
            "topics": data.get("topics", []),
            "ssh_url_to_repo": f"git@{host}:{project.path_with_namespace}.git",
            "http_url_to_repo": f"{web}.git",
            "web_url": web,
            "readme_url": f"{web}/-/blob/{data['default_branch']}/README.md",
            "forks_count": data.get("forks_count", 0),
            "avatar_url": data.get("avatar_url"),
            "star_count": data.get("star_count", 0),
            "last_activity_at": data.get("last_activity_at", last_activity),
            "namespace": self.namespace(project),
            "visibility": project.visibility,
            "archived": data.get("archived", False),
            "empty_repo": False,
            "issues_enabled": True,
            "merge_requests_enabled": True,
            "jobs_enabled": True,
            "wiki_enabled": True,
            "snippets_enabled": True,
            "open_issues_count": sum(
                1 for i in project.issues.values() if i.data["state"] == "opened"
            ),
            "creator_id": data.get("creator_id"),
            "_links": {
                "self": f"{self.base}/api/v4/projects/{project.id}",
                "issues": f"{self.base}/api/v4/projects/{project.id}/issues",
                "merge_requests": f"{self.base}/api/v4/projects/{project.id}/merge_requests",
                "repo_branches": f"{self.base}/api/v4/projects/{project.id}/repository/branches",
                "labels": f"{self.base}/api/v4/projects/{project.id}/labels",
                "events": f"{self.base}/api/v4/projects/{project.id}/events",
                "members": f"{self.base}/api/v4/projects/{project.id}/members",
            },
        }
        if self.viewer is not None:
            out["permissions"] = {
                "project_access": {
                    "access_level": project.members[self.viewer.id]["access_level"],
                    "notification_level": 3,
                }
                if self.viewer.id in project.members
                else None,
                "group_access": {
                    "access_level": self.state.group_access(self.viewer, project.group),
                    "notification_level": 3,
                }
                if project.group and self.state.group_access(self.viewer, project.group)
                else None,
            }
        return out

    # -- merge requests and issues ------------------------------------------------------------

    def _web_url(self, item: Noteable) -> str:
        given = item.data.get("web_url")
        if given:
            return str(given)
        return f"{self.base}/{item.project.path_with_namespace}/-/{item.path_segment}/{item.iid}"

    def _references(self, item: Noteable) -> Payload:
        short = item.reference(item.project)
        relative = short
        group = self.reference_group
        if group is not None:
            # ``Project#to_reference_base(group)``: the project's path when it sits directly
            # in that group, its full path otherwise.
            relative = (
                f"{item.project.data['path']}{short}"
                if item.project.group is group
                else item.reference(None)
            )
        return {"short": short, "relative": relative, "full": item.reference(None)}

    def _common(self, item: Noteable) -> Payload:
        data = item.data
        upvotes = sum(
            1 for a in item.award_emoji if a["awardable_type"] != "Note" and a["name"] == "thumbsup"
        )
        downvotes = sum(
            1
            for a in item.award_emoji
            if a["awardable_type"] != "Note" and a["name"] == "thumbsdown"
        )
        description = data.get("description") or ""
        boxes = _CHECKBOX.findall(description)
        return {
            "author": self.user_basic(data["author"]),
            "assignees": [self.user_basic(u) for u in data.get("assignees", [])],
            "assignee": self.user_basic(data["assignees"][0]) if data.get("assignees") else None,
            "closed_by": self.user_basic(data.get("closed_by")),
            "user_notes_count": sum(
                1 for n in item.notes if not n.data["system"] and self.can_read_note(n)
            ),
            "upvotes": data.get("upvotes", upvotes),
            "downvotes": data.get("downvotes", downvotes),
            "references": data.get("references") or self._references(item),
            "web_url": self._web_url(item),
            "time_stats": data.get("time_stats")
            or {
                "time_estimate": 0,
                "total_time_spent": 0,
                "human_time_estimate": None,
                "human_total_time_spent": None,
            },
            "task_completion_status": {
                "count": len(boxes),
                "completed_count": sum(1 for b in boxes if b in "xX"),
            },
            "milestone": data.get("milestone"),
            "discussion_locked": data.get("discussion_locked"),
            "imported": data.get("imported", False),
            "imported_from": data.get("imported_from", "none"),
        }

    def merge_request(self, mr: MergeRequest, *, single: bool) -> Payload:
        data = mr.data
        common = self._common(mr)
        derived: Payload = {
            **common,
            "merge_user": self.user_basic(data.get("merge_user")),
            # merge_user is ``metrics.merged_by || merge_user``: once merged, both name the
            # merger; before that only merge_user may be set (who set auto-merge).
            "merged_by": self.user_basic(
                data.get("merged_by")
                or (data.get("merge_user") if data["state"] == "merged" else None)
            ),
            "reviewers": [self.user_basic(u) for u in data.get("reviewers", [])],
            "source_project_id": data.get("source_project_id", mr.project.id),
            "target_project_id": data.get("target_project_id", mr.project.id),
            "work_in_progress": data["draft"],
            "reference": data.get("reference") or mr.reference(mr.project),
            "detailed_merge_status": data.get("detailed_merge_status") or self._detailed_status(mr),
            "merge_status": data.get("merge_status", "can_be_merged"),
            "blocking_discussions_resolved": not _unresolved_blocks(mr),
            "prepared_at": data.get("prepared_at", data["created_at"]),
            "squash_on_merge": data.get("squash_on_merge", data.get("squash", False)),
        }
        defaults: Payload = {
            "merged_at": None,
            "closed_at": None,
            "merge_when_pipeline_succeeds": False,
            "merge_after": None,
            "merge_commit_sha": None,
            "squash_commit_sha": None,
            "should_remove_source_branch": None,
            "force_remove_source_branch": False,
            "squash": False,
            "has_conflicts": False,
            "approvals_before_merge": None,
        }
        out = {
            key: derived[key] if key in derived else data.get(key, defaults.get(key))
            for key in MR_BASIC
        }
        if not single:
            return out
        pipeline = self._head_pipeline(mr)
        version = self.versions(mr)[0] if self.versions(mr) else None
        extra: Payload = {
            "subscribed": data.get("subscribed", False),
            "changes_count": data.get("changes_count", _changes_count(mr)),
            "latest_build_started_at": pipeline.get("started_at") if pipeline else None,
            "latest_build_finished_at": pipeline.get("finished_at") if pipeline else None,
            "first_deployed_to_production_at": data.get("first_deployed_to_production_at"),
            "pipeline": self.pipeline(mr.project, pipeline, single=False) if pipeline else None,
            "head_pipeline": self.pipeline(mr.project, pipeline, single=True) if pipeline else None,
            "diff_refs": data.get("diff_refs")
            or (
                {
                    "base_sha": version["base_commit_sha"],
                    "head_sha": version["head_commit_sha"],
                    "start_sha": version["start_commit_sha"],
                }
                if version
                else None
            ),
            "merge_error": data.get("merge_error"),
            "first_contribution": data.get("first_contribution", False),
            "user": {"can_merge": self.state.project_access(self.viewer, mr.project) >= 30},
        }
        out.update({key: extra[key] for key in MR_SINGLE_EXTRA})
        return out

    def merge_request_simple(self, mr: MergeRequest) -> Payload:
        data = mr.data
        return {
            key: (self._web_url(mr) if key == "web_url" else data.get(key)) for key in MR_SIMPLE
        }

    def _detailed_status(self, mr: MergeRequest) -> str:
        data = mr.data
        if data["state"] != "opened":
            return "not_open"
        if data["draft"]:
            return "draft_status"
        if _unresolved_blocks(mr):
            return "discussions_not_resolved"
        if len(mr.approvals.get("approved_by", [])) < mr.approvals.get("approvals_required", 0):
            return "not_approved"
        return "mergeable"

    def _closing_counts(self, project: Project) -> dict[int, int]:
        counts = self._closing.get(project.id)
        if counts is None:
            counts = {}
            for mr in project.merge_requests.values():
                for iid in _closed_iids(mr.data.get("description") or ""):
                    counts[iid] = counts.get(iid, 0) + 1
            self._closing[project.id] = counts
        return counts

    def _head_pipeline(self, mr: MergeRequest) -> Payload | None:
        sha = mr.data.get("sha")
        if not sha:
            return None
        matching = [p for p in mr.project.pipelines.values() if p["sha"] == sha]
        return max(matching, key=lambda p: p["id"]) if matching else None

    def issue(self, issue: Issue, *, single: bool) -> Payload:
        data = issue.data
        common = self._common(issue)
        api = f"{self.base}/api/v4/projects/{issue.project.id}/issues/{issue.iid}"
        derived: Payload = {
            **common,
            "type": data["issue_type"].upper(),
            "merge_requests_count": self._closing_counts(issue.project).get(issue.iid, 0),
            "_links": {
                "self": api,
                "notes": f"{api}/notes",
                "award_emoji": f"{api}/award_emoji",
                "project": f"{self.base}/api/v4/projects/{issue.project.id}",
                "closed_as_duplicate_of": None,
            },
            "severity": data.get("severity", "UNKNOWN"),
            "has_tasks": common["task_completion_status"]["count"] > 0,
            "task_status": "{completed_count} of {count} checklist items completed".format(
                **common["task_completion_status"]
            ),
        }
        defaults: Payload = {
            "due_date": None,
            "start_date": None,
            "closed_at": None,
            "moved_to_id": None,
        }
        fields = [k for k in ISSUE_LIST if not (single and k in ISSUE_SINGLE_DROP)]
        out = {
            key: derived[key] if key in derived else data.get(key, defaults.get(key))
            for key in fields
        }
        if single:
            out["subscribed"] = data.get("subscribed", False)
        return out

    # -- notes and discussions ---------------------------------------------------------------------

    def can_read_note(self, note: Note) -> bool:
        if not note.data.get("internal"):
            return True
        assert note.noteable is not None
        return self.state.project_access(self.viewer, note.noteable.project) >= REPORTER

    def note(self, note: Note) -> Payload:
        data = note.data
        item = note.noteable
        assert item is not None
        # ``ResolvableNote#potentially_resolvable?``: DiffNote/DiscussionNote on a noteable that
        # ``supports_resolvable_notes?``, which among issues and MRs is the MR only.
        resolvable = bool(data["resolvable"]) and isinstance(item, MergeRequest)
        values: Payload = {
            "id": note.id,
            "type": data.get("type"),
            "body": data["body"],
            "attachment": data.get("attachment"),
            "author": self.user_basic(data["author"]),
            "created_at": data["created_at"],
            "updated_at": data["updated_at"],
            "system": data["system"],
            "noteable_id": item.id,
            "noteable_type": item.kind,
            "project_id": item.project.id,
            "resolvable": resolvable,
            "confidential": data["internal"],
            "internal": data["internal"],
            "imported": data.get("imported", False),
            "imported_from": data.get("imported_from", "none"),
            "noteable_iid": item.iid,
            "commands_changes": data.get("commands_changes", {}),
        }
        out = {key: values[key] for key in NOTE}
        if data.get("type") == "DiffNote":
            out["commit_id"] = data.get("commit_id")
            out["position"] = _position(data.get("position"))
        if resolvable:
            out["resolved"] = bool(data.get("resolved"))
            out["resolved_by"] = self.user_basic(data.get("resolved_by"))
            out["resolved_at"] = data.get("resolved_at")
        # ``API::Entities::Note`` exposes suggestions on a merge request's diff notes, in
        # ``/notes``, ``/discussions`` and events alike.
        if data.get("type") == "DiffNote" and isinstance(item, MergeRequest):
            out["suggestions"] = _suggestions(note, item)
        return out

    def discussions(self, item: Noteable) -> list[Payload]:
        threads: dict[str, list[Note]] = {}
        for note in item.notes:
            if self.can_read_note(note):
                threads.setdefault(note.discussion_id, []).append(note)
        out = []
        for discussion_id, notes in threads.items():
            notes.sort(key=lambda n: (n.data["created_at"], n.id))
            individual = len(notes) == 1 and notes[0].data.get("type") is None
            out.append(
                {
                    "id": discussion_id,
                    "individual_note": individual,
                    "notes": [self.note(n) for n in notes],
                }
            )
        out.sort(key=lambda d: (d["notes"][0]["created_at"], d["notes"][0]["id"]))  # type: ignore[index]
        return out

    def award(self, award: Payload) -> Payload:
        return {
            "id": award["id"],
            "name": award["name"],
            "user": self.user_basic(award["user"]),
            "created_at": award["created_at"],
            "updated_at": award["updated_at"],
            "awardable_id": award["awardable_id"],
            "awardable_type": award["awardable_type"],
        }

    # -- approvals, diffs, versions, commits ------------------------------------------------------

    def approvals(self, mr: MergeRequest) -> Payload:
        data = mr.data
        approved = mr.approvals.get("approved_by", [])
        required = int(mr.approvals.get("approvals_required", 0))
        return {
            "id": mr.id,
            "iid": mr.iid,
            "project_id": mr.project.id,
            "title": data["title"],
            "description": data.get("description"),
            "state": data["state"],
            "created_at": data["created_at"],
            "updated_at": data["updated_at"],
            "merge_status": data.get("merge_status", "can_be_merged"),
            "approvals_required": required,
            "approvals_left": max(required - len(approved), 0),
            "approved_by": [
                {"user": self.user_basic(a["user"]), "approved_at": a["approved_at"]}
                for a in approved
            ],
        }

    def approval_state(self, mr: MergeRequest) -> Payload:
        approved = mr.approvals.get("approved_by", [])
        required = int(mr.approvals.get("approvals_required", 0))
        members = self.state.project_members(mr.project)
        eligible = [self.user_basic(uid) for uid, level in sorted(members.items()) if level >= 30]
        return {
            "approval_rules_overwritten": False,
            "rules": [
                {
                    "id": mr.id,
                    "name": "All Members",
                    "rule_type": "any_approver",
                    "eligible_approvers": eligible,
                    "approvals_required": required,
                    "users": [],
                    "groups": [],
                    "contains_hidden_groups": False,
                    "approved_by": [self.user_basic(a["user"]) for a in approved],
                    "source_rule": None,
                    "approved": len(approved) >= required,
                    "overridden": False,
                }
            ],
        }

    def diff(self, diff: Payload) -> Payload:
        return {key: diff[key] for key in DIFF}

    def commit(self, mr: MergeRequest, commit: Payload) -> Payload:
        values = dict(commit)
        values["web_url"] = (
            commit.get("web_url")
            or f"{self.base}/{mr.project.path_with_namespace}/-/commit/{commit['id']}"
        )
        return {key: values.get(key) for key in COMMIT}

    def versions(self, mr: MergeRequest) -> list[Payload]:
        if mr.versions:
            # ``merge_request_diffs.order_id_desc``: the newest version first.
            return sorted((dict(v) for v in mr.versions), key=lambda v: -int(v.get("id") or 0))
        head = mr.data.get("sha")
        if not head:
            return []
        base = (mr.commits[-1].get("parent_ids") or [None])[0] if mr.commits else None
        base = base or mr.data.get("diff_refs", {}).get("base_sha") or ("0" * 40)
        return [
            {
                "id": mr.id,
                "head_commit_sha": head,
                "base_commit_sha": base,
                "start_commit_sha": base,
                "created_at": mr.data.get("prepared_at", mr.data["created_at"]),
                "merge_request_id": mr.id,
                "state": "collected",
                "real_size": str(len(mr.diffs)),
                "patch_id_sha": head,
            }
        ]

    # -- pipelines and events ------------------------------------------------------------------------

    def pipeline(self, project: Project, data: Payload, *, single: bool) -> Payload:
        values = dict(data)
        values.setdefault("iid", data["id"])
        values.setdefault("name", None)
        values["web_url"] = (
            data.get("web_url")
            or f"{self.base}/{project.path_with_namespace}/-/pipelines/{data['id']}"
        )
        out = {key: values.get(key) for key in PIPELINE_BASIC}
        if not single:
            return out
        status = data["status"]
        defaults: Payload = {
            "before_sha": "0" * 40,
            "tag": False,
            "yaml_errors": None,
            "started_at": None,
            "finished_at": None,
            "committed_at": None,
            "duration": None,
            "queued_duration": None,
            "coverage": None,
            "archived": False,
        }
        for key in PIPELINE_EXTRA:
            out[key] = data.get(key, defaults.get(key))
        out["user"] = self.user_basic(data.get("user"))
        text = _STATUS_TEXT.get(status, status)
        out["detailed_status"] = data.get("detailed_status") or {
            "icon": f"status_{status}",
            "text": text,
            "label": text,
            "group": status,
            "tooltip": text,
            "has_details": True,
            "details_path": f"/{project.path_with_namespace}/-/pipelines/{data['id']}",
            "illustration": None,
            "favicon": f"/assets/ci_favicons/favicon_status_{status}.png",
        }
        return out

    def event(self, event: Payload) -> Payload:
        out = {k: v for k, v in event.items() if not k.startswith("_")}
        author = (
            self.user_basic(event.get("author_id")) if event.get("author_id") is not None else None
        )
        if author is not None:
            out["author"] = author
        out["author_username"] = author["username"] if author else None
        note_id = event.get("_note")
        if note_id is not None:
            note = self.state.notes.get(note_id)
            out["note"] = self.note(note) if note is not None else None
        return out


def _unresolved_blocks(mr: MergeRequest) -> bool:
    """``MergeRequest#mergeable_discussions_state?`` is true unless the project sets
    ``only_allow_merge_if_all_discussions_are_resolved`` (off by default); only then do
    unresolved threads block, in ``blocking_discussions_resolved`` and ``detailed_merge_status``."""
    if not mr.project.data.get("only_allow_merge_if_all_discussions_are_resolved"):
        return False
    return any(n.data.get("resolvable") and not n.data.get("resolved") for n in mr.notes)


def _position(raw: Any) -> Any:
    """``note.position.to_h`` minus ``ignore_whitespace_change``: the formatter's keys are always
    there, ``null`` when unknown (``line_range`` on a single-line comment, for one)."""
    if not isinstance(raw, dict):
        return raw
    kind = raw.get("position_type") or "text"
    keys = [*_POSITION_BASE, *_POSITION_EXTRA.get(kind, ())]
    out = {key: raw.get(key) for key in keys}
    out["position_type"] = kind
    out.update({k: v for k, v in raw.items() if k not in out and k != "ignore_whitespace_change"})
    return out


@functools.lru_cache(maxsize=65536)
def _closed_iids(description: str) -> tuple[int, ...]:
    """Issues of the same project a description closes; cached, as descriptions rarely change."""
    return tuple(
        sorted({r.iid for r in closing_references(description) if r.project is None and r.iid})
    )


def _changes_count(mr: MergeRequest) -> str | None:
    if not mr.diffs and not mr.data.get("sha"):
        return None
    return "1000+" if len(mr.diffs) > 1000 else str(len(mr.diffs))


def _suggestions(note: Note, mr: MergeRequest) -> list[Payload]:
    """``Suggestion`` rows as ``Gitlab::Diff::SuggestionsParser`` stores them: the lines a block
    replaces (``from_content``, read from the new side of the file) and what it proposes. The fake
    knows a file's lines only where the merge request's diff shows them; elsewhere
    ``from_content`` is empty."""
    position = note.data.get("position") or {}
    line = position.get("new_line") or position.get("old_line") or 1
    shown = shown_lines(mr.diffs, position.get("new_path"))
    out = []
    for index, match in enumerate(_SUGGESTION.finditer(note.data["body"])):
        above, below = int(match.group(1) or 0), int(match.group(2) or 0)
        wanted = range(line - above, line + below + 1)
        replaced = (
            "".join(f"{shown[n]}\n" for n in wanted) if all(n in shown for n in wanted) else ""
        )
        out.append(
            {
                "id": note.id * 100 + index,
                "from_line": line - above,
                "to_line": line + below,
                "appliable": not note.data.get("resolved", False),
                "applied": False,
                "from_content": replaced,
                "to_content": match.group(3),
            }
        )
    return out
