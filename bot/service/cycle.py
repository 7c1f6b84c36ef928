"""One cycle of the service: sync, then match, then the digests that are due.

``ladder-bot run --once`` is one cycle, and so is each run of the scheduler's jobs. Each
step's outcome is one log line and a :class:`StepOutcome`; the :class:`CycleResult` gives the
exit status: 1 when a step failed, else 0 (a sync that reached its request budget, or a cycle
stopped by SIGTERM, is not a failure: the next cycle continues where this one stopped).

The digests step runs only after a sync that finished and a match that worked, so a digest is
never posted from half-collected data; the next cycle tries again. "Due" means: the configured
``[digest] send_at`` of the current week (in the configured time zone) has passed. The posting
itself (``bot.digest.post.post_due_digests``) posts each person's digest of the last complete
week once, and knows what it already posted.

Library code: the clock comes in as ``now``.
"""

from __future__ import annotations

import functools
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import WEEKDAYS, Config
from bot.errors import BotError
from bot.service.signals import StoppingProgress, StopRequest
from bot.store import db
from bot.sync.client import GitLabClient
from bot.sync.context import Progress

log = logging.getLogger("ladder_bot.service")

# post_due_digests(config, sessions, client, ladder, now) -> outcomes with .line()
PostDigests = Callable[
    [Config, "sessionmaker[Session]", GitLabClient, Any, datetime], Sequence[Any]
]


class DigestsUnavailable(BotError):
    """This ladder-bot has no digest posting (``bot.digest.post``)."""


@dataclass(frozen=True)
class StepOutcome:
    """What one step did: ``status`` is ok, budget, failed, skipped or stopped."""

    step: str  # sync, match, digests
    status: str
    line: str
    details: tuple[str, ...] = ()  # the digests' one line per person

    @property
    def failed(self) -> bool:
        return self.status == "failed"


@dataclass
class CycleResult:
    steps: list[StepOutcome] = field(default_factory=list)

    def step(self, name: str) -> StepOutcome | None:
        return next((step for step in self.steps if step.step == name), None)

    @property
    def failed(self) -> bool:
        return any(step.failed for step in self.steps)

    @property
    def stopped(self) -> bool:
        return any(step.status == "stopped" for step in self.steps)

    @property
    def exit_status(self) -> int:
        return 1 if self.failed else 0

    def line(self) -> str:
        """``cycle: sync ok, match ok, digests skipped``."""
        return "cycle: " + ", ".join(f"{step.step} {step.status}" for step in self.steps)


# -- the cycle -----------------------------------------------------------------------------------


def run_once(
    config: Config,
    *,
    now: datetime,
    digests: bool = True,
    stop: StopRequest | None = None,
    post_digests: PostDigests | None = None,
    progress: Progress | None = None,
) -> CycleResult:
    """A cycle on a store of its own: open the database, check its schema, run, close."""
    engine = db.make_engine(config.database_url)
    try:
        db.ensure_current(engine)
        return run_cycle(
            config,
            engine,
            now=now,
            digests=digests,
            stop=stop,
            post_digests=post_digests,
            progress=progress,
        )
    finally:
        engine.dispose()


def run_cycle(
    config: Config,
    engine: Engine,
    *,
    now: datetime,
    digests: bool = True,
    stop: StopRequest | None = None,
    post_digests: PostDigests | None = None,
    progress: Progress | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> CycleResult:
    """Sync, match, and (with ``digests``) post the digests that are due; log each step."""
    stop = stop or StopRequest()
    sessions = db.session_factory(engine)
    result = CycleResult()

    synced = _report(result, sync_step(config, sessions, now=now, stop=stop, progress=progress))
    if stop.is_set():
        return _stopped(result, digests)
    matched, ladder = match_step(config, sessions, now=now, monotonic=monotonic)
    _report(result, matched)
    if not digests:
        return result
    if stop.is_set():
        return _stopped(result, digests)
    if synced.status != "ok" or matched.status != "ok":
        why = "the sync did not finish" if synced.status != "ok" else "the match failed"
        _report(result, StepOutcome("digests", "skipped", f"digests: skipped: {why}"))
        return result
    _report(
        result,
        digests_step(config, sessions, ladder, now=now, stop=stop, post_digests=post_digests),
    )
    return result


def _report(result: CycleResult, outcome: StepOutcome) -> StepOutcome:
    result.steps.append(outcome)
    level = logging.ERROR if outcome.failed else logging.INFO
    log.log(level, "%s", outcome.line, extra={"step": outcome.step, "status": outcome.status})
    for detail in outcome.details:
        log.info("%s", detail, extra={"step": outcome.step})
    return outcome


def _stopped(result: CycleResult, digests: bool) -> CycleResult:
    for name in ("match", *(("digests",) if digests else ())):
        if result.step(name) is None:
            _report(result, StepOutcome(name, "skipped", f"{name}: skipped: stopping"))
    return result


# -- sync ----------------------------------------------------------------------------------------


def gitlab_client(config: Config, stop: StopRequest, *, budget: int = 0) -> GitLabClient:
    """A client as ``ladder-bot sync`` builds it, whose waits a stop request cuts short."""
    return GitLabClient(
        config.gitlab.url,
        config.gitlab.token(),
        timeout=config.gitlab.timeout_seconds,
        budget=budget,
        max_per_minute=config.sync.max_requests_per_minute,
        sleep=stop.sleep,
    )


def sync_step(
    config: Config,
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    stop: StopRequest,
    progress: Progress | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> StepOutcome:
    """What ``ladder-bot sync`` does, stopping after a committed page when asked."""
    from bot.sync.run import SyncOptions, run_sync

    options = SyncOptions.from_config(config)
    try:
        client = gitlab_client(config, stop, budget=config.sync.request_budget)
    except BotError as exc:
        return StepOutcome("sync", "failed", f"sync failed: {exc}")
    try:
        result = run_sync(
            options,
            client,
            sessions,
            now=now,
            monotonic=monotonic,
            progress=StoppingProgress(stop, progress),
        )
    except BotError as exc:
        if stop.is_set():
            return StepOutcome(
                "sync",
                "stopped",
                f"sync: stopped on {stop.reason}; every page collected before is kept "
                "and the next run resumes from there",
            )
        return StepOutcome("sync", "failed", f"sync failed: {exc}")
    finally:
        client.close()
    line = result.summary.line()
    if result.status == "budget":
        return StepOutcome(
            "sync", "budget", f"sync: {result.message}; the next run continues ({line})"
        )
    return StepOutcome("sync", "ok", f"synced: {line}")


# -- match ---------------------------------------------------------------------------------------


def match_step(
    config: Config,
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    monotonic: Callable[[], float] = time.monotonic,
) -> tuple[StepOutcome, Any]:
    """What ``ladder-bot match`` does; returns the outcome and the ladder (None if unreadable)."""
    from bot.evidence import Earners, Matcher, match_evidence
    from bot.ladder import load_ladder
    from bot.rules import load_rules

    settings = config.rules_settings
    started = monotonic()
    ladder = None
    try:
        if not settings.ladder.is_file():
            raise BotError(f"{settings.ladder}: no such ladder file (see [rules] ladder)")
        if not settings.dir.is_dir():
            raise BotError(f"{settings.dir}: no such folder of rule files (see [rules] dir)")
        ladder = load_ladder(settings.ladder)
        ruleset = load_rules(sorted(settings.dir.glob("*.yaml")), list(ladder.expectations))

        def earners(session: Session) -> Earners:
            return Earners.for_config(session, config)

        result = match_evidence(sessions, Matcher(ruleset, ladder, earners, now=now))
    except BotError as exc:
        hint = " (ladder-bot rules check shows every problem)" if ladder is not None else ""
        return StepOutcome("match", "failed", f"match failed: {exc}{hint}"), ladder
    seconds = monotonic() - started
    return StepOutcome("match", "ok", f"match: {result.line()} in {seconds:.1f} s"), ladder


# -- digests -------------------------------------------------------------------------------------


def send_moment(config: Config, now: datetime) -> datetime:
    """This week's ``[digest] send_at``, in UTC (the week as the configured zone counts it)."""
    zone = config.timezone
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    day = monday + timedelta(days=config.digest.send_weekday)
    return datetime.combine(day, config.digest.send_time, tzinfo=zone).astimezone(UTC)


def digests_due(config: Config, now: datetime) -> bool:
    """Whether this week's send time has passed (the last complete week's digests are due)."""
    return now >= send_moment(config, now)


def load_post_digests(stop: StopRequest) -> PostDigests:
    """``bot.digest.post.post_due_digests``, imported when first needed, pacing its posts
    with waits that a stop request cuts short."""
    try:
        from bot.digest.post import post_due_digests
    except ImportError as exc:  # pragma: no cover - only before the digests are installed
        raise DigestsUnavailable(
            f"this ladder-bot cannot post digests ({exc}); sync and match still run"
        ) from None
    return functools.partial(post_due_digests, sleep=stop.sleep)


def digests_step(
    config: Config,
    sessions: sessionmaker[Session],
    ladder: Any,
    *,
    now: datetime,
    stop: StopRequest,
    post_digests: PostDigests | None = None,
) -> StepOutcome:
    """Post the last complete week's digests once this week's send time has passed."""
    if not digests_due(config, now):
        moment = send_moment(config, now).astimezone(config.timezone)
        return StepOutcome(
            "digests",
            "skipped",
            f"digests: not due before {WEEKDAYS[moment.weekday()]} "
            f"{moment:%Y-%m-%d %H:%M %Z} ([digest] send_at)",
        )
    try:
        post = post_digests or load_post_digests(stop)
    except DigestsUnavailable as exc:
        return StepOutcome("digests", "skipped", f"digests: skipped: {exc}")
    try:
        with gitlab_client(config, stop) as client:
            outcomes = list(post(config, sessions, client, ladder, now))
    except BotError as exc:
        return StepOutcome("digests", "failed", f"digests failed: {exc}")
    if not outcomes:
        return StepOutcome("digests", "ok", "digests: nothing to post (all posted already)")
    lines = tuple(str(outcome.line()) for outcome in outcomes)
    actions = Counter(str(getattr(outcome, "action", "handled")) for outcome in outcomes)
    counts = ", ".join(f"{count} {action}" for action, count in sorted(actions.items()))
    status = "failed" if actions["failed"] else "ok"
    return StepOutcome("digests", status, f"digests: {counts}", lines)
