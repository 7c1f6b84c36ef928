"""Requests, responses, routing and the helpers every resource module shares."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from bot.fakelab import pagination, times
from bot.fakelab.entities import Renderer
from bot.fakelab.faults import FaultInjector
from bot.fakelab.model import Issue, MergeRequest, Payload, Project, User
from bot.fakelab.state import GitLabState

Query = dict[str, list[str]]


@dataclass
class Response:
    status: int
    body: Any = None  # JSON-serialisable, or bytes/str sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def encode(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body, separators=(",", ":")).encode()


class ApiError(Exception):
    """Raised by handlers; becomes GitLab's ``{"message": …}`` error body.

    ``key="error"`` gives the body Grape's own ``error!``/validation failures have
    (``{"error": "state does not have a valid value"}``), see :func:`invalid`.
    """

    def __init__(
        self,
        status: int,
        message: Any,
        headers: dict[str, str] | None = None,
        *,
        key: str = "message",
    ) -> None:
        super().__init__(str(message))
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.key = key

    def response(self) -> Response:
        return Response(self.status, {self.key: self.message}, dict(self.headers))


def invalid(message: str) -> ApiError:
    """A parameter Grape refuses: 400 with ``{"error": "… is invalid"}``, not ``message``."""
    return ApiError(400, message, key="error")


KEYSET_UNAVAILABLE = "Keyset pagination is not yet available for this type of request"


def not_found(what: str = "404 Not found") -> ApiError:
    return ApiError(404, what if what.startswith("404") else f"404 {what} Not Found")


@dataclass
class Context:
    """One API request, authenticated, with everything a handler may touch."""

    state: GitLabState
    method: str
    path: str
    query: Query
    body: Payload
    url: str  # absolute URL of the request, without the query string
    base_url: str  # scheme://host[:port] as the client addressed us
    viewer: User | None
    token: str | None
    now: datetime
    faults: FaultInjector
    render: Renderer

    def arg(self, key: str, default: str | None = None) -> str | None:
        values = self.query.get(key) or self.query.get(f"{key}[]")
        if not values:
            return default
        return values[-1]

    def args(self, key: str) -> list[str]:
        return [v for v in (self.query.get(f"{key}[]", []) + self.query.get(key, [])) if v != ""]

    def flag(self, key: str) -> bool | None:
        value = self.arg(key)
        if value is None or value == "":
            return None
        lowered = value.lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise invalid(f"{key} is invalid")

    def int_arg(self, key: str) -> int | None:
        value = self.arg(key)
        if value is None or value == "":
            return None
        try:
            return int(value)
        except ValueError:
            raise invalid(f"{key} is invalid") from None

    def time_arg(self, key: str) -> str | None:
        value = self.arg(key)
        if value is None or value == "":
            return None
        try:
            return times.normalize(value)
        except ValueError:
            raise invalid(f"{key} is invalid") from None

    def choice(self, key: str, allowed: Sequence[str], default: str) -> str:
        value = self.arg(key) or default
        if value not in allowed:
            raise invalid(f"{key} does not have a valid value")
        return value

    def page(
        self,
        items: Sequence[Any],
        render: Callable[[Any], Any],
        visible: Callable[[Any], bool] | None = None,
        *,
        capped_count: bool = False,
    ) -> Response:
        """Offset-paginate ``items``.

        ``visible`` filters *after* slicing, as GitLab does for notes and events: the page may
        come back short while ``rel="next"`` still points further. ``capped_count`` counts the
        way ``EventsFinder`` does (see :func:`pagination.offset`).
        """
        if pagination.wants_keyset(self.query):
            # ``error!('Keyset pagination is not yet available …', 405)``: Grape's error body.
            raise ApiError(405, KEYSET_UNAVAILABLE, key="error")
        try:
            page = pagination.offset(items, self.query, self.url, capped_count=capped_count)
        except pagination.PaginationError as exc:
            raise ApiError(exc.status, exc.message, key="error") from None
        chosen = [item for item in page.items if visible is None or visible(item)]
        return Response(200, [render(item) for item in chosen], dict(page.headers))

    def keyset_or_offset(
        self,
        items: Sequence[Any],
        render: Callable[[Any], Any],
        spec: pagination.KeysetSpec,
        item_id: Callable[[Any], int],
    ) -> Response:
        if not pagination.wants_keyset(self.query):
            return self.page(items, render)
        try:
            page = pagination.keyset(items, self.query, self.url, spec, item_id)
        except pagination.PaginationError as exc:
            raise ApiError(exc.status, exc.message, key="error") from None
        return Response(200, [render(item) for item in page.items], dict(page.headers))

    # -- lookups with GitLab's visibility ----------------------------------------------------------

    def project(self, ref: str) -> Project:
        project = self.state.project(unquote(ref))
        if project is None or not self.state.can_see_project(self.viewer, project):
            raise not_found("404 Project Not Found")
        return project

    def access(self, project: Project) -> int:
        return self.state.project_access(self.viewer, project)

    def require(self, project: Project, level: int) -> None:
        if self.access(project) < level:
            raise ApiError(403, "403 Forbidden")

    def merge_request(self, project: Project, iid: str) -> MergeRequest:
        if project.visibility == "private" and self.access(project) < 20:
            raise ApiError(403, "403 Forbidden")
        mr = project.merge_requests.get(int(iid))
        if mr is None:
            raise not_found("404 Not found")
        return mr

    def can_read_issue(self, issue: Issue) -> bool:
        if not issue.data.get("confidential"):
            return True
        viewer = self.viewer
        if viewer is None:
            return False
        if self.access(issue.project) >= 20:
            return True
        return viewer.id == issue.data["author"] or viewer.id in issue.data.get("assignees", [])

    def issue(self, project: Project, iid: str) -> Issue:
        issue = project.issues.get(int(iid))
        if issue is None or not self.can_read_issue(issue):
            raise not_found("404 Not found")
        return issue


Handler = Callable[..., Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


def route(method: str, template: str, handler: Handler) -> Route:
    """``/projects/:id/merge_requests/:merge_request_iid`` style templates, as GitLab's docs write them."""
    regex = re.sub(r":(\w+)", lambda m: f"(?P<{m.group(1)}>[^/]+)", template)
    return Route(method, re.compile(f"^{regex}$"), handler)


class Router:
    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = list(routes)

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | bool | None:
        """The handler and its path parameters; ``False`` if the path exists for another method."""
        path_known = False
        for candidate in self.routes:
            found = candidate.pattern.match(path)
            if found is None:
                continue
            if candidate.method == method:
                return candidate.handler, found.groupdict()
            path_known = True
        return False if path_known else None


def sort_items(items: list[Any], key: Callable[[Any], Any], sort: str) -> list[Any]:
    return sorted(items, key=key, reverse=(sort == "desc"))
