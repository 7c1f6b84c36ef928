"""Who opens how many merge requests and issues, where and when.

Merge requests are planned for the whole team at once from the run's main RNG; issues are planned
per project from the project's RNG, when its simulation starts. Incidents and their hotfixes are
added later, by the issues that need them.
"""

from __future__ import annotations

import random

from bot.fakelab.generator.clock import MINUTE
from bot.fakelab.generator.profiles import (
    INCIDENTS_PER_PERSON_WEEK,
    ISSUE_KIND_NAMES,
    ISSUE_KIND_WEIGHTS,
    ISSUE_RATE,
    MR_RATE,
    OBSERVER_ISSUE_RATE,
    RENOVATE_RATE,
)
from bot.fakelab.generator.randomness import stochastic_round
from bot.fakelab.generator.records import Issue, MergeRequestPlan, Project, User
from bot.fakelab.generator.world import World


def plan_merge_requests(world: World, rng: random.Random) -> None:
    """Fill every project's ``mr_plan``: humans, the blocked colleague, the ghost, Renovate."""
    clock, team, weeks = world.clock, world.team, world.weeks
    for human in team.humans:
        count = stochastic_round(rng, MR_RATE[human.level] * weeks * rng.uniform(0.75, 1.25))
        dev_side = [p for p in team.side[human.id] if p.members.get(human.id, 0) >= 30]
        for _ in range(count):
            project = team.home[human.id]
            if dev_side and rng.random() < 0.15:
                project = rng.choice(dev_side)
            project.mr_plan.append(MergeRequestPlan(clock.sample(rng), human))
    # The blocked colleague left 40 % into the span; the users behind the ghost even earlier.
    left = clock.fraction(0.4)
    for _ in range(max(1, round(3 * weeks * 0.4))):
        team.projects[0].mr_plan.append(MergeRequestPlan(clock.sample(rng, hi=left), team.blocked))
    old = clock.fraction(0.3)
    for _ in range(max(2, len(team.humans) * weeks // 150)):
        project = rng.choice(team.projects)
        project.mr_plan.append(MergeRequestPlan(clock.sample(rng, hi=old), team.ghost))
    renovate = max(1, round(RENOVATE_RATE * len(team.humans) * weeks))
    for index in range(renovate):
        project = team.projects[index % len(team.projects)]
        plan = MergeRequestPlan(clock.sample(rng), team.renovate, kind="renovate")
        project.mr_plan.append(plan)


def plan_issues(world: World, project: Project) -> None:
    """Plan ``project``'s issues (children of split issues included) and number them."""
    rng, clock, team, guarantees = project.rng, world.clock, world.team, world.guarantees
    planned: list[Issue] = []
    for human in project.devs + project.observers:
        if human.kind != "human":
            continue
        home = team.home[human.id] is project
        rate = ISSUE_RATE[human.level] if human in project.devs else OBSERVER_ISSUE_RATE
        share = 1.0 if home else 0.35
        count = stochastic_round(rng, rate * share * world.weeks * rng.uniform(0.7, 1.3))
        for _ in range(count):
            kind = _issue_kind(project, human)
            planned.append(Issue(clock.sample(rng), human, kind, project.pick_module()))
    if project is team.projects[0] and team.blocked.id in project.members:
        moment = clock.sample(rng, hi=clock.fraction(0.4))
        planned.append(Issue(moment, team.blocked, "bug", project.pick_module()))
    if (
        len(planned) > 1
        and guarantees.needs("parent_issue")
        and all(i.kind != "parent" for i in planned)
    ):
        planned[0].kind = "parent"
    if len(planned) > 1 and guarantees.needs("task") and all(i.kind != "task" for i in planned):
        planned[-1].kind = "task"
    planned += _incidents(world, project)
    for issue in list(planned):
        if issue.kind == "parent":
            planned += _children(project.rng, issue)
    planned.sort(key=lambda i: i.t)
    for iid, issue in enumerate(planned, start=1):
        issue.iid = iid
    project.issues = planned
    project.issue_times = [i.t for i in planned]


def _issue_kind(project: Project, author: User) -> str:
    weights = ISSUE_KIND_WEIGHTS[max(1, author.level)]
    kind = project.rng.choices(ISSUE_KIND_NAMES, weights=weights)[0]
    if kind == "parent" and len(project.devs) < 2:
        return "feature"
    return kind


def _children(rng: random.Random, parent: Issue) -> list[Issue]:
    """The smaller issues a big one is split into, filed right after it."""
    moment, out = parent.t, []
    for _ in range(rng.randint(2, 5)):
        moment += rng.randrange(2 * MINUTE, 15 * MINUTE)
        child = Issue(moment, parent.author, "child", parent.module, parent=parent)
        child.issue_type = "task" if rng.random() < 0.3 else "issue"
        parent.children.append(child)
        out.append(child)
    return out


def _incidents(world: World, project: Project) -> list[Issue]:
    """Incidents happen at any hour; the first of the dataset early enough to be resolved."""
    rng, clock, devs = project.rng, world.clock, project.devs
    if not devs:
        return []

    def incident(hi: int) -> Issue:
        moment = rng.randrange(clock.start, hi)
        return Issue(
            moment, rng.choice(devs), "incident", project.pick_module(), issue_type="incident"
        )

    count = stochastic_round(rng, INCIDENTS_PER_PERSON_WEEK * len(devs) * world.weeks)
    out = [incident(clock.end) for _ in range(count)]
    if world.guarantees.needs("incident") and all(i.t >= clock.fraction(0.5) for i in out):
        out.append(incident(clock.fraction(0.5)))
    return out
