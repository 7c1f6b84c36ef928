"""``GitLabClient`` against the offline GitLab over real HTTP, with its faults switched on.

Nothing sleeps for real: the client's ``sleep`` only records, or moves a virtual clock that the
server reads too, so a rate-limit window passes in no time.
"""

from __future__ import annotations

import copy
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from bot.fakelab.server import FakeGitLab
from bot.sync.client import (
    BudgetExhausted,
    GitLabAuthError,
    GitLabClient,
    GitLabNotFound,
    project_path,
)
from tests.conftest import ALICE, DAVE, OUTSIDER

T0 = datetime(2026, 11, 10, 10, 0, 0, tzinfo=UTC)  # a whole minute: a fresh rate window
NOTES = project_path("acme/backend") + "/merge_requests/1/notes"
OLDEST_FIRST = {"sort": "asc", "order_by": "created_at"}
DATASET_NOTES = [501, 502, 503, 504]  # MR !1 in small.json; alice (Maintainer) sees all four


class VirtualTime:
    """One clock for both sides: the server reads it, the client's ``sleep`` moves it."""

    def __init__(self) -> None:
        self.now = T0
        self.slept: list[float] = []
        self.server_reads: list[datetime] = []

    def __call__(self) -> datetime:  # the server's clock
        self.server_reads.append(self.now)
        return self.now

    def time(self) -> float:
        return self.now.timestamp()

    def monotonic(self) -> float:
        return (self.now - T0).total_seconds()

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def vt() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
def timed(small_data: dict[str, Any], vt: VirtualTime) -> Iterator[FakeGitLab]:
    """The offline GitLab on virtual time; its own ``sleep`` (latency) must never be used."""

    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"the server slept {seconds} s")

    with FakeGitLab(copy.deepcopy(small_data), clock=vt, sleep=no_sleep) as server:
        yield server


def add_notes(fake: FakeGitLab, count: int) -> list[int]:
    """``count`` more notes on MR !1, each a minute after the dataset's last one."""
    start = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)
    return [
        fake.mutate.add_note(
            "acme/backend",
            "merge_requests",
            1,
            {
                "body": f"note {n}",
                "author": {"id": 2},
                "created_at": (start + timedelta(minutes=n)).isoformat().replace("+00:00", "Z"),
            },
        )
        for n in range(count)
    ]


def walk(client: GitLabClient, path: str = NOTES, **params: Any) -> list[int]:
    return [
        item["id"] for page in client.pages(path, {**OLDEST_FIRST, **params}) for item in page.items
    ]


def test_paging_notes_one_per_page_returns_all_in_order(fake: FakeGitLab) -> None:
    with GitLabClient(fake.url, ALICE, per_page=1) as client:
        pages = list(client.pages(NOTES, OLDEST_FIRST))
        assert client.requests == 4

    assert [item["id"] for page in pages for item in page.items] == DATASET_NOTES
    assert [len(page.items) for page in pages] == [1, 1, 1, 1]
    assert pages[-1].next_url is None
    queries = [entry["query"] for entry in fake.requests()]
    assert all("per_page=1" in query for query in queries), queries


def test_a_walk_through_server_errors_returns_everything_exactly_once(fake: FakeGitLab) -> None:
    expected = DATASET_NOTES + add_notes(fake, 8)
    fake.set_faults(error_rate=0.3, seed=5)
    slept: list[float] = []

    with GitLabClient(fake.url, ALICE, per_page=1, sleep=slept.append) as client:
        assert walk(client) == expected
        stats = client.stats()

    assert stats.retries > 0
    assert stats.retries == sum(n for status, n in stats.by_status.items() if status >= 500)
    assert stats.by_status[200] == len(expected)
    assert stats.requests == len(fake.requests())
    assert slept and stats.backoff_wait_s == sum(slept)


def test_a_rate_limited_walk_waits_in_virtual_time(timed: FakeGitLab, vt: VirtualTime) -> None:
    expected = DATASET_NOTES + add_notes(timed, 8)  # 12 notes: 12 requests at one per page
    timed.set_faults(rate_limit=5, rate_window_s=60)
    started = time.perf_counter()

    with GitLabClient(
        timed.url,
        ALICE,
        per_page=1,
        sleep=vt.sleep,
        monotonic=vt.monotonic,
        clock=vt.time,
    ) as client:
        assert walk(client) == expected
        stats = client.stats()

    assert time.perf_counter() - started < 2
    assert stats.requests == 12
    # Stopping once RateLimit-Remaining drops below 3 means no 429 at all: three requests a
    # window, so three waits for the next window and four windows in all.
    assert stats.by_status == {200: 12}
    assert stats.rate_limit_waits == 3
    assert vt.slept == [60.0, 60.0, 60.0]
    per_window = Counter(int(moment.timestamp()) // 60 for moment in vt.server_reads)
    assert max(per_window.values()) <= 5


def test_a_429_from_a_spent_window_is_waited_out(timed: FakeGitLab, vt: VirtualTime) -> None:
    timed.set_faults(rate_limit=5, rate_window_s=60)
    vt.now += timedelta(seconds=15)
    # Another client of the same token spends the window first.
    with requests.Session() as other:
        for _ in range(5):
            other.get(f"{timed.url}/api/v4/user", headers={"PRIVATE-TOKEN": ALICE}, timeout=10)

    with GitLabClient(
        timed.url, ALICE, sleep=vt.sleep, monotonic=vt.monotonic, clock=vt.time
    ) as client:
        assert client.get("/user")["username"] == "alice"
        stats = client.stats()

    assert stats.by_status == {200: 1, 429: 1}
    assert vt.slept == [45.0]  # the server's Retry-After: the rest of the window


def test_dropped_connections_are_retried(fake: FakeGitLab) -> None:
    expected = DATASET_NOTES + add_notes(fake, 8)
    fake.set_faults(drop_rate=0.3, seed=2)
    slept: list[float] = []

    with GitLabClient(fake.url, ALICE, per_page=1, sleep=slept.append) as client:
        assert walk(client) == expected
        stats = client.stats()

    assert stats.errors.get("ConnectionError", 0) > 0
    assert stats.retries == sum(stats.errors.values())
    assert stats.by_status == {200: len(expected)}


def test_a_budget_stops_the_walk_and_the_next_run_resumes(fake: FakeGitLab) -> None:
    expected = DATASET_NOTES + add_notes(fake, 8)
    seen: list[int] = []
    resume: str | None = None

    with GitLabClient(fake.url, ALICE, per_page=1, budget=5) as first:
        with pytest.raises(BudgetExhausted):
            for page in first.pages(NOTES, OLDEST_FIRST):
                seen += [item["id"] for item in page.items]
                resume = page.next_url
        assert first.requests == 5

    assert resume is not None
    with GitLabClient(fake.url, ALICE, budget=20) as second:
        seen += [item["id"] for page in second.pages(resume) for item in page.items]

    assert seen == expected


def test_refusals_from_the_offline_gitlab(fake: FakeGitLab) -> None:
    with GitLabClient(fake.url, OUTSIDER) as client, pytest.raises(GitLabNotFound) as missing:
        client.get(project_path("acme/backend"))
    with GitLabClient(fake.url, DAVE) as client, pytest.raises(GitLabAuthError) as blocked:
        client.get("/user")
    with (
        GitLabClient(fake.url, "glpat-nobody-1234567") as client,
        pytest.raises(GitLabAuthError) as unknown,
    ):
        client.get("/user")

    assert str(missing.value) == (
        "GitLab has no GET /projects/acme%2Fbackend (404 Not Found), or the token may not see it"
    )
    assert str(blocked.value) == (
        "GitLab refused the token (403 Forbidden - Your account has been blocked.): "
        "check gitlab.token_env"
    )
    assert str(unknown.value) == (
        "GitLab refused the token (401 Unauthorized): check gitlab.token_env"
    )
    assert len(fake.requests()) == 3  # none of them retried
