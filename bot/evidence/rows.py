"""Evidence rows: what one rule's match on one activity puts in the ``evidence`` table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from bot.evidence.people import Earners
from bot.ladder import Ladder
from bot.rules import Match, RuleSet

Activity = dict[str, Any]


class EvidenceRow(NamedTuple):
    """One evidence row: the ``evidence`` columns in table order, without ``id`` (the database
    numbers rows) and ``matched_at`` (the same for a whole run, so the store adds it)."""

    key: str
    person_id: int | None
    person_username: str
    expectation: str
    level: int
    dimension: str
    rule: str
    rule_digest: str
    activity_key: str
    kind: str
    occurred_at: datetime
    project_path: str
    url: str
    summary: str
    why: dict[str, Any]
    confidential: bool


@dataclass(frozen=True)
class RowMaker:
    """Turns matches into evidence rows: one per expectation the rule names, and none for
    someone who may not earn evidence.

    Plain data (no rules, no session), so that a worker process can be handed one.
    """

    earners: Earners
    expectations: Mapping[str, tuple[int, str]]  # expectation id → (level, dimension)
    digests: Mapping[str, str]  # rule id → digest

    @classmethod
    def of(cls, ruleset: RuleSet, ladder: Ladder, earners: Earners) -> RowMaker:
        return cls(
            earners,
            {key: (e.level, e.dimension) for key, e in ladder.expectations.items()},
            {rule.id: rule.digest for rule in ruleset.rules},
        )

    def rows(self, match: Match, activity: Activity) -> list[EvidenceRow]:
        if not self.earners.may_earn(match.earner):
            return []
        person_id = (
            activity["actor_id"]
            if match.earner == activity["actor_username"]
            else self.earners.user_id(match.earner)
        )
        rows = []
        for expectation_id in match.expectations:
            expectation = self.expectations.get(expectation_id)
            if expectation is None:
                continue  # rules are checked against the ladder before they get here
            level, dimension = expectation
            rows.append(
                EvidenceRow(  # positional: keywords cost as much again, a row per match
                    f"{match.rule}:{expectation_id}:{activity['key']}",
                    person_id,
                    match.earner,
                    expectation_id,
                    level,
                    dimension,
                    match.rule,
                    self.digests[match.rule],
                    activity["key"],
                    activity["kind"],
                    activity["occurred_at"],
                    activity["project_path"],
                    activity["url"],
                    match.summary,
                    match.why,  # short: its rule's texts are stored apart (bot.evidence.texts)
                    bool(activity["confidential"]),
                )
            )
        return rows

    def plain_rows(self, ruleset: RuleSet, activities: Iterable[Activity]) -> list[EvidenceRow]:
        """The rows of the rules without a window that match ``activities``, in their order."""
        rows: list[EvidenceRow] = []
        for activity in activities:
            for match in ruleset.match(activity):
                rows.extend(self.rows(match, activity))
        return rows


def unique(rows: Iterable[EvidenceRow], seen: set[str]) -> list[EvidenceRow]:
    """``rows`` whose key is not in ``seen`` yet, the first of each key; adds their keys."""
    fresh: dict[str, EvidenceRow] = {}
    for row in rows:
        if row.key not in seen:
            fresh.setdefault(row.key, row)
    seen.update(fresh)
    return list(fresh.values())
