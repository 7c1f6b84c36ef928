"""Diffs fetched by the courier process store exactly what diffs fetched on threads store, under
faults, a budget, a kill, an interrupt and the courier's own death."""

from __future__ import annotations

import copy
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.fakelab.generator import generate
from bot.fakelab.server import FakeGitLab
from bot.store import models
from bot.sync import diffs
from bot.sync.client import GitLabClient, Page
from bot.sync.courier import Courier
from bot.sync.run import SyncFailed, SyncOptions
from tests.conftest import ADMIN_TOKEN
from tests.sync.helpers import NOW, Store, activities, sync

TEAM = generate(people=6, projects=2, weeks=8, seed=5, end=datetime(2026, 11, 16, tzinfo=UTC))
OPTIONS = SyncOptions(groups=("acme",), reconcile_days=0)
REPO = Path(__file__).resolve().parents[2]


def real_clock() -> Callable[[], datetime]:
    """The offline GitLab's clock: NOW, moving in real time, so its rate-limit windows pass
    for a client that waits in real time."""
    started = time.monotonic()
    return lambda: NOW + timedelta(seconds=time.monotonic() - started)


@pytest.fixture
def team() -> Iterator[FakeGitLab]:
    with FakeGitLab(copy.deepcopy(TEAM), admin_token=ADMIN_TOKEN, clock=real_clock()) as fake:
        yield fake


def stored(store: Store) -> tuple[dict[str, str], set[tuple[Any, ...]]]:
    """What a sync leaves: every activity (its links without the server's port, as each test
    has its own server), and every MR's files and the commit they are of."""
    mr = models.MergeRequest
    with store.sessions() as session:
        mrs = session.execute(select(mr.project_id, mr.iid, mr.diffs, mr.diffs_sha)).all()
    found = {
        key: re.sub(r"http://127\.0\.0\.1:\d+", "", json.dumps(value, default=str))
        for key, value in activities(store).items()
    }
    return found, {(p, i, json.dumps(d), s) for p, i, d, s in mrs}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, ...]:
    """What a sync stores with every diff fetched on threads of its own process."""
    with FakeGitLab(copy.deepcopy(TEAM), admin_token=ADMIN_TOKEN, clock=real_clock()) as fake:
        store = Store(f"sqlite:///{tmp_path_factory.mktemp('ref') / 'ref.db'}")
        client = GitLabClient(fake.url, ADMIN_TOKEN, max_per_minute=0)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(diffs, "COURIER_THRESHOLD", 10**9)
            sync(fake, store, ADMIN_TOKEN, options=OPTIONS, client=client)
        found = stored(store)
        store.close()
        paths = [str(entry["path"]) for entry in fake.requests()]
    mrs = sum(len(p["merge_requests"]) for p in TEAM["projects"])
    assert len(found[1]) == mrs > 200
    # Requests before the first diff: the walks before it are sequential, so always as many.
    before_diffs = next(n for n, path in enumerate(paths) if path.endswith("/diffs"))
    return (*found, before_diffs)


class Couriers:
    """Every courier the tests' syncs start, ready before it is given work."""

    def __init__(self) -> None:
        self.started: list[Courier] = []
        self.paths = 0


@pytest.fixture
def couriers(monkeypatch: pytest.MonkeyPatch) -> Couriers:
    seen = Couriers()
    original_init, original_start = Courier.__init__, Courier.start

    def init(self: Courier, client: GitLabClient) -> None:
        original_init(self, client)
        assert self.wait_ready(30), "the courier did not start"
        seen.started.append(self)

    def start(self: Courier, paths: Any) -> Any:
        seen.paths += len(paths)
        return original_start(self, paths)

    monkeypatch.setattr(Courier, "__init__", init)
    monkeypatch.setattr(Courier, "start", start)
    monkeypatch.setattr(diffs, "COURIER_THRESHOLD", 1)
    return seen


def gone(pid: int, within: float = 10.0) -> bool:
    """Whether process ``pid`` exits (or is reaped) within ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


class Watching(GitLabClient):
    """A client that wants to see every page it fetches (as a recorder would)."""

    def page(self, path: str, params: Any = None) -> Page:
        return super().page(path, params)


@pytest.mark.parametrize(
    ("kind", "settings", "diffs_asked", "started"),
    [
        (GitLabClient, {"max_per_minute": 0}, 60, True),
        (GitLabClient, {"max_per_minute": 0}, 10, False),  # a re-sync's few: not worth it
        (GitLabClient, {"max_per_minute": 600}, 60, False),  # paced: the pace decides
        (GitLabClient, {"max_per_minute": 0, "sleep": lambda s: None}, 60, False),  # virtual
        (Watching, {"max_per_minute": 0}, 60, False),  # it would not see the diff requests
    ],
)
def test_the_courier_is_started_only_for_many_unpaced_diffs_in_real_time(
    monkeypatch: pytest.MonkeyPatch,
    kind: type[GitLabClient],
    settings: dict[str, Any],
    diffs_asked: int,
    started: bool,
) -> None:
    couriers: list[GitLabClient] = []

    class Recording:
        CLEAN_WAIT_S = ERROR_WAIT_S = 0.0
        usable = False  # still booting: the threads fetch meanwhile

        def __init__(self, client: GitLabClient) -> None:
            couriers.append(client)

        def close(self, *, wait: float) -> None:
            pass

    monkeypatch.setattr("bot.sync.courier.Courier", Recording)
    monkeypatch.setattr(diffs, "fetch_diffs", lambda client, path: [path])
    client = kind("http://gitlab.test", ADMIN_TOKEN, **settings)

    with diffs.DiffFetcher(client) as fetcher:
        futures = fetcher.start("/projects/7", list(range(1, diffs_asked + 1)))
        assert futures[-1].result() == [f"/projects/7/merge_requests/{diffs_asked}/diffs"]

    assert couriers == ([client] if started else [])


def test_diffs_from_the_courier_store_what_threads_store(
    team: FakeGitLab, tmp_path: Path, reference: tuple[Any, ...], couriers: Couriers
) -> None:
    store = Store(f"sqlite:///{tmp_path / 'courier.db'}")
    client = GitLabClient(team.url, ADMIN_TOKEN, max_per_minute=0)

    result = sync(team, store, ADMIN_TOKEN, options=OPTIONS, client=client)

    assert result.status == "ok"
    assert len(couriers.started) == 1  # one for the run, whatever the number of projects
    assert couriers.paths == len(reference[1])  # every diff went through it
    assert stored(store) == reference[:2]
    assert not any(Path(f"/proc/{c.pid}").exists() for c in couriers.started)
    # Its requests count in the client, exactly: permits it did not use went back.
    assert client.requests == result.summary.requests == len(team.requests())
    store.close()


@pytest.mark.slow  # real waits: a back-off of 50 ms and up, and one-second rate-limit windows
def test_the_courier_rides_out_server_errors_drops_and_rate_limits(
    team: FakeGitLab, tmp_path: Path, reference: tuple[Any, ...], couriers: Couriers
) -> None:
    team.set_faults(seed=3, error_rate=0.08, drop_rate=0.02, rate_limit=80, rate_window_s=1)
    store = Store(f"sqlite:///{tmp_path / 'faults.db'}")
    # The courier is another process, so its waits are real; a tenth of the usual back-off
    # keeps them short (the courier must take the setting over from this client).
    client = GitLabClient(team.url, ADMIN_TOKEN, max_per_minute=0, max_retries=12, backoff_s=0.05)

    result = sync(team, store, ADMIN_TOKEN, options=OPTIONS, client=client)

    assert result.status == "ok"
    assert couriers.paths == len(reference[1])
    assert stored(store) == reference[:2]
    log = team.requests()
    faulted = [e for e in log if str(e["path"]).endswith("/diffs") and int(e["status"]) >= 429]
    assert faulted  # the courier's requests met faults too, and rode them out
    stats = client.stats()
    # What the courier met and did is part of the client's statistics: every answer of
    # either process, and a retry for each refusal.
    for status in (200, 429, 500, 502, 503):
        assert stats.by_status.get(status, 0) == sum(1 for e in log if e["status"] == status)
    assert stats.retries >= sum(1 for e in log if int(e["status"]) >= 429)
    # The courier backed off as this client would: had it kept the usual half second, its
    # 5xx answers alone would have cost half a second each.
    courier_errors = sum(1 for e in faulted if int(e["status"]) >= 500)
    assert courier_errors
    assert stats.backoff_wait_s < 0.5 * courier_errors, (stats.backoff_wait_s, courier_errors)
    assert stats.by_status.get(429), stats  # and it met the rate limit
    store.close()


def test_a_budget_spent_by_the_courier_stops_the_run_and_the_next_one_completes(
    team: FakeGitLab, tmp_path: Path, reference: tuple[Any, ...], couriers: Couriers
) -> None:
    # Enough for half the first page's diffs: the courier is refused the rest.
    budget = reference[2] + 50
    store = Store(f"sqlite:///{tmp_path / 'budget.db'}")
    client = GitLabClient(team.url, ADMIN_TOKEN, max_per_minute=0, budget=budget)

    first = sync(team, store, ADMIN_TOKEN, options=OPTIONS, client=client)

    assert first.status == "budget"
    assert couriers.paths >= 100
    sent = team.requests()
    assert len(sent) <= budget  # never a request past it, in either process
    assert first.summary.requests == client.requests == len(sent)
    assert 0 < sum(1 for e in sent if str(e["path"]).endswith("/diffs")) <= 50
    resumed = sync(team, store, ADMIN_TOKEN, options=OPTIONS, now=NOW + timedelta(minutes=5))
    assert resumed.status == "ok"
    assert stored(store) == reference[:2]
    store.close()


def test_an_interrupted_sync_closes_its_courier(
    team: FakeGitLab,
    tmp_path: Path,
    reference: tuple[Any, ...],
    couriers: Couriers,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    team.set_faults(latency_ms=5)  # so the courier still has diffs to fetch when Ctrl-C comes
    started = Courier.start

    def start_then_interrupt(self: Courier, paths: Any) -> Any:
        futures = started(self, paths)
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C: KeyboardInterrupt in the main thread
        return futures

    monkeypatch.setattr(Courier, "start", start_then_interrupt)
    # Ctrl-C raises KeyboardInterrupt only where SIGINT has Python's handler; a test run
    # started in the background of a script inherits SIGINT ignored.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    store = Store(f"sqlite:///{tmp_path / 'interrupted.db'}")
    client = GitLabClient(team.url, ADMIN_TOKEN, max_per_minute=0)

    try:
        with pytest.raises(KeyboardInterrupt):
            sync(team, store, ADMIN_TOKEN, options=OPTIONS, client=client)
    finally:
        signal.signal(signal.SIGINT, previous)

    assert couriers.started and all(gone(c.pid, within=0.5) for c in couriers.started)
    # It handed back the permits of the diffs it never asked GitLab for.
    sent = len(team.requests())
    diffs_sent = sum(1 for e in team.requests() if str(e["path"]).endswith("/diffs"))
    assert client.requests == sent
    assert diffs_sent < couriers.paths
    team.set_faults(latency_ms=0)
    monkeypatch.setattr(Courier, "start", started)
    sync(team, store, ADMIN_TOKEN, options=OPTIONS, now=NOW + timedelta(minutes=5))
    assert stored(store) == reference[:2]
    store.close()


def test_a_courier_that_dies_fails_the_run_and_the_next_one_completes(
    team: FakeGitLab,
    tmp_path: Path,
    reference: tuple[Any, ...],
    couriers: Couriers,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    team.set_faults(latency_ms=5)  # so requests are in flight when it dies
    started = Courier.start

    def start_then_die(self: Courier, paths: Any) -> Any:
        futures = started(self, paths)
        if couriers.paths > 100:
            os.kill(self.pid, signal.SIGKILL)
        return futures

    monkeypatch.setattr(Courier, "start", start_then_die)
    store = Store(f"sqlite:///{tmp_path / 'died.db'}")
    client = GitLabClient(team.url, ADMIN_TOKEN, max_per_minute=0)

    with pytest.raises(SyncFailed, match="diff courier stopped"):
        sync(team, store, ADMIN_TOKEN, options=OPTIONS, client=client)

    team.set_faults(latency_ms=0)
    monkeypatch.setattr(Courier, "start", started)
    sync(team, store, ADMIN_TOKEN, options=OPTIONS, now=NOW + timedelta(minutes=5))
    assert stored(store) == reference[:2]
    store.close()


SYNC_IN_A_CHILD = textwrap.dedent(
    """
    import sys
    from bot.sync import diffs
    from bot.sync.client import GitLabClient, Page
    from bot.sync.run import SyncOptions
    from tests.conftest import ADMIN_TOKEN
    from tests.sync.helpers import Store, sync

    diffs.COURIER_THRESHOLD = 1
    url, database = sys.argv[1:]
    client = GitLabClient(url, ADMIN_TOKEN, max_per_minute=0)
    sync(None, Store(f"sqlite:///{database}"), ADMIN_TOKEN,
         options=SyncOptions(groups=("acme",), reconcile_days=0), client=client)
    """
)


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:"))
        if int(parent) == pid and b"bot.sync.courier" in command:
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_sync_leaves_no_courier_behind_and_resumes(
    team: FakeGitLab, tmp_path: Path, reference: tuple[Any, ...]
) -> None:
    team.set_faults(latency_ms=10)  # slow enough to be killed halfway through the diffs
    database = tmp_path / "killed.db"
    Store(f"sqlite:///{database}").close()  # the schema, before the child and this process race
    child = subprocess.Popen(
        [sys.executable, "-c", SYNC_IN_A_CHILD, team.url, str(database)], cwd=REPO
    )
    deadline = time.monotonic() + 60
    couriers: list[int] = []
    while time.monotonic() < deadline and child.poll() is None:
        couriers = couriers or children(child.pid)
        if couriers and sum(str(e["path"]).endswith("/diffs") for e in team.requests()) > 60:
            break
        time.sleep(0.02)
    assert couriers, "the sync never started its courier"
    child.send_signal(signal.SIGKILL)
    child.wait()

    assert all(gone(pid) for pid in couriers)
    team.set_faults(latency_ms=0)
    store = Store(f"sqlite:///{database}")
    sync(team, store, ADMIN_TOKEN, options=OPTIONS, now=NOW + timedelta(minutes=5))
    assert stored(store) == reference[:2]
    store.close()
