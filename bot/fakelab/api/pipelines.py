"""Pipelines: the list (``PipelineBasic``, no ``user``) and the single pipeline."""

from __future__ import annotations

from bot.fakelab.api.core import ApiError, Context, Response, invalid, not_found, route
from bot.fakelab.model import REPORTER, Payload, Project

STATUSES = (
    "created",
    "waiting_for_resource",
    "preparing",
    "waiting_for_callback",
    "pending",
    "running",
    "success",
    "failed",
    "canceling",
    "canceled",
    "skipped",
    "manual",
    "scheduled",
)
_SCOPES = {
    "running": {"running"},
    "pending": {"pending"},
    "finished": {"success", "failed", "canceled", "skipped"},
}


def _readable(ctx: Context, project_id: str) -> Project:
    project = ctx.project(project_id)
    if project.visibility == "private" and ctx.access(project) < REPORTER:
        raise ApiError(403, "403 Forbidden")
    return project


def list_pipelines(ctx: Context, project_id: str) -> Response:
    project = _readable(ctx, project_id)
    rows: list[Payload] = list(project.pipelines.values())
    source = ctx.arg("source")
    if source != "parent_pipeline":
        rows = [p for p in rows if p.get("source") != "parent_pipeline"]
    if source:
        rows = [p for p in rows if p.get("source") == source]
    status = ctx.arg("status")
    if status:
        if status not in STATUSES:
            raise invalid("status does not have a valid value")
        rows = [p for p in rows if p["status"] == status]
    scope = ctx.arg("scope")
    if scope in _SCOPES:
        rows = [p for p in rows if p["status"] in _SCOPES[scope]]
    elif scope == "tags":
        rows = [p for p in rows if p.get("tag")]
    elif scope == "branches":
        rows = [p for p in rows if not p.get("tag")]
    for key in ("ref", "sha", "name"):
        wanted = ctx.arg(key)
        if wanted:
            rows = [p for p in rows if p.get(key) == wanted]
    username = ctx.arg("username")
    if username:
        user = ctx.state.users_by_name.get(username.lower())
        rows = [p for p in rows if user is not None and p.get("user") == user.id]
    for key, newer in (
        ("updated_after", True),
        ("updated_before", False),
        ("created_after", True),
        ("created_before", False),
    ):
        bound = ctx.time_arg(key)
        if bound:
            field = key.split("_")[0] + "_at"
            rows = [p for p in rows if (p[field] >= bound if newer else p[field] <= bound)]
    order_by = ctx.choice("order_by", ("id", "status", "ref", "updated_at", "user_id"), "id")
    sort = ctx.choice("sort", ("asc", "desc"), "desc")
    field = "user" if order_by == "user_id" else order_by
    rows.sort(
        key=lambda p: (
            p.get(field) or 0 if field in ("id", "user") else p.get(field) or "",
            p["id"],
        ),
        reverse=sort == "desc",
    )
    return ctx.page(rows, lambda p: ctx.render.pipeline(project, p, single=False))


def get_pipeline(ctx: Context, project_id: str, pipeline_id: str) -> Response:
    project = _readable(ctx, project_id)
    pipeline = project.pipelines.get(int(pipeline_id)) if pipeline_id.isdigit() else None
    if pipeline is None:
        raise not_found("404 Not found")
    return Response(200, ctx.render.pipeline(project, pipeline, single=True))


ROUTES = [
    route("GET", "/projects/:project_id/pipelines", list_pipelines),
    route("GET", "/projects/:project_id/pipelines/:pipeline_id", get_pipeline),
]
