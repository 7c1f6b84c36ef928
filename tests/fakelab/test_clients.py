"""Clients other than the bot's own code talk to the offline GitLab unchanged.

curl (a subprocess, so nothing of Python's HTTP stack is shared), GrimoireLab's Perceval GitLab
backend, and python-gitlab's session helpers: each must get what it would get from GitLab,
authenticate the ways GitLab accepts, and follow the pagination links as it does on GitLab.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import gitlab
import pytest
from perceval.backends.core.gitlab import GitLab as PercevalGitLab

from bot.fakelab.server import FakeGitLab
from tests.conftest import ALICE, client
from tests.fakelab.test_pagination import FreshConnections

BACKEND = "acme%2Fbackend"


# -- curl -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Curled:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: Any

    def link(self, rel: str) -> str | None:
        for url, name in re.findall(r'<([^>]+)>; rel="(\w+)"', self.headers.get("link", "")):
            if name == rel:
                return str(url)
        return None


def curl(url: str, *args: str) -> Curled:
    """Run curl; ``args`` are extra curl arguments (headers, method, data)."""
    done = subprocess.run(
        ["curl", "--silent", "--show-error", "--include", "--max-time", "10", *args, url],
        capture_output=True,
        check=True,
        timeout=20,
    )
    head, _, body = done.stdout.decode().partition("\r\n\r\n")
    status_line, *lines = head.split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    parsed = json.loads(body) if "json" in headers.get("content-type", "") and body else body
    return Curled(int(status_line.split()[1]), headers, parsed)


def token_header(token: str = ALICE) -> tuple[str, str]:
    return ("--header", f"PRIVATE-TOKEN: {token}")


def test_curl_with_private_token_and_url_encoded_project_path(fake: FakeGitLab) -> None:
    answer = curl(f"{fake.url}/api/v4/projects/{BACKEND}", *token_header())
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert (answer.body["id"], answer.body["path_with_namespace"]) == (100, "acme/backend")
    issue = curl(f"{fake.url}/api/v4/projects/{BACKEND}/issues/1", *token_header())
    assert (issue.status, issue.body["project_id"], issue.body["iid"]) == (200, 100, 1)


def test_curl_with_oauth_bearer_token(fake: FakeGitLab) -> None:
    bearer = ("--header", f"Authorization: Bearer {ALICE}")
    me = curl(f"{fake.url}/api/v4/user", *bearer)
    assert (me.status, me.body["username"]) == (200, "alice")
    project = curl(f"{fake.url}/api/v4/projects/{BACKEND}", *bearer)
    assert project.body["id"] == 100


def test_curl_without_or_with_a_wrong_token_is_401(fake: FakeGitLab) -> None:
    for args in ((), token_header("glpat-nobody-000000")):
        answer = curl(f"{fake.url}/api/v4/projects/{BACKEND}", *args)
        assert (answer.status, answer.body) == (401, {"message": "401 Unauthorized"})


def test_curl_follows_link_headers_to_the_end(fake: FakeGitLab) -> None:
    url: str | None = f"{fake.url}/api/v4/projects/{BACKEND}/merge_requests?state=all&per_page=1"
    iids: list[int] = []
    pages = 0
    while url is not None:
        answer = curl(url, *token_header())
        assert answer.status == 200
        iids += [mr["iid"] for mr in answer.body]
        pages += 1
        url = answer.link("next")
        if url is not None:
            # The link keeps the encoded project path and repeats the filters.
            assert f"/projects/{BACKEND}/merge_requests?" in url
            assert ("state", "all") in parse_qsl(urlsplit(url).query)
    assert pages == 3
    assert sorted(iids) == [1, 2, 3] and len(iids) == 3


def test_curl_sends_an_offset_time_with_plus_encoded(fake: FakeGitLab) -> None:
    """``+`` must reach GitLab as ``%2B`` (FACTS A.1); curl's --data-urlencode does that."""
    answer = curl(
        f"{fake.url}/api/v4/projects/{BACKEND}/merge_requests",
        *token_header(),
        "--get",
        "--data-urlencode",
        "updated_after=2026-11-03T12:00:00+02:00",  # 10:00 UTC, inclusive
        "--data-urlencode",
        "state=all",
    )
    assert answer.status == 200
    assert sorted(mr["iid"] for mr in answer.body) == [1, 2]


def test_curl_posts_a_note_with_form_data_and_json(fake: FakeGitLab) -> None:
    url = f"{fake.url}/api/v4/projects/{BACKEND}/issues/1/notes"
    form = curl(url, *token_header(), "--data-urlencode", "body=Thanks & well done")
    assert form.status == 201 and form.body["body"] == "Thanks & well done"
    as_json = curl(
        url,
        *token_header(),
        "--header",
        "Content-Type: application/json",
        "--data",
        json.dumps({"body": "Second comment"}),
    )
    assert as_json.status == 201 and as_json.body["noteable_iid"] == 1
    listed = curl(f"{url}?sort=asc", *token_header())
    assert [n["body"] for n in listed.body][-2:] == ["Thanks & well done", "Second comment"]


# -- Perceval ---------------------------------------------------------------------------------


class FastPerceval(PercevalGitLab):  # type: ignore[misc]
    """Perceval's GitLab backend, byte for byte, on one TCP connection per request.

    Only the transport adapter changes (its retry policy is kept): the server's split writes
    stall ~40 ms per request on a kept-alive connection, which Perceval's hundreds of requests
    would turn into seconds.
    """

    def _init_client(self, from_archive: bool = False) -> Any:
        made = super()._init_client(from_archive)
        retries = made.session.get_adapter("http://").max_retries
        made.session.mount("http://", FreshConnections(max_retries=retries))
        return made


def perceval_dataset(small: dict[str, Any]) -> dict[str, Any]:
    """small.json with enough notes that Perceval (per_page=100) walks several pages."""
    data = copy.deepcopy(small)
    backend = data["projects"][0]
    issue1 = backend["issues"][0]
    issue1["notes"] += [
        {
            "body": f"issue comment {n}",
            "author": {"id": 2 + n % 3},
            "created_at": f"2026-11-01T{n // 60:02d}:{n % 60:02d}:00Z",
        }
        for n in range(230)
    ]
    mr1 = backend["merge_requests"][0]
    mr1["notes"] += [
        {
            "body": f"review comment {n}",
            "author": {"id": 2 + n % 2},
            "created_at": f"2026-11-02T{12 + n // 60:02d}:{n % 60:02d}:00Z",
        }
        for n in range(105)
    ]
    return data


@pytest.fixture
def perceval_fake(small_data: dict[str, Any]) -> Iterator[FakeGitLab]:
    with FakeGitLab(perceval_dataset(small_data)) as server:
        yield server


def _expected(fake: FakeGitLab, kind: str) -> dict[int, list[int]]:
    """iid -> sorted note ids, as python-gitlab sees them for the same user."""
    gl = client(fake)
    project = gl.projects.get(100, lazy=True)
    manager = project.mergerequests if kind == "merge_request" else project.issues
    out = {}
    for item in manager.list(state="all", get_all=True):
        notes = item.notes.list(get_all=True, per_page=100)
        out[item.iid] = sorted(n.id for n in notes)
    return out


@pytest.mark.parametrize("oauth", [False, True], ids=["private-token", "oauth-bearer"])
def test_perceval_fetches_every_merge_request_and_issue_with_notes(
    perceval_fake: FakeGitLab, caplog: pytest.LogCaptureFixture, oauth: bool
) -> None:
    caplog.set_level(logging.WARNING, logger="perceval")
    backend = FastPerceval(
        owner="acme",
        repository="backend",
        api_token=ALICE,
        is_oauth_token=oauth,
        base_url=perceval_fake.url,
        sleep_time=0,
    )
    merge_requests = [item["data"] for item in backend.fetch(category="merge_request")]
    issues = [item["data"] for item in backend.fetch(category="issue")]

    expected_mrs = _expected(perceval_fake, "merge_request")
    expected_issues = _expected(perceval_fake, "issue")
    assert len(expected_mrs[1]) > 100 and len(expected_issues[1]) > 200  # several pages
    assert {mr["iid"]: sorted(n["id"] for n in mr["notes_data"]) for mr in merge_requests} == (
        expected_mrs
    )
    assert len(merge_requests) == len(expected_mrs)
    assert {i["iid"]: sorted(n["id"] for n in i["notes_data"]) for i in issues} == expected_issues
    assert len(issues) == len(expected_issues)

    by_iid = {mr["iid"]: mr for mr in merge_requests}
    # The single MR (not the simple list view) is what Perceval stores, with versions and emoji.
    assert by_iid[1]["diff_refs"] is not None and "changes_count" in by_iid[1]
    assert [v["id"] for v in by_iid[1]["versions_data"]] == [1]
    assert "commits" in by_iid[1]["versions_data"][0]
    assert [a["name"] for a in by_iid[1]["award_emoji_data"]] == ["thumbsup"]
    note_awards = {
        n["id"]: [a["name"] for a in n["award_emoji_data"]] for n in by_iid[1]["notes_data"]
    }
    assert note_awards[501] == ["eyes"]

    # No errors and no retries: every request answered 200, and Perceval logged no warning.
    statuses = Counter(r["status"] for r in perceval_fake.requests() if r["user"] == "alice")
    assert set(statuses) == {200}
    assert not [r for r in caplog.records if r.name.startswith("perceval")]


def test_perceval_resent_parameters_do_not_pile_up_in_links(perceval_fake: FakeGitLab) -> None:
    """Perceval sends its parameters again with every next URL; GitLab's links carry each
    plain parameter once, so no request ever has a key more than twice."""
    backend = FastPerceval(
        owner="acme", repository="backend", api_token=ALICE, base_url=perceval_fake.url
    )
    assert len(list(backend.fetch(category="issue"))) == 3
    walked = [
        r for r in perceval_fake.requests() if r["path"].endswith(f"/{BACKEND}/issues/1/notes")
    ]
    assert len(walked) == 3  # 231 notes, 100 per page
    for request in walked:
        counts = Counter(key for key, _ in parse_qsl(request["query"]))
        assert max(counts.values()) <= 2, request["query"]
    assert "page=3" in walked[-1]["query"]


# -- python-gitlab's session helpers ------------------------------------------------------------


def test_python_gitlab_auth_and_version(fake: FakeGitLab) -> None:
    gl = client(fake)
    gl.auth()
    assert gl.user is not None
    assert (gl.user.username, gl.user.id) == ("alice", 2)
    version, revision = gl.version()
    assert re.match(r"^\d+\.\d+\.\d+", version)
    assert revision not in ("", "unknown")


def test_python_gitlab_with_an_oauth_token(fake: FakeGitLab) -> None:
    gl = gitlab.Gitlab(fake.url, oauth_token=ALICE, timeout=10)
    gl.auth()
    assert gl.user is not None and gl.user.username == "alice"
    project = gl.projects.get("acme/backend")  # python-gitlab encodes it as acme%2Fbackend
    assert project.id == 100


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_python_gitlab_pages_quietly_on_whatever_host_it_was_given(
    fake: FakeGitLab, host: str
) -> None:
    """Links are built on the client's own base URL, so python-gitlab's "base URL differs"
    UserWarning (an error under this suite's filterwarnings) never fires, without
    ``keep_base_url``."""
    port = urlsplit(fake.url).port
    gl = gitlab.Gitlab(f"http://{host}:{port}", private_token=ALICE, timeout=10)
    assert not gl.keep_base_url
    users = gl.users.list(per_page=2, iterator=True)
    assert [u.username for u in users][-1] == "root"
    assert users.total == 9 and users.total_pages == 5


def test_connection_close_is_echoed_and_honoured(fake: FakeGitLab) -> None:
    import http.client
    from urllib.parse import urlsplit

    where = urlsplit(fake.url)
    connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=10)
    connection.request(
        "GET", "/api/v4/version", headers={"PRIVATE-TOKEN": ALICE, "Connection": "close"}
    )
    response = connection.getresponse()
    assert response.status == 200
    assert response.getheader("Connection") == "close"
    response.read()
    assert response.will_close
    connection.close()
