"""``/version``, ``/user``, ``/users`` and a user's events."""

from __future__ import annotations

from bot.fakelab import pagination
from bot.fakelab.api.core import Context, Response, invalid, not_found, route
from bot.fakelab.api.events import filter_events, page_events, visible_events

_USER_KEYSET = pagination.KeysetSpec(
    orderings={
        "id": lambda u: u.id,
        "name": lambda u: str(u.data.get("name", "")),
        "username": lambda u: u.username,
        "created_at": lambda u: str(u.data.get("created_at") or ""),
        "updated_at": lambda u: str(u.data.get("updated_at") or u.data.get("created_at") or ""),
    },
)


def version(ctx: Context) -> Response:
    info = {
        "version": "17.6.0-ee",
        "revision": "fakelab",
        "kas": {"enabled": False, "externalUrl": None, "version": None},
        "enterprise": True,
    }
    info.update(ctx.state.instance)
    return Response(200, info)


def current_user(ctx: Context) -> Response:
    assert ctx.viewer is not None
    return Response(200, ctx.render.current_user(ctx.viewer))


def list_users(ctx: Context) -> Response:
    users = sorted(ctx.state.users.values(), key=lambda u: u.id)
    username = ctx.arg("username")
    if username:
        users = [u for u in users if u.username.lower() == username.lower()]
    search = (ctx.arg("search") or "").lower()
    if search:
        users = [
            u
            for u in users
            if search in u.username.lower() or search in str(u.data.get("name", "")).lower()
        ]
    if ctx.flag("active"):
        users = [u for u in users if u.data.get("state") == "active"]
    if ctx.flag("blocked"):
        users = [u for u in users if u.data.get("state") == "blocked"]
    if ctx.flag("humans"):
        users = [u for u in users if not u.is_bot and u.username != "ghost"]
    if ctx.flag("exclude_humans"):
        users = [u for u in users if u.is_bot]
    if ctx.flag("without_project_bots"):
        users = [u for u in users if not _is_token_bot(u.username)]
    if ctx.flag("exclude_internal"):
        users = [u for u in users if u.username != "ghost" and not u.username.endswith("-bot")]
    admin = ctx.viewer is not None and ctx.viewer.is_admin

    def render(user: object) -> object:
        from bot.fakelab.model import User

        assert isinstance(user, User)
        return ctx.render.user(user) if admin else ctx.render.user_basic(user.id)

    if not pagination.wants_keyset(ctx.query):
        # ``sort_params``: order_by id|name|username|created_at|updated_at, default id desc.
        order_by = ctx.choice("order_by", tuple(_USER_KEYSET.orderings), "id")
        sort = ctx.choice("sort", ("asc", "desc"), "desc")
        value_of = _USER_KEYSET.orderings[order_by]
        users.sort(key=lambda u: (value_of(u), u.id), reverse=sort == "desc")
    return ctx.keyset_or_offset(users, render, _USER_KEYSET, lambda u: u.id)


def _is_token_bot(username: str) -> bool:
    return (username.startswith("project_") or username.startswith("group_")) and "_bot" in username


def get_user(ctx: Context, user_id: str) -> Response:
    if not user_id.isdigit():
        raise invalid("id is invalid")
    user = ctx.state.users.get(int(user_id))
    if user is None:
        raise not_found("404 User Not Found")
    return Response(200, ctx.render.user(user))


def user_events(ctx: Context, user_id: str) -> Response:
    state = ctx.state
    user = (
        state.users.get(int(user_id))
        if user_id.isdigit()
        else state.users_by_name.get(user_id.lower())
    )
    if user is None:
        raise not_found("404 User Not Found")
    rows = [
        e
        for project in state.projects.values()
        for e in visible_events(ctx, project)
        if e.get("author_id") == user.id
    ]
    return page_events(ctx, filter_events(ctx, rows))


ROUTES = [
    route("GET", "/version", version),
    route("GET", "/metadata", version),
    route("GET", "/user", current_user),
    route("GET", "/users", list_users),
    route("GET", "/users/:user_id", get_user),
    route("GET", "/users/:user_id/events", user_events),
]
