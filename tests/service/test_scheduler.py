"""The scheduler: catch-up after downtime, restarts that keep missed runs, the digests' cron
across daylight-saving changes, and a clean stop. Clocks are parameters; nothing sleeps long."""

from __future__ import annotations

import itertools
import logging
import pickle
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, func, select

from bot.config import Config, load_config
from bot.fakelab.server import FakeGitLab
from bot.service import scheduler as service
from bot.service.cycle import digests_due, send_moment
from bot.service.scheduler import (
    DIGESTS_JOB,
    SYNC_JOB,
    build_scheduler,
    digests_trigger,
    ensure_jobs,
    serve,
    sync_trigger,
    trigger_key,
)
from bot.service.signals import StopRequest
from bot.store import db, models
from tests.service.helpers import TOKEN, TOKEN_ENV, wait_for, write_config

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def configured(tmp_path: Path, url: str = "http://127.0.0.1:9", **kwargs: str) -> Config:
    database = kwargs.pop("database_url", f"sqlite:///{tmp_path / 'store.db'}")
    return load_config(write_config(tmp_path, url, database, **kwargs))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = db.make_engine(database_url)
    db.ensure_current(engine)
    yield engine
    engine.dispose()


class Looking(BackgroundScheduler):  # type: ignore[misc]
    """Started paused, it runs nothing: for looking at and arranging the jobs in the store.
    (Like the service's scheduler, it looks for due jobs no more once shut down.)"""

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        wait: float | None = super()._process_jobs()
        return wait


def paused(config: Config, engine: Engine) -> BackgroundScheduler:
    scheduler = build_scheduler(config, engine, scheduler_class=Looking)
    scheduler.start(paused=True)
    return scheduler


# -- the jobs in the store ---------------------------------------------------------------------


def test_first_start_adds_both_jobs_and_syncs_at_once(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    config = configured(tmp_path, database_url=database_url)
    scheduler = paused(config, engine)
    try:
        lines = ensure_jobs(scheduler, config, now=NOW)
        sync, digests = scheduler.get_job(SYNC_JOB), scheduler.get_job(DIGESTS_JOB)
        assert (
            lines[0]
            == f"sync: added, every 30 minutes, next run {NOW.astimezone(BERLIN).isoformat()}"
        )
        assert lines[1].startswith("digests: added, weekly, mon 09:00 Europe/Berlin, next run ")
        assert sync.next_run_time == NOW  # a new service syncs at once
        assert (sync.coalesce, sync.max_instances, sync.misfire_grace_time) == (True, 1, 1800)
        assert (digests.coalesce, digests.max_instances) == (True, 1)
        assert digests.misfire_grace_time == 7 * 24 * 3600
        # Persistent jobs: module-level callables, the config path as the only argument.
        assert sync.func_ref == "bot.service.scheduler:sync_job"
        assert digests.func_ref == "bot.service.scheduler:digests_job"
        assert sync.args == digests.args == (str(config.path.resolve()),)
        pickle.dumps(sync.__getstate__())
        assert str(digests.trigger.timezone) == "Europe/Berlin"
    finally:
        scheduler.shutdown()


def test_a_restart_keeps_a_missed_run_and_only_changes_what_the_config_changed(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    config = configured(tmp_path, database_url=database_url)
    missed = NOW - timedelta(hours=5, minutes=7)
    first = paused(config, engine)
    ensure_jobs(first, config, now=NOW - timedelta(days=1))
    first.modify_job(SYNC_JOB, next_run_time=missed)  # then the service went down
    digests_next = first.get_job(DIGESTS_JOB).next_run_time
    first.shutdown()

    again = paused(config, engine)
    try:
        lines = ensure_jobs(again, config, now=NOW)
        assert [line.split(",")[0] for line in lines] == ["sync: kept", "digests: kept"]
        # Re-adding with replace_existing would have moved it to the future: the run is kept.
        assert again.get_job(SYNC_JOB).next_run_time == missed
        assert again.get_job(DIGESTS_JOB).next_run_time == digests_next
    finally:
        again.shutdown()

    changed = configured(
        tmp_path,
        database_url=database_url,
        extra='[schedule]\nsync_every_minutes = 10\n\n[digest]\nsend_at = "friday 16:30"\n',
    )
    third = paused(changed, engine)
    try:
        lines = ensure_jobs(third, changed, now=NOW)
        assert lines[0].startswith("sync: updated (schedule, misfire grace time), every 10 minutes")
        assert lines[1].startswith("digests: updated (schedule), weekly, fri 16:30 Europe/Berlin")
        sync = third.get_job(SYNC_JOB)
        assert sync.misfire_grace_time == 600
        assert trigger_key(sync.trigger) == trigger_key(sync_trigger(changed))
        assert sync.next_run_time > NOW - timedelta(minutes=1)  # rescheduled by the new period
        fires = third.get_job(DIGESTS_JOB).next_run_time.astimezone(BERLIN)
        assert (fires.weekday(), fires.hour, fires.minute) == (4, 16, 30)
    finally:
        third.shutdown()


def test_trigger_keys_ignore_start_dates_but_not_zones() -> None:
    assert trigger_key(IntervalTrigger(minutes=30, timezone=BERLIN)) == trigger_key(
        IntervalTrigger(minutes=30, timezone=BERLIN, start_date=NOW)
    )
    assert trigger_key(IntervalTrigger(minutes=30, timezone=BERLIN)) != trigger_key(
        IntervalTrigger(minutes=30, timezone=UTC)
    )
    monday = CronTrigger(day_of_week="mon", hour=9, minute=0, second=0, timezone=BERLIN)
    assert trigger_key(monday) == trigger_key(
        CronTrigger(day_of_week="mon", hour=9, minute=0, second=0, timezone=BERLIN)
    )
    assert trigger_key(monday) != trigger_key(
        CronTrigger(day_of_week="mon", hour=9, minute=0, second=0, timezone=UTC)
    )


# -- catch-up after downtime ---------------------------------------------------------------------


def test_after_hours_of_downtime_the_sync_job_runs_once(
    fake: FakeGitLab,
    tmp_path: Path,
    database_url: str,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Ten sync runs fell due while the service was down: it runs one (coalesced, within
    the grace of one period) when it starts, then goes back to its schedule."""
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    config = configured(tmp_path, fake.url, database_url=database_url)
    now = datetime.now(UTC)
    down = paused(config, engine)
    ensure_jobs(down, config, now=now - timedelta(days=1))
    # The last sync was 5 h 7 min ago; the last missed run time is 7 minutes ago.
    down.modify_job(SYNC_JOB, next_run_time=now - timedelta(hours=5, minutes=7))
    down.shutdown()

    stop = StopRequest()
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(serve(config, stop=stop)))
    with caplog.at_level(logging.INFO):
        thread.start()
        try:
            wait_for(lambda: _finished_runs(engine) >= 1, what="the catch-up sync")
            wait_for(lambda: "cycle: sync ok, match ok" in caplog.text, what="the match")
            # Give a second (wrong) run the chance to start, then stop.
            assert not stop.wait(0.5)
        finally:
            stop.set("the test")
            thread.join(20)
    assert not thread.is_alive() and codes == [0]
    assert _finished_runs(engine) == 1
    running = [r for r in caplog.records if r.getMessage().startswith('Running job "sync')]
    assert len(running) == 1
    assert "was missed" not in caplog.text  # coalesced: no run reported missed either
    # Back on its grid: the next run is within one period from now.
    check = paused(config, engine)
    try:
        following = check.get_job(SYNC_JOB).next_run_time
        assert now < following <= datetime.now(UTC) + timedelta(minutes=30)
    finally:
        check.shutdown()
    assert "stopped (the test)" in caplog.text


def _finished_runs(engine: Engine) -> int:
    with db.session_factory(engine)() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(models.SyncRun)
                .where(models.SyncRun.status != "running")
            )
            or 0
        )


def test_a_stop_request_ends_the_service_cleanly_before_any_job(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    config = configured(tmp_path, database_url=database_url)
    stop = StopRequest()
    stop.set("SIGTERM")
    assert serve(config, stop=stop) == 0


def test_a_lost_lock_stops_the_service_with_status_1(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    class Lost:
        database = "the test database"

        def alive(self) -> bool:
            return False

        def release(self) -> None:
            return None

    config = configured(tmp_path, database_url=database_url)
    stop = StopRequest()
    codes: list[int] = []
    thread = threading.Thread(
        target=lambda: codes.append(serve(config, stop=stop, lock=Lost()))  # type: ignore[arg-type]
    )
    thread.start()
    thread.join(20)
    assert codes == [1] and stop.reason == "lost lock"
    assert service._runtime.exit_status == 1


# -- the digests' cron and daylight saving time -------------------------------------------------


def fire_times(trigger: CronTrigger, start: datetime, count: int) -> list[datetime]:
    times = [trigger.get_next_fire_time(None, start)]
    while len(times) < count:
        times.append(trigger.get_next_fire_time(times[-1], times[-1] + timedelta(seconds=1)))
    return times


@pytest.mark.parametrize(
    ("start", "offsets"),
    [
        # Summer time begins on Sunday 2026-03-29: Monday 09:00 is 08:00 UTC, then 07:00 UTC.
        (datetime(2026, 3, 16, tzinfo=UTC), [1, 1, 2, 2]),
        # Summer time ends on Sunday 2026-10-25: 07:00 UTC, then 08:00 UTC.
        (datetime(2026, 10, 12, tzinfo=UTC), [2, 2, 1, 1]),
    ],
    ids=["spring", "autumn"],
)
def test_the_digests_fire_at_nine_local_across_dst(
    tmp_path: Path, start: datetime, offsets: list[int]
) -> None:
    config = configured(tmp_path, extra='[digest]\nsend_at = "monday 09:00"\n')
    trigger = digests_trigger(config)
    assert str(trigger.timezone) == "Europe/Berlin"  # explicit, never the host's zone
    times = fire_times(trigger, start, 4)
    for moment, offset in zip(times, offsets, strict=True):
        local = moment.astimezone(BERLIN)
        assert (local.weekday(), local.hour, local.minute) == (0, 9, 0), local
        assert local.utcoffset() == timedelta(hours=offset), local
        assert moment.astimezone(UTC).hour == 9 - offset
    # Between them a week of wall-clock time: 167 or 169 hours across the change.
    utc = [moment.astimezone(UTC) for moment in times]
    assert [b - a for a, b in itertools.pairwise(utc)] == [
        timedelta(days=7) - timedelta(hours=offsets[i + 1] - offsets[i]) for i in range(3)
    ]


def test_the_digests_are_due_once_this_weeks_send_time_passed(tmp_path: Path) -> None:
    config = configured(tmp_path, extra='[digest]\nsend_at = "monday 09:00"\n')
    # Monday 2026-03-30, the first Monday of summer time: 09:00 local is 07:00 UTC.
    assert send_moment(config, datetime(2026, 3, 30, 12, tzinfo=UTC)) == datetime(
        2026, 3, 30, 7, tzinfo=UTC
    )
    assert not digests_due(config, datetime(2026, 3, 30, 6, 59, tzinfo=UTC))
    assert digests_due(config, datetime(2026, 3, 30, 7, 0, tzinfo=UTC))
    assert digests_due(config, datetime(2026, 4, 5, 21, 59, tzinfo=UTC))  # Sunday, late
    # Sunday 22:00 UTC is already Monday 00:00 in Berlin: the new week's send time is ahead.
    assert not digests_due(config, datetime(2026, 4, 5, 22, 0, tzinfo=UTC))
    utc = configured(tmp_path, extra='[digest]\nsend_at = "monday 09:00"\n', timezone="UTC")
    assert digests_trigger(utc).get_next_fire_time(None, NOW) == datetime(
        2026, 11, 23, 9, tzinfo=UTC
    )
