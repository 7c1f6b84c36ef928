"""``GitLabClient.post`` and ``put``, the writes digests need, on exact HTTP edge cases.

Served by ``responses``; time is virtual as in ``tests/sync/test_client.py``. A PUT is retried
like a GET; a POST only when GitLab surely did nothing (a 429, a connection that never opened),
since repeating it could create a second note.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import requests
import responses
import urllib3
from responses import matchers

from bot.sync.client import (
    GitLabAuthError,
    GitLabClient,
    GitLabError,
    GitLabNotFound,
    GitLabWriteUncertain,
)
from tests.sync.test_client import VirtualTime

BASE = "http://gitlab.test"
API = f"{BASE}/api/v4"
TOKEN = "glpat-Zq9-never-show-me-7731"
NOTES = f"{API}/projects/acme%2Fgrowth/issues/12/notes"
NOTES_PATH = "/projects/acme%2Fgrowth/issues/12/notes"


@pytest.fixture
def vt() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def client(vt: VirtualTime) -> Iterator[GitLabClient]:
    client = GitLabClient(BASE, TOKEN, sleep=vt.sleep, monotonic=vt.monotonic, clock=vt.clock)
    yield client
    client.close()


def refused_connection() -> requests.ConnectionError:
    """What requests raises when the TCP connection cannot be opened at all."""
    reason = urllib3.exceptions.NewConnectionError(None, "Connection refused")  # type: ignore[arg-type]
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/x", reason))  # type: ignore[arg-type]


def test_post_and_put_send_json_and_return_gitlabs_answer(
    rsps: responses.RequestsMock, client: GitLabClient
) -> None:
    rsps.add(
        responses.POST,
        NOTES,
        json={"id": 55, "body": "hi"},
        status=201,
        match=[matchers.json_params_matcher({"body": "hi"})],
    )
    rsps.add(
        responses.PUT,
        f"{NOTES}/55",
        json={"id": 55, "body": "there"},
        match=[matchers.json_params_matcher({"body": "there"})],
    )

    assert client.post(NOTES_PATH, {"body": "hi"}) == {"id": 55, "body": "hi"}
    assert client.put(f"{NOTES_PATH}/55", {"body": "there"}) == {"id": 55, "body": "there"}
    sent = rsps.calls[0].request
    assert sent.headers["PRIVATE-TOKEN"] == TOKEN
    assert sent.headers["Content-Type"] == "application/json"
    assert json.loads(sent.body or b"") == {"body": "hi"}
    assert client.stats().by_status == {200: 1, 201: 1}


@pytest.mark.parametrize("method", ["post", "put"])
def test_a_commands_only_answer_is_an_error(
    rsps: responses.RequestsMock, client: GitLabClient, method: str
) -> None:
    """202 with commands_changes: GitLab ran the body as quick actions and stored no note."""
    url = NOTES if method == "post" else f"{NOTES}/55"
    rsps.add(
        method.upper(),
        url,
        json={"commands_changes": {"state_event": "close"}, "summary": ["Closed this issue."]},
        status=202,
    )

    with pytest.raises(GitLabError) as caught:
        getattr(client, method)(url.removeprefix(API), {"body": "/close"})
    path = url.removeprefix(API)
    assert str(caught.value) == (
        f"GitLab took the body of {method.upper()} {path} for quick actions only (202 Accepted) "
        "and stored no note: ladder-bot never sends commands"
    )
    assert client.requests == 1


def test_a_429_on_post_is_waited_out_and_sent_again(
    rsps: responses.RequestsMock, client: GitLabClient, vt: VirtualTime
) -> None:
    rsps.add(
        responses.POST,
        NOTES,
        json={"error": "This endpoint has been requested too many times. Try again later."},
        status=429,
        headers={"Retry-After": "60"},
    )
    rsps.add(responses.POST, NOTES, json={"id": 56}, status=201)

    assert client.post(NOTES_PATH, {"body": "hi"}) == {"id": 56}
    assert vt.sleeps == [60.0]
    assert client.stats().by_status == {201: 1, 429: 1}


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_5xx_on_post_is_not_repeated(
    rsps: responses.RequestsMock, client: GitLabClient, status: int
) -> None:
    """GitLab (or the proxy before it) may have created the note before the 5xx."""
    rsps.add(responses.POST, NOTES, json={"message": "oops"}, status=status)

    with pytest.raises(GitLabWriteUncertain) as caught:
        client.post(NOTES_PATH, {"body": "hi"})
    assert client.requests == 1
    assert str(caught.value).startswith(
        f"GitLab gave no clear answer to POST {NOTES_PATH} ({status} "
    )
    assert str(caught.value).endswith("; it may have done it")


@pytest.mark.parametrize(
    "error",
    [requests.ReadTimeout("read timed out"), requests.ConnectionError("Connection aborted.")],
    ids=lambda exc: type(exc).__name__,
)
def test_a_post_whose_answer_was_lost_is_not_repeated(
    rsps: responses.RequestsMock, client: GitLabClient, error: Exception
) -> None:
    rsps.add(responses.POST, NOTES, body=error)

    with pytest.raises(GitLabWriteUncertain):
        client.post(NOTES_PATH, {"body": "hi"})
    assert client.requests == 1


@pytest.mark.parametrize(
    "error",
    [requests.exceptions.ConnectTimeout("connect timed out"), refused_connection()],
    ids=["ConnectTimeout", "refused"],
)
def test_a_post_that_never_left_is_sent_again(
    rsps: responses.RequestsMock, client: GitLabClient, vt: VirtualTime, error: Exception
) -> None:
    rsps.add(responses.POST, NOTES, body=error)
    rsps.add(responses.POST, NOTES, json={"id": 57}, status=201)

    assert client.post(NOTES_PATH, {"body": "hi"}) == {"id": 57}
    assert vt.sleeps == [0.5]
    assert client.requests == 2


def test_a_put_is_retried_like_a_get(
    rsps: responses.RequestsMock, client: GitLabClient, vt: VirtualTime
) -> None:
    rsps.add(responses.PUT, f"{NOTES}/55", json={"message": "oops"}, status=502)
    rsps.add(responses.PUT, f"{NOTES}/55", body=requests.ReadTimeout("read timed out"))
    rsps.add(responses.PUT, f"{NOTES}/55", json={"id": 55})

    assert client.put(f"{NOTES_PATH}/55", {"body": "x"}) == {"id": 55}
    assert vt.sleeps == [0.5, 1.0]


def test_refusals_name_the_method(rsps: responses.RequestsMock, client: GitLabClient) -> None:
    rsps.add(responses.POST, NOTES, json={"message": "404 Not found"}, status=404)
    rsps.add(responses.PUT, f"{NOTES}/9", json={"message": "403 Forbidden"}, status=403)
    rsps.add(responses.POST, f"{API}/long", json={"message": "note is too long"}, status=400)

    with pytest.raises(GitLabNotFound) as missing:
        client.post(NOTES_PATH, {"body": "hi"})
    assert str(missing.value) == (
        f"GitLab has no POST {NOTES_PATH} (404 Not Found), or the token may not see it"
    )
    with pytest.raises(GitLabAuthError) as forbidden:
        client.put(f"{NOTES_PATH}/9", {"body": "hi"})
    assert forbidden.value.status == 403
    with pytest.raises(GitLabError) as bad:
        client.post("/long", {"body": "hi"})
    assert str(bad.value) == "GitLab refused POST /long (400 Bad Request: note is too long)"


def test_writes_are_budgeted_and_paced(rsps: responses.RequestsMock, vt: VirtualTime) -> None:
    rsps.add(responses.POST, NOTES, json={"id": 1}, status=201)
    with GitLabClient(
        BASE,
        TOKEN,
        sleep=vt.sleep,
        monotonic=vt.monotonic,
        clock=vt.clock,
        max_per_minute=2,
        budget=3,
    ) as client:
        for _ in range(3):
            client.post(NOTES_PATH, {"body": "hi"})
        assert vt.sleeps == [60.0]
        with pytest.raises(Exception, match="request budget of 3 used up"):
            client.post(NOTES_PATH, {"body": "hi"})


def test_the_token_and_the_body_never_show(
    rsps: responses.RequestsMock, client: GitLabClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret_body = "a digest that must not reach a log"
    rsps.add(responses.POST, NOTES, json={"message": f"bad token {TOKEN}"}, status=400)
    rsps.add(responses.PUT, f"{NOTES}/1", json={"message": f"401 {TOKEN}"}, status=401)
    rsps.add(responses.POST, f"{API}/busy", json={}, status=503)
    seen: list[str] = []
    for call in (
        lambda: client.post(NOTES_PATH, {"body": secret_body}),
        lambda: client.put(f"{NOTES_PATH}/1", {"body": secret_body}),
        lambda: client.post("/busy", {"body": secret_body}),
    ):
        with pytest.raises(GitLabError) as caught:
            call()
        seen += [str(caught.value), repr(caught.value)]
    seen += [repr(client), caplog.text]
    assert all(TOKEN not in text and secret_body not in text for text in seen), seen
    assert isinstance(caught.value, GitLabWriteUncertain)
