"""What merge requests and issues share: notes, discussions and award emoji.

GitLab serves the same sub-resources under both; ``routes`` declares them once for a prefix.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.fakelab.api.core import Context, Response, Route, not_found, route
from bot.fakelab.model import Note, Noteable


def label_filter(ctx: Context, items: list[Noteable]) -> list[Noteable]:
    raw = ctx.arg("labels")
    if raw is None or raw == "":
        return items
    if raw.lower() == "none":
        return [i for i in items if not i.data.get("labels")]
    if raw.lower() == "any":
        return [i for i in items if i.data.get("labels")]
    wanted = {label.strip().lower() for label in raw.split(",") if label.strip()}
    return [i for i in items if wanted <= {label.lower() for label in i.data.get("labels", [])}]


def user_filter(ctx: Context, items: list[Noteable], key: str, field: str) -> list[Noteable]:
    """``author_id``/``author_username`` style filters over a user field or list field.

    ``*_id`` also takes ``None`` (nobody) and ``Any`` (somebody), as GitLab's finders do.
    """
    raw = ctx.arg(f"{key}_id")
    if raw is not None and raw.lower() in ("none", "any"):
        wanted_any = raw.lower() == "any"

        def present(item: Noteable) -> bool:
            value = item.data.get(field)
            return bool(value) == wanted_any

        return [i for i in items if present(i)]
    uid = ctx.int_arg(f"{key}_id")
    username = ctx.arg(f"{key}_username")
    if uid is None and username:
        user = ctx.state.users_by_name.get(username.lower())
        uid = user.id if user else -1
    if uid is None:
        return items

    def holds(item: Noteable) -> bool:
        value = item.data.get(field)
        return uid in value if isinstance(value, list) else value == uid

    return [i for i in items if holds(i)]


def filter_issuables(
    ctx: Context, items: list[Noteable], *, states: tuple[str, ...], order: tuple[str, ...]
) -> list[Noteable]:
    """The filters ``IssuableFinder`` shares between merge requests and issues."""
    state = ctx.choice("state", (*states, "all"), "all")
    if state != "all":
        items = [i for i in items if i.data["state"] == state]
    iids = {int(v) for v in ctx.args("iids") if v.isdigit()}
    if iids:
        items = [i for i in items if i.iid in iids]
    for key in ("updated_after", "created_after"):
        bound = ctx.time_arg(key)
        if bound:
            field = key.split("_")[0] + "_at"
            items = [i for i in items if i.data[field] >= bound]
    for key in ("updated_before", "created_before"):
        bound = ctx.time_arg(key)
        if bound:
            field = key.split("_")[0] + "_at"
            items = [i for i in items if i.data[field] <= bound]
    items = user_filter(ctx, items, "author", "author")
    items = user_filter(ctx, items, "assignee", "assignees")
    items = label_filter(ctx, items)
    search = (ctx.arg("search") or "").lower()
    if search:
        items = [
            i
            for i in items
            if search in i.data["title"].lower()
            or search in (i.data.get("description") or "").lower()
        ]
    scope = ctx.choice(
        "scope",
        (
            "created_by_me",
            "assigned_to_me",
            "all",
            "created-by-me",
            "assigned-to-me",
            "reviews_for_me",
        ),
        "all",
    )
    viewer_id = ctx.viewer.id if ctx.viewer else None
    if scope in ("created_by_me", "created-by-me"):
        items = [i for i in items if i.data["author"] == viewer_id]
    elif scope in ("assigned_to_me", "assigned-to-me"):
        items = [i for i in items if viewer_id in i.data.get("assignees", [])]
    elif scope == "reviews_for_me":
        items = [i for i in items if viewer_id in i.data.get("reviewers", [])]
    order_by = ctx.choice("order_by", order, "created_at")
    sort = ctx.choice("sort", ("asc", "desc"), "desc")
    field = (
        order_by
        if order_by in ("created_at", "updated_at", "merged_at", "due_date")
        else "created_at"
    )

    def value(i: Noteable) -> str:
        return str(i.data["title"]).lower() if order_by == "title" else str(i.data.get(field) or "")

    # Issuable.sort_by_attribute ends with with_order_id_desc: ties break by id descending,
    # whichever way the attribute itself is sorted.
    by_id = sorted(items, key=lambda i: i.id, reverse=True)
    return sorted(by_id, key=value, reverse=sort == "desc")


def sorted_notes(ctx: Context, item: Noteable) -> list[Note]:
    order_by = ctx.choice("order_by", ("created_at", "updated_at"), "created_at")
    sort = ctx.choice("sort", ("asc", "desc"), "desc")
    activity = ctx.choice(
        "activity_filter", ("all_notes", "only_comments", "only_activity"), "all_notes"
    )
    notes = list(item.notes)
    if activity == "only_comments":
        notes = [n for n in notes if not n.data["system"]]
    elif activity == "only_activity":
        notes = [n for n in notes if n.data["system"]]
    if order_by == "created_at":
        # API::Helpers#order_options_with_tie_breaker orders "created_at" by id: ids are
        # assigned in creation order and indexed.
        return sorted(notes, key=lambda n: n.id, reverse=sort == "desc")
    return sorted(notes, key=lambda n: (n.data["updated_at"], n.id), reverse=sort == "desc")


def list_notes(ctx: Context, item: Noteable) -> Response:
    return ctx.page(sorted_notes(ctx, item), ctx.render.note, visible=ctx.render.can_read_note)


def get_note(ctx: Context, item: Noteable, note_id: str) -> Response:
    note = _note(ctx, item, note_id)
    return Response(200, ctx.render.note(note))


def _note(ctx: Context, item: Noteable, note_id: str) -> Note:
    note = ctx.state.notes.get(int(note_id)) if note_id.isdigit() else None
    if note is None or note.noteable is not item or not ctx.render.can_read_note(note):
        raise not_found("404 Note Not Found")
    return note


def list_discussions(ctx: Context, item: Noteable) -> Response:
    return ctx.page(ctx.render.discussions(item), lambda d: d)


def get_discussion(ctx: Context, item: Noteable, discussion_id: str) -> Response:
    for discussion in ctx.render.discussions(item):
        if discussion["id"] == discussion_id:
            return Response(200, discussion)
    raise not_found("404 Discussion Not Found")


def list_awards(ctx: Context, item: Noteable) -> Response:
    awards = sorted(
        (a for a in item.award_emoji if a["awardable_type"] != "Note"), key=lambda a: a["id"]
    )
    return ctx.page(awards, ctx.render.award)


def list_note_awards(ctx: Context, item: Noteable, note_id: str) -> Response:
    note = _note(ctx, item, note_id)
    awards = sorted(
        (
            a
            for a in item.award_emoji
            if a["awardable_type"] == "Note" and a["awardable_id"] == note.id
        ),
        key=lambda a: a["id"],
    )
    return ctx.page(awards, ctx.render.award)


Scoped = Callable[[Callable[..., Response]], Callable[..., Response]]


def routes(prefix: str, scoped: Scoped) -> list[Route]:
    """The shared sub-resources of ``prefix`` (an MR or issue path), resolved by ``scoped``."""
    return [
        route("GET", f"{prefix}/notes", scoped(list_notes)),
        route("GET", f"{prefix}/notes/:note_id", scoped(get_note)),
        route("GET", f"{prefix}/notes/:note_id/award_emoji", scoped(list_note_awards)),
        route("GET", f"{prefix}/discussions", scoped(list_discussions)),
        route("GET", f"{prefix}/discussions/:discussion_id", scoped(get_discussion)),
        route("GET", f"{prefix}/award_emoji", scoped(list_awards)),
    ]
