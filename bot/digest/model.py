"""What a weekly digest holds: one person's evidence, grouped by ladder expectation.

Plain frozen values, built by :func:`bot.digest.build.build_digest` and turned into Markdown by
:func:`bot.digest.render.render_digest`. Nothing here counts, scores or compares: a digest
lists evidence and names openings, for one person.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.digest.weeks import IsoWeek
from bot.ladder import Expectation

__all__ = [
    "OPPORTUNITY_PREFIX",
    "Digest",
    "DimensionEvidence",
    "ExpectationEvidence",
    "Item",
    "LevelEvidence",
    "Opportunity",
]

OPPORTUNITY_PREFIX = "Next step, when the chance comes"


@dataclass(frozen=True)
class Item:
    """One piece of evidence: an activity shown to meet one expectation, with its reasons."""

    key: str
    expectation: str
    level: int
    dimension: str
    rule: str
    kind: str
    url: str
    project: str
    occurred_at: datetime  # UTC
    summary: str
    why: Mapping[str, Any]
    confidential: bool
    new: bool  # occurred in the digest's week
    expectation_text: str = ""  # as the ladder words it


@dataclass(frozen=True)
class ExpectationEvidence:
    """The evidence for one expectation: what is new this week, then the latest before it.

    ``items`` is newest first; ``earlier_since`` is when the evidence for this expectation
    starts, when there is more of it than ``items`` shows.
    """

    expectation: Expectation
    items: tuple[Item, ...]
    earlier_since: datetime | None = None

    @property
    def has_new(self) -> bool:
        return any(item.new for item in self.items)


@dataclass(frozen=True)
class DimensionEvidence:
    dimension: str
    heading: str  # as the ladder titles it at this level
    expectations: tuple[ExpectationEvidence, ...]


@dataclass(frozen=True)
class LevelEvidence:
    """The evidence for one level's expectations, by dimension in the ladder's order."""

    level: int
    current: bool  # the person's own level (else: the next one)
    dimensions: tuple[DimensionEvidence, ...]

    @property
    def empty(self) -> bool:
        return not self.dimensions


@dataclass(frozen=True)
class Opportunity:
    """An expectation GitLab could show that has no evidence yet: an opening, not a gap."""

    expectation: Expectation
    heading: str

    @property
    def text(self) -> str:
        return f"{OPPORTUNITY_PREFIX}: {self.expectation.text}"


@dataclass(frozen=True)
class Digest:
    """One person's weekly digest."""

    person: str  # GitLab username
    level: int
    next_level: int | None  # None at the ladder's top level
    week: IsoWeek
    zone: ZoneInfo
    start: datetime  # UTC, inclusive: Monday 00:00 local
    end: datetime  # UTC, exclusive: the next Monday 00:00 local
    complete: bool  # the week had ended when the digest was built
    ladder_title: str
    levels: tuple[LevelEvidence, ...]  # the person's level, then the next one
    also_new: tuple[Item, ...]  # new this week, for expectations of other levels
    opportunities: tuple[Opportunity, ...]
    opportunities_level: int | None  # the level the opportunities come from

    @property
    def new_expectations(self) -> list[ExpectationEvidence]:
        """The expectations with evidence new this week, in the order the digest shows them."""
        return [
            expectation
            for level in self.levels
            for dimension in level.dimensions
            for expectation in dimension.expectations
            if expectation.has_new
        ]

    @property
    def items(self) -> list[Item]:
        """Every item the digest shows."""
        shown = [
            item
            for level in self.levels
            for dimension in level.dimensions
            for expectation in dimension.expectations
            for item in expectation.items
        ]
        return shown + list(self.also_new)
