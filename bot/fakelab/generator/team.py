"""The cast and how it is organised: users, bots, tokens, groups, projects and their members.

Everyone is built from the run's main RNG in a fixed order: root, the humans, a blocked former
colleague, the ghost, the bots, then one project at a time with its project bot, then the
memberships. Tokens are drawn last, when the dataset is assembled.
"""

from __future__ import annotations

import random
import unicodedata
from itertools import accumulate

from bot.fakelab.generator.clock import DAY, Clock
from bot.fakelab.generator.corpus import names
from bot.fakelab.generator.profiles import LEVEL_SHARES
from bot.fakelab.generator.randomness import random_hex
from bot.fakelab.generator.records import Json, Module, Project, User

_TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"


class Team:
    """Users with their payloads, and ``people`` humans spread over ``projects`` projects."""

    blocked: User
    ghost: User
    renovate: User
    ci_bot: User
    platform_lead: User | None  # maintains the ``acme/platform`` subgroup

    def __init__(self, rng: random.Random, clock: Clock, *, people: int, projects: int) -> None:
        self.rng, self.clock = rng, clock
        self.users: list[User] = []
        self.user_payloads: list[Json] = []
        self.humans: list[User] = []
        self.projects: list[Project] = []
        self.home: dict[int, Project] = {}  # user id -> the project of their team
        self.side: dict[int, list[Project]] = {}  # user id -> other projects they are a member of
        self._cast(people)
        self._projects(projects)
        self._memberships()

    # -- users -------------------------------------------------------------------------------------

    def _add_user(
        self,
        username: str,
        name: str,
        *,
        level: int = 0,
        kind: str = "human",
        email: str = "",
        state: str = "active",
        bot: bool = False,
        avatar: bool = True,
        admin: bool = False,
    ) -> User:
        """A user with the next id, and their ``GET /users/:id`` payload."""
        rng = self.rng
        user = User(len(self.users) + 1, username, name, level=level, kind=kind)
        payload: Json = {
            "id": user.id,
            "username": user.username,
            "name": user.name,
            "state": state,
            "avatar_url": (
                f"https://secure.gravatar.com/avatar/{random_hex(rng, 32)}?s=80&d=identicon"
                if avatar
                else None
            ),
            "bot": bot,
            "created_at": self.clock.iso(self.clock.start - rng.randrange(20, 1500) * DAY),
        }
        if admin:
            payload["is_admin"] = True
        user.email = email or f"{user.username}@{names.EMAIL_DOMAIN}"
        self.users.append(user)
        self.user_payloads.append(payload)
        return user

    def _cast(self, people: int) -> None:
        """root, the humans with their levels, a blocked former colleague, the ghost and bots."""
        rng = self.rng
        self._add_user("root", "Administrator", kind="admin", admin=True)
        levels = _level_quota(people)
        rng.shuffle(levels)
        taken: set[str] = {"root", "ghost", "renovate-bot", "ci-bot"}
        for level in levels:
            name, username = self._new_name(taken)
            human = self._add_user(username, name, level=level, avatar=rng.random() > 0.15)
            self.humans.append(human)
        name, username = self._new_name(taken)
        self.blocked = self._add_user(
            username, name, level=2, kind="blocked", state="blocked", avatar=False
        )
        self.ghost = self._add_user("ghost", "Ghost User", kind="ghost")
        self.renovate = self._add_user(
            "renovate-bot", "Renovate Bot", kind="bot", email="bot@renovateapp.com", bot=True
        )
        self.ci_bot = self._add_user("ci-bot", "CI Bot", kind="bot", bot=True)

    def _new_name(self, taken: set[str]) -> tuple[str, str]:
        """A realistic full name and a unique username in one of the usual styles."""
        rng = self.rng
        first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES)
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

    # -- projects and members ----------------------------------------------------------------------

    def _projects(self, count: int) -> None:
        """Projects from the catalogue, numbered ``-2``, ``-3``… once it runs out."""
        rng = self.rng
        catalogue = names.PROJECTS
        for index in range(count):
            name, platform, stack, description, modules = catalogue[index % len(catalogue)]
            round_ = index // len(catalogue)
            if round_:
                name = f"{name}-{round_ + 1}"
            namespace = "acme/platform" if platform else "acme"
            project = Project(
                id=index + 1,
                path=f"{namespace}/{name}",
                stack=stack,
                description=description,
                platform=platform,
                modules=tuple(Module.of(m) for m in modules),
                rng=random.Random(rng.getrandbits(64)),
                created_at=self.clock.start - rng.randrange(60, 900) * DAY,
            )
            bot_name = f"project_{project.id}_bot_{random_hex(rng, 32)}"
            project.bot = self._add_user(bot_name, "ci-reporter", kind="bot", bot=True)
            project.add_member(project.bot, 40)
            self.projects.append(project)

    def _memberships(self) -> None:
        """Primary teams round-robin, a second project for some, observers, two maintainers."""
        rng, projects = self.rng, self.projects
        humans = list(self.humans)
        rng.shuffle(humans)
        self.side = {h.id: [] for h in humans}
        for index, human in enumerate(humans):
            project = projects[index % len(projects)]
            self.home[human.id] = project
            project.add_member(human, 30)
        for project in projects:
            while len([u for u in project.members if u in self.home]) < min(3, len(humans)):
                human = rng.choice(humans)
                if human.id not in project.members:
                    self._join(project, human, 30)
        for human in humans:
            if len(projects) > 1 and rng.random() < 0.3:
                project = rng.choice(projects)
                if human.id not in project.members:
                    roll = rng.random()
                    self._join(project, human, 30 if roll < 0.7 else 20 if roll < 0.9 else 10)
        by_id = {h.id: h for h in humans}
        for project in projects:
            self._observer(project, humans)
            self._maintainers(project, by_id)
        projects[0].add_member(self.blocked, 30)
        self._platform_lead(humans)
        for project in projects:
            self._pools(project, by_id)

    def _join(self, project: Project, human: User, access: int) -> None:
        """``human`` joins a project outside their own team."""
        project.add_member(human, access)
        self.side[human.id].append(project)

    def _observer(self, project: Project, humans: list[User]) -> None:
        """A Reporter or Guest from another team, when there is anyone left to add."""
        if any(level < 30 for level in project.members.values()):
            return
        outsiders = [h for h in humans if h.id not in project.members]
        if outsiders:
            human = self.rng.choice(outsiders)
            self._join(project, human, 20 if self.rng.random() < 0.7 else 10)

    def _maintainers(self, project: Project, by_id: dict[int, User]) -> None:
        """The two most senior developers maintain the project."""
        team = [
            by_id[uid] for uid, access in project.members.items() if uid in by_id and access >= 30
        ]
        team.sort(key=lambda h: (-h.level, h.id))
        for human in team[:2]:
            project.members[human.id] = 40

    def _platform_lead(self, humans: list[User]) -> None:
        """The most senior platform engineer maintains the ``acme/platform`` subgroup."""
        platform = [h for h in humans if self.home[h.id].platform]
        self.platform_lead = max(platform, key=lambda h: (h.level, -h.id)) if platform else None

    def _pools(self, project: Project, by_id: dict[int, User]) -> None:
        """Who can author, review and merge in ``project`` (inherited members included)."""
        access = dict(project.members)
        if project.platform and self.platform_lead is not None:
            access[self.platform_lead.id] = max(access.get(self.platform_lead.id, 0), 40)
        humans = sorted((by_id[uid] for uid in access if uid in by_id), key=lambda h: h.id)
        project.devs = [h for h in humans if access[h.id] >= 30]
        project.maintainers = [h for h in humans if access[h.id] >= 40]
        project.observers = [h for h in humans if access[h.id] < 30]
        # Seniors are asked to review more often: they are sought out.
        project.reviewer_weights = list(accumulate(h.level**1.2 for h in project.devs))

    # -- payloads ----------------------------------------------------------------------------------

    def tokens(self) -> list[Json]:
        """A personal access token for every user but the ghost, drawn from the main RNG."""
        return [
            {
                "token": "glpat-" + "".join(self.rng.choices(_TOKEN_ALPHABET, k=20)),
                "username": user.username,
            }
            for user in self.users
            if user.kind != "ghost"
        ]

    def groups(self) -> list[Json]:
        """``acme``, owned by root, the shared bots as developers; ``acme/platform``, its lead."""
        created = self.clock.iso(self.clock.start - 1000 * DAY)
        group_name, group_title, group_description = names.GROUP
        sub_name, sub_title, sub_description = names.SUBGROUP
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


def _level_quota(people: int) -> list[int]:
    """Exactly ``people`` levels following :data:`LEVEL_SHARES` (largest remainder)."""
    exact = [share * people for share in LEVEL_SHARES]
    counts = [int(x) for x in exact]
    order = sorted(range(6), key=lambda i: (counts[i] - exact[i], -LEVEL_SHARES[i]))
    for i in order[: people - sum(counts)]:
        counts[i] += 1
    return [level for level, count in zip(range(1, 7), counts, strict=True) for _ in range(count)]


def _ascii(text: str) -> str:
    """``Søren`` -> ``sren``, ``José`` -> ``jose``: usernames are lower-case ASCII."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())
