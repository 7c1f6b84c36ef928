"""The only module that talks HTTP to GitLab.

Every request goes out on python-gitlab's ``requests`` session, with python-gitlab's
authentication headers, URL building and TLS settings, and with python-gitlab's own retrying
switched off: one call is exactly one HTTP request. Writes go through ``Gitlab.http_request``
itself (``obey_rate_limit=False, retry_transient_errors=False, max_retries=0``); reads, which a
sync sends thousands of, are prepared here the way ``http_request`` prepares them and handed to
the same session's ``send`` (see ``GitLabClient._read``). The policy lives here instead,
because python-gitlab's sleeps on the global ``time.sleep``, reads ``time.time``, backs off
from 0.1 s without a cap, and its ``GitlabHttpError`` carries no headers, so a caller cannot
see ``Retry-After``. The headers of a refused request are picked up by a ``response`` hook on
python-gitlab's ``requests`` session (FACTS.md D.4).

What the client promises:

- Lists follow ``Link: rel="next"`` and nothing else: never ``X-Next-Page``, never a short
  page (FACTS.md B.1, B.3). ``per_page`` goes on every list call.
- 429 waits for ``Retry-After`` (seconds or an HTTP date), else ``RateLimit-Reset``; 500, 502,
  503, 504, 520-530, dropped connections, broken chunked bodies and timeouts back off
  0.5 s x 2^n, at most 30 s, without jitter. 400, 401, 403, 404 and 422 are never retried.
- It never sends more than ``max_per_minute`` requests in any 60 seconds, and after a response
  whose ``RateLimit-Remaining`` is nearly spent it waits for ``RateLimit-Reset``.
- With a ``budget``, the request that would exceed it is never sent.
- All waiting goes through the injected ``sleep``; all time comes from the injected
  ``monotonic`` (pacing, durations) and ``clock`` (GitLab's Unix-time headers).
- The token appears in no message, log line, repr or statistic. Query strings are logged with
  token-like parameters masked; headers are never logged, and neither are request bodies.

Writes (``post``, ``put``) go through the same budget, pacing and rate-limit handling. A PUT
sets a value, so it is retried like a GET. A POST creates something, so it is retried only when
GitLab surely did nothing: after a 429, or when the connection could not even be opened. After
a 5xx, a timeout or a dropped connection GitLab may have created it all the same, so the POST
is not repeated: :class:`GitLabWriteUncertain` lets the caller look before trying again. A 202
answer with ``commands_changes`` (GitLab ran a note as quick actions and stored nothing) is a
:class:`GitLabError`: ladder-bot never sends commands.

Several threads may share one client: budget, pacing, rate-limit state and counters are locked.
A client in another process may send on one's behalf (``bot.sync.courier``): it takes its
requests from this one's budget (``grant``, ``release``) and reports what it did (``absorb``).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from types import MappingProxyType, TracebackType
from typing import Any
from urllib.parse import (
    parse_qs,
    parse_qsl,
    quote,
    unquote,
    urlencode,
    urljoin,
    urlsplit,
    urlunsplit,
)

import gitlab
import orjson
import requests
import urllib3
from gitlab.exceptions import GitlabAuthenticationError, GitlabHttpError, RedirectError
from requests.cookies import RequestsCookieJar
from requests.structures import CaseInsensitiveDict

from bot.errors import BotError

LOG = logging.getLogger("ladder_bot.gitlab")

API_PREFIX = "/api/v4"
# python-gitlab's gitlab.const.RETRYABLE_TRANSIENT_ERROR_CODES, spelled out so the policy is
# visible here; 520-530 are the CDN/proxy codes in front of GitLab.com.
RETRY_STATUSES = frozenset([500, 502, 503, 504, *range(520, 531)])
BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 30.0
# The longest one wait may last. A header asking for more (a self-managed hourly window, a
# skewed clock) is answered by waiting this long and asking again, which costs one retry.
MAX_WAIT_S = 300.0
# A 429 without Retry-After or RateLimit-Reset (older application limits, FACTS.md D.3):
# GitLab's throttles count per minute, so one minute always reaches a fresh window.
RATE_LIMIT_FALLBACK_S = 60.0
LOW_REMAINING_SHARE = 0.02
LOW_REMAINING_FLOOR = 3
PACING_WINDOW_S = 60.0
_SECRET_PARAMS = frozenset({"private_token", "access_token", "job_token", "token"})
_MASK = "[masked]"


# -- errors ------------------------------------------------------------------------------------


class GitLabError(BotError):
    """GitLab did not give us what we asked for; the base of this module's errors.

    Also raised as is for a refusal no subclass covers (400, 405, 409, 422, ...), for a body
    that is not JSON, and for a redirect or a ``Link`` that leads away from GitLab.
    """

    def __init__(self, message: str, *, path: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.status = status


class GitLabUnavailable(GitLabError):
    """Retries ran out on 5xx, 429 or network failures; ``attempts`` counts every request."""

    def __init__(self, method: str, path: str, attempts: int, last: str) -> None:
        self.attempts = attempts
        self.last = last
        plural = "attempt" if attempts == 1 else "attempts"
        super().__init__(
            f"GitLab did not answer {method} {path} after {attempts} {plural} (last: {last})",
            path=path,
        )


class GitLabWriteUncertain(GitLabError):
    """A POST got no clear answer (5xx, timeout, dropped connection): GitLab may have done it.

    Not retried by the client, since a second POST could create a second note; look (list the
    notes, the issues) before posting again.
    """

    def __init__(self, method: str, path: str, last: str) -> None:
        self.last = last
        super().__init__(
            f"GitLab gave no clear answer to {method} {path} ({last}); it may have done it",
            path=path,
        )


class GitLabAuthError(GitLabError):
    """401 or 403: the token is wrong, expired, blocked or lacks access."""

    def __init__(self, status: int, detail: str, *, path: str) -> None:
        super().__init__(
            f"GitLab refused the token ({detail}): check gitlab.token_env", path=path, status=status
        )


class GitLabNotFound(GitLabError):
    """404: GitLab answers the same for what does not exist and what the token may not see."""

    def __init__(self, method: str, path: str) -> None:
        super().__init__(
            f"GitLab has no {method} {path} (404 Not Found), or the token may not see it",
            path=path,
            status=404,
        )


class BudgetExhausted(BotError):
    """The run's request budget is spent; raised before the request that would exceed it."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        super().__init__(
            f"request budget of {budget} used up; the next run resumes where this one stopped"
        )


# -- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One page of a GitLab list.

    ``next_url`` is the absolute ``rel="next"`` link rebased onto the client's own URL, or
    ``None`` on the last page; it can be stored and passed to ``page()`` in a later run.
    ``total`` is ``X-Total``, absent above 10,000 items (FACTS.md B.1). ``headers`` are the
    response's, read-only and case-insensitive; they stay out of ``repr`` because they may
    carry cookies.
    """

    items: list[dict[str, Any]]
    next_url: str | None
    total: int | None
    headers: Mapping[str, str] = field(repr=False)


@dataclass(frozen=True)
class ClientStats:
    """What a client did so far: requests sent, retries, and where the time went."""

    requests: int  # every request sent, retries included
    retries: int
    rate_limit_waits: int  # asked by GitLab: a 429, or RateLimit-Remaining nearly spent
    rate_limit_wait_s: float
    pacing_waits: int  # our own max_per_minute
    pacing_wait_s: float
    backoff_wait_s: float  # before retrying a 5xx or a network failure
    by_status: Mapping[int, int]
    errors: Mapping[str, int]  # network failures by exception class, which have no status

    @property
    def waited_s(self) -> float:
        return self.rate_limit_wait_s + self.pacing_wait_s + self.backoff_wait_s


@dataclass(frozen=True)
class ClientSettings:
    """What a client in another process needs to send requests as this one (``courier``)."""

    url: str
    token: str = field(repr=False)
    timeout: float
    per_page: int
    max_retries: int
    backoff_s: float = BACKOFF_BASE_S


def project_path(ref: str | int) -> str:
    """The API path of a project: ``/projects/7`` or ``/projects/acme%2Fbackend``.

    ``ref`` is a numeric id or a full path (``path_with_namespace``). GitLab paths cannot hold
    ``%``, so an already encoded path is recognised and not encoded twice.
    """
    text = str(ref)
    return "/projects/" + quote(unquote(text), safe="")


# -- the client --------------------------------------------------------------------------------


class GitLabClient:
    """Requests to GitLab's REST API v4 with paging, retries, pacing and a budget.

    ``path`` arguments are relative to ``/api/v4`` (``/projects/7/merge_requests``), or an
    absolute URL from a ``Link`` header, which is always sent to this client's own GitLab.
    ``budget=0`` means no budget; ``max_per_minute=0`` turns pacing off; ``max_retries`` counts
    retries, so a request is tried at most ``max_retries + 1`` times, after waits of
    ``backoff_s``, twice that, and so on (up to 30 s) for a 5xx or a network failure.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 30.0,
        per_page: int = 100,
        budget: int = 0,
        max_per_minute: int = 600,
        max_retries: int = 10,
        backoff_s: float = BACKOFF_BASE_S,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not 1 <= per_page <= 100:
            raise ValueError(f"per_page must be 1 to 100 (GitLab's cap), got {per_page}")
        for name, value in (
            ("budget", budget),
            ("max_per_minute", max_per_minute),
            ("max_retries", max_retries),
            ("backoff_s", backoff_s),
        ):
            if value < 0:
                raise ValueError(f"{name} must not be negative, got {value}")
        # requests reads proxy and CA settings from the environment on every request, which
        # costs more than the request itself against a local GitLab; read them once instead.
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        self._gl = gitlab.Gitlab(
            url,
            private_token=token,
            timeout=timeout,
            keep_base_url=True,
            retry_transient_errors=False,
            ssl_verify=bundle or True,
        )
        self._gl.session.proxies.update(requests.utils.get_environ_proxies(url))
        self._gl.session.trust_env = False
        self._gl.session.hooks["response"].append(self._on_response)
        # What python-gitlab's http_request sends with a GET, taken from python-gitlab once
        # instead of per request: its headers (User-Agent, a JSON content type) over the
        # session's, and its authentication (the token header).
        options = self._gl._get_session_opts()
        self._read_headers: CaseInsensitiveDict[str | bytes] = CaseInsensitiveDict(
            self._gl.session.headers
        )
        self._read_headers.update(options["headers"])
        self._read_headers["Content-type"] = "application/json"
        self._read_auth: requests.auth.AuthBase | None = options["auth"]
        self.url: str = self._gl.url
        self.timeout = timeout
        self.per_page = per_page
        self.budget = budget
        self.max_per_minute = max_per_minute
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self._sleep = sleep
        self._monotonic = monotonic
        self._clock = clock
        self.requests = 0
        self._retries = 0
        self._statuses: Counter[int] = Counter()
        self._errors: Counter[str] = Counter()
        self._wait_counts: Counter[str] = Counter()
        self._wait_seconds: defaultdict[str, float] = defaultdict(float)
        self._sent: deque[float] = deque()  # monotonic send times within the pacing window
        self._resume_at: float | None = None  # Unix time GitLab asked us to wait for
        self._resume_reason = ""
        # Several threads may fetch at once (an MR page's diffs): quota, budget and counters
        # are shared under this lock; the response the hook keeps is per thread.
        self._lock = threading.RLock()
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"GitLabClient({self.url!r}, requests={self.requests})"

    def close(self) -> None:
        self._gl.session.close()

    def __enter__(self) -> GitLabClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- public API ----------------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """One JSON document, e.g. ``get("/users/3")``; ``None`` for an empty body."""
        target = self._target(path)
        return self._json(self._send(target, dict(params or {})), target)

    def post(self, path: str, data: Mapping[str, Any]) -> Any:
        """Create something, e.g. ``post("/projects/7/issues/3/notes", {"body": "..."})``;
        ``data`` is sent as JSON. Returns GitLab's answer, decoded."""
        return self._write("post", path, data)

    def put(self, path: str, data: Mapping[str, Any]) -> Any:
        """Change something, e.g. ``put("/projects/7/issues/3/notes/55", {"body": "..."})``."""
        return self._write("put", path, data)

    def page(self, path: str, params: Mapping[str, Any] | None = None) -> Page:
        """One page of a list; ``path`` may be a ``next_url`` from an earlier page."""
        target = self._target(path)
        query = dict(params or {})
        if "per_page" not in query and "per_page" not in dict(parse_qsl(urlsplit(target).query)):
            query["per_page"] = self.per_page
        response = self._send(target, query)
        items = self._json(response, target)
        if not isinstance(items, list):
            shown = _shown(target)
            raise GitLabError(
                f"GitLab answered GET {shown} with a {type(items).__name__}, not a list",
                path=shown,
            )
        next_link = response.links.get("next", {}).get("url")
        return Page(
            items=items,
            next_url=self._target(next_link) if next_link else None,
            total=_int(response.headers.get("X-Total")),
            headers=MappingProxyType(response.headers),  # the response's own, read-only now
        )

    def pages(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[Page]:
        """Every page of a list, following ``rel="next"`` until GitLab sends none.

        Lazy: a ``BudgetExhausted`` raised while iterating leaves the last page's ``next_url``
        as the place to resume.
        """
        current = self.page(path, params)
        yield current
        while current.next_url is not None:
            url = current.next_url
            current = self.page(url)
            if current.next_url == url:
                # A server that links a page to itself would keep us here forever.
                shown = _shown(url)
                raise GitLabError(
                    f"GitLab's Link header for GET {shown} points back at the same page",
                    path=shown,
                )
            yield current

    @property
    def real_time(self) -> bool:
        """Whether this client waits and tells time with the real clocks (no injected ones)."""
        return (
            self._sleep is time.sleep
            and self._monotonic is time.monotonic
            and self._clock is time.time
        )

    def settings(self) -> ClientSettings:
        return ClientSettings(
            url=self.url,
            token=self._gl.private_token or "",
            timeout=self.timeout,
            per_page=self.per_page,
            max_retries=self.max_retries,
            backoff_s=self.backoff_s,
        )

    def grant(self, count: int) -> int:
        """Reserve up to ``count`` requests of the budget for a client in another process that
        sends on this one's behalf; they count as sent from now on. Returns how many."""
        with self._lock:
            room = count if not self.budget else max(0, self.budget - self.requests)
            granted = min(count, room)
            self.requests += granted
            return granted

    def release(self, count: int) -> None:
        """Give back ``count`` reserved requests that were never sent."""
        with self._lock:
            self.requests -= count

    def absorb(self, stats: ClientStats) -> None:
        """Add what another process's client did on this one's behalf to this one's statistics
        (its requests are already counted, by ``grant``)."""
        with self._lock:
            self._retries += stats.retries
            self._statuses.update(stats.by_status)
            self._errors.update(stats.errors)
            self._wait_counts["rate_limit"] += stats.rate_limit_waits
            self._wait_counts["pacing"] += stats.pacing_waits
            self._wait_seconds["rate_limit"] += stats.rate_limit_wait_s
            self._wait_seconds["pacing"] += stats.pacing_wait_s
            self._wait_seconds["backoff"] += stats.backoff_wait_s

    def stats(self) -> ClientStats:
        return ClientStats(
            requests=self.requests,
            retries=self._retries,
            rate_limit_waits=self._wait_counts["rate_limit"],
            rate_limit_wait_s=self._wait_seconds["rate_limit"],
            pacing_waits=self._wait_counts["pacing"],
            pacing_wait_s=self._wait_seconds["pacing"],
            backoff_wait_s=self._wait_seconds["backoff"],
            by_status=dict(sorted(self._statuses.items())),
            errors=dict(sorted(self._errors.items())),
        )

    def _write(self, method: str, path: str, data: Mapping[str, Any]) -> Any:
        target = self._target(path)
        verb = method.upper()
        response = self._send(target, {}, method=method, data=dict(data))
        answer = self._json(response, target, verb)
        if (
            response.status_code == 202
            and isinstance(answer, dict)
            and "commands_changes" in answer
        ):
            # Notes::CreateService ran the whole body as quick actions and stored no note (an
            # edited note is even deleted): never what ladder-bot means to do.
            shown = _shown(target)
            raise GitLabError(
                f"GitLab took the body of {verb} {shown} for quick actions only (202 Accepted) "
                "and stored no note: ladder-bot never sends commands",
                path=shown,
                status=202,
            )
        return answer

    # -- one request, retried ------------------------------------------------------------------

    def _send(
        self,
        target: str,
        query: dict[str, Any],
        *,
        method: str = "get",
        data: dict[str, Any] | None = None,
    ) -> requests.Response:
        """Send ``target`` until it succeeds, is refused, or retries run out."""
        verb = method.upper()
        creates = verb == "POST"  # not safe to repeat blindly: it may create a second thing
        shown = _shown(target)
        backoff = 0.0
        backoff_reason = ""
        last = ""
        attempt = 0
        while attempt <= self.max_retries:
            attempt += 1
            self._admit(backoff, backoff_reason)
            backoff = 0.0
            self._local.last = None
            started = self._monotonic()
            try:
                if verb == "GET":
                    response = self._read(target, query)
                else:
                    response = self._gl.http_request(
                        method,
                        target,
                        query_data=query,
                        post_data=data,
                        obey_rate_limit=False,
                        retry_transient_errors=False,
                        max_retries=0,
                    )
            except RedirectError:
                # python-gitlab refuses a POST or PUT that was redirected (and so became a GET).
                raise GitLabError(
                    f"GitLab redirected {verb} {shown}: is gitlab.url GitLab's own address "
                    "(https, no trailing path)?",
                    path=shown,
                ) from None
            except (GitlabHttpError, GitlabAuthenticationError) as exc:
                # The hook kept the refused response: python-gitlab's error has no headers.
                kept = self._kept_response()
                if kept is None or kept.status_code != exc.response_code:
                    raise GitLabError(
                        f"GitLab answered {verb} {shown} with {exc.response_code}",
                        path=shown,
                        status=exc.response_code,
                    ) from None
                response = kept
            except requests.RequestException as exc:
                name = type(exc).__name__
                with self._lock:
                    self._errors[name] += 1
                if LOG.isEnabledFor(logging.DEBUG):
                    logged = self._logged(target, query)
                    LOG.debug("%s %s -> %s after %d ms", verb, logged, name, self._ms(started))
                last = name
                if not _retryable(exc):
                    break
                if creates and not _not_sent(exc):
                    raise GitLabWriteUncertain(verb, shown, name) from None
                backoff = _backoff(attempt, self.backoff_s)
                backoff_reason = f"{verb} {shown} failed with {name}"
                self._retry(attempt, backoff_reason)
                continue

            status = response.status_code
            if LOG.isEnabledFor(logging.DEBUG):  # the query, masked, is not free to build
                logged = self._logged(target, query)
                LOG.debug("%s %s -> %d in %d ms", verb, logged, status, self._ms(started))
            with self._lock:
                self._statuses[status] += 1
                if status != 429:
                    # Every answer updates the quota, refusals too: callers go on after a 404.
                    self._watch_rate_limit(response.headers)
            if 200 <= status < 300:
                return response
            last = _status_text(status, response.reason)
            if status == 429:
                with self._lock:
                    self._rate_limited(response.headers, f"{verb} {shown} answered {last}")
            elif status in RETRY_STATUSES:
                if creates:
                    raise GitLabWriteUncertain(verb, shown, last)
                backoff = _backoff(attempt, self.backoff_s)
                told = self._retry_after(response.headers, reset=False)
                if told is not None:
                    # A 503 that says when to come back knows better than our back-off.
                    backoff = min(max(backoff, told[0] - self._clock()), MAX_WAIT_S)
                backoff_reason = f"{verb} {shown} answered {last}"
            else:
                raise self._refusal(response, verb, shown, last)
            self._retry(attempt, f"{verb} {shown} answered {last}")
        raise GitLabUnavailable(verb, shown, attempt, last)

    def _admit(self, backoff: float, reason: str) -> None:
        """Let the next attempt out: within the budget, after the back-off, after any wait
        GitLab asked for, within the pace; then count it."""
        with self._lock:
            if self.budget and self.requests >= self.budget:
                raise BudgetExhausted(self.budget)
        if backoff:
            self._wait("backoff", backoff, reason)
        with self._lock:
            if self.budget and self.requests >= self.budget:
                raise BudgetExhausted(self.budget)
            self._await_rate_limit()
            self._pace()
            self.requests += 1

    def _read(self, target: str, query: Mapping[str, Any]) -> requests.Response:
        """One GET, sent as python-gitlab's ``http_request`` sends it; any status is returned.

        The same request on the same session: python-gitlab's URL (the target's own query
        first, then ``query``, encoded by ``requests``), headers and timeout, the session's
        cookies, hooks (``_on_response``), proxies and TLS settings, redirects followed. What
        is left out is work that gives the same answer every time: python-gitlab's option
        copying and ``requests.Session.request``'s merging of session settings, about half of
        the client's CPU time per request, and a sync sends a request per merge request.
        """
        url = target if target.startswith(("http://", "https://")) else self._gl.api_url + target
        parts = urlsplit(url)
        params: dict[str, Any] = dict(parse_qs(parts.query))
        gitlab.utils.copy_dict(src=dict(query), dest=params)
        session = self._gl.session
        cookies = RequestsCookieJar()  # a copy, as requests makes for every request
        cookies.update(session.cookies)
        prepared = requests.PreparedRequest()
        prepared.prepare(
            method="GET",
            url=urlunsplit(parts._replace(query="")),
            headers=self._read_headers,
            params=_query_string(params),
            cookies=cookies,
            auth=self._read_auth,
            hooks=session.hooks,
        )
        return session.send(
            prepared,
            timeout=self._gl.timeout,
            allow_redirects=True,
            proxies=session.proxies,
            stream=False,
            verify=self._gl.ssl_verify,
            cert=session.cert,
        )

    def _logged(self, target: str, query: Mapping[str, Any]) -> str:
        """``target`` and ``query`` as the debug log shows them: token-like values masked."""
        return self._scrub(_shown(target, query))

    def _retry(self, attempt: int, reason: str) -> None:
        if attempt <= self.max_retries:
            with self._lock:
                self._retries += 1
            LOG.info("%s; retry %d of %d", reason, attempt, self.max_retries)

    def _refusal(
        self, response: requests.Response, verb: str, shown: str, status_text: str
    ) -> GitLabError:
        status = response.status_code
        detail = self._scrub(_server_message(response))
        if status in (401, 403):
            # GitLab's own message, when it says more than the status line, tells the user
            # why: "403 Forbidden - Your account has been blocked."
            said = detail if detail.startswith(str(status)) else status_text
            return GitLabAuthError(status, said, path=shown)
        if status == 404:
            return GitLabNotFound(verb, shown)
        extra = f": {detail}" if detail and detail != status_text else ""
        return GitLabError(
            f"GitLab refused {verb} {shown} ({status_text}{extra})", path=shown, status=status
        )

    # -- waiting -------------------------------------------------------------------------------

    def _rate_limited(self, headers: Mapping[str, str], reason: str) -> None:
        """After a 429: resume when GitLab says, or after a minute when it does not say."""
        told = self._retry_after(headers, reset=True)
        if told is None:
            self._resume_at = self._clock() + RATE_LIMIT_FALLBACK_S
            self._resume_reason = f"{reason} without Retry-After or RateLimit-Reset"
        else:
            self._resume_at, said = told
            self._resume_reason = f"{reason}, {said}"

    def _watch_rate_limit(self, headers: Mapping[str, str]) -> None:
        """Wait for the window's reset before the next request when its quota is nearly spent.

        Stopping just short of the limit leaves the last few requests of the window to other
        clients of the same token, and costs one wait instead of a 429 and a retry.
        """
        remaining = _int(headers.get("RateLimit-Remaining"))
        reset = _int(headers.get("RateLimit-Reset"))
        if remaining is None or reset is None:
            return
        limit = _int(headers.get("RateLimit-Limit"))
        if remaining < LOW_REMAINING_FLOOR or (
            limit is not None and remaining <= limit * LOW_REMAINING_SHARE
        ):
            self._resume_at = float(reset)
            self._resume_reason = f"RateLimit-Remaining is {remaining} of {limit}"

    def _retry_after(self, headers: Mapping[str, str], *, reset: bool) -> tuple[float, str] | None:
        """When GitLab asks us to come back, as Unix time, and the header that said so.

        ``RateLimit-Reset`` counts only with ``reset``, for a 429: on any other answer it is
        just the end of the quota window, not a request to wait.
        """
        value = (headers.get("Retry-After") or "").strip()
        if value.isdigit():
            return self._clock() + int(value), f"Retry-After {value}"
        if value:
            try:
                return parsedate_to_datetime(value).timestamp(), f"Retry-After {value}"
            except (TypeError, ValueError):
                pass  # unreadable: fall through to RateLimit-Reset
        limit_reset = _int(headers.get("RateLimit-Reset")) if reset else None
        return (float(limit_reset), "RateLimit-Reset") if limit_reset is not None else None

    def _await_rate_limit(self) -> None:
        if self._resume_at is None:
            return
        wait = self._resume_at - self._clock()
        reason = self._resume_reason
        self._resume_at = None
        if wait > MAX_WAIT_S:
            reason += f" (asked for {wait:.0f} s, waiting at most {MAX_WAIT_S:.0f} s)"
            wait = MAX_WAIT_S
        if wait > 0:
            self._wait("rate_limit", wait, reason)

    def _pace(self) -> None:
        """Keep every 60-second window at ``max_per_minute`` requests or fewer."""
        if not self.max_per_minute:
            return
        sent = self._sent
        now = self._monotonic()
        while sent and sent[0] + PACING_WINDOW_S <= now:
            sent.popleft()
        if len(sent) >= self.max_per_minute:
            ready = sent[0] + PACING_WINDOW_S
            self._wait(
                "pacing",
                ready - now,
                f"{len(sent)} requests in the last minute, max_per_minute is {self.max_per_minute}",
            )
            # Trust the wait even if the clock did not move (a recording sleep in a test):
            # looping until it does could spin forever.
            now = max(self._monotonic(), ready)
            while sent and sent[0] + PACING_WINDOW_S <= now:
                sent.popleft()
        sent.append(now)

    def _wait(self, kind: str, seconds: float, reason: str) -> None:
        LOG.info("waiting %.1f s: %s", seconds, reason)
        with self._lock:
            self._wait_counts[kind] += 1
            self._wait_seconds[kind] += seconds
        self._sleep(seconds)

    # -- helpers -------------------------------------------------------------------------------

    def _on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """``requests`` response hook: keep the response, refuse to follow it off this host.

        ``requests`` keeps custom headers such as ``PRIVATE-TOKEN`` on a redirect to another
        host; raising here, before the redirect is followed, keeps the token at home.
        """
        self._local.last = response
        if response.is_redirect:
            location = response.headers.get("Location", "")
            there = urlsplit(urljoin(response.url, location))
            here = urlsplit(self.url)
            if (there.scheme, there.netloc) != (here.scheme, here.netloc):
                response.close()
                shown = _shown(response.url)
                verb = response.request.method or "GET"
                raise GitLabError(
                    f"GitLab redirected {verb} {shown} to {there.scheme}://{there.netloc}; the "
                    "token is only sent to gitlab.url: check it",
                    path=shown,
                    status=response.status_code,
                )

    def _kept_response(self) -> requests.Response | None:
        """The last response the hook saw (a method, as the hook sets it behind mypy's back)."""
        last: requests.Response | None = getattr(self._local, "last", None)
        return last

    def _target(self, path: str) -> str:
        """What to hand python-gitlab: a path below /api/v4, or an absolute URL on our host.

        Absolute URLs (``Link`` headers, stored ``next_url``) are rebased onto this client's
        URL, as python-gitlab's ``keep_base_url`` does: GitLab builds links from its external
        URL, which may differ from the one we reach it by, and the token must not follow a
        link to another host.
        """
        if not path.startswith(("http://", "https://")):
            return path if path.startswith("/") else "/" + path
        parts = urlsplit(path)
        at = parts.path.find(API_PREFIX + "/")
        if at < 0:
            shown = self._scrub(parts.path)
            raise GitLabError(f"not a GitLab API URL: {shown}", path=shown)
        rest = parts.path[at + len(API_PREFIX) :]
        return self._gl.api_url + rest + (f"?{parts.query}" if parts.query else "")

    def _json(self, response: requests.Response, target: str, verb: str = "GET") -> Any:
        if not response.content:
            return None
        try:
            return orjson.loads(response.content)  # a sync decodes ~100 MB of JSON per 5k MRs
        except ValueError:
            shown = _shown(target)
            kind = response.headers.get("Content-Type", "no content type")
            raise GitLabError(
                f"GitLab answered {verb} {shown} with something that is not JSON ({kind}): "
                "is gitlab.url the GitLab itself?",
                path=shown,
                status=response.status_code,
            ) from None

    def _scrub(self, text: str) -> str:
        """``text`` without the token, in case a server or a caller echoes it."""
        token = self._gl.private_token
        return text.replace(token, _MASK) if token else text

    def _ms(self, started: float) -> int:
        return round((self._monotonic() - started) * 1000)


def _shown(target: str, query: Mapping[str, Any] | None = None) -> str:
    """``target`` as messages show it: the path below /api/v4, without the query.

    With ``query``, the query string is kept (for debug logs), token-like parameters masked.
    """
    parts = urlsplit(target)
    path = parts.path
    at = path.find(API_PREFIX + "/")
    if at >= 0:
        path = path[at + len(API_PREFIX) :]
    if query is None:
        return path
    pairs: list[tuple[str, Any]] = parse_qsl(parts.query, keep_blank_values=True)
    for key, value in query.items():
        values = value if isinstance(value, list | tuple) else [value]
        pairs.extend((key, item) for item in values)
    shown = sorted(
        (key, _MASK if key.lower() in _SECRET_PARAMS else str(value)) for key, value in pairs
    )
    return f"{path}?{urlencode(shown, safe='[]:,')}" if shown else path


def _query_string(params: Mapping[str, Any]) -> str:
    """``params`` encoded as ``requests`` encodes a dict of them: a list or tuple is a repeated
    key, ``None`` is left out. Handing ``requests`` the string spares it a runtime protocol
    check per request."""
    pairs: list[tuple[str, Any]] = []
    for key, values in params.items():
        if isinstance(values, str | bytes) or not hasattr(values, "__iter__"):
            values = [values]
        pairs.extend((key, value) for value in values if value is not None)
    return urlencode(pairs, doseq=True)


def _server_message(response: requests.Response) -> str:
    """GitLab's ``message`` or ``error``, on one line and short, or ``""``."""
    try:
        body = response.json()
    except ValueError:
        return ""
    said = body.get("message", body.get("error", "")) if isinstance(body, dict) else ""
    text = said if isinstance(said, str) else json.dumps(said, separators=(",", ":"))
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:199] + "…"


def _status_text(status: int, reason: str) -> str:
    """``503 Service Unavailable``; 52x, unknown to HTTPStatus, keep the server's reason."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = reason
    return f"{status} {phrase}".strip()


def _retryable(exc: requests.RequestException) -> bool:
    # A certificate failure is a connection error too, but no retry will fix it.
    if isinstance(exc, requests.exceptions.SSLError):
        return False
    return isinstance(
        exc,
        requests.ConnectionError | requests.exceptions.ChunkedEncodingError | requests.Timeout,
    )


def _not_sent(exc: requests.RequestException) -> bool:
    """Whether the request surely never reached GitLab: the connection did not even open."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if not isinstance(exc, requests.ConnectionError) or not exc.args:
        return False
    cause = exc.args[0]
    cause = getattr(cause, "reason", cause)  # urllib3's MaxRetryError wraps the reason
    return isinstance(cause, urllib3.exceptions.NewConnectionError)


def _backoff(attempt: int, base: float = BACKOFF_BASE_S) -> float:
    """Wait before retry ``attempt`` (1-based): 0.5, 1, 2, 4, ... (from ``base``) up to 30
    seconds."""
    return float(min(base * 2 ** (attempt - 1), BACKOFF_CAP_S))


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
