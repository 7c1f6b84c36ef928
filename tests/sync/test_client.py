"""``GitLabClient`` on exact HTTP edge cases, served by ``responses`` (FACTS.md B, D, G.1).

python-gitlab sends through ``requests``, so ``responses`` sees every request the client makes.
Time is virtual: the client's ``sleep`` records the wait and moves its ``monotonic`` and
``clock`` forward, so nothing here really sleeps. Behaviour against a live server is in
``test_client_live.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from bot.errors import BotError
from bot.sync.client import (
    BudgetExhausted,
    GitLabAuthError,
    GitLabClient,
    GitLabError,
    GitLabNotFound,
    GitLabUnavailable,
    project_path,
)

BASE = "http://gitlab.test"
API = f"{BASE}/api/v4"
TOKEN = "glpat-Zq9-never-show-me-7731"
NOW = 1_800_000_000.0  # a whole second, so waits computed from it are exact
MRS = f"{API}/projects/7/merge_requests"


class VirtualTime:
    """The client's clocks; ``sleep`` records the wait and moves both clocks by it."""

    def __init__(self) -> None:
        self.mono = 500.0
        self.wall = NOW
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.mono += seconds
        self.wall += seconds

    def monotonic(self) -> float:
        return self.mono

    def clock(self) -> float:
        return self.wall


@pytest.fixture
def vt() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    # Registered responses for the same URL answer in order; the last one repeats.
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def make(vt: VirtualTime) -> Iterator[Any]:
    clients: list[GitLabClient] = []

    def build(**kwargs: Any) -> GitLabClient:
        client = GitLabClient(
            BASE, TOKEN, sleep=vt.sleep, monotonic=vt.monotonic, clock=vt.clock, **kwargs
        )
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


def link(url: str, rel: str = "next") -> dict[str, str]:
    return {"Link": f'<{url}>; rel="{rel}"'}


def add_json(
    rsps: responses.RequestsMock,
    url: str,
    body: Any,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> None:
    rsps.add(responses.GET, url, json=body, status=status, headers=headers or {}, **kwargs)


# -- pagination ------------------------------------------------------------------------------------


def test_follows_link_across_three_pages_including_a_short_middle_page(
    rsps: responses.RequestsMock, make: Any
) -> None:
    # The middle page is short and its X-Next-Page is empty, as when GitLab filters notes after
    # slicing (FACTS.md B.1): only rel="next" decides.
    add_json(
        rsps,
        MRS,
        [{"id": 1}, {"id": 2}],
        headers={**link(f"{MRS}?page=2&per_page=2&state=merged"), "X-Total": "5"},
        match=[matchers.query_param_matcher({"state": "merged", "per_page": "2"})],
    )
    add_json(
        rsps,
        MRS,
        [{"id": 3}],
        headers={**link(f"{MRS}?page=3&per_page=2&state=merged"), "X-Next-Page": ""},
        match=[matchers.query_param_matcher({"state": "merged", "per_page": "2", "page": "2"})],
    )
    add_json(
        rsps,
        MRS,
        [{"id": 4}, {"id": 5}],
        headers={"X-Next-Page": "4"},  # a stray X-Next-Page without a Link: the end
        match=[matchers.query_param_matcher({"state": "merged", "per_page": "2", "page": "3"})],
    )
    client = make(per_page=2)

    pages = list(client.pages("/projects/7/merge_requests", {"state": "merged"}))

    assert [[item["id"] for item in page.items] for page in pages] == [[1, 2], [3], [4, 5]]
    assert [page.next_url for page in pages] == [
        f"{MRS}?page=2&per_page=2&state=merged",
        f"{MRS}?page=3&per_page=2&state=merged",
        None,
    ]
    assert pages[0].total == 5
    assert pages[1].total is None
    assert pages[0].headers["x-total"] == "5"  # case-insensitive, like requests'
    assert client.requests == 3


def test_per_page_defaults_to_100_and_a_callers_value_wins(
    rsps: responses.RequestsMock, make: Any
) -> None:
    add_json(rsps, MRS, [], match=[matchers.query_param_matcher({"per_page": "100"})])
    add_json(rsps, f"{API}/users", [], match=[matchers.query_param_matcher({"per_page": "5"})])
    client = make()

    assert client.page("/projects/7/merge_requests").items == []
    assert client.page("/users", {"per_page": 5}).next_url is None


def test_a_link_to_another_host_is_followed_on_the_clients_own_host(
    rsps: responses.RequestsMock, make: Any
) -> None:
    # GitLab builds links from its external_url; behind a proxy that is not the URL we use,
    # and the token must not go anywhere else.
    add_json(rsps, MRS, [{"id": 1}], headers=link("https://gitlab.example.com/api/v4/x?page=2&a=b"))
    add_json(
        rsps,
        f"{API}/x",
        [{"id": 2}],
        match=[matchers.query_param_matcher({"page": "2", "a": "b", "per_page": "100"})],
    )
    client = make()

    pages = list(client.pages("/projects/7/merge_requests"))

    assert pages[0].next_url == f"{API}/x?page=2&a=b"
    assert [item["id"] for page in pages for item in page.items] == [1, 2]


def test_a_page_linking_to_itself_stops_the_walk(rsps: responses.RequestsMock, make: Any) -> None:
    add_json(rsps, MRS, [{"id": 1}], headers=link(f"{MRS}?page=2&per_page=100"))
    client = make()

    with pytest.raises(GitLabError, match="points back at the same page"):
        list(client.pages("/projects/7/merge_requests"))
    assert client.requests == 2  # page 1, then page 2 that names itself as next


def test_get_returns_one_document_and_sends_the_token_through_python_gitlab(
    rsps: responses.RequestsMock, make: Any
) -> None:
    add_json(rsps, f"{API}/users/3", {"id": 3, "bot": False})
    client = make()

    assert client.get("/users/3") == {"id": 3, "bot": False}
    assert rsps.calls[0].request.headers["PRIVATE-TOKEN"] == TOKEN
    assert "per_page" not in (rsps.calls[0].request.url or "")


def test_a_list_endpoint_answering_an_object_is_an_error(
    rsps: responses.RequestsMock, make: Any
) -> None:
    add_json(rsps, MRS, {"message": "surprise"})

    with pytest.raises(
        GitLabError, match=r"GET /projects/7/merge_requests with a dict, not a list"
    ):
        make().page("/projects/7/merge_requests")


def test_a_body_that_is_not_json_is_an_error(rsps: responses.RequestsMock, make: Any) -> None:
    rsps.add(responses.GET, f"{API}/user", body="<html>sign in</html>", content_type="text/html")

    with pytest.raises(GitLabError, match=r"not JSON \(text/html\)"):
        make().get("/user")


def test_project_path_encodes_a_full_path_once() -> None:
    assert project_path("acme/backend") == "/projects/acme%2Fbackend"
    assert project_path("acme/platform/api.v2") == "/projects/acme%2Fplatform%2Fapi.v2"
    assert project_path("acme%2Fbackend") == "/projects/acme%2Fbackend"
    assert project_path(7) == "/projects/7"


# -- retries -----------------------------------------------------------------------------------


def test_retry_after_is_honoured_exactly(
    rsps: responses.RequestsMock, make: Any, vt: VirtualTime
) -> None:
    # Retry-After wins over RateLimit-Reset when GitLab sends both.
    add_json(
        rsps,
        MRS,
        {"message": "Retry later"},
        status=429,
        headers={"Retry-After": "7", "RateLimit-Reset": str(int(NOW) + 50)},
    )
    add_json(rsps, MRS, [{"id": 1}])
    client = make()

    assert client.page("/projects/7/merge_requests").items == [{"id": 1}]
    assert vt.sleeps == [7.0]
    stats = client.stats()
    assert (stats.requests, stats.retries, stats.rate_limit_waits) == (2, 1, 1)
    assert stats.rate_limit_wait_s == 7.0
    assert stats.by_status == {200: 1, 429: 1}


def test_ratelimit_reset_is_used_without_retry_after(
    rsps: responses.RequestsMock, make: Any, vt: VirtualTime
) -> None:
    add_json(rsps, MRS, {}, status=429, headers={"RateLimit-Reset": str(int(NOW) + 42)})
    add_json(rsps, MRS, [])
    client = make()

    client.page("/projects/7/merge_requests")

    assert vt.sleeps == [42.0]


def test_retry_after_as_an_http_date_is_understood(
    rsps: responses.RequestsMock, make: Any, vt: VirtualTime
) -> None:
    add_json(rsps, MRS, {}, status=429, headers={"Retry-After": "Fri, 15 Jan 2027 08:00:09 GMT"})
    add_json(rsps, MRS, [])

    make().page("/projects/7/merge_requests")

    assert vt.sleeps == [9.0]  # NOW is 2027-01-15 08:00:00 UTC


def test_a_429_without_hints_waits_a_minute(
    rsps: responses.RequestsMock, make: Any, vt: VirtualTime
) -> None:
    rsps.add(responses.GET, MRS, body="Retry later", status=429)
    add_json(rsps, MRS, [])

    make().page("/projects/7/merge_requests")

    assert vt.sleeps == [60.0]


def test_a_long_rate_limit_wait_is_capped(
    rsps: responses.RequestsMock, make: Any, vt: VirtualTime
) -> None:
    add_json(rsps, MRS, {}, status=429, headers={"Retry-After": "86400"})
    add_json(rsps, MRS, [])

    make().page("/projects/7/merge_requests")

    assert vt.sleeps == [300.0]


@pytest.mark.parametrize("status", [500, 502, 503, 504, 520, 530])
def test_server_errors_are_retried_with_exponential_backoff(
    rsps: responses.RequestsMock, make: Any, vt: VirtualTime, status: int
) -> None:
    add_json(rsps, MRS, {"message": "oops"}, status=status)
    add_json(rsps, MRS, {"message": "oops"}, status=status)
    add_json(rsps, MRS, [{"id": 1}])
    client = make()

    assert client.page("/projects/7/merge_requests").items == [{"id": 1}]
    assert len(rsps.calls) == 3
    assert client.requests == 3
    assert vt.sleeps == [0.5, 1.0]
    assert client.stats().retries == 2
    assert client.stats().backoff_wait_s == 1.5


def test_a_503_with_retry_after_waits_as_asked(
    rsps: responses.RequestsMock, make: Any, vt: VirtualTime
) -> None:
    add_json(rsps, MRS, {}, status=503, headers={"Retry-After": "5"})
    add_json(rsps, MRS, [])

    make().page("/projects/7/merge_requests")

    assert vt.sleeps == [5.0]


def test_a_5xx_backs_off_and_ignores_the_quota_windows_reset(
    rsps: responses.RequestsMock, make: Any, vt: VirtualTime
) -> None:
    # GitLab sends RateLimit-* on every answer; on a 5xx the reset is not a request to wait.
    headers = {"RateLimit-Remaining": "50", "RateLimit-Reset": str(int(NOW) + 55)}
    add_json(rsps, MRS, {}, status=502, headers={**headers, "RateLimit-Limit": "100"})
    add_json(rsps, MRS, [])

    make().page("/projects/7/merge_requests")

    assert vt.sleeps == [0.5]


@pytest.mark.parametrize(
    "error",
    [
        requests.ConnectionError("connection reset"),
        requests.exceptions.ChunkedEncodingError("truncated"),
        requests.exceptions.ReadTimeout("read timed out"),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_network_failures_are_retried(
    rsps: responses.RequestsMock, make: Any, vt: VirtualTime, error: Exception
) -> None:
    rsps.add(responses.GET, MRS, body=error)
    add_json(rsps, MRS, [{"id": 1}])
    client = make()

    assert client.page("/projects/7/merge_requests").items == [{"id": 1}]
    assert vt.sleeps == [0.5]
    assert client.stats().errors == {type(error).__name__: 1}
    assert client.requests == 2


def test_an_ssl_error_is_not_retried(rsps: responses.RequestsMock, make: Any) -> None:
    rsps.add(responses.GET, MRS, body=requests.exceptions.SSLError("certificate verify failed"))

    with pytest.raises(GitLabUnavailable) as caught:
        make().page("/projects/7/merge_requests")
    assert str(caught.value) == (
        "GitLab did not answer GET /projects/7/merge_requests after 1 attempt (last: SSLError)"
    )


def test_exhausted_retries_name_path_status_and_attempts(
    rsps: responses.RequestsMock, make: Any, vt: VirtualTime
) -> None:
    add_json(rsps, MRS, {"message": "503 Service Unavailable"}, status=503)
    client = make()

    with pytest.raises(GitLabUnavailable) as caught:
        client.page("/projects/7/merge_requests", {"updated_after": "2026-11-01T00:00:00Z"})

    assert str(caught.value) == (
        "GitLab did not answer GET /projects/7/merge_requests after 11 attempts "
        "(last: 503 Service Unavailable)"
    )
    assert isinstance(caught.value, BotError)
    assert caught.value.attempts == 11
    assert len(rsps.calls) == 11
    # Ten retries: about two and a half minutes of back-off before GitLab counts as down.
    assert vt.sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0, 30.0]
    assert client.stats().retries == 10


def test_backoff_is_capped_at_30_seconds(
    rsps: responses.RequestsMock, make: Any, vt: VirtualTime
) -> None:
    rsps.add(responses.GET, MRS, body=requests.ConnectionError("refused"))

    with pytest.raises(GitLabUnavailable, match=r"after 9 attempts \(last: ConnectionError\)"):
        make(max_retries=8).page("/projects/7/merge_requests")
    assert vt.sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (
            401,
            {"message": "401 Unauthorized"},
            GitLabAuthError,
            "GitLab refused the token (401 Unauthorized): check gitlab.token_env",
        ),
        (
            403,
            {"message": "403 Forbidden - Your account has been blocked."},
            GitLabAuthError,
            "GitLab refused the token (403 Forbidden - Your account has been blocked.): "
            "check gitlab.token_env",
        ),
        (
            404,
            {"message": "404 Project Not Found"},
            GitLabNotFound,
            "GitLab has no GET /projects/acme%2Fbackend (404 Not Found), "
            "or the token may not see it",
        ),
        (
            400,
            {"error": "order_by does not have a valid value"},
            GitLabError,
            "GitLab refused GET /projects/acme%2Fbackend "
            "(400 Bad Request: order_by does not have a valid value)",
        ),
        (
            422,
            {"message": {"base": ["cannot"]}},
            GitLabError,
            # Python 3.13 renamed 422's phrase to "Unprocessable Content".
            f"GitLab refused GET /projects/acme%2Fbackend ({422} {HTTPStatus(422).phrase}: "
            '{"base":["cannot"]})',
        ),
    ],
    ids=lambda value: str(value) if isinstance(value, int) else None,
)
def test_client_errors_are_not_retried(
    rsps: responses.RequestsMock,
    make: Any,
    vt: VirtualTime,
    status: int,
    body: Any,
    error: type[GitLabError],
    message: str,
) -> None:
    add_json(rsps, f"{API}/projects/acme%2Fbackend", body, status=status)
    client = make()

    with pytest.raises(GitLabError) as caught:
        client.get(project_path("acme/backend"))

    assert type(caught.value) is error
    assert str(caught.value) == message
    assert caught.value.path == "/projects/acme%2Fbackend"
    assert len(rsps.calls) == 1
    assert vt.sleeps == []
    assert client.stats().retries == 0


def test_a_redirect_to_another_host_is_refused_before_the_token_follows(
    rsps: responses.RequestsMock, make: Any
) -> None:
    rsps.add(
        responses.GET, f"{API}/user", status=302, headers={"Location": "https://evil.test/steal"}
    )

    with pytest.raises(GitLabError, match=r"redirected GET /user to https://evil.test"):
        make().get("/user")
    assert len(rsps.calls) == 1  # evil.test was never asked


# -- budget --------------------------------------------------------------------------------------


def test_budget_stops_before_the_request_that_would_exceed_it(
    rsps: responses.RequestsMock, make: Any
) -> None:
    add_json(rsps, f"{API}/users/1", {"id": 1})
    client = make(budget=3)
    for _ in range(3):
        client.get("/users/1")

    with pytest.raises(BudgetExhausted) as caught:
        client.get("/users/1")

    assert str(caught.value) == (
        "request budget of 3 used up; the next run resumes where this one stopped"
    )
    assert len(rsps.calls) == 3
    assert str(BudgetExhausted(20000)) == (
        "request budget of 20000 used up; the next run resumes where this one stopped"
    )


def test_budget_counts_retries(rsps: responses.RequestsMock, make: Any, vt: VirtualTime) -> None:
    add_json(rsps, MRS, {}, status=502)
    client = make(budget=2)

    with pytest.raises(BudgetExhausted):
        client.page("/projects/7/merge_requests")

    assert len(rsps.calls) == 2
    assert client.requests == 2
    assert vt.sleeps == [0.5]  # no back-off before a request that is never sent


def test_budget_leaves_the_resume_point_on_the_last_page(
    rsps: responses.RequestsMock, make: Any
) -> None:
    add_json(rsps, MRS, [{"id": 1}], headers=link(f"{MRS}?page=2&per_page=100"))
    client = make(budget=1)
    walked = []

    with pytest.raises(BudgetExhausted):
        for page in client.pages("/projects/7/merge_requests"):
            walked.append(page)

    assert walked[-1].next_url == f"{MRS}?page=2&per_page=100"


# -- pacing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "remaining", "waits"),
    [
        (2000, 40, True),  # 2 % of the limit
        (2000, 41, False),
        (10, 2, True),  # below 3, however small the limit
        (10, 3, False),
        (None, 2, True),  # no RateLimit-Limit: the floor still applies
    ],
)
def test_waits_for_the_reset_when_the_quota_is_nearly_spent(
    rsps: responses.RequestsMock,
    make: Any,
    vt: VirtualTime,
    limit: int | None,
    remaining: int,
    waits: bool,
) -> None:
    headers = {"RateLimit-Remaining": str(remaining), "RateLimit-Reset": str(int(NOW) + 25)}
    if limit is not None:
        headers["RateLimit-Limit"] = str(limit)
    add_json(rsps, f"{API}/users/1", {"id": 1}, headers=headers)
    add_json(rsps, f"{API}/users/2", {"id": 2})
    client = make()

    client.get("/users/1")
    assert vt.sleeps == []  # the wait comes before the next request, not after this one
    client.get("/users/2")

    assert vt.sleeps == ([25.0] if waits else [])
    assert client.stats().rate_limit_waits == (1 if waits else 0)


def test_a_nearly_spent_quota_on_a_404_still_makes_the_next_request_wait(
    rsps: responses.RequestsMock, make: Any, vt: VirtualTime
) -> None:
    headers = {"RateLimit-Remaining": "0", "RateLimit-Reset": str(int(NOW) + 10)}
    add_json(rsps, f"{API}/users/1", {"message": "404 Not Found"}, status=404, headers=headers)
    add_json(rsps, f"{API}/users/2", {"id": 2})
    client = make()

    with pytest.raises(GitLabNotFound):
        client.get("/users/1")
    client.get("/users/2")

    assert vt.sleeps == [10.0]


@pytest.mark.parametrize(("count", "virtual_s"), [(3, 60.0), (5, 120.0)])
def test_max_per_minute_paces_requests(
    rsps: responses.RequestsMock, make: Any, vt: VirtualTime, count: int, virtual_s: float
) -> None:
    sent_at: list[float] = []

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        sent_at.append(vt.mono)
        return 200, {}, "{}"

    rsps.add_callback(responses.GET, f"{API}/version", callback=answer)
    client = make(max_per_minute=2)

    for _ in range(count):
        client.get("/version")

    # Any 60 seconds hold at most 2 requests: the 3rd waits for the 1st to be a minute old.
    assert sum(vt.sleeps) == virtual_s
    assert all(later - earlier >= 60 for earlier, later in zip(sent_at, sent_at[2:], strict=False))
    assert client.stats().pacing_waits == len(vt.sleeps)
    assert client.stats().pacing_wait_s == virtual_s


# -- logs and secrets ------------------------------------------------------------------------------


def test_logs_each_request_at_debug_and_each_retry_at_info(
    rsps: responses.RequestsMock, make: Any, caplog: pytest.LogCaptureFixture
) -> None:
    add_json(rsps, MRS, {}, status=503)
    add_json(rsps, MRS, [])
    caplog.set_level(logging.DEBUG, logger="ladder_bot.gitlab")

    make().page("/projects/7/merge_requests", {"state": "merged"})

    mine = [r for r in caplog.records if r.name == "ladder_bot.gitlab"]
    assert [(r.levelname, r.getMessage().split(" in ")[0]) for r in mine] == [
        ("DEBUG", "GET /projects/7/merge_requests?per_page=100&state=merged -> 503"),
        ("INFO", "GET /projects/7/merge_requests answered 503 Service Unavailable; retry 1 of 10"),
        ("INFO", "waiting 0.5 s: GET /projects/7/merge_requests answered 503 Service Unavailable"),
        ("DEBUG", "GET /projects/7/merge_requests?per_page=100&state=merged -> 200"),
    ]
    assert mine[0].getMessage().endswith(" ms")


def test_the_token_never_shows(
    rsps: responses.RequestsMock, make: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: ours, python-gitlab's, urllib3's
    # A server that echoes the token back, in a body and in a Link.
    add_json(rsps, f"{API}/echo", {"message": f"bad token {TOKEN}"}, status=400)
    add_json(rsps, f"{API}/auth", {"message": f"401 Unauthorized {TOKEN}"}, status=401)
    add_json(rsps, f"{API}/gone", {"message": "404 Not Found"}, status=404)
    add_json(rsps, f"{API}/busy", {}, status=429, headers={"Retry-After": "1"})
    rsps.add(responses.GET, f"{API}/down", body=requests.ConnectionError(f"boom {TOKEN}"))
    add_json(rsps, f"{API}/list", [{"id": 1}], headers={"Set-Cookie": f"s={TOKEN}"})
    client = make(max_retries=1)
    seen: list[str] = []

    for path in ("/echo", "/auth", "/gone", "/busy", "/down", f"/echo?private_token={TOKEN}"):
        with pytest.raises(GitLabError) as caught:
            client.get(path)
        seen += [str(caught.value), repr(caught.value)]
    page = client.page("/list")
    seen += [repr(client), repr(client.stats()), repr(page), caplog.text]

    assert rsps.calls[0].request.headers["PRIVATE-TOKEN"] == TOKEN  # it was really sent
    assert all(TOKEN not in text for text in seen), [t for t in seen if TOKEN in t]
    assert "[masked]" in caplog.text


def test_proxy_and_ca_settings_come_from_the_environment_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/company-ca.pem")
    client = GitLabClient("https://gitlab.example.com", "tok-abcdefgh")
    session = client._gl.session
    assert session.proxies.get("https") == "http://proxy.internal:3128"
    assert client._gl.ssl_verify == "/etc/ssl/company-ca.pem"
    assert session.trust_env is False
    monkeypatch.setenv("NO_PROXY", "gitlab.example.com")
    bypassed = GitLabClient("https://gitlab.example.com", "tok-abcdefgh")
    assert "https" not in bypassed._gl.session.proxies
