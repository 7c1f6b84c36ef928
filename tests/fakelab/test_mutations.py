"""Changing the offline GitLab while it runs, and reading its logs.

Every change goes in through the Python API (``fake.mutate``) or the HTTP admin surface
(``/-/fakelab/``), and is checked from python-gitlab's side on the very next request.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gitlab
import pytest
import requests

from bot.fakelab.mutations import MutationError
from bot.fakelab.server import FakeGitLab
from tests.conftest import ALICE, BOB, client

PID = 100
NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
STAMP = "2026-12-01T09:30:00.000Z"


def admin(fake: FakeGitLab, method: str, path: str, body: Any = None) -> requests.Response:
    return requests.request(method, f"{fake.url}/-/fakelab{path}", json=body, timeout=10)


def stats(fake: FakeGitLab) -> dict[str, int]:
    return dict(admin(fake, "GET", "/stats").json())


def new_mr(iid: int = 20, **fields: Any) -> dict[str, Any]:
    return {
        "merge_request": {
            "iid": iid,
            "title": "Add metrics endpoint",
            "author": {"id": 3},
            "created_at": "2026-11-30T08:00:00Z",
            **fields,
        },
        "notes": [{"body": "First!", "author": {"id": 2}, "created_at": "2026-11-30T08:30:00Z"}],
    }


def mr_events(gl: gitlab.Gitlab, iid: int) -> list[str]:
    events = gl.projects.get(PID, lazy=True).events.list(get_all=True, sort="asc")
    return [
        e.action_name for e in events if e.target_type == "MergeRequest" and e.target_iid == iid
    ]


# -- merge requests and issues --------------------------------------------------------------------


def test_add_merge_request_through_python(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    project = gl.projects.get(PID)
    before = stats(fake)
    assert len(project.mergerequests.list(state="all", get_all=True)) == 3
    mr = fake.mutate.add_merge_request(PID, new_mr(labels=["metrics"]))
    assert (mr.iid, mr.data["state"]) == (20, "opened")
    listed = project.mergerequests.list(state="all", get_all=True)
    assert next(m.iid for m in listed) == 20
    got = project.mergerequests.get(20)
    assert got.title == "Add metrics endpoint" and got.labels == ["metrics"]
    assert got.author["username"] == "bob" and got.user_notes_count == 1
    assert mr_events(gl, 20) == ["opened"]
    commented = [e for e in project.events.list(action="commented", get_all=True)]
    assert commented[0].note["body"] == "First!"
    after = stats(fake)
    assert after["merge_requests"] == before["merge_requests"] + 1
    assert after["notes"] == before["notes"] + 1
    assert after["events"] == before["events"] + 2


def test_add_merge_request_over_http(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    answer = admin(fake, "POST", f"/projects/{PID}/merge_requests", new_mr(21))
    assert answer.status_code == 200
    assert answer.json()["iid"] == 21 and isinstance(answer.json()["id"], int)
    mr = gl.projects.get(PID, lazy=True).mergerequests.get(21)
    assert mr.id == answer.json()["id"]
    # by path as well as by id
    answer = admin(
        fake,
        "POST",
        "/projects/acme%2Fbackend/issues",
        {
            "issue": {
                "iid": 30,
                "title": "Over HTTP",
                "author": {"id": 2},
                "created_at": "2026-11-30T09:00:00Z",
            }
        },
    )
    assert answer.status_code == 200
    assert gl.projects.get(PID, lazy=True).issues.get(30).title == "Over HTTP"


def test_update_item_moves_updated_at_and_shows_in_filters(
    fake: FakeGitLab, gl: gitlab.Gitlab
) -> None:
    project = gl.projects.get(PID, lazy=True)
    assert project.mergerequests.list(updated_after="2026-12-01T00:00:00Z") == []
    fake.mutate.update_item(PID, "merge_requests", 2, {"title": "Bump requests to 2.33"}, NOW)
    mr = project.mergerequests.get(2)
    assert mr.title == "Bump requests to 2.33" and mr.updated_at == STAMP
    changed = project.mergerequests.list(updated_after="2026-12-01T00:00:00Z")
    assert [m.iid for m in changed] == [2]


def test_update_item_over_http(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    answer = admin(
        fake,
        "PATCH",
        f"/projects/{PID}/issues/3",
        {
            "labels": ["sev1", "incident"],
            "assignees": [{"id": 3}],
            "updated_at": "2026-12-02T10:00:00+02:00",
        },
    )
    assert answer.status_code == 200
    issue = gl.projects.get(PID, lazy=True).issues.get(3)
    assert issue.labels == ["incident", "sev1"]
    assert [a["username"] for a in issue.assignees] == ["bob"]
    assert issue.updated_at == "2026-12-02T08:00:00.000Z"


def test_closing_merging_and_reopening_record_events(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    fake.mutate.update_item(
        PID, "merge_requests", 2, {"state": "merged", "merge_user": {"id": 2}}, NOW
    )
    project = gl.projects.get(PID, lazy=True)
    mr = project.mergerequests.get(2)
    assert mr.state == "merged" and mr.merged_at == STAMP
    assert mr.merge_user["username"] == "alice"
    assert mr_events(gl, 2) == ["opened", "accepted"]
    merged = project.events.list(action="merged", get_all=True)
    assert merged[0].target_iid == 2 and merged[0].author_username == "alice"

    fake.mutate.update_item(PID, "issues", 3, {"state": "closed", "closed_by": {"id": 3}}, NOW)
    issue = project.issues.get(3)
    assert (issue.state, issue.closed_at, issue.attributes["closed_by"]["username"]) == (
        "closed",
        STAMP,
        "bob",
    )
    closed = project.events.list(action="closed", target_type="issue", get_all=True)
    assert closed[0].target_iid == 3

    later = datetime(2026, 12, 2, tzinfo=UTC)
    fake.mutate.update_item(PID, "issues", 3, {"state": "opened"}, later)
    issue = project.issues.get(3)
    assert issue.state == "opened" and issue.closed_at is None
    assert issue.attributes["closed_by"] is None
    reopened = project.events.list(action="reopened", get_all=True)
    assert reopened[0].target_iid == 3 and reopened[0].action_name == "opened"


def test_delete_item(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    project = gl.projects.get(PID, lazy=True)
    before = stats(fake)
    fake.mutate.delete_item(PID, "merge_requests", 1)
    with pytest.raises(gitlab.GitlabGetError) as caught:
        project.mergerequests.get(1)
    assert caught.value.response_code == 404
    assert 1 not in {m.iid for m in project.mergerequests.list(state="all", get_all=True)}
    assert mr_events(gl, 1) == []
    after = stats(fake)
    assert after["merge_requests"] == before["merge_requests"] - 1
    assert after["notes"] == before["notes"] - 4
    assert admin(fake, "DELETE", f"/projects/{PID}/issues/3").status_code == 204
    assert 3 not in {i.iid for i in project.issues.list(get_all=True)}
    assert admin(fake, "DELETE", f"/projects/{PID}/issues/3").status_code == 404


# -- notes -----------------------------------------------------------------------------------------------


def test_add_edit_and_delete_notes_through_python(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    issue = gl.projects.get(PID, lazy=True).issues.get(1, lazy=True)
    note_id = fake.mutate.add_note(
        PID,
        "issues",
        1,
        {"body": "late comment", "author": {"id": 3}, "created_at": "2026-11-30T10:00:00Z"},
    )
    assert next(n.id for n in issue.notes.list(get_all=True)) == note_id
    fetched = gl.projects.get(PID, lazy=True).issues.get(1)
    assert fetched.updated_at == "2026-11-30T10:00:00.000Z"
    assert fetched.user_notes_count == 2

    fake.mutate.update_note(note_id, {"body": "late comment, edited"}, NOW)
    note = issue.notes.get(note_id)
    assert note.body == "late comment, edited" and note.updated_at == STAMP
    assert gl.projects.get(PID, lazy=True).issues.get(1).updated_at == STAMP

    fake.mutate.delete_note(note_id, NOW)
    assert note_id not in {n.id for n in issue.notes.list(get_all=True)}
    assert gl.projects.get(PID, lazy=True).issues.get(1).user_notes_count == 1
    events = gl.projects.get(PID, lazy=True).events.list(action="commented", get_all=True)
    assert note_id not in {e.target_id for e in events}


def test_the_comment_feed_shows_every_change_to_the_same_query(
    fake: FakeGitLab, gl: gitlab.Gitlab
) -> None:
    # The events API keeps a query's filtered list between pages; each write must show at once.
    project = gl.projects.get(PID, lazy=True)

    def feed() -> list[int]:
        return [e.id for e in project.events.list(action="commented", get_all=True, per_page=2)]

    first = feed()
    assert feed() == first
    fake.mutate.add_note(
        PID, "issues", 1, {"body": "one more", "author": {"id": 3}, "created_at": STAMP}
    )
    added = feed()
    assert len(added) == len(first) + 1 and added[1:] == first  # newest first
    fake.mutate.delete_item(PID, "issues", 1)
    assert len(feed()) < len(first)


def test_notes_over_http(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    mr = gl.projects.get(PID, lazy=True).mergerequests.get(2, lazy=True)
    answer = admin(
        fake,
        "POST",
        f"/projects/{PID}/merge_requests/2/notes",
        {
            "body": "Looks good",
            "author": {"username": "alice"},
            "created_at": "2026-11-30T10:00:00Z",
        },
    )
    assert answer.status_code == 200
    note_id = answer.json()["id"]
    assert [n.body for n in mr.notes.list(get_all=True)] == ["Looks good"]
    assert admin(fake, "PATCH", f"/notes/{note_id}", {"body": "Looks great"}).status_code == 200
    assert mr.notes.get(note_id).body == "Looks great"
    assert admin(fake, "DELETE", f"/notes/{note_id}").status_code == 204
    assert mr.notes.list(get_all=True) == []
    assert admin(fake, "DELETE", f"/notes/{note_id}").status_code == 404


def test_added_system_note_makes_no_event(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    before = stats(fake)["events"]
    fake.mutate.add_note(
        PID,
        "issues",
        3,
        {
            "body": "changed the description",
            "author": {"id": 2},
            "created_at": "2026-11-30T10:00:00Z",
            "system": True,
        },
    )
    assert stats(fake)["events"] == before
    assert gl.projects.get(PID, lazy=True).issues.get(3).user_notes_count == 0


# -- pipelines -------------------------------------------------------------------------------------------


def test_pipelines_through_python_and_http(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    project = gl.projects.get(PID, lazy=True)
    added = fake.mutate.add_pipeline(
        PID,
        {
            "status": "running",
            "ref": "main",
            "sha": "a" * 40,
            "created_at": "2026-11-30T11:00:00Z",
            "user": {"id": 3},
        },
    )
    pid = added["id"]
    assert next(p.id for p in project.pipelines.list(get_all=True)) == pid
    assert project.pipelines.get(pid).user["username"] == "bob"
    fake.mutate.update_pipeline(PID, pid, {"status": "success"}, NOW)
    pipeline = project.pipelines.get(pid)
    assert (pipeline.status, pipeline.updated_at) == ("success", STAMP)
    assert [p.id for p in project.pipelines.list(updated_after="2026-12-01T00:00:00Z")] == [pid]

    answer = admin(
        fake,
        "POST",
        f"/projects/{PID}/pipelines",
        {"status": "failed", "ref": "x", "sha": "b" * 40, "created_at": "2026-11-30T12:00:00Z"},
    )
    assert answer.status_code == 200
    other = answer.json()["id"]
    assert (
        admin(
            fake, "PATCH", f"/projects/{PID}/pipelines/{other}", {"status": "canceled"}
        ).status_code
        == 200
    )
    assert project.pipelines.get(other).status == "canceled"
    assert admin(fake, "DELETE", f"/projects/{PID}/pipelines/{other}").status_code == 204
    assert other not in {p.id for p in project.pipelines.list(get_all=True)}
    assert stats(fake)["pipelines"] == 3


# -- users -----------------------------------------------------------------------------------------------


def test_add_and_rename_users(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    user = fake.mutate.add_user({"username": "hana", "name": "Hana Hill"})
    assert gl.users.get(user.id).username == "hana"
    answer = admin(fake, "POST", "/users", {"username": "ivan", "bot": True})
    assert answer.status_code == 200
    assert gl.users.get(answer.json()["id"]).bot is True
    # A rename shows wherever the user is embedded.
    assert admin(fake, "PATCH", "/users/3", {"name": "Robert Baker"}).status_code == 200
    note = gl.projects.get(PID, lazy=True).issues.get(1, lazy=True).notes.list(get_all=True)[0]
    assert note.author["name"] == "Robert Baker"
    fake.mutate.update_user(3, {"username": "rob"})
    assert [u.id for u in gl.users.list(username="rob")] == [3]
    assert gl.users.list(username="bob") == []


def test_deleted_users_contributions_show_the_ghost_user(fake: FakeGitLab) -> None:
    gl = client(fake)
    before = stats(fake)["users"]
    fake.mutate.delete_user(3)  # bob: merged !1, approved it, wrote notes, closed issue 1
    project = gl.projects.get(PID, lazy=True)
    mr = project.mergerequests.get(1)
    assert mr.merge_user["username"] == "ghost" and mr.merge_user["name"] == "Ghost User"
    assert {r["username"] for r in mr.reviewers} == {"ghost"}
    approvals = mr.approvals.get()
    assert [a["user"]["username"] for a in approvals.approved_by] == ["ghost"]
    authors = {n.author["username"] for n in mr.notes.list(get_all=True)}
    assert "bob" not in authors and "ghost" in authors
    assert project.issues.get(1).attributes["closed_by"]["username"] == "ghost"
    events = project.events.list(get_all=True)
    assert "bob" not in {e.author_username for e in events}
    with pytest.raises(gitlab.GitlabGetError):
        gl.users.get(3)
    assert (
        requests.get(
            f"{fake.url}/api/v4/user", headers={"PRIVATE-TOKEN": BOB}, timeout=10
        ).status_code
        == 401
    )
    assert stats(fake)["users"] == before - 1
    assert admin(fake, "DELETE", "/users/3").status_code == 404


def test_the_ghost_user_cannot_be_deleted(fake: FakeGitLab) -> None:
    answer = admin(fake, "DELETE", "/users/6")
    assert answer.status_code == 403
    with pytest.raises(MutationError):
        fake.mutate.delete_user(6)


# -- invalid payloads -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "named"),
    [
        (
            "POST",
            "/projects/100/merge_requests",
            {"merge_request": {"iid": 9, "title": "t", "author": {"id": 2}}},
            400,
            "created_at",
        ),
        (
            "POST",
            "/projects/100/merge_requests",
            {
                "merge_request": {
                    "iid": 9,
                    "title": "t",
                    "author": {"id": 99},
                    "created_at": "2026-11-30T08:00:00Z",
                }
            },
            400,
            "merge_request.author",
        ),
        (
            "POST",
            "/projects/100/merge_requests",
            {
                "merge_request": {
                    "iid": 1,
                    "title": "t",
                    "author": {"id": 2},
                    "created_at": "2026-11-30T08:00:00Z",
                }
            },
            400,
            "merge_request.iid",
        ),
        ("POST", "/projects/100/merge_requests", {"merge_requests": {}}, 400, "merge_requests"),
        (
            "POST",
            "/projects/100/merge_requests",
            {"merge_request": {"iid": 9, "title": "t", "author": {"id": 2}, "created_at": "soon"}},
            400,
            "merge_request.created_at",
        ),
        (
            "POST",
            "/projects/100/issues",
            {
                "issue": {
                    "iid": 9,
                    "title": "t",
                    "author": {"id": 2},
                    "created_at": "2026-11-30T08:00:00Z",
                    "state": "merged",
                }
            },
            400,
            "issue.state",
        ),
        (
            "POST",
            "/projects/100/issues/1/notes",
            {"body": "x", "author": {"id": 2}},
            400,
            "created_at",
        ),
        (
            "POST",
            "/projects/100/issues/1/notes",
            {"body": "x", "author": {"id": 2}, "created_at": "2026-11-30T08:00:00Z", "id": 501},
            400,
            "id",
        ),
        (
            "POST",
            "/projects/100/issues/1/notes",
            {
                "body": "x",
                "author": {"id": 2},
                "created_at": "2026-11-30T08:00:00Z",
                "type": "DiffNote",
            },
            400,
            "position",
        ),
        ("POST", "/projects/100/pipelines", {"status": "success"}, 400, "ref"),
        (
            "POST",
            "/projects/100/pipelines",
            {
                "id": 900,
                "status": "success",
                "ref": "m",
                "sha": "s",
                "created_at": "2026-11-30T08:00:00Z",
            },
            400,
            "id",
        ),
        ("POST", "/users", {"name": "Nameless"}, 400, "username"),
        ("POST", "/users", {"username": "alice"}, 400, "username"),
        ("POST", "/users", [1, 2], 400, "object"),
        ("PATCH", "/projects/100/issues/1", {"created_at": "garbage"}, 400, "created_at"),
        ("PATCH", "/projects/100/issues/1", {"iid": 7}, 400, "iid"),
        ("PATCH", "/projects/100/issues/1", {"labels": "bug"}, 400, "labels"),
        ("PATCH", "/projects/100/issues/1", {"assignees": [{"id": 4242}]}, 400, "assignees"),
        ("PATCH", "/projects/100/merge_requests/1", {"author": "bob"}, 400, "author"),
        ("PATCH", "/projects/100/pipelines/900", {"status": ""}, 400, "status"),
        ("PATCH", "/notes/505", {"author": {"id": 1234}}, 400, "author"),
        ("PATCH", "/notes/505", {"id": 1}, 400, "id"),
        ("PATCH", "/users/3", {"username": "alice"}, 400, "username"),
        ("PATCH", "/users/3", {"id": 30}, 400, "id"),
        ("PATCH", "/projects/100/issues/abc", {"title": "t"}, 404, "abc"),
        ("PATCH", "/projects/100/issues/77", {"title": "t"}, 404, "77"),
        ("PATCH", "/projects/999/issues/1", {"title": "t"}, 404, "999"),
        (
            "POST",
            "/projects/100/pipelines/900/notes",
            {"body": "x", "author": {"id": 2}, "created_at": "2026-11-30T08:00:00Z"},
            404,
            "pipelines",
        ),
        ("DELETE", "/users/abc", None, 404, "abc"),
    ],
)
def test_invalid_admin_payloads_are_refused_naming_the_key(
    fake: FakeGitLab, method: str, path: str, body: Any, status: int, named: str
) -> None:
    before = stats(fake)
    answer = admin(fake, method, path, body)
    assert answer.status_code == status, answer.text
    assert named in answer.json()["message"]
    assert stats(fake) == before
    # Nothing half-applied: the API still answers as before.
    issue = requests.get(
        f"{fake.url}/api/v4/projects/100/issues/1", headers={"PRIVATE-TOKEN": ALICE}, timeout=10
    ).json()
    assert issue["created_at"] == "2026-10-30T12:00:00.000Z" and issue["iid"] == 1


def test_invalid_changes_through_python_raise_mutation_error(fake: FakeGitLab) -> None:
    with pytest.raises(MutationError, match="state") as caught:
        fake.mutate.update_item(PID, "issues", 1, {"state": "merged"}, NOW)
    assert caught.value.status == 400
    with pytest.raises(MutationError, match="title"):
        fake.mutate.update_item(PID, "issues", 1, {"title": 5, "state": "opened"}, NOW)
    # All or nothing: the valid part of a refused change was not applied.
    assert fake.state.projects[PID].issues[1].data["state"] == "closed"
    with pytest.raises(MutationError, match="author"):
        fake.mutate.add_merge_request(PID, new_mr(author={"id": 999}))
    assert 20 not in fake.state.projects[PID].merge_requests


def test_admin_body_that_is_not_json_is_400(fake: FakeGitLab) -> None:
    answer = requests.post(
        f"{fake.url}/-/fakelab/users",
        data=b"{oops",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 400


def test_unknown_admin_endpoint(fake: FakeGitLab) -> None:
    assert admin(fake, "GET", "/nothing-here").status_code == 404
    assert admin(fake, "POST", "/stats").status_code == 405


# -- logs --------------------------------------------------------------------------------------------------


def test_request_log_over_http(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    gl.projects.get(PID, lazy=True).mergerequests.list(state="opened", per_page=5)
    with pytest.raises(gitlab.GitlabGetError):
        gl.projects.get(12345)
    rows = admin(fake, "GET", "/requests").json()
    assert [(r["method"], r["path"], r["status"]) for r in rows] == [
        ("GET", "/api/v4/projects/100/merge_requests", 200),
        ("GET", "/api/v4/projects/12345", 404),
    ]
    first = rows[0]
    assert "state=opened" in first["query"] and "per_page=5" in first["query"]
    assert isinstance(first["duration_ms"], int | float) and first["duration_ms"] >= 0
    assert first["user"] == "alice" and rows[1]["seq"] > first["seq"]
    # Admin requests are not logged, and the Python view agrees.
    assert fake.requests() == rows


def test_request_log_since_and_clear(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    for _ in range(3):
        gl.projects.get(PID)
    since = admin(fake, "GET", "/requests?since=2")
    assert since.headers["X-Total"] == "3"
    assert [r["seq"] for r in since.json()] == [fake.requests()[2]["seq"]]
    assert admin(fake, "GET", "/requests?since=3").json() == []
    requests.post(
        f"{fake.url}/api/v4/projects/100/issues/3/notes",
        headers={"PRIVATE-TOKEN": ALICE},
        json={"body": "@bob\n/label ~x"},
        timeout=10,
    )
    assert admin(fake, "GET", "/notifications").json() and admin(fake, "GET", "/actions").json()
    assert admin(fake, "DELETE", "/logs").status_code == 204
    for name in ("requests", "notifications", "actions"):
        assert admin(fake, "GET", f"/{name}").json() == []
    assert fake.requests() == fake.notifications() == fake.actions() == []
    gl.projects.get(PID)
    assert len(admin(fake, "GET", "/requests").json()) == 1


def test_request_log_file_gets_json_lines(small_data: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    with FakeGitLab(copy.deepcopy(small_data), request_log=path) as fake:
        gl = client(fake)
        gl.projects.get(PID)
        gl.projects.get(PID, lazy=True).issues.list(state="closed")
        requests.get(f"{fake.url}/-/fakelab/stats", timeout=10)
        logged = fake.requests()
    lines = path.read_text().splitlines()
    assert [json.loads(line) for line in lines] == logged
    assert [json.loads(line)["path"] for line in lines] == [
        "/api/v4/projects/100",
        "/api/v4/projects/100/issues",
    ]
    with FakeGitLab(copy.deepcopy(small_data), request_log=path) as fake:
        client(fake).projects.get(PID)
    assert len(path.read_text().splitlines()) == 3  # appended, not truncated
