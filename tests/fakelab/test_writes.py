"""Writing notes: entities, quick actions, notifications, limits and side effects (FACTS.md E).

Everything is observed from outside: the API's answers, what later reads show, and the
``/-/fakelab/actions`` and ``/-/fakelab/notifications`` logs.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import gitlab
import pytest
import requests

from bot.fakelab.server import FakeGitLab
from tests.conftest import ALICE, BOB, GINA, OUTSIDER

PID = 100
SHA = "c0ffee" + "0" * 34


def api(
    fake: FakeGitLab, method: str, path: str, token: str = ALICE, **kw: Any
) -> requests.Response:
    return requests.request(
        method, f"{fake.url}/api/v4{path}", headers={"PRIVATE-TOKEN": token}, timeout=10, **kw
    )


def post_note(
    fake: FakeGitLab, body: str, *, token: str = ALICE, where: str = "issues/3", **extra: Any
) -> requests.Response:
    return api(fake, "POST", f"/projects/{PID}/{where}/notes", token, json={"body": body, **extra})


def issue(fake: FakeGitLab, iid: int = 3, project: int = PID) -> dict[str, Any]:
    response = api(fake, "GET", f"/projects/{project}/issues/{iid}")
    assert response.status_code == 200
    return dict(response.json())


def notes_of(fake: FakeGitLab, where: str = "issues/3", project: int = PID) -> list[dict[str, Any]]:
    response = api(fake, "GET", f"/projects/{project}/{where}/notes", params={"per_page": 100})
    assert response.status_code == 200
    return list(response.json())


def admin_log(fake: FakeGitLab, name: str) -> list[dict[str, Any]]:
    return list(requests.get(f"{fake.url}/-/fakelab/{name}", timeout=10).json())


def add_mergeable_mr(fake: FakeGitLab, iid: int = 10) -> None:
    fake.mutate.add_merge_request(
        PID,
        {
            "merge_request": {
                "iid": iid,
                "title": "Speed up the sender",
                "author": {"id": 3},
                "created_at": "2026-11-08T09:00:00Z",
                "source_branch": "speed",
            },
            "commits": [{"id": SHA, "title": "Speed up", "created_at": "2026-11-08T08:59:00Z"}],
        },
    )


# -- creating and editing notes ---------------------------------------------------------------------


def test_create_issue_note_returns_the_note_entity(fake: FakeGitLab) -> None:
    response = post_note(fake, "Thanks, looking into it.")
    assert response.status_code == 201
    note = response.json()
    assert note["body"] == "Thanks, looking into it."
    assert note["type"] is None and note["system"] is False
    assert note["author"]["username"] == "alice"
    assert (note["noteable_type"], note["noteable_iid"], note["project_id"]) == ("Issue", 3, PID)
    assert note["internal"] is False and note["confidential"] is False
    assert note["commands_changes"] == {} and note["resolvable"] is False
    assert "resolved" not in note
    assert note["created_at"] == note["updated_at"]
    assert note["id"] in {n["id"] for n in notes_of(fake)}
    assert issue(fake)["user_notes_count"] == 1


def test_create_note_with_python_gitlab(gl: gitlab.Gitlab) -> None:
    project = gl.projects.get(PID, lazy=True)
    note = project.issues.get(3, lazy=True).notes.create({"body": "from python-gitlab"})
    assert note.id and note.body == "from python-gitlab"
    mr_note = project.mergerequests.get(2, lazy=True).notes.create({"body": "LGTM"})
    assert mr_note.noteable_type == "MergeRequest" and mr_note.noteable_iid == 2
    assert [n.body for n in project.mergerequests.get(2).notes.list(get_all=True)] == ["LGTM"]


def test_update_note_with_put(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    created = post_note(fake, "first version").json()
    note = gl.projects.get(PID, lazy=True).issues.get(3, lazy=True).notes.get(created["id"])
    note.body = "second version"
    note.save()
    fetched = api(fake, "GET", f"/projects/{PID}/issues/3/notes/{created['id']}").json()
    assert fetched["body"] == "second version"
    assert fetched["updated_at"] >= created["updated_at"]
    raw = api(
        fake, "PUT", f"/projects/{PID}/issues/3/notes/{created['id']}", json={"body": "third"}
    )
    assert raw.status_code == 200 and raw.json()["body"] == "third"


def test_only_the_author_or_a_maintainer_edits_a_note(fake: FakeGitLab) -> None:
    created = post_note(fake, "alice wrote this").json()
    path = f"/projects/{PID}/issues/3/notes/{created['id']}"
    assert api(fake, "PUT", path, BOB, json={"body": "bob rewrote it"}).status_code == 403
    assert api(fake, "PUT", path, ALICE, json={"body": "alice again"}).status_code == 200
    bobs = post_note(fake, "bob's own", token=BOB).json()
    maintainer_edit = api(
        fake, "PUT", f"/projects/{PID}/issues/3/notes/{bobs['id']}", ALICE, json={"body": "edited"}
    )
    assert maintainer_edit.status_code == 200


def test_note_adds_a_commented_on_event(fake: FakeGitLab) -> None:
    note = post_note(fake, "an event, please").json()
    events = api(fake, "GET", f"/projects/{PID}/events", params={"action": "commented"}).json()
    newest = events[0]
    assert newest["action_name"] == "commented on"
    assert (newest["target_type"], newest["target_id"], newest["target_iid"]) == (
        "Note",
        note["id"],
        note["id"],
    )
    assert newest["note"]["body"] == "an event, please"
    assert newest["note"]["noteable_iid"] == 3
    assert newest["author_username"] == "alice"


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ({"json": {"body": "x", "internal": True}}, True),
        ({"json": {"body": "x", "internal": False}}, False),
        ({"json": {"body": "x", "confidential": True}}, True),
        ({"data": {"body": "x", "internal": "true"}}, True),
        ({"data": {"body": "x", "internal": "false"}}, False),
        ({"params": {"body": "x", "internal": "false"}}, False),
        ({"data": {"body": "x"}}, False),
    ],
)
def test_internal_flag_is_a_boolean_however_it_is_sent(
    fake: FakeGitLab, sent: dict[str, Any], expected: bool
) -> None:
    response = api(fake, "POST", f"/projects/{PID}/issues/3/notes", **sent)
    assert response.status_code == 201
    assert response.json()["internal"] is expected
    assert response.json()["confidential"] is expected


def test_internal_flag_that_is_not_a_boolean_is_400(fake: FakeGitLab) -> None:
    response = post_note(fake, "x", internal="maybe")
    assert response.status_code == 400
    assert response.json() == {"error": "internal is invalid"}


# -- body limits and emoji ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({}, "body is missing"),
        ({"body": ""}, "body is empty"),
        ({"body": "  \n\t "}, "body is empty"),
    ],
)
def test_missing_or_blank_body_is_400(
    fake: FakeGitLab, payload: dict[str, Any], error: str
) -> None:
    response = api(fake, "POST", f"/projects/{PID}/issues/3/notes", json=payload)
    assert response.status_code == 400
    assert response.json() == {"error": error}
    assert notes_of(fake) == []


def test_body_limit_is_one_million_characters(fake: FakeGitLab) -> None:
    assert post_note(fake, "x" * 1_000_000).status_code == 201
    response = post_note(fake, "x" * 1_000_001)
    assert response.status_code == 400
    assert "is too long (maximum is 1000000 characters)" in response.json()["message"]
    assert len(notes_of(fake)) == 1
    created = notes_of(fake)[0]
    edit = api(
        fake,
        "PUT",
        f"/projects/{PID}/issues/3/notes/{created['id']}",
        json={"body": "y" * 1_000_001},
    )
    assert edit.status_code == 400
    blank = api(fake, "PUT", f"/projects/{PID}/issues/3/notes/{created['id']}", json={"body": ""})
    assert blank.status_code == 400


def test_emoji_only_body_becomes_an_award(fake: FakeGitLab) -> None:
    response = post_note(fake, ":thumbsup:")
    assert response.status_code == 201
    award = response.json()
    assert award["name"] == "thumbsup" and award["user"]["username"] == "alice"
    assert award["awardable_type"] == "Issue"
    assert notes_of(fake) == []
    awards = api(fake, "GET", f"/projects/{PID}/issues/3/award_emoji").json()
    assert [(a["name"], a["user"]["username"]) for a in awards] == [("thumbsup", "alice")]
    assert issue(fake)["upvotes"] == 1
    assert post_note(fake, ":thumbsup: nice").json()["body"] == ":thumbsup: nice"


# -- ThrottledTouch ----------------------------------------------------------------------------------------


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


T0 = datetime(2026, 11, 20, 10, 0, 0, tzinfo=UTC)


@pytest.fixture
def timed(small_data: dict[str, Any]) -> Iterator[tuple[FakeGitLab, Clock]]:
    clock = Clock(T0)
    with FakeGitLab(copy.deepcopy(small_data), clock=clock) as fake:
        yield fake, clock


def test_a_note_bumps_updated_at_at_most_once_a_minute(timed: tuple[FakeGitLab, Clock]) -> None:
    fake, clock = timed
    assert issue(fake)["updated_at"] == "2026-11-06T12:00:00.000Z"
    post_note(fake, "first")  # the issue's last update is days old: touched
    assert issue(fake)["updated_at"] == "2026-11-20T10:00:00.000Z"
    clock.now = T0 + timedelta(seconds=30)
    note = post_note(fake, "second").json()
    assert note["created_at"] == "2026-11-20T10:00:30.000Z"
    assert issue(fake)["updated_at"] == "2026-11-20T10:00:00.000Z"  # within the minute
    clock.now = T0 + timedelta(seconds=60)
    post_note(fake, "third")
    assert issue(fake)["updated_at"] == "2026-11-20T10:00:00.000Z"  # not *more* than a minute
    clock.now = T0 + timedelta(seconds=61)
    post_note(fake, "fourth")
    assert issue(fake)["updated_at"] == "2026-11-20T10:01:01.000Z"
    # updated_after therefore misses the comment at 10:00:30.
    found = api(
        fake, "GET", f"/projects/{PID}/issues", params={"updated_after": "2026-11-20T10:00:30Z"}
    ).json()
    assert [i["iid"] for i in found] == [3]


def test_editing_a_note_touches_its_item_too(timed: tuple[FakeGitLab, Clock]) -> None:
    fake, clock = timed
    note = post_note(fake, "draft").json()
    path = f"/projects/{PID}/issues/3/notes/{note['id']}"
    clock.now = T0 + timedelta(seconds=20)
    api(fake, "PUT", path, json={"body": "draft 2"})
    assert issue(fake)["updated_at"] == "2026-11-20T10:00:00.000Z"
    clock.now = T0 + timedelta(minutes=5)
    edited = api(fake, "PUT", path, json={"body": "final"}).json()
    assert edited["updated_at"] == "2026-11-20T10:05:00.000Z"
    assert issue(fake)["updated_at"] == "2026-11-20T10:05:00.000Z"


# -- quick actions that run ---------------------------------------------------------------------------------


def test_close_and_reopen(fake: FakeGitLab) -> None:
    response = post_note(fake, "/close")
    assert response.status_code == 202
    assert response.json()["commands_changes"] == {"state_event": "close"}
    closed = issue(fake)
    assert closed["state"] == "closed" and closed["closed_by"]["username"] == "alice"
    assert closed["closed_at"] is not None
    response = post_note(fake, "/reopen")
    assert response.status_code == 202
    reopened = issue(fake)
    assert reopened["state"] == "opened" and reopened["closed_at"] is None
    assert [(a["command"], a["iid"], a["by"]) for a in admin_log(fake, "actions")] == [
        ("close", 3, "alice"),
        ("reopen", 3, "alice"),
    ]
    assert [n["body"] for n in notes_of(fake) if n["system"]] == ["reopened", "closed"]


def test_commands_only_body_returns_202_and_stores_no_note(fake: FakeGitLab) -> None:
    response = post_note(fake, '/label ~frontend ~"needs review"\n/assign @bob')
    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"commands_changes", "summary"}
    assert set(body["commands_changes"]) == {"add_label_ids", "assignee_ids"}
    # NoteCommands#summary is the execution messages joined into one string.
    assert len(body["summary"]) == 1
    assert "frontend" in body["summary"][0] and "@bob" in body["summary"][0]
    assert not [n for n in notes_of(fake) if not n["system"]]
    after = issue(fake)
    assert after["labels"] == ["frontend", "incident", "needs review"]
    assert [a["username"] for a in after["assignees"]] == ["bob"]
    assert [a["command"] for a in admin_log(fake, "actions")] == ["label", "assign"]


def test_python_gitlab_gets_an_object_without_id_for_commands_only(gl: gitlab.Gitlab) -> None:
    notes = gl.projects.get(PID, lazy=True).issues.get(3, lazy=True).notes
    result = notes.create({"body": "/label ~triaged"})
    assert getattr(result, "id", None) is None
    assert result.summary and "triaged" in result.summary[0]


def test_commands_and_text_keep_the_text(fake: FakeGitLab) -> None:
    response = post_note(fake, "Taking this one.\n/assign @me\n/label ~doing")
    assert response.status_code == 201
    note = response.json()
    assert note["body"] == "Taking this one."
    assert set(note["commands_changes"]) == {"assignee_ids", "add_label_ids"}
    assert [a["username"] for a in issue(fake)["assignees"]] == ["alice"]
    assert {a["note_id"] for a in admin_log(fake, "actions")} == {note["id"]}


def test_approve_command(fake: FakeGitLab) -> None:
    add_mergeable_mr(fake)
    response = post_note(fake, "/approve", where="merge_requests/10")
    assert response.status_code == 202
    approvals = api(fake, "GET", f"/projects/{PID}/merge_requests/10/approvals").json()
    assert [a["user"]["username"] for a in approvals["approved_by"]] == ["alice"]
    events = api(fake, "GET", f"/projects/{PID}/events", params={"action": "approved"}).json()
    assert (events[0]["target_iid"], events[0]["author_username"]) == (10, "alice")
    assert admin_log(fake, "actions")[-1]["command"] == "approve"
    # Approving twice does not apply: the second command is not executed.
    again = post_note(fake, "/approve", where="merge_requests/10")
    assert again.status_code == 202
    assert again.json()["summary"] == ["Could not apply approve command."]
    assert len(admin_log(fake, "actions")) == 1


def test_merge_needs_the_diff_head_sha(fake: FakeGitLab) -> None:
    add_mergeable_mr(fake)
    where = "merge_requests/10"
    refused = post_note(fake, "/merge", where=where)
    assert refused.status_code == 202
    mr = api(fake, "GET", f"/projects/{PID}/{where}").json()
    assert mr["state"] == "opened"
    stale = post_note(fake, "/merge", where=where, merge_request_diff_head_sha="f" * 40)
    assert stale.status_code == 202
    assert api(fake, "GET", f"/projects/{PID}/{where}").json()["state"] == "opened"
    merged = post_note(fake, "/merge", where=where, merge_request_diff_head_sha=SHA)
    assert merged.status_code == 202
    mr = api(fake, "GET", f"/projects/{PID}/{where}").json()
    assert mr["state"] == "merged" and mr["merge_user"]["username"] == "alice"
    assert mr["merged_at"] is not None
    events = api(fake, "GET", f"/projects/{PID}/events", params={"action": "merged"}).json()
    assert events[0]["action_name"] == "accepted" and events[0]["target_iid"] == 10
    assert "merge" in [a["command"] for a in admin_log(fake, "actions")]


def test_merging_into_the_default_branch_closes_the_issues_it_says_it_closes(
    fake: FakeGitLab,
) -> None:
    add_mergeable_mr(fake)
    fake.mutate.update_item(
        PID,
        "merge_requests",
        10,
        {"description": "Fixes #2 and #3, relates to #1", "target_branch": "main"},
        datetime(2026, 11, 8, 10, tzinfo=UTC),
    )
    assert issue(fake, 3)["merge_requests_count"] == 1
    assert issue(fake, 1)["merge_requests_count"] == 1  # MR 1 says "Closes #1"
    merged = post_note(fake, "/merge", where="merge_requests/10", merge_request_diff_head_sha=SHA)
    assert merged.status_code == 202
    closed = issue(fake, 3)
    assert closed["state"] == "closed" and closed["closed_by"]["username"] == "alice"
    assert issue(fake, 2)["state"] == "closed"
    assert "closed via merge request !10" in [n["body"] for n in notes_of(fake, "issues/3")]
    reopened_elsewhere = api(fake, "GET", f"/projects/{PID}/issues/1").json()
    assert reopened_elsewhere["state"] == "closed"  # it was already closed; untouched
    assert reopened_elsewhere["closed_at"] == "2026-11-03T10:00:00.000Z"


def test_merging_into_another_branch_closes_nothing(fake: FakeGitLab) -> None:
    add_mergeable_mr(fake)
    fake.mutate.update_item(
        PID,
        "merge_requests",
        10,
        {"description": "Closes #3", "target_branch": "release-1"},
        datetime(2026, 11, 8, 10, tzinfo=UTC),
    )
    post_note(fake, "/merge", where="merge_requests/10", merge_request_diff_head_sha=SHA)
    assert issue(fake, 3)["state"] == "opened"


def test_editing_a_note_runs_its_quick_actions(fake: FakeGitLab) -> None:
    note = post_note(fake, "Working on it").json()
    path = f"/projects/{PID}/issues/3/notes/{note['id']}"
    edited = api(fake, "PUT", path, json={"body": "Working on it\n/label ~wip"})
    assert edited.status_code == 200
    assert edited.json()["body"] == "Working on it"
    assert "wip" in issue(fake)["labels"]
    assert admin_log(fake, "actions")[-1]["note_id"] == note["id"]


def test_an_edit_that_becomes_commands_only_deletes_the_note(fake: FakeGitLab) -> None:
    note = post_note(fake, "Will close later").json()
    path = f"/projects/{PID}/issues/3/notes/{note['id']}"
    edited = api(fake, "PUT", path, json={"body": "/close"})
    assert edited.status_code == 202
    assert edited.json()["commands_changes"] == {"state_event": "close"}
    assert api(fake, "GET", path).status_code == 404
    assert note["id"] not in {n["id"] for n in notes_of(fake)}
    assert issue(fake)["state"] == "closed"


# -- quick actions that do not run -------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "```\n/close\n```",
        "~~~\n/close\n/label ~x\n~~~",
        "Run `/close` when done.",
        "`\n/close\n`",
        "> /close",
        "> quoted\n> /close",
        ">>>\n/close\n>>>",
        "<div>\n/close\n</div>",
        "    /close",
        "Please do not /close this yet.",
        " text /label ~x",
        "/closed is not a command",
        "\\/close",
    ],
    ids=[
        "fenced",
        "tilde-fence",
        "inline-code",
        "code-span-across-lines",
        "blockquote",
        "blockquote-2nd-line",
        "multiline-blockquote",
        "html-block",
        "indented-code",
        "mid-line",
        "mid-line-2",
        "not-a-command",
        "escaped-slash",
    ],
)
def test_commands_outside_paragraph_line_starts_do_not_run(fake: FakeGitLab, body: str) -> None:
    response = post_note(fake, body)
    assert response.status_code == 201
    assert response.json()["body"] == body
    assert response.json()["commands_changes"] == {}
    assert admin_log(fake, "actions") == []
    after = issue(fake)
    assert after["state"] == "opened" and after["labels"] == ["incident"]


def test_a_guests_command_on_someone_elses_issue_does_nothing(fake: FakeGitLab) -> None:
    # GitLab extracts every known command, then runs only the available ones: the guest's
    # /close is taken out of the note but not executed.
    response = post_note(fake, "/close", token=GINA)
    assert response.status_code == 202
    assert response.json() == {
        "commands_changes": {},
        "summary": ["Could not apply close command."],
    }
    with_text = post_note(fake, "I think this is fixed\n/close\n/label ~fixed", token=GINA)
    assert with_text.status_code == 201
    assert with_text.json()["body"] == "I think this is fixed"
    after = issue(fake)
    assert after["state"] == "opened" and after["labels"] == ["incident"]
    assert admin_log(fake, "actions") == []


def test_an_outsiders_command_on_an_internal_project_does_nothing(fake: FakeGitLab) -> None:
    response = api(
        fake, "POST", "/projects/101/issues/1/notes", OUTSIDER, json={"body": "+1\n/close"}
    )
    assert response.status_code == 201 and response.json()["body"] == "+1"
    assert issue(fake, 1, 101)["state"] == "opened"
    assert admin_log(fake, "actions") == []


def test_commands_that_do_not_apply_are_removed_but_not_run(fake: FakeGitLab) -> None:
    response = post_note(fake, "/reopen", where="issues/3")  # issue 3 is open already
    assert response.status_code == 202
    assert response.json()["summary"] == ["Could not apply reopen command."]
    assert admin_log(fake, "actions") == []
    assert [n for n in notes_of(fake) if n["system"]] == []


# -- mentions, references, notifications ------------------------------------------------------------------


def mentions(fake: FakeGitLab) -> list[tuple[str, list[str]]]:
    return [
        (n["text"], n["users"]) for n in admin_log(fake, "notifications") if n["kind"] == "mention"
    ]


def cross_references(fake: FakeGitLab) -> list[str]:
    return [n["target"] for n in admin_log(fake, "notifications") if n["kind"] == "cross_reference"]


def test_mentions_notify_users(fake: FakeGitLab) -> None:
    post_note(fake, "@bob could you look? cc @gina")
    assert mentions(fake) == [("@bob", ["bob"]), ("@gina", ["gina"])]
    (first, _) = admin_log(fake, "notifications")
    assert (first["project"], first["noteable_type"], first["iid"], first["by"]) == (
        "acme/backend",
        "Issue",
        3,
        "alice",
    )


def test_all_notifies_every_member_but_the_author(fake: FakeGitLab) -> None:
    post_note(fake, "Heads up @all")
    assert mentions(fake) == [("@all", ["bob", "renovate-bot", "gina"])]


def test_group_mention_notifies_its_members(fake: FakeGitLab) -> None:
    post_note(fake, "@acme please review", token=GINA)
    assert mentions(fake) == [("@acme", ["alice", "bob"])]


@pytest.mark.parametrize(
    "body",
    [
        "@nobody-here hello",
        "\\@bob hello",
        "`@bob` hello",
        "[@bob](https://example.com/bob) hello",
        "```\n@bob\n```",
        "email bob@example.com",
        "@alice myself",
        "@outsider cannot read this project",
    ],
)
def test_mentions_that_notify_nobody(fake: FakeGitLab, body: str) -> None:
    assert post_note(fake, body).status_code == 201
    assert mentions(fake) == []


def test_mentions_in_blockquotes_do_notify(fake: FakeGitLab) -> None:
    post_note(fake, "> @bob said this was fine\n\nI disagree.")
    assert mentions(fake) == [("@bob", ["bob"])]


def test_an_edit_notifies_only_new_mentions(fake: FakeGitLab) -> None:
    note = post_note(fake, "@bob please look").json()
    path = f"/projects/{PID}/issues/3/notes/{note['id']}"
    api(fake, "PUT", path, json={"body": "@bob please look, and @gina too"})
    assert mentions(fake) == [("@bob", ["bob"]), ("@gina", ["gina"])]
    api(fake, "PUT", path, json={"body": "@bob @gina (typo fixed)"})
    assert len(mentions(fake)) == 2


def test_internal_notes_notify_only_reporters_and_up(fake: FakeGitLab) -> None:
    post_note(fake, "Internal: @gina and @bob", internal=True)
    assert mentions(fake) == [("@bob", ["bob"])]


def test_guests_are_not_notified_about_private_merge_requests(fake: FakeGitLab) -> None:
    post_note(fake, "@gina @bob see this", where="merge_requests/2")
    assert mentions(fake) == [("@bob", ["bob"])]


def test_cross_references_leave_mentioned_in_notes(fake: FakeGitLab) -> None:
    post_note(fake, "Related to #1, !1 and acme/platform/infra#1; not #99.")
    assert cross_references(fake) == ["acme/backend#1", "acme/backend!1", "acme/platform/infra#1"]
    assert [n["body"] for n in notes_of(fake, "issues/1") if n["system"]] == [
        "mentioned in issue #3"
    ]
    assert next(n["body"] for n in notes_of(fake, "merge_requests/1") if n["system"]) == (
        "mentioned in issue #3"
    )
    infra = notes_of(fake, "issues/1", project=101)
    assert [n["body"] for n in infra if n["system"]] == ["mentioned in issue acme/backend#3"]
    assert {n["author"]["username"] for n in infra if n["system"]} == {"alice"}


def test_a_second_reference_adds_no_second_mentioned_in_note(fake: FakeGitLab) -> None:
    post_note(fake, "See #1")
    post_note(fake, "Again: #1")
    mentioned = [n for n in notes_of(fake, "issues/1") if n["system"]]
    assert [n["body"] for n in mentioned] == ["mentioned in issue #3"]


def test_an_edit_cross_references_only_new_items(fake: FakeGitLab) -> None:
    note = post_note(fake, "See #1").json()
    api(fake, "PUT", f"/projects/{PID}/issues/3/notes/{note['id']}", json={"body": "See #1 and !1"})
    assert cross_references(fake) == ["acme/backend#1", "acme/backend!1"]


def test_references_to_items_the_author_cannot_read_do_nothing(fake: FakeGitLab) -> None:
    before = notes_of(fake, "issues/1")
    response = api(
        fake,
        "POST",
        "/projects/101/issues/1/notes",
        OUTSIDER,
        json={"body": "Same as acme/backend#1 and acme/backend!1"},
    )
    assert response.status_code == 201
    assert notes_of(fake, "issues/1") == before
    assert cross_references(fake) == []


def test_references_in_code_do_nothing(fake: FakeGitLab) -> None:
    post_note(fake, "`#1` and\n\n```\n!1\n```\n\n[#1](https://example.com)")
    assert cross_references(fake) == []
    assert not [n for n in notes_of(fake, "issues/1") if n["system"]]
