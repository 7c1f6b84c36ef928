"""End to end: the offline GitLab over HTTP, python-gitlab, a real SQLite file and PostgreSQL."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from bot.fakelab.server import FakeGitLab
from bot.store import models
from bot.sync.run import SyncOptions
from tests.conftest import ADMIN_TOKEN, ALICE
from tests.sync.helpers import NOW, Store, activities, later, sync, table


@pytest.fixture
def server(small_data: dict[str, Any]) -> Iterator[FakeGitLab]:
    with FakeGitLab(copy.deepcopy(small_data), admin_token=ADMIN_TOKEN, clock=lambda: NOW) as fake:
        yield fake


def test_a_first_sync_collects_the_watched_group(server: FakeGitLab, store: Store) -> None:
    result = sync(server, store, ADMIN_TOKEN)
    assert result.status == "ok"
    assert table(store, models.Project, "path") == {("acme/backend",), ("acme/platform/infra",)}
    assert table(store, models.MergeRequest, "iid") == {(1,), (2,), (3,)}
    assert {(iid, t) for iid, t in table(store, models.Issue, "iid", "issue_type")} >= {
        (3, "incident")
    }
    stored_notes = table(store, models.Note, "id", "system")
    assert (501, False) in stored_notes and (502, False) in stored_notes
    assert table(store, models.Approval, "mr_iid", "user_id") == {(1, 3)}
    assert {row[0] for row in table(store, models.Pipeline, "id")} == {900, 901}
    kinds = {(kind, actor) for kind, actor, *_ in activities(store).values()}
    assert ("merge_request_authored", "alice") in kinds
    assert ("merge_request_merged", "alice") in kinds
    assert ("approval_given", "bob") in kinds
    assert ("review_comment", "bob") in kinds
    assert ("review_reply", "alice") in kinds
    assert ("issue_opened", "carol") in kinds


def test_bots_and_the_ghost_user_never_become_actors(server: FakeGitLab, store: Store) -> None:
    sync(server, store, ADMIN_TOKEN)
    actors = {actor for _, actor, *_ in activities(store).values()}
    assert "renovate-bot" not in actors  # GitLab's bot flag, from GET /users/:id
    assert "ghost" not in actors
    assert table(store, models.User, "username", "is_bot") >= {("renovate-bot", True)}


def test_people_who_opted_out_are_not_collected(server: FakeGitLab, store: Store) -> None:
    sync(server, store, ADMIN_TOKEN, options=SyncOptions(groups=("acme",), opt_out=("Bob",)))
    actors = {actor for _, actor, *_ in activities(store).values()}
    assert "bob" not in actors and "alice" in actors


def test_links_point_at_gitlab_with_note_anchors(server: FakeGitLab, store: Store) -> None:
    sync(server, store, ADMIN_TOKEN)
    found = activities(store)
    comment = next(v for k, v in found.items() if v[0] == "review_comment")
    assert comment[3] == f"{server.url}/acme/backend/-/merge_requests/1#note_501"


def test_confidential_and_internal_content_is_marked(server: FakeGitLab, store: Store) -> None:
    sync(server, store, ADMIN_TOKEN)
    found = activities(store)
    secret_issue = [v for v in found.values() if v[0] == "issue_opened" and v[5]["iid"] == 2]
    assert secret_issue and all(v[6] for v in secret_issue)
    internal = [v for k, v in found.items() if k == "note:504"]
    assert internal and internal[0][6] is True


def test_running_again_changes_nothing_and_costs_a_handful_of_requests(
    server: FakeGitLab, store: Store
) -> None:
    sync(server, store, ADMIN_TOKEN)
    before = activities(store)
    server.clear_logs()
    again = sync(server, store, ADMIN_TOKEN, now=later(1))
    assert activities(store) == before
    assert again.summary.total("new") == again.summary.total("updated") == 0
    # Per project: two event feeds, MRs, issues, pipelines; plus the group's project list.
    assert again.summary.requests <= 1 + 2 * 5


def test_what_changes_in_gitlab_shows_up_on_the_next_sync(server: FakeGitLab, store: Store) -> None:
    sync(server, store, ADMIN_TOKEN)
    server.mutate.update_item(
        "acme/backend", "merge_requests", 2, {"title": "Bump requests to 2.33"}, later(2)
    )
    note_id = server.mutate.add_note(
        "acme/backend",
        "issues",
        3,
        {
            "body": "Rolled back, monitoring.",
            "author": {"id": 3},
            "created_at": later(2).isoformat(),
        },
    )
    sync(server, store, ADMIN_TOKEN, now=later(3))
    found = activities(store)
    assert f"note:{note_id}" in found and found[f"note:{note_id}"][1] == "bob"


def test_a_deleted_merge_request_is_reconciled_away(server: FakeGitLab, store: Store) -> None:
    sync(server, store, ADMIN_TOKEN)
    assert any(k.startswith("mr:100:1:") for k in activities(store))
    server.mutate.delete_item("acme/backend", "merge_requests", 1)
    sync(server, store, ADMIN_TOKEN, now=later(1), full=True)
    assert not any(
        k.startswith("mr:100:1:") or k in ("note:501", "note:502") for k in activities(store)
    )
    with store.sessions() as session:
        mr = session.query(models.MergeRequest).filter_by(iid=1).one()
    assert mr.deleted_at is not None


def test_a_token_that_sees_less_collects_less(server: FakeGitLab, store: Store) -> None:
    sync(server, store, ALICE)  # a Maintainer: sees everything in acme
    assert table(store, models.MergeRequest, "iid") == {(1,), (2,), (3,)}


def test_changed_files_are_kept_with_line_counts_but_not_the_code(
    server: FakeGitLab, store: Store
) -> None:
    sync(server, store, ADMIN_TOKEN)
    with store.sessions() as session:
        mr = session.query(models.MergeRequest).filter_by(iid=1).one()
    assert mr.diffs_sha == "1111111111111111111111111111111111111111"
    assert [(d["new_path"], d["added"], d["removed"], "diff" in d) for d in mr.diffs or []] == [
        ("app/sender.py", 1, 1, False),
        ("tests/test_sender.py", 1, 0, False),
    ]
    found = activities(store)["mr:100:1:authored"]
    assert found[4]["changed_paths"] == ["app/sender.py", "tests/test_sender.py"]
    assert (found[4]["lines_added"], found[4]["lines_removed"]) == (2, 1)


def test_an_updated_merge_request_keeps_its_files_unless_its_head_moved(
    server: FakeGitLab, store: Store
) -> None:
    sync(server, store, ADMIN_TOKEN)
    server.mutate.update_item(
        "acme/backend", "merge_requests", 1, {"title": "Retry webhooks"}, later(1)
    )
    server.clear_logs()
    sync(server, store, ADMIN_TOKEN, now=later(2))
    assert not [r for r in server.requests() if r["path"].endswith("/diffs")]
    with store.sessions() as session:
        mr = session.query(models.MergeRequest).filter_by(iid=1).one()
    assert len(mr.diffs or []) == 2
    server.mutate.update_item("acme/backend", "merge_requests", 1, {"sha": "2" * 40}, later(3))
    server.clear_logs()
    sync(server, store, ADMIN_TOKEN, now=later(4))
    assert [r["path"] for r in server.requests() if r["path"].endswith("/diffs")] == [
        "/api/v4/projects/100/merge_requests/1/diffs"
    ]
    with store.sessions() as session:
        mr = session.query(models.MergeRequest).filter_by(iid=1).one()
    assert mr.diffs_sha == "2" * 40 and len(mr.diffs or []) == 2


def test_a_comment_feed_cut_off_at_gitlabs_events_cap_is_walked_on(tmp_path: Any) -> None:
    """EventsFinder paginates by a count capped at 10,001: the feed asks again from there,
    instead of fetching every MR's notes one by one."""
    from datetime import timedelta

    start = NOW - timedelta(days=40)
    notes_per_mr = 3_400

    def notes(iid: int) -> list[dict[str, Any]]:
        return [
            {
                "id": iid * 100_000 + n,
                "body": f"Comment {n}",
                "author": {"id": 2 + n % 2},
                "created_at": (start + timedelta(minutes=10 * n + iid)).isoformat(),
            }
            for n in range(notes_per_mr)
        ]

    data = {
        "format": "ladder-bot-dataset/1",
        "users": [{"id": 2, "username": "alice"}, {"id": 3, "username": "bob"}],
        "groups": [
            {"group": {"id": 10, "path": "acme"}, "members": [{"id": 2, "access_level": 40}]}
        ],
        "projects": [
            {
                "project": {"id": 100, "path_with_namespace": "acme/backend"},
                "merge_requests": [
                    {
                        "merge_request": {
                            "iid": iid,
                            "title": f"Change {iid}",
                            "author": {"id": 2},
                            "created_at": start.isoformat(),
                        },
                        "notes": notes(iid),
                    }
                    for iid in (1, 2, 3)
                ],
            }
        ],
    }
    store = Store(f"sqlite:///{tmp_path / 'capped.db'}")
    with FakeGitLab(data, admin_token=ADMIN_TOKEN, clock=lambda: NOW) as fake:
        sync(fake, store, ADMIN_TOKEN)
        paths = [row["path"] for row in fake.requests()]
    assert not [p for p in paths if p.endswith("/notes")]
    with store.sessions() as session:
        assert session.query(models.Note).count() == 3 * notes_per_mr
    store.close()
