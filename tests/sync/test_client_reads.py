"""The client's reads go out exactly as python-gitlab's ``http_request`` would send them.

``GitLabClient`` prepares GETs itself instead of going through ``Gitlab.http_request`` (see
``GitLabClient._read``); these tests send the same GET both ways through ``responses`` and
compare what reached the adapter: method, URL, headers, body and the send options (timeout,
TLS verification, proxies).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import responses

from bot.sync.client import GitLabClient

BASE = "http://gitlab.test"
API = f"{BASE}/api/v4"
TOKEN = "glpat-Zq9-never-show-me-7731"


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, re.compile(re.escape(API) + ".*"), json=[], headers={})
        yield mock


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitLabClient]:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/company-ca.pem")
    gitlab_client = GitLabClient(BASE, TOKEN, timeout=12.5, max_per_minute=0)
    yield gitlab_client
    gitlab_client.close()


def sent(call: Any) -> dict[str, Any]:
    request = call.request
    return {
        "method": request.method,
        "url": request.url,
        "headers": list(request.headers.items()),
        "body": request.body,
        "options": {key: request.req_kwargs.get(key) for key in sorted(request.req_kwargs)},
    }


def python_gitlabs(client: GitLabClient, target: str, query: dict[str, Any]) -> None:
    client._gl.http_request(
        "get",
        target,
        query_data=query,
        obey_rate_limit=False,
        retry_transient_errors=False,
        max_retries=0,
    )


@pytest.mark.parametrize(
    ("target", "query"),
    [
        ("/projects/7/merge_requests", {"state": "all", "per_page": 100}),
        (
            "/projects/acme%2Fplatform%2Finfra/merge_requests",
            {"order_by": "updated_at", "updated_after": "2026-11-23T12:00:00Z", "per_page": 100},
        ),
        # A Link header's next page: the URL's own query, then the caller's.
        (f"{API}/projects/7/events?action=commented&page=2&per_page=100&sort=asc", {}),
        (f"{API}/projects/7/issues?page=3&labels=a%20b&per_page=20", {"scope": "all"}),
        ("/users/3", {}),
        ("/projects/7/issues", {"labels": ["bug", "front end"], "search": "ünïcode & co"}),
        ("/projects/7/issues", {"milestone": None, "per_page": 5, "confidential": True}),
    ],
)
def test_a_read_sends_what_python_gitlab_would_send(
    rsps: responses.RequestsMock, client: GitLabClient, target: str, query: dict[str, Any]
) -> None:
    client.get(target, query)
    python_gitlabs(client, target, query)

    ours, theirs = (sent(call) for call in rsps.calls)
    assert ours == theirs
    assert ("PRIVATE-TOKEN", TOKEN) in ours["headers"]
    assert ours["options"]["proxies"]["http"] == "http://proxy.internal:3128"
    assert ours["options"]["verify"] == "/etc/ssl/company-ca.pem"
    assert ours["options"]["timeout"] == 12.5


def test_cookies_gitlab_set_are_sent_back_as_python_gitlab_would(
    rsps: responses.RequestsMock, client: GitLabClient
) -> None:
    rsps.replace(
        responses.GET,
        re.compile(re.escape(API) + ".*"),
        json=[],
        headers={"Set-Cookie": "_gitlab_session=abc123; Path=/"},
    )
    client.get("/version")  # sets the cookie
    client.get("/projects/7/merge_requests", {"per_page": 1})
    python_gitlabs(client, "/projects/7/merge_requests", {"per_page": 1})

    ours, theirs = (sent(call) for call in rsps.calls[1:])
    assert ours == theirs
    assert ("Cookie", "_gitlab_session=abc123") in ours["headers"]
