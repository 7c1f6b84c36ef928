"""A project's pipelines: for merge requests and merges, nightly and manual ones on ``main``."""

from __future__ import annotations

import bisect
import random

from bot.fakelab.generator.clock import DAY, HOUR, MINUTE, Clock, weekday
from bot.fakelab.generator.profiles import PIPELINE_SECONDS
from bot.fakelab.generator.randomness import random_hex, stochastic_round
from bot.fakelab.generator.records import Json, Project, User, ref
from bot.fakelab.generator.world import World


class Pipelines:
    """Records pipeline payloads into ``project.pipelines``; iids are numbered at the end."""

    def __init__(self, project: Project, rng: random.Random, clock: Clock) -> None:
        self.project, self.rng, self.clock = project, rng, clock

    def record(
        self,
        moment: int,
        sha: str,
        ref_name: str,
        source: str,
        user: User | None,
        status: str = "success",
    ) -> int | None:
        """Record a pipeline created at ``moment``; return when it finished (None: still going).

        ``status`` is how it ends; one still queued or running at ``end`` says so instead.
        """
        end = self.clock.end
        if moment >= end:
            return None
        rng, iso = self.rng, self.clock.iso
        low, high = PIPELINE_SECONDS[self.project.stack]
        queued = rng.randrange(2, 60)
        duration = rng.randrange(low, high)
        if status == "canceled":
            duration //= 3
        started, finished = moment + queued * 1000, moment + (queued + duration) * 1000
        payload: Json = {
            "status": status,
            "source": source,
            "ref": ref_name,
            "sha": sha,
            "created_at": iso(moment),
            "user": ref(user) if user else None,
        }
        if finished < end:
            payload.update(
                updated_at=iso(finished),
                started_at=iso(started),
                finished_at=iso(finished),
                duration=duration,
                queued_duration=queued,
            )
        elif started < end:
            payload.update(
                status="running",
                updated_at=iso(started),
                started_at=iso(started),
                finished_at=None,
                duration=None,
                queued_duration=queued,
            )
        else:
            payload.update(
                status="pending",
                updated_at=iso(moment),
                started_at=None,
                finished_at=None,
                duration=None,
            )
        self.project.pipelines.append(payload)
        return finished if finished < end else None

    def on_main(self, world: World) -> None:
        """Nightly schedules, occasional manual runs, on the newest ``main`` commit of the time.

        Runs after every merge request, so that ``project.merges`` is complete.
        """
        rng, clock, p = self.rng, self.clock, self.project
        p.merges.sort()
        times = [t for t, _ in p.merges]
        initial = random_hex(rng)

        def head(moment: int) -> str:
            index = bisect.bisect_left(times, moment)
            return p.merges[index - 1][1] if index else initial

        first_day = clock.start // DAY + 1
        for day in range(first_day, (clock.end - 1) // DAY + 1):
            if weekday(day) >= 5:
                continue
            moment = day * DAY + 2 * HOUR + rng.randrange(20 * MINUTE)
            status = "failed" if rng.random() < 0.08 else "success"
            self.record(moment, head(moment), "main", "schedule", world.team.ci_bot, status)
        runners = p.maintainers or p.devs
        for _ in range(stochastic_round(rng, world.weeks / 3) if runners else 0):
            moment = clock.sample(rng)
            self.record(moment, head(moment), "main", "web", rng.choice(runners))
        if world.guarantees.needs("running_pipeline"):
            if not any(pl["status"] == "running" for pl in p.pipelines):
                moment = clock.end - 90_000  # started by hand a minute and a half ago
                self.record(
                    moment, head(moment), "main", "web", rng.choice(runners) if runners else None
                )
            world.guarantees.done("running_pipeline")
