"""The control surface under ``/-/fakelab/``: logs, faults and live edits, as JSON.

Not part of GitLab's API, so these requests are neither authenticated nor logged nor faulted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from bot.fakelab.api.core import ApiError, Response, route
from bot.fakelab.faults import FaultInjector
from bot.fakelab.model import Payload
from bot.fakelab.mutations import MutationError, Mutator
from bot.fakelab.state import GitLabState


class AdminContext:
    def __init__(
        self,
        state: GitLabState,
        faults: FaultInjector,
        body: Any,
        query: dict[str, list[str]],
        now: datetime,
    ) -> None:
        self.state = state
        self.faults = faults
        self.body = body
        self.query = query
        self.now = now
        self.mutator = Mutator(state)

    def payload(self) -> Payload:
        if not isinstance(self.body, dict):
            raise ApiError(400, "expected a JSON object")
        return self.body


def _log(name: str) -> Callable[[AdminContext], Response]:
    def handler(ctx: AdminContext) -> Response:
        rows = ctx.state.snapshot_log(name)
        since = ctx.query.get("since", ["0"])[-1]
        start = int(since) if since.isdigit() else 0
        return Response(200, rows[start:], {"X-Total": str(len(rows))})

    return handler


def clear_logs(ctx: AdminContext) -> Response:
    ctx.state.clear_logs()
    return Response(204, b"")


def get_faults(ctx: AdminContext) -> Response:
    return Response(200, ctx.faults.describe())


def put_faults(ctx: AdminContext) -> Response:
    try:
        ctx.faults.config = ctx.faults.config.updated(ctx.payload())
    except (TypeError, ValueError) as exc:
        raise ApiError(400, str(exc)) from None
    ctx.faults.reset()
    return Response(200, ctx.faults.describe())


def stats(ctx: AdminContext) -> Response:
    with ctx.state.lock:
        return Response(200, ctx.state.stats())


def _guarded(action: Callable[..., Any]) -> Callable[..., Response]:
    def handler(ctx: AdminContext, **params: str) -> Response:
        # Paths arrive still encoded, so ``acme%2Fbackend`` names a project as in the API.
        params = {key: unquote(value) for key, value in params.items()}
        try:
            result = action(ctx, **params)
        except MutationError as exc:
            raise ApiError(exc.status, exc.message) from None
        return (
            result
            if isinstance(result, Response)
            else Response(200, result if result is not None else {"ok": True})
        )

    return handler


def _add_item(ctx: AdminContext, project: str, kind: str) -> Payload:
    entry = ctx.payload()
    if kind == "merge_requests":
        mr = ctx.mutator.add_merge_request(project, entry)
        return {"id": mr.id, "iid": mr.iid}
    if kind == "issues":
        issue = ctx.mutator.add_issue(project, entry)
        return {"id": issue.id, "iid": issue.iid}
    if kind == "pipelines":
        return {"id": ctx.mutator.add_pipeline(project, entry)["id"]}
    raise ApiError(404, f"cannot add {kind}")


def _edit_item(ctx: AdminContext, project: str, kind: str, key: str) -> Payload:
    if kind == "pipelines":
        ctx.mutator.update_pipeline(project, key, ctx.payload(), ctx.now)
    else:
        ctx.mutator.update_item(project, kind, key, ctx.payload(), ctx.now)
    return {"ok": True}


def _delete_item(ctx: AdminContext, project: str, kind: str, key: str) -> Response:
    if kind == "pipelines":
        ctx.mutator.delete_pipeline(project, key)
    else:
        ctx.mutator.delete_item(project, kind, key)
    return Response(204, b"")


def _add_note(ctx: AdminContext, project: str, kind: str, key: str) -> Payload:
    return {"id": ctx.mutator.add_note(project, kind, key, ctx.payload())}


def _edit_note(ctx: AdminContext, note_id: str) -> Payload:
    ctx.mutator.update_note(note_id, ctx.payload(), ctx.now)
    return {"ok": True}


def _delete_note(ctx: AdminContext, note_id: str) -> Response:
    ctx.mutator.delete_note(note_id, ctx.now)
    return Response(204, b"")


def _add_user(ctx: AdminContext) -> Payload:
    return {"id": ctx.mutator.add_user(ctx.payload()).id}


def _edit_user(ctx: AdminContext, user_id: str) -> Payload:
    ctx.mutator.update_user(user_id, ctx.payload())
    return {"ok": True}


def _delete_user(ctx: AdminContext, user_id: str) -> Response:
    ctx.mutator.delete_user(user_id)
    return Response(204, b"")


_KIND = "(?P<kind>merge_requests|issues|pipelines)"
ROUTES = [
    route("GET", "/requests", _log("requests")),
    route("GET", "/notifications", _log("notifications")),
    route("GET", "/actions", _log("actions")),
    route("DELETE", "/logs", clear_logs),
    route("GET", "/faults", get_faults),
    route("PUT", "/faults", put_faults),
    route("GET", "/stats", stats),
    route("POST", "/users", _guarded(_add_user)),
    route("PATCH", "/users/:user_id", _guarded(_edit_user)),
    route("DELETE", "/users/:user_id", _guarded(_delete_user)),
    route("POST", "/projects/:project/:kind", _guarded(_add_item)),
    route("PATCH", "/projects/:project/:kind/:key", _guarded(_edit_item)),
    route("DELETE", "/projects/:project/:kind/:key", _guarded(_delete_item)),
    route("POST", "/projects/:project/:kind/:key/notes", _guarded(_add_note)),
    route("PATCH", "/notes/:note_id", _guarded(_edit_note)),
    route("DELETE", "/notes/:note_id", _guarded(_delete_note)),
]
