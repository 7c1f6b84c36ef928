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
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, exists, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from bot.evidence.people import Earners
from bot.ladder import Ladder
from bot.rules import Match, Rule, RuleSet
from bot.store import models
from bot.sync.bulk import table

# Bumped when how evidence follows from rules changes, so stored evidence is rebuilt.
MATCH_VERSION = "1"
STATE = "evidence"
CHUNK = 5_000

Activity = dict[str, Any]
_A = models.Activity
_COLUMNS = (
    _A.id,
    _A.key,
    _A.kind,
    _A.actor_id,
    _A.actor_username,
    _A.occurred_at,
    _A.project_id,
    _A.project_path,
    _A.url,
    _A.subject_type,
    _A.subject_iid,
    _A.context,
    _A.fields,
    _A.confidential,
    _A.updated_at,
)
_NAMES = tuple(column.key for column in _COLUMNS)


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
    """Evaluates rules over stored activities and keeps the evidence table in step."""

    def __init__(
        self,
        ruleset: RuleSet,
        ladder: Ladder,
        make_earners: Callable[[Session], Earners],
        now: datetime,
        progress: Progress | None = None,
    ) -> None:
        self.ruleset = ruleset
        self.ladder = ladder
        self.make_earners = make_earners
        self.now = now
        self.progress = progress
        self.window_rules = ruleset.window_rules()
        self.window_ids = frozenset(rule.id for rule in self.window_rules)
        self.plain_ids = [rule.id for rule in ruleset.rules if rule.id not in self.window_ids]

    # -- entry points ---------------------------------------------------------------------

    def run(self, session: Session, *, rebuild: bool = False) -> MatchResult:
        earners = self.make_earners(session)
        wanted = digest(self.ruleset, self.ladder, earners)
        state = session.get(models.MatchState, STATE)
        if rebuild or state is None or state.rules_digest != wanted:
            reason = (
                "asked"
                if rebuild
                else "first run"
                if state is None
                else "rules, ladder or people changed"
            )
            result = self._rebuild(session, earners, reason)
        else:
            result = self._incremental(session, earners, state.position)
        newest = _settled(session)
        if state is None:
            state = models.MatchState(name=STATE, rules_digest=wanted, matched_at=self.now)
            session.add(state)
        state.rules_digest, state.matched_at, state.position = wanted, self.now, newest
        return result

    # -- the two paths ----------------------------------------------------------------------

    def _rebuild(self, session: Session, earners: Earners, reason: str) -> MatchResult:
        result = MatchResult(rebuilt=True, reason=reason)
        old = set(session.scalars(select(models.Evidence.key)))
        session.execute(delete(models.Evidence))
        new: set[str] = set()
        rows: list[dict[str, Any]] = []
        for chunk in self._chunks(session, None):
            result.activities += len(chunk)
            for activity in chunk:
                for match in self.ruleset.match(activity):
                    rows.extend(self._rows(match, activity, earners))
            rows = self._flush(session, rows, new, result)
        self._flush(session, rows, new, result, final=True)
        self._windows(session, self.window_rules, None, earners, new, result)
        result.added, result.removed, result.kept = len(new - old), len(old - new), len(new & old)
        return result

    def _incremental(
        self, session: Session, earners: Earners, position: datetime | None
    ) -> MatchResult:
        result = MatchResult(rebuilt=False)
        new: set[str] = set()
        old: set[str] = set()
        touched: dict[str, set[int]] = defaultdict(set)  # window rule id → actor ids
        rows: list[dict[str, Any]] = []
        for chunk in self._chunks(session, position):
            result.activities += len(chunk)
            keys = [activity["key"] for activity in chunk]
            old |= self._drop(session, keys)
            for activity in chunk:
                for rule in self.window_rules:
                    if activity["kind"] in rule.kinds:
                        touched[rule.id].add(int(activity["actor_id"]))
                for match in self.ruleset.match(activity):
                    rows.extend(self._rows(match, activity, earners))
            rows = self._flush(session, rows, new, result)
        self._flush(session, rows, new, result, final=True)
        gone = self._orphans(session)
        for rule in self.window_rules:
            actors = touched.get(rule.id)
            if actors:
                old |= self._drop_windows(session, rule, actors)
                self._windows(session, (rule,), actors, earners, new, result)
        result.added = len(new - old)
        result.removed = len(old - new) + gone
        result.kept = len(new & old)
        return result

    # -- reading activities -------------------------------------------------------------------

    def _chunks(self, session: Session, since: datetime | None) -> Iterator[list[Activity]]:
        """Activities in id order, CHUNK at a time; only those written at or after ``since``."""
        last = 0
        while True:
            query = select(*_COLUMNS).where(_A.id > last).order_by(_A.id).limit(CHUNK)
            if since is not None:
                query = query.where(_A.updated_at > since)
            chunk = [dict(zip(_NAMES, row, strict=True)) for row in session.execute(query)]
            if not chunk:
                return
            last = int(chunk[-1]["id"])
            if self.progress is not None:
                self.progress.advance(len(chunk))
            yield chunk

    def _person_activities(
        self, session: Session, kinds: Iterable[str], actors: Iterable[int] | None
    ) -> Iterator[tuple[int, list[Activity]]]:
        """Each actor's activities of ``kinds``, oldest first, one actor at a time: every
        window rule of a person is evaluated from one read of their activities."""
        wanted = sorted(set(kinds))
        if actors is None:
            actors = session.scalars(
                select(_A.actor_id).where(_A.kind.in_(wanted)).distinct().order_by(_A.actor_id)
            ).all()
        for actor in sorted(set(actors)):
            query = (
                select(*_COLUMNS)
                .where(_A.actor_id == actor, _A.kind.in_(wanted))
                .order_by(_A.occurred_at, _A.key)
            )
            yield actor, [dict(zip(_NAMES, row, strict=True)) for row in session.execute(query)]

    # -- writing evidence ---------------------------------------------------------------------

    def _rows(
        self, match: Match, activity: Mapping[str, Any], earners: Earners
    ) -> list[dict[str, Any]]:
        if not earners.may_earn(match.earner):
            return []
        person_id = (
            activity["actor_id"]
            if match.earner == activity["actor_username"]
            else earners.user_id(match.earner)
        )
        rows = []
        for expectation_id in match.expectations:
            expectation = self.ladder.expectations.get(expectation_id)
            if expectation is None:
                continue  # rules are checked against the ladder before they get here
            rows.append(
                {
                    "key": f"{match.rule}:{expectation_id}:{activity['key']}",
                    "person_id": person_id,
                    "person_username": match.earner,
                    "expectation": expectation_id,
                    "level": expectation.level,
                    "dimension": expectation.dimension,
                    "rule": match.rule,
                    "rule_digest": self._digest_of(match.rule),
                    "activity_key": activity["key"],
                    "kind": activity["kind"],
                    "occurred_at": activity["occurred_at"],
                    "project_path": activity["project_path"],
                    "url": activity["url"],
                    "summary": match.summary,
                    "why": match.why,
                    "confidential": bool(activity["confidential"]),
                    "matched_at": self.now,
                }
            )
        return rows

    def _digest_of(self, rule_id: str) -> str:
        if not hasattr(self, "_digests"):
            self._digests = {rule.id: rule.digest for rule in self.ruleset.rules}
        return self._digests[rule_id]

    def _flush(
        self,
        session: Session,
        rows: list[dict[str, Any]],
        new: set[str],
        result: MatchResult,
        *,
        final: bool = False,
    ) -> list[dict[str, Any]]:
        if not rows or (len(rows) < CHUNK and not final):
            return rows
        unique: dict[str, dict[str, Any]] = {}
        for row in rows:
            if row["key"] not in new:
                unique.setdefault(row["key"], row)
        if unique:
            session.execute(insert(table(models.Evidence)), list(unique.values()))
            new.update(unique)
            result.people.update(row["person_username"] for row in unique.values())
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

    def _windows(
        self,
        session: Session,
        rules: Sequence[Rule],
        actors: Iterable[int] | None,
        earners: Earners,
        new: set[str],
        result: MatchResult,
    ) -> None:
        if not rules:
            return
        kinds = {kind for rule in rules for kind in rule.kinds}
        for _actor, activities in self._person_activities(session, kinds, actors):
            by_key = {activity["key"]: activity for activity in activities}
            rows: list[dict[str, Any]] = []
            for rule in rules:
                mine = [activity for activity in activities if activity["kind"] in rule.kinds]
                for match in self.ruleset.match_window(rule, mine):
                    rows.extend(self._rows(match, by_key[match.activity_key], earners))
            self._flush(session, rows, new, result, final=True)


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
