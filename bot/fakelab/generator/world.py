"""What the simulations of all projects share."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.fakelab.generator.clock import Clock
from bot.fakelab.generator.guarantees import Guarantees
from bot.fakelab.generator.records import Json
from bot.fakelab.generator.team import Team


@dataclass(eq=False, slots=True)
class World:
    """The clock, the team, the features still needed, and what gets global ids at the end."""

    clock: Clock
    team: Team
    weeks: int
    guarantees: Guarantees = field(default_factory=Guarantees)
    #: Every note of every issue and merge request, numbered by creation time at the end.
    notes: list[Json] = field(default_factory=list)
    #: (award, note) for emoji on notes: the award's ``awardable_id`` is the note's future id.
    note_awards: list[tuple[Json, Json]] = field(default_factory=list)
