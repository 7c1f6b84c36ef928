"""The live offline GitLab: every object, its indexes, and the logs the admin surface shows.

One ``RLock`` guards all of it. Request handlers hold it while they read or write, which makes
each request atomic, as a database transaction would on a real GitLab.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.fakelab.model import (
    ADMIN,
    GUEST,
    Group,
    Issue,
    MergeRequest,
    Note,
    Noteable,
    Payload,
    Project,
    User,
)

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def discussion_id_for(seed: str) -> str:
    """A stable 40-hex discussion id, shaped like GitLab's."""
    return hashlib.sha1(seed.encode()).hexdigest()


@dataclass
class Logs:
    """What the admin surface under ``/-/fakelab/`` reports."""

    requests: list[Payload] = field(default_factory=list)
    notifications: list[Payload] = field(default_factory=list)
    actions: list[Payload] = field(default_factory=list)


class GitLabState:
    """All objects of one offline GitLab instance, with lookups by id and by path."""

    def __init__(self, *, instance: Payload | None = None, meta: Payload | None = None) -> None:
        self.lock = threading.RLock()
        self.instance = instance or {}
        self.meta = meta or {}
        self.users: dict[int, User] = {}
        self.users_by_name: dict[str, User] = {}
        self.tokens: dict[str, int] = {}
        self.groups: dict[int, Group] = {}
        self.groups_by_path: dict[str, Group] = {}
        self.projects: dict[int, Project] = {}
        self.projects_by_path: dict[str, Project] = {}
        self.notes: dict[int, Note] = {}
        self.merge_requests: dict[int, MergeRequest] = {}
        self.issues: dict[int, Issue] = {}
        self.logs = Logs()
        self._ids: dict[str, itertools.count[int]] = {}

    # -- ids -----------------------------------------------------------------------------

    def reserve_ids(self, kind: str, used_max: int) -> None:
        """Start handing out ids of ``kind`` after ``used_max``."""
        self._ids[kind] = itertools.count(used_max + 1)

    def new_id(self, kind: str) -> int:
        counter = self._ids.setdefault(kind, itertools.count(1))
        return next(counter)

    # -- registration ----------------------------------------------------------------------

    def add_user(self, user: User) -> None:
        self.users[user.id] = user
        self.users_by_name[user.username.lower()] = user

    def add_group(self, group: Group) -> None:
        self.groups[group.id] = group
        self.groups_by_path[group.full_path.lower()] = group

    def add_project(self, project: Project) -> None:
        self.projects[project.id] = project
        self.projects_by_path[project.path_with_namespace.lower()] = project

    def index_noteable(self, item: Noteable) -> None:
        if isinstance(item, MergeRequest):
            self.merge_requests[item.id] = item
        elif isinstance(item, Issue):
            self.issues[item.id] = item
        for note in item.notes:
            note.noteable = item
            self.notes[note.id] = note

    # -- lookups -----------------------------------------------------------------------

    def user(self, user_id: int | None) -> User | None:
        if user_id is None:
            return None
        return self.users.get(user_id) or self.ghost()

    def ghost(self) -> User:
        """GitLab's ghost user, created on first need as ``Users::Internal.ghost`` does."""
        found = self.users_by_name.get("ghost")
        if found is not None:
            return found
        ghost = User(
            {
                "id": self.new_id("user"),
                "username": "ghost",
                "name": "Ghost User",
                "state": "active",
                "locked": False,
                "avatar_url": None,
                "bot": False,
                "bio": 'This is a "Ghost User", created to hold all issues authored by users '
                "that have since been deleted. This user cannot be removed.",
            }
        )
        self.add_user(ghost)
        return ghost

    def project(self, ref: str) -> Project | None:
        """A project by numeric id or by (already URL-decoded) full path."""
        if ref.isdigit():
            return self.projects.get(int(ref))
        return self.projects_by_path.get(ref.lower())

    def group(self, ref: str) -> Group | None:
        if ref.isdigit():
            return self.groups.get(int(ref))
        return self.groups_by_path.get(ref.lower())

    def subgroups(self, group: Group) -> Iterator[Group]:
        """Every descendant of ``group``, in id order."""
        for candidate in sorted(self.groups.values(), key=lambda g: g.id):
            if candidate is not group and group in candidate.ancestry():
                yield candidate

    # -- access ------------------------------------------------------------------------

    def group_access(self, user: User | None, group: Group) -> int:
        """The user's access level in a group, inherited from ancestors; 0 for none."""
        if user is None:
            return 0
        if user.is_admin:
            return ADMIN
        levels = [
            g.members[user.id]["access_level"] for g in group.ancestry() if user.id in g.members
        ]
        return max(levels, default=0)

    def project_access(self, user: User | None, project: Project) -> int:
        """The user's access level in a project, direct or through its groups; 0 for none."""
        if user is None:
            return 0
        if user.is_admin:
            return ADMIN
        level = project.members.get(user.id, {}).get("access_level", 0)
        if project.group is not None:
            level = max(level, self.group_access(user, project.group))
        return int(level)

    def can_see_project(self, user: User | None, project: Project) -> bool:
        if project.visibility == "public":
            return True
        if user is None:
            return False
        if project.visibility == "internal":
            return True
        return self.project_access(user, project) >= GUEST

    def project_members(self, project: Project) -> dict[int, int]:
        """Everyone with access to ``project``, direct or inherited: user id to access level."""
        levels: dict[int, int] = {}
        groups = project.group.ancestry() if project.group else []
        sources: list[dict[int, Payload]] = [g.members for g in reversed(groups)]
        for members in [*sources, project.members]:
            for uid, member in members.items():
                levels[uid] = max(levels.get(uid, 0), int(member["access_level"]))
        return levels

    # -- logs ----------------------------------------------------------------------------

    def record(self, log: str, entry: Payload) -> None:
        with self.lock:
            getattr(self.logs, log).append(entry)

    def snapshot_log(self, log: str) -> list[Payload]:
        with self.lock:
            return list(getattr(self.logs, log))

    def clear_logs(self) -> None:
        with self.lock:
            self.logs = Logs()

    def all_noteables(self) -> Iterator[Noteable]:
        for project in self.projects.values():
            yield from project.merge_requests.values()
            yield from project.issues.values()

    def stats(self) -> dict[str, Any]:
        return {
            "users": len(self.users),
            "groups": len(self.groups),
            "projects": len(self.projects),
            "merge_requests": len(self.merge_requests),
            "issues": len(self.issues),
            "notes": len(self.notes),
            "pipelines": sum(len(p.pipelines) for p in self.projects.values()),
            "events": sum(len(p.events) for p in self.projects.values()),
        }
