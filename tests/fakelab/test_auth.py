"""Authentication and visibility, as GitLab decides them (FACTS.md A.1, D.3, E.5).

Tokens come in ``PRIVATE-TOKEN`` or ``Authorization: Bearer``. Private projects are 404 to
non-members; guests of a private project see issues but not merge requests or pipelines;
confidential issues are for Reporters+, their author and assignees; internal notes for Reporters+.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import gitlab
import pytest
import requests

from bot.fakelab.server import FakeGitLab
from tests.conftest import ADMIN_TOKEN, ALICE, BOB, DAVE, GINA, OUTSIDER, client

PRIVATE = 100  # acme/backend: alice Maintainer (group), bob Developer (group), gina Guest
INTERNAL = 101  # acme/platform/infra
CONFIDENTIAL_ISSUE = 2  # authored by bob
INTERNAL_NOTE = 504  # on !1


def call(
    fake: FakeGitLab, path: str, token: str | None = ALICE, **params: Any
) -> requests.Response:
    headers = {"PRIVATE-TOKEN": token} if token is not None else {}
    return requests.get(f"{fake.url}/api/v4{path}", headers=headers, params=params, timeout=10)


def ok(fake: FakeGitLab, path: str, token: str = ALICE, **params: Any) -> Any:
    response = call(fake, path, token, **params)
    assert response.status_code == 200, (path, response.status_code, response.text)
    return response.json()


def add_internal_issue_note(fake: FakeGitLab) -> int:
    return fake.mutate.add_note(
        PRIVATE,
        "issues",
        1,
        {
            "body": "internal: customer name is ACME-42",
            "author": {"id": 2},
            "created_at": "2026-11-04T09:00:00Z",
            "internal": True,
        },
    )


# -- tokens ---------------------------------------------------------------------------------------------


def test_private_token_header(fake: FakeGitLab) -> None:
    assert ok(fake, "/user")["username"] == "alice"
    assert ok(fake, "/user", BOB)["username"] == "bob"


def test_bearer_token_header(fake: FakeGitLab) -> None:
    response = requests.get(
        f"{fake.url}/api/v4/user", headers={"Authorization": f"Bearer {BOB}"}, timeout=10
    )
    assert response.status_code == 200
    assert response.json()["username"] == "bob"
    gl = gitlab.Gitlab(fake.url, oauth_token=GINA, timeout=10)
    gl.auth()
    assert gl.user is not None and gl.user.username == "gina"


def test_python_gitlab_private_token(gl: gitlab.Gitlab) -> None:
    gl.auth()
    assert gl.user is not None and gl.user.username == "alice"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"PRIVATE-TOKEN": ""},
        {"PRIVATE-TOKEN": "glpat-not-a-real-token"},
        {"Authorization": "Bearer glpat-not-a-real-token"},
        {"Authorization": "Basic YWxpY2U6cGFzc3dvcmQ="},
    ],
    ids=["missing", "empty", "wrong", "wrong-bearer", "basic"],
)
def test_missing_or_wrong_token_is_401(fake: FakeGitLab, headers: dict[str, str]) -> None:
    for path in ("/user", f"/projects/{PRIVATE}", f"/projects/{INTERNAL}/issues", "/nope"):
        response = requests.get(f"{fake.url}/api/v4{path}", headers=headers, timeout=10)
        assert response.status_code == 401, path
        assert response.json() == {"message": "401 Unauthorized"}
        assert response.headers["Content-Type"] == "application/json"


def test_python_gitlab_raises_authentication_error_on_bad_token(fake: FakeGitLab) -> None:
    gl = client(fake, "glpat-wrong-0000000000")
    with pytest.raises(gitlab.GitlabAuthenticationError) as caught:
        gl.auth()
    assert caught.value.response_code == 401


def test_blocked_users_token_is_refused_as_gitlab_does(fake: FakeGitLab) -> None:
    # API::APIGuard#find_current_user!: a valid token of a blocked user gets
    # forbidden!(api_access_denied_message(user)) -> "Your account has been blocked."
    for path in ("/user", f"/projects/{INTERNAL}"):
        response = call(fake, path, DAVE)
        assert response.status_code == 403
        assert response.json() == {"message": "403 Forbidden - Your account has been blocked."}
    with pytest.raises(gitlab.GitlabGetError) as caught:
        client(fake, DAVE).projects.get(INTERNAL)
    assert caught.value.response_code == 403


def test_user_blocked_while_the_server_runs_loses_access(fake: FakeGitLab) -> None:
    assert call(fake, "/user", BOB).status_code == 200
    fake.mutate.update_user(3, {"state": "blocked"})
    assert call(fake, "/user", BOB).status_code == 403
    fake.mutate.update_user(3, {"state": "active"})
    assert call(fake, "/user", BOB).status_code == 200


def test_deleted_users_token_is_401(fake: FakeGitLab) -> None:
    fake.mutate.delete_user(8)
    response = call(fake, "/user", GINA)
    assert response.status_code == 401
    assert response.json() == {"message": "401 Unauthorized"}


# -- administrator ---------------------------------------------------------------------------------------


def test_admin_token_sees_everything(fake: FakeGitLab) -> None:
    me = ok(fake, "/user", ADMIN_TOKEN)
    assert me["is_admin"] is True
    assert {p["id"] for p in ok(fake, "/projects", ADMIN_TOKEN)} == {PRIVATE, INTERNAL}
    assert len(ok(fake, f"/projects/{PRIVATE}/merge_requests", ADMIN_TOKEN)) == 3
    assert len(ok(fake, f"/projects/{PRIVATE}/pipelines", ADMIN_TOKEN)) == 2
    assert ok(fake, f"/projects/{PRIVATE}/issues/{CONFIDENTIAL_ISSUE}", ADMIN_TOKEN)["confidential"]
    notes = ok(fake, f"/projects/{PRIVATE}/merge_requests/1/notes", ADMIN_TOKEN)
    assert INTERNAL_NOTE in {n["id"] for n in notes}
    assert ok(fake, "/users/2", ADMIN_TOKEN)["is_admin"] is False


# -- project visibility ------------------------------------------------------------------------------


def test_outsider_gets_404_on_the_private_project(fake: FakeGitLab) -> None:
    for path in (
        f"/projects/{PRIVATE}",
        "/projects/acme%2Fbackend",
        f"/projects/{PRIVATE}/issues",
        f"/projects/{PRIVATE}/issues/1",
        f"/projects/{PRIVATE}/merge_requests",
        f"/projects/{PRIVATE}/pipelines",
        f"/projects/{PRIVATE}/events",
    ):
        response = call(fake, path, OUTSIDER)
        assert response.status_code == 404, path
        assert response.json() == {"message": "404 Project Not Found"}
    with pytest.raises(gitlab.GitlabGetError) as caught:
        client(fake, OUTSIDER).projects.get("acme/backend")
    assert caught.value.response_code == 404


def test_outsider_can_list_and_read_the_internal_project(fake: FakeGitLab) -> None:
    gl = client(fake, OUTSIDER)
    assert [p.id for p in gl.projects.list(get_all=True)] == [INTERNAL]
    infra = gl.projects.get("acme/platform/infra")
    assert infra.visibility == "internal"
    assert [i.iid for i in infra.issues.list(get_all=True)] == [1]
    assert ok(fake, "/projects", OUTSIDER, membership="true") == []
    assert {i["project_id"] for i in ok(fake, "/issues", OUTSIDER, scope="all")} == {INTERNAL}


def test_outsider_sees_no_private_activity_anywhere(fake: FakeGitLab) -> None:
    assert ok(fake, "/merge_requests", OUTSIDER, scope="all") == []
    assert ok(fake, "/users/2/events", OUTSIDER) == []
    assert all(e["project_id"] == INTERNAL for e in ok(fake, "/users/4/events", OUTSIDER))


# -- guests of a private project ----------------------------------------------------------------------


def test_guest_cannot_list_merge_requests_or_pipelines(fake: FakeGitLab) -> None:
    for path in (
        f"/projects/{PRIVATE}/merge_requests",
        f"/projects/{PRIVATE}/merge_requests/1",
        f"/projects/{PRIVATE}/merge_requests/1/notes",
        f"/projects/{PRIVATE}/pipelines",
        f"/projects/{PRIVATE}/pipelines/901",
    ):
        response = call(fake, path, GINA)
        assert response.status_code == 403, path
        assert response.json() == {"message": "403 Forbidden"}
    project = client(fake, GINA).projects.get(PRIVATE, lazy=True)
    with pytest.raises(gitlab.GitlabListError) as caught:
        project.mergerequests.list()
    assert caught.value.response_code == 403
    # They are not in the instance-wide lists either.
    assert ok(fake, "/merge_requests", GINA, scope="all") == []


def test_guest_reads_issues_but_not_the_confidential_one(fake: FakeGitLab) -> None:
    assert ok(fake, f"/projects/{PRIVATE}", GINA)["id"] == PRIVATE
    assert {i["iid"] for i in ok(fake, f"/projects/{PRIVATE}/issues", GINA)} == {1, 3}
    for path in (
        f"/projects/{PRIVATE}/issues/{CONFIDENTIAL_ISSUE}",
        f"/projects/{PRIVATE}/issues/{CONFIDENTIAL_ISSUE}/notes",
        f"/projects/{PRIVATE}/issues/{CONFIDENTIAL_ISSUE}/discussions",
    ):
        assert call(fake, path, GINA).status_code == 404, path
    assert ok(fake, f"/projects/{PRIVATE}/issues", GINA, confidential="true") == []
    assert ok(fake, "/groups/acme/issues", GINA, confidential="true") == []


@pytest.mark.parametrize("token", [ALICE, BOB, ADMIN_TOKEN])
def test_reporters_and_up_see_the_confidential_issue(fake: FakeGitLab, token: str) -> None:
    assert {i["iid"] for i in ok(fake, f"/projects/{PRIVATE}/issues", token)} == {1, 2, 3}
    assert ok(fake, f"/projects/{PRIVATE}/issues/{CONFIDENTIAL_ISSUE}", token)["confidential"]


def test_confidential_issue_is_visible_to_its_guest_assignee_and_author(fake: FakeGitLab) -> None:
    path = f"/projects/{PRIVATE}/issues/{CONFIDENTIAL_ISSUE}"
    assert call(fake, path, GINA).status_code == 404
    fake.mutate.update_item(
        PRIVATE, "issues", CONFIDENTIAL_ISSUE, {"assignees": [{"id": 8}]}, datetime.now(UTC)
    )
    assert ok(fake, path, GINA)["assignees"][0]["username"] == "gina"
    assert CONFIDENTIAL_ISSUE in {i["iid"] for i in ok(fake, f"/projects/{PRIVATE}/issues", GINA)}
    # An issue a guest wrote stays visible to her after it becomes confidential.
    fake.mutate.add_issue(
        PRIVATE,
        {
            "issue": {
                "iid": 9,
                "title": "My own secret",
                "author": {"id": 8},
                "created_at": "2026-11-07T10:00:00Z",
                "confidential": True,
            }
        },
    )
    assert ok(fake, f"/projects/{PRIVATE}/issues/9", GINA)["confidential"] is True
    assert call(fake, f"/projects/{PRIVATE}/issues/9", OUTSIDER).status_code == 404


# -- internal notes -------------------------------------------------------------------------------


def test_internal_notes_are_hidden_from_guests(fake: FakeGitLab) -> None:
    note_id = add_internal_issue_note(fake)
    base = f"/projects/{PRIVATE}/issues/1"
    guest_notes = {n["id"] for n in ok(fake, f"{base}/notes", GINA)}
    assert note_id not in guest_notes and guest_notes
    assert call(fake, f"{base}/notes/{note_id}", GINA).status_code == 404
    guest_discussions = ok(fake, f"{base}/discussions", GINA)
    assert note_id not in {n["id"] for d in guest_discussions for n in d["notes"]}
    guest_events = ok(fake, f"/projects/{PRIVATE}/events", GINA, per_page=100)
    assert note_id not in {e["target_id"] for e in guest_events}
    assert guest_events, "a guest still sees the events she may read"


@pytest.mark.parametrize("token", [ALICE, BOB, ADMIN_TOKEN])
def test_internal_notes_are_visible_to_reporters_and_up(fake: FakeGitLab, token: str) -> None:
    note_id = add_internal_issue_note(fake)
    base = f"/projects/{PRIVATE}/issues/1"
    notes = {n["id"]: n for n in ok(fake, f"{base}/notes", token)}
    assert notes[note_id]["internal"] is True and notes[note_id]["confidential"] is True
    assert ok(fake, f"{base}/notes/{note_id}", token)["id"] == note_id
    discussions = ok(fake, f"{base}/discussions", token)
    assert note_id in {n["id"] for d in discussions for n in d["notes"]}
    events = ok(fake, f"/projects/{PRIVATE}/events", token, per_page=100)
    assert note_id in {e["target_id"] for e in events}


def test_user_notes_count_follows_what_the_viewer_may_read(fake: FakeGitLab) -> None:
    add_internal_issue_note(fake)
    path = f"/projects/{PRIVATE}/issues/1"
    assert ok(fake, path, ALICE)["user_notes_count"] == 2
    assert ok(fake, path, GINA)["user_notes_count"] == 1
    listed = {i["iid"]: i for i in ok(fake, f"/projects/{PRIVATE}/issues", GINA)}
    assert listed[1]["user_notes_count"] == 1
    assert len(ok(fake, f"{path}/notes", GINA)) == 1
    # !1 has two DiffNotes, a system note and an internal note: three user notes for alice.
    assert ok(fake, f"/projects/{PRIVATE}/merge_requests/1")["user_notes_count"] == 3


def test_guest_events_hide_merge_requests_and_confidential_issues(fake: FakeGitLab) -> None:
    everything = ok(fake, f"/projects/{PRIVATE}/events", ALICE, per_page=100)
    guest = ok(fake, f"/projects/{PRIVATE}/events", GINA, per_page=100)
    assert {e["target_type"] for e in everything} >= {"MergeRequest", "DiffNote", "Issue"}
    assert "MergeRequest" not in {e["target_type"] for e in guest}
    assert "DiffNote" not in {e["target_type"] for e in guest}
    assert not [e for e in guest if e.get("push_data")]
    assert CONFIDENTIAL_ISSUE not in {e["target_iid"] for e in guest if e["target_type"] == "Issue"}
    assert {e["target_iid"] for e in guest if e["target_type"] == "Issue"} == {1, 3}
