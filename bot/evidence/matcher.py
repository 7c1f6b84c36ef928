"""Activities in, evidence out: ``match`` evaluates what changed, ``--rebuild`` everything.

Evidence is a pure function of the stored activities, the rules, the ladder and who may earn
it, so both paths end in the same rows: a rebuild is the reference, and the incremental path
re-evaluates exactly the activities written since the last run (``activities.updated_at``),
drops evidence whose activity is gone, and recomputes window rules for the people whose
activities changed. Its position is the newest ``updated_at`` already read (see ``_settled``
for a sync still running). When the rules, the ladder or the people change, the stored evidence no
longer follows from them, so the next ``match`` rebuilds by itself.

Activities are read in id order, a chunk at a time, so memory stays flat and no cursor is open
while evidence is written (PostgreSQL and SQLite alike). Everything happens in one transaction:
a killed run leaves the evidence as it was.

Where the rows go through: SQLAlchemy Core (``store``) in general; the DBAPI connection on
SQLite (``sqlite``), with the same values. A rebuild of many activities on SQLite also hands the
plain rules to a second process (``worker``) and evaluates the window rules meanwhile; the
rows, their order and so their ids are those of one process.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.evidence import texts
from bot.evidence.memory import rarer_collections
from bot.evidence.people import Earners
from bot.evidence.rows import Activity, EvidenceRow, RowMaker, unique
from bot.evidence.sqlite import STORED_KEY, STORED_PERSON, SqliteEvidenceStore
from bot.evidence.store import COLUMNS, NAMES, EvidenceStore
from bot.evidence.worker import Batch, Job, PlainRulesWorker
from bot.ladder import Ladder
from bot.rules import Rule, RuleSet
from bot.store import models

# Bumped when how evidence follows from rules changes, so stored evidence is rebuilt.
MATCH_VERSION = "1"
STATE = "evidence"
CHUNK = 5_000
# A rebuild of at least this many activities evaluates its plain rules in a worker process
# (on SQLite, with a second core): below it, starting the worker costs more than it saves.
WORKER_FROM = 50_000
# The part of what is left that the worker keeps once this process is through the window rules:
# this process then evaluates more slowly (it also writes the worker's rows, and parks its own).
WORKER_SHARE = 2 / 3

_A = models.Activity
# The columns an activity is read with; ``explain`` reads activities the same way.
_COLUMNS, _NAMES = COLUMNS, NAMES


Write = Callable[[Sequence[EvidenceRow]], None]


class Progress(Protocol):
    def advance(self, count: int) -> None: ...


@dataclass
class MatchResult:
    """What one ``match`` did; counts of evidence rows, never of anyone's worth."""

    rebuilt: bool
    reason: str = ""
    activities: int = 0
    added: int = 0
    removed: int = 0
    kept: int = 0
    people: set[str] = field(default_factory=set)

    def line(self) -> str:
        how = f"rebuilt ({self.reason})" if self.rebuilt else "matched"
        return (
            f"{how}: {self.activities:,} activities read, evidence +{self.added:,} "
            f"-{self.removed:,} ={self.kept:,} for {len(self.people):,} people"
        )


def digest(ruleset: RuleSet, ladder: Ladder, earners: Earners) -> str:
    """What the stored evidence follows from; a change means it must be rebuilt."""
    parts = [f"v{MATCH_VERSION}"]
    parts += sorted(f"rule {rule.id} {rule.digest}" for rule in ruleset.rules)
    parts += [f"exp {e.id} {e.level} {e.dimension}" for e in ladder.expectations.values()]
    parts += [f"person {name}" for name in sorted(earners.people)]
    parts += [f"optout {name}" for name in sorted(earners.opt_out)]
    parts += [f"bot {name}" for name in sorted(earners.bot_usernames)]
    parts += [f"botpattern {name}" for name in sorted(earners.bot_patterns)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class Matcher:
    """Evaluates rules over stored activities and keeps the evidence table in step.

    ``worker_from``: the number of activities from which a rebuild on SQLite evaluates the
    plain rules in a second process (``bot.evidence.worker``); None never does.
    """

    def __init__(
        self,
        ruleset: RuleSet,
        ladder: Ladder,
        make_earners: Callable[[Session], Earners],
        now: datetime,
        progress: Progress | None = None,
        *,
        worker_from: int | None = WORKER_FROM,
    ) -> None:
        self.ruleset = ruleset
        self.ladder = ladder
        self.make_earners = make_earners
        self.now = now
        self.progress = progress
        self.worker_from = worker_from
        self.window_rules = ruleset.window_rules()
        self.window_ids = frozenset(rule.id for rule in self.window_rules)
        self.window_kinds = frozenset(kind for rule in self.window_rules for kind in rule.kinds)
        self.plain_ids = [rule.id for rule in ruleset.rules if rule.id not in self.window_ids]

    # -- entry points ---------------------------------------------------------------------

    def run(self, session: Session, *, rebuild: bool = False) -> MatchResult:
        with rarer_collections():
            return self._run(session, rebuild)

    def _run(self, session: Session, rebuild: bool) -> MatchResult:
        earners = self.make_earners(session)
        wanted = digest(self.ruleset, self.ladder, earners)
        state = session.get(models.MatchState, STATE)
        store = store_for(session, self.now)
        maker = RowMaker.of(self.ruleset, self.ladder, earners)
        if rebuild or state is None or state.rules_digest != wanted:
            reason = (
                "asked"
                if rebuild
                else "first run"
                if state is None
                else "rules, ladder or people changed"
            )
            result = self._rebuild(store, maker, reason)
        else:
            result = self._incremental(store, maker, state.position)
        # After the evidence: a rebuild's worker starts only before the transaction writes.
        texts.store(session, self.ruleset.texts.values())
        newest = _settled(session)
        if state is None:
            state = models.MatchState(name=STATE, rules_digest=wanted, matched_at=self.now)
            session.add(state)
        state.rules_digest, state.matched_at, state.position = wanted, self.now, newest
        return result

    # -- the two paths ----------------------------------------------------------------------

    def _rebuild(self, store: EvidenceStore, maker: RowMaker, reason: str) -> MatchResult:
        with store.rebuilding():
            return self._rebuild_all(store, maker, reason)

    def _rebuild_all(self, store: EvidenceStore, maker: RowMaker, reason: str) -> MatchResult:
        result = MatchResult(rebuilt=True, reason=reason)
        old = store.evidence_keys()
        job = self._worker_job(store, maker)
        store.delete_all_evidence()  # from here on the transaction holds the write lock
        new: set[str] = set()
        worker = PlainRulesWorker(job) if job is not None else None
        if worker is None:
            actors = self._plain(store, maker, new, result)
            self._windows(store, self.window_rules, actors, maker, new, result)
        else:
            assert isinstance(store, SqliteEvidenceStore)
            try:
                self._beside(worker, store, maker, new, result)
            finally:
                worker.stop()
        result.added, result.removed, result.kept = len(new - old), len(old - new), len(new & old)
        return result

    def _plain(
        self,
        store: EvidenceStore,
        maker: RowMaker,
        new: set[str],
        result: MatchResult,
        *,
        after: int = 0,
        until: int | None = None,
        write: Write | None = None,
        between: Callable[[], None] | None = None,
    ) -> set[int]:
        """The activities with an id above ``after`` (and at most ``until``) through the plain
        rules, their rows to ``write`` (by default, the evidence), calling ``between`` after
        each chunk; returns who has activities of the window rules' kinds."""
        actors: set[int] = set()
        rows: list[EvidenceRow] = []
        for chunk in self._chunks(store, None, after=after, until=until):
            result.activities += len(chunk)
            actors.update(a["actor_id"] for a in chunk if a["kind"] in self.window_kinds)
            rows += maker.plain_rows(self.ruleset, chunk)
            rows = self._flush(store, rows, new, result, write=write)
            if between is not None:
                between()
        self._flush(store, rows, new, result, final=True, write=write)
        return actors

    def _beside(
        self,
        worker: PlainRulesWorker,
        store: SqliteEvidenceStore,
        maker: RowMaker,
        new: set[str],
        result: MatchResult,
    ) -> None:
        """The rebuild with a worker evaluating the plain rules: this process evaluates the
        window rules meanwhile, writing the worker's rows as they come, then takes the last
        third of what the worker has left (``WORKER_SHARE``) rather than wait for it.

        Rows are written in the order one process gives: the plain rules' by activity, then
        the window rules' by person. So those this process computes are parked (``park``)
        until the worker's are in. No key needs checking against another process's: a key is
        rule, expectation and activity, and no activity is evaluated twice.
        """

        def take() -> None:
            self._take(worker.batches(wait=False), store, new, result)

        def park(lot: str) -> Write:
            return lambda rows: store.park(lot, rows)

        actors = store.actors(self.window_kinds) if self.window_kinds else []
        for rows in self._window_rows(store, self.window_rules, actors, maker):
            self._flush(store, rows, new, result, final=True, write=park("window"))
            take()
        tail_after = None  # the last activity the worker does, when this process does the rest
        if not worker.finished:
            done, last = worker.resume_after or 0, store.last_activity_id()
            if last > done:
                worker.stop_after(done + int((last - done) * WORKER_SHARE))
                self._take(worker.batches(wait=True), store, new, result)  # up to its answer
                tail_after = worker.until
        if tail_after is not None:
            self._plain(
                store, maker, new, result, after=tail_after, write=park("plain"), between=take
            )
        self._take(worker.batches(wait=True), store, new, result)
        if worker.resume_after is not None:  # it could not start, or died: go on without it
            self._plain(store, maker, new, result, after=worker.resume_after, until=tail_after)
        store.unpark("plain")
        store.unpark("window")

    def _take(
        self,
        batches: Iterable[Batch],
        store: SqliteEvidenceStore,
        new: set[str],
        result: MatchResult,
    ) -> None:
        for batch in batches:
            values = [value for value in batch.values if value[STORED_KEY] not in new]
            store.insert_stored(values)
            new.update(value[STORED_KEY] for value in values)
            result.people.update(value[STORED_PERSON] for value in values)
            result.activities += batch.activities
            if self.progress is not None:
                self.progress.advance(batch.activities)

    def _worker_job(self, store: EvidenceStore, maker: RowMaker) -> Job | None:
        """The job for a worker evaluating this rebuild's plain rules, when one can help.

        Only before the transaction has written anything: the worker reads on a connection
        of its own, so it must not miss what the transaction changed.
        """
        if self.worker_from is None or not isinstance(store, SqliteEvidenceStore):
            return None
        database = store.database_file()
        files = sorted({rule.file for rule in self.ruleset.rules})
        if (
            database is None
            or store.writing()
            or os.name != "posix"  # the worker gets its pipe by file descriptor
            or _cores() < 2
            or not all(Path(file).is_file() for file in files)
            or store.count_activities() < self.worker_from
        ):
            return None
        return Job(
            database=database,
            rule_files=tuple(files),
            rules=tuple((rule.id, rule.digest) for rule in self.ruleset.rules),
            expectation_ids=tuple(self.ladder.expectations),
            rows=maker,
            matched_at=store.stored_matched_at,
            chunk=CHUNK,
        )

    def _incremental(
        self, store: EvidenceStore, maker: RowMaker, position: datetime | None
    ) -> MatchResult:
        session = store.session
        result = MatchResult(rebuilt=False)
        new: set[str] = set()
        old: set[str] = set()
        touched: dict[str, set[int]] = defaultdict(set)  # window rule id → actor ids
        rows: list[EvidenceRow] = []
        for chunk in self._chunks(store, position):
            result.activities += len(chunk)
            keys = [activity["key"] for activity in chunk]
            old |= self._drop(session, keys)
            for activity in chunk:
                for rule in self.window_rules:
                    if activity["kind"] in rule.kinds:
                        touched[rule.id].add(int(activity["actor_id"]))
            rows += maker.plain_rows(self.ruleset, chunk)
            rows = self._flush(store, rows, new, result)
        self._flush(store, rows, new, result, final=True)
        gone = self._orphans(session)
        for rule in self.window_rules:
            actors = touched.get(rule.id)
            if actors:
                old |= self._drop_windows(session, rule, actors)
                self._windows(store, (rule,), actors, maker, new, result)
        result.added = len(new - old)
        result.removed = len(old - new) + gone
        result.kept = len(new & old)
        return result

    # -- reading activities -------------------------------------------------------------------

    def _chunks(
        self,
        store: EvidenceStore,
        since: datetime | None,
        *,
        after: int = 0,
        until: int | None = None,
    ) -> Iterator[list[Activity]]:
        """Activities in id order from ``after`` (up to ``until``), CHUNK at a time; only those
        written at or after ``since``."""
        last = after
        while True:
            chunk = store.activities_after(last, since, CHUNK, until=until)
            if not chunk:
                return
            last = int(chunk[-1]["id"])
            if self.progress is not None:
                self.progress.advance(len(chunk))
            yield chunk

    # -- window rules ---------------------------------------------------------------------------

    def _window_rows(
        self, store: EvidenceStore, rules: Sequence[Rule], actors: Iterable[int], maker: RowMaker
    ) -> Iterator[list[EvidenceRow]]:
        """The rows of ``rules`` for each of ``actors`` in turn: every window rule of a person
        is evaluated from one read of their activities."""
        if not rules:
            return
        kinds = {kind for rule in rules for kind in rule.kinds}
        for actor in sorted(set(actors)):
            activities = store.activities_of(actor, kinds)
            by_key = {activity["key"]: activity for activity in activities}
            rows: list[EvidenceRow] = []
            for match in self.ruleset.match_windows(rules, activities):
                rows.extend(maker.rows(match, by_key[match.activity_key]))
            yield rows

    def _windows(
        self,
        store: EvidenceStore,
        rules: Sequence[Rule],
        actors: Iterable[int],
        maker: RowMaker,
        new: set[str],
        result: MatchResult,
    ) -> None:
        for rows in self._window_rows(store, rules, actors, maker):
            self._flush(store, rows, new, result, final=True)

    # -- writing evidence ---------------------------------------------------------------------

    def _flush(
        self,
        store: EvidenceStore,
        rows: list[EvidenceRow],
        new: set[str],
        result: MatchResult,
        *,
        final: bool = False,
        write: Write | None = None,
    ) -> list[EvidenceRow]:
        if not rows or (len(rows) < CHUNK and not final):
            return rows
        fresh = unique(rows, new)
        (write or store.insert)(fresh)
        result.people.update(row.person_username for row in fresh)
        return []

    def _drop(self, session: Session, activity_keys: Sequence[str]) -> set[str]:
        """Remove the (non-window) evidence of these activities; returns the keys removed."""
        evidence = models.Evidence
        where = (evidence.activity_key.in_(activity_keys), evidence.rule.not_in(self.window_ids))
        dropped = set(session.scalars(select(evidence.key).where(*where)))
        if dropped:
            session.execute(delete(evidence).where(*where))
        return dropped

    def _orphans(self, session: Session) -> int:
        """Evidence whose activity no longer exists (deleted in GitLab, or forgotten)."""
        evidence = models.Evidence
        missing = ~exists().where(_A.key == evidence.activity_key)
        gone = list(session.scalars(select(evidence.id).where(missing)))
        for start in range(0, len(gone), CHUNK):
            session.execute(delete(evidence).where(evidence.id.in_(gone[start : start + CHUNK])))
        return len(gone)

    def _drop_windows(self, session: Session, rule: Rule, actors: Iterable[int]) -> set[str]:
        evidence = models.Evidence
        actor_keys = select(_A.key).where(_A.actor_id.in_(sorted(actors)))
        where = (evidence.rule == rule.id, evidence.activity_key.in_(actor_keys))
        dropped = set(session.scalars(select(evidence.key).where(*where)))
        if dropped:
            session.execute(delete(evidence).where(*where))
        return dropped


def store_for(session: Session, now: datetime) -> EvidenceStore:
    """The store for ``session``'s database; evidence written through it is matched ``now``."""
    if session.get_bind().dialect.name == "sqlite":
        return SqliteEvidenceStore(session, now)
    return EvidenceStore(session, now)


def _cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _settled(session: Session) -> datetime | None:
    """How far the activities are settled: the newest ``updated_at``, but not past a sync
    still writing (its rows all carry its start time, and more of them may come).

    A sync that was killed leaves its run marked running; once a later sync has finished,
    the killed one no longer holds anything back.
    """
    newest: datetime | None = session.scalar(select(func.max(_A.updated_at)))
    runs = models.SyncRun
    finished = session.scalar(select(func.max(runs.started_at)).where(runs.status != "running"))
    running = select(func.min(runs.started_at)).where(runs.status == "running")
    if finished is not None:
        running = running.where(runs.started_at > finished)
    oldest_running: datetime | None = session.scalar(running)
    if newest is None or oldest_running is None:
        return newest
    return min(newest, oldest_running - timedelta(microseconds=1))


def match_evidence(
    sessions: sessionmaker[Session],
    matcher: Matcher,
    *,
    rebuild: bool = False,
) -> MatchResult:
    """Run ``matcher`` in one transaction."""
    with sessions() as session, session.begin():
        return matcher.run(session, rebuild=rebuild)
