"""What the simulation keeps about users, projects, issues and merge requests.

Issues and merge requests carry their dataset payloads as they are built; ids are assigned only
at the end (see :mod:`.assembly`), so nothing here holds a global id but users and projects.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from bot.fakelab.generator.corpus import layouts

Json = dict[str, Any]


@dataclass(eq=False, slots=True)
class User:
    """Anyone who can act: a human at a ladder ``level``, a bot, the ghost, root."""

    id: int
    username: str
    name: str
    level: int = 0
    kind: str = "human"  # human | bot | ghost | blocked | admin
    email: str = ""

    @property
    def mention(self) -> str:
        return "@" + self.username


def ref(user: User) -> Json:
    """A user embedded in a payload; the dataset loader renders the rest from ``users``."""
    return {"id": user.id}


def award(name: str, user: User, created_at: str) -> Json:
    """An award emoji; :mod:`.assembly` numbers it once every award exists."""
    return {"name": name, "user": ref(user), "created_at": created_at}


def created(payload: Json) -> str:
    """Sort key: fixed-width ISO times sort as strings."""
    return str(payload["created_at"])


@dataclass(eq=False, slots=True)
class Module:
    """A domain module (``audit_log``) with its format arguments, see :mod:`.corpus`."""

    args: dict[str, str]

    @classmethod
    def of(cls, snake: str) -> Module:
        camel = "".join(part.capitalize() for part in snake.split("_"))
        return cls(
            {"m": snake.replace("_", " "), "f": snake, "C": camel, "pkg": snake.replace("_", "")}
        )

    def fill(self, template: str, **extra: str) -> str:
        return template.format(**self.args, **extra) if extra else template.format(**self.args)

    def title(self, template: str) -> str:
        """:meth:`fill`, first letter capitalised: ``{m}`` starts many titles in lower case."""
        text = self.fill(template)
        return text[:1].upper() + text[1:]


@dataclass(eq=False, slots=True)
class Issue:
    """An issue while it is simulated; ``payload`` and ``notes`` become the dataset entry."""

    t: int
    author: User
    kind: str
    module: Module
    parent: Issue | None = None
    children: list[Issue] = field(default_factory=list)
    iid: int = 0
    issue_type: str = "issue"
    assignee: User | None = None
    closed_at: int | None = None
    closed_by: User | None = None
    closed_via: MergeRequest | None = None
    payload: Json = field(default_factory=dict)
    notes: list[Json] = field(default_factory=list)
    awards: list[Json] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class MergeRequestPlan:
    """Who opens a merge request when; the rest is decided when it is simulated."""

    t: int
    author: User
    kind: str | None = None  # None: decided by the author's level; or renovate, hotfix, revert
    issue: Issue | None = None


@dataclass(eq=False, slots=True)
class MergeRequest:
    """A simulated merge request; ``entry`` is its dataset entry."""

    iid: int
    t0: int
    title: str
    kind: str
    author: User
    entry: Json
    notes: list[Json]
    merged_at: int | None = None
    merge_sha: str = ""
    last: int = 0


@dataclass(eq=False)
class Project:
    """One project: its people, plans, and the objects simulated so far."""

    id: int
    path: str
    stack: str
    description: str
    platform: bool
    modules: tuple[Module, ...]
    rng: random.Random
    created_at: int
    bot: User | None = None
    members: dict[int, int] = field(default_factory=dict)
    devs: list[User] = field(default_factory=list)
    maintainers: list[User] = field(default_factory=list)
    observers: list[User] = field(default_factory=list)
    reviewer_weights: list[float] = field(default_factory=list)  # cumulative, over ``devs``
    mr_plan: list[MergeRequestPlan] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    issue_times: list[int] = field(default_factory=list)
    open_by_assignee: dict[int, deque[Issue]] = field(default_factory=dict)
    mrs: list[MergeRequest] = field(default_factory=list)
    pipelines: list[Json] = field(default_factory=list)
    merges: list[tuple[int, str]] = field(default_factory=list)  # (merged at, merge commit)
    migration_seq: int = 0

    @property
    def has_migrations(self) -> bool:
        return self.stack in layouts.MIGRATION_PATHS

    def add_member(self, user: User, access: int) -> None:
        """Grant ``access`` unless the user already has more, as GitLab's highest level wins."""
        if access > self.members.get(user.id, 0):
            self.members[user.id] = access

    def pick_module(self) -> Module:
        return self.rng.choice(self.modules)
