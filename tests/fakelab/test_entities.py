"""The shapes the offline GitLab sends, checked against GitLab's own documented payloads.

Every resource is fetched over HTTP from a running server and its top-level field names are
compared with the example in ``tests/fakelab/examples/`` (copied from GitLab's docs, provenance in
``SOURCES.md``). Where a doc example is known to be stale, the difference is listed in
``SHAPES`` with its reason; any other difference, in either direction, fails. Further tests pin
nested shapes and GitLab's value conventions (UserBasic, ghost, timestamps, null defaults, …).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.fakelab.server import FakeGitLab
from tests.conftest import ADMIN_TOKEN, ALICE, GINA

EXAMPLES = Path(__file__).parent / "examples"
USER_BASIC = {"id", "username", "name", "state", "locked", "avatar_url", "web_url"}
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
P = "/projects/100"  # acme/backend in small.json
MR = f"{P}/merge_requests"
ISSUES = f"{P}/issues"


def example(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text())


# -- the server ---------------------------------------------------------------------------------


def _thread(discussion: str, *notes: tuple[int, int, str]) -> list[dict[str, Any]]:
    return [
        {
            "id": note_id,
            "type": "DiscussionNote",
            "discussion_id": discussion,
            "body": f"thread note {note_id}",
            "author": {"id": author},
            "created_at": at,
        }
        for note_id, author, at in notes
    ]


def entity_dataset(small: dict[str, Any]) -> dict[str, Any]:
    """small.json plus what the shape checks need: MR and issue threads, a plain MR comment,
    an open MR with an unresolved thread, and a project that requires threads resolved."""
    data = copy.deepcopy(small)
    backend = data["projects"][0]
    mr2 = backend["merge_requests"][1]
    mr2["notes"] = [
        *_thread("b" * 40, (601, 3, "2026-11-04T09:00:00Z"), (602, 5, "2026-11-04T09:05:00Z")),
        {"id": 603, "body": "LGTM", "author": {"id": 3}, "created_at": "2026-11-04T09:10:00Z"},
    ]
    issue1 = backend["issues"][0]
    issue1["notes"].extend(
        [
            *_thread("c" * 40, (611, 2, "2026-10-31T09:00:00Z"), (612, 4, "2026-10-31T09:05:00Z")),
            {
                "id": 613,
                "body": "Internal: customer name is in the logs",
                "author": {"id": 3},
                "created_at": "2026-10-31T10:00:00Z",
                "internal": True,
            },
        ]
    )
    open_mr = {
        "merge_request": {
            "iid": 4,
            "title": "Cache tokens",
            "author": {"id": 2},
            "created_at": "2026-11-07T09:00:00Z",
        },
        "notes": _thread("d" * 40, (621, 3, "2026-11-07T10:00:00Z")),
        "commits": [
            {"id": "4" * 40, "title": "Cache tokens", "created_at": "2026-11-07T08:59:00Z"}
        ],
    }
    backend["merge_requests"].append(copy.deepcopy(open_mr))
    strict_mr = copy.deepcopy(open_mr)
    strict_mr["notes"] = _thread("e" * 40, (631, 3, "2026-11-07T10:00:00Z"))
    data["projects"].append(
        {
            "project": {
                "id": 102,
                "path_with_namespace": "acme/strict",
                "only_allow_merge_if_all_discussions_are_resolved": True,
            },
            "merge_requests": [strict_mr],
        }
    )
    return data


@pytest.fixture(scope="module")
def server(small_data: dict[str, Any]) -> Iterator[FakeGitLab]:
    """One server for the read-only checks of this module."""
    with FakeGitLab(entity_dataset(small_data), admin_token=ADMIN_TOKEN) as running:
        yield running


def get(fake: FakeGitLab, path: str, token: str = ALICE) -> Any:
    # ``requests.get`` opens a fresh connection per call, which sidesteps the ~40 ms
    # Nagle/delayed-ACK stall the server's split header/body writes cause on kept-alive ones.
    response = requests.get(
        f"{fake.url}/api/v4{path}", headers={"PRIVATE-TOKEN": token}, timeout=10
    )
    assert response.status_code == 200, (path, response.status_code, response.text)
    return response.json()


def first(items: list[dict[str, Any]], **where: Any) -> dict[str, Any]:
    for item in items:
        if all(item.get(k) == v for k, v in where.items()):
            return item
    raise AssertionError(f"nothing matches {where} in {items!r}")


def events(fake: FakeGitLab) -> list[dict[str, Any]]:
    return list(get(fake, f"{P}/events?per_page=100"))


# -- top-level fields against the documented examples ----------------------------------------------

# Reasons for the allowed differences; each names where the fact comes from.
NOTE_FIELDS_NEWER = (
    "docs' note examples predate fields Entities::Note always exposes (lib/api/entities/note.rb;"
    " SOURCES.md 'General caveats'; FACTS A.4)"
)
PLAIN_NOT_RESOLVABLE = (
    "doc example marks a type-null individual note resolvable; ResolvableNote::RESOLVABLE_TYPES is"
    " DiffNote/DiscussionNote, and resolved* are exposed only when resolvable (FACTS A.4)"
)
RESOLVED_AT = (
    "exposed with resolved/resolved_by whenever resolvable (note.rb); the diffnote example omits"
    " it, discussions_merge_request_list.json notes[0] shows it"
)
EVENT_LEGACY = (
    "legacy ~10.x events.md key, no longer exposed by Entities::Event (SOURCES.md; FACTS A.9)"
)
EVENT_NEWER = (
    "Entities::Event exposes it today; the ~10.x doc example lacks it (SOURCES.md; FACTS A.9)"
)
SQUASH_ON_MERGE = (
    "MergeRequestBasic exposes squash_on_merge (merge_request_list.json has it); the single"
    " example, a subclass payload, predates it (FACTS A.2)"
)
CHANGES_STALE = (
    "the /changes example is a ~2015 payload (state 'reopened'); the endpoint presents the full"
    " single-MR entity plus changes/overflow, and merge_request_single.json has this field"
)
REF_COUNT = "PushEventPayload exposes ref_count (lib/api/entities/push_event_payload.rb; FACTS A.9)"


@dataclass(frozen=True)
class Shape:
    """One resource: the documented example, the served payload, and the known differences."""

    name: str
    example: Callable[[], dict[str, Any]]
    served: Callable[[FakeGitLab], list[dict[str, Any]]]  # every served object of that kind
    extra_ok: dict[str, str] = field(default_factory=dict)  # served, not in the example
    missing_ok: dict[str, str] = field(default_factory=dict)  # in the example, not served


def _discussion_notes(fake: FakeGitLab, path: str, **where: Any) -> list[dict[str, Any]]:
    notes = [n for d in get(fake, f"{path}/discussions?per_page=100") for n in d["notes"]]
    return [n for n in notes if all(n.get(k) == v for k, v in where.items())]


def _plain_mr_note(fake: FakeGitLab) -> list[dict[str, Any]]:
    threads = get(fake, f"{MR}/2/discussions")
    return [d["notes"][0] for d in threads if d["individual_note"]]


CHANGES_EXTRA = (
    "approvals_before_merge",
    "blocking_discussions_resolved",
    "closed_at",
    "closed_by",
    "diff_refs",
    "first_contribution",
    "first_deployed_to_production_at",
    "has_conflicts",
    "head_pipeline",
    "imported",
    "imported_from",
    "latest_build_finished_at",
    "latest_build_started_at",
    "merge_after",
    "merge_error",
    "merge_user",
    "merged_at",
    "merged_by",
    "pipeline",
    "prepared_at",
    "reference",
    "user",
)
DISCUSSION_NOTE_EXTRA = dict.fromkeys(
    ("commands_changes", "confidential", "imported", "imported_from", "internal"),
    NOTE_FIELDS_NEWER,
)

SHAPES = [
    Shape(
        "merge request (list item)",
        lambda: example("merge_request_list.json")[0],
        lambda f: get(f, MR),
    ),
    Shape(
        "merge request (single)",
        lambda: example("merge_request_single.json"),
        lambda f: [get(f, f"{MR}/{iid}") for iid in (1, 2, 3, 4)],
        extra_ok={"squash_on_merge": SQUASH_ON_MERGE},
    ),
    Shape(
        "merge request changes (deprecated /changes)",
        lambda: example("merge_request_changes_deprecated.json"),
        lambda f: [get(f, f"{MR}/1/changes")],
        extra_ok={
            **dict.fromkeys(CHANGES_EXTRA, CHANGES_STALE),
            "squash_on_merge": SQUASH_ON_MERGE,
        },
    ),
    Shape(
        "merge request diff",
        lambda: example("merge_request_diffs.json")[0],
        lambda f: get(f, f"{MR}/1/diffs"),
    ),
    Shape(
        "note (issue notes list)",
        lambda: example("notes_issue_list.json")[0],
        lambda f: get(f, f"{ISSUES}/1/notes"),
        extra_ok=dict.fromkeys(("type", "commands_changes"), NOTE_FIELDS_NEWER),
    ),
    Shape(
        "note (single MR note)",
        lambda: example("note_merge_request_single.json"),
        lambda f: [get(f, f"{MR}/1/notes/504"), get(f, f"{MR}/2/notes/603")],
        extra_ok=dict.fromkeys(
            ("type", "commands_changes", "imported", "imported_from"), NOTE_FIELDS_NEWER
        ),
    ),
    Shape(
        "discussion (MR)",
        lambda: example("discussions_merge_request_list.json")[0],
        lambda f: get(f, f"{MR}/1/discussions") + get(f, f"{MR}/2/discussions"),
    ),
    Shape(
        "discussion (issue)",
        lambda: example("discussions_issue_list.json")[0],
        lambda f: get(f, f"{ISSUES}/1/discussions"),
    ),
    Shape(
        "thread note on an MR (DiscussionNote)",
        lambda: example("discussions_merge_request_list.json")[0]["notes"][0],
        lambda f: _discussion_notes(f, f"{MR}/2", type="DiscussionNote"),
        extra_ok=DISCUSSION_NOTE_EXTRA,
    ),
    Shape(
        "individual note in MR discussions",
        lambda: example("discussions_merge_request_list.json")[1]["notes"][0],
        _plain_mr_note,
        extra_ok=DISCUSSION_NOTE_EXTRA,
        missing_ok=dict.fromkeys(("resolved", "resolved_by"), PLAIN_NOT_RESOLVABLE),
    ),
    Shape(
        "diff note in MR discussions",
        lambda: example("discussions_merge_request_diffnote.json")[0]["notes"][0],
        lambda f: _discussion_notes(f, f"{MR}/1", type="DiffNote"),
        extra_ok={**DISCUSSION_NOTE_EXTRA, "resolved_at": RESOLVED_AT},
    ),
    Shape(
        "diff note position",
        lambda: example("discussions_merge_request_diffnote.json")[0]["notes"][0]["position"],
        lambda f: [n["position"] for n in _discussion_notes(f, f"{MR}/1", type="DiffNote")],
    ),
    Shape(
        "thread note on an issue",
        lambda: example("discussions_issue_list.json")[0]["notes"][1],
        lambda f: _discussion_notes(f, f"{ISSUES}/1", type="DiscussionNote"),
        extra_ok=DISCUSSION_NOTE_EXTRA,
    ),
    Shape(
        "approvals",
        lambda: example("merge_request_approvals.json"),
        lambda f: [get(f, f"{MR}/1/approvals"), get(f, f"{MR}/2/approvals")],
    ),
    Shape(
        "approved_by item",
        lambda: example("merge_request_approvals.json")["approved_by"][0],
        lambda f: get(f, f"{MR}/1/approvals")["approved_by"],
    ),
    Shape(
        "approval state",
        lambda: example("merge_request_approval_state.json"),
        lambda f: [get(f, f"{MR}/1/approval_state")],
    ),
    Shape(
        "approval rule",
        lambda: example("merge_request_approval_state.json")["rules"][0],
        lambda f: get(f, f"{MR}/1/approval_state")["rules"],
    ),
    Shape(
        "issue (list item)",
        lambda: example("issue_list.json")[0],
        lambda f: get(f, ISSUES) + get(f, "/issues?scope=all"),
    ),
    Shape(
        "issue (single)",
        lambda: example("issue_single.json"),
        lambda f: [get(f, f"{ISSUES}/{iid}") for iid in (1, 2, 3)],
    ),
    Shape(
        "pipeline (list item)",
        lambda: example("pipeline_list.json")[0],
        lambda f: get(f, f"{P}/pipelines") + get(f, f"{MR}/1/pipelines"),
    ),
    Shape(
        "pipeline (single)",
        lambda: example("pipeline_single.json"),
        lambda f: [get(f, f"{P}/pipelines/900"), get(f, f"{P}/pipelines/901")],
    ),
    Shape(
        "user (list item, as a regular user)",
        lambda: example("users_list.json")[0],
        lambda f: get(f, "/users"),
    ),
    Shape(
        "user (single)",
        lambda: example("user_single.json"),
        lambda f: [get(f, f"/users/{uid}") for uid in (2, 5, 6, 7)],
    ),
    Shape(
        "award emoji",
        lambda: example("award_emoji_list.json")[0],
        lambda f: get(f, f"{MR}/1/award_emoji") + get(f, f"{MR}/1/notes/501/award_emoji"),
    ),
    Shape(
        "event: opened",
        lambda: example("event_opened.json"),
        lambda f: [e for e in events(f) if e["action_name"] == "opened"],
        extra_ok=dict.fromkeys(("id", "imported", "imported_from"), EVENT_NEWER),
        missing_ok={"title": EVENT_LEGACY},
    ),
    Shape(
        "event: commented on",
        lambda: example("event_commented.json"),
        lambda f: [e for e in events(f) if e["action_name"] == "commented on"],
        extra_ok=dict.fromkeys(("id", "imported", "imported_from"), EVENT_NEWER),
        missing_ok=dict.fromkeys(("title", "data"), EVENT_LEGACY),
    ),
    Shape(
        "note embedded in a comment event",
        lambda: example("event_commented.json")["note"],
        # The example is a plain comment; notes on resolvable threads add resolved*, as above.
        lambda f: [
            e["note"]
            for e in events(f)
            if e["action_name"] == "commented on" and not e["note"]["resolvable"]
        ],
        extra_ok=dict.fromkeys(
            (
                "type",
                "commands_changes",
                "confidential",
                "internal",
                "imported",
                "imported_from",
                "project_id",
                "resolvable",
                "updated_at",
            ),
            NOTE_FIELDS_NEWER,
        ),
    ),
    Shape(
        "event: pushed",
        lambda: example("event_pushed.json"),
        lambda f: [e for e in events(f) if e.get("push_data")],
        extra_ok=dict.fromkeys(
            ("id", "imported", "imported_from", "created_at", "target_iid"), EVENT_NEWER
        ),
        missing_ok={"title": EVENT_LEGACY},
    ),
    Shape(
        "push_data",
        lambda: example("event_pushed.json")["push_data"],
        lambda f: [e["push_data"] for e in events(f) if e.get("push_data")],
        extra_ok={"ref_count": REF_COUNT},
    ),
]


@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_top_level_fields_match_the_documented_example(server: FakeGitLab, shape: Shape) -> None:
    documented = set(shape.example())
    served = shape.served(server)
    assert served, f"the server sent no {shape.name}"
    for payload in served:
        assert isinstance(payload, dict)
        keys = set(payload)
        assert {
            "extra": sorted(keys - documented),
            "missing": sorted(documented - keys),
        } == {"extra": sorted(shape.extra_ok), "missing": sorted(shape.missing_ok)}, payload


def test_the_allowed_differences_are_explained_and_disjoint() -> None:
    for shape in SHAPES:
        assert not set(shape.extra_ok) & set(shape.missing_ok), shape.name
        for key, reason in {**shape.extra_ok, **shape.missing_ok}.items():
            assert len(reason) > 30, (shape.name, key)


def test_every_example_is_listed_in_sources_and_parses() -> None:
    sources = (EXAMPLES / "SOURCES.md").read_text()
    files = sorted(p.name for p in EXAMPLES.glob("*.json"))
    assert len(files) == 23
    for name in files:
        assert f"`{name}`" in sources, name
        json.loads((EXAMPLES / name).read_text())


# -- entity differences between endpoints ----------------------------------------------------------


def test_single_mr_adds_exactly_the_documented_single_only_fields(server: FakeGitLab) -> None:
    documented = set(example("merge_request_single.json")) - set(
        example("merge_request_list.json")[0]
    )
    assert "changes_count" in documented and "diff_refs" in documented
    listed = {mr["iid"]: mr for mr in get(server, MR)}
    for iid, item in listed.items():
        single = get(server, f"{MR}/{iid}")
        assert set(single) - set(item) == documented
        assert set(item) - set(single) == set()
        assert "changes_count" not in item and "diff_refs" not in item


def test_changes_is_the_single_mr_plus_changes_and_overflow(server: FakeGitLab) -> None:
    single = get(server, f"{MR}/1")
    changes = get(server, f"{MR}/1/changes")
    assert set(changes) == set(single) | {"changes", "overflow"}
    assert changes["overflow"] is False
    assert [c["new_path"] for c in changes["changes"]] == [
        d["new_path"] for d in get(server, f"{MR}/1/diffs")
    ]


def test_pipeline_list_has_no_user_but_the_single_pipeline_has(server: FakeGitLab) -> None:
    for listed in get(server, f"{P}/pipelines") + get(server, f"{MR}/1/pipelines"):
        assert "user" not in listed
        single = get(server, f"{P}/pipelines/{listed['id']}")
        assert set(single["user"]) == USER_BASIC
        assert single["user"]["username"] == "alice"


def test_simple_view_lists_only_the_simple_fields(server: FakeGitLab) -> None:
    for item in get(server, f"{MR}?view=simple"):
        assert set(item) == {
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


# -- nested shapes: users, timestamps -------------------------------------------------------------

SWEEP = (
    "/users",
    "/users/2",
    "/users/5",
    "/user",
    "/projects",
    P,
    "/groups/10/members",
    MR,
    f"{MR}?scope=all&view=simple",
    f"{MR}/1",
    f"{MR}/2",
    f"{MR}/3",
    f"{MR}/4",
    f"{MR}/1/notes",
    f"{MR}/1/discussions",
    f"{MR}/2/discussions",
    f"{MR}/1/award_emoji",
    f"{MR}/1/notes/501/award_emoji",
    f"{MR}/1/approvals",
    f"{MR}/1/approval_state",
    f"{MR}/1/changes",
    f"{MR}/1/diffs",
    f"{MR}/1/versions",
    f"{MR}/1/versions/1",
    f"{MR}/1/commits",
    f"{MR}/1/reviewers",
    f"{MR}/1/participants",
    f"{MR}/1/pipelines",
    "/groups/acme/merge_requests",
    ISSUES,
    f"{ISSUES}/1",
    f"{ISSUES}/1/notes",
    f"{ISSUES}/1/discussions",
    "/groups/acme/issues",
    f"{P}/pipelines",
    f"{P}/pipelines/901",
    f"{P}/events",
    "/users/3/events",
    "/events",
)


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (path, value) pair under ``value``; list items get ``[i]``."""
    yield path, value
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _walk(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _walk(inner, f"{path}[{index}]")


def _items(payload: Any) -> list[Any]:
    return payload if isinstance(payload, list) else [payload]


@pytest.fixture(scope="module")
def swept(server: FakeGitLab) -> dict[str, Any]:
    return {path: get(server, path) for path in SWEEP}


def test_every_embedded_user_is_exactly_user_basic(swept: dict[str, Any]) -> None:
    seen = 0
    for path, payload in swept.items():
        for item in _items(payload):
            for where, value in _walk(item):
                if where and isinstance(value, dict) and "username" in value:
                    assert set(value) == USER_BASIC, f"{path}{where}: {sorted(value)}"
                    seen += 1
    assert seen > 100


def test_every_timestamp_is_utc_with_milliseconds(swept: dict[str, Any]) -> None:
    checked = 0
    for path, payload in swept.items():
        for where, value in _walk(payload):
            key = where.rsplit(".", 1)[-1]
            # Member ``expires_at`` is a date in GitLab, not a time.
            if key.endswith("_at") and key != "expires_at" and value is not None:
                assert isinstance(value, str) and TIMESTAMP.match(value), f"{path}{where}={value!r}"
                checked += 1
    assert checked > 200


def test_only_get_user_exposes_bot(server: FakeGitLab, swept: dict[str, Any]) -> None:
    assert get(server, "/users/5")["bot"] is True  # renovate-bot
    assert get(server, "/users/2")["bot"] is False
    renovate_mr = get(server, f"{MR}/2")
    assert renovate_mr["author"]["username"] == "renovate-bot"
    assert "bot" not in renovate_mr["author"]
    assert all("bot" not in u for u in get(server, "/users"))


# -- value conventions ---------------------------------------------------------------------------


def test_ghost_author_renders_as_gitlab_ghost_user(server: FakeGitLab) -> None:
    author = get(server, f"{MR}/3")["author"]
    assert (author["username"], author["name"]) == ("ghost", "Ghost User")
    assert set(author) == USER_BASIC


def test_a_deleted_users_contributions_move_to_the_ghost(fake: FakeGitLab) -> None:
    fake.mutate.delete_user(4)  # carol, author of issue 1
    author = get(fake, f"{ISSUES}/1")["author"]
    assert (author["username"], author["name"]) == ("ghost", "Ghost User")
    assert all(u["username"] != "carol" for u in get(fake, "/users?per_page=100"))


def test_system_notes_are_flagged(server: FakeGitLab) -> None:
    notes = {n["id"]: n for n in get(server, f"{MR}/1/notes")}
    assert notes[503]["system"] is True
    assert all(n["system"] is False for i, n in notes.items() if i != 503)


def test_diff_notes_carry_position_and_commit_id_and_only_they_do(server: FakeGitLab) -> None:
    notes = (
        get(server, f"{MR}/1/notes")
        + get(server, f"{MR}/2/notes")
        + get(server, f"{ISSUES}/1/notes")
        + [n for d in get(server, f"{MR}/1/discussions") for n in d["notes"]]
    )
    diff_notes = [n for n in notes if n["type"] == "DiffNote"]
    assert len(diff_notes) == 4
    for note in notes:
        is_diff = note["type"] == "DiffNote"
        assert ("position" in note) is is_diff
        assert ("commit_id" in note) is is_diff
    position = diff_notes[0]["position"]
    assert position["position_type"] == "text"
    assert position["line_range"] is None  # always exposed for text positions
    assert "ignore_whitespace_change" not in position


def test_merge_request_diff_notes_carry_their_suggestions_everywhere(server: FakeGitLab) -> None:
    """``Entities::Note`` exposes ``suggestions`` on a merge request's diff notes, so ``/notes``,
    ``/discussions`` and events agree; the fake knows a replaced line only where the diff shows
    it (note 501 is on line 12, small.json's diff shows line 1)."""
    listed = first(get(server, f"{MR}/1/notes"), id=501)
    threaded = first(_discussion_notes(server, f"{MR}/1", type="DiffNote"), id=501)
    assert listed["suggestions"] == threaded["suggestions"]
    assert [(s["from_line"], s["to_line"], s["to_content"]) for s in listed["suggestions"]] == [
        (12, 12, "retry(send)\n")
    ]
    assert listed["suggestions"][0]["from_content"] == ""
    others = get(server, f"{MR}/1/notes") + get(server, f"{ISSUES}/1/notes")
    for note in others:
        assert ("suggestions" in note) is (note["type"] == "DiffNote"), note["id"]


def test_a_suggestion_on_a_line_the_diff_shows_carries_that_line(
    small_data: dict[str, Any],
) -> None:
    data = copy.deepcopy(small_data)
    mr = data["projects"][0]["merge_requests"][0]
    mr["diffs"][0]["diff"] = "@@ -3,2 +3,3 @@\n a = 1\n-b = 2\n+b = 3\n+c = 4\n"
    mr["notes"][0]["position"]["new_line"] = 5
    mr["notes"][0]["body"] = "Both:\n\n```suggestion:-1+0\nb = 3\nd = 4\n```"
    with FakeGitLab(data, admin_token=ADMIN_TOKEN) as fake:
        (suggestion,) = first(get(fake, f"{MR}/1/notes"), id=501)["suggestions"]
    assert (suggestion["from_line"], suggestion["to_line"]) == (4, 5)
    assert suggestion["from_content"] == "b = 3\nc = 4\n"
    assert suggestion["to_content"] == "b = 3\nd = 4\n"


def test_resolved_fields_only_on_resolvable_notes(server: FakeGitLab) -> None:
    mr_notes = [n for iid in (1, 2, 4) for n in _discussion_notes(server, f"{MR}/{iid}")]
    issue_notes = _discussion_notes(server, f"{ISSUES}/1") + get(server, f"{ISSUES}/1/notes")
    resolvable = [n for n in mr_notes if n["resolvable"]]
    assert {n["type"] for n in resolvable} == {"DiffNote", "DiscussionNote"}
    for note in mr_notes + issue_notes:
        for key in ("resolved", "resolved_by", "resolved_at"):
            assert (key in note) is note["resolvable"], (note["id"], key)
    # Only merge requests support resolvable notes: issue threads never are.
    assert any(n["type"] == "DiscussionNote" for n in issue_notes)
    assert not any(n["resolvable"] for n in issue_notes)
    resolved = first(resolvable, id=501)
    assert resolved["resolved"] is True
    assert resolved["resolved_by"]["username"] == "alice"
    assert TIMESTAMP.match(resolved["resolved_at"])
    open_thread = first(resolvable, id=601)
    assert (open_thread["resolved"], open_thread["resolved_by"]) == (False, None)


def test_internal_notes_are_internal_and_confidential(server: FakeGitLab) -> None:
    note = get(server, f"{MR}/1/notes/504")
    assert note["internal"] is True and note["confidential"] is True
    others = [n for n in get(server, f"{MR}/1/notes") if n["id"] != 504]
    assert all(n["internal"] is False and n["confidential"] is False for n in others)
    on_issue = get(server, f"{ISSUES}/1/notes/613")
    assert on_issue["internal"] is True and on_issue["confidential"] is True
    # A guest of the project does not see them at all.
    as_guest = {n["id"] for n in get(server, f"{ISSUES}/1/notes", token=GINA)}
    assert 613 not in as_guest and {611, 612} <= as_guest


def test_nullable_booleans_default_to_null_not_false(server: FakeGitLab) -> None:
    for mr in get(server, MR) + [get(server, f"{MR}/{iid}") for iid in (1, 2)]:
        assert mr["discussion_locked"] is None
        assert mr["should_remove_source_branch"] is None


def test_new_mr_without_diff_has_null_changes_count_and_diff_refs(server: FakeGitLab) -> None:
    fresh = get(server, f"{MR}/2")  # no commits or diffs yet
    assert fresh["changes_count"] is None and fresh["diff_refs"] is None
    prepared = get(server, f"{MR}/1")
    assert prepared["changes_count"] == "2"  # a string, as GitLab sends it
    assert set(prepared["diff_refs"]) == {"base_sha", "head_sha", "start_sha"}


def test_merged_by_names_the_merger_of_a_merged_mr(server: FakeGitLab) -> None:
    merged = get(server, f"{MR}/1")
    assert merged["state"] == "merged"
    assert merged["merge_user"]["username"] == "bob"
    assert merged["merged_by"] == merged["merge_user"]
    listed = first(get(server, MR), iid=1)
    assert listed["merged_by"] == listed["merge_user"]
    still_open = get(server, f"{MR}/2")
    assert still_open["merged_by"] is None and still_open["merge_user"] is None


def test_unresolved_threads_block_only_where_the_project_requires_it(server: FakeGitLab) -> None:
    relaxed = get(server, f"{MR}/4")
    assert first(_discussion_notes(server, f"{MR}/4"), id=621)["resolved"] is False
    assert relaxed["blocking_discussions_resolved"] is True
    assert relaxed["detailed_merge_status"] == "mergeable"
    strict = get(server, "/projects/acme%2Fstrict/merge_requests/4")
    assert strict["blocking_discussions_resolved"] is False
    assert strict["detailed_merge_status"] == "discussions_not_resolved"


def test_references_are_relative_to_the_requesting_context(server: FakeGitLab) -> None:
    in_project = first(get(server, MR), iid=1)["references"]
    assert in_project == {"short": "!1", "relative": "!1", "full": "acme/backend!1"}
    in_group = first(get(server, "/groups/acme/merge_requests"), project_id=100, iid=1)
    assert in_group["references"]["relative"] == "backend!1"
    assert in_group["references"]["short"] == "!1"
    nested = first(get(server, "/groups/acme/issues"), project_id=101)
    assert nested["references"]["relative"] == "acme/platform/infra#1"  # cross-namespace
    subgroup = first(get(server, "/groups/acme%2Fplatform/issues"), project_id=101)
    assert subgroup["references"]["relative"] == "infra#1"
    assert first(get(server, ISSUES), iid=1)["references"]["relative"] == "#1"


def test_users_single_never_sends_an_empty_string_for_a_time(server: FakeGitLab) -> None:
    user = get(server, "/users/2")
    assert user["created_at"] is None or TIMESTAMP.match(user["created_at"])
    assert user["location"] is None  # as the documented example shows for an unset location
