"""The career ladder as frozen values: expectations, grouped by level and dimension."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

__all__ = ["Expectation", "Ladder"]


@dataclass(frozen=True)
class Expectation:
    """One bullet of the ladder: something a person at ``level`` is expected to do."""

    id: str  # l<level>.<dimension>.<slug>; stable, rules and stored evidence refer to it
    level: int
    dimension: str  # lower-case dimension name, e.g. "communication"
    text: str  # worded as in the ladder document (spelling may be fixed)
    examples: tuple[str, ...]  # the document's "Example: ..." / "such as ..." lines
    observable: bool  # can GitLab activity show it?
    why_not: str | None  # one line when not observable
    seed_text: str | None = None  # the document's wording, when ``text`` fixes its spelling


@dataclass(frozen=True)
class Ladder:
    """A whole ladder: its levels, dimensions and every expectation in document order."""

    name: str
    title: str
    levels: tuple[int, ...]
    dimensions: tuple[str, ...]
    expectations: Mapping[str, Expectation]  # by id, in document order
    # How the document titles each dimension at each level: level 6 of the backend ladder
    # says "Communication & Feedback" for `communication`.
    headings: Mapping[tuple[int, str], str] = field(default_factory=lambda: MappingProxyType({}))

    def at_level(self, level: int) -> list[Expectation]:
        """The expectations of one level, in document order; [] for a level not in the ladder."""
        return [item for item in self.expectations.values() if item.level == level]

    def get(self, expectation_id: str) -> Expectation | None:
        """The expectation with this id, or None."""
        return self.expectations.get(expectation_id)

    @cached_property
    def dimension_order(self) -> Mapping[str, int]:
        """Each dimension's position in ``dimensions``: a sort key for expectations."""
        return MappingProxyType({name: index for index, name in enumerate(self.dimensions)})

    def heading(self, level: int, dimension: str) -> str:
        """How the ladder document titles ``dimension`` at ``level``."""
        return self.headings.get((level, dimension), dimension.capitalize())
