"""A sync that is killed, faulted or raced by GitLab still ends with exactly what GitLab has."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from bot.fakelab.generator import generate
from bot.fakelab.server import FakeGitLab
from bot.sync.client import GitLabClient, Page
from bot.sync.run import SyncOptions
from tests.conftest import ADMIN_TOKEN
from tests.sync.helpers import NOW, Store, activities, sync

TEAM = generate(people=5, projects=2, weeks=3, seed=11, end=datetime(2026, 11, 16, tzinfo=UTC))
OPTIONS = SyncOptions(groups=("acme",), reconcile_days=0)


class Killed(Exception):
    """Stands for SIGKILL: not a BotError, so nothing inside the sync catches it."""


class DyingClient(GitLabClient):
    """Dies just before its N-th request."""

    def __init__(self, *args: Any, die_at: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.die_at = die_at
        self.calls = 0

    def _tick(self) -> None:
        self.calls += 1
        if self.calls == self.die_at:
            raise Killed(f"killed before request {self.die_at}")

    def get(self, path: str, params: Any = None) -> Any:
        self._tick()
        return super().get(path, params)

    def page(self, path: str, params: Any = None) -> Page:
        self._tick()
        return super().page(path, params)


@pytest.fixture
def team() -> Iterator[FakeGitLab]:
    with FakeGitLab(copy.deepcopy(TEAM), admin_token=ADMIN_TOKEN, clock=lambda: NOW) as fake:
        yield fake


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Any, ...]]:
    """The activities a clean, uninterrupted sync of TEAM stores."""
    with FakeGitLab(copy.deepcopy(TEAM), admin_token=ADMIN_TOKEN, clock=lambda: NOW) as fake:
        store = Store(f"sqlite:///{tmp_path_factory.mktemp('ref') / 'ref.db'}")
        sync(fake, store, ADMIN_TOKEN, options=OPTIONS)
        found = activities(store)
        store.close()
    assert len(found) > 100
    return found


def _portless(found: dict[str, tuple[Any, ...]]) -> dict[str, str]:
    """Activities with the server's base URL taken out: each server has its own port."""
    return {
        key: re.sub(r"http://127\.0\.0\.1:\d+", "", json.dumps(value, default=str, sort_keys=True))
        for key, value in found.items()
    }


@pytest.mark.parametrize("die_at", [1, 2, 3, 5, 8, 13, 21, 34, 55, 89])
def test_a_killed_sync_resumes_with_nothing_lost_or_doubled(
    team: FakeGitLab, tmp_path: Any, die_at: int, reference: dict[str, tuple[Any, ...]]
) -> None:
    store = Store(f"sqlite:///{tmp_path / 'killed.db'}")
    dying = DyingClient(
        team.url, ADMIN_TOKEN, sleep=lambda s: None, max_per_minute=0, die_at=die_at
    )
    with pytest.raises(Killed):
        sync(team, store, ADMIN_TOKEN, options=OPTIONS, client=dying)
    sync(team, store, ADMIN_TOKEN, options=OPTIONS, now=NOW + timedelta(minutes=5))
    assert _portless(activities(store)) == _portless(reference)
    store.close()


def test_faults_and_rate_limits_do_not_change_what_is_stored(
    tmp_path: Any, reference: dict[str, tuple[Any, ...]]
) -> None:
    clock = [NOW]

    def sleep(seconds: float) -> None:
        clock[0] += timedelta(seconds=seconds)

    with FakeGitLab(copy.deepcopy(TEAM), admin_token=ADMIN_TOKEN, clock=lambda: clock[0]) as fake:
        fake.set_faults(error_rate=0.2, seed=7, rate_limit=60, rate_window_s=60, drop_rate=0.02)
        store = Store(f"sqlite:///{tmp_path / 'faulted.db'}")
        client = GitLabClient(
            fake.url,
            ADMIN_TOKEN,
            sleep=sleep,
            max_per_minute=0,
            max_retries=12,
            clock=lambda: clock[0].timestamp(),
            monotonic=lambda: clock[0].timestamp(),
        )
        result = sync(fake, store, ADMIN_TOKEN, options=OPTIONS, client=client)
        statuses = {row["status"] for row in fake.requests()}
    assert result.status == "ok"
    assert {500, 502, 503} & statuses  # faults really happened
    assert client.stats().retries > 10
    assert _portless(activities(store)) == _portless(reference)
    store.close()


# -- any interleaving of GitLab changes and syncs ends where a fresh sync would ------------------

# The steps change one project, so a team of one project is enough: each example syncs it from
# scratch twice, and a second project only made every example take twice as long.
SMALL_TEAM = generate(
    people=3, projects=1, weeks=2, seed=11, end=datetime(2026, 11, 16, tzinfo=UTC)
)
_MR_IIDS = [item["merge_request"]["iid"] for item in SMALL_TEAM["projects"][0]["merge_requests"]]
_ISSUE_IIDS = [item["issue"]["iid"] for item in SMALL_TEAM["projects"][0]["issues"]]
_PEOPLE = [
    u["id"]
    for u in SMALL_TEAM["users"]
    if u["username"] in {p["username"] for p in SMALL_TEAM["meta"]["people"]}
]

operation = st.one_of(
    st.tuples(st.just("sync")),
    st.tuples(st.just("retitle"), st.sampled_from(_MR_IIDS), st.text(min_size=1, max_size=20)),
    st.tuples(
        st.just("comment"),
        st.sampled_from(["merge_requests", "issues"]),
        st.integers(0, 50),
        st.sampled_from(_PEOPLE),
    ),
    st.tuples(st.just("close_issue"), st.sampled_from(_ISSUE_IIDS)),
    st.tuples(st.just("delete_mr"), st.sampled_from(_MR_IIDS)),
    st.tuples(st.just("delete_last_note"), st.sampled_from(_MR_IIDS)),
)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    # An example takes about two seconds, so shrinking a failure could take many minutes;
    # the failing example is printed as it was found instead.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(steps=st.lists(operation, min_size=1, max_size=8))
@example(steps=[("retitle", 2, "0")])  # once made system notes leak into review requests
@example(steps=[("sync",), ("delete_last_note", 1), ("comment", "issues", 3, _PEOPLE[1])])
def test_any_interleaving_of_changes_and_syncs_matches_a_fresh_sync(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[Any, ...]]
) -> None:
    clock = [NOW]
    folder = tmp_path_factory.mktemp("prop")
    with FakeGitLab(
        copy.deepcopy(SMALL_TEAM), admin_token=ADMIN_TOKEN, clock=lambda: clock[0]
    ) as fake:
        project = fake.state.projects[min(fake.state.projects)]
        incremental = Store(f"sqlite:///{folder / 'incremental.db'}")
        sync(fake, incremental, ADMIN_TOKEN, options=OPTIONS, now=clock[0])
        for step in steps:
            clock[0] += timedelta(minutes=7)
            _apply(fake, project.path_with_namespace, step, clock[0], incremental)
        clock[0] += timedelta(minutes=7)
        sync(fake, incremental, ADMIN_TOKEN, options=OPTIONS, now=clock[0])
        fresh = Store(f"sqlite:///{folder / 'fresh.db'}")
        sync(fake, fresh, ADMIN_TOKEN, options=OPTIONS, now=clock[0])
        assert activities(incremental) == activities(fresh)
        incremental.close()
        fresh.close()


def _apply(fake: FakeGitLab, path: str, step: tuple[Any, ...], now: datetime, store: Store) -> None:
    name = step[0]
    project = fake.state.project(path)
    assert project is not None
    if name == "sync":
        sync(fake, store, ADMIN_TOKEN, options=OPTIONS, now=now)
    elif name == "retitle" and step[1] in project.merge_requests:
        fake.mutate.update_item(path, "merge_requests", step[1], {"title": step[2]}, now)
    elif name == "comment":
        table: dict[int, Any] = (
            project.merge_requests if step[1] == "merge_requests" else project.issues
        )
        if table:
            iid = sorted(table)[step[2] % len(table)]
            fake.mutate.add_note(
                path,
                step[1],
                iid,
                {
                    "body": "Looks right to me, thanks!",
                    "author": {"id": step[3]},
                    "created_at": now.isoformat(),
                },
            )
    elif name == "close_issue" and step[1] in project.issues:
        fake.mutate.update_item(
            path,
            "issues",
            step[1],
            {"state": "closed", "closed_at": now.isoformat(), "closed_by": {"id": _PEOPLE[0]}},
            now,
        )
    elif name == "delete_mr" and step[1] in project.merge_requests:
        fake.mutate.delete_item(path, "merge_requests", step[1])
    elif name == "delete_last_note" and step[1] in project.merge_requests:
        notes = [n for n in project.merge_requests[step[1]].notes if not n.data["system"]]
        if notes:
            fake.mutate.delete_note(notes[-1].id, now)
