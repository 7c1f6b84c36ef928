"""Projects, groups and their members."""

from __future__ import annotations

from bot.fakelab import pagination
from bot.fakelab.api.core import Context, Response, not_found, route
from bot.fakelab.model import Group, Payload, Project

_PROJECT_KEYSET = pagination.KeysetSpec(orderings={"id": lambda p: p.id}, id_param=True)


def _visible_projects(ctx: Context) -> list[Project]:
    return [
        p
        for p in sorted(ctx.state.projects.values(), key=lambda p: p.id)
        if ctx.state.can_see_project(ctx.viewer, p)
    ]


def _filter_projects(ctx: Context, projects: list[Project]) -> list[Project]:
    if ctx.flag("membership") and ctx.viewer is not None and not ctx.viewer.is_admin:
        projects = [p for p in projects if ctx.state.project_access(ctx.viewer, p) > 0]
    search = (ctx.arg("search") or "").lower()
    if search:
        projects = [
            p
            for p in projects
            if search in p.path_with_namespace.lower() or search in str(p.data["name"]).lower()
        ]
    if ctx.flag("archived") is not None:
        archived = ctx.flag("archived")
        projects = [p for p in projects if bool(p.data.get("archived")) == archived]
    order = ctx.choice(
        "order_by",
        ("id", "name", "path", "created_at", "updated_at", "last_activity_at"),
        "created_at",
    )
    sort = ctx.choice("sort", ("asc", "desc"), "desc")
    keys = {
        "id": lambda p: (p.id,),
        "name": lambda p: (str(p.data["name"]).lower(), p.id),
        "path": lambda p: (p.path_with_namespace, p.id),
        "created_at": lambda p: (str(p.data.get("created_at") or ""), p.id),
        "updated_at": lambda p: (str(p.data.get("created_at") or ""), p.id),
        "last_activity_at": lambda p: (str(p.events[-1]["created_at"] if p.events else ""), p.id),
    }
    return sorted(projects, key=keys[order], reverse=sort == "desc")


def list_projects(ctx: Context) -> Response:
    projects = _filter_projects(ctx, _visible_projects(ctx))
    return ctx.keyset_or_offset(projects, ctx.render.project, _PROJECT_KEYSET, lambda p: p.id)


def get_project(ctx: Context, project_id: str) -> Response:
    return Response(200, ctx.render.project(ctx.project(project_id)))


def _members(ctx: Context, members: dict[int, Payload]) -> list[Payload]:
    query = (ctx.arg("query") or "").lower()
    out = []
    for uid in sorted(members):
        member = members[uid]
        rendered = ctx.render.member(uid, int(member["access_level"]), member.get("created_at"))
        if (
            query
            and query not in rendered["username"].lower()
            and query not in str(rendered["name"]).lower()
        ):
            continue
        out.append(rendered)
    return out


def project_members(ctx: Context, project_id: str) -> Response:
    project = ctx.project(project_id)
    return ctx.page(_members(ctx, project.members), lambda m: m)


def project_members_all(ctx: Context, project_id: str) -> Response:
    project = ctx.project(project_id)
    merged = {
        uid: {"access_level": level, "created_at": None}
        for uid, level in ctx.state.project_members(project).items()
    }
    return ctx.page(_members(ctx, merged), lambda m: m)


def _group(ctx: Context, ref: str) -> Group:
    from urllib.parse import unquote

    group = ctx.state.group(unquote(ref))
    if group is None or not _can_see_group(ctx, group):
        raise not_found("404 Group Not Found")
    return group


def _can_see_group(ctx: Context, group: Group) -> bool:
    if group.data.get("visibility") == "public":
        return True
    if ctx.viewer is None:
        return False
    if group.data.get("visibility") == "internal" or ctx.state.group_access(ctx.viewer, group) > 0:
        return True
    # Members of a project inside a private group may see the group.
    return any(
        p.group is not None
        and group in p.group.ancestry()
        and ctx.state.project_access(ctx.viewer, p) > 0
        for p in ctx.state.projects.values()
    )


def list_groups(ctx: Context) -> Response:
    groups = [
        g
        for g in sorted(ctx.state.groups.values(), key=lambda g: g.full_path)
        if _can_see_group(ctx, g)
    ]
    search = (ctx.arg("search") or "").lower()
    if search:
        groups = [g for g in groups if search in g.full_path.lower()]
    return ctx.page(groups, ctx.render.group)


def get_group(ctx: Context, group_id: str) -> Response:
    return Response(200, ctx.render.group(_group(ctx, group_id)))


def group_subgroups(ctx: Context, group_id: str) -> Response:
    group = _group(ctx, group_id)
    children = [
        g for g in ctx.state.groups.values() if g.parent is group and _can_see_group(ctx, g)
    ]
    return ctx.page(sorted(children, key=lambda g: g.full_path), ctx.render.group)


def group_descendants(ctx: Context, group_id: str) -> Response:
    group = _group(ctx, group_id)
    return ctx.page(
        [g for g in ctx.state.subgroups(group) if _can_see_group(ctx, g)], ctx.render.group
    )


def group_projects(ctx: Context, group_id: str) -> Response:
    group = _group(ctx, group_id)
    include_subgroups = bool(ctx.flag("include_subgroups"))
    projects = [
        p
        for p in _visible_projects(ctx)
        if p.group is group
        or (include_subgroups and p.group is not None and group in p.group.ancestry())
    ]
    projects = _filter_projects(ctx, projects)
    return ctx.keyset_or_offset(projects, ctx.render.project, _PROJECT_KEYSET, lambda p: p.id)


def group_members(ctx: Context, group_id: str) -> Response:
    return ctx.page(_members(ctx, _group(ctx, group_id).members), lambda m: m)


def group_members_all(ctx: Context, group_id: str) -> Response:
    group = _group(ctx, group_id)
    merged: dict[int, Payload] = {}
    for source in reversed(group.ancestry()):
        for uid, member in source.members.items():
            if uid not in merged or member["access_level"] > merged[uid]["access_level"]:
                merged[uid] = member
    return ctx.page(_members(ctx, merged), lambda m: m)


ROUTES = [
    route("GET", "/projects", list_projects),
    route("GET", "/projects/:project_id", get_project),
    route("GET", "/projects/:project_id/members", project_members),
    route("GET", "/projects/:project_id/members/all", project_members_all),
    route("GET", "/groups", list_groups),
    route("GET", "/groups/:group_id", get_group),
    route("GET", "/groups/:group_id/subgroups", group_subgroups),
    route("GET", "/groups/:group_id/descendant_groups", group_descendants),
    route("GET", "/groups/:group_id/projects", group_projects),
    route("GET", "/groups/:group_id/members", group_members),
    route("GET", "/groups/:group_id/members/all", group_members_all),
]
