"""List filters, ordering and scopes of the offline GitLab, checked over HTTP.

Each expectation is GitLab's (FACTS.md A.2, A.4, A.7–A.10, C.1): ``updated_after`` and
``updated_before`` are inclusive, events take dates and exclude the named day, ``target_type=note``
matches plain notes only, child pipelines are hidden unless asked for, issuables break ties by id.
The server is shared by the module because no test here writes.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import gitlab
import pytest
import requests

from bot.fakelab.entities import MR_SIMPLE
from bot.fakelab.server import FakeGitLab
from tests.conftest import ALICE, BOB, SMALL, client

BACKEND = "acme/backend"
PID = 100


def _dataset() -> dict[str, Any]:
    """small.json plus items built for ties, boundaries and every filter key."""
    data: dict[str, Any] = json.loads(SMALL.read_text())
    backend = data["projects"][0]
    backend["merge_requests"] += [
        {
            # Shares created_at and updated_at with !5, but has the higher id.
            "merge_request": {
                "id": 60,
                "iid": 4,
                "title": "Beta change",
                "author": {"id": 3},
                "assignees": [{"id": 2}],
                "reviewers": [{"id": 4}],
                "created_at": "2026-11-10T10:00:00Z",
                "updated_at": "2026-11-12T10:00:00Z",
                "labels": ["backend"],
            }
        },
        {
            "merge_request": {
                "id": 50,
                "iid": 5,
                "title": "Alpha change",
                "author": {"id": 3},
                "assignees": [{"id": 3}],
                "created_at": "2026-11-10T10:00:00Z",
                "updated_at": "2026-11-12T10:00:00Z",
                "labels": ["frontend"],
            }
        },
        {
            # Same title as !5, higher id; an updated_at with milliseconds and an offset.
            "merge_request": {
                "id": 70,
                "iid": 6,
                "title": "Alpha change",
                "author": {"id": 2},
                "created_at": "2026-11-11T10:00:00Z",
                "updated_at": "2026-11-11T13:00:00.500+01:00",
                "labels": ["frontend", "backend"],
            }
        },
    ]
    backend["issues"].append(
        {
            "issue": {
                "iid": 4,
                "title": "Flaky test",
                "author": {"id": 2},
                "assignees": [{"id": 3}],
                "created_at": "2026-11-07T09:00:00Z",
                "labels": ["bug", "ci"],
            },
            "notes": [
                {
                    "id": 701,
                    "body": "first",
                    "author": {"id": 2},
                    "created_at": "2026-11-07T10:00:00Z",
                    "updated_at": "2026-11-07T12:00:00Z",
                },
                {
                    "id": 702,
                    "body": "added ~ci label",
                    "author": {"id": 2},
                    "created_at": "2026-11-07T10:30:00Z",
                    "system": True,
                },
                {
                    "id": 703,
                    "body": "second",
                    "author": {"id": 3},
                    "created_at": "2026-11-07T11:00:00Z",
                },
                {
                    "id": 704,
                    "body": "third",
                    "author": {"id": 2},
                    "created_at": "2026-11-07T11:00:00Z",
                },
            ],
        }
    )
    # An issue created exactly at midnight, for the events' day boundaries.
    backend["issues"].append(
        {
            "issue": {
                "iid": 5,
                "title": "Midnight",
                "author": {"id": 3},
                "created_at": "2026-11-08T00:00:00Z",
            }
        }
    )
    backend["pipelines"] += [
        {
            "id": 902,
            "status": "success",
            "ref": "1-change",
            "sha": "1111111111111111111111111111111111111111",
            "created_at": "2026-11-02T08:57:00Z",
            "updated_at": "2026-11-02T09:05:00Z",
            "source": "parent_pipeline",
            "user": {"id": 2},
        },
        {
            "id": 903,
            "status": "running",
            "ref": "main",
            "sha": "2222222222222222222222222222222222222222",
            "created_at": "2026-11-05T09:00:00Z",
            "updated_at": "2026-11-05T10:00:00Z",
            "source": "push",
            "user": {"id": 3},
        },
    ]
    return data


@pytest.fixture(scope="module")
def server() -> Iterator[FakeGitLab]:
    with FakeGitLab(copy.deepcopy(_dataset())) as fake:
        yield fake


def _get(fake: FakeGitLab, path: str, token: str = ALICE, **params: Any) -> Any:
    response = requests.get(
        f"{fake.url}/api/v4{path}", headers={"PRIVATE-TOKEN": token}, params=params, timeout=10
    )
    assert response.status_code == 200, (response.status_code, response.text)
    return response.json()


def _status(fake: FakeGitLab, path: str, **params: Any) -> int:
    response = requests.get(
        f"{fake.url}/api/v4{path}", headers={"PRIVATE-TOKEN": ALICE}, params=params, timeout=10
    )
    return response.status_code


def mr_iids(
    fake: FakeGitLab, path: str = f"/projects/{PID}/merge_requests", **params: Any
) -> list[int]:
    params.setdefault("state", "all")
    return [mr["iid"] for mr in _get(fake, path, **params)]


def issue_iids(fake: FakeGitLab, **params: Any) -> list[int]:
    return [i["iid"] for i in _get(fake, f"/projects/{PID}/issues", **params)]


# -- merge requests: state and time windows -----------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("opened", {2, 4, 5, 6}),
        ("merged", {1}),
        ("closed", {3}),
        ("locked", set()),
        ("all", {1, 2, 3, 4, 5, 6}),
    ],
)
def test_mr_state(server: FakeGitLab, state: str, expected: set[int]) -> None:
    assert set(mr_iids(server, state=state)) == expected


def test_mr_default_state_is_all_and_bad_state_is_400(server: FakeGitLab) -> None:
    assert set(mr_iids(server, state="")) == {1, 2, 3, 4, 5, 6}
    assert _status(server, f"/projects/{PID}/merge_requests", state="open") == 400


def test_mr_updated_after_is_inclusive_at_the_exact_timestamp(server: FakeGitLab) -> None:
    # !4 and !5 were updated at exactly 2026-11-12T10:00:00Z.
    assert set(mr_iids(server, updated_after="2026-11-12T10:00:00Z")) == {4, 5}
    assert set(mr_iids(server, updated_after="2026-11-12T10:00:00.000Z")) == {4, 5}
    assert set(mr_iids(server, updated_after="2026-11-12T10:00:00.001Z")) == set()
    # The same instant written with an offset.
    assert set(mr_iids(server, updated_after="2026-11-12T11:00:00+01:00")) == {4, 5}


def test_mr_updated_before_is_inclusive_at_the_exact_timestamp(server: FakeGitLab) -> None:
    # !6 was updated at 2026-11-11T12:00:00.500Z (given as 13:00:00.500+01:00).
    assert 6 in mr_iids(server, updated_before="2026-11-11T12:00:00.500Z")
    assert 6 not in mr_iids(server, updated_before="2026-11-11T12:00:00.499Z")
    assert set(mr_iids(server, updated_before="2026-11-11T12:00:00.500Z")) == {1, 2, 3, 6}


def test_mr_updated_window_on_one_instant_and_crossed_bounds(server: FakeGitLab) -> None:
    instant = "2026-11-03T10:00:00Z"  # !1's updated_at
    assert mr_iids(server, updated_after=instant, updated_before=instant) == [1]
    assert (
        mr_iids(server, updated_after="2026-11-12T10:00:00Z", updated_before="2026-11-01T00:00:00Z")
        == []
    )


def test_mr_bad_time_is_400(server: FakeGitLab) -> None:
    assert _status(server, f"/projects/{PID}/merge_requests", updated_after="yesterday") == 400


def test_mr_created_after_and_before_are_inclusive(server: FakeGitLab) -> None:
    assert set(mr_iids(server, created_after="2026-11-10T10:00:00Z")) == {4, 5, 6}
    assert set(mr_iids(server, created_before="2026-11-02T09:00:00Z")) == {1, 3}
    assert set(
        mr_iids(server, created_after="2026-11-02T09:00:00Z", created_before="2026-11-04T08:00:00Z")
    ) == {1, 2}
    assert (
        mr_iids(server, created_after="2026-11-05T00:00:00Z", created_before="2026-11-04T00:00:00Z")
        == []
    )


# -- merge requests: ordering -----------------------------------------------------------------------


def test_mr_default_order_is_created_at_desc(server: FakeGitLab) -> None:
    # !4 and !5 tie on created_at; !4 has the higher id (60 > 50).
    assert mr_iids(server) == [6, 4, 5, 2, 1, 3]


@pytest.mark.parametrize(
    ("order_by", "sort", "expected"),
    [
        ("created_at", "desc", [6, 4, 5, 2, 1, 3]),
        ("updated_at", "desc", [4, 5, 6, 2, 1, 3]),
        ("updated_at", "asc", [3, 1, 2, 6]),  # then the tie, checked separately
        ("created_at", "asc", [3, 1, 2]),
        ("title", "asc", [1]),  # "Add retry…" first
        ("title", "desc", [3, 2, 4]),  # "Old…", "Draft…", "Beta…"
    ],
)
def test_mr_order_by_and_sort(
    server: FakeGitLab, order_by: str, sort: str, expected: list[int]
) -> None:
    got = mr_iids(server, order_by=order_by, sort=sort)
    assert got[: len(expected)] == expected
    assert sorted(got) == [1, 2, 3, 4, 5, 6]


def test_mr_ties_break_by_id_when_sorting_descending(server: FakeGitLab) -> None:
    assert mr_iids(server, order_by="created_at", sort="desc")[1:3] == [4, 5]
    assert mr_iids(server, order_by="updated_at", sort="desc")[:2] == [4, 5]
    # Title tie between !5 (id 50) and !6 (id 70).
    assert mr_iids(server, order_by="title", sort="desc")[-3:] == [6, 5, 1]


def test_mr_ties_break_by_id_desc_when_sorting_ascending(server: FakeGitLab) -> None:
    # Issuable.sort_by_attribute ends with with_order_id_desc, whatever the direction.
    assert mr_iids(server, order_by="created_at", sort="asc")[-3:-1] == [4, 5]
    assert mr_iids(server, order_by="title", sort="asc")[1:3] == [6, 5]


def test_mr_bad_order_or_sort_is_400(server: FakeGitLab) -> None:
    assert _status(server, f"/projects/{PID}/merge_requests", order_by="author") == 400
    assert _status(server, f"/projects/{PID}/merge_requests", sort="up") == 400


# -- merge requests: people, labels, iids, draft -------------------------------------------------------------


def test_mr_author_filters(server: FakeGitLab) -> None:
    assert set(mr_iids(server, author_id=3)) == {4, 5}
    assert set(mr_iids(server, author_username="bob")) == {4, 5}
    assert set(mr_iids(server, author_username="alice")) == {1, 6}
    assert mr_iids(server, author_username="nobody-by-that-name") == []
    assert mr_iids(server, author_id=999) == []


def test_mr_reviewer_and_assignee_filters(server: FakeGitLab) -> None:
    assert set(mr_iids(server, reviewer_id=3)) == {1}
    assert set(mr_iids(server, reviewer_id=4)) == {4}
    assert set(mr_iids(server, reviewer_username="carol")) == {4}
    assert set(mr_iids(server, assignee_id=2)) == {4}
    assert set(mr_iids(server, assignee_id=3)) == {5}
    assert mr_iids(server, assignee_id=4) == []


def test_mr_assignee_and_reviewer_none_and_any(server: FakeGitLab) -> None:
    assert set(mr_iids(server, assignee_id="None")) == {1, 2, 3, 6}
    assert set(mr_iids(server, assignee_id="Any")) == {4, 5}
    assert set(mr_iids(server, reviewer_id="Any")) == {1, 4}


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ("backend", {1, 4, 6}),
        ("frontend", {5, 6}),
        ("backend,frontend", {6}),  # every label must match
        ("feature,backend", {1}),
        ("None", {2, 3}),
        ("Any", {1, 4, 5, 6}),
        ("nosuchlabel", set()),
    ],
)
def test_mr_labels(server: FakeGitLab, labels: str, expected: set[int]) -> None:
    assert set(mr_iids(server, labels=labels)) == expected


def test_mr_labels_in_payload_are_sorted_titles(server: FakeGitLab) -> None:
    six = _get(server, f"/projects/{PID}/merge_requests/6")
    assert six["labels"] == ["backend", "frontend"]


def test_mr_iids_array(server: FakeGitLab) -> None:
    gl = client(server)
    project = gl.projects.get(PID, lazy=True)
    got = project.mergerequests.list(iids=[1, 5], state="all", get_all=True)
    assert sorted(mr.iid for mr in got) == [1, 5]
    sent = [r for r in server.requests() if r["path"].endswith("/merge_requests")][-1]
    assert "iids%5B%5D=1" in sent["query"] and "iids%5B%5D=5" in sent["query"]


def test_mr_wip(server: FakeGitLab) -> None:
    assert mr_iids(server, wip="yes") == [2]
    assert set(mr_iids(server, wip="no")) == {1, 3, 4, 5, 6}


def test_mr_view_simple_has_only_simple_fields(server: FakeGitLab) -> None:
    rows = _get(server, f"/projects/{PID}/merge_requests", view="simple", state="all")
    assert len(rows) == 6
    for row in rows:
        assert set(row) == set(MR_SIMPLE)
        assert set(row) == {
            "id",
            "iid",
            "project_id",
            "title",
            "description",
            "state",
            "created_at",
            "updated_at",
            "web_url",
        }
    full = _get(server, f"/projects/{PID}/merge_requests", state="all")
    assert "author" in full[0] and "labels" in full[0]


# -- merge requests: scope --------------------------------------------------------------------------


def test_instance_mrs_default_to_created_by_me(server: FakeGitLab) -> None:
    assert set(mr_iids(server, "/merge_requests")) == {1, 6}
    assert set(mr_iids(server, "/merge_requests", token=BOB)) == {4, 5}


def test_mr_scopes(server: FakeGitLab) -> None:
    assert set(mr_iids(server, "/merge_requests", scope="all")) == {1, 2, 3, 4, 5, 6}
    assert set(mr_iids(server, "/merge_requests", scope="created_by_me")) == {1, 6}
    assert set(mr_iids(server, "/merge_requests", scope="assigned_to_me")) == {4}
    assert set(mr_iids(server, "/merge_requests", scope="assigned_to_me", token=BOB)) == {5}
    # On a project list the scope defaults to all, and may be narrowed.
    assert set(mr_iids(server, scope="created_by_me")) == {1, 6}
    assert _status(server, "/merge_requests", scope="mine") == 400


def test_mr_scope_with_python_gitlab(server: FakeGitLab) -> None:
    gl = client(server)
    mine = gl.mergerequests.list(state="all", get_all=True)
    assert sorted(mr.iid for mr in mine) == [1, 6]
    everything = gl.mergerequests.list(state="all", scope="all", get_all=True)
    assert len(everything) == 6


# -- issues ----------------------------------------------------------------------------------------------


def test_issue_type_incident(server: FakeGitLab) -> None:
    rows = _get(server, f"/projects/{PID}/issues", issue_type="incident")
    assert [i["iid"] for i in rows] == [3]
    assert rows[0]["issue_type"] == "incident" and rows[0]["type"] == "INCIDENT"
    assert set(issue_iids(server, issue_type="issue")) == {1, 2, 4, 5}


def test_issue_confidential(server: FakeGitLab) -> None:
    assert issue_iids(server, confidential="true") == [2]
    assert set(issue_iids(server, confidential="false")) == {1, 3, 4, 5}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"labels": "bug"}, {1, 4}),
        ({"labels": "bug,ci"}, {4}),
        ({"labels": "None"}, {5}),
        ({"state": "closed"}, {1}),
        ({"state": "opened"}, {2, 3, 4, 5}),
        ({"state": "all"}, {1, 2, 3, 4, 5}),
        ({"state": "opened", "labels": "bug"}, {4}),
        ({"assignee_id": 3}, {4}),
        ({"author_username": "bob"}, {2, 5}),
        ({"updated_after": "2026-11-07T09:00:00Z"}, {4, 5}),
        ({"created_before": "2026-10-30T12:00:00Z"}, {1}),
    ],
)
def test_issue_filters(server: FakeGitLab, params: dict[str, Any], expected: set[int]) -> None:
    assert set(issue_iids(server, **params)) == expected


def test_issue_bad_state_is_400(server: FakeGitLab) -> None:
    assert _status(server, f"/projects/{PID}/issues", state="merged") == 400


def test_instance_issues_default_to_created_by_me(server: FakeGitLab) -> None:
    assert {i["iid"] for i in _get(server, "/issues")} == {3, 4}
    assert {i["iid"] for i in _get(server, "/issues", scope="all")} >= {1, 2, 3, 4, 5}


# -- notes ------------------------------------------------------------------------------------------------


def note_ids(fake: FakeGitLab, **params: Any) -> list[int]:
    return [n["id"] for n in _get(fake, f"/projects/{PID}/issues/4/notes", **params)]


def test_notes_default_order_is_created_at_desc_with_id_tie_break(server: FakeGitLab) -> None:
    assert note_ids(server) == [704, 703, 702, 701]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"sort": "asc"}, [701, 702, 703, 704]),
        ({"sort": "desc"}, [704, 703, 702, 701]),
        ({"order_by": "created_at", "sort": "asc"}, [701, 702, 703, 704]),
        ({"order_by": "updated_at", "sort": "asc"}, [702, 703, 704, 701]),
        ({"order_by": "updated_at", "sort": "desc"}, [701, 704, 703, 702]),
        ({"activity_filter": "only_comments", "sort": "asc"}, [701, 703, 704]),
        ({"activity_filter": "only_activity"}, [702]),
        ({"activity_filter": "all_notes", "sort": "asc"}, [701, 702, 703, 704]),
    ],
)
def test_notes_sort_order_and_activity(
    server: FakeGitLab, params: dict[str, Any], expected: list[int]
) -> None:
    assert note_ids(server, **params) == expected


def test_notes_created_at_order_is_really_id_order(server: FakeGitLab) -> None:
    """``order_options_with_tie_breaker`` sorts "created_at" by id; a back-dated note (an
    import, or an admin's ``created_at``) therefore still lists by when it was stored."""
    late = server.mutate.add_note(
        PID,
        "issues",
        4,
        {"body": "Back-dated", "author": {"id": 2}, "created_at": "2020-01-01T00:00:00Z"},
        touch=False,
    )
    try:
        assert note_ids(server, order_by="created_at", sort="asc")[-1] == late
        assert note_ids(server, order_by="updated_at", sort="asc")[0] == late
    finally:
        server.mutate.delete_note(late, datetime(2026, 1, 1, tzinfo=UTC), touch=False)


def test_notes_bad_parameters_are_400(server: FakeGitLab) -> None:
    path = f"/projects/{PID}/issues/4/notes"
    assert _status(server, path, order_by="id") == 400
    assert _status(server, path, activity_filter="everything") == 400


def test_notes_with_python_gitlab(server: FakeGitLab) -> None:
    issue = client(server).projects.get(PID, lazy=True).issues.get(4, lazy=True)
    notes = issue.notes.list(sort="asc", order_by="updated_at", get_all=True)
    assert [n.id for n in notes] == [702, 703, 704, 701]


# -- pipelines ------------------------------------------------------------------------------------------------


def pipeline_ids(fake: FakeGitLab, **params: Any) -> list[int]:
    return [p["id"] for p in _get(fake, f"/projects/{PID}/pipelines", **params)]


def test_pipelines_hide_child_pipelines_by_default(server: FakeGitLab) -> None:
    assert pipeline_ids(server) == [903, 901, 900]
    assert pipeline_ids(server, source="parent_pipeline") == [902]
    assert pipeline_ids(server, source="push") == [903]


def test_pipelines_updated_after_is_inclusive(server: FakeGitLab) -> None:
    assert pipeline_ids(server, updated_after="2026-11-02T09:10:00Z") == [903, 901]
    assert pipeline_ids(server, updated_after="2026-11-02T09:10:00.001Z") == [903]
    assert pipeline_ids(server, updated_before="2026-11-02T09:10:00Z") == [901, 900]
    assert (
        pipeline_ids(
            server, updated_after="2026-11-05T10:00:00Z", updated_before="2026-11-01T00:00:00Z"
        )
        == []
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "failed"}, [900]),
        ({"status": "success"}, [901]),
        ({"status": "running"}, [903]),
        ({"ref": "main"}, [903]),
        ({"ref": "1-change"}, [901, 900]),
        ({"username": "alice"}, [901, 900]),
        ({"username": "bob"}, [903]),
        ({"username": "nobody-at-all"}, []),
        ({"sort": "asc"}, [900, 901, 903]),
        ({"order_by": "updated_at", "sort": "asc"}, [900, 901, 903]),
        ({"scope": "finished"}, [901, 900]),
    ],
)
def test_pipeline_filters(server: FakeGitLab, params: dict[str, Any], expected: list[int]) -> None:
    assert pipeline_ids(server, **params) == expected


def test_pipeline_bad_status_is_400(server: FakeGitLab) -> None:
    assert _status(server, f"/projects/{PID}/pipelines", status="green") == 400


# -- events -------------------------------------------------------------------------------------------------


def events(fake: FakeGitLab, **params: Any) -> list[dict[str, Any]]:
    params.setdefault("per_page", 100)
    return list(_get(fake, f"/projects/{PID}/events", **params))


@pytest.mark.parametrize(
    ("action", "names"),
    [
        ("created", {"opened"}),
        ("commented", {"commented on"}),
        ("merged", {"accepted"}),
        ("approved", {"approved"}),
        ("closed", {"closed"}),
        ("pushed", {"pushed to"}),
    ],
)
def test_events_action_filter(server: FakeGitLab, action: str, names: set[str]) -> None:
    rows = events(server, action=action)
    assert rows, action
    assert {e["action_name"] for e in rows} == names


def test_events_merged_is_accepted_on_the_merge_request(server: FakeGitLab) -> None:
    (merged,) = events(server, action="merged")
    assert merged["action_name"] == "accepted"
    assert (merged["target_type"], merged["target_iid"]) == ("MergeRequest", 1)
    assert merged["author"]["username"] == "bob"


def test_events_bad_action_is_400(server: FakeGitLab) -> None:
    assert _status(server, f"/projects/{PID}/events", action="opened") == 400
    assert _status(server, f"/projects/{PID}/events", target_type="notes") == 400


def test_events_target_type_note_matches_only_plain_notes(server: FakeGitLab) -> None:
    commented = events(server, action="commented")
    assert {e["target_type"] for e in commented} == {"Note", "DiffNote"}
    plain = events(server, target_type="note")
    assert plain and {e["target_type"] for e in plain} == {"Note"}
    assert {e["target_id"] for e in plain} == {
        e["target_id"] for e in commented if e["target_type"] == "Note"
    }
    # A comment event's target_iid is the note id, and it embeds the note.
    for event in plain:
        assert event["target_iid"] == event["target_id"] == event["note"]["id"]


@pytest.mark.parametrize(
    ("target_type", "kind"), [("merge_request", "MergeRequest"), ("issue", "Issue")]
)
def test_events_target_type_issuables(server: FakeGitLab, target_type: str, kind: str) -> None:
    rows = events(server, target_type=target_type)
    assert rows and {e["target_type"] for e in rows} == {kind}


def test_events_after_excludes_the_whole_named_day(server: FakeGitLab) -> None:
    days = {e["created_at"][:10] for e in events(server, after="2026-11-02")}
    assert "2026-11-02" not in days and "2026-11-03" in days
    # A time part is dropped: GitLab reads the parameter as a Date.
    assert events(server, after="2026-11-02T23:59:59Z") == events(server, after="2026-11-02")
    # The midnight issue (2026-11-08T00:00:00Z) belongs to the 8th.
    midnight = [e for e in events(server, after="2026-11-07") if e["target_title"] == "Midnight"]
    assert len(midnight) == 1
    assert not [e for e in events(server, after="2026-11-08") if e["target_title"] == "Midnight"]


def test_events_before_excludes_the_whole_named_day(server: FakeGitLab) -> None:
    days = {e["created_at"][:10] for e in events(server, before="2026-11-03")}
    assert "2026-11-03" not in days and "2026-11-02" in days
    assert not [e for e in events(server, before="2026-11-08") if e["target_title"] == "Midnight"]
    assert [e for e in events(server, before="2026-11-09") if e["target_title"] == "Midnight"]


def test_events_of_one_day(server: FakeGitLab) -> None:
    rows = events(server, after="2026-11-02", before="2026-11-04")
    assert rows and {e["created_at"][:10] for e in rows} == {"2026-11-03"}
    assert {e["action_name"] for e in rows} == {"approved", "commented on", "accepted", "closed"}
    assert events(server, after="2026-11-03", before="2026-11-04") == []


def test_events_sort_by_id(server: FakeGitLab) -> None:
    desc = [e["id"] for e in events(server)]
    asc = [e["id"] for e in events(server, sort="asc")]
    assert desc == sorted(desc, reverse=True) and asc == sorted(asc) and set(asc) == set(desc)


def test_events_bad_date_is_400(server: FakeGitLab) -> None:
    assert _status(server, f"/projects/{PID}/events", after="last week") == 400


def test_user_events_are_the_users_own(server: FakeGitLab) -> None:
    rows = _get(server, "/users/3/events", per_page=100)
    assert rows and {e["author_id"] for e in rows} == {3}
    mine = _get(server, "/events", token=BOB, per_page=100)
    assert [e["id"] for e in mine] == [e["id"] for e in rows]
    assert {e["action_name"] for e in _get(server, "/users/bob/events", action="merged")} == {
        "accepted"
    }


# -- users ----------------------------------------------------------------------------------------------


def test_users_username_filter(server: FakeGitLab) -> None:
    gl = client(server)
    (bob,) = gl.users.list(username="bob")
    assert (bob.id, bob.username) == (3, "bob")
    assert [u["id"] for u in _get(server, "/users", username="BOB")] == [3]
    assert _get(server, "/users", username="nobody") == []
    assert len(_get(server, "/users", per_page=100)) >= 9


def test_python_gitlab_list_filters_match_raw_requests(server: FakeGitLab) -> None:
    gl: gitlab.Gitlab = client(server)
    project = gl.projects.get(BACKEND)
    via_client = project.mergerequests.list(
        state="opened", labels=["frontend"], order_by="title", sort="desc", get_all=True
    )
    assert [mr.iid for mr in via_client] == [
        mr["iid"]
        for mr in _get(
            server,
            f"/projects/{PID}/merge_requests",
            state="opened",
            labels="frontend",
            order_by="title",
            sort="desc",
        )
    ]
