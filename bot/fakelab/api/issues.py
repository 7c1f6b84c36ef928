"""Issues, their notes, discussions and award emoji, with confidential issues hidden from
those who may not read them."""

from __future__ import annotations

from collections.abc import Callable

from bot.fakelab import pagination, times
from bot.fakelab.api import noteables
from bot.fakelab.api.core import ApiError, Context, Response, invalid, route
from bot.fakelab.model import GUEST, Issue, Noteable, Project
from bot.fakelab.mutations import Mutator

ISSUE_ORDER = (
    "created_at",
    "updated_at",
    "title",
    "due_date",
    "label_priority",
    "milestone_due",
    "popularity",
    "priority",
    "relative_position",
    "weight",
)
_ISSUE_KEYSET = pagination.KeysetSpec(
    orderings={
        "created_at": lambda i: i.data["created_at"],
        "updated_at": lambda i: i.data["updated_at"],
        "title": lambda i: i.data["title"],
        "id": lambda i: i.id,
        "relative_position": lambda i: i.id,
    },
    default_order="created_at",
)


def _filter(ctx: Context, issues: list[Issue]) -> list[Issue]:
    issues = [i for i in issues if ctx.can_read_issue(i)]
    confidential = ctx.flag("confidential")
    if confidential is not None:
        issues = [i for i in issues if bool(i.data.get("confidential")) == confidential]
    issue_type = ctx.arg("issue_type")
    if issue_type:
        issues = [i for i in issues if i.data.get("issue_type") == issue_type]
    items: list[Noteable] = noteables.filter_issuables(
        ctx, list(issues), states=("opened", "closed"), order=ISSUE_ORDER
    )
    return [i for i in items if isinstance(i, Issue)]


def _render(ctx: Context) -> Callable[[Issue], object]:
    return lambda issue: ctx.render.issue(issue, single=False)


def list_project_issues(ctx: Context, project_id: str) -> Response:
    project = ctx.project(project_id)
    issues = _filter(ctx, list(project.issues.values()))
    return ctx.keyset_or_offset(issues, _render(ctx), _ISSUE_KEYSET, lambda i: i.id)


def list_group_issues(ctx: Context, group_id: str) -> Response:
    from bot.fakelab.api.projects import _group

    group = _group(ctx, group_id)
    ctx.render.reference_group = group
    projects: list[Project] = [
        p
        for p in ctx.state.projects.values()
        if p.group is not None
        and group in p.group.ancestry()
        and ctx.state.can_see_project(ctx.viewer, p)
    ]
    return ctx.page(_filter(ctx, [i for p in projects for i in p.issues.values()]), _render(ctx))


def list_all_issues(ctx: Context) -> Response:
    if ctx.arg("scope") is None:
        ctx.query["scope"] = ["created_by_me"]
    projects = [p for p in ctx.state.projects.values() if ctx.state.can_see_project(ctx.viewer, p)]
    return ctx.page(_filter(ctx, [i for p in projects for i in p.issues.values()]), _render(ctx))


def get_issue(ctx: Context, project_id: str, iid: str) -> Response:
    issue = ctx.issue(ctx.project(project_id), iid)
    return Response(200, ctx.render.issue(issue, single=True))


def _issue_scoped(handler: Callable[..., Response]) -> Callable[..., Response]:
    def wrapped(ctx: Context, project_id: str, iid: str, **rest: str) -> Response:
        return handler(ctx, ctx.issue(ctx.project(project_id), iid), **rest)

    return wrapped


_ISSUE = "/projects/:project_id/issues/:iid"


def create_issue(ctx: Context, project_id: str) -> Response:
    """``POST /projects/:id/issues``: title, description and confidential, authored by the
    token's user (Guest or more, as in GitLab). Quick actions and mentions in a new issue's
    description are not run or logged: ladder-bot writes only plain text there."""
    project = ctx.project(project_id)
    assert ctx.viewer is not None
    if ctx.access(project) < GUEST:
        raise ApiError(403, "403 Forbidden")
    title = ctx.body.get("title")
    if not isinstance(title, str) or not title.strip():
        raise invalid("title is missing")
    issue = Mutator(ctx.state).add_issue(
        project.id,
        {
            "issue": {
                "iid": max(project.issues, default=0) + 1,
                "title": title,
                "description": ctx.body.get("description") or "",
                "confidential": bool(ctx.body.get("confidential")),
                "author": {"id": ctx.viewer.id},
                "created_at": times.fmt(ctx.now),
            }
        },
    )
    return Response(201, ctx.render.issue(issue, single=True))


ROUTES = [
    route("GET", "/issues", list_all_issues),
    route("POST", "/projects/:project_id/issues", create_issue),
    route("GET", "/projects/:project_id/issues", list_project_issues),
    route("GET", "/groups/:group_id/issues", list_group_issues),
    route("GET", _ISSUE, get_issue),
    *noteables.routes(_ISSUE, _issue_scoped),
]
