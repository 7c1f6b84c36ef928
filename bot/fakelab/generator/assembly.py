"""Global ids in creation order, and the dataset's top-level layout."""

from __future__ import annotations

from bot.fakelab.dataset_schema import FORMAT
from bot.fakelab.generator.corpus import writing
from bot.fakelab.generator.records import Issue, Json, Project, created
from bot.fakelab.generator.world import World


def assign_ids(world: World) -> None:
    """Global ids in creation order, as GitLab's sequences would have given them.

    Pipelines also get per-project iids; awards on notes point at their note's new id.
    """
    projects = world.team.projects
    mrs = [mr.entry["merge_request"] for p in projects for mr in p.mrs]
    issues = [i.payload for p in projects for i in p.issues]
    pipelines = [pl for p in projects for pl in p.pipelines]
    awards = [a for p in projects for mr in p.mrs for a in mr.entry.get("award_emoji", ())]
    awards += [a for p in projects for i in p.issues for a in i.awards]
    for items, first in (
        (mrs, 1001),
        (issues, 2001),
        (world.notes, 10001),
        (pipelines, 5001),
        (awards, 1),
    ):
        items.sort(key=created)
        for offset, item in enumerate(items):
            item["id"] = first + offset
    for project in projects:
        for iid, pipeline in enumerate(sorted(project.pipelines, key=created), start=1):
            pipeline["iid"] = iid
        project.pipelines.sort(key=lambda pipeline: int(pipeline["id"]))
    for award, note in world.note_awards:
        award["awardable_id"] = note["id"]


def assemble(world: World, args: dict[str, int]) -> Json:
    """The dataset; ``args`` are the generator's arguments, recorded in ``meta.generator``."""
    clock, team = world.clock, world.team
    meta = {
        "generator": {**args, "end": clock.iso(clock.end)},
        "people": [{"username": h.username, "level": h.level} for h in team.humans],
        "bots": [u.username for u in team.users if u.kind == "bot"],
        "admin": "root",
        "ghost": "ghost",
        "blocked": [team.blocked.username],
        "missing_features": world.guarantees.missing(),
    }
    return {
        "format": FORMAT,
        "meta": meta,
        "instance": {"version": "17.6.0", "revision": "6a1c6f5d0e3"},
        "users": team.user_payloads,
        "tokens": team.tokens(),
        "groups": team.groups(),
        "projects": [_project_entry(world, p) for p in team.projects],
    }


def _project_entry(world: World, project: Project) -> Json:
    name = project.path.rsplit("/", 1)[1]
    return {
        "project": {
            "id": project.id,
            "name": name.replace("-", " ").title(),
            "path": name,
            "path_with_namespace": project.path,
            "description": project.description,
            "visibility": "private",
            "default_branch": "main",
            "created_at": world.clock.iso(project.created_at),
        },
        "members": [{"id": uid, "access_level": level} for uid, level in project.members.items()],
        "merge_requests": [mr.entry for mr in project.mrs],
        "issues": [_issue_entry(issue) for issue in project.issues],
        "pipelines": project.pipelines,
        "templates": {"merge_requests": {"Default": writing.UNFILLED_TEMPLATE}},
    }


def _issue_entry(issue: Issue) -> Json:
    entry: Json = {"issue": issue.payload, "notes": issue.notes}
    if issue.awards:
        entry["award_emoji"] = issue.awards
    return entry
