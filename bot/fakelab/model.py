"""The offline GitLab's state: plain objects holding GitLab payload fields.

Payload dicts keep GitLab's field names. Where GitLab embeds a user, the dict holds the user's
id instead (``author: 7``, ``assignees: [7, 9]``); ``entities`` renders the user at response
time, so renaming, blocking or deleting a user shows everywhere at once, as in GitLab.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Payload = dict[str, Any]

# Access levels, as GitLab numbers them.
GUEST, REPORTER, DEVELOPER, MAINTAINER, OWNER = 10, 20, 30, 40, 50
ADMIN = 60  # not a GitLab member level: an administrator sees and may do everything

# Payload keys that hold one user id, or a list of user ids.
USER_FIELDS = frozenset({"author", "merge_user", "merged_by", "closed_by", "resolved_by", "user"})
USER_LIST_FIELDS = frozenset({"assignees", "reviewers"})


@dataclass
class User:
    data: Payload
    is_admin: bool = False

    @property
    def id(self) -> int:
        return int(self.data["id"])

    @property
    def username(self) -> str:
        return str(self.data["username"])

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("bot"))


@dataclass
class Group:
    data: Payload
    members: dict[int, Payload] = field(default_factory=dict)
    parent: Group | None = None

    @property
    def id(self) -> int:
        return int(self.data["id"])

    @property
    def full_path(self) -> str:
        return str(self.data["full_path"])

    def ancestry(self) -> list[Group]:
        """This group and its ancestors, nearest first."""
        chain: list[Group] = []
        node: Group | None = self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain


@dataclass
class Note:
    data: Payload
    discussion_id: str
    noteable: Noteable | None = None

    @property
    def id(self) -> int:
        return int(self.data["id"])


@dataclass
class Noteable:
    """What MRs and issues share: a payload, notes and award emoji."""

    data: Payload
    project: Project
    notes: list[Note] = field(default_factory=list)
    award_emoji: list[Payload] = field(default_factory=list)

    kind = "Noteable"  # GitLab's class name, overridden below
    path_segment = ""
    sigil = ""

    @property
    def id(self) -> int:
        return int(self.data["id"])

    @property
    def iid(self) -> int:
        return int(self.data["iid"])

    def reference(self, from_project: Project | None = None) -> str:
        """GitLab's short or full reference, relative to ``from_project``."""
        if from_project is self.project:
            return f"{self.sigil}{self.iid}"
        return f"{self.project.path_with_namespace}{self.sigil}{self.iid}"


@dataclass
class MergeRequest(Noteable):
    approvals: Payload = field(default_factory=dict)
    reviewer_states: list[Payload] = field(default_factory=list)
    diffs: list[Payload] = field(default_factory=list)
    commits: list[Payload] = field(default_factory=list)
    versions: list[Payload] = field(default_factory=list)

    kind = "MergeRequest"
    path_segment = "merge_requests"
    sigil = "!"


@dataclass
class Issue(Noteable):
    kind = "Issue"
    path_segment = "issues"
    sigil = "#"


@dataclass
class Project:
    data: Payload
    group: Group | None
    members: dict[int, Payload] = field(default_factory=dict)
    merge_requests: dict[int, MergeRequest] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)
    pipelines: dict[int, Payload] = field(default_factory=dict)
    events: list[Payload] = field(default_factory=list)
    # Description templates by type (``issues``, ``merge_requests``), then name -> content.
    templates: dict[str, dict[str, str]] = field(default_factory=dict)
    # Bumped whenever ``events`` gains, loses or reorders rows: the events API keeps its
    # filtered lists by it (editing an event's author leaves its place in them alone).
    events_version: int = field(default=0, compare=False)
    # The events API's filtered lists, by query: (the version they were read at, the rows).
    event_views: dict[tuple[str | None, ...], tuple[int, list[Payload]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def events_changed(self) -> None:
        self.events_version += 1
        self.event_views.clear()

    @property
    def id(self) -> int:
        return int(self.data["id"])

    @property
    def path_with_namespace(self) -> str:
        return str(self.data["path_with_namespace"])

    @property
    def visibility(self) -> str:
        return str(self.data.get("visibility") or "private")
