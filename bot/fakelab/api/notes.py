"""Writing notes: create and edit, with quick actions, notifications and GitLab's limits."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.fakelab import notify, quick_actions, times
from bot.fakelab.api.core import ApiError, Context, Response, invalid, not_found, route
from bot.fakelab.model import MAINTAINER, Note, Noteable
from bot.fakelab.state import discussion_id_for

MAX_BODY = 1_000_000
MAX_NOTES = 5_000
_EMOJI_ONLY = re.compile(r"^\s*:([a-z0-9_+\-]+):\s*$")
TOUCH_INTERVAL_S = 60  # ThrottledTouch: a note bumps its item's updated_at at most once a minute


def _body(ctx: Context) -> str:
    body = ctx.body.get("body")
    if body is None:
        raise invalid("body is missing")
    if not isinstance(body, str):
        raise invalid("body is invalid")
    if not body.strip():
        raise invalid("body is empty")
    if len(body) > MAX_BODY:
        # The Note model's length validation, reported by bad_request!("Note #{errors}").
        raise ApiError(
            400,
            f'400 Bad request - Note {{:note=>["is too long (maximum is {MAX_BODY} characters)"]}}',
        )
    return body


def _flag(ctx: Context, key: str) -> bool | None:
    """A Grape ``Boolean`` parameter, from JSON or from form and query strings."""
    value = ctx.body.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in ("true", "1", "yes", "t", "y", "on"):
        return True
    if lowered in ("false", "0", "no", "f", "n", "off"):
        return False
    raise invalid(f"{key} is invalid")


def _touch(item: Noteable, stamp: str) -> None:
    """``Note#touch_noteable`` through ``ThrottledTouch``: skipped within a minute of the last
    update, on every note save (create and edit alike)."""
    last = times.parse(item.data["updated_at"])
    if (times.parse(stamp) - last).total_seconds() > TOUCH_INTERVAL_S:
        item.data["updated_at"] = stamp


def create_note(ctx: Context, item: Noteable) -> Response:
    actor = ctx.viewer
    assert actor is not None
    body = _body(ctx)
    if item.data.get("discussion_locked") and ctx.access(item.project) < MAINTAINER:
        raise ApiError(403, "403 Forbidden")
    retry = ctx.faults.allow_note(actor.id, ctx.now)
    if retry is not None:
        raise ApiError(
            429,
            {"error": "This endpoint has been requested too many times. Try again later."},
            {"Retry-After": str(retry)},
        )
    if len(item.notes) >= MAX_NOTES:
        raise ApiError(
            400, '400 Bad request - Note {:base=>["Maximum number of comments exceeded"]}'
        )
    # ``internal: params[:internal] || params[:confidential]``, both Grape Booleans.
    internal = bool(_flag(ctx, "internal") or _flag(ctx, "confidential"))
    stamp = times.fmt(ctx.now)
    emoji = _EMOJI_ONLY.match(body)
    if emoji:
        award = {
            "id": ctx.state.new_id("award_emoji"),
            "name": emoji.group(1),
            "user": actor.id,
            "created_at": stamp,
            "updated_at": stamp,
            "awardable_type": item.kind,
            "awardable_id": item.id,
        }
        item.award_emoji.append(award)
        return Response(201, ctx.render.award(award))
    note_id = ctx.state.new_id("note")
    sha = ctx.body.get("merge_request_diff_head_sha")
    outcome = quick_actions.run(
        ctx.state,
        item,
        actor,
        body,
        ctx.now,
        note_id=note_id,
        diff_head_sha=sha if isinstance(sha, str) else None,
    )
    if outcome.commands_only:
        return Response(
            202, {"commands_changes": outcome.commands_changes, "summary": outcome.summary}
        )
    created_at = stamp
    if ctx.body.get("created_at") and ctx.access(item.project) >= 50:
        created_at = times.normalize(str(ctx.body["created_at"]))
    note = Note(
        {
            "id": note_id,
            "type": None,
            "body": outcome.body,
            "attachment": None,
            "author": actor.id,
            "created_at": created_at,
            "updated_at": created_at,
            "system": False,
            "internal": internal,
            "resolvable": False,
            "commands_changes": outcome.commands_changes,
        },
        discussion_id=discussion_id_for(f"note-{note_id}"),
        noteable=item,
    )
    item.notes.append(note)
    ctx.state.notes[note_id] = note
    _touch(item, stamp)
    from bot.fakelab import events as event_log

    event_log.append(ctx.state, item.project, event_log.comment_event(item.project, note, item))
    notify.record(ctx.state, note, actor, ctx.now)
    return Response(201, ctx.render.note(note))


def update_note(ctx: Context, item: Noteable, note_id: str) -> Response:
    actor = ctx.viewer
    assert actor is not None
    note = ctx.state.notes.get(int(note_id)) if note_id.isdigit() else None
    if note is None or note.noteable is not item or not ctx.render.can_read_note(note):
        raise not_found("404 Note Not Found")
    if note.data["author"] != actor.id and ctx.access(item.project) < MAINTAINER:
        raise ApiError(403, "403 Forbidden")
    body = _body(ctx)
    previous = note.data["body"]
    outcome = quick_actions.run(ctx.state, item, actor, body, ctx.now, note_id=note.id)
    if outcome.commands_only:
        # Notes::UpdateService deletes a note whose edited body became commands only, and the
        # API answers as for a commands-only create (process_note_creation_result): 202.
        item.notes.remove(note)
        del ctx.state.notes[note.id]
        return Response(
            202, {"commands_changes": outcome.commands_changes, "summary": outcome.summary}
        )
    stamp = times.fmt(ctx.now)
    if outcome.body != previous:
        note.data.update(body=outcome.body, updated_at=stamp)
    # after_save :touch_noteable runs on edits too, throttled like on create.
    _touch(item, stamp)
    note.data["commands_changes"] = outcome.commands_changes
    notify.record(ctx.state, note, actor, ctx.now, previous_body=previous)
    return Response(200, ctx.render.note(note))


NoteHandler = Callable[..., Response]


def _issue_item(handler: NoteHandler) -> NoteHandler:
    def wrapped(ctx: Context, project_id: str, iid: str, **rest: str) -> Response:
        return handler(ctx, ctx.issue(ctx.project(project_id), iid), **rest)

    return wrapped


def _mr_item(handler: NoteHandler) -> NoteHandler:
    def wrapped(ctx: Context, project_id: str, iid: str, **rest: str) -> Response:
        return handler(ctx, ctx.merge_request(ctx.project(project_id), iid), **rest)

    return wrapped


ROUTES = [
    route("POST", "/projects/:project_id/issues/:iid/notes", _issue_item(create_note)),
    route("PUT", "/projects/:project_id/issues/:iid/notes/:note_id", _issue_item(update_note)),
    route("POST", "/projects/:project_id/merge_requests/:iid/notes", _mr_item(create_note)),
    route("PUT", "/projects/:project_id/merge_requests/:iid/notes/:note_id", _mr_item(update_note)),
]
