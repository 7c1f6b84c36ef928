"""The review packet as frozen values: what the Markdown, HTML and JSON renderers all show.

Confidential evidence is redacted here, when the packet is built, so no renderer can leak it:
such an item keeps its link, date, expectation and rule, and has no summary and no explanation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

__all__ = [
    "CONFIDENTIAL",
    "NOT_YET_SEEN",
    "CoverageCell",
    "CoverageMark",
    "ExpectationEntry",
    "Item",
    "LevelSection",
    "ReviewPacket",
    "Timeline",
]

CONFIDENTIAL = "(confidential)"
NOT_YET_SEEN = "Not yet seen in this period."


@dataclass(frozen=True)
class Item:
    """One piece of evidence as the packet shows it."""

    day: date  # the day it happened, in the configured timezone
    occurred_at: datetime  # UTC
    expectation: str
    expectation_text: str
    level: int
    dimension: str
    rule: str
    kind: str
    url: str
    project: str
    confidential: bool
    summary: str | None  # None when confidential
    why: tuple[str, ...]  # the checks that held, one line each; () when confidential

    @property
    def shown_summary(self) -> str:
        return CONFIDENTIAL if self.summary is None else self.summary


@dataclass(frozen=True)
class ExpectationEntry:
    """One expectation of the person's current or next level, with its evidence."""

    id: str
    text: str
    level: int
    dimension: str
    heading: str  # how the ladder titles the dimension at this level
    observable: bool
    why_not: str | None
    count: int  # evidence items in the period
    examples: tuple[Item, ...]  # up to three, newest first

    @property
    def status(self) -> str:
        """One neutral line: how much evidence, or why there is none to show."""
        if self.count:
            noun = "evidence item" if self.count == 1 else "evidence items"
            return f"{self.count} {noun} in this period."
        if not self.observable:
            return "Not visible in GitLab activity" + (f": {self.why_not}" if self.why_not else ".")
        return NOT_YET_SEEN


@dataclass(frozen=True)
class LevelSection:
    level: int
    role: str  # "current" or "next"
    expectations: tuple[ExpectationEntry, ...]  # in ladder order

    @property
    def title(self) -> str:
        return f"Level {self.level}: {'current level' if self.role == 'current' else 'next level'}"

    @property
    def groups(self) -> list[tuple[str, list[ExpectationEntry]]]:
        """The expectations under their dimension headings, in ladder order."""
        groups: list[tuple[str, list[ExpectationEntry]]] = []
        for entry in self.expectations:
            if not groups or groups[-1][0] != entry.heading:
                groups.append((entry.heading, []))
            groups[-1][1].append(entry)
        return groups


@dataclass(frozen=True)
class Timeline:
    """Evidence items per dimension per month (in the configured timezone)."""

    months: tuple[str, ...]  # "2026-03", every month the period touches
    dimensions: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]  # counts[dimension][month]

    def by_month(self) -> list[tuple[str, tuple[int, ...]]]:
        """Rows for a table: each month with its count per dimension."""
        return [
            (month, tuple(row[index] for row in self.counts))
            for index, month in enumerate(self.months)
        ]

    @property
    def total(self) -> int:
        return sum(sum(row) for row in self.counts)


@dataclass(frozen=True)
class CoverageMark:
    """One expectation in the coverage grid."""

    id: str
    text: str
    observable: bool
    why_not: str | None
    count: int

    @property
    def tooltip(self) -> str:
        if not self.observable:
            reason = self.why_not or "GitLab activity cannot show it"
            return f"{self.id}: {self.text}. Not visible in GitLab activity: {reason}"
        if self.count:
            noun = "evidence item" if self.count == 1 else "evidence items"
            return f"{self.id}: {self.text}. {self.count} {noun} in this period"
        return f"{self.id}: {self.text}. Not yet seen in this period"


@dataclass(frozen=True)
class CoverageCell:
    """One level and dimension of the ladder: how many of its expectations have evidence."""

    level: int
    dimension: str
    heading: str
    marks: tuple[CoverageMark, ...]

    @property
    def observable(self) -> int:
        return sum(1 for mark in self.marks if mark.observable)

    @property
    def seen(self) -> int:
        """Observable expectations with evidence in the period."""
        return sum(1 for mark in self.marks if mark.observable and mark.count)

    @property
    def not_observable(self) -> int:
        return len(self.marks) - self.observable

    @property
    def label(self) -> str:
        """``3 of 5``; ``—`` for an empty cell."""
        if not self.marks:
            return "—"
        if not self.observable:
            return "not visible"
        return f"{self.seen} of {self.observable}"


@dataclass(frozen=True)
class ReviewPacket:
    """Everything a review packet holds, for one person and one period."""

    person: str
    level: int
    ladder_name: str
    ladder_title: str
    since: date  # first day, inclusive
    until: date  # last day, inclusive
    timezone: str
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    generated_at: datetime  # UTC
    levels: tuple[int, ...]
    dimensions: tuple[str, ...]
    sections: tuple[LevelSection, ...]  # current level, then the next (when there is one)
    timeline: Timeline
    coverage: tuple[CoverageCell, ...]  # level by level, dimensions in ladder order
    appendix: tuple[Item, ...]  # every evidence item of the period, oldest first

    def cell(self, level: int, dimension: str) -> CoverageCell:
        for cell in self.coverage:
            if cell.level == level and cell.dimension == dimension:
                return cell
        return CoverageCell(level, dimension, dimension.capitalize(), ())

    @property
    def not_visible(self) -> list[CoverageMark]:
        """Every expectation of the ladder that GitLab activity cannot show, in ladder order."""
        return [mark for cell in self.coverage for mark in cell.marks if not mark.observable]
