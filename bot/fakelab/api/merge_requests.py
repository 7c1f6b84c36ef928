"""Merge requests and everything hanging off them: notes, discussions, approvals, diffs,
versions, commits, reviewers and award emoji."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.fakelab.api.core import ApiError, Context, Response, not_found, route
from bot.fakelab.model import MergeRequest, Note, Noteable, Payload, Project

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


def _label_filter(ctx: Context, items: list[Noteable]) -> list[Noteable]:
    raw = ctx.arg("labels")
    if raw is None or raw == "":
        return items
    if raw.lower() == "none":
        return [i for i in items if not i.data.get("labels")]
    if raw.lower() == "any":
        return [i for i in items if i.data.get("labels")]
    wanted = {label.strip().lower() for label in raw.split(",") if label.strip()}
    return [i for i in items if wanted <= {label.lower() for label in i.data.get("labels", [])}]


def _user_filter(ctx: Context, items: list[Noteable], key: str, field: str) -> list[Noteable]:
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
    items = _user_filter(ctx, items, "author", "author")
    items = _user_filter(ctx, items, "assignee", "assignees")
    items = _label_filter(ctx, items)
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


def _filter_mrs(ctx: Context, mrs: list[MergeRequest]) -> list[MergeRequest]:
    items: list[Noteable] = filter_issuables(
        ctx, list(mrs), states=("opened", "closed", "merged", "locked"), order=MR_ORDER
    )
    items = _user_filter(ctx, items, "reviewer", "reviewers")
    items = _user_filter(ctx, items, "merge_user", "merge_user")
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


# -- notes, discussions, emoji -----------------------------------------------------------------


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
    route("GET", f"{_MR}/notes", _mr_scoped(list_notes)),
    route("GET", f"{_MR}/notes/:note_id", _mr_scoped(get_note)),
    route("GET", f"{_MR}/notes/:note_id/award_emoji", _mr_scoped(list_note_awards)),
    route("GET", f"{_MR}/discussions", _mr_scoped(list_discussions)),
    route("GET", f"{_MR}/discussions/:discussion_id", _mr_scoped(get_discussion)),
    route("GET", f"{_MR}/award_emoji", _mr_scoped(list_awards)),
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
