"""A deterministic synthetic GitLab for a team, in the ``ladder-bot-dataset/1`` format.

``generate()`` simulates ``weeks`` weeks of a team's work before ``end``: people at ladder levels
1-6 open issues and merge requests, review each other, run pipelines, lead incidents; bots open
dependency updates and post CI notes. Behaviour depends on level (seniors write better
descriptions, review more and deeper, lead incidents and split big issues; juniors fix small bugs
and receive more review), so the ladder's expectations have evidence to find.

Determinism: everything comes from one ``random.Random(seed)`` and RNGs seeded from it, times are
integer milliseconds, and the clock is never read. The same arguments give byte-identical output.

Small datasets still contain at least one of every feature demos and tests rely on: the generator
keeps a set of features it still *needs* and forces the next opportunity to produce each one,
crossing it off only once it really happened before ``end``.

Times are simulated as integer milliseconds since the epoch and rendered by :class:`_Clock`. Ids
(merge requests, issues, notes, pipelines, award emoji) are assigned at the end in creation order,
as GitLab's sequences would have.
"""

from __future__ import annotations

import bisect
import json
import random
import unicodedata
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from bot.fakelab import corpus

Json = dict[str, Any]
T = TypeVar("T")

FORMAT = "ladder-bot-dataset/1"

# -- rates and level profiles ----------------------------------------------------------------------

#: Share of people at ladder levels 1..6.
LEVEL_SHARES = (0.12, 0.30, 0.30, 0.16, 0.08, 0.04)
#: Merge requests per week by level; with bots the team averages about 4.8 per person-week.
_MR_RATE = {1: 3.6, 2: 4.4, 3: 4.8, 4: 4.6, 5: 4.0, 6: 3.4}
_RENOVATE_RATE = 0.35  # dependency MRs per person-week, spread over projects
#: Issues per week by level (children of split issues included); about 1.5 per person-week.
_ISSUE_RATE = {1: 0.7, 2: 0.95, 3: 1.1, 4: 1.3, 5: 1.35, 6: 1.35}
_OBSERVER_ISSUE_RATE = 0.3
_INCIDENTS_PER_PERSON_WEEK = 1 / 60

_MR_KIND_NAMES = (
    "bug", "feature", "refactor", "perf", "security", "migration", "docs", "ci", "tech-debt"
)  # fmt: skip
_MR_KIND_WEIGHTS = {
    1: (40, 15, 5, 0, 0, 2, 20, 3, 5),
    2: (30, 30, 8, 3, 1, 8, 8, 5, 7),
    3: (22, 33, 12, 6, 3, 9, 6, 5, 6),
    4: (18, 28, 14, 10, 6, 8, 7, 5, 8),
    5: (14, 24, 15, 12, 10, 7, 9, 4, 8),
    6: (12, 22, 16, 12, 12, 6, 12, 4, 6),
}
_DESC_TIERS = ("empty", "null", "oneline", "template", "short", "thorough")
_DESC_WEIGHTS = {
    1: (14, 8, 36, 20, 17, 5),
    2: (8, 4, 28, 14, 30, 16),
    3: (5, 2, 18, 8, 35, 32),
    4: (3, 1, 12, 5, 32, 47),
    5: (2, 1, 10, 3, 29, 55),
    6: (2, 0, 8, 2, 28, 60),
}
_REVIEW_STYLES = ("nit", "actionable", "question", "suggestion", "mentoring", "deep")
_REVIEW_STYLE_WEIGHTS = {
    1: (55, 10, 30, 5, 0, 0),
    2: (30, 35, 20, 15, 0, 0),
    3: (15, 35, 15, 20, 10, 5),
    4: (10, 30, 12, 18, 12, 18),
    5: (8, 25, 10, 17, 15, 25),
    6: (8, 22, 10, 15, 18, 27),
}
#: Chance that a reviewer of this level reads the change properly rather than rubber-stamping.
_DETAILED_REVIEW = {0: 0.0, 1: 0.1, 2: 0.26, 3: 0.42, 4: 0.52, 5: 0.58, 6: 0.56}
_ISSUE_KIND_NAMES = (
    "bug", "feature", "tech-debt", "docs", "perf", "security", "ci", "parent", "task"
)  # fmt: skip
_ISSUE_KIND_WEIGHTS = {
    1: (45, 20, 5, 15, 3, 2, 5, 0, 5),
    2: (35, 28, 10, 8, 5, 3, 5, 2, 4),
    3: (25, 28, 12, 6, 8, 5, 4, 8, 4),
    4: (20, 25, 14, 6, 10, 8, 4, 10, 3),
    5: (16, 24, 14, 6, 10, 10, 4, 13, 3),
    6: (14, 22, 14, 8, 10, 12, 3, 14, 3),
}
_PIPELINE_SECONDS = {
    "python": (180, 540),
    "ruby": (300, 900),
    "java": (360, 1000),
    "typescript": (200, 600),
    "go": (120, 420),
    "infra": (90, 360),
}

#: Features every dataset must show at least once (see the module docstring).
GUARANTEED_FEATURES = (
    "renovate_mr", "project_bot_note", "ci_bot_note", "ghost_mr", "ghost_note", "blocked_mr",
    "confidential_issue", "incident", "task", "parent_issue", "issue_qa", "issue_internal_note",
    "revert", "draft", "closed_mr", "failed_fixed", "suggestion", "internal_note",
    "resolved_thread", "rubber_stamp", "path:migration", "path:test", "path:docs", "path:ci",
    "rename", "delete", "desc:empty", "desc:null", "desc:template", "desc:oneline",
    "desc:thorough", "mr_emoji", "note_emoji", "closes_issue", "running_pipeline"
)  # fmt: skip

# -- time ------------------------------------------------------------------------------------------

_MINUTE = 60_000
_HOUR = 3_600_000
_DAY = 86_400_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Hour of day (UTC) at which work happens, repeated by weight.
_WORK_HOURS = tuple(
    hour
    for hour, weight in (
        (8, 2),
        (9, 5),
        (10, 7),
        (11, 6),
        (12, 3),
        (13, 5),
        (14, 7),
        (15, 6),
        (16, 5),
        (17, 3),
        (18, 1),
        (19, 1),
        (21, 1),
    )
    for _ in range(weight)
)


def _weekday(day: int) -> int:
    """Monday = 0 for a day number since the epoch (1970-01-01 was a Thursday)."""
    return (day + 3) % 7


class _Clock:
    """The simulated span ``[start, end)`` in integer milliseconds, and GitLab's time format."""

    def __init__(self, end: datetime, weeks: int) -> None:
        self.end = (end - _EPOCH) // timedelta(milliseconds=1)
        self.start = self.end - weeks * 7 * _DAY
        self._prefixes: dict[int, str] = {}
        first, last = self.start // _DAY, (self.end - 1) // _DAY
        # Days repeated by weight: a weekday is twelve times as busy as a weekend day.
        self._days = [
            d for d in range(first, last + 1) for _ in range(12 if _weekday(d) < 5 else 1)
        ]

    def iso(self, ms: int) -> str:
        """``2026-03-02T09:15:00.000Z``; the date part is cached per day."""
        day, rest = divmod(ms, _DAY)
        prefix = self._prefixes.get(day)
        if prefix is None:
            prefix = (_EPOCH + timedelta(days=day)).strftime("%Y-%m-%dT")
            self._prefixes[day] = prefix
        hours, rest = divmod(rest, _HOUR)
        minutes, rest = divmod(rest, _MINUTE)
        seconds, millis = divmod(rest, 1000)
        return f"{prefix}{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}Z"

    def fraction(self, share: float) -> int:
        """The instant ``share`` of the way from start to end."""
        return self.start + int((self.end - self.start) * share)

    def sample(self, rng: random.Random, lo: int | None = None, hi: int | None = None) -> int:
        """A working-hours instant in ``[lo, hi)``, weekdays much more likely than weekends."""
        lo = self.start if lo is None else max(lo, self.start)
        hi = self.end if hi is None else min(hi, self.end)
        if hi - lo <= 1:
            return lo
        first = bisect.bisect_left(self._days, lo // _DAY)
        last = bisect.bisect_right(self._days, (hi - 1) // _DAY)
        for _ in range(20):
            day = self._days[rng.randrange(first, last)]
            moment = day * _DAY + rng.choice(_WORK_HOURS) * _HOUR + rng.randrange(_HOUR)
            if lo <= moment < hi:
                return moment
        return rng.randrange(lo, hi)

    def after(self, rng: random.Random, moment: int, lo_minutes: float, hi_minutes: float) -> int:
        """``moment`` plus a delay; a result at night or on a weekend usually waits for work."""
        moment += int(rng.uniform(lo_minutes, hi_minutes) * _MINUTE)
        hour = moment // _HOUR % 24
        if (hour >= 19 or hour < 7) and rng.random() < 0.85:
            day = moment // _DAY + (1 if hour >= 19 else 0)
            moment = day * _DAY + 8 * _HOUR + rng.randrange(2 * _HOUR)
        weekday = _weekday(moment // _DAY)
        if weekday >= 5 and rng.random() < 0.9:
            moment += (7 - weekday) * _DAY
        return moment


def _hex(rng: random.Random, digits: int = 40) -> str:
    return f"{rng.getrandbits(digits * 4):0{digits}x}"


def _pick(rng: random.Random, items: Sequence[T]) -> T:
    return items[rng.randrange(len(items))]


def _cumulative(weights: Sequence[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def _ref(user: _User) -> Json:
    return {"id": user.id}


# -- the cast ----------------------------------------------------------------------------------------


@dataclass(eq=False, slots=True)
class _User:
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


@dataclass(eq=False, slots=True)
class _Module:
    """A domain module (``audit_log``) with its format arguments, see :mod:`corpus`."""

    args: dict[str, str]

    @classmethod
    def of(cls, snake: str) -> _Module:
        camel = "".join(part.capitalize() for part in snake.split("_"))
        return cls(
            {"m": snake.replace("_", " "), "f": snake, "C": camel, "pkg": snake.replace("_", "")}
        )

    def fill(self, template: str, **extra: str) -> str:
        return template.format(**self.args, **extra) if extra else template.format(**self.args)


def _title(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass(eq=False, slots=True)
class _Issue:
    """An issue while it is simulated; ``payload`` and ``notes`` become the dataset entry."""

    t: int
    author: _User
    kind: str
    module: _Module
    parent: _Issue | None = None
    children: list[_Issue] = field(default_factory=list)
    iid: int = 0
    issue_type: str = "issue"
    assignee: _User | None = None
    closed_at: int | None = None
    closed_by: _User | None = None
    closed_via: _MR | None = None
    payload: Json = field(default_factory=dict)
    notes: list[Json] = field(default_factory=list)
    awards: list[Json] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class _PlannedMR:
    t: int
    author: _User
    kind: str | None = None  # None: decided by the author's level; or renovate, hotfix, revert
    issue: _Issue | None = None


@dataclass(eq=False, slots=True)
class _MR:
    """A simulated merge request; ``entry`` is its dataset entry."""

    iid: int
    t0: int
    title: str
    kind: str
    author: _User
    entry: Json
    notes: list[Json]
    merged_at: int | None = None
    merge_sha: str = ""
    last: int = 0


@dataclass(eq=False)
class _Project:
    """One project: its people, plans, and the objects simulated so far."""

    id: int
    path: str
    stack: str
    description: str
    platform: bool
    modules: tuple[_Module, ...]
    rng: random.Random
    created_at: int
    bot: _User | None = None
    members: dict[int, int] = field(default_factory=dict)
    devs: list[_User] = field(default_factory=list)
    maintainers: list[_User] = field(default_factory=list)
    observers: list[_User] = field(default_factory=list)
    reviewer_cum: list[float] = field(default_factory=list)
    mr_plan: list[_PlannedMR] = field(default_factory=list)
    issues: list[_Issue] = field(default_factory=list)
    issue_times: list[int] = field(default_factory=list)
    open_by_assignee: dict[int, deque[_Issue]] = field(default_factory=dict)
    mrs: list[_MR] = field(default_factory=list)
    pipelines: list[Json] = field(default_factory=list)
    merges: list[tuple[int, str]] = field(default_factory=list)
    migration_seq: int = 0

    @property
    def has_migrations(self) -> bool:
        return self.stack in corpus.MIGRATION_PATHS

    def add_member(self, user: _User, access: int) -> None:
        if access > self.members.get(user.id, 0):
            self.members[user.id] = access


# -- public API -------------------------------------------------------------------------------------


def generate(*, people: int, projects: int, weeks: int, seed: int, end: datetime) -> dict[str, Any]:
    """A deterministic synthetic GitLab for a team: same arguments, identical result.

    ``people`` humans (plus root, the ghost, a blocked former colleague and bots) work on
    ``projects`` projects in group ``acme`` and its subgroup ``acme/platform`` during the ``weeks``
    weeks before ``end`` (timezone-aware). Their ladder levels are recorded in ``meta.people``.
    """
    if people < 1 or projects < 1 or weeks < 1:
        raise ValueError("people, projects and weeks must be at least 1")
    if end.tzinfo is None or end.utcoffset() is None:
        raise ValueError("end must be a timezone-aware datetime")
    return _Generator(people=people, projects=projects, weeks=weeks, seed=seed, end=end).run()


def write_dataset(dataset: dict[str, Any], path: Path) -> None:
    """Write ``dataset`` as compact UTF-8 JSON, one project at a time to bound memory."""
    with Path(path).open("w", encoding="utf-8") as out:
        for chunk in _json_chunks(dataset):
            out.write(chunk)


def _json_chunks(dataset: dict[str, Any]) -> Iterator[str]:
    """Exactly ``json.dumps(dataset, separators=(",", ":"), ensure_ascii=False)``, in pieces."""

    def dump(value: Any) -> str:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    yield "{"
    for index, (key, value) in enumerate(dataset.items()):
        yield ("," if index else "") + dump(key) + ":"
        if key == "projects" and isinstance(value, list):
            yield "["
            for position, project in enumerate(value):
                yield ("," if position else "") + dump(project)
            yield "]"
        else:
            yield dump(value)
    yield "}"


# -- the generator -------------------------------------------------------------------------------------


class _Generator:
    """Builds the cast, simulates every project, then assigns ids and assembles the dataset."""

    # The cast and the teams, set by _cast() and _memberships().
    blocked: _User
    ghost: _User
    renovate: _User
    ci_bot: _User
    platform_lead: _User | None
    home: dict[int, _Project]  # user id -> the project of their team
    side: dict[int, list[_Project]]  # user id -> other projects they are a member of

    def __init__(self, *, people: int, projects: int, weeks: int, seed: int, end: datetime) -> None:
        self.args = {"people": people, "projects": projects, "weeks": weeks, "seed": seed}
        self.rng = random.Random(seed)
        self.clock = _Clock(end, weeks)
        self.need = set(GUARANTEED_FEATURES)
        self.users: list[_User] = []
        self.user_payloads: list[Json] = []
        self.humans: list[_User] = []
        self.projects: list[_Project] = []
        self.all_notes: list[Json] = []
        self.note_awards: list[tuple[Json, Json]] = []
        self.n_people, self.n_projects, self.weeks = people, projects, weeks

    def take(self, feature: str) -> bool:
        """Whether ``feature`` is still needed; call :meth:`done` once it really happened."""
        return feature in self.need

    def done(self, feature: str) -> None:
        self.need.discard(feature)

    def run(self) -> Json:
        self._cast()
        self._projects()
        self._plan_activity()
        for project in self.projects:
            _ProjectSim(self, project).run()
        self._assign_ids()
        return self._assemble()

    # -- users ---------------------------------------------------------------------------------

    def _add_user(
        self,
        user: _User,
        *,
        state: str = "active",
        bot: bool = False,
        avatar: bool = True,
        admin: bool = False,
    ) -> _User:
        rng = self.rng
        payload: Json = {
            "id": user.id,
            "username": user.username,
            "name": user.name,
            "state": state,
            "avatar_url": (
                f"https://secure.gravatar.com/avatar/{_hex(rng, 32)}?s=80&d=identicon"
                if avatar
                else None
            ),
            "bot": bot,
            "created_at": self.clock.iso(self.clock.start - rng.randrange(20, 1500) * _DAY),
        }
        if admin:
            payload["is_admin"] = True
        user.email = user.email or f"{user.username}@{corpus.EMAIL_DOMAIN}"
        self.users.append(user)
        self.user_payloads.append(payload)
        return user

    def _cast(self) -> None:
        """root, the humans with their levels, a blocked former colleague, the ghost and bots."""
        self._add_user(_User(1, "root", "Administrator", kind="admin"), admin=True)
        levels = _level_quota(self.n_people)
        self.rng.shuffle(levels)
        taken: set[str] = {"root", "ghost", "renovate-bot", "ci-bot"}
        for level in levels:
            name, username = self._new_name(taken)
            user = _User(len(self.users) + 1, username, name, level=level)
            self.humans.append(self._add_user(user, avatar=self.rng.random() > 0.15))
        name, username = self._new_name(taken)
        self.blocked = self._add_user(
            _User(len(self.users) + 1, username, name, level=2, kind="blocked"),
            state="blocked",
            avatar=False,
        )
        self.ghost = self._add_user(_User(len(self.users) + 1, "ghost", "Ghost User", kind="ghost"))
        self.renovate = self._add_user(
            _User(
                len(self.users) + 1,
                "renovate-bot",
                "Renovate Bot",
                kind="bot",
                email="bot@renovateapp.com",
            ),
            bot=True,
        )
        self.ci_bot = self._add_user(
            _User(len(self.users) + 1, "ci-bot", "CI Bot", kind="bot"), bot=True
        )

    def _new_name(self, taken: set[str]) -> tuple[str, str]:
        """A realistic full name and a unique username in one of the usual styles."""
        rng = self.rng
        first, last = _pick(rng, corpus.FIRST_NAMES), _pick(rng, corpus.LAST_NAMES)
        a, b = _ascii(first), _ascii(last)
        style = rng.random()
        if style < 0.6:
            base = f"{a}.{b}"
        elif style < 0.72:
            base = f"{a}_{b}"
        elif style < 0.9:
            base = f"{a[0]}{b}"
        else:
            base = a
        username, suffix = base, 2
        while username in taken:
            username, suffix = f"{base}{suffix}", suffix + 1
        taken.add(username)
        return f"{first} {last}", username

    # -- groups, projects, members -----------------------------------------------------------------

    def _projects(self) -> None:
        rng = self.rng
        catalogue = corpus.PROJECTS
        for index in range(self.n_projects):
            name, platform, stack, description, modules = catalogue[index % len(catalogue)]
            round_ = index // len(catalogue)
            if round_:
                name = f"{name}-{round_ + 1}"
            namespace = "acme/platform" if platform else "acme"
            project = _Project(
                id=index + 1,
                path=f"{namespace}/{name}",
                stack=stack,
                description=description,
                platform=platform,
                modules=tuple(_Module.of(m) for m in modules),
                rng=random.Random(rng.getrandbits(64)),
                created_at=self.clock.start - rng.randrange(60, 900) * _DAY,
            )
            bot_name = f"project_{project.id}_bot_{_hex(rng, 32)}"
            project.bot = self._add_user(
                _User(len(self.users) + 1, bot_name, "ci-reporter", kind="bot"), bot=True
            )
            project.add_member(project.bot, 40)
            self.projects.append(project)
        self._memberships()

    def _memberships(self) -> None:
        """Primary teams round-robin, a second project for some, observers, two maintainers."""
        rng, projects = self.rng, self.projects
        humans = list(self.humans)
        rng.shuffle(humans)
        self.home = {}
        self.side = {h.id: [] for h in humans}
        for index, human in enumerate(humans):
            project = projects[index % len(projects)]
            self.home[human.id] = project
            project.add_member(human, 30)
        for project in projects:
            while len([u for u in project.members if u in self.home]) < min(3, len(humans)):
                human = _pick(rng, humans)
                if human.id not in project.members:
                    project.add_member(human, 30)
                    self.side[human.id].append(project)
        for human in humans:
            if len(projects) > 1 and rng.random() < 0.3:
                project = _pick(rng, projects)
                if human.id not in project.members:
                    roll = rng.random()
                    project.add_member(human, 30 if roll < 0.7 else 20 if roll < 0.9 else 10)
                    self.side[human.id].append(project)
        for project in projects:
            self._observer(project, humans)
            self._maintainers(project)
        home0 = projects[0]
        home0.add_member(self.blocked, 30)
        self._platform_lead(humans)
        for project in projects:
            self._pools(project)

    def _observer(self, project: _Project, humans: list[_User]) -> None:
        """A Reporter or Guest from another team, when there is anyone left to add."""
        if any(level < 30 for level in project.members.values()):
            return
        outsiders = [h for h in humans if h.id not in project.members]
        if outsiders:
            human = _pick(self.rng, outsiders)
            project.add_member(human, 20 if self.rng.random() < 0.7 else 10)
            self.side[human.id].append(project)

    def _maintainers(self, project: _Project) -> None:
        by_id = {h.id: h for h in self.humans}
        team = [
            by_id[uid] for uid, access in project.members.items() if uid in by_id and access >= 30
        ]
        team.sort(key=lambda h: (-h.level, h.id))
        for human in team[:2]:
            project.members[human.id] = 40

    def _platform_lead(self, humans: list[_User]) -> None:
        """The most senior platform engineer maintains the ``acme/platform`` subgroup."""
        platform = [h for h in humans if self.home[h.id].platform]
        self.platform_lead = max(platform, key=lambda h: (h.level, -h.id)) if platform else None

    def _pools(self, project: _Project) -> None:
        """Who can author, review and merge in ``project`` (inherited members included)."""
        by_id = {u.id: u for u in self.humans}
        access = dict(project.members)
        if project.platform and self.platform_lead is not None:
            access[self.platform_lead.id] = max(access.get(self.platform_lead.id, 0), 40)
        humans = sorted((by_id[uid] for uid in access if uid in by_id), key=lambda h: h.id)
        project.devs = [h for h in humans if access[h.id] >= 30]
        project.maintainers = [h for h in humans if access[h.id] >= 40]
        project.observers = [h for h in humans if access[h.id] < 30]
        project.reviewer_cum = _cumulative([h.level**1.2 for h in project.devs])

    # -- planning ------------------------------------------------------------------------------------

    def _plan_activity(self) -> None:
        """Decide who opens how many MRs where and when; issues are planned per project."""
        rng, clock, weeks = self.rng, self.clock, self.weeks
        for human in self.humans:
            count = _stochastic_round(rng, _MR_RATE[human.level] * weeks * rng.uniform(0.75, 1.25))
            dev_side = [p for p in self.side[human.id] if p.members.get(human.id, 0) >= 30]
            for _ in range(count):
                project = self.home[human.id]
                if dev_side and rng.random() < 0.15:
                    project = _pick(rng, dev_side)
                project.mr_plan.append(_PlannedMR(clock.sample(rng), human))
        left = clock.fraction(0.4)
        for _ in range(max(1, round(3 * weeks * 0.4))):
            self.projects[0].mr_plan.append(_PlannedMR(clock.sample(rng, hi=left), self.blocked))
        old = clock.fraction(0.3)
        for _ in range(max(2, self.n_people * weeks // 150)):
            project = _pick(rng, self.projects)
            project.mr_plan.append(_PlannedMR(clock.sample(rng, hi=old), self.ghost))
        renovate = max(1, round(_RENOVATE_RATE * self.n_people * weeks))
        for index in range(renovate):
            project = self.projects[index % len(self.projects)]
            project.mr_plan.append(_PlannedMR(clock.sample(rng), self.renovate, kind="renovate"))

    # -- ids and assembly ------------------------------------------------------------------------

    def _assign_ids(self) -> None:
        """Global ids in creation order, per-project pipeline iids; note awards get note ids."""
        mrs = [mr.entry["merge_request"] for p in self.projects for mr in p.mrs]
        issues = [i.payload for p in self.projects for i in p.issues]
        pipelines = [pl for p in self.projects for pl in p.pipelines]
        awards = [a for p in self.projects for mr in p.mrs for a in mr.entry.get("award_emoji", ())]
        awards += [a for p in self.projects for i in p.issues for a in i.awards]
        for items, first in (
            (mrs, 1001),
            (issues, 2001),
            (self.all_notes, 10001),
            (pipelines, 5001),
            (awards, 1),
        ):
            items.sort(key=_created)
            for offset, item in enumerate(items):
                item["id"] = first + offset
        for project in self.projects:
            for iid, pipeline in enumerate(sorted(project.pipelines, key=_created), start=1):
                pipeline["iid"] = iid
            project.pipelines.sort(key=_by_id)
        for award, note in self.note_awards:
            award["awardable_id"] = note["id"]

    def _assemble(self) -> Json:
        clock = self.clock
        bots = [u.username for u in self.users if u.kind == "bot"]
        meta = {
            "generator": {**self.args, "end": clock.iso(clock.end)},
            "people": [{"username": h.username, "level": h.level} for h in self.humans],
            "bots": bots,
            "admin": "root",
            "ghost": "ghost",
            "blocked": [self.blocked.username],
            "missing_features": sorted(self.need),
        }
        return {
            "format": FORMAT,
            "meta": meta,
            "instance": {"version": "17.6.0", "revision": "6a1c6f5d0e3"},
            "users": self.user_payloads,
            "tokens": self._tokens(),
            "groups": self._groups(),
            "projects": [self._project_entry(p) for p in self.projects],
        }

    def _tokens(self) -> list[Json]:
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
        return [
            {
                "token": "glpat-" + "".join(self.rng.choices(alphabet, k=20)),
                "username": user.username,
            }
            for user in self.users
            if user.kind != "ghost"
        ]

    def _groups(self) -> list[Json]:
        created = self.clock.iso(self.clock.start - 1000 * _DAY)
        group_name, group_title, group_description = corpus.GROUP
        sub_name, sub_title, sub_description = corpus.SUBGROUP
        sub_members = (
            [{"id": self.platform_lead.id, "access_level": 40}] if self.platform_lead else []
        )
        return [
            {
                "group": {
                    "id": 1,
                    "path": group_name,
                    "name": group_title,
                    "description": group_description,
                    "visibility": "private",
                    "created_at": created,
                },
                "members": [
                    {"id": 1, "access_level": 50},
                    {"id": self.renovate.id, "access_level": 30},
                    {"id": self.ci_bot.id, "access_level": 30},
                ],
            },
            {
                "group": {
                    "id": 2,
                    "path": sub_name,
                    "name": sub_title,
                    "parent_id": 1,
                    "description": sub_description,
                    "visibility": "private",
                    "created_at": created,
                },
                "members": sub_members,
            },
        ]

    def _project_entry(self, project: _Project) -> Json:
        name = project.path.rsplit("/", 1)[1]
        return {
            "project": {
                "id": project.id,
                "name": name.replace("-", " ").title(),
                "path": name,
                "path_with_namespace": project.path,
                "description": project.description,
                "visibility": "private",
                "default_branch": "main",
                "created_at": self.clock.iso(project.created_at),
            },
            "members": [
                {"id": uid, "access_level": level} for uid, level in project.members.items()
            ],
            "merge_requests": [mr.entry for mr in project.mrs],
            "issues": [_issue_entry(issue) for issue in project.issues],
            "pipelines": project.pipelines,
        }


def _created(item: Json) -> str:
    return str(item["created_at"])


def _by_id(item: Json) -> int:
    return int(item["id"])


def _issue_entry(issue: _Issue) -> Json:
    entry: Json = {"issue": issue.payload, "notes": issue.notes}
    if issue.awards:
        entry["award_emoji"] = issue.awards
    return entry


def _level_quota(people: int) -> list[int]:
    """Exactly ``people`` levels following :data:`LEVEL_SHARES` (largest remainder)."""
    exact = [share * people for share in LEVEL_SHARES]
    counts = [int(x) for x in exact]
    order = sorted(range(6), key=lambda i: (counts[i] - exact[i], -LEVEL_SHARES[i]))
    for i in order[: people - sum(counts)]:
        counts[i] += 1
    return [level for level, count in zip(range(1, 7), counts, strict=True) for _ in range(count)]


def _stochastic_round(rng: random.Random, value: float) -> int:
    return int(value + rng.random())


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


# -- per-project simulation ----------------------------------------------------------------------------


class _ProjectSim:
    """Issues first (so MRs can close them), then merge requests, pipelines, loose ends."""

    def __init__(self, gen: _Generator, project: _Project) -> None:
        self.gen, self.p, self.rng, self.clock = gen, project, project.rng, gen.clock
        self.end = gen.clock.end

    def run(self) -> None:
        self._plan_issues()
        for issue in self.p.issues:
            _IssueSim(self, issue).render()
        self.p.mr_plan.sort(key=lambda plan: plan.t)
        for iid, plan in enumerate(self.p.mr_plan, start=1):
            self.p.mrs.append(_MergeRequestSim(self, plan, iid).run())
        self._branch_pipelines()
        # Children close before their parents can.
        for issue in sorted(self.p.issues, key=lambda i: i.kind == "parent"):
            _IssueSim(self, issue).finish()
        for mr in self.p.mrs:
            _finish_mr(mr)

    # -- shared helpers ---------------------------------------------------------------------

    def note(
        self, noteable: list[Json], moment: int, author: _User, body: str, **extra: Any
    ) -> Json | None:
        """Append a note to ``noteable`` if it happened before the end of the simulation."""
        if moment >= self.end:
            return None
        note: Json = {"body": body, "author": _ref(author), "created_at": self.clock.iso(moment)}
        if extra:
            note.update(extra)
        noteable.append(note)
        self.gen.all_notes.append(note)
        return note

    def system(self, noteable: list[Json], moment: int, author: _User, body: str) -> Json | None:
        return self.note(noteable, moment, author, body, system=True)

    def other_dev(self, *exclude: _User) -> _User | None:
        candidates = [d for d in self.p.devs if d not in exclude]
        return _pick(self.rng, candidates) if candidates else None

    def reviewers(self, author: _User, count: int) -> list[_User]:
        """Up to ``count`` distinct reviewers, seniors more often (they are sought out)."""
        devs, cum = self.p.devs, self.p.reviewer_cum
        chosen: list[_User] = []
        for _ in range(count * 4):
            if len(chosen) == count or not devs:
                break
            user = self.rng.choices(devs, cum_weights=cum)[0]
            if user is not author and user not in chosen:
                chosen.append(user)
        return chosen

    def pipeline(
        self,
        moment: int,
        sha: str,
        ref: str,
        source: str,
        user: _User | None,
        status: str = "success",
    ) -> int | None:
        """Record a pipeline created at ``moment``; return when it finished (None: still going)."""
        if moment >= self.end:
            return None
        rng, iso = self.rng, self.clock.iso
        low, high = _PIPELINE_SECONDS[self.p.stack]
        queued = rng.randrange(2, 60)
        duration = rng.randrange(low, high)
        if status == "canceled":
            duration //= 3
        started, finished = moment + queued * 1000, moment + (queued + duration) * 1000
        payload: Json = {
            "status": status,
            "source": source,
            "ref": ref,
            "sha": sha,
            "created_at": iso(moment),
            "user": _ref(user) if user else None,
        }
        if finished < self.end:
            payload.update(
                updated_at=iso(finished),
                started_at=iso(started),
                finished_at=iso(finished),
                duration=duration,
                queued_duration=queued,
            )
        elif started < self.end:
            payload.update(
                status="running",
                updated_at=iso(started),
                started_at=iso(started),
                finished_at=None,
                duration=None,
                queued_duration=queued,
            )
        else:
            payload.update(
                status="pending",
                updated_at=iso(moment),
                started_at=None,
                finished_at=None,
                duration=None,
            )
        self.p.pipelines.append(payload)
        return finished if finished < self.end else None

    def module(self) -> _Module:
        return _pick(self.rng, self.p.modules)

    # -- issues planning ---------------------------------------------------------------------------

    def _plan_issues(self) -> None:
        """Plan this project's issues (children of split issues included) and number them."""
        gen, rng, clock, p = self.gen, self.rng, self.clock, self.p
        planned: list[_Issue] = []
        for human in p.devs + p.observers:
            if human.kind != "human":
                continue
            home = gen.home[human.id] is p
            rate = _ISSUE_RATE[human.level] if human in p.devs else _OBSERVER_ISSUE_RATE
            share = 1.0 if home else 0.35
            count = _stochastic_round(rng, rate * share * gen.weeks * rng.uniform(0.7, 1.3))
            for _ in range(count):
                kind = self._issue_kind(human)
                planned.append(_Issue(clock.sample(rng), human, kind, self.module()))
        if p is gen.projects[0] and gen.blocked.id in p.members:
            planned.append(
                _Issue(clock.sample(rng, hi=clock.fraction(0.4)), gen.blocked, "bug", self.module())
            )
        if (
            len(planned) > 1
            and gen.take("parent_issue")
            and all(i.kind != "parent" for i in planned)
        ):
            planned[0].kind = "parent"
        if len(planned) > 1 and gen.take("task") and all(i.kind != "task" for i in planned):
            planned[-1].kind = "task"
        planned += self._plan_incidents()
        for issue in list(planned):
            if issue.kind == "parent":
                planned += self._children(issue)
        planned.sort(key=lambda i: i.t)
        for iid, issue in enumerate(planned, start=1):
            issue.iid = iid
        p.issues = planned
        p.issue_times = [i.t for i in planned]

    def _issue_kind(self, author: _User) -> str:
        weights = _ISSUE_KIND_WEIGHTS[max(1, author.level)]
        kind = self.rng.choices(_ISSUE_KIND_NAMES, weights=weights)[0]
        if kind == "parent" and len(self.p.devs) < 2:
            return "feature"
        return kind

    def _children(self, parent: _Issue) -> list[_Issue]:
        """The smaller issues a big one is split into, filed right after it."""
        rng, moment, out = self.rng, parent.t, []
        for _ in range(rng.randint(2, 5)):
            moment += rng.randrange(2 * _MINUTE, 15 * _MINUTE)
            child = _Issue(moment, parent.author, "child", parent.module, parent=parent)
            child.issue_type = "task" if rng.random() < 0.3 else "issue"
            parent.children.append(child)
            out.append(child)
        return out

    def _plan_incidents(self) -> list[_Issue]:
        """Incidents happen at any hour; the first of the dataset early enough to be resolved."""
        gen, rng, clock = self.gen, self.rng, self.clock
        if not self.p.devs:
            return []
        expected = _INCIDENTS_PER_PERSON_WEEK * len(self.p.devs) * gen.weeks
        count = _stochastic_round(rng, expected)
        out = [
            _Issue(
                rng.randrange(clock.start, clock.end),
                _pick(rng, self.p.devs),
                "incident",
                self.module(),
            )
            for _ in range(count)
        ]
        if gen.take("incident") and all(i.t >= clock.fraction(0.5) for i in out):
            out.append(
                _Issue(
                    rng.randrange(clock.start, clock.fraction(0.5)),
                    _pick(rng, self.p.devs),
                    "incident",
                    self.module(),
                )
            )
        for issue in out:
            issue.issue_type = "incident"
        return out

    # -- branch pipelines ---------------------------------------------------------------------------

    def _branch_pipelines(self) -> None:
        """Nightly schedules, occasional manual runs, on the newest ``main`` commit of the time."""
        rng, clock, p = self.rng, self.clock, self.p
        p.merges.sort()
        times = [t for t, _ in p.merges]
        initial = _hex(rng)

        def head(moment: int) -> str:
            index = bisect.bisect_left(times, moment)
            return p.merges[index - 1][1] if index else initial

        first_day = clock.start // _DAY + 1
        for day in range(first_day, (clock.end - 1) // _DAY + 1):
            if _weekday(day) >= 5:
                continue
            moment = day * _DAY + 2 * _HOUR + rng.randrange(20 * _MINUTE)
            status = "failed" if rng.random() < 0.08 else "success"
            self.pipeline(moment, head(moment), "main", "schedule", self.gen.ci_bot, status)
        runners = p.maintainers or p.devs
        for _ in range(_stochastic_round(rng, self.gen.weeks / 3) if runners else 0):
            moment = clock.sample(rng)
            self.pipeline(moment, head(moment), "main", "web", _pick(rng, runners))
        if self.gen.take("running_pipeline"):
            if not any(pl["status"] == "running" for pl in p.pipelines):
                moment = clock.end - 90_000  # started by hand a minute and a half ago
                self.pipeline(
                    moment, head(moment), "main", "web", _pick(rng, runners) if runners else None
                )
            self.gen.done("running_pipeline")


def _finish_mr(mr: _MR) -> None:
    """Notes in time order and ``updated_at`` after the last of everything."""
    mr.notes.sort(key=_created)
    payload = mr.entry["merge_request"]
    latest = max([payload["updated_at"], *(n["created_at"] for n in mr.notes[-1:])])
    payload["updated_at"] = latest


# -- issues --------------------------------------------------------------------------------------------


class _IssueSim:
    """Renders one planned issue: its payload and discussion, then closure after the MRs ran."""

    def __init__(self, sim: _ProjectSim, issue: _Issue) -> None:
        self.sim, self.issue, self.rng, self.clock = sim, issue, sim.rng, sim.clock
        self.gen = sim.gen

    def render(self) -> None:
        issue, rng, p = self.issue, self.rng, self.sim.p
        if issue.kind == "incident":
            self._incident()
            return
        labels, title = self._title()
        issue.assignee = self._assignee()
        confidential = (issue.kind == "security" and rng.random() < 0.7) or rng.random() < 0.01
        if self.gen.take("confidential_issue") and issue.kind not in ("parent", "child"):
            confidential = True
            self.gen.done("confidential_issue")
        issue.payload = {
            "iid": issue.iid,
            "title": title,
            "description": self._description(),
            "state": "opened",
            "author": _ref(issue.author),
            "assignees": [_ref(issue.assignee)] if issue.assignee else [],
            "labels": labels,
            "created_at": self.clock.iso(issue.t),
            "confidential": confidential,
            "issue_type": issue.issue_type,
        }
        if issue.kind == "task":
            issue.payload["issue_type"] = issue.issue_type = "task"
            self.gen.done("task")
        if issue.kind == "parent":
            self.gen.done("parent_issue")
        if issue.assignee and issue.kind not in ("parent",) and issue.issue_type != "incident":
            p.open_by_assignee.setdefault(issue.assignee.id, deque()).append(issue)
        self._discussion(confidential)
        self._awards()

    def _title(self) -> tuple[list[str], str]:
        issue, rng = self.issue, self.rng
        mod = issue.module
        if issue.kind == "parent":
            return ["feature", "epic"], _title(mod.fill(_pick(rng, corpus.PARENT_TITLES)))
        if issue.kind == "child":
            return ["feature"], _title(mod.fill(_pick(rng, corpus.CHILD_TITLES)))
        if issue.kind == "task":
            return ["tech-debt"], _title(mod.fill(_pick(rng, corpus.TASK_TITLES)))
        label, titles = corpus.ISSUE_KINDS[issue.kind]
        labels = [label]
        if issue.kind == "perf" and rng.random() < 0.4:
            labels.append("database")
        return labels, _title(mod.fill(_pick(rng, titles)))

    def _assignee(self) -> _User | None:
        issue, rng, devs = self.issue, self.rng, self.sim.p.devs
        if not devs or rng.random() < 0.2:
            return None
        if issue.author in devs and rng.random() < 0.4:
            return issue.author
        return _pick(rng, devs)

    def _description(self) -> str:
        """Juniors write a line; seniors give context, a proposal and acceptance criteria."""
        issue, rng = self.issue, self.rng
        mod, level = issue.module, issue.author.level
        if issue.kind == "child":
            assert issue.parent is not None
            return f"Part of #{issue.parent.iid}\n\n{mod.fill(_pick(rng, corpus.ISSUE_SUMMARIES))}"
        if issue.kind == "parent":
            return ""  # written in finish(), once the children's states are known
        summary = mod.fill(_pick(rng, corpus.ISSUE_SUMMARIES))
        if rng.random() < 0.15 * level:
            return f"{summary}\n\n{mod.fill(_pick(rng, corpus.ISSUE_STEPS))}"
        return summary if rng.random() < 0.8 else ""

    def _discussion(self, confidential: bool) -> None:
        """A question answered by someone more senior, status updates, pings, internal notes."""
        issue, rng, sim, gen = self.issue, self.rng, self.sim, self.gen
        ask = 0.45 if issue.author.level <= 2 else 0.2
        if gen.take("issue_qa") or rng.random() < ask:
            self._question_thread()
        if issue.assignee and rng.random() < 0.3:
            moment = self.clock.after(rng, issue.t, 60, 4 * 1440)
            sim.note(
                issue.notes,
                moment,
                issue.assignee,
                issue.module.fill(_pick(rng, corpus.STATUS_UPDATES)),
            )
        if rng.random() < 0.15:
            target = sim.other_dev(issue.author)
            if target is not None:
                body = _pick(rng, corpus.ISSUE_PINGS).format(user=target.mention)
                sim.note(issue.notes, self.clock.after(rng, issue.t, 10, 1440), issue.author, body)
        if confidential and (gen.take("issue_internal_note") or rng.random() < 0.4):
            writer = sim.other_dev() or issue.author
            moment = self.clock.after(rng, issue.t, 30, 2880)
            if sim.note(
                issue.notes, moment, writer, _pick(rng, corpus.INTERNAL_NOTES), internal=True
            ):
                gen.done("issue_internal_note")

    def _question_thread(self) -> None:
        issue, rng, sim = self.issue, self.rng, self.sim
        asker = (
            issue.author if issue.author.level <= 2 else sim.other_dev(issue.author) or issue.author
        )
        seniors = [d for d in sim.p.devs if d.level > asker.level] or [
            d for d in sim.p.devs if d is not asker
        ]
        if not seniors:
            return
        answerer = _pick(rng, seniors)
        thread = {"type": "DiscussionNote", "resolvable": False, "discussion_id": _hex(rng)}
        moment = self.clock.after(rng, issue.t, 20, 1440)
        question = issue.module.fill(_pick(rng, corpus.ISSUE_QUESTIONS), user=answerer.mention)
        if not sim.note(issue.notes, moment, asker, question, **thread):
            return
        moment = self.clock.after(rng, moment, 10, 600)
        answer = issue.module.fill(_pick(rng, corpus.ISSUE_ANSWERS), user=asker.mention)
        if sim.note(issue.notes, moment, answerer, answer, **thread):
            self.gen.done("issue_qa")
            if rng.random() < 0.5:
                thanks = _pick(rng, corpus.ISSUE_THANKS).format(user=answerer.mention)
                sim.note(
                    issue.notes, self.clock.after(rng, moment, 5, 120), asker, thanks, **thread
                )

    def _awards(self) -> None:
        issue, rng = self.issue, self.rng
        if rng.random() >= 0.2:
            return
        voters = [d for d in self.sim.p.devs if d is not issue.author]
        for voter in rng.sample(voters, min(len(voters), rng.randint(1, 4))):
            moment = self.clock.after(rng, issue.t, 10, 7 * 1440)
            if moment < self.sim.end:
                issue.awards.append(
                    {"name": "thumbsup", "user": _ref(voter), "created_at": self.clock.iso(moment)}
                )

    # -- incidents ---------------------------------------------------------------------------------

    def _incident(self) -> None:
        """A senior leads: takes it, coordinates, posts the timeline and closes the incident."""
        issue, rng, sim, clock = self.issue, self.rng, self.sim, self.clock
        devs = sorted(sim.p.devs, key=lambda d: (-d.level, d.id))
        lead = (
            _pick(rng, devs[:3])
            if devs[0].level < 4
            else _pick(rng, [d for d in devs if d.level >= 4])
        )
        issue.assignee = lead
        mod, t = issue.module, issue.t
        hhmm = clock.iso(t)[11:16]
        issue.payload = {
            "iid": issue.iid,
            "title": _title(mod.fill(_pick(rng, corpus.INCIDENT_TITLES))),
            "description": mod.fill(corpus.INCIDENT_DESCRIPTION, hhmm=hhmm),
            "state": "opened",
            "author": _ref(issue.author),
            "assignees": [_ref(lead)],
            "labels": ["incident"],
            "created_at": clock.iso(t),
            "confidential": False,
            "issue_type": "incident",
            "severity": _pick(rng, corpus.INCIDENT_SEVERITIES),
        }
        helper = sim.other_dev(lead) or lead
        steps = [t + rng.randrange(3, 15) * _MINUTE]
        for _ in range(4):
            steps.append(steps[-1] + rng.randrange(10, 50) * _MINUTE)
        sim.note(issue.notes, steps[0], lead, corpus.INCIDENT_LEAD.format(user=helper.mention))
        for moment in steps[1:3]:
            author = _pick(rng, (lead, helper))
            sim.note(
                issue.notes,
                moment + rng.randrange(_MINUTE),
                author,
                _pick(rng, corpus.INCIDENT_FINDINGS),
            )
        self._incident_changes(lead, steps[1])
        cause = mod.fill(_pick(rng, corpus.INCIDENT_CAUSES))
        stamps = {f"t{i}": clock.iso(s)[11:16] for i, s in enumerate([t, *steps[:4]])}
        timeline = corpus.INCIDENT_TIMELINE.format(lead=lead.mention, cause=cause, **stamps)
        posted = steps[4] + rng.randrange(5, 60) * _MINUTE
        if sim.note(issue.notes, posted, lead, timeline):
            closed = posted + rng.randrange(1, 10) * _MINUTE
            if closed < sim.end:
                issue.closed_at, issue.closed_by = closed, lead
                self.gen.done("incident")

    def _incident_changes(self, lead: _User, moment: int) -> None:
        """A revert of a recent change or a hotfix, linked to the incident."""
        rng, sim = self.rng, self.sim
        author = lead if rng.random() < 0.5 else sim.other_dev() or lead
        if rng.random() < 0.35 or self.gen.take("revert"):
            sim.p.mr_plan.append(_PlannedMR(moment, lead, kind="revert", issue=self.issue))
        sim.p.mr_plan.append(
            _PlannedMR(moment + rng.randrange(10, 60) * _MINUTE, author, "hotfix", self.issue)
        )

    # -- after the merge requests ------------------------------------------------------------------

    def finish(self) -> None:
        """Close what got done, write parent task lists, derive state and ``updated_at``."""
        issue, rng, sim, clock = self.issue, self.rng, self.sim, self.clock
        if issue.kind == "parent":
            self._parent()
        elif issue.closed_at is None and issue.issue_type != "incident" and rng.random() < 0.35:
            closer = issue.assignee or issue.author
            moment = clock.after(rng, issue.t, 1440, 30 * 1440)
            if moment < sim.end and closer.kind == "human":
                issue.closed_at, issue.closed_by = moment, closer
        if issue.closed_via is not None and issue.closed_at is not None and rng.random() < 0.3:
            self._fixed_in_note(issue.closed_via, issue.closed_at)
        payload = issue.payload
        if issue.closed_at is not None and issue.closed_by is not None:
            payload.update(
                state="closed",
                closed_at=clock.iso(issue.closed_at),
                closed_by=_ref(issue.closed_by),
            )
        issue.notes.sort(key=_created)
        latest = [payload["created_at"], payload.get("closed_at") or ""]
        latest += [n["created_at"] for n in issue.notes[-1:]]
        payload["updated_at"] = max(latest)

    def _parent(self) -> None:
        """The task list of child issues; the parent closes once every child is done."""
        issue, rng, clock = self.issue, self.rng, self.clock
        lines = []
        for child in issue.children:
            lines.append(f"- [{'x' if child.closed_at is not None else ' '}] #{child.iid}")
        goal = issue.module.fill(_pick(rng, corpus.PARENT_GOALS))
        issue.payload["description"] = f"{goal}\n\n## Plan\n\n" + "\n".join(lines)
        closings = [c.closed_at for c in issue.children]
        if closings and all(c is not None for c in closings):
            moment = clock.after(rng, max(c for c in closings if c is not None), 30, 2880)
            if moment < self.sim.end:
                issue.closed_at, issue.closed_by = moment, issue.author

    def _fixed_in_note(self, mr: _MR, moment: int) -> None:
        """The assignee points at the MR; GitLab cross-references it on the MR."""
        issue, rng, sim = self.issue, self.rng, self.sim
        author = issue.assignee or issue.author
        moment = moment + rng.randrange(1, 30) * _MINUTE
        body = _pick(rng, corpus.FIXED_IN).format(iid=mr.iid)
        if sim.note(issue.notes, moment, author, body):
            sim.system(mr.notes, moment + 1000, author, f"mentioned in issue #{issue.iid}")


# -- merge requests ---------------------------------------------------------------------------------------


class _MergeRequestSim:
    """One merge request from first push to merge (or close, or still open at ``end``)."""

    # Set by _content(), according to the kind of change.
    title: str
    description: str | None
    branch: str

    def __init__(self, sim: _ProjectSim, plan: _PlannedMR, iid: int) -> None:
        self.sim, self.plan, self.iid = sim, plan, iid
        self.gen, self.rng, self.clock, self.p = sim.gen, sim.rng, sim.clock, sim.p
        self.author, self.t0 = plan.author, plan.t
        self.module = sim.module()
        self.notes: list[Json] = []
        self.commits: list[tuple[int, str, str, str]] = []  # (time, sha, title, message)
        self.diffs: list[Json] = []
        self.awards: list[Json] = []
        self.approvals: list[Json] = []
        self.reviewer_states: list[Json] = []
        self.labels: list[str] = []
        self.last = self.t0
        self.base_sha = _hex(self.rng)
        self.kind = plan.kind or ""
        self.reverted: _MR | None = None
        self.closes: _Issue | None = None
        self.related: _Issue | None = plan.issue
        self.used_comments: set[str] = set()
        self.draft = False
        self.pipeline_done = self.t0  # when the newest pipeline finished
        self.renovate_new = ""  # the version a dependency update moves to

    @property
    def human(self) -> bool:
        return self.author.kind in ("human", "blocked", "ghost")

    def run(self) -> _MR:
        self._content()
        self._initial_push()
        ready = self._draft_phase()
        if ready is not None:
            self._review(ready)
        self._bot_notes()
        return self._outcome()

    # -- content ---------------------------------------------------------------------------------

    def _content(self) -> None:
        """Kind, title, labels, files, branch and description."""
        wants_revert = self.gen.take("revert") or self.rng.random() < 0.004
        if not self.kind and self.author.kind == "human" and wants_revert:
            self.kind = "revert"
        if self.kind == "revert":
            self.reverted = self._revert_target()
            if self.reverted is None and self.plan.kind is None:
                self.kind = ""
            if self.reverted is None and self.plan.kind == "revert":
                self.kind = "hotfix"
        if self.kind == "renovate":
            self._renovate_content()
            return
        if self.kind == "revert" and self.reverted is not None:
            self._revert_content(self.reverted)
            return
        if self.kind == "hotfix":
            self.kind = "bug"
            self.labels = ["bug", "incident"]
            self.title = _title(self.module.fill(_pick(self.rng, corpus.MR_KINDS["bug"][1])))
        else:
            self.kind = self._human_kind()
            label, titles = corpus.MR_KINDS[self.kind]
            self.labels = [label]
            self.title = _title(self.module.fill(_pick(self.rng, titles)))
        self.diffs = _Files(self).for_kind(self.kind)
        self.branch = self._branch()
        self.description = self._description()

    def _human_kind(self) -> str:
        gen = self.gen
        for kind in ("migration", "docs", "ci"):
            if gen.take(f"path:{kind}") and (kind != "migration" or self.p.has_migrations):
                return kind
        level = max(1, self.author.level)
        kind = self.rng.choices(_MR_KIND_NAMES, weights=_MR_KIND_WEIGHTS[level])[0]
        if kind == "migration" and not self.p.has_migrations:
            return "feature"
        return kind

    def _branch(self) -> str:
        slug = "-".join(self.title.lower().replace('"', "").split()[:5])
        slug = "".join(ch for ch in slug if ch.isalnum() or ch == "-")
        style = self.rng.random()
        if style < 0.4:
            return f"{self.author.username}/{slug}"
        if style < 0.7:
            return f"{'fix' if self.kind == 'bug' else 'feature'}/{slug}"
        return f"{self.iid}-{slug}"

    def _description(self) -> str | None:
        """Anything from nothing to a thorough write-up, more thorough with seniority."""
        gen, rng, mod = self.gen, self.rng, self.module
        tier = next((t for t in _DESC_TIERS if gen.take(f"desc:{t}")), None)
        if tier is None:
            tier = rng.choices(_DESC_TIERS, weights=_DESC_WEIGHTS[max(1, self.author.level)])[0]
        gen.done(f"desc:{tier}")
        if tier == "empty":
            return ""
        if tier == "null":
            return None
        if tier == "template":
            return corpus.UNFILLED_TEMPLATE
        link = self._issue_link()
        if tier == "oneline":
            return link or mod.fill(_pick(rng, corpus.ONE_LINE_DESCRIPTIONS))
        context = mod.fill(_pick(rng, corpus.CONTEXT))
        parts = [context] if tier == "short" else self._thorough(context)
        if link:
            parts.append(link)
        mate = self.sim.other_dev(self.author)
        if mate is not None and rng.random() < (0.6 if tier == "thorough" else 0.25):
            parts.append(_pick(rng, corpus.MENTION_LINES).format(user=mate.mention))
        return "\n\n".join(parts)

    def _thorough(self, context: str) -> list[str]:
        rng, mod = self.rng, self.module
        parts = [
            f"## What does this MR do?\n\n{context}",
            f"## Why\n\n{_pick(rng, corpus.WHY)}",
            f"## How to test\n\n{mod.fill(_pick(rng, corpus.HOW_TO_TEST))}",
        ]
        if self.p.stack == "typescript" and rng.random() < 0.6:
            parts.append(corpus.SCREENSHOTS.format(hex=_hex(rng, 32)))
        if self.author.level >= 4 and rng.random() < 0.5:
            parts.append(mod.fill(_pick(rng, corpus.ROLLOUT)))
        return parts

    def _issue_link(self) -> str:
        """``Closes #N`` for an issue assigned to the author, else sometimes ``Relates to #N``."""
        rng, p = self.rng, self.p
        if self.related is not None:
            return f"Relates to #{self.related.iid}"
        queue = p.open_by_assignee.get(self.author.id)
        if self.gen.take("closes_issue") and not (queue and queue[0].t < self.t0):
            queue = next((q for q in p.open_by_assignee.values() if q and q[0].t < self.t0), None)
        if queue and queue[0].t < self.t0 and (self.gen.take("closes_issue") or rng.random() < 0.8):
            self.closes = queue.popleft()
            return f"Closes #{self.closes.iid}"
        earlier = bisect.bisect_left(p.issue_times, self.t0)
        if earlier and rng.random() < 0.3:
            self.related = p.issues[rng.randrange(earlier)]
            return f"Relates to #{self.related.iid}"
        return ""

    def _renovate_content(self) -> None:
        rng = self.rng
        dep = _pick(rng, corpus.DEPENDENCIES[self.p.stack])
        major, minor = rng.randint(1, 9), rng.randint(0, 30)
        old, new = f"{major}.{minor}.{rng.randint(0, 9)}", f"{major}.{minor + 1}.0"
        self.title = f"chore(deps): update dependency {dep} to v{new}"
        self.labels = ["dependencies"]
        self.branch = f"renovate/{dep.replace('/', '-').replace('@', '')}-{major}.x"
        self.description = corpus.RENOVATE_DESCRIPTION.format(dep=dep, old=old, new=new)
        self.renovate_new = new
        self.diffs = _Files(self).dependencies()
        self.gen.done("renovate_mr")

    def _revert_target(self) -> _MR | None:
        recent = [
            mr
            for mr in self.p.mrs[-40:]
            if mr.merged_at is not None
            and mr.kind != "revert"
            and 0 < self.t0 - mr.merged_at < 14 * _DAY
        ]
        return recent[-1] if recent else None

    def _revert_content(self, target: _MR) -> None:
        self.title = f'Revert "{target.title}"'
        self.labels = ["incident"] if self.related is not None else []
        self.related = None  # the description names the reverted MR, not the incident
        self.description = f"This reverts merge request !{target.iid}"
        self.branch = f"revert-{target.merge_sha[:8]}"
        self.diffs = [_reverted(d) for d in target.entry["diffs"]]
        self.gen.done("revert")

    # -- pushes, pipelines, drafts -----------------------------------------------------------------

    def head_at(self, moment: int) -> str:
        """The newest commit pushed by ``moment``."""
        return max((c for c in self.commits if c[0] <= moment), default=self.commits[0])[1]

    def commit(self, moment: int, title: str, body: str = "") -> str:
        sha = _hex(self.rng)
        message = f"{title}\n\n{body}" if body else title
        self.commits.append((moment, sha, title, message))
        return sha

    def _initial_push(self) -> None:
        """Commits before the MR opens, its first pipeline and, sometimes, a failure and a fix."""
        rng, t0 = self.rng, self.t0
        if self.kind == "revert" and self.reverted is not None:
            body = f"This reverts commit {self.reverted.merge_sha}."
            self.commit(t0 - rng.randrange(1, 10) * _MINUTE, self.title, body)
        else:
            count = 1 if not self.human else rng.randint(1, 2 if self.author.level <= 2 else 4)
            moment = t0 - rng.randrange(count * 10, count * 240) * _MINUTE
            titles = [self.title, *rng.sample(corpus.FOLLOW_UP_COMMITS, count - 1)]
            for title in titles:
                self.commit(moment, title, _pick(rng, corpus.COMMIT_BODIES))
                moment += rng.randrange(5, 90) * _MINUTE
                moment = min(moment, t0 - _MINUTE)
        self._mr_pipeline(t0 + rng.randrange(20, 90) * 1000, first=True)

    def _mr_pipeline(self, moment: int, *, first: bool = False) -> None:
        rng = self.rng
        sha, user = self.commits[-1][1], self.author
        source = "merge_request_event" if rng.random() < 0.75 else "push"
        ref = (
            f"refs/merge-requests/{self.iid}/head"
            if source == "merge_request_event"
            else self.branch
        )
        fail_rate = 0.16 if self.author.level <= 2 else 0.09
        failed = (
            first
            and self.author.kind == "human"
            and (self.gen.take("failed_fixed") or rng.random() < fail_rate)
        )
        status = "failed" if failed else "canceled" if rng.random() < 0.03 else "success"
        finished = self.sim.pipeline(
            moment, sha, ref, source, user if self.author.kind != "ghost" else None, status
        )
        if finished is None:
            return
        self.pipeline_done = finished
        if status == "failed":
            self._fix_failure(finished, sha, ref, source)
        elif status == "success" and (self.gen.take("project_bot_note") or rng.random() < 0.25):
            self._ci_report(finished)

    def _fix_failure(self, failed_at: int, sha: str, ref: str, source: str) -> None:
        """The CI bot reports the failure; the author pushes a fix and the next pipeline passes."""
        rng, sim = self.rng, self.sim
        if self.gen.take("ci_bot_note") or rng.random() < 0.6:
            body = corpus.CI_FAILURE.format(
                sha=sha[:8],
                job=_pick(rng, corpus.CI_JOBS),
                line=_pick(rng, corpus.CI_FAILURE_LINES),
            )
            if sim.note(self.notes, failed_at + 5000, self.gen.ci_bot, body):
                self.gen.done("ci_bot_note")
        fixed_at = self.clock.after(rng, failed_at, 5, 120)
        if self.author.kind == "bot" or fixed_at >= sim.end:
            return
        fix = self.commit(fixed_at, _pick(rng, corpus.FIX_COMMITS))
        self._added_commits(fixed_at + 20_000, [fix])
        finished = sim.pipeline(fixed_at + 40_000, fix, ref, source, self.author)
        if finished is not None:
            self.pipeline_done = finished
            self.gen.done("failed_fixed")

    def _added_commits(self, moment: int, shas: list[str]) -> None:
        titles = {sha: title for _, sha, title, _ in self.commits}
        items = "".join(f"<li>{sha[:8]} - {titles[sha]}</li>" for sha in shas)
        count = f"{len(shas)} commit{'s' if len(shas) > 1 else ''}"
        if self.sim.system(self.notes, moment, self.author, f"added {count}\n\n<ul>{items}</ul>"):
            self.last = max(self.last, moment)

    def _ci_report(self, moment: int) -> None:
        rng = self.rng
        coverage = f"{rng.uniform(62, 94):.1f}"
        delta = f"{rng.choice('+-')}{rng.uniform(0, 1.5):.1f}%"
        body = corpus.CI_REPORT.format(
            passed=rng.randrange(120, 2400), coverage=coverage, delta=delta
        )
        assert self.p.bot is not None
        if self.sim.note(self.notes, moment + 3000, self.p.bot, body):
            self.gen.done("project_bot_note")

    def _draft_phase(self) -> int | None:
        """When the MR is ready for review, or None while it is (still) a draft."""
        rng, gen = self.rng, self.gen
        self.draft = False
        parked = gen.take("draft") or rng.random() < 0.008
        if self.author.kind == "human" and self.kind != "revert" and parked:
            self.draft = True  # parked: work in progress nobody is asked to review yet
            gen.done("draft")
            return None
        if not self.human or self.kind == "revert" or rng.random() >= 0.15:
            return self.t0
        ready = self.clock.after(rng, self.t0, 60, 3 * 1440)
        if self.sim.system(
            self.notes, ready, self.author, "marked this merge request as **ready**"
        ):
            self.last = max(self.last, ready)
            return ready
        self.draft = True
        return None

    # -- review --------------------------------------------------------------------------------------

    def _review(self, ready: int) -> None:
        """Reviewers are requested, read, comment in threads, and approve."""
        rng = self.rng
        junior = self.author.level <= 2 and rng.random() < 0.6
        count = 2 if self.human and self.kind != "revert" and (junior or rng.random() < 0.3) else 1
        reviewers = self.sim.reviewers(self.author, count)
        if not reviewers:
            return
        requested = self.clock.after(rng, ready, 1, 15)
        names = " and ".join(r.mention for r in reviewers)
        if not self.sim.system(
            self.notes, requested, self.author, f"requested review from {names}"
        ):
            return
        self.last = max(self.last, requested)
        for index, reviewer in enumerate(reviewers):
            state = _Review(self, reviewer, requested).run(must_approve=index == len(reviewers) - 1)
            self.reviewer_states.append(
                {"user": _ref(reviewer), "state": state, "created_at": self.clock.iso(requested)}
            )

    # -- bots, awards, outcome -------------------------------------------------------------------------

    def _bot_notes(self) -> None:
        """Internal notes and leftovers from deleted users (the ghost) on early MRs."""
        rng, gen, sim = self.rng, self.gen, self.sim
        if self.human and (gen.take("internal_note") or rng.random() < 0.005):
            writer = sim.other_dev(self.author) or self.author
            moment = self.clock.after(rng, self.t0, 30, 1440)
            if sim.note(
                self.notes, moment, writer, _pick(rng, corpus.INTERNAL_NOTES), internal=True
            ):
                gen.done("internal_note")
                self.last = max(self.last, moment)
        early = self.t0 < self.clock.fraction(0.3)
        if (
            early
            and self.author is not gen.ghost
            and (gen.take("ghost_note") or rng.random() < 0.03)
        ):
            moment = self.clock.after(rng, self.t0, 30, 600)
            if sim.note(self.notes, moment, gen.ghost, _pick(rng, corpus.RUBBER_STAMPS)):
                gen.done("ghost_note")
                self.last = max(self.last, moment)

    def _outcome(self) -> _MR:
        """Merged (most), closed without merging, or still open at ``end``."""
        rng, gen, clock = self.rng, self.gen, self.clock
        state, merged_at, closed_at = "opened", None, None
        merger: _User | None = None
        closer: _User | None = None
        close_rate = 0.12 if self.kind == "renovate" else 0.05
        if self.draft or (self.author.kind == "human" and rng.random() < 0.015):
            pass  # a draft, or stalled: waiting for a decision, a dependency, a rebase
        elif (gen.take("closed_mr") and self.author.kind == "human") or rng.random() < close_rate:
            moment = clock.after(rng, self.last, 60, 3 * 1440)
            if moment < self.sim.end:
                state, closed_at = "closed", moment
                closer = self.author if self.human and rng.random() < 0.7 else self._merger()
                gen.done("closed_mr")
                if self.kind == "renovate":
                    body = corpus.RENOVATE_CLOSED.format(new=self.renovate_new)
                    self.sim.note(self.notes, moment + 30_000, self.author, body)
        elif self._approved_enough():
            start = max(self.last, self.pipeline_done)
            moment = clock.after(rng, start, 3, 300)
            if moment < self.sim.end:
                state, merged_at, merger = "merged", moment, self._merger()
        return self._build(state, merged_at, merger, closed_at, closer)

    def _approved_enough(self) -> bool:
        return bool(self.approvals) or len(self.p.devs) < 2 or not self.reviewer_states

    def _merger(self) -> _User:
        """Developers may merge their own MRs; otherwise an approving or any maintainer."""
        rng = self.rng
        if self.author.kind == "human" and rng.random() < 0.55:
            return self.author
        by_id = {u.id: u for u in self.p.maintainers}
        approving = [by_id[a["user"]["id"]] for a in self.approvals if a["user"]["id"] in by_id]
        pool = approving or self.p.maintainers or self.p.devs
        return _pick(rng, pool) if pool else self.author

    def _build(
        self,
        state: str,
        merged_at: int | None,
        merger: _User | None,
        closed_at: int | None,
        closer: _User | None,
    ) -> _MR:
        iso, rng = self.clock.iso, self.rng
        self.commits.sort()
        head = self.commits[-1][1]
        payload: Json = {
            "iid": self.iid,
            "title": ("Draft: " + self.title) if self.draft else self.title,
            "description": self.description,
            "state": state,
            "author": _ref(self.author),
            "assignees": [_ref(self.author)] if self.human and rng.random() < 0.8 else [],
            "labels": self.labels,
            "draft": self.draft,
            "created_at": iso(self.t0),
            "updated_at": "",
            "merged_at": None,
            "merge_user": None,
            "closed_at": None,
            "closed_by": None,
            "source_branch": self.branch,
            "target_branch": "main",
            "sha": head,
            "merge_commit_sha": None,
            "diff_refs": {"base_sha": self.base_sha, "head_sha": head, "start_sha": self.base_sha},
        }
        mr = _MR(self.iid, self.t0, self.title, self.kind, self.author, {}, self.notes)
        if merged_at is not None and merger is not None:
            mr.merged_at, mr.merge_sha = merged_at, _hex(rng)
            payload.update(
                merged_at=iso(merged_at), merge_user=_ref(merger), merge_commit_sha=mr.merge_sha
            )
            self.last = max(self.last, merged_at)
            self._after_merge(mr, merger)
        if closed_at is not None and closer is not None:
            payload.update(closed_at=iso(closed_at), closed_by=_ref(closer))
            self.last = max(self.last, closed_at)
        self._mr_awards()
        self._link_issues(mr)
        payload["updated_at"] = iso(self.last)
        mr.last = self.last
        mr.entry = self._entry(payload)
        if self.author is self.gen.ghost:
            self.gen.done("ghost_mr")
        if self.author is self.gen.blocked:
            self.gen.done("blocked_mr")
        return mr

    def _after_merge(self, mr: _MR, merger: _User) -> None:
        assert mr.merged_at is not None
        self.p.merges.append((mr.merged_at, mr.merge_sha))
        if self.closes is not None and self.closes.closed_at is None:
            self.closes.closed_at, self.closes.closed_by, self.closes.closed_via = (
                mr.merged_at,
                merger,
                mr,
            )
            self.gen.done("closes_issue")
        if self.rng.random() < 0.2:
            moment = mr.merged_at + self.rng.randrange(5, 60) * 1000
            self.sim.pipeline(
                moment,
                mr.merge_sha,
                "main",
                "push",
                merger,
                "failed" if self.rng.random() < 0.05 else "success",
            )

    def _link_issues(self, mr: _MR) -> None:
        """GitLab's cross-reference note on each issue the description mentions."""
        for issue in (self.closes, self.related):
            if issue is not None and issue.t < self.t0:
                self.sim.system(
                    issue.notes,
                    self.t0 + 2000,
                    self.author,
                    f"mentioned in merge request !{mr.iid}",
                )

    def _mr_awards(self) -> None:
        rng, gen = self.rng, self.gen
        if not (gen.take("mr_emoji") or rng.random() < 0.15):
            return
        fans = [d for d in self.p.devs if d is not self.author]
        for fan in rng.sample(fans, min(len(fans), rng.randint(1, 2))):
            moment = rng.randrange(self.t0, self.last + 1)
            self.awards.append(
                {
                    "name": _pick(rng, corpus.MR_EMOJI),
                    "user": _ref(fan),
                    "created_at": self.clock.iso(moment),
                }
            )
            gen.done("mr_emoji")

    def _entry(self, payload: Json) -> Json:
        iso = self.clock.iso
        author_name, author_email = self.author.name, self.author.email
        commits = []
        for moment, sha, title, message in reversed(self.commits):  # newest first, as GitLab
            stamp = iso(moment)
            commits.append(
                {
                    "id": sha,
                    "short_id": sha[:8],
                    "title": title,
                    "message": message,
                    "author_name": author_name,
                    "author_email": author_email,
                    "authored_date": stamp,
                    "committed_date": stamp,
                    "created_at": stamp,
                }
            )
        self.approvals.sort(key=lambda approval: str(approval["approved_at"]))
        entry: Json = {
            "merge_request": payload,
            "notes": self.notes,
            "approvals": {
                "approved_by": self.approvals,
                "approvals_required": 1 if len(self.p.devs) > 1 else 0,
            },
            "reviewers": self.reviewer_states,
            "diffs": self.diffs,
            "commits": commits,
        }
        if self.awards:
            entry["award_emoji"] = self.awards
        return entry


def _reverted(diff: Json) -> Json:
    """The diff that undoes ``diff``: new files are deleted and vice versa."""
    out = dict(diff)
    if diff["new_file"] or diff["deleted_file"]:
        out["new_file"], out["deleted_file"] = diff["deleted_file"], diff["new_file"]
    if diff["renamed_file"]:
        out["old_path"], out["new_path"] = diff["new_path"], diff["old_path"]
    body = str(diff["diff"])
    out["diff"] = "\n".join(
        ("+" + line[1:])
        if line.startswith("-")
        else ("-" + line[1:])
        if line.startswith("+")
        else line
        for line in body.split("\n")
    )
    return out


# -- review threads ---------------------------------------------------------------------------------------


class _Review:
    """One reviewer's pass: a rubber stamp, or threads the author answers in one sitting."""

    def __init__(self, mr: _MergeRequestSim, reviewer: _User, requested: int) -> None:
        self.mr, self.reviewer, self.requested = mr, reviewer, requested
        self.rng, self.clock, self.sim, self.gen = mr.rng, mr.clock, mr.sim, mr.gen
        self.fix_sha: str | None = None

    def run(self, *, must_approve: bool) -> str:
        """Returns the reviewer's final state."""
        mr, rng, gen = self.mr, self.rng, self.gen
        start = self.clock.after(rng, self.requested, 15, 1200)
        if start >= self.sim.end:
            return "unreviewed"
        forced = gen.take("suggestion") or gen.take("resolved_thread")
        chance = _DETAILED_REVIEW[self.reviewer.level] + (0.15 if 0 < mr.author.level <= 2 else 0)
        if mr.kind in ("migration", "security", "perf"):
            chance += 0.1
        if mr.kind == "renovate":
            chance = 0.03
        if forced or (not gen.take("rubber_stamp") and rng.random() < chance):
            last, changes = self._threads(start)
        else:
            last, changes = start, False
            stamps = gen.take("rubber_stamp") or rng.random() < 0.55
            if stamps and self.sim.note(
                mr.notes, start, self.reviewer, _pick(rng, corpus.RUBBER_STAMPS)
            ):
                gen.done("rubber_stamp")
        mr.last = max(mr.last, min(last, self.sim.end - 1))
        if must_approve or rng.random() < 0.85:
            approved = self.clock.after(rng, last, 2, 180 if changes else 20)
            if self._approve(approved):
                return "approved"
        if changes and rng.random() < 0.5:
            return "requested_changes"
        return "reviewed"

    def _approve(self, moment: int) -> bool:
        mr = self.mr
        if moment >= self.sim.end:
            return False
        mr.approvals.append({"user": _ref(self.reviewer), "approved_at": self.clock.iso(moment)})
        self.sim.system(mr.notes, moment, self.reviewer, "approved this merge request")
        mr.last = max(mr.last, moment)
        return True

    def _threads(self, start: int) -> tuple[int, bool]:
        """The reviewer opens threads; later the author pushes a fix and answers each of them.

        Returns the time of the last activity and whether changes were asked for.
        """
        mr, rng, gen = self.mr, self.rng, self.gen
        level = max(1, self.reviewer.level)
        junior_author = 0 < mr.author.level <= 2 and rng.random() < 0.5
        moment, opened = start, []
        for index in range(1 + rng.randrange(1 + level // 3) + junior_author):
            if index == 0 and gen.take("suggestion"):
                style = "suggestion"
            else:
                style = rng.choices(_REVIEW_STYLES, weights=_REVIEW_STYLE_WEIGHTS[level])[0]
            if style == "mentoring" and mr.author.level >= level:
                style = "actionable"
            thread = self._open(style, moment)
            if thread is not None:
                opened.append(thread)
            moment += rng.randrange(1, 8) * _MINUTE
        if not opened:
            return start, False
        changes = any(style != "question" for style, _ in opened)
        session = self.clock.after(rng, moment, 10, 480)
        last, reply_at = moment, session
        for style, note in opened:
            if not gen.take("resolved_thread") and rng.random() >= (
                0.9 if style == "question" else 0.8
            ):
                continue
            reply_at += rng.randrange(1, 5) * _MINUTE
            last = max(last, self._answer(style, note, session, reply_at))
        return last, changes

    def _open(self, style: str, moment: int) -> tuple[str, Json] | None:
        """The reviewer's first note of a thread, on a line of a file when it is about code."""
        mr, rng, sim = self.mr, self.rng, self.sim
        position = self._position(moment) if style != "question" or rng.random() < 0.4 else None
        if style == "suggestion" and (
            position is None or _ext_group(position["new_path"]) not in corpus.SUGGESTIONS
        ):
            style = "actionable"
        body = self._comment(style, position["new_path"] if position else None)
        extra: Json = {
            "discussion_id": _hex(rng),
            "type": "DiffNote" if position else "DiscussionNote",
        }
        if position is not None:
            extra["position"] = position
        note = sim.note(mr.notes, moment, self.reviewer, body, **extra)
        if note is None:
            return None
        self._note_award(note, moment)
        if style == "suggestion":
            self.gen.done("suggestion")
        return style, note

    def _answer(self, style: str, opener: Json, session: int, moment: int) -> int:
        """The author's reply, maybe a follow-up, and usually a resolution; returns the last time."""
        mr, rng, sim, gen = self.mr, self.rng, self.sim, self.gen
        if moment >= sim.end:
            return session
        extra = {key: opener[key] for key in ("discussion_id", "type", "position") if key in opener}
        reply = sim.note(mr.notes, moment, mr.author, self._reply(style, session), **extra)
        if reply is None:
            return session
        thread, last = [opener, reply], moment
        if rng.random() < 0.4:
            later = moment + rng.randrange(2, 120) * _MINUTE
            note = sim.note(
                mr.notes, later, self.reviewer, _pick(rng, corpus.REVIEWER_FOLLOW_UPS), **extra
            )
            if note is not None:
                thread.append(note)
                last = later
        if gen.take("resolved_thread") or rng.random() < 0.8:
            resolver = mr.author if rng.random() < 0.6 else self.reviewer
            resolved = {
                "resolved": True,
                "resolved_by": _ref(resolver),
                "resolved_at": self.clock.iso(last),
            }
            for note in thread:
                note.update(resolved)
            gen.done("resolved_thread")
        return last

    def _comment(self, style: str, path: str | None) -> str:
        """A comment that fits the file's language and the kind of change, not yet used here."""
        rng, mr = self.rng, self.mr
        group = _ext_group(path) if path else ""
        actionable, questions = corpus.KIND_REVIEWS.get(
            mr.kind, (corpus.ACTIONABLE, corpus.QUESTIONS)
        )
        if style == "suggestion":
            text, code = _pick(rng, corpus.SUGGESTIONS[group])
            return f"{text}\n\n```suggestion:-0+0\n{code}\n```"
        pools: dict[str, Sequence[str]] = {
            "nit": corpus.NITS + corpus.LANG_NITS.get(group, ()),
            "actionable": actionable,
            "question": questions,
            "mentoring": corpus.MENTORING,
            "deep": corpus.DEEP_REVIEW if mr.kind not in corpus.KIND_REVIEWS else actionable,
        }
        pool = pools[style]
        for _ in range(3):
            body = mr.module.fill(_pick(rng, pool))
            if body not in mr.used_comments:
                break
        mr.used_comments.add(body)
        return body

    def _reply(self, style: str, session: int) -> str:
        """Agreeing replies point at the fix commit, pushed just before the author's session."""
        rng = self.rng
        if style == "question" or rng.random() < 0.2:
            return _pick(rng, corpus.AUTHOR_DISCUSSES)
        if self.fix_sha is None:
            pushed = session - rng.randrange(1, 5) * _MINUTE
            self.fix_sha = self.mr.commit(pushed, _pick(rng, corpus.FOLLOW_UP_COMMITS))
            self.mr._added_commits(pushed + 15_000, [self.fix_sha])
            if rng.random() < 0.25:
                self.mr._mr_pipeline(pushed + 30_000)
        return _pick(rng, corpus.AUTHOR_AGREES).format(sha=self.fix_sha[:8])

    def _position(self, moment: int) -> Json | None:
        """A line of a changed file, against the head the reviewer was looking at."""
        mr, rng = self.mr, self.rng
        files = [d for d in mr.diffs if not d["deleted_file"]]
        if not files:
            return None
        diff = _pick(rng, files)
        line = rng.randrange(3, 240)
        return {
            "base_sha": mr.base_sha,
            "start_sha": mr.base_sha,
            "head_sha": mr.head_at(moment),
            "old_path": diff["old_path"],
            "new_path": diff["new_path"],
            "position_type": "text",
            "old_line": None if diff["new_file"] else line,
            "new_line": line,
        }

    def _note_award(self, note: Json, moment: int) -> None:
        """Sometimes the author reacts to a comment; the award points at the note's id later."""
        rng, gen = self.rng, self.gen
        if not (gen.take("note_emoji") or rng.random() < 0.04):
            return
        reacted = moment + rng.randrange(1, 120) * _MINUTE
        if reacted >= self.sim.end:
            return
        award = {
            "name": _pick(rng, corpus.NOTE_EMOJI),
            "user": _ref(self.mr.author),
            "created_at": self.clock.iso(reacted),
            "awardable_type": "Note",
        }
        self.mr.awards.append(award)
        gen.note_awards.append((award, note))
        gen.done("note_emoji")


def _ext_group(path: str) -> str:
    """``.py``, ``.yml``, ``Dockerfile``, ``deps``…: the key of a file's hunks and review pools."""
    name = path.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    ext = name[dot:] if dot > 0 else name
    return ext if ext in corpus.HUNKS else corpus.HUNK_ALIASES.get(ext, "deps")


# -- changed files --------------------------------------------------------------------------------------


class _Files:
    """Changed paths of one MR, shaped by its kind and the author's level."""

    def __init__(self, mr: _MergeRequestSim) -> None:
        self.mr, self.rng, self.p, self.gen = mr, mr.rng, mr.p, mr.gen
        self.stack = mr.p.stack
        self.paths: dict[str, Json] = {}

    def for_kind(self, kind: str) -> list[Json]:
        rng, level = self.rng, max(1, self.mr.author.level)
        scale = 0.6 + level * 0.25
        if kind in ("bug", "security"):
            self.source(rng.randint(1, 2))
            self.test(0.4 if level == 1 else 0.75)
        elif kind in ("feature", "perf"):
            self.source(round(rng.randint(1, 4) * scale))
            self.test(0.85)
            if rng.random() < 0.1 * level:
                self.docs(1)
        elif kind in ("refactor", "tech-debt"):
            self.source(round(rng.randint(2, 5) * scale), churn=True)
            self.test(0.7)
            if kind == "tech-debt" and rng.random() < 0.3:
                self.dependency_files(1)
        elif kind == "migration":
            self.migration()
            self.test(0.9)
        elif kind == "docs":
            self.docs(rng.randint(1, 2))
        elif kind == "ci":
            self.ci(rng.randint(1, 2))
        if self.gen.take("path:test") and kind not in ("docs", "ci"):
            self.test(1.0)
        return list(self.paths.values())

    def dependencies(self) -> list[Json]:
        self.dependency_files(self.rng.randint(1, 2))
        return list(self.paths.values())

    def _add(self, path: str, status: str = "modified") -> None:
        if path in self.paths:
            return
        hunks = corpus.HUNKS[_ext_group(path)]
        old = path
        if status == "renamed":
            folder, _, base = path.rpartition("/")
            old = f"{folder}/legacy_{base}" if folder else f"legacy_{base}"
            self.gen.done("rename")
        elif status == "deleted":
            self.gen.done("delete")
        diff = {"modified": hunks[0], "new": hunks[1], "deleted": hunks[2], "renamed": ""}[status]
        self.paths[path] = {
            "old_path": old,
            "new_path": path,
            "new_file": status == "new",
            "renamed_file": status == "renamed",
            "deleted_file": status == "deleted",
            "diff": diff,
        }
        if "test" in path or "spec" in path:
            self.gen.done("path:test")
        elif path.endswith(".md"):
            self.gen.done("path:docs")
        elif path in corpus.CI_PATHS:
            self.gen.done("path:ci")

    def _fill(self, template: str, module: _Module | None = None) -> str:
        return (module or self.mr.module).fill(template)

    def source(self, count: int, *, churn: bool = False) -> None:
        rng = self.rng
        for index in range(max(1, count)):
            module = self.mr.module if index < 2 else _pick(rng, self.p.modules)
            path = self._fill(_pick(rng, corpus.SOURCE_PATHS[self.stack]), module)
            status = "modified"
            if churn or rng.random() < 0.05:
                roll = rng.random()
                if self.gen.take("rename") or roll < 0.15:
                    status = "renamed"
                elif self.gen.take("delete") or roll < 0.25:
                    status = "deleted"
            elif rng.random() < 0.15:
                status = "new"
            self._add(path, status)

    def test(self, chance: float) -> None:
        if self.rng.random() < chance:
            path = self._fill(_pick(self.rng, corpus.TEST_PATHS[self.stack]))
            self._add(path, "new" if self.rng.random() < 0.3 else "modified")

    def docs(self, count: int) -> None:
        for _ in range(count):
            self._add(self._fill(_pick(self.rng, corpus.DOC_PATHS)))

    def ci(self, count: int) -> None:
        for _ in range(count):
            self._add(_pick(self.rng, corpus.CI_PATHS))

    def dependency_files(self, count: int) -> None:
        files = corpus.DEPENDENCY_FILES[self.stack]
        for path in files[: max(1, min(count, len(files)))]:
            self._add(path)

    def migration(self) -> None:
        """A migration file named like the stack's tool does, plus the schema and a model."""
        rng, p, mr = self.rng, self.p, self.mr
        p.migration_seq += 1
        stamp = mr.clock.iso(mr.t0)
        digits = stamp[0:4] + stamp[5:7] + stamp[8:10] + stamp[11:13] + stamp[14:16] + stamp[17:19]
        template = _pick(rng, corpus.MIGRATION_PATHS[self.stack])
        path = mr.module.fill(template, ts=digits, rev=_hex(rng, 12), n=str(p.migration_seq + 100))
        self._add(path, "new")
        self.gen.done("path:migration")
        schema = corpus.SCHEMA_FILES.get(self.stack)
        if schema:
            self._add(schema)
        self.source(1)
