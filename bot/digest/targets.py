"""Where a person's digest goes: their ``digest_issue``, or the bot's issue for them in
``[digest] project``.

:class:`Targets` asks GitLab, once per run and person, which issue that is, whether the bot may
see it, and whether it is confidential (which decides how much confidential evidence a digest
may show). In ``post_to = "project"`` mode the bot's issue for a person is found again by the
hidden marker ``<!-- ladder-bot:digest-issue person=USERNAME -->`` in its description, among
the issues the bot itself opened in that project (all pages); only when there is none does
:meth:`Targets.open_issue` open one, confidential by default. The caller holds the claim that
makes sure no two runs open one at the same time, and :meth:`Targets.open_issue` looks once more
under that claim before it opens anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.config import Config, Person
from bot.errors import BotError
from bot.sync.client import GitLabClient, GitLabNotFound, project_path

__all__ = [
    "BotUser",
    "NoDestination",
    "Target",
    "TargetError",
    "Targets",
    "confidential_project",
    "issue_marker",
]

_ISSUE_MARKER = re.compile(r"<!-- ladder-bot:digest-issue person=([A-Za-z0-9_.-]+) -->")


class TargetError(BotError):
    """The digest cannot go where it should; the message says why, in plain words."""


class NoDestination(TargetError):
    """Nowhere to post: no ``digest_issue`` and ``post_to = "issue"``. Skipped, not failed."""


@dataclass(frozen=True)
class BotUser:
    """The account the token belongs to: the author of every note and issue the bot writes."""

    id: int
    username: str


@dataclass(frozen=True)
class Target:
    """The issue a person's digest goes to.

    ``iid`` is ``None`` when it is the bot's issue in ``[digest] project`` and that issue is
    not opened yet; ``confidential`` is then what it will be.
    """

    project: str  # path, as configured
    iid: int | None
    confidential: bool
    web_url: str | None = None
    opened_by_bot: bool = False

    @property
    def ref(self) -> str:
        """``acme/growth#12``, or ``a new issue in acme/growth``."""
        return (
            f"{self.project}#{self.iid}"
            if self.iid is not None
            else f"a new issue in {self.project}"
        )

    @property
    def notes_path(self) -> str:
        assert self.iid is not None
        return f"{project_path(self.project)}/issues/{self.iid}/notes"

    def note_url(self, note_id: int) -> str | None:
        return f"{self.web_url}#note_{note_id}" if self.web_url else None


def issue_marker(username: str) -> str:
    """The hidden line that marks the bot's digest issue for ``username``."""
    return f"<!-- ladder-bot:digest-issue person={username} -->"


def confidential_project(config: Config, target: Target) -> str | None:
    """The project whose confidential evidence a digest on ``target`` may show in full: the
    target's own, when it is confidential and ``[digest] show_confidential_in_same_project``
    allows it; else ``None`` (confidential evidence is a link and "(confidential)" only)."""
    if target.confidential and config.digest.show_confidential_in_same_project:
        return target.project
    return None


class Targets:
    """Finds (and, in project mode, opens) the issue each person's digest goes to.

    Answers are kept for the life of the object, one run: the bot's user (``GET /user``), each
    located target, and each project's list of the bot's issues.
    """

    def __init__(self, config: Config, client: GitLabClient) -> None:
        self.config = config
        self.client = client
        self._bot: BotUser | None = None
        self._located: dict[str, Target] = {}
        self._issues: dict[str, dict[str, dict[str, Any]]] = {}

    def bot(self) -> BotUser:
        """The bot's own account, asked for once."""
        if self._bot is None:
            me = self.client.get("/user")
            if not isinstance(me, dict) or not isinstance(me.get("id"), int):
                raise TargetError("GitLab did not say who the token belongs to (GET /user)")
            self._bot = BotUser(me["id"], str(me.get("username") or ""))
        return self._bot

    def locate(self, person: Person) -> Target:
        """Where ``person``'s digest goes, as GitLab has it now; raises :class:`TargetError`."""
        key = person.username.lower()
        if key not in self._located:
            self._located[key] = self._locate(person)
        return self._located[key]

    def _locate(self, person: Person) -> Target:
        ref = person.digest_issue_ref
        if ref is not None:
            project, iid = ref
            try:
                issue = self.client.get(f"{project_path(project)}/issues/{iid}")
            except GitLabNotFound:
                raise TargetError(f"{project}#{iid} does not exist or I cannot see it") from None
            return _target(project, issue, opened_by_bot=False)
        digest = self.config.digest
        if digest.post_to != "project" or digest.project is None:
            raise NoDestination(
                f"{person.username} has no people[].digest_issue and [digest] post_to is "
                '"issue": set one, or post_to = "project"'
            )
        found = self._bot_issues(digest.project).get(person.username.lower())
        if found is None:
            return Target(digest.project, None, digest.confidential_issues, opened_by_bot=True)
        return _target(digest.project, found, opened_by_bot=True)

    def open_issue(self, person: Person, before_post: Callable[[], None]) -> Target:
        """The bot's issue for ``person`` in ``[digest] project``: found by its marker if it is
        there by now (the lists are read again), else opened. Call it only while holding the
        person's issue claim; ``before_post`` runs just before the POST (pacing)."""
        project = self.config.digest.project
        assert project is not None
        self._issues.pop(project, None)
        found = self._bot_issues(project).get(person.username.lower())
        if found is None:
            before_post()
            found = self.client.post(
                f"{project_path(project)}/issues",
                {
                    "title": f"Evidence digest for {person.username}",
                    "description": _issue_description(person.username),
                    "confidential": self.config.digest.confidential_issues,
                },
            )
            if not isinstance(found, dict) or not isinstance(found.get("iid"), int):
                raise TargetError(f"GitLab did not say which issue it opened in {project}")
            self._issues[project][person.username.lower()] = found
        target = _target(project, found, opened_by_bot=True)
        self._located[person.username.lower()] = target
        return target

    def _bot_issues(self, project: str) -> dict[str, dict[str, Any]]:
        """The bot's digest issues in ``project`` by person (lower case): the oldest one for
        each, should there ever be two."""
        if project not in self._issues:
            by_person: dict[str, dict[str, Any]] = {}
            params = {"author_id": self.bot().id, "order_by": "created_at", "sort": "asc"}
            try:
                for page in self.client.pages(f"{project_path(project)}/issues", params):
                    for issue in page.items:
                        found = _ISSUE_MARKER.search(str(issue.get("description") or ""))
                        if found:
                            by_person.setdefault(found[1].lower(), issue)
            except GitLabNotFound:
                raise TargetError(
                    f"the project {project} ([digest] project) does not exist or I cannot see it"
                ) from None
            self._issues[project] = by_person
        return self._issues[project]


def _target(project: str, issue: Any, *, opened_by_bot: bool) -> Target:
    if not isinstance(issue, dict) or not isinstance(issue.get("iid"), int):
        raise TargetError(f"GitLab answered with something that is not an issue of {project}")
    return Target(
        project=project,
        iid=issue["iid"],
        confidential=bool(issue.get("confidential")),
        web_url=issue.get("web_url") if isinstance(issue.get("web_url"), str) else None,
        opened_by_bot=opened_by_bot,
    )


def _issue_description(username: str) -> str:
    # Plain words only: a username is letters, digits and "_.-", never a mention without "@".
    return (
        f"{issue_marker(username)}\n"
        f"Every week ladder-bot adds the evidence digest for {username} here as a comment: "
        "the work on GitLab that shows expectations of the career ladder, each with a link and "
        "the reasons it counts. Running again updates that week's comment; nothing here is a "
        "score or a comparison.\n"
    )
