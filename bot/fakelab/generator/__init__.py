"""A deterministic synthetic GitLab for a team, in the ``ladder-bot-dataset/1`` format.

``generate()`` simulates ``weeks`` weeks of a team's work before ``end``: people at ladder levels
1-6 open issues and merge requests, review each other, run pipelines, lead incidents; bots open
dependency updates and post CI notes. Behaviour depends on level (see :mod:`.profiles`), so the
ladder's expectations have evidence to find.

Determinism: everything comes from one ``random.Random(seed)`` and RNGs seeded from it (one per
project), times are integer milliseconds (see :mod:`.clock`), and the clock is never read. The
same arguments give byte-identical output.

Small datasets still contain at least one of every feature demos and tests rely on, see
:mod:`.guarantees`. Ids (merge requests, issues, notes, pipelines, award emoji) are assigned at
the end in creation order, as GitLab's sequences would have (see :mod:`.assembly`).

The run, in order: :mod:`.team` builds the cast and the projects, :mod:`.plans` decides who opens
which merge requests, :mod:`.projects` simulates each project (:mod:`.issues`,
:mod:`.merge_requests` with :mod:`.content`, :mod:`.changes` and :mod:`.reviews`,
:mod:`.pipelines`), and :mod:`.assembly` numbers and lays out the result. The texts are in
:mod:`.corpus`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.fakelab.generator.assembly import assemble, assign_ids
from bot.fakelab.generator.clock import Clock
from bot.fakelab.generator.guarantees import GUARANTEED_FEATURES
from bot.fakelab.generator.plans import plan_merge_requests
from bot.fakelab.generator.projects import ProjectSim
from bot.fakelab.generator.team import Team
from bot.fakelab.generator.world import World

__all__ = ["GUARANTEED_FEATURES", "generate", "write_dataset"]


def generate(*, people: int, projects: int, weeks: int, seed: int, end: datetime) -> dict[str, Any]:
    """A deterministic synthetic GitLab for a team: same arguments, identical result.

    ``people`` humans (plus root, the ghost, a blocked former colleague and bots) work on
    ``projects`` projects in group ``acme`` and its subgroup ``acme/platform`` during the ``weeks``
    weeks before ``end`` (timezone-aware). Their ladder levels are recorded in ``meta.people``.
    """
    if people < 1 or projects < 1 or weeks < 1:
        raise ValueError("people, projects and weeks must be at least 1")
    if end.tzinfo is None or end.utcoffset() is None:
        raise ValueError("end must be a timezone-aware datetime")
    rng = random.Random(seed)
    clock = Clock(end, weeks)
    world = World(clock, Team(rng, clock, people=people, projects=projects), weeks)
    plan_merge_requests(world, rng)
    for project in world.team.projects:
        ProjectSim(world, project).run()
    assign_ids(world)
    args = {"people": people, "projects": projects, "weeks": weeks, "seed": seed}
    return assemble(world, args)


def write_dataset(dataset: dict[str, Any], path: Path) -> None:
    """Write ``dataset`` as compact UTF-8 JSON, one project at a time to bound memory."""
    with Path(path).open("w", encoding="utf-8") as out:
        for chunk in _json_chunks(dataset):
            out.write(chunk)


def _json_chunks(dataset: dict[str, Any]) -> Iterator[str]:
    """Exactly ``json.dumps(dataset, separators=(",", ":"), ensure_ascii=False)``, in pieces."""

    def dump(value: Any) -> str:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    yield "{"
    for index, (key, value) in enumerate(dataset.items()):
        yield ("," if index else "") + dump(key) + ":"
        if key == "projects" and isinstance(value, list):
            yield "["
            for position, project in enumerate(value):
                yield ("," if position else "") + dump(project)
            yield "]"
        else:
            yield dump(value)
    yield "}"
