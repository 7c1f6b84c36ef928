"""Merge requests and everything hanging off them: notes, discussions, approvals, diffs,
versions, commits, reviewers and award emoji."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.fakelab.api import noteables
from bot.fakelab.api.core import ApiError, Context, Response, not_found, route
from bot.fakelab.model import MergeRequest, Noteable, Payload, Project

MR_ORDER = (
    "created_at",
    "updated_at",
    "title",
    "merged_at",
    "label_priority",
    "milestone_due",
    "popularity",
    "priority",
)


def _filter_mrs(ctx: Context, mrs: list[MergeRequest]) -> list[MergeRequest]:
    items: list[Noteable] = noteables.filter_issuables(
        ctx, list(mrs), states=("opened", "closed", "merged", "locked"), order=MR_ORDER
    )
    items = noteables.user_filter(ctx, items, "reviewer", "reviewers")
    items = noteables.user_filter(ctx, items, "merge_user", "merge_user")
    for key in ("source_branch", "target_branch"):
        wanted = ctx.arg(key)
        if wanted:
            items = [i for i in items if i.data.get(key) == wanted]
    wip = ctx.arg("wip")
    if wip in ("yes", "no"):
        items = [i for i in items if bool(i.data.get("draft")) == (wip == "yes")]
    return [i for i in items if isinstance(i, MergeRequest)]


def _mr_renderer(ctx: Context) -> Callable[[Any], Any]:
    if ctx.arg("view") == "simple":
        return ctx.render.merge_request_simple
    return lambda mr: ctx.render.merge_request(mr, single=False)


def _readable_projects(ctx: Context, projects: list[Project]) -> list[Project]:
    return [
        p
        for p in projects
        if ctx.state.can_see_project(ctx.viewer, p)
        and not (p.visibility == "private" and ctx.access(p) < 20)
    ]


def list_project_mrs(ctx: Context, project_id: str) -> Response:
    project = ctx.project(project_id)
    if project.visibility == "private" and ctx.access(project) < 20:
        raise ApiError(403, "403 Forbidden")
    return ctx.page(_filter_mrs(ctx, list(project.merge_requests.values())), _mr_renderer(ctx))


def list_group_mrs(ctx: Context, group_id: str) -> Response:
    from bot.fakelab.api.projects import _group

    group = _group(ctx, group_id)
    ctx.render.reference_group = group
    projects = [
        p
        for p in ctx.state.projects.values()
        if p.group is not None and group in p.group.ancestry()
    ]
    mrs = [mr for p in _readable_projects(ctx, projects) for mr in p.merge_requests.values()]
    return ctx.page(_filter_mrs(ctx, mrs), _mr_renderer(ctx))


def list_all_mrs(ctx: Context) -> Response:
    if ctx.arg("scope") is None:
        ctx.query["scope"] = ["created_by_me"]
    mrs = [
        mr
        for p in _readable_projects(ctx, list(ctx.state.projects.values()))
        for mr in p.merge_requests.values()
    ]
    return ctx.page(_filter_mrs(ctx, mrs), _mr_renderer(ctx))


def get_mr(ctx: Context, project_id: str, iid: str) -> Response:
    mr = ctx.merge_request(ctx.project(project_id), iid)
    return Response(200, ctx.render.merge_request(mr, single=True))


def _mr_scoped(handler: Callable[..., Response]) -> Callable[..., Response]:
    def wrapped(ctx: Context, project_id: str, iid: str, **rest: str) -> Response:
        return handler(ctx, ctx.merge_request(ctx.project(project_id), iid), **rest)

    return wrapped


# -- approvals, diffs, versions, commits, reviewers -------------------------------------------------


def approvals(ctx: Context, mr: MergeRequest) -> Response:
    return Response(200, ctx.render.approvals(mr))


def approval_state(ctx: Context, mr: MergeRequest) -> Response:
    return Response(200, ctx.render.approval_state(mr))


def diffs(ctx: Context, mr: MergeRequest) -> Response:
    return ctx.page(mr.diffs, ctx.render.diff)


def changes(ctx: Context, mr: MergeRequest) -> Response:
    out = ctx.render.merge_request(mr, single=True)
    out["changes"] = [ctx.render.diff(d) for d in mr.diffs]
    out["overflow"] = False
    return Response(200, out)


def versions(ctx: Context, mr: MergeRequest) -> Response:
    return ctx.page(ctx.render.versions(mr), lambda v: v)


def version(ctx: Context, mr: MergeRequest, version_id: str) -> Response:
    for candidate in ctx.render.versions(mr):
        if str(candidate["id"]) == version_id:
            full: Payload = dict(candidate)
            full["commits"] = [ctx.render.commit(mr, c) for c in mr.commits]
            full["diffs"] = [ctx.render.diff(d) for d in mr.diffs]
            return Response(200, full)
    raise not_found("404 Not found")


def commits(ctx: Context, mr: MergeRequest) -> Response:
    return ctx.page(mr.commits, lambda c: ctx.render.commit(mr, c))


def reviewers(ctx: Context, mr: MergeRequest) -> Response:
    rows = [
        {
            "user": ctx.render.user_basic(r["user"]),
            "state": r["state"],
            "created_at": r["created_at"],
        }
        for r in mr.reviewer_states
    ]
    return Response(200, rows)


def participants(ctx: Context, mr: MergeRequest) -> Response:
    ids: list[int] = [mr.data["author"]]
    for note in mr.notes:
        if (
            not note.data["system"]
            and note.data["author"] not in ids
            and ctx.render.can_read_note(note)
        ):
            ids.append(note.data["author"])
    return Response(200, [ctx.render.user_basic(uid) for uid in ids])


def mr_pipelines(ctx: Context, mr: MergeRequest) -> Response:
    shas = {c["id"] for c in mr.commits} | {mr.data.get("sha")}
    rows = sorted(
        (p for p in mr.project.pipelines.values() if p["sha"] in shas),
        key=lambda p: p["id"],
        reverse=True,
    )
    return ctx.page(rows, lambda p: ctx.render.pipeline(mr.project, p, single=False))


_MR = "/projects/:project_id/merge_requests/:iid"

ROUTES = [
    route("GET", "/merge_requests", list_all_mrs),
    route("GET", "/projects/:project_id/merge_requests", list_project_mrs),
    route("GET", "/groups/:group_id/merge_requests", list_group_mrs),
    route("GET", _MR, get_mr),
    *noteables.routes(_MR, _mr_scoped),
    route("GET", f"{_MR}/approvals", _mr_scoped(approvals)),
    route("GET", f"{_MR}/approval_state", _mr_scoped(approval_state)),
    route("GET", f"{_MR}/diffs", _mr_scoped(diffs)),
    route("GET", f"{_MR}/changes", _mr_scoped(changes)),
    route("GET", f"{_MR}/versions", _mr_scoped(versions)),
    route("GET", f"{_MR}/versions/:version_id", _mr_scoped(version)),
    route("GET", f"{_MR}/commits", _mr_scoped(commits)),
    route("GET", f"{_MR}/reviewers", _mr_scoped(reviewers)),
    route("GET", f"{_MR}/participants", _mr_scoped(participants)),
    route("GET", f"{_MR}/pipelines", _mr_scoped(mr_pipelines)),
]
