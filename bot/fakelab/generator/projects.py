"""One project's simulation, and the helpers its issues and merge requests share.

Issues come first, so that merge requests can close them; then merge requests in the order they
were opened, then ``main``'s pipelines, then whatever can only be settled once everything else
happened: issue closures, parent issues' task lists, ``updated_at`` times.
"""

from __future__ import annotations

from typing import Any

from bot.fakelab.generator.issues import IssueSim
from bot.fakelab.generator.merge_requests import MergeRequestSim
from bot.fakelab.generator.pipelines import Pipelines
from bot.fakelab.generator.plans import plan_issues
from bot.fakelab.generator.records import Json, MergeRequest, Project, User, created, ref
from bot.fakelab.generator.world import World


class ProjectSim:
    """Simulates ``project``, drawing only from the project's own RNG."""

    def __init__(self, world: World, project: Project) -> None:
        self.world, self.p, self.rng, self.clock = world, project, project.rng, world.clock
        self.end = world.clock.end
        self.guarantees = world.guarantees
        self.pipelines = Pipelines(project, project.rng, world.clock)

    def run(self) -> None:
        plan_issues(self.world, self.p)
        for issue in self.p.issues:
            IssueSim(self, issue).render()
        self.p.mr_plan.sort(key=lambda plan: plan.t)
        for iid, plan in enumerate(self.p.mr_plan, start=1):
            self.p.mrs.append(MergeRequestSim(self, plan, iid).run())
        self.pipelines.on_main(self.world)
        # Children close before their parents can.
        for issue in sorted(self.p.issues, key=lambda i: i.kind == "parent"):
            IssueSim(self, issue).finish()
        for mr in self.p.mrs:
            _finish(mr)

    def note(
        self, noteable: list[Json], moment: int, author: User, body: str, **extra: Any
    ) -> Json | None:
        """Append a note to ``noteable`` if it happened before the end of the simulation."""
        if moment >= self.end:
            return None
        note: Json = {"body": body, "author": ref(author), "created_at": self.clock.iso(moment)}
        if extra:
            note.update(extra)
        noteable.append(note)
        self.world.notes.append(note)
        return note

    def system(self, noteable: list[Json], moment: int, author: User, body: str) -> Json | None:
        """A system note: what GitLab writes itself when someone acts."""
        return self.note(noteable, moment, author, body, system=True)

    def other_dev(self, *exclude: User) -> User | None:
        candidates = [d for d in self.p.devs if d not in exclude]
        return self.rng.choice(candidates) if candidates else None


def _finish(mr: MergeRequest) -> None:
    """Notes in time order and ``updated_at`` after the last of everything."""
    mr.notes.sort(key=created)
    payload = mr.entry["merge_request"]
    latest = max([payload["updated_at"], *(n["created_at"] for n in mr.notes[-1:])])
    payload["updated_at"] = latest
