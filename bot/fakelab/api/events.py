"""Project events, with GitLab's odd filters: date-only ``after``/``before`` bounds (both
exclusive of the named day) and a ``target_type=note`` that matches only plain ``Note``s."""

from __future__ import annotations

from collections.abc import Iterator

from bot.fakelab import times
from bot.fakelab.api.core import Context, Response, invalid, route
from bot.fakelab.model import REPORTER, Payload, Project

ACTIONS = (
    "created",
    "updated",
    "closed",
    "reopened",
    "pushed",
    "commented",
    "merged",
    "joined",
    "left",
    "destroyed",
    "expired",
    "approved",
)
_ACTION_OF_NAME = {
    "opened": "created",
    "accepted": "merged",
    "closed": "closed",
    "commented on": "commented",
    "approved": "approved",
    "pushed to": "pushed",
    "pushed new": "pushed",
    "deleted": "pushed",
    "joined": "joined",
    "left": "left",
    "destroyed": "destroyed",
    "created": "created",
    "updated": "updated",
}
TARGET_TYPES = {
    "issue": "Issue",
    "milestone": "Milestone",
    "merge_request": "MergeRequest",
    "note": "Note",
    "project": "Project",
    "snippet": "Snippet",
    "user": "User",
    "wiki": "WikiPage::Meta",
    "design": "DesignManagement::Design",
}


def action_of(event: Payload) -> str:
    return str(
        event.get("_action") or _ACTION_OF_NAME.get(str(event.get("action_name")), "created")
    )


def visible_events(ctx: Context, project: Project) -> Iterator[Payload]:
    """The events of a project the viewer may read, before the per-event check.

    ``EventsFinder`` scopes events to projects the user can read in SQL, pages them, and only
    then drops what ``Event#visible_to_user?`` refuses (see :func:`can_read_event`).
    """
    if ctx.state.can_see_project(ctx.viewer, project):
        yield from project.events


def can_read_event(ctx: Context, event: Payload) -> bool:
    """``Event#visible_to_user?``: confidential issues, internal notes, private MRs and code."""
    state = ctx.state
    project = state.projects.get(int(event["project_id"]))
    if project is None:
        return False
    access = state.project_access(ctx.viewer, project)
    private_code = project.visibility == "private" and access < REPORTER
    target = event.get("_target")
    if target is not None:
        kind, iid = target
        if kind == "MergeRequest" and private_code:
            return False
        if kind == "Issue":
            issue = project.issues.get(iid)
            if issue is not None and not ctx.can_read_issue(issue):
                return False
    note_id = event.get("_note")
    if note_id is not None:
        note = state.notes.get(note_id)
        if note is None or (note.data.get("internal") and access < REPORTER):
            return False
    return not (event.get("push_data") is not None and private_code)


def page_events(ctx: Context, rows: list[Payload]) -> Response:
    """One page of events as ``EventsFinder#paginated_filtered_by_user_visibility`` builds it:
    counted up to 10,001, sliced, then filtered, so a page can be short mid-list."""
    return ctx.page(
        rows, ctx.render.event, visible=lambda e: can_read_event(ctx, e), capped_count=True
    )


def filter_events(ctx: Context, rows: list[Payload], *, in_id_order: bool = False) -> list[Payload]:
    """GitLab's event filters; ``in_id_order`` says ``rows`` are already sorted by id."""
    action = ctx.arg("action")
    if action:
        if action not in ACTIONS:
            raise invalid("action does not have a valid value")
        rows = [e for e in rows if action_of(e) == action]
    target_type = ctx.arg("target_type")
    if target_type:
        if target_type not in TARGET_TYPES:
            raise invalid("target_type does not have a valid value")
        rows = [e for e in rows if e.get("target_type") == TARGET_TYPES[target_type]]
    try:
        after = ctx.arg("after")
        before = ctx.arg("before")
        if after:
            floor = times.day_start(times.day_after(times.parse_date(after)))
            rows = [e for e in rows if e["created_at"] >= floor]
        if before:
            ceiling = times.day_start(times.parse_date(before))
            rows = [e for e in rows if e["created_at"] < ceiling]
    except ValueError:
        raise invalid("after is invalid" if after else "before is invalid") from None
    sort = ctx.choice("sort", ("asc", "desc"), "desc")
    if in_id_order:
        return rows[::-1] if sort == "desc" else rows
    return sorted(rows, key=lambda e: int(e["id"]), reverse=sort == "desc")


def project_events(ctx: Context, project_id: str) -> Response:
    project = ctx.project(project_id)
    if not ctx.state.can_see_project(ctx.viewer, project):
        return page_events(ctx, filter_events(ctx, [], in_id_order=True))
    # A sync pages through the same filtered list a hundred events at a time; filtering all of
    # a project's events again for every page made a page cost what the whole list does. The
    # list is kept until the events change (``Project.events_changed``); the version is read
    # before filtering, so a list filtered while a write lands is not used after it.
    key = tuple(ctx.arg(name) for name in ("action", "target_type", "after", "before", "sort"))
    version = project.events_version
    kept = project.event_views.get(key)
    if kept is not None and kept[0] == version:
        rows = kept[1]
    else:
        # A project's events are kept in id order (see bot.fakelab.events).
        rows = filter_events(ctx, list(project.events), in_id_order=True)
        project.event_views[key] = (version, rows)
    return page_events(ctx, rows)


def current_user_events(ctx: Context) -> Response:
    viewer = ctx.viewer
    assert viewer is not None
    rows = [
        e
        for p in ctx.state.projects.values()
        for e in visible_events(ctx, p)
        if e.get("author_id") == viewer.id
    ]
    return page_events(ctx, filter_events(ctx, rows))


ROUTES = [
    route("GET", "/projects/:project_id/events", project_events),
    route("GET", "/events", current_user_events),
]
