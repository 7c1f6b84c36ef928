"""Serve the offline GitLab over real HTTP on localhost.

``FakeGitLab`` is the handle tests, the demo and the CLI use: start it on a free port, point
python-gitlab (or curl, or Perceval) at ``.url``, change its data while it runs, read its logs,
stop it. Requests go through the same steps as on GitLab: authentication, rate limiting, then
the endpoint; faults, when asked for, are injected first.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.fakelab.api import (
    admin,
    core,
    events,
    issues,
    merge_requests,
    notes,
    pipelines,
    projects,
    templates,
    users,
)
from bot.fakelab.dataset import load_dataset
from bot.fakelab.entities import Renderer
from bot.fakelab.faults import FaultConfig, FaultInjector
from bot.fakelab.model import Payload, User
from bot.fakelab.mutations import Mutator
from bot.fakelab.state import Clock, GitLabState, system_clock

_LOG = logging.getLogger(__name__)
API_PREFIX = "/api/v4"
ADMIN_PREFIX = "/-/fakelab"
API = core.Router(
    [
        *users.ROUTES,
        *events.ROUTES,
        *projects.ROUTES,
        *merge_requests.ROUTES,
        *issues.ROUTES,
        *notes.ROUTES,
        *pipelines.ROUTES,
        *templates.ROUTES,
    ]
)
ADMIN = core.Router(admin.ROUTES)
_STATUS_TEXT = {
    500: "500 Internal Server Error",
    502: "502 Bad Gateway",
    503: "503 Service Unavailable",
}


@dataclass(frozen=True)
class _Call:
    """One API request as it reached the server, before authentication."""

    method: str
    path: str  # below /api/v4, still URL-encoded
    query: core.Query
    headers: dict[str, str]
    body: bytes
    url: str  # absolute, without the query string
    base_url: str
    token: str | None
    now: datetime


class _Drop(Exception):
    """Close the connection without answering."""


class FakeGitLab:
    """An offline GitLab serving one dataset."""

    def __init__(
        self,
        data: GitLabState | str | Path | Payload,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        admin_token: str | None = None,
        faults: FaultConfig | None = None,
        clock: Clock = system_clock,
        request_log: Path | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.state = data if isinstance(data, GitLabState) else load_dataset(data)
        self.faults = FaultInjector(faults or FaultConfig())
        self.clock = clock
        self.sleep = sleep
        self.mutate = Mutator(self.state)
        self._host = host
        self._port = port
        self._sequence = count(1)
        self._request_log = request_log.open("a", encoding="utf-8") if request_log else None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        if admin_token:
            self.state.tokens[admin_token] = self._administrator().id

    def _administrator(self) -> User:
        for user in sorted(self.state.users.values(), key=lambda u: u.id):
            if user.is_admin:
                return user
        root = User(
            {
                "id": self.state.new_id("user"),
                "username": "root",
                "name": "Administrator",
                "state": "active",
                "locked": False,
                "bot": False,
                "avatar_url": None,
            },
            is_admin=True,
        )
        self.state.add_user(root)
        return root

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeGitLab:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer((self._host, self._port), handler)
        self._server.daemon_threads = True
        # A short poll interval: ``shutdown()`` waits up to one interval for the loop to notice.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="fakelab",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._request_log is not None:
            self._request_log.close()
            self._request_log = None

    def __enter__(self) -> FakeGitLab:
        return self.start() if self._server is None else self

    def __exit__(
        self, *exc: tuple[type[BaseException], BaseException, TracebackType] | Any
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL clients use, e.g. ``http://127.0.0.1:40123``."""
        if self._server is None:
            raise RuntimeError("the fake GitLab is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- logs and faults -------------------------------------------------------------------------

    def requests(self) -> list[Payload]:
        return self.state.snapshot_log("requests")

    def notifications(self) -> list[Payload]:
        return self.state.snapshot_log("notifications")

    def actions(self) -> list[Payload]:
        return self.state.snapshot_log("actions")

    def clear_logs(self) -> None:
        self.state.clear_logs()

    def set_faults(self, **changes: Any) -> FaultConfig:
        self.faults.config = self.faults.config.updated(changes)
        self.faults.reset()
        return self.faults.config

    # -- dispatch ------------------------------------------------------------------------------

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes, base_url: str
    ) -> core.Response:
        split = urlsplit(raw_path)
        path = split.path
        query = parse_qs(split.query, keep_blank_values=True)
        now = self.clock()
        if path.startswith(ADMIN_PREFIX + "/"):
            return self._admin(method, path[len(ADMIN_PREFIX) :], query, body, now)
        if not path.startswith(API_PREFIX + "/"):
            return core.Response(404, {"error": "404 Not Found"})
        started = time.perf_counter()
        sequence = next(self._sequence)
        token = _token(headers)
        response: core.Response | None = None
        try:
            call = _Call(
                method,
                path[len(API_PREFIX) :],
                query,
                headers,
                body,
                base_url + path,
                base_url,
                token,
                now,
            )
            response = self._api(call, sequence)
            return response
        finally:
            entry = {
                "seq": sequence,
                "method": method,
                "path": path,
                "query": split.query,
                "status": response.status if response is not None else 0,
                "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                "user": self._username(token),
            }
            self.state.record("requests", entry)
            if self._request_log is not None:
                self._request_log.write(json.dumps(entry) + "\n")
                self._request_log.flush()

    def _username(self, token: str | None) -> str | None:
        uid = self.state.tokens.get(token or "")
        user = self.state.users.get(uid) if uid is not None else None
        return user.username if user else None

    def _api(self, call: _Call, sequence: int) -> core.Response:
        decision = self.faults.decide(sequence)
        if decision.delay_s:
            self.sleep(decision.delay_s)
        if decision.drop:
            raise _Drop()
        limit_headers, retry = self.faults.throttle(call.token or "anonymous", call.now)
        if retry is not None:
            return core.Response(429, "Retry later\n", limit_headers, content_type="text/plain")
        if decision.status is not None:
            return core.Response(
                decision.status,
                {"message": _STATUS_TEXT.get(decision.status, str(decision.status))},
                limit_headers,
            )
        with self.state.lock:
            response = self._endpoint(call)
        response.headers.update(limit_headers)
        return response

    def _endpoint(self, call: _Call) -> core.Response:
        method, path, query, headers, body = (
            call.method,
            call.path,
            call.query,
            call.headers,
            call.body,
        )
        url, base_url, token, now = call.url, call.base_url, call.token, call.now
        state = self.state
        viewer = None
        if token is not None:
            uid = state.tokens.get(token)
            viewer = state.users.get(uid) if uid is not None else None
        if viewer is None:
            # This instance, like most companies' self-managed GitLab, has no anonymous API.
            return core.Response(401, {"message": "401 Unauthorized"})
        denied = _access_denied(str(viewer.data.get("state") or "active"), base_url)
        if denied is not None:
            # API::APIGuard#find_current_user!: a valid token of a user who may not use the
            # API is 403 with Gitlab::Auth::UserAccessDeniedReason's message, not 401.
            return core.Response(403, {"message": f"403 Forbidden - {denied}"})
        found = API.match(method, path)
        if found is None:
            return core.Response(404, {"error": "404 Not Found"})
        if found is False:
            return core.Response(405, {"message": "405 Method Not Allowed"})
        assert not isinstance(found, bool)
        handler, params = found
        try:
            parsed = _json_body(body, headers, query)
        except ValueError:
            return core.Response(400, {"error": "body is not valid JSON"})
        ctx = core.Context(
            state=state,
            method=method,
            path=path,
            query=query,
            body=parsed,
            url=url,
            base_url=base_url,
            viewer=viewer,
            token=token,
            now=now,
            faults=self.faults,
            render=Renderer(state, base_url, viewer),
        )
        try:
            return handler(ctx, **params)
        except core.ApiError as exc:
            return exc.response()
        except Exception:
            # GitLab answers a bug with a 500, not a dropped connection; keep the traceback.
            _LOG.exception("fakelab: %s %s failed", method, path)
            return core.Response(500, {"message": "500 Internal Server Error"})

    def _admin(
        self, method: str, path: str, query: core.Query, body: bytes, now: datetime
    ) -> core.Response:
        found = ADMIN.match(method, path)
        if found is None or found is False:
            return core.Response(
                404 if found is None else 405, {"message": f"no admin endpoint {method} {path}"}
            )
        assert not isinstance(found, bool)
        handler, params = found
        try:
            parsed = json.loads(body) if body else {}
        except ValueError:
            return core.Response(400, {"message": "body is not valid JSON"})
        ctx = admin.AdminContext(self.state, self.faults, parsed, query, now)
        try:
            return handler(ctx, **params)
        except core.ApiError as exc:
            return exc.response()
        except Exception as exc:
            _LOG.exception("fakelab: admin %s %s failed", method, path)
            return core.Response(500, {"message": f"{type(exc).__name__}: {exc}"})


def _access_denied(user_state: str, base_url: str) -> str | None:
    """Why GitLab refuses API access to a user in ``user_state``; None when it does not."""
    if user_state == "deactivated":
        return (
            "Your account has been deactivated by your administrator. Please log back in from "
            f"a web browser to reactivate your account at {base_url}"
        )
    if user_state == "blocked_pending_approval":
        return "Your account is pending approval from your administrator and hence blocked."
    if user_state in ("blocked", "ldap_blocked", "banned"):
        return "Your account has been blocked."
    return None


def _token(headers: dict[str, str]) -> str | None:
    token = headers.get("private-token")
    if token:
        return token
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return None


def _json_body(body: bytes, headers: dict[str, str], query: core.Query) -> Payload:
    """Writes accept JSON, form data or query parameters, as Grape does."""
    out: Payload = {k: v[-1] for k, v in query.items()}
    if not body:
        return out
    kind = headers.get("content-type", "")
    if "json" in kind:
        data = json.loads(body)
        if isinstance(data, dict):
            out.update(data)
        return out
    form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    out.update({k: v[-1] for k, v in form.items()})
    return out


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGitLab
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    # Headers and body go out in two writes; with Nagle's algorithm on, a keep-alive client
    # (python-gitlab's session) waits for its delayed ACK: about 40 ms per request.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        host = headers.get("host") or self.fake.url.split("://", 1)[1]
        try:
            response = self.fake.handle(self.command, self.path, headers, body, f"http://{host}")
        except _Drop:
            self.close_connection = True
            return
        payload = response.encode()
        self.send_response(response.status)
        self.send_header(
            "Content-Type", response.content_type if response.status != 204 else "application/json"
        )
        self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            # The client asked for Connection: close; say so, or urllib3 may reuse the socket.
            self.send_header("Connection", "close")
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve
