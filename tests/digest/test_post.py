"""Posting digests to the offline GitLab: exactly one note per person and week.

The bot posts as its own account, ``ladder-bot``, a bot user with Reporter access to the group
``acme``. Time is virtual: the client's and the poster's ``sleep`` move the offline GitLab's
clock, so rate-limit windows pass without waiting.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Config, DigestSettings, GitLabSettings, Person, Watch
from bot.digest import claims
from bot.digest.post import PostOutcome, digest_marker, post_digests
from bot.digest.targets import Targets, issue_marker
from bot.digest.weeks import IsoWeek
from bot.fakelab.model import Issue
from bot.fakelab.server import FakeGitLab
from bot.store import db, models
from bot.sync.client import GitLabClient, GitLabWriteUncertain
from tests.conftest import ADMIN_TOKEN, ALICE

BOT_TOKEN = "glpat-ladder-bot-000000"
BOT_ID = 20
START = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # a Monday: the digests of 2026-W46 go out
W45, W46 = IsoWeek(2026, 45), IsoWeek(2026, 46)
ALICE_P = Person("alice", 3, "acme/backend#1")
BOB_P = Person("bob", 4, "acme/backend#3")


def body(person: Person, week: IsoWeek, text: str = "hello") -> str:
    return f"{digest_marker(person.username, week)}\n{text}\n"


# -- the offline GitLab, with a bot account and a clock that sleeping moves -----------------------


@dataclass
class Clock:
    """The offline GitLab's clock and the client's: ``sleep`` moves both, and records."""

    now: datetime = START
    mono: float = 1000.0
    sleeps: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.sleeps.append(seconds)
            self.now += timedelta(seconds=seconds)
            self.mono += seconds

    def monotonic(self) -> float:
        return self.mono

    def unix(self) -> float:
        return self.now.timestamp()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bot_fake(small_data: dict[str, Any], clock: Clock) -> Iterator[FakeGitLab]:
    data = copy.deepcopy(small_data)
    data["users"].append(
        {"id": BOT_ID, "username": "ladder-bot", "name": "Ladder Bot", "bot": True}
    )
    data["tokens"].append({"token": BOT_TOKEN, "username": "ladder-bot"})
    acme = next(g for g in data["groups"] if g["group"]["path"] == "acme")
    acme["members"].append({"id": BOT_ID, "access_level": 20})  # Reporter
    with FakeGitLab(data, admin_token=ADMIN_TOKEN, clock=clock) as server:
        yield server


@pytest.fixture
def store(database_url: str) -> Iterator[Any]:
    engine = db.make_engine(database_url)
    db.ensure_current(engine)
    yield db.session_factory(engine)
    engine.dispose()


def make_client(fake: FakeGitLab, clock: Clock, token: str = BOT_TOKEN) -> GitLabClient:
    return GitLabClient(
        fake.url,
        token,
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        clock=clock.unix,
        max_per_minute=0,
    )


@pytest.fixture
def client(bot_fake: FakeGitLab, clock: Clock) -> Iterator[GitLabClient]:
    client = make_client(bot_fake, clock)
    yield client
    client.close()


def config_for(
    fake: FakeGitLab, database_url: str = "sqlite://", *people: Person, **digest: Any
) -> Config:
    return Config(
        path=Path("/nowhere/config.toml"),
        gitlab=GitLabSettings(url=fake.url, token_env="GITLAB_TOKEN", token_file=None),
        watch=Watch(groups=("acme",)),
        database_url=database_url,
        people=people or (ALICE_P, BOB_P),
        digest=DigestSettings(**digest),
    )


def post(
    config: Config,
    sessions: Any,
    client: GitLabClient,
    clock: Clock,
    digests: list[tuple[Person, IsoWeek, str]],
    **kwargs: Any,
) -> list[PostOutcome]:
    return post_digests(
        config,
        sessions,
        client,
        digests,
        clock.now,
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        **kwargs,
    )


def issue(fake: FakeGitLab, ref: str) -> Issue:
    project, _, iid = ref.rpartition("#")
    found = fake.state.project(project)
    assert found is not None
    item = found.issues[int(iid)]
    assert isinstance(item, Issue)
    return item


def bot_notes(fake: FakeGitLab, ref: str) -> list[str]:
    """The bodies of the bot's notes on ``ref``, oldest first."""
    return [n.data["body"] for n in issue(fake, ref).notes if n.data["author"] == BOT_ID]


def rows(sessions: Any) -> dict[tuple[str, str], tuple[Any, ...]]:
    with sessions() as session:
        return {
            (r.person, r.week): (r.state, r.destination, r.note_id, r.url)
            for r in session.scalars(select(models.DigestPost))
        }


def no_side_effects(fake: FakeGitLab) -> None:
    """The bot's notes ran no quick action and notified nobody."""
    assert fake.actions() == []
    assert fake.notifications() == []


# -- posting, editing in place, leaving alone ----------------------------------------------------


def test_posts_once_then_edits_in_place_then_leaves_it_alone(
    bot_fake: FakeGitLab, client: GitLabClient, clock: Clock, store: Any, database_url: str
) -> None:
    config = config_for(bot_fake, database_url)
    first = post(config, store, client, clock, [(ALICE_P, W46, body(ALICE_P, W46, "first"))])
    [outcome] = first
    assert outcome.action == "posted"
    note_id = issue(bot_fake, "acme/backend#1").notes[-1].id
    url = f"{bot_fake.url}/acme/backend/-/issues/1#note_{note_id}"
    assert outcome.url == url
    assert (
        outcome.line()
        == f"I posted the weekly digest for alice (2026-W46) on acme/backend#1: {url}"
    )
    assert bot_notes(bot_fake, "acme/backend#1") == [body(ALICE_P, W46, "first")]
    assert rows(store) == {("alice", "2026-W46"): ("posted", "acme/backend#1", note_id, url)}

    clock.sleep(3600)
    [again] = post(config, store, client, clock, [(ALICE_P, W46, body(ALICE_P, W46, "second"))])
    assert (again.action, again.url) == ("edited", url)
    assert again.line() == (
        f"I updated the weekly digest for alice (2026-W46) on acme/backend#1 in place: {url}"
    )
    assert bot_notes(bot_fake, "acme/backend#1") == [body(ALICE_P, W46, "second")]

    [same] = post(config, store, client, clock, [(ALICE_P, W46, body(ALICE_P, W46, "second"))])
    assert (same.action, same.url) == ("unchanged", url)
    assert same.line() == (
        "I left the weekly digest for alice (2026-W46) on acme/backend#1 as it was: it is up to "
        f"date: {url}"
    )
    assert bot_notes(bot_fake, "acme/backend#1") == [body(ALICE_P, W46, "second")]
    assert rows(store) == {("alice", "2026-W46"): ("posted", "acme/backend#1", note_id, url)}
    no_side_effects(bot_fake)


def test_each_week_has_its_own_note_and_a_body_without_marker_gets_one(
    bot_fake: FakeGitLab, client: GitLabClient, clock: Clock, store: Any
) -> None:
    config = config_for(bot_fake)
    outcomes = post(
        config,
        store,
        client,
        clock,
        [(ALICE_P, W45, "week 45"), (ALICE_P, W46, body(ALICE_P, W46, "week 46"))],
    )
    assert [o.action for o in outcomes] == ["posted", "posted"]
    assert bot_notes(bot_fake, "acme/backend#1") == [
        f"{digest_marker('alice', W45)}\nweek 45",
        body(ALICE_P, W46, "week 46"),
    ]
    [edited] = post(config, store, client, clock, [(ALICE_P, W45, "week 45, again")])
    assert edited.action == "edited"
    assert bot_notes(bot_fake, "acme/backend#1")[0].endswith("week 45, again")


def test_a_body_marked_for_someone_else_is_refused(
    bot_fake: FakeGitLab, client: GitLabClient, clock: Clock, store: Any
) -> None:
    [outcome] = post(config_for(bot_fake), store, client, clock, [(ALICE_P, W46, body(BOB_P, W46))])
    assert outcome.action == "failed"
    assert outcome.line().startswith(
        "I couldn't post the weekly digest for alice (2026-W46): the digest text carries the "
        "marker of another person or week"
    )
    assert bot_notes(bot_fake, "acme/backend#1") == []


def test_a_marked_note_by_someone_else_is_not_the_bots(
    bot_fake: FakeGitLab, client: GitLabClient, clock: Clock, store: Any
) -> None:
    """Anyone can paste the marker into a comment; only the bot's own note counts."""
    with make_client(bot_fake, clock, ALICE) as alice:
        alice.post("/projects/acme%2Fbackend/issues/1/notes", {"body": body(ALICE_P, W46, "mine")})
    [outcome] = post(
        config_for(bot_fake), store, client, clock, [(ALICE_P, W46, body(ALICE_P, W46))]
    )
    assert outcome.action == "posted"
    assert bot_notes(bot_fake, "acme/backend#1") == [body(ALICE_P, W46)]
    marked = [n for n in issue(bot_fake, "acme/backend#1").notes if "W46" in n.data["body"]]
    assert len(marked) == 2


def test_notes_are_found_on_any_page(
    bot_fake: FakeGitLab, client: GitLabClient, clock: Clock, store: Any
) -> None:
    config = config_for(bot_fake)
    post(config, store, client, clock, [(ALICE_P, W46, body(ALICE_P, W46, "first"))])
    with make_client(bot_fake, clock, ALICE) as alice:
        for number in range(130):  # the bot's note is now on the first of two pages of 100
            alice.post("/projects/acme%2Fbackend/issues/1/notes", {"body": f"comment {number}"})
    [outcome] = post(config, store, client, clock, [(ALICE_P, W46, body(ALICE_P, W46, "second"))])
    assert outcome.action == "edited"
    assert bot_notes(bot_fake, "acme/backend#1") == [body(ALICE_P, W46, "second")]


# -- a crash between posting and recording --------------------------------------------------------


class Crash(BaseException):
    """The process dying: nothing in the poster catches it."""


class CrashAfterPost:
    """A client that dies right after GitLab accepted a POST, before anything is recorded."""

    def __init__(self, client: GitLabClient) -> None:
        self.client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def post(self, path: str, data: Any) -> Any:
        self.client.post(path, data)
        raise Crash()


def test_a_crash_between_posting_and_recording_never_yields_a_second_note(
    bot_fake: FakeGitLab, client: GitLabClient, clock: Clock, store: Any, database_url: str
) -> None:
    config = config_for(bot_fake, database_url)
    crashing: Any = CrashAfterPost(client)
    with pytest.raises(Crash):
        post(config, store, crashing, clock, [(ALICE_P, W46, body(ALICE_P, W46, "first"))])
    assert bot_notes(bot_fake, "acme/backend#1") == [body(ALICE_P, W46, "first")]
    [(state, *_)] = rows(store).values()
    assert state == "claimed"

    # Within 15 minutes the claim may still be a live run's: skip.
    clock.sleep(60)
    [busy] = post(config, store, client, clock, [(ALICE_P, W46, body(ALICE_P, W46, "second"))])
    assert busy.action == "skipped"
    assert busy.line() == (
        "I skipped the weekly digest for alice (2026-W46): another run is posting it right now"
    )

    # Later the claim is stale: taken over, the note found by its marker and edited in place.
    clock.sleep(15 * 60)
    [outcome] = post(config, store, client, clock, [(ALICE_P, W46, body(ALICE_P, W46, "second"))])
    assert outcome.action == "edited"
    assert bot_notes(bot_fake, "acme/backend#1") == [body(ALICE_P, W46, "second")]
    note_id = issue(bot_fake, "acme/backend#1").notes[-1].id
    assert rows(store)[("alice", "2026-W46")][:3] == ("posted", "acme/backend#1", note_id)


class UncertainPost:
    """A POST that reached GitLab, but whose answer was lost (a proxy's 502, a timeout)."""

    def __init__(self, client: GitLabClient, *, reach: bool) -> None:
        self.client = client
        self.reach = reach
        self.posts = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def post(self, path: str, data: Any) -> Any:
        self.posts += 1
        if self.posts == 1:
            if self.reach:
                self.client.post(path, data)
            raise GitLabWriteUncertain("POST", path, "502 Bad Gateway")
        return self.client.post(path, data)


@pytest.mark.parametrize("reach", [True, False], ids=["note created", "note not created"])
def test_a_post_without_a_clear_answer_is_checked_before_posting_again(
    bot_fake: FakeGitLab, client: GitLabClient, clock: Clock, store: Any, reach: bool
) -> None:
    flaky: Any = UncertainPost(client, reach=reach)
    [outcome] = post(
        config_for(bot_fake), store, flaky, clock, [(ALICE_P, W46, body(ALICE_P, W46))]
    )
    assert outcome.action == "posted"
    assert flaky.posts == (1 if reach else 2)
    assert bot_notes(bot_fake, "acme/backend#1") == [body(ALICE_P, W46)]
    assert rows(store)[("alice", "2026-W46")][0] == "posted"


# -- two runs at once -----------------------------------------------------------------------------


def test_two_runs_at_once_post_one_note(
    bot_fake: FakeGitLab, clock: Clock, database_url: str
) -> None:
    """Two posters with their own database connections and clients, started together, for
    several weeks in turn: each week has exactly one note."""
    bot_fake.set_faults(latency_ms=20)  # widen the window between looking and posting
    config = config_for(bot_fake, database_url)
    weeks = [IsoWeek(2026, w) for w in range(40, 46)]
    engines = [db.make_engine(database_url) for _ in range(2)]
    db.ensure_current(engines[0])
    results: list[list[PostOutcome]] = [[], []]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run(index: int) -> None:
        sessions = db.session_factory(engines[index])
        with make_client(bot_fake, clock) as own:
            for week in weeks:
                try:
                    barrier.wait(timeout=10)
                    results[index] += post_digests(
                        config, sessions, own, [(ALICE_P, week, body(ALICE_P, week))], clock.now
                    )
                except BaseException as exc:  # reported below, in the test's thread
                    errors.append(exc)
                    return

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for engine in engines:
        engine.dispose()
    assert errors == []
    assert sorted(bot_notes(bot_fake, "acme/backend#1")) == sorted(
        body(ALICE_P, week) for week in weeks
    )
    for first, second in zip(*results, strict=True):
        actions = {first.action, second.action}
        assert "posted" in actions and actions <= {"posted", "skipped", "unchanged"}, actions


def test_claims_race_in_the_database(store: Any) -> None:
    """Only one of many claimants wins a fresh row, and only one takes over a stale one."""
    now = START
    owners = [claims.new_owner() for _ in range(6)]
    won = [claims.claim(store, "Alice", "2026-W46", "a/b#1", owner=o, now=now) for o in owners]
    assert [held is not None for held in won] == [True, False, False, False, False, False]
    later = now + claims.STALE_AFTER + timedelta(seconds=1)
    taken = [claims.claim(store, "alice", "2026-W46", "a/b#1", owner=o, now=later) for o in owners]
    assert sum(held is not None for held in taken) == 1
    held = next(h for h in taken if h is not None)
    assert held.previous is not None and not held.posted_before
    claims.release(store, held)
    assert rows(store) == {}


# -- where the digest goes ------------------------------------------------------------------------


def test_a_missing_destination_is_one_concrete_line_and_the_others_still_go_out(
    bot_fake: FakeGitLab, client: GitLabClient, clock: Clock, store: Any
) -> None:
    carol = Person("carol", 2, "acme/backend#99")
    dave = Person("dave", 2, "acme/secret#1")
    erin = Person("erin", 2)
    config = config_for(bot_fake, "sqlite://", ALICE_P, carol, dave, erin, BOB_P)
    outcomes = post(
        config,
        store,
        client,
        clock,
        [(p, W46, body(p, W46)) for p in (ALICE_P, carol, dave, erin, BOB_P)],
    )
    assert [o.line().split(":")[0] for o in outcomes] == [
        "I posted the weekly digest for alice (2026-W46) on acme/backend#1",
        "I couldn't post the weekly digest for carol (2026-W46)",
        "I couldn't post the weekly digest for dave (2026-W46)",
        "I skipped the weekly digest for erin (2026-W46)",
        "I posted the weekly digest for bob (2026-W46) on acme/backend#3",
    ]
    assert [o.action for o in outcomes] == ["posted", "failed", "failed", "skipped", "posted"]
    assert outcomes[1].line() == (
        "I couldn't post the weekly digest for carol (2026-W46): acme/backend#99 does not exist "
        "or I cannot see it"
    )
    assert outcomes[2].line() == (
        "I couldn't post the weekly digest for dave (2026-W46): acme/secret#1 does not exist or "
        "I cannot see it"
    )
    assert outcomes[3].line() == (
        "I skipped the weekly digest for erin (2026-W46): erin has no people[].digest_issue and "
        '[digest] post_to is "issue": set one, or post_to = "project"'
    )
    assert set(rows(store)) == {("alice", "2026-W46"), ("bob", "2026-W46")}
    # Who the bot is was asked once for the whole run.
    assert [r["path"] for r in bot_fake.requests()].count("/api/v4/user") == 1


def test_a_person_who_opted_out_is_never_posted(
    bot_fake: FakeGitLab, client: GitLabClient, clock: Clock, store: Any
) -> None:
    config = config_for(bot_fake)
    config = dataclasses.replace(config, opt_out=frozenset({"alice"}))
    [outcome] = post(config, store, client, clock, [(ALICE_P, W46, body(ALICE_P, W46))])
    assert outcome.action == "skipped"
    assert outcome.line() == (
        "I skipped the weekly digest for alice (2026-W46): alice opted out ([privacy] opt_out)"
    )
    assert bot_notes(bot_fake, "acme/backend#1") == [] and rows(store) == {}


def test_a_refusal_to_comment_names_the_issue(
    bot_fake: FakeGitLab, clock: Clock, store: Any
) -> None:
    """gina is a Guest of acme/backend: she may read issue 1 but not its locked discussion."""
    issue(bot_fake, "acme/backend#1").data["discussion_locked"] = True
    with make_client(bot_fake, clock, "glpat-gina-0000000000") as gina:
        [outcome] = post(
            config_for(bot_fake), store, gina, clock, [(ALICE_P, W46, body(ALICE_P, W46))]
        )
    assert outcome.action == "failed"
    assert outcome.line() == (
        "I couldn't post the weekly digest for alice (2026-W46): GitLab does not let me write to "
        "acme/backend#1 (403 Forbidden): the token needs the api scope and access to acme/backend"
    )
    assert rows(store) == {}


def test_a_dry_run_reads_but_writes_nothing(
    bot_fake: FakeGitLab, client: GitLabClient, clock: Clock, store: Any
) -> None:
    config = config_for(bot_fake)
    post(config, store, client, clock, [(ALICE_P, W45, body(ALICE_P, W45))])
    before = rows(store)
    writes = len([r for r in bot_fake.requests() if r["method"] != "GET"])
    outcomes = post(
        config,
        store,
        client,
        clock,
        [
            (ALICE_P, W45, body(ALICE_P, W45)),
            (ALICE_P, W46, body(ALICE_P, W46)),
            (BOB_P, W46, body(BOB_P, W46)),
        ],
        dry_run=True,
    )
    assert [(o.action, o.dry_run) for o in outcomes] == [
        ("unchanged", True),
        ("posted", True),
        ("posted", True),
    ]
    assert (
        outcomes[1].line()
        == "I would post the weekly digest for alice (2026-W46) on acme/backend#1"
    )
    assert rows(store) == before
    assert len([r for r in bot_fake.requests() if r["method"] != "GET"]) == writes


# -- one issue per person in a project -------------------------------------------------------------

INFRA = "acme/platform/infra"


def test_project_mode_opens_one_confidential_issue_per_person_across_runs(
    bot_fake: FakeGitLab, client: GitLabClient, clock: Clock, store: Any, database_url: str
) -> None:
    alice, bob = Person("alice", 3), Person("bob", 4)
    config = config_for(bot_fake, database_url, alice, bob, post_to="project", project=INFRA)
    infra = bot_fake.state.project(INFRA)
    assert infra is not None
    existing = set(infra.issues)
    # Someone else's issue carrying bob's marker is not the bot's.
    with make_client(bot_fake, clock, ALICE) as alice_client:
        alice_client.post(
            "/projects/acme%2Fplatform%2Finfra/issues",
            {"title": "Not the bot's", "description": issue_marker("bob")},
        )

    for week in (W45, W46):
        outcomes = post(
            config, store, client, clock, [(p, week, body(p, week)) for p in (alice, bob)]
        )
        assert [o.action for o in outcomes] == ["posted", "posted"], [o.line() for o in outcomes]
    # A new run (new Targets, nothing cached) finds the issues again by their markers.
    again = post(config, store, client, clock, [(p, W46, body(p, W46, "v2")) for p in (alice, bob)])
    assert [o.action for o in again] == ["edited", "edited"]

    opened = [
        i for iid, i in infra.issues.items() if iid not in existing and i.data["author"] == BOT_ID
    ]
    assert sorted(i.data["title"] for i in opened) == [
        "Evidence digest for alice",
        "Evidence digest for bob",
    ]
    assert all(i.data["confidential"] for i in opened)
    for person in (alice, bob):
        [mine] = [i for i in opened if i.data["title"].endswith(person.username)]
        assert mine.data["description"].startswith(issue_marker(person.username) + "\n")
        ref = f"{INFRA}#{mine.iid}"
        assert bot_notes(bot_fake, ref) == [body(person, W45), body(person, W46, "v2")]
        assert rows(store)[(person.username, "issue")][:2] == ("posted", ref)
        assert rows(store)[(person.username, "2026-W46")][:2] == ("posted", ref)
    assert (
        again[0].line().startswith(f"I updated the weekly digest for alice (2026-W46) on {INFRA}#")
    )
    no_side_effects(bot_fake)


def test_project_mode_keeps_a_persons_own_digest_issue_and_reports_a_missing_project(
    bot_fake: FakeGitLab, client: GitLabClient, clock: Clock, store: Any
) -> None:
    carol = Person("carol", 2)
    config = config_for(
        bot_fake, "sqlite://", ALICE_P, carol, post_to="project", project="acme/nope"
    )
    outcomes = post(
        config, store, client, clock, [(p, W46, body(p, W46)) for p in (ALICE_P, carol)]
    )
    assert outcomes[0].action == "posted" and bot_notes(bot_fake, "acme/backend#1")
    assert outcomes[1].line() == (
        "I couldn't post the weekly digest for carol (2026-W46): the project acme/nope "
        "([digest] project) does not exist or I cannot see it"
    )


def test_project_mode_dry_run_opens_nothing(
    bot_fake: FakeGitLab, client: GitLabClient, clock: Clock, store: Any
) -> None:
    carol = Person("carol", 2)
    config = config_for(bot_fake, "sqlite://", carol, post_to="project", project=INFRA)
    [outcome] = post(config, store, client, clock, [(carol, W46, body(carol, W46))], dry_run=True)
    assert outcome.line() == (
        f"I would open a new issue in {INFRA} for carol and post the weekly digest for carol "
        "(2026-W46) there"
    )
    assert [r for r in bot_fake.requests() if r["method"] != "GET"] == []
    assert Targets(config, client).locate(carol).confidential is True


# -- rate limits ----------------------------------------------------------------------------------


def test_a_429_on_note_creation_is_waited_out(
    bot_fake: FakeGitLab, client: GitLabClient, clock: Clock, store: Any
) -> None:
    """GitLab's note-creation limit, at one note a minute: the second POST is refused with
    Retry-After 60, waited out, and sent again."""
    bot_fake.set_faults(notes_per_minute=1)
    config = config_for(bot_fake, max_posts_per_minute=0)
    outcomes = post(
        config, store, client, clock, [(p, W46, body(p, W46)) for p in (ALICE_P, BOB_P)]
    )
    assert [o.action for o in outcomes] == ["posted", "posted"]
    assert clock.sleeps == [60.0]
    assert client.stats().by_status[429] == 1
    assert bot_notes(bot_fake, "acme/backend#1") == [body(ALICE_P, W46)]
    assert bot_notes(bot_fake, "acme/backend#3") == [body(BOB_P, W46)]


def test_new_notes_are_paced(
    bot_fake: FakeGitLab, client: GitLabClient, clock: Clock, store: Any
) -> None:
    config = config_for(bot_fake, max_posts_per_minute=2)
    weeks = [IsoWeek(2026, w) for w in (43, 44, 45, 46, 47)]
    outcomes = post(config, store, client, clock, [(ALICE_P, w, body(ALICE_P, w)) for w in weeks])
    assert [o.action for o in outcomes] == ["posted"] * 5
    assert clock.sleeps == [60.0, 60.0]  # notes 3 and 5 wait for the minute to pass
    # Editing is not creating: no pacing.
    post(config, store, client, clock, [(ALICE_P, w, body(ALICE_P, w, "v2")) for w in weeks])
    assert clock.sleeps == [60.0, 60.0]


# -- the digests that are due, end to end ---------------------------------------------------------


def test_post_due_digests_posts_last_weeks_digests_once(
    bot_fake: FakeGitLab, client: GitLabClient, clock: Clock, database_url: str
) -> None:
    """Sync, match, then the scheduler's step: last week's digest for everyone not posted yet;
    a second run the same week has nothing left to do."""
    from bot.digest.post import post_due_digests
    from bot.evidence import Earners, Matcher, match_evidence
    from bot.ladder import load_ladder
    from bot.rules import load_rules
    from tests.sync.helpers import NOW, Store, sync

    root = Path(__file__).resolve().parents[2]
    ladder = load_ladder(root / "ladder.yaml")
    rules = sorted((root / "tests" / "evidence" / "data" / "rules").glob("*.yaml"))
    ruleset = load_rules(rules, list(ladder.expectations))
    store = Store(database_url)
    try:
        assert sync(bot_fake, store, ADMIN_TOKEN).status == "ok"
        match_evidence(
            store.sessions, Matcher(ruleset, ladder, lambda s: Earners.from_store(s), NOW)
        )
        carol, dave = Person("carol", 2), Person("dave", 2, "acme/backend#1")
        config = dataclasses.replace(
            config_for(bot_fake, database_url, ALICE_P, BOB_P, carol, dave),
            opt_out=frozenset({"dave"}),
        )
        now = NOW  # Friday of 2026-W47: the last complete week is 2026-W46

        def due() -> list[PostOutcome]:
            return post_due_digests(
                config,
                store.sessions,
                client,
                ladder,
                now,
                sleep=clock.sleep,
                monotonic=clock.monotonic,
            )

        first = due()
        assert [(o.person.username, str(o.week), o.action) for o in first] == [
            ("alice", "2026-W46", "posted"),
            ("bob", "2026-W46", "posted"),
            ("carol", "2026-W46", "skipped"),
        ]
        for person, ref in ((ALICE_P, "acme/backend#1"), (BOB_P, "acme/backend#3")):
            [text] = bot_notes(bot_fake, ref)
            assert text.startswith(digest_marker(person.username, W46) + "\n")
            assert "Token leak in logs" not in text  # a confidential issue's title
        assert set(rows(store.sessions)) == {("alice", "2026-W46"), ("bob", "2026-W46")}

        again = due()
        assert [(o.person.username, o.action) for o in again] == [("carol", "skipped")]
        assert len(bot_notes(bot_fake, "acme/backend#1")) == 1
        no_side_effects(bot_fake)
    finally:
        store.close()
