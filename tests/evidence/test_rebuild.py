"""The fast rebuild on SQLite: activities read and evidence written through the DBAPI, and the
plain rules evaluated in a worker process, end in exactly the rows of the SQLAlchemy path."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.dialects import sqlite as sqlite_dialect

from bot.evidence import Earners, Matcher, match_evidence
from bot.evidence import matcher as matcher_module
from bot.evidence.matcher import store_for
from bot.evidence.rows import EvidenceRow, RowMaker
from bot.evidence.sqlite import (
    REBUILD_CACHE_KIB,
    SqliteEvidenceStore,
    loaded_time,
    stored_time,
)
from bot.evidence.store import EvidenceStore
from bot.evidence.worker import Batch, Job, PlainRulesWorker
from bot.fakelab.server import FakeGitLab
from bot.ladder import Ladder
from bot.rules import RuleSet, load_rules
from bot.store.types import UTCDateTime
from tests.conftest import ADMIN_TOKEN
from tests.evidence.conftest import RULES
from tests.evidence.test_matcher import PID, new_mr
from tests.sync.helpers import NOW, Store, sync

DIALECT = sqlite_dialect.dialect()
TIMES = [
    datetime(2026, 11, 20, 12, 0, tzinfo=UTC),  # no microseconds: still written with six zeros
    datetime(2026, 3, 29, 1, 30, 5, 123456, tzinfo=UTC),
    datetime(2026, 3, 29, 3, 30, 5, 7, tzinfo=timezone(timedelta(hours=2))),  # not UTC
    datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC),  # the year padded to four digits
]


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    yield store
    store.close()


@pytest.fixture
def synced(fake: FakeGitLab, sqlite_store: Store) -> Store:
    """The small team, with carol's MR that completes bob's window (evidence of a window rule)."""
    fake.mutate.add_merge_request(
        PID, new_mr(30, author=4, reviewer=3, created="2026-11-19T08:00:00Z")
    )
    assert sync(fake, sqlite_store, ADMIN_TOKEN).status == "ok"
    return sqlite_store


def matcher(
    ruleset: RuleSet, ladder: Ladder, *, worker_from: int | None, now: datetime = NOW
) -> Matcher:
    return Matcher(
        ruleset, ladder, lambda session: Earners.from_store(session), now, worker_from=worker_from
    )


def stored(store: Store) -> list[tuple[Any, ...]]:
    """Every evidence row as SQLite holds it, with each value's storage class, in id order."""
    connection = sqlite3.connect(store.url.removeprefix("sqlite:///"))
    try:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(evidence)")]
        values = ", ".join(f'"{c}", typeof("{c}")' for c in columns)
        return connection.execute(f"SELECT {values} FROM evidence ORDER BY id").fetchall()
    finally:
        connection.close()


class Spy(PlainRulesWorker):
    """A real worker that remembers that it ran and how it ended."""

    started: list[Spy] = []  # noqa: RUF012 - per test, reset by the fixture

    def __init__(self, job: Job) -> None:
        super().__init__(job)
        Spy.started.append(self)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> type[Spy]:
    Spy.started = []
    monkeypatch.setattr(matcher_module, "PlainRulesWorker", Spy)
    # This process takes three quarters of the work left: with the small store's order of
    # activities (merge requests first, issues last), so that its share has evidence.
    monkeypatch.setattr(matcher_module, "WORKER_SHARE", 0.25)
    return Spy


def plain_rows_after(store: Store, activity_id: int, ruleset: RuleSet) -> int:
    """How many plain rules' rows the activities after ``activity_id`` have."""
    windows = [rule.id for rule in ruleset.window_rules()]
    connection = sqlite3.connect(store.url.removeprefix("sqlite:///"))
    try:
        (count,) = connection.execute(
            "SELECT count(*) FROM evidence JOIN activities ON activities.key = activity_key "
            f"WHERE activities.id > ? AND rule NOT IN ({', '.join('?' * len(windows))})",
            (activity_id, *windows),
        ).fetchone()
    finally:
        connection.close()
    return int(count)


# -- reading and writing through the DBAPI -----------------------------------------------------


def test_sqlite_reads_activities_as_sqlalchemy_does(synced: Store) -> None:
    with synced.sessions() as session:
        core, fast = EvidenceStore(session, NOW), store_for(session, NOW)
        assert isinstance(fast, SqliteEvidenceStore)
        expected = core.activities_after(0, None, 10_000)
        got = fast.activities_after(0, None, 10_000)
        assert len(expected) > 10
        assert got == expected
        for mine, theirs in zip(got, expected, strict=True):
            assert list(mine) == list(theirs)
            assert [type(v) for v in mine.values()] == [type(v) for v in theirs.values()]
            assert mine["occurred_at"].tzinfo is UTC and mine["updated_at"].tzinfo is UTC
        middle = expected[len(expected) // 2]
        since = middle["updated_at"] - timedelta(microseconds=1)
        assert fast.activities_after(3, since, 7) == core.activities_after(3, since, 7)
        kinds = {"review_requested", "review_comment", "merge_request_authored"}
        for actor in core.actors(kinds):
            assert fast.activities_of(actor, kinds) == core.activities_of(actor, kinds)


def test_sqlite_times_are_sqlalchemys() -> None:
    write = UTCDateTime().dialect_impl(DIALECT).bind_processor(DIALECT)
    read = UTCDateTime().dialect_impl(DIALECT).result_processor(DIALECT, None)
    assert write is not None and read is not None
    for value in TIMES:
        assert stored_time(value) == write(value), value
        assert loaded_time(stored_time(value)) == read(write(value)) == value
        assert loaded_time(stored_time(value)).tzinfo is UTC
    # Stored by something else, with a zone of its own: still read as SQLAlchemy reads it.
    assert loaded_time("2026-03-29 03:30:05+02:00") == read("2026-03-29 03:30:05+02:00")
    with pytest.raises(ValueError, match="naive"):
        stored_time(datetime(2026, 1, 1))


def test_sqlite_writes_evidence_as_sqlalchemy_does(tmp_path: Path) -> None:
    why = {"rule": "r", "checks": [{"seen": "naïve “quotes” ✓", "held": True}], 3: None}
    rows = [
        EvidenceRow(
            f"r:e:k{n}",
            None if n == 1 else 40 + n,
            "alice",
            "l2.impact.e",
            2,
            "impact",
            "r",
            "d" * 64,
            f"k{n}",
            "review_comment",
            value,
            "acme/backend",
            f"https://gitlab.example.com/acme/backend/-/issues/{n}",
            "Said «something» 🙂",
            why,
            n % 2 == 0,
        )
        for n, value in enumerate(TIMES)
    ]
    dumps = []
    for way in ("core", "fast", "parked"):
        store = Store(f"sqlite:///{tmp_path / way}.db")
        with store.sessions() as session, session.begin():
            if way == "core":
                EvidenceStore(session, NOW).insert(rows)
            else:
                fast = SqliteEvidenceStore(session, NOW)
                if way == "fast":
                    fast.insert(rows)
                else:
                    fast.park("a", rows[:2])
                    fast.park("b", rows[3:])
                    fast.park("a", rows[2:3])
                    fast.unpark("a")
                    fast.unpark("b")
                    fast.unpark("c")  # nothing parked there
        dumps.append(stored(store))
        store.close()
    assert len(dumps[0]) == len(rows)
    assert dumps[1] == dumps[0]
    assert dumps[2] == dumps[0]


def test_only_sqlite_gets_the_dbapi_store(store: Store) -> None:
    with store.sessions() as session:
        fast = isinstance(store_for(session, NOW), SqliteEvidenceStore)
    assert fast == store.url.startswith("sqlite")


def _cache_size(session: Any) -> int:
    return int(session.connection().exec_driver_sql("PRAGMA cache_size").scalar())


def test_a_rebuild_has_a_larger_page_cache_and_gives_it_back(sqlite_store: Store) -> None:
    with sqlite_store.sessions() as session:
        store = SqliteEvidenceStore(session, NOW)
        before = _cache_size(session)
        with store.rebuilding():
            assert _cache_size(session) == -REBUILD_CACHE_KIB != before
        assert _cache_size(session) == before
        with pytest.raises(RuntimeError), store.rebuilding():
            raise RuntimeError("the rebuild failed")
        assert _cache_size(session) == before


def test_the_connection_comes_back_from_a_rebuild_with_its_own_cache(
    synced: Store, ruleset: RuleSet, ladder: Ladder
) -> None:
    with synced.sessions() as session:
        before = _cache_size(session)
    seen: list[int] = []

    class Watching(Matcher):
        def _rebuild_all(self, store: EvidenceStore, maker: RowMaker, reason: str) -> Any:
            seen.append(_cache_size(store.session))
            return super()._rebuild_all(store, maker, reason)

    watching = Watching(
        ruleset, ladder, lambda session: Earners.from_store(session), NOW, worker_from=None
    )
    assert match_evidence(synced.sessions, watching, rebuild=True).activities > 0
    assert seen == [-REBUILD_CACHE_KIB]
    with synced.sessions() as session:
        assert _cache_size(session) == before


# -- the worker -----------------------------------------------------------------------------------


def test_a_worker_rebuilds_exactly_what_one_process_does(
    synced: Store, ruleset: RuleSet, ladder: Ladder, spy: type[Spy]
) -> None:
    alone = match_evidence(synced.sessions, matcher(ruleset, ladder, worker_from=None))
    expected = stored(synced)
    assert not spy.started and expected
    rule = 2 * 7  # (value, storage class) per column: id, key, ... rule
    assert expected[-1][rule] == "sought-out"  # a window rule's row, after the plain rules' ones
    helped = match_evidence(synced.sessions, matcher(ruleset, ladder, worker_from=0), rebuild=True)
    (worker,) = spy.started
    assert worker.finished and worker.resume_after is None and not worker.unavailable
    # It takes a second to start, the window rules take this process milliseconds: this
    # process then took its share of the activities, the last ones.
    with synced.sessions() as session:
        last = SqliteEvidenceStore(session, NOW).last_activity_id()
    assert worker.until is not None and 0 < worker.until < last
    assert plain_rows_after(synced, worker.until, ruleset) > 0
    assert stored(synced) == expected  # ids, order and every value
    assert (helped.activities, helped.people) == (alone.activities, alone.people)
    assert (helped.added, helped.removed, helped.kept) == (0, 0, len(expected))


def test_a_big_rebuild_gets_a_worker_a_small_one_does_not(
    synced: Store, ruleset: RuleSet, ladder: Ladder, spy: type[Spy]
) -> None:
    with synced.sessions() as session:
        count = store_for(session, NOW).count_activities()
    match_evidence(synced.sessions, matcher(ruleset, ladder, worker_from=count + 1))
    assert not spy.started
    match_evidence(synced.sessions, matcher(ruleset, ladder, worker_from=count), rebuild=True)
    assert len(spy.started) == 1


def test_a_worker_that_stops_early_is_taken_over(
    synced: Store,
    ruleset: RuleSet,
    ladder: Ladder,
    spy: type[Spy],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    match_evidence(synced.sessions, matcher(ruleset, ladder, worker_from=None))
    expected = stored(synced)

    def first_batch_only(self: Spy, *, wait: bool) -> Iterator[Batch]:
        for batch in PlainRulesWorker.batches(self, wait=True):
            yield batch
            self.finished, self.unavailable = True, "stopped by the test"
            return

    monkeypatch.setattr(matcher_module, "CHUNK", 7)  # several batches from a small store
    monkeypatch.setattr(Spy, "batches", first_batch_only)
    result = match_evidence(synced.sessions, matcher(ruleset, ladder, worker_from=0), rebuild=True)
    (worker,) = spy.started
    assert worker.resume_after is not None and worker.resume_after > 0
    assert stored(synced) == expected
    assert (result.added, result.removed, result.kept) == (0, 0, len(expected))


def test_a_worker_that_ends_after_dividing_the_work_is_taken_over(
    synced: Store, ruleset: RuleSet, ladder: Ladder, spy: type[Spy], monkeypatch: pytest.MonkeyPatch
) -> None:
    match_evidence(synced.sessions, matcher(ruleset, ladder, worker_from=None))
    expected = stored(synced)

    def nothing_after_the_answer(self: Spy, *, wait: bool) -> Iterator[Batch]:
        if self.until is not None:
            self.finished, self.unavailable = True, "stopped by the test"
            return
        yield from PlainRulesWorker.batches(self, wait=wait)

    monkeypatch.setattr(Spy, "batches", nothing_after_the_answer)
    match_evidence(synced.sessions, matcher(ruleset, ladder, worker_from=0), rebuild=True)
    (worker,) = spy.started
    assert worker.until is not None and worker.resume_after is not None
    assert worker.resume_after < worker.until  # its share, or part of it, done here
    assert plain_rows_after(synced, worker.until, ruleset) > 0
    assert stored(synced) == expected


def test_rule_files_changed_since_loading_leave_the_work_to_the_matcher(
    synced: Store, ladder: Ladder, spy: type[Spy], tmp_path: Path
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    ruleset = load_rules(sorted(rules.glob("*.yaml")), list(ladder.expectations))
    match_evidence(synced.sessions, matcher(ruleset, ladder, worker_from=None))
    expected = stored(synced)
    for path in rules.glob("*.yaml"):
        path.write_text(path.read_text().replace("description:", "description: Changed.", 1))
    match_evidence(synced.sessions, matcher(ruleset, ladder, worker_from=0), rebuild=True)
    (worker,) = spy.started
    assert "changed in its file" in worker.unavailable and worker.resume_after == 0
    assert stored(synced) == expected


def job(database: Path, **changes: Any) -> Job:
    values: dict[str, Any] = {
        "database": str(database),
        "rule_files": (),
        "rules": (),
        "expectation_ids": (),
        "rows": RowMaker(Earners(), {}, {}),
        "matched_at": "2026-11-20 12:00:00.000000",
        "chunk": 10,
    }
    return Job(**(values | changes))


def test_a_worker_error_is_raised_in_the_matcher(tmp_path: Path) -> None:
    worker = PlainRulesWorker(job(tmp_path / "empty.db"))  # no activities table in it
    try:
        with pytest.raises(sqlite3.OperationalError, match="no such table: activities"):
            list(worker.batches(wait=True))
    finally:
        worker.stop()


def test_a_worker_that_dies_says_so(synced: Store) -> None:
    worker = PlainRulesWorker(job(Path(synced.url.removeprefix("sqlite:///"))))
    worker._process.kill()  # before it could send anything: it takes a second to start
    try:
        assert list(worker.batches(wait=True)) == []
        assert worker.finished and "ended early" in worker.unavailable
        assert worker.resume_after == 0
    finally:
        worker.stop()
