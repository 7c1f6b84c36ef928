"""Pagination over real HTTP, as python-gitlab and GitLab's own headers define it.

Every list endpoint the offline GitLab serves is walked with python-gitlab, both lazily
(``iterator=True``) and eagerly (``get_all=True``), a couple of items per page, and must deliver
the full set exactly once, in GitLab's order. Every page's ``X-*`` and ``Link`` headers are
checked along the way. Then the edges: defaults and caps, pages past the end, empty lists,
lists above 10,000 items, keyset pagination, and the short pages GitLab sends when it filters
for visibility after paginating.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import gitlab
import pytest
import requests
from requests.adapters import HTTPAdapter

from bot.fakelab.server import FakeGitLab

ALICE = "glpat-alice-0000000000"  # Maintainer of group acme
GINA = "glpat-gina-0000000000"  # Guest of acme/backend
Payload = dict[str, Any]


def ts(day: int, minute: int = 0) -> str:
    return f"2026-02-{day:02d}T{10 + minute // 60:02d}:{minute % 60:02d}:00.000Z"


# -- the team dataset -----------------------------------------------------------------------------

USERS = ["root", "alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank"]
PROJECTS = {  # id: (path, created day)
    100: ("acme/backend", 5),
    101: ("acme/frontend", 4),
    102: ("acme/docs", 3),
    103: ("acme/platform/infra", 2),
    104: ("acme/platform/tools", 1),
}
SHAS = [f"{n:x}" * 40 for n in range(10, 15)]  # MR 1's commits, newest first


def _note(note_id: int, author: int, minute: int, **extra: Any) -> Payload:
    return {
        "id": note_id,
        "body": f"note {note_id}",
        "author": {"id": author},
        "created_at": ts(20, minute),
        **extra,
    }


def _mr(project: int, iid: int, day: int, minute: int) -> Payload:
    return {
        "merge_request": {
            "iid": iid,
            "title": f"MR {project}!{iid}",
            "author": {"id": 2 + (iid % 3)},
            "created_at": ts(day, minute),
            "state": "merged" if iid == 2 else "opened",
            **({"merged_at": ts(day, minute + 30), "merge_user": {"id": 3}} if iid == 2 else {}),
        }
    }


def _issue(project: int, iid: int, day: int, minute: int, **extra: Any) -> Payload:
    return {
        "issue": {
            "iid": iid,
            "title": f"Issue {project}#{iid}",
            "author": {"id": 2 + (iid % 4)},
            "created_at": ts(day, minute),
            **extra,
        }
    }


def team_dataset() -> Payload:
    thread = "a" * 40
    diff_thread = "b" * 40
    position = {
        "base_sha": SHAS[-1],
        "start_sha": SHAS[-1],
        "head_sha": SHAS[0],
        "old_path": "app.py",
        "new_path": "app.py",
        "position_type": "text",
        "old_line": None,
        "new_line": 3,
    }
    mr1 = _mr(100, 1, 10, 0)
    mr1.update(
        notes=[
            _note(1001, 3, 0),
            _note(1002, 3, 5, system=True),
            _note(1003, 3, 10, internal=True),
            _note(1004, 4, 15, type="DiscussionNote", discussion_id=thread),
            _note(1005, 2, 20, type="DiscussionNote", discussion_id=thread),
            _note(1006, 4, 25, type="DiffNote", discussion_id=diff_thread, position=position),
            _note(1007, 6, 30),
        ],
        award_emoji=[
            *(
                {"id": 3000 + n, "name": "thumbsup", "user": {"id": n}, "created_at": ts(20, n)}
                for n in range(2, 7)
            ),
            *(
                {
                    "id": 3010 + n,
                    "name": "eyes",
                    "user": {"id": n},
                    "created_at": ts(20, 40 + n),
                    "awardable_type": "Note",
                    "awardable_id": 1001,
                }
                for n in range(2, 7)
            ),
        ],
        diffs=[
            {"new_path": f"src/file{n}.py", "diff": f"@@ -1 +1 @@\n-{n}\n+{n + 1}\n"}
            for n in range(5)
        ],
        commits=[
            {"id": sha, "title": f"commit {n}", "created_at": ts(9, 50 - n)}
            for n, sha in enumerate(SHAS)
        ],
        versions=[
            {
                "id": version,
                "head_commit_sha": SHAS[0],
                "base_commit_sha": SHAS[-1],
                "start_commit_sha": SHAS[-1],
                "created_at": ts(10, version - 30),
                "merge_request_id": 1,
                "state": "collected",
                "real_size": "5",
                "patch_id_sha": SHAS[0],
            }
            for version in (31, 32, 33)  # the dataset lists them oldest first
        ],
        approvals={"approved_by": [{"user": {"id": 3}, "approved_at": ts(10, 50)}]},
    )
    issue1 = _issue(100, 1, 11, 0)
    issue1.update(
        notes=[
            _note(2001, 3, 100),
            _note(2002, 3, 105, system=True),
            _note(2003, 4, 110, internal=True),
            _note(2004, 4, 115, internal=True),
            _note(2005, 5, 120, type="DiscussionNote", discussion_id="c" * 40),
            _note(2006, 2, 125, type="DiscussionNote", discussion_id="c" * 40),
            _note(2007, 6, 130),
        ],
        award_emoji=[
            *(
                {"id": 3100 + n, "name": "rocket", "user": {"id": n}, "created_at": ts(21, n)}
                for n in range(2, 7)
            ),
            *(
                {
                    "id": 3110 + n,
                    "name": "tada",
                    "user": {"id": n},
                    "created_at": ts(21, 20 + n),
                    "awardable_type": "Note",
                    "awardable_id": 2001,
                }
                for n in range(2, 5)
            ),
        ],
    )
    backend: Payload = {
        "project": {
            "id": 100,
            "path_with_namespace": "acme/backend",
            "created_at": ts(PROJECTS[100][1]),
        },
        "members": [{"id": 7, "access_level": 30}, {"id": 8, "access_level": 10}],
        "merge_requests": [mr1, *(_mr(100, iid, 10, iid * 7) for iid in range(2, 8))],
        "issues": [
            issue1,
            *(_issue(100, iid, 11, iid * 7) for iid in range(2, 6)),
            _issue(100, 6, 11, 50, confidential=True, state="closed", closed_at=ts(12)),
        ],
        "pipelines": [
            *(
                {
                    "id": 901 + n,
                    "status": "success",
                    "ref": "feature",
                    "sha": sha,
                    "created_at": ts(9, 51 + n),
                    "user": {"id": 2},
                }
                for n, sha in enumerate(SHAS)
            ),
            {"id": 906, "status": "failed", "ref": "main", "sha": "0" * 40, "created_at": ts(12)},
            {"id": 907, "status": "running", "ref": "main", "sha": "9" * 40, "created_at": ts(13)},
            {
                "id": 908,
                "status": "success",
                "ref": "main",
                "sha": "9" * 40,
                "created_at": ts(13, 1),
                "source": "parent_pipeline",  # child pipelines stay out of the list
            },
        ],
    }
    projects = [backend]
    for pid in (101, 102, 103, 104):
        path, day = PROJECTS[pid]
        offset = (pid - 100) * 2
        projects.append(
            {
                "project": {"id": pid, "path_with_namespace": path, "created_at": ts(day)},
                "merge_requests": [_mr(pid, iid, 14, offset * 5 + iid) for iid in (1, 2)],
                "issues": [_issue(pid, iid, 15, offset * 5 + iid) for iid in (1, 2)],
            }
        )
    return {
        "format": "ladder-bot-dataset/1",
        "users": [{"id": n + 1, "username": name} for n, name in enumerate(USERS)],
        "tokens": [
            {"token": ALICE, "username": "alice"},
            {"token": GINA, "username": "gina"},
        ],
        "groups": [
            {
                "group": {"id": 10, "path": "acme"},
                "members": [
                    {"id": 2, "access_level": 40},
                    {"id": 3, "access_level": 30},
                    {"id": 4, "access_level": 30},
                ],
            },
            {
                "group": {"id": 11, "path": "platform", "parent_id": 10},
                "members": [{"id": 5, "access_level": 30}, {"id": 6, "access_level": 30}],
            },
        ],
        "projects": projects,
    }


TEAM = team_dataset()


@pytest.fixture(scope="module")
def team() -> Iterator[FakeGitLab]:
    """Read-only: one server for the module."""
    with FakeGitLab(copy.deepcopy(TEAM)) as server:
        yield server


# -- the expected results, computed from the dataset alone ----------------------------------------


def _project(pid: int) -> Payload:
    return next(p for p in TEAM["projects"] if p["project"]["id"] == pid)


def _mrs(pids: tuple[int, ...]) -> list[Payload]:
    return [m["merge_request"] | {"_pid": p} for p in pids for m in _project(p)["merge_requests"]]


def _issues(pids: tuple[int, ...]) -> list[Payload]:
    return [i["issue"] | {"_pid": p} for p in pids for i in _project(p)["issues"]]


def _newest_first(items: list[Payload]) -> list[tuple[int, int]]:
    ordered = sorted(items, key=lambda i: i["created_at"], reverse=True)
    return [(i["_pid"], i["iid"]) for i in ordered]


def _mr1() -> Payload:
    return _project(100)["merge_requests"][0]


def _issue1() -> Payload:
    return _project(100)["issues"][0]


def _notes_newest_first(item: Payload) -> list[int]:
    return [n["id"] for n in sorted(item["notes"], key=lambda n: n["created_at"], reverse=True)]


def _discussions(item: Payload) -> list[list[int]]:
    """Threads in order of their first note; a note without a discussion_id is its own."""
    threads: dict[str, list[Payload]] = {}
    for note in item["notes"]:
        threads.setdefault(note.get("discussion_id") or str(note["id"]), []).append(note)
    ordered = sorted(threads.values(), key=lambda notes: notes[0]["created_at"])
    return [[n["id"] for n in notes] for notes in ordered]


def _awards(item: Payload, note_id: int | None = None) -> list[int]:
    return sorted(
        a["id"]
        for a in item["award_emoji"]
        if (a.get("awardable_type") == "Note") == (note_id is not None)
        and (note_id is None or a["awardable_id"] == note_id)
    )


def _expected_event_count(pid: int) -> int:
    """docs/dataset.md: opened, accepted, closed, approved, one per commit, one per comment."""
    entry = _project(pid)
    count = 0
    for item in entry.get("merge_requests", []):
        mr = item["merge_request"]
        count += 1 + len(item.get("commits", [])) + (mr.get("state") in ("merged", "closed"))
        count += len(item.get("approvals", {}).get("approved_by", []))
        count += sum(1 for n in item.get("notes", []) if not n.get("system"))
    for item in entry.get("issues", []):
        issue = item["issue"]
        count += 1 + (issue.get("state") == "closed")
        count += sum(1 for n in item.get("notes", []) if not n.get("system"))
    return count


# -- walking every list endpoint ------------------------------------------------------------------


class FreshConnections(HTTPAdapter):
    """One TCP connection per request.

    The server writes headers and body in two sends without TCP_NODELAY, so on a kept-alive
    connection every response waits ~40 ms for the client's delayed ACK (Nagle). A fresh
    connection starts in quick-ACK mode and answers in ~2 ms, which keeps this module fast.
    """

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        response = super().send(request, **kwargs)
        _ = response.content  # read the body, so the connection goes back to the pool…
        self.close()  # …and is closed there
        return response


def fresh_session() -> requests.Session:
    session = requests.Session()
    session.mount("http://", FreshConnections())
    return session


@dataclass
class Recorder:
    """python-gitlab's session, with every response kept for the header checks."""

    responses: list[requests.Response] = field(default_factory=list)

    def session(self) -> requests.Session:
        session = fresh_session()
        session.hooks["response"].append(lambda r, *a, **k: self.responses.append(r))
        return session


def python_gitlab(fake: FakeGitLab, recorder: Recorder, token: str = ALICE) -> gitlab.Gitlab:
    return gitlab.Gitlab(fake.url, private_token=token, timeout=10, session=recorder.session())


def _as_dict(item: Any) -> Payload:
    return item if isinstance(item, dict) else dict(item.asdict())


Fetch = Callable[[gitlab.Gitlab, dict[str, Any]], Any]


def _http(path: str) -> Fetch:
    return lambda gl, kw: gl.http_list(path, **kw)


def _commits(gl: gitlab.Gitlab, kw: dict[str, Any]) -> Any:
    if kw.pop("iterator", False):
        return gl.projects.get(100, lazy=True).mergerequests.get(1, lazy=True).commits(**kw)
    return gl.http_list("/projects/100/merge_requests/1/commits", **kw)


def _mr_1(gl: gitlab.Gitlab) -> Any:
    return gl.projects.get(100, lazy=True).mergerequests.get(1, lazy=True)


def _issue_1(gl: gitlab.Gitlab) -> Any:
    return gl.projects.get(100, lazy=True).issues.get(1, lazy=True)


@dataclass(frozen=True)
class Listing:
    name: str
    path: str  # what the client requests, under /api/v4
    fetch: Fetch
    expected: Callable[[], list[Any]]
    key: Callable[[Payload], Any] = lambda item: item["id"]
    filters: dict[str, str] = field(default_factory=dict)


def _members(ids: list[int]) -> Callable[[], list[int]]:
    return lambda: ids


LISTINGS = [
    Listing(
        "users",
        "/users",
        lambda gl, kw: gl.users.list(**kw),
        lambda: list(range(len(USERS), 0, -1)),  # order_by=id, sort=desc by default
    ),
    Listing(
        "projects",
        "/projects",
        lambda gl, kw: gl.projects.list(**kw),
        lambda: sorted(PROJECTS, key=lambda p: PROJECTS[p][1], reverse=True),
    ),
    Listing(
        "group projects with subgroups",
        "/groups/acme/projects",
        lambda gl, kw: gl.groups.get("acme", lazy=True).projects.list(**kw),
        lambda: [100, 101, 102, 103, 104],
        filters={"include_subgroups": "True"},
    ),
    Listing(
        "group projects without subgroups",
        "/groups/acme/projects",
        lambda gl, kw: gl.groups.get("acme", lazy=True).projects.list(**kw),
        lambda: [100, 101, 102],
    ),
    Listing(
        "group members",
        "/groups/acme/members",
        lambda gl, kw: gl.groups.get("acme", lazy=True).members.list(**kw),
        _members([2, 3, 4]),
    ),
    Listing(
        "group members (all, inherited)",
        "/groups/acme%2Fplatform/members/all",
        lambda gl, kw: gl.groups.get("acme/platform", lazy=True).members_all.list(**kw),
        _members([2, 3, 4, 5, 6]),
    ),
    Listing(
        "project members",
        "/projects/100/members",
        lambda gl, kw: gl.projects.get(100, lazy=True).members.list(**kw),
        _members([7, 8]),
    ),
    Listing(
        "project members (all, inherited)",
        "/projects/100/members/all",
        lambda gl, kw: gl.projects.get(100, lazy=True).members_all.list(**kw),
        _members([2, 3, 4, 7, 8]),
    ),
    Listing(
        "project merge requests",
        "/projects/100/merge_requests",
        lambda gl, kw: gl.projects.get(100, lazy=True).mergerequests.list(**kw),
        lambda: _newest_first(_mrs((100,))),
        key=lambda mr: (mr["project_id"], mr["iid"]),
        filters={"state": "all", "order_by": "created_at"},
    ),
    Listing(
        "group merge requests",
        "/groups/acme/merge_requests",
        lambda gl, kw: gl.groups.get("acme", lazy=True).mergerequests.list(**kw),
        lambda: _newest_first(_mrs(tuple(PROJECTS))),
        key=lambda mr: (mr["project_id"], mr["iid"]),
        filters={"state": "all"},
    ),
    Listing(
        "MR notes",
        "/projects/100/merge_requests/1/notes",
        lambda gl, kw: _mr_1(gl).notes.list(**kw),
        lambda: _notes_newest_first(_mr1()),
    ),
    Listing(
        "MR discussions",
        "/projects/100/merge_requests/1/discussions",
        lambda gl, kw: _mr_1(gl).discussions.list(**kw),
        lambda: _discussions(_mr1()),
        key=lambda d: [n["id"] for n in d["notes"]],
    ),
    Listing(
        "MR award emoji",
        "/projects/100/merge_requests/1/award_emoji",
        lambda gl, kw: _mr_1(gl).awardemojis.list(**kw),
        lambda: _awards(_mr1()),
    ),
    Listing(
        "MR note award emoji",
        "/projects/100/merge_requests/1/notes/1001/award_emoji",
        lambda gl, kw: _mr_1(gl).notes.get(1001, lazy=True).awardemojis.list(**kw),
        lambda: _awards(_mr1(), 1001),
    ),
    Listing(
        "MR diffs",
        "/projects/100/merge_requests/1/diffs",
        _http("/projects/100/merge_requests/1/diffs"),
        lambda: [d["new_path"] for d in _mr1()["diffs"]],
        key=lambda d: d["new_path"],
    ),
    Listing(
        "MR versions",
        "/projects/100/merge_requests/1/versions",
        lambda gl, kw: _mr_1(gl).diffs.list(**kw),
        lambda: [33, 32, 31],  # merge_request_diffs.order_id_desc
    ),
    Listing(
        "MR commits",
        "/projects/100/merge_requests/1/commits",
        _commits,
        lambda: list(SHAS),
    ),
    Listing(
        "MR pipelines",
        "/projects/100/merge_requests/1/pipelines",
        lambda gl, kw: _mr_1(gl).pipelines.list(**kw),
        lambda: [905, 904, 903, 902, 901],
    ),
    Listing(
        "project issues",
        "/projects/100/issues",
        lambda gl, kw: gl.projects.get(100, lazy=True).issues.list(**kw),
        lambda: _newest_first(_issues((100,))),
        key=lambda i: (i["project_id"], i["iid"]),
        filters={"state": "all"},
    ),
    Listing(
        "group issues",
        "/groups/acme/issues",
        lambda gl, kw: gl.groups.get("acme", lazy=True).issues.list(**kw),
        lambda: _newest_first(_issues(tuple(PROJECTS))),
        key=lambda i: (i["project_id"], i["iid"]),
        filters={"state": "all"},
    ),
    Listing(
        "issue notes",
        "/projects/100/issues/1/notes",
        lambda gl, kw: _issue_1(gl).notes.list(**kw),
        lambda: _notes_newest_first(_issue1()),
        filters={"sort": "desc"},
    ),
    Listing(
        "issue discussions",
        "/projects/100/issues/1/discussions",
        lambda gl, kw: _issue_1(gl).discussions.list(**kw),
        lambda: _discussions(_issue1()),
        key=lambda d: [n["id"] for n in d["notes"]],
    ),
    Listing(
        "issue award emoji",
        "/projects/100/issues/1/award_emoji",
        lambda gl, kw: _issue_1(gl).awardemojis.list(**kw),
        lambda: _awards(_issue1()),
    ),
    Listing(
        "issue note award emoji",
        "/projects/100/issues/1/notes/2001/award_emoji",
        lambda gl, kw: _issue_1(gl).notes.get(2001, lazy=True).awardemojis.list(**kw),
        lambda: _awards(_issue1(), 2001),
    ),
    Listing(
        "pipelines",
        "/projects/100/pipelines",
        lambda gl, kw: gl.projects.get(100, lazy=True).pipelines.list(**kw),
        lambda: [907, 906, 905, 904, 903, 902, 901],  # id desc, no child pipeline
    ),
]


def _check_walk(
    fake: FakeGitLab,
    listing: Listing,
    responses: list[requests.Response],
    per_page: int,
    total: int,
) -> None:
    """Every page of one walk: GitLab's offset headers, and links built on the client's URL."""
    pages = max(math.ceil(total / per_page), 1)
    assert len(responses) == pages, [r.url for r in responses]
    base = f"{fake.url}/api/v4{listing.path}"
    for number, response in enumerate(responses, start=1):
        headers = response.headers
        assert response.status_code == 200
        assert headers["X-Page"] == str(number)
        assert headers["X-Per-Page"] == str(per_page)
        assert headers["X-Total"] == str(total)
        assert headers["X-Total-Pages"] == str(pages)
        assert headers["X-Next-Page"] == (str(number + 1) if number < pages else "")
        assert headers["X-Prev-Page"] == (str(number - 1) if number > 1 else "")
        links = response.links
        expected_rels = {"first", "last"} | ({"prev"} if number > 1 else set())
        expected_rels |= {"next"} if number < pages else set()
        assert set(links) == expected_rels
        targets = {"first": 1, "last": pages, "prev": number - 1, "next": number + 1}
        for rel, link in links.items():
            url = urlsplit(link["url"])
            assert f"{url.scheme}://{url.netloc}{url.path}" == base
            pairs = parse_qsl(url.query, keep_blank_values=True)
            keys = [k for k, _ in pairs]
            assert keys == sorted(keys), link["url"]
            query = dict(pairs)
            assert query["page"] == str(targets[rel]), (rel, link["url"])
            assert query["per_page"] == str(per_page)
            for key, value in listing.filters.items():
                assert query[key] == value, (rel, key)


@pytest.mark.parametrize("mode", ["iterator", "get_all"])
@pytest.mark.parametrize("listing", LISTINGS, ids=[lst.name for lst in LISTINGS])
def test_python_gitlab_walks_every_page(team: FakeGitLab, listing: Listing, mode: str) -> None:
    expected = listing.expected()
    per_page = 2 if len(expected) > 3 else 1
    assert len(expected) > per_page, "the dataset must span several pages"
    recorder = Recorder()
    gl = python_gitlab(team, recorder)
    kwargs: dict[str, Any] = {mode: True, "per_page": per_page, **listing.filters}
    result = listing.fetch(gl, kwargs)
    if mode == "iterator":
        assert not isinstance(result, list)  # lazy: nothing beyond page 1 fetched yet
        assert len(recorder.responses) == 1
    got = [listing.key(_as_dict(item)) for item in result]
    assert got == expected
    _check_walk(team, listing, recorder.responses, per_page, len(expected))


def test_events_walk_every_page_newest_first(team: FakeGitLab) -> None:
    total = _expected_event_count(100)
    for mode in ("iterator", "get_all"):
        recorder = Recorder()
        project = python_gitlab(team, recorder).projects.get(100, lazy=True)
        events = [e.asdict() for e in project.events.list(per_page=7, **{mode: True})]
        ids = [e["id"] for e in events]
        assert len(ids) == total == len(set(ids))
        assert ids == sorted(ids, reverse=True)  # EventsFinder sorts by id, desc by default
        listing = Listing("project events", "/projects/100/events", _http(""), list)
        _check_walk(team, listing, recorder.responses, 7, total)


def test_user_events_walk_every_page(team: FakeGitLab) -> None:
    recorder = Recorder()
    gl = python_gitlab(team, recorder)
    everything = [
        e
        for pid in PROJECTS
        for e in gl.http_list(f"/projects/{pid}/events", per_page=100, get_all=True)
    ]
    alices = sorted((e["id"] for e in everything if e["author_id"] == 2), reverse=True)
    assert len(alices) >= 4
    for mode in ("iterator", "get_all"):
        recorder.responses.clear()
        user = gl.users.get(2, lazy=True)
        got = [e.asdict() for e in user.events.list(per_page=2, **{mode: True})]
        assert [e["id"] for e in got] == alices
        assert {e["author"]["username"] for e in got} == {"alice"}
        listing = Listing("user events", "/users/2/events", _http(""), list)
        _check_walk(team, listing, recorder.responses, 2, len(alices))


# -- header details ------------------------------------------------------------------------------


def raw(
    fake: FakeGitLab, path: str, token: str = ALICE, base: str | None = None
) -> requests.Response:
    response = requests.get(
        f"{base or fake.url}/api/v4{path}",
        headers={"PRIVATE-TOKEN": token},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response


def test_links_are_built_on_the_host_the_client_used(team: FakeGitLab) -> None:
    port = urlsplit(team.url).port
    base = f"http://localhost:{port}"
    response = raw(team, "/projects/100/merge_requests?per_page=2", base=base)
    assert response.links["next"]["url"].startswith(f"{base}/api/v4/projects/100/merge_requests?")
    # python-gitlab follows them without its "base URL differs" UserWarning (an error here).
    session = Recorder().session()
    gl = gitlab.Gitlab(base, private_token=ALICE, session=session, timeout=10)
    assert len(gl.projects.get(100, lazy=True).mergerequests.list(per_page=2, get_all=True)) == 7


def test_link_query_is_sorted_and_repeats_every_filter(team: FakeGitLab) -> None:
    response = raw(
        team,
        "/projects/100/merge_requests?state=all&sort=asc&iids[]=3&iids[]=1&iids[]=2"
        "&order_by=created_at&per_page=1&page=2",
    )
    assert [mr["iid"] for mr in response.json()] == [2]
    for rel, page in (("prev", 1), ("next", 3), ("first", 1), ("last", 3)):
        query = urlsplit(response.links[rel]["url"]).query
        assert parse_qsl(query) == [
            ("iids[]", "3"),
            ("iids[]", "1"),
            ("iids[]", "2"),
            ("order_by", "created_at"),
            ("page", str(page)),
            ("per_page", "1"),
            ("sort", "asc"),
            ("state", "all"),
        ]


def test_a_repeated_plain_parameter_appears_once_in_links(team: FakeGitLab) -> None:
    """Rack keeps the last value of a repeated key; clients that resend their parameters with
    the next URL (Perceval does) must not see the links grow page after page."""
    response = raw(team, "/projects/100/merge_requests?state=opened&per_page=2&state=all&page=1")
    assert response.headers["X-Total"] == "7"  # state=all won
    for link in response.links.values():
        pairs = parse_qsl(urlsplit(link["url"]).query)
        assert [v for k, v in pairs if k == "state"] == ["all"]
        assert [v for k, v in pairs if k == "per_page"] == ["2"]


def test_per_page_defaults_to_20_and_is_capped_at_100(big: FakeGitLab) -> None:
    default = raw(big, "/projects/1/issues")
    assert default.headers["X-Per-Page"] == "20" and len(default.json()) == 20
    capped = raw(big, "/projects/1/issues?per_page=1000")
    assert capped.headers["X-Per-Page"] == "100" and len(capped.json()) == 100
    assert "per_page=100" in capped.links["next"]["url"]


def test_a_page_past_the_end_is_empty_with_no_next_or_prev(team: FakeGitLab) -> None:
    response = raw(team, "/projects/100/merge_requests?per_page=2&page=9")
    assert response.json() == []
    headers = response.headers
    assert (headers["X-Page"], headers["X-Next-Page"], headers["X-Prev-Page"]) == ("9", "", "")
    assert (headers["X-Total"], headers["X-Total-Pages"]) == ("7", "4")
    assert set(response.links) == {"first", "last"}  # Kaminari: prev_page is nil out of range
    last = raw(team, "/projects/100/merge_requests?per_page=2&page=4")
    assert len(last.json()) == 1
    assert (last.headers["X-Prev-Page"], last.headers["X-Next-Page"]) == ("3", "")


def test_an_empty_list_still_has_one_page(team: FakeGitLab) -> None:
    response = raw(team, "/projects/100/merge_requests?state=locked&per_page=5")
    assert response.json() == []
    headers = response.headers
    assert (headers["X-Total"], headers["X-Total-Pages"]) == ("0", "1")
    assert (headers["X-Next-Page"], headers["X-Prev-Page"]) == ("", "")
    assert set(response.links) == {"first", "last"}
    assert "page=1&" in response.links["last"]["url"]


# -- more than 10,000 items ------------------------------------------------------------------------

BIG_ISSUES = 10_001
BIG_EVENTS = 10_250


def big_dataset() -> Payload:
    """One public project with 10,001 issues (one closed) and 10,250 explicit events."""
    issues = [
        {
            "issue": {
                "id": n,
                "iid": n,
                "title": f"issue {n}",
                "author": {"id": 2},
                "created_at": f"2026-01-01T{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000Z",
                **({"state": "closed", "closed_at": "2026-03-01T00:00:00Z"} if n == 1 else {}),
            }
        }
        for n in range(1, BIG_ISSUES + 1)
    ]
    events = [
        {
            "id": n,
            "action_name": "pushed to",
            "author_id": 2,
            "target_id": None,
            "target_iid": None,
            "target_type": None,
            "target_title": None,
            "created_at": "2026-01-01T00:00:00Z",
            "push_data": {"commit_count": 1, "action": "pushed", "ref": "main"},
        }
        for n in range(1, BIG_EVENTS + 1)
    ]
    return {
        "format": "ladder-bot-dataset/1",
        "users": [{"id": 1, "username": "root"}, {"id": 2, "username": "alice"}],
        "tokens": [{"token": ALICE, "username": "alice"}],
        "projects": [
            {
                "project": {"id": 1, "path_with_namespace": "alice/big", "visibility": "public"},
                "issues": issues,
                "events": events,
            }
        ],
    }


@pytest.fixture(scope="module")
def big() -> Iterator[FakeGitLab]:
    with FakeGitLab(big_dataset()) as server:
        yield server


def test_above_10000_items_gitlab_stops_counting(big: FakeGitLab) -> None:
    counted = raw(big, "/projects/1/issues?state=opened&per_page=100")  # exactly 10,000
    assert counted.headers["X-Total"] == "10000"
    assert counted.headers["X-Total-Pages"] == "100"
    assert "last" in counted.links
    uncounted = raw(big, "/projects/1/issues?per_page=100")  # 10,001
    assert "X-Total" not in uncounted.headers
    assert "X-Total-Pages" not in uncounted.headers
    assert set(uncounted.links) == {"next", "first"}
    assert uncounted.headers["X-Next-Page"] == "2"
    end = raw(big, "/projects/1/issues?per_page=100&page=101")
    assert len(end.json()) == 1
    assert set(end.links) == {"prev", "first"} and end.headers["X-Next-Page"] == ""


def test_python_gitlab_walks_an_uncounted_list_to_its_end(big: FakeGitLab) -> None:
    recorder = Recorder()
    gl = python_gitlab(big, recorder)
    listing = gl.http_list(
        "/projects/1/issues", per_page=100, iterator=True, order_by="created_at", sort="asc"
    )
    assert listing.total is None and listing.total_pages is None and len(listing) == 0
    iids = [issue["iid"] for issue in listing]
    assert len(recorder.responses) == 101
    assert iids == list(range(1, BIG_ISSUES + 1))


def test_events_count_up_to_10001_as_events_finder_does(big: FakeGitLab) -> None:
    """EventsFinder counts ``limit(MAX_COUNT_LIMIT + 1)`` and pages an array with that total
    (FACTS B.1 'Events totals'): totals stay, capped, and the walk ends with them."""
    first = raw(big, "/projects/1/events?per_page=100")
    assert first.headers["X-Total"] == "10001"
    assert first.headers["X-Total-Pages"] == "101"
    assert "page=101&" in first.links["last"]["url"]
    assert [e["id"] for e in first.json()] == list(range(BIG_EVENTS, BIG_EVENTS - 100, -1))
    last = raw(big, "/projects/1/events?per_page=100&page=101")
    assert len(last.json()) == 100  # the rows of that page exist…
    assert last.headers["X-Next-Page"] == "" and "next" not in last.links  # …but the count ends


# -- keyset pagination ---------------------------------------------------------------------------


def _keyset_walk(fake: FakeGitLab, path: str) -> tuple[list[Payload], list[requests.Response]]:
    responses = [raw(fake, path)]
    while "next" in responses[-1].links:
        responses.append(
            requests.get(
                responses[-1].links["next"]["url"],
                headers={"PRIVATE-TOKEN": ALICE},
                timeout=10,
            )
        )
    return [item for r in responses for item in r.json()], responses


def _only_link_headers(response: requests.Response) -> None:
    assert not [h for h in response.headers if h.lower().startswith("x-")], response.headers
    if "Link" in response.headers:
        assert set(response.links) == {"next"}


def test_projects_keyset_by_id_after(team: FakeGitLab) -> None:
    items, responses = _keyset_walk(
        team, "/projects?pagination=keyset&order_by=id&sort=asc&per_page=2"
    )
    assert [p["id"] for p in items] == sorted(PROJECTS)
    for response in responses:
        _only_link_headers(response)
    assert "Link" not in responses[-1].headers
    query = dict(parse_qsl(urlsplit(responses[0].links["next"]["url"]).query))
    assert query["id_after"] == "101" and query["pagination"] == "keyset"
    past = raw(team, "/projects?pagination=keyset&order_by=id&sort=asc&per_page=2&id_after=104")
    assert past.json() == [] and "Link" not in past.headers
    down, _ = _keyset_walk(team, "/projects?pagination=keyset&order_by=id&sort=desc&per_page=2")
    assert [p["id"] for p in down] == sorted(PROJECTS, reverse=True)


def test_python_gitlab_keyset_over_projects(team: FakeGitLab) -> None:
    recorder = Recorder()
    gl = python_gitlab(team, recorder)
    listing = gl.projects.list(
        pagination="keyset", order_by="id", sort="asc", per_page=2, iterator=True
    )
    assert [p.id for p in listing] == sorted(PROJECTS)
    assert len(recorder.responses) == 3


def test_projects_keyset_refuses_other_orderings(team: FakeGitLab) -> None:
    response = requests.get(
        f"{team.url}/api/v4/projects?pagination=keyset&order_by=name&sort=asc",
        headers={"PRIVATE-TOKEN": ALICE},
        timeout=10,
    )
    assert response.status_code == 405


@pytest.mark.parametrize(
    ("order_by", "key"),
    [("id", lambda u: u["id"]), ("username", lambda u: u["username"])],
)
def test_users_keyset_by_cursor(team: FakeGitLab, order_by: str, key: Any) -> None:
    items, responses = _keyset_walk(
        team, f"/users?pagination=keyset&order_by={order_by}&sort=asc&per_page=2"
    )
    assert len(items) == len(USERS) == len({u["id"] for u in items})
    assert [key(u) for u in items] == sorted(key(u) for u in items)
    for response in responses:
        _only_link_headers(response)
    assert "cursor" in dict(parse_qsl(urlsplit(responses[0].links["next"]["url"]).query))
    assert "Link" not in responses[-1].headers


def test_project_issues_keyset_by_cursor(team: FakeGitLab) -> None:
    recorder = Recorder()
    project = python_gitlab(team, recorder).projects.get(100, lazy=True)
    listing = project.issues.list(
        pagination="keyset", order_by="created_at", sort="desc", per_page=2, iterator=True
    )
    assert [i.iid for i in listing] == [iid for _, iid in _newest_first(_issues((100,)))]
    for response in recorder.responses:
        _only_link_headers(response)
    assert "Link" not in recorder.responses[-1].headers


@pytest.mark.parametrize("path", ["/projects/100/merge_requests", "/groups/acme/merge_requests"])
def test_keyset_on_merge_requests_is_405(team: FakeGitLab, path: str) -> None:
    response = requests.get(
        f"{team.url}/api/v4{path}?pagination=keyset&order_by=created_at&sort=asc",
        headers={"PRIVATE-TOKEN": ALICE},
        timeout=10,
    )
    assert response.status_code == 405
    # Grape's ``error!(message, 405)`` body, as GitLab's own keyset specs expect it.
    assert response.json() == {
        "error": "Keyset pagination is not yet available for this type of request"
    }


def test_invalid_pagination_parameters_are_grape_400s(team: FakeGitLab) -> None:
    for query in ("per_page=many", "page=first", "pagination=keyset&order_by=id&cursor=%%%"):
        response = requests.get(
            f"{team.url}/api/v4/users?{query}", headers={"PRIVATE-TOKEN": ALICE}, timeout=10
        )
        assert response.status_code == 400, query
        assert set(response.json()) == {"error"}, query
        assert "invalid" in response.json()["error"]


# -- short pages: GitLab filters for visibility after paginating -----------------------------------


def _walk_raw(fake: FakeGitLab, path: str, token: str) -> list[requests.Response]:
    responses = [raw(fake, path, token=token)]
    while "next" in responses[-1].links:
        responses.append(
            requests.get(
                responses[-1].links["next"]["url"],
                headers={"PRIVATE-TOKEN": token},
                timeout=10,
            )
        )
    return responses


def test_notes_pages_are_short_for_a_guest_while_next_exists(team: FakeGitLab) -> None:
    path = "/projects/100/issues/1/notes?per_page=2&sort=asc"
    responses = _walk_raw(team, path, GINA)
    sizes = [len(r.json()) for r in responses]
    assert len(sizes) == 4  # 7 notes counted, internal ones included
    assert {r.headers["X-Total"] for r in responses} == {"7"}
    # Notes 2003 and 2004 (internal) fill page 2: it comes back empty, yet rel="next" is there.
    assert sizes == [2, 0, 2, 1]
    assert "next" in responses[1].links and responses[1].headers["X-Next-Page"] == "3"
    # python-gitlab keeps following the links and gets every note the guest may read.
    visible = [n["id"] for n in _issue1()["notes"] if not n.get("internal")]
    gl = python_gitlab(team, Recorder(), token=GINA)
    notes = _issue_1(gl).notes.list(per_page=2, sort="asc", iterator=True)
    assert [n.id for n in notes] == visible


def test_events_pages_are_short_for_a_guest_while_next_exists(team: FakeGitLab) -> None:
    everything = raw(team, "/projects/100/events?per_page=100").json()
    assert len(everything) == _expected_event_count(100)

    def guest_may_read(event: Payload) -> bool:
        # A guest of a private project: no MRs or code, no confidential issue, no internal note.
        if event["target_type"] == "Issue":
            return event["target_iid"] != 6
        note = event.get("note")
        if note is None or note["noteable_type"] != "Issue" or note["internal"]:
            return False
        return bool(note["noteable_iid"] != 6)

    readable = [e["id"] for e in everything if guest_may_read(e)]
    assert 0 < len(readable) < len(everything)
    responses = _walk_raw(team, "/projects/100/events?per_page=5", GINA)
    assert {r.headers["X-Total"] for r in responses} == {str(len(everything))}
    assert len(responses) == math.ceil(len(everything) / 5)
    short = [r for r in responses if len(r.json()) < 5 and "next" in r.links]
    assert short, "EventsFinder filters after paginating: some pages come back short"
    assert [e["id"] for r in responses for e in r.json()] == readable
