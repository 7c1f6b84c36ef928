"""``ladder-bot run``: an APScheduler ``BlockingScheduler`` with its jobs in the store.

Two jobs, with fixed ids, in ``apscheduler_jobs`` (a table of the store that APScheduler keeps
itself; Alembic leaves it alone):

- ``sync``: every ``[schedule] sync_every_minutes``, a cycle (:mod:`bot.service.cycle`): sync,
  then match (one job, so matching always follows its sync), then the digests that are due.
  A new service runs it at once.
- ``digests``: a ``CronTrigger`` at ``[digest] send_at`` in the configured ``timezone`` (given
  explicitly: a trigger without one would use the host's zone): the same cycle, so the
  digests go out on time, from freshly synced data.

Every cycle posts the digests that are due and not posted yet, so a digest whose cron run was
missed (the service was down, or stopped while the run waited) goes out with the next sync.

After downtime. The jobs keep their next run time in the store. Every job has
``coalesce=True``, ``max_instances=1`` and ``misfire_grace_time`` = its period, so on start a
job whose run times passed while the service was down runs once, not once per missed run, and
a run missed by more than a period (a digest of a week long gone) is left out. At start the
jobs are only added when missing, and a trigger is only replaced when the configuration changed
it: re-adding with ``replace_existing`` would compute a fresh next run time and silently drop
the run that was missed.

One job at a time: the executor has one thread, so a digests run waits for a sync in progress
(and the store sees one writer). Job callables are module-level functions taking only the
config path, as a persistent job store needs (their state is pickled); the config, rules and
ladder are read again at every run, the schedule only at start.

SIGTERM and SIGINT stop the scheduling; the running job stops after its current page (see
:mod:`bot.service.signals`), the scheduler shuts down and ``run`` exits 0.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from threading import TIMEOUT_MAX
from typing import Any

from apscheduler.events import EVENT_SCHEDULER_STARTED, SchedulerEvent  # type: ignore[import-untyped]
from apscheduler.executors.pool import ThreadPoolExecutor  # type: ignore[import-untyped]
from apscheduler.job import Job  # type: ignore[import-untyped]
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore  # type: ignore[import-untyped]
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler  # type: ignore[import-untyped]
from apscheduler.schedulers.blocking import BlockingScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.base import BaseTrigger  # type: ignore[import-untyped]
from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]
from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]
from apscheduler.util import obj_to_ref  # type: ignore[import-untyped]
from sqlalchemy import Engine

from bot.config import WEEKDAYS, Config
from bot.errors import BotError
from bot.service.cycle import PostDigests, run_once
from bot.service.lock import LeaderLock, describe
from bot.service.signals import StopRequest
from bot.store import db

log = logging.getLogger("ladder_bot.service")

SYNC_JOB = "sync"
DIGESTS_JOB = "digests"
WEEK_SECONDS = 7 * 24 * 3600
JOBS_TABLE = "apscheduler_jobs"
# The longest the scheduler's main thread sleeps before it lets pending signal handlers run.
WAKE_SECONDS = 0.5


# -- the jobs ------------------------------------------------------------------------------------


def sync_job(config_path: str) -> int:
    """The ``sync`` job: a cycle (sync, match, the digests that are due). Returns its exit
    status."""
    return _run_job(config_path, SYNC_JOB)


def digests_job(config_path: str) -> int:
    """The ``digests`` job: the same cycle, at ``[digest] send_at``, so digests go out on
    time and from freshly synced data."""
    return _run_job(config_path, DIGESTS_JOB)


@dataclass
class Runtime:
    """What the running service shares with its jobs (one service per process)."""

    stop: StopRequest
    lock: LeaderLock | None = None
    post_digests: PostDigests | None = None
    exit_status: int = 0


_runtime = Runtime(StopRequest())


def _run_job(config_path: str, job: str) -> int:
    from bot.config import load_config

    runtime = _runtime
    if runtime.stop.is_set():
        log.info("%s: skipped: stopping", job, extra={"job": job})
        return 0
    if runtime.lock is not None and not runtime.lock.alive():
        log.error(
            "lost the lock for %s (the database connection dropped); stopping so that a "
            "restart takes it again",
            runtime.lock.database,
            extra={"job": job},
        )
        runtime.exit_status = 1
        runtime.stop.set("lost lock")
        return 1
    try:
        config = load_config(Path(config_path))
        result = run_once(
            config,
            now=datetime.now(UTC),
            stop=runtime.stop,
            post_digests=runtime.post_digests,
            progress=_log_progress(),
        )
    except BotError as exc:
        log.error("%s failed: %s", job, exc, extra={"job": job, "status": "failed"})
        return 2
    log.info("%s", result.line(), extra={"job": job, "exit_status": result.exit_status})
    return result.exit_status


def _log_progress() -> Any:
    from bot.progress import LogProgress

    return LogProgress()


# -- triggers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: Callable[[str], int]
    trigger: BaseTrigger
    grace_seconds: int  # misfire_grace_time: the job's period
    run_at_once: bool  # a new job's first run: now, not one period from now


def sync_trigger(config: Config) -> IntervalTrigger:
    return IntervalTrigger(minutes=config.schedule.sync_every_minutes, timezone=config.timezone)


def digests_trigger(config: Config) -> CronTrigger:
    """``[digest] send_at`` as a weekly cron, in the configured zone: wall-clock time, so 09:00
    stays 09:00 across daylight-saving changes."""
    return CronTrigger(
        day_of_week=WEEKDAYS[config.digest.send_weekday][:3],
        hour=config.digest.send_time.hour,
        minute=config.digest.send_time.minute,
        second=0,
        timezone=config.timezone,
    )


def job_specs(config: Config) -> list[JobSpec]:
    return [
        JobSpec(
            SYNC_JOB,
            sync_job,
            sync_trigger(config),
            config.schedule.sync_every_minutes * 60,
            run_at_once=True,
        ),
        JobSpec(DIGESTS_JOB, digests_job, digests_trigger(config), WEEK_SECONDS, run_at_once=False),
    ]


def trigger_key(trigger: BaseTrigger) -> tuple[Any, ...]:
    """What makes two triggers fire alike (an interval's start date aside)."""
    zone = str(getattr(trigger, "timezone", ""))
    jitter = getattr(trigger, "jitter", None)
    if isinstance(trigger, IntervalTrigger):
        return ("interval", trigger.interval_length, zone, jitter)
    if isinstance(trigger, CronTrigger):
        fields = tuple((field.name, str(field)) for field in trigger.fields)
        return ("cron", fields, zone, jitter)
    return (type(trigger).__name__, repr(trigger))


# -- the scheduler -------------------------------------------------------------------------------


class ServiceScheduler(BlockingScheduler):  # type: ignore[misc]
    """APScheduler's ``BlockingScheduler``, but once shut down it looks for due jobs no more.

    Its loop looks once more after ``shutdown``; a job due at that moment would then fail to
    reach the stopped executor while its next run time moves on in the store: a lost run and
    a traceback in the log.
    """

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        wait: float | None = super()._process_jobs()
        return wait

    def _main_loop(self) -> None:
        # APScheduler's loop, but asleep in short slices. Between runs it would sleep until the
        # next one in a single wait, and a SIGTERM the kernel hands to another thread (any
        # thread may receive a process's signal) only sets CPython's flag: the main thread runs
        # the handler when it next runs Python code, possibly half an hour later.
        wait_seconds: float | None = None
        while self.state != STATE_STOPPED:
            self._sleep(wait_seconds)
            self._event.clear()
            wait_seconds = self._process_jobs()

    def _sleep(self, seconds: float | None) -> None:
        """Wait ``seconds`` (None: until woken) or until woken (a job added, a shutdown),
        waking every ``WAKE_SECONDS`` to let signal handlers run."""
        deadline = time.monotonic() + (TIMEOUT_MAX if seconds is None else seconds)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._event.wait(min(remaining, WAKE_SECONDS)):
                return


def build_scheduler(
    config: Config, engine: Engine, *, scheduler_class: type[BaseScheduler] = ServiceScheduler
) -> BaseScheduler:
    """A scheduler with its jobs in the store's ``apscheduler_jobs``; no jobs yet."""
    return scheduler_class(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)},
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone=config.timezone,
    )


def ensure_jobs(scheduler: BaseScheduler, config: Config, *, now: datetime) -> list[str]:
    """Add the jobs that are missing; update only what the configuration changed.

    The scheduler must be started (paused is fine): jobs are looked up in its store. Returns
    one line per job saying what happened, for the log.
    """
    path = str(Path(config.path).resolve())
    done = []
    for spec in job_specs(config):
        options: dict[str, Any] = {
            "misfire_grace_time": spec.grace_seconds,
            "coalesce": True,
            "max_instances": 1,
        }
        job: Job | None = scheduler.get_job(spec.id)
        if job is None:
            extra = {"next_run_time": now} if spec.run_at_once else {}
            job = scheduler.add_job(
                spec.func,
                trigger=spec.trigger,
                args=[path],
                id=spec.id,
                name=spec.id,
                **options,
                **extra,
            )
            what = "added"
        else:
            changed = []
            if trigger_key(job.trigger) != trigger_key(spec.trigger):
                job = scheduler.reschedule_job(spec.id, trigger=spec.trigger)
                changed.append("schedule")
            updates = {
                name: value for name, value in options.items() if getattr(job, name) != value
            }
            if job.func_ref != obj_to_ref(spec.func):
                updates["func"] = spec.func
            if tuple(job.args) != (path,):
                updates["args"] = [path]
            if updates:
                job = scheduler.modify_job(spec.id, **updates)
                changed.extend(sorted(name.replace("_", " ") for name in updates))
            what = f"updated ({', '.join(changed)})" if changed else "kept"
        done.append(f"{spec.id}: {what}, {describe_trigger(job.trigger)}, next run {_at(job)}")
    return done


def describe_trigger(trigger: BaseTrigger) -> str:
    if isinstance(trigger, IntervalTrigger):
        return f"every {trigger.interval_length / 60:g} minutes"
    if isinstance(trigger, CronTrigger):
        fields = {field.name: str(field) for field in trigger.fields}
        return (
            f"weekly, {fields['day_of_week']} {int(fields['hour']):02d}:"
            f"{int(fields['minute']):02d} {trigger.timezone}"
        )
    return str(trigger)


def _at(job: Job) -> str:
    moment = getattr(job, "next_run_time", None)
    if moment is None:
        return "none (paused)"
    return str(moment.astimezone(job.trigger.timezone).isoformat(timespec="seconds"))


def serve(
    config: Config,
    *,
    stop: StopRequest,
    lock: LeaderLock | None = None,
    post_digests: PostDigests | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    """Run the scheduler until ``stop`` is set; returns the exit status: 0 after a stop
    request, 1 when the lock was lost. The caller holds the leader lock (``lock``)."""
    global _runtime
    engine = db.make_engine(config.database_url)
    try:
        db.ensure_current(engine)
        if stop.is_set():
            return 0
        scheduler = build_scheduler(config, engine)
        _runtime = Runtime(stop=stop, lock=lock, post_digests=post_digests)
        failed: list[BaseException] = []

        def shut_down() -> None:
            try:
                if scheduler.state != STATE_STOPPED:
                    scheduler.shutdown(wait=True)
            except Exception as exc:  # pragma: no cover - reported, the process ends anyway
                log.error("while shutting the scheduler down: %s", exc)

        def started(event: SchedulerEvent) -> None:
            try:
                for line in ensure_jobs(scheduler, config, now=clock()):
                    log.info("%s", line, extra={"job": line.partition(":")[0]})
            except Exception as exc:
                failed.append(exc)
                stop.set("a failed start")
            # From here on a stop request shuts the scheduler down, from a thread of its own:
            # a signal handler must not wait for the running job.
            stop.on_stop(lambda: threading.Thread(target=shut_down, name="ladder-bot-stop").start())

        scheduler.add_listener(started, EVENT_SCHEDULER_STARTED)
        log.info("scheduling for %s, times in %s", describe(config.database_url), config.timezone)
        scheduler.start()
        if failed:
            raise failed[0]
        log.info("stopped (%s)", stop.reason or "scheduler shut down")
        return _runtime.exit_status
    finally:
        engine.dispose()
