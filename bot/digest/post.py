"""Posting weekly digests to GitLab: exactly one note per person and week.

Every digest starts with a hidden marker, ``<!-- ladder-bot:digest person=alice
week=2026-W47 -->``. To post one, ladder-bot

1. finds the destination issue (:mod:`bot.digest.targets`), and in project mode opens the
   person's issue if there is none yet;
2. claims ``(person, week)`` in ``digest_posts`` in a committed transaction of its own
   (:mod:`bot.digest.claims`); a run that cannot claim skips that person;
3. lists every note of the issue (all pages) and looks for a note written by its own account
   (``GET /user``) that carries the marker: same body, nothing to do; another body, it edits
   that note in place (PUT); no such note, it posts one (POST);
4. records the note in ``digest_posts`` and lets go of the claim.

So running again edits instead of posting twice; a run that dies between posting and recording
leaves a claim that goes stale after 15 minutes, and the next run finds the note by its marker
and edits it; two runs at once cannot both hold the claim. A POST that got no clear answer
(a 5xx, a timeout) is never simply repeated: the notes are listed again first.

Creating notes is paced by ``[digest] max_posts_per_minute``, and a 429 from GitLab's
note-creation limit is waited out by the client. Outcomes are one line per person, in the first
person: "I couldn't post the weekly digest for bob (2026-W47): acme/growth#12 does not exist or
I cannot see it".
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy.orm import Session, sessionmaker

from bot.config import Config, Person
from bot.digest import claims
from bot.digest.targets import NoDestination, Target, TargetError, Targets
from bot.digest.weeks import IsoWeek
from bot.errors import BotError
from bot.sync.client import (
    GitLabAuthError,
    GitLabClient,
    GitLabError,
    GitLabNotFound,
    GitLabWriteUncertain,
)

if TYPE_CHECKING:
    from bot.ladder import Ladder

__all__ = [
    "Action",
    "PostOutcome",
    "digest_marker",
    "post_digests",
    "post_due_digests",
]

Action = Literal["posted", "edited", "unchanged", "skipped", "failed"]

_DIGEST_MARKER = re.compile(
    r"<!-- ladder-bot:digest person=([A-Za-z0-9_.-]+) week=([0-9]{4}-W[0-9]{2}) -->"
)
PACING_WINDOW_S = 60.0
# A POST without a clear answer is followed by a fresh look at the notes, then maybe a new POST.
POST_ATTEMPTS = 3


def digest_marker(username: str, week: IsoWeek | str) -> str:
    """The hidden first line of ``username``'s digest for ``week``."""
    return f"<!-- ladder-bot:digest person={username} week={week} -->"


@dataclass(frozen=True)
class PostOutcome:
    """What happened to one person's digest, with a one-line ``message`` in the first person.

    With ``dry_run``, ``action`` is what would have happened and nothing was written.
    """

    person: Person
    week: IsoWeek
    action: Action
    url: str | None
    message: str
    dry_run: bool = False

    def line(self) -> str:
        """``message``, with the note's link after it when there is one."""
        if self.url and self.url not in self.message:
            return f"{self.message}: {self.url}"
        return self.message


def post_digests(
    config: Config,
    sessions: sessionmaker[Session],
    client: GitLabClient,
    digests: Sequence[tuple[Person, IsoWeek, str | Callable[[Target], str]]],
    now: datetime,
    *,
    dry_run: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> list[PostOutcome]:
    """Post (or edit in place) each ``(person, week, markdown)``; one outcome each, in order.

    The Markdown may also be a function that renders it for the destination it is given
    (whether a :class:`~bot.digest.targets.Target` is confidential decides what a digest may
    show); it is called once the destination is known. A body without its marker gets it as
    its first line. A failure for one person is their
    outcome, and the others are still posted. With ``dry_run`` GitLab is only read and the
    store is not touched. ``sleep`` and ``monotonic`` serve the pacing of new notes.
    """
    poster = _Poster(
        config, sessions, client, now, dry_run=dry_run, sleep=sleep, monotonic=monotonic
    )
    return [poster.post(person, week, body) for person, week, body in digests]


def post_due_digests(
    config: Config,
    sessions: sessionmaker[Session],
    client: GitLabClient,
    ladder: Ladder,
    now: datetime,
    *,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> list[PostOutcome]:
    """Post the digests of the last complete week (in the configured timezone) that are not
    posted yet: every ``[[people]]`` entry that has not opted out, in the file's order.

    Each digest is built from the store and rendered for its destination: confidential evidence
    is shown in full only on a confidential issue of its own project, when the config allows
    it. Used by ``ladder-bot run`` and ``run --once``.
    """
    from bot.digest.weeks import last_complete

    week = last_complete(now, config.timezone)
    done = claims.posted_people(sessions, str(week))
    poster = _Poster(config, sessions, client, now, dry_run=False, sleep=sleep, monotonic=monotonic)
    outcomes: list[PostOutcome] = []
    for person in config.people:
        if config.opted_out(person.username) or person.username.lower() in done:
            continue
        outcomes.append(
            poster.post(person, week, _renderer(config, sessions, ladder, person, week, now))
        )
    return outcomes


def _renderer(
    config: Config,
    sessions: sessionmaker[Session],
    ladder: Ladder,
    person: Person,
    week: IsoWeek,
    now: datetime,
) -> Callable[[Target], str]:
    """The person's digest, built and rendered once its destination is known."""

    def render(target: Target) -> str:
        from bot.digest.build import build_digest
        from bot.digest.render import render_digest
        from bot.digest.targets import confidential_project

        with sessions() as session:
            digest = build_digest(session, ladder, person, week, config.timezone, now)
        shown_in = confidential_project(config, target)
        return render_digest(digest, redact_confidential=shown_in is None, same_project=shown_in)

    return render


# -- one run -----------------------------------------------------------------------------------


class _Busy(Exception):
    """Another run holds a claim this one needs: skip the person."""


class _Pacer:
    """At most ``per_minute`` new notes and issues in any 60 seconds (0: no limit)."""

    def __init__(
        self, per_minute: int, sleep: Callable[[float], None], monotonic: Callable[[], float]
    ) -> None:
        self.per_minute = per_minute
        self.sleep = sleep
        self.monotonic = monotonic
        self.sent: deque[float] = deque()

    def __call__(self) -> None:
        if not self.per_minute:
            return
        now = self.monotonic()
        while self.sent and self.sent[0] + PACING_WINDOW_S <= now:
            self.sent.popleft()
        if len(self.sent) >= self.per_minute:
            ready = self.sent[0] + PACING_WINDOW_S
            self.sleep(ready - now)
            now = max(self.monotonic(), ready)
            while self.sent and self.sent[0] + PACING_WINDOW_S <= now:
                self.sent.popleft()
        self.sent.append(now)


class _Poster:
    def __init__(
        self,
        config: Config,
        sessions: sessionmaker[Session],
        client: GitLabClient,
        now: datetime,
        *,
        dry_run: bool,
        sleep: Callable[[float], None],
        monotonic: Callable[[], float],
    ) -> None:
        self.config = config
        self.sessions = sessions
        self.client = client
        self.now = now
        self.dry_run = dry_run
        self.targets = Targets(config, client)
        self.pace = _Pacer(config.digest.max_posts_per_minute, sleep, monotonic)
        self.owner = claims.new_owner()
        self._monotonic = monotonic
        self._started = monotonic()

    def moment(self) -> datetime:
        """``now`` moved on by the time this run has taken: claims made late in a long run
        must not look older than they are."""
        return self.now + timedelta(seconds=max(self._monotonic() - self._started, 0.0))

    # -- one person

    def post(
        self, person: Person, week: IsoWeek, body: str | Callable[[Target], str]
    ) -> PostOutcome:
        name = person.username
        digest = f"the weekly digest for {name} ({week})"

        def outcome(action: Action, message: str, url: str | None = None) -> PostOutcome:
            return PostOutcome(person, week, action, url, message, self.dry_run)

        if self.config.opted_out(name):
            return outcome("skipped", f"I skipped {digest}: {name} opted out ([privacy] opt_out)")
        target: Target | None = None
        try:
            target = self.targets.locate(person)
            text = _with_marker(body if isinstance(body, str) else body(target), person, week)
        except NoDestination as exc:
            return outcome("skipped", f"I skipped {digest}: {exc}")
        except BotError as exc:
            return outcome("failed", f"I couldn't post {digest}: {_reason(exc, target)}")
        if self.dry_run:
            try:
                return self._dry_run(person, week, text, target, outcome, digest)
            except BotError as exc:
                return outcome("failed", f"I couldn't post {digest}: {_reason(exc, target)}")
        held = claims.claim(
            self.sessions, name, str(week), target.ref, owner=self.owner, now=self.moment()
        )
        if held is None:
            return outcome("skipped", f"I skipped {digest}: another run is posting it right now")
        try:
            if target.iid is None:
                target = self._open_issue(person)
            action, note = self._write(person, week, text, target)
        except _Busy as exc:
            claims.release(self.sessions, held)
            return outcome("skipped", f"I skipped {digest}: {exc}")
        except BotError as exc:
            claims.release(self.sessions, held)
            return outcome("failed", f"I couldn't post {digest}: {_reason(exc, target)}")
        except Exception:
            claims.release(self.sessions, held)
            raise
        note_id = note.get("id") if isinstance(note.get("id"), int) else None
        url = target.note_url(note_id) if note_id is not None else target.web_url
        claims.finish(
            self.sessions,
            held,
            destination=target.ref,
            note_id=note_id,
            url=url,
            body_sha256=hashlib.sha256(text.encode()).hexdigest(),
            now=self.moment(),
        )
        where = f"on {target.ref}"
        if action == "posted":
            return outcome(action, f"I posted {digest} {where}", url)
        if action == "edited":
            return outcome(action, f"I updated {digest} {where} in place", url)
        return outcome(action, f"I left {digest} {where} as it was: it is up to date", url)

    def _write(
        self, person: Person, week: IsoWeek, text: str, target: Target
    ) -> tuple[Action, dict[str, Any]]:
        """Edit the marked note, leave it, or post a new one; under the claim."""
        uncertain = False
        for attempt in range(1, POST_ATTEMPTS + 1):
            note = self._find_note(person, week, target)
            if note is not None:
                if _same_text(str(note.get("body") or ""), text):
                    # Found after a POST without a clear answer: that POST made it.
                    return ("posted" if uncertain else "unchanged"), note
                edited = self.client.put(f"{target.notes_path}/{note['id']}", {"body": text})
                return "edited", edited if isinstance(edited, dict) else note
            self.pace()
            try:
                created = self.client.post(target.notes_path, {"body": text})
            except GitLabWriteUncertain:
                if attempt == POST_ATTEMPTS:
                    raise
                uncertain = True
                continue  # it may be there after all: look again before posting again
            if not isinstance(created, dict) or not isinstance(created.get("id"), int):
                raise GitLabError(f"GitLab did not say which note it created on {target.ref}")
            return "posted", created
        raise AssertionError("unreachable")  # pragma: no cover

    def _find_note(self, person: Person, week: IsoWeek, target: Target) -> dict[str, Any] | None:
        """The oldest note on ``target`` by the bot's own account that carries the marker."""
        bot = self.targets.bot()
        want = (person.username.lower(), str(week))
        params = {"sort": "asc", "order_by": "created_at"}
        for page in self.client.pages(target.notes_path, params):
            for note in page.items:
                author = note.get("author") or {}
                if note.get("system") or author.get("id") != bot.id:
                    continue
                body = str(note.get("body") or "")
                if any((m[1].lower(), m[2]) == want for m in _DIGEST_MARKER.finditer(body)):
                    return note
        return None

    def _open_issue(self, person: Person) -> Target:
        """The person's issue in ``[digest] project``, opened under its own claim."""
        project = self.config.digest.project
        held = claims.claim(
            self.sessions,
            person.username,
            claims.ISSUE_WEEK,
            f"{project}",
            owner=self.owner,
            now=self.moment(),
        )
        if held is None:
            raise _Busy(f"another run is opening {person.username}'s digest issue in {project}")
        try:
            target = self.targets.open_issue(person, self.pace)
        except Exception:
            claims.release(self.sessions, held)
            raise
        claims.finish(
            self.sessions,
            held,
            destination=target.ref,
            note_id=None,
            url=target.web_url,
            body_sha256=None,
            now=self.moment(),
        )
        return target

    def _dry_run(
        self,
        person: Person,
        week: IsoWeek,
        text: str,
        target: Target,
        outcome: Callable[..., PostOutcome],
        digest: str,
    ) -> PostOutcome:
        if target.iid is None:
            return outcome(
                "posted", f"I would open {target.ref} for {person.username} and post {digest} there"
            )
        note = self._find_note(person, week, target)
        if note is None:
            return outcome("posted", f"I would post {digest} on {target.ref}")
        url = target.note_url(note["id"]) if isinstance(note.get("id"), int) else None
        if _same_text(str(note.get("body") or ""), text):
            return outcome(
                "unchanged",
                f"I would leave {digest} on {target.ref} as it is: it is up to date",
                url,
            )
        return outcome("edited", f"I would update {digest} on {target.ref} in place", url)


def _with_marker(body: str, person: Person, week: IsoWeek) -> str:
    """``body`` with its marker line first; a body marked for someone else is a mistake."""
    want = (person.username.lower(), str(week))
    found = [(m[1].lower(), m[2]) for m in _DIGEST_MARKER.finditer(body)]
    if not found:
        return f"{digest_marker(person.username, week)}\n{body}"
    if any(mark != want for mark in found):
        raise BotError(
            f"the digest text carries the marker of another person or week "
            f"(expected {digest_marker(person.username, week)})"
        )
    return body


def _same_text(stored: str, text: str) -> bool:
    """Whether GitLab already holds ``text`` (it keeps line endings and edges its own way)."""
    return stored.replace("\r\n", "\n").strip() == text.replace("\r\n", "\n").strip()


def _reason(exc: BotError, target: Target | None) -> str:
    """Why posting failed, in plain words that name the issue when there is one."""
    if isinstance(exc, TargetError) or target is None:
        return str(exc)
    if isinstance(exc, GitLabNotFound):
        return f"{target.ref} does not exist or I cannot see it"
    if isinstance(exc, GitLabAuthError):
        if exc.status == 403:
            return (
                f"GitLab does not let me write to {target.ref} (403 Forbidden): the token needs "
                f"the api scope and access to {target.project}"
            )
        return str(exc)
    return str(exc)
