"""Merge request activities: authoring, merging, approvals, review requests, the discussion."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.activities import (
    ActorPolicy,
    PayloadError,
    merge_request_activities,
    notes_from_discussions,
    text,
)
from bot.activities.activity import Activity
from bot.activities.merge_requests import is_revert
from tests.activities.factories import (
    ALICE,
    BASE_URL,
    BOB,
    CAROL,
    EVERYONE,
    PROJECT,
    by_kind,
    conforming,
    example,
    merge_request,
    note,
    only,
    system_note,
    user,
)
from tests.activities.test_bots import GITLAB_BOTS

MR_URL = f"{BASE_URL}/{PROJECT}/-/merge_requests/7"


def build(
    mr: dict[str, Any] | None = None,
    *,
    diffs: list[dict[str, Any]] | None = None,
    approvals: Any = (),
    notes: list[dict[str, Any]] | None = None,
    actors: Any = EVERYONE,
    **kwargs: Any,
) -> list[Activity]:
    return conforming(
        merge_request_activities(
            merge_request() if mr is None else mr,
            project_path=PROJECT,
            diffs=example("merge_request_diffs") if diffs is None else diffs,
            approvals=approvals,
            notes=notes or [],
            actors=actors,
            **kwargs,
        )
    )


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# --- authored and merged ---------------------------------------------------------------------


def test_the_documented_merged_merge_request_is_authored_and_merged() -> None:
    activities = build()
    authored = only(activities, "merge_request_authored")
    merged = only(activities, "merge_request_merged")
    assert authored.key == "mr:3:7:authored" and merged.key == "mr:3:7:merged"
    assert (authored.actor_id, authored.actor_username) == (11, "alice")
    assert merged.actor_username == "alice"  # the author earns the merge, not DouweM
    assert authored.occurred_at == utc("2017-04-29T08:46:00Z")
    assert merged.occurred_at == utc("2018-09-07T11:16:17.520Z")
    assert authored.url == MR_URL and authored.subject_iid == 7
    assert (authored.project_id, authored.project_path) == (3, PROJECT)
    assert not authored.confidential
    assert authored.context == {
        "iid": 7,
        "title": "test1",
        "author": "alice",
        "labels": ["Community contribution", "Manage"],
        "state": "merged",
        "draft": False,
        "web_url": MR_URL,
    }


def test_fields_of_the_documented_merge_request() -> None:
    fields = only(build(), "merge_request_merged").fields
    assert fields["title"] == "test1"
    assert fields["description_words"] == 5  # "fixed login page css paddings"
    assert fields["labels"] == ["Community contribution", "Manage"]
    assert fields["merge_user"] == "DouweM"
    assert (fields["target_branch"], fields["source_branch"]) == ("main", "test1")
    assert fields["hours_to_merge"] == 11906.5  # 496 days and 2.5 hours
    assert fields["changed_paths"] == ["README", "VERSION"]
    assert (fields["lines_added"], fields["lines_removed"], fields["files_changed"]) == (2, 2, 2)
    assert fields["draft"] is False and fields["is_revert"] is False
    assert fields["closes_issues"] == [] and fields["template_unfilled"] is False


def test_the_documented_single_merge_request_payload() -> None:
    single = example("merge_request_single")  # open, no reviewers, extra single-GET fields
    activities = merge_request_activities(
        single,
        project_path="marcel.amirault/test-project",
        diffs=[],
        approvals=[],
        notes=[],
        actors=EVERYONE,
    )
    authored = only(activities, "merge_request_authored")
    assert [a.kind for a in activities] == ["merge_request_authored"]
    assert authored.key == "mr:15513260:133:authored"
    assert authored.actor_username == "marcel.amirault"
    assert authored.url == single["web_url"] and authored.fields["files_changed"] == 0


def test_an_open_merge_request_is_authored_only() -> None:
    mr = merge_request(state="opened", merged_at=None, merge_user=None, merged_by=None)
    activities = build(mr)
    assert [a.kind for a in activities] == ["merge_request_authored", "review_requested"]
    assert activities[0].fields["hours_to_merge"] is None
    assert activities[0].fields["merge_user"] is None


def test_a_merge_without_merged_at_is_dated_by_updated_at() -> None:
    mr = merge_request(merged_at=None, updated_at="2018-01-01T00:00:00Z")
    assert only(build(mr), "merge_request_merged").occurred_at == utc("2018-01-01T00:00:00Z")


def test_the_merged_activity_does_not_share_field_lists_with_the_authored_one() -> None:
    activities = build()
    only(activities, "merge_request_authored").fields["labels"].append("x")
    assert "x" not in only(activities, "merge_request_merged").fields["labels"]


def test_times_with_offsets_become_utc() -> None:
    mr = merge_request(created_at="2026-03-02T10:15:00.000+01:00")
    authored = only(build(mr), "merge_request_authored")
    assert authored.occurred_at == datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
    assert authored.occurred_at.tzinfo is UTC  # converted, not merely equal


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(PayloadError, match="time zone"):
        build(merge_request(created_at="2026-03-02T10:15:00"))


def test_description_features() -> None:
    description = (
        "## What does this MR do?\n\nAdds paging to the export, which timed out for our "
        "largest customers.\n\n## Related issues\n\nCloses #12\n\nRelates to #3 and "
        "my-group/other#4. Thanks @bob, see `export.py`.\n"
    )
    fields = only(build(merge_request(description=description)), "merge_request_authored").fields
    assert fields["closes_issues"] == ["#12"]
    assert fields["mentions_issues"] == ["#12", "#3", "my-group/other#4"]
    assert fields["mentions_users"] == ["bob"]
    assert fields["description_sections"] == ["what does this mr do?", "related issues"]
    assert fields["empty_sections"] == [] and fields["template_unfilled"] is False
    assert fields["description_words"] == 25  # issue numbers are words
    assert fields["has_code"] is True and fields["has_links"] is False


def test_a_checklist_is_not_the_description() -> None:
    description = (
        "Adds paging to the export, which timed out.\n\n## Checklist\n\n"
        "- [x] Tests added\n- [x] Docs updated\n- [ ] Breaking change (fix that would cause "
        "existing functionality to change)\n"
    )
    fields = only(build(merge_request(description=description)), "merge_request_authored").fields
    assert fields["description_words"] == 8
    assert fields["description_prose"] == "Adds paging to the export, which timed out."
    # Words reports every word; the merge request sets the checklist's aside.
    assert text.text_features(description).words == 8 + 2 + 2 + 10


def test_an_unfilled_template() -> None:
    description = (
        "## What does this MR do?\n\n<!-- Describe in detail what your merge request does "
        "and why. -->\n\n## Related issues\n\n<!-- Link related issues below. -->"
    )
    fields = only(build(merge_request(description=description)), "merge_request_authored").fields
    assert fields["template_unfilled"] is True
    assert fields["empty_sections"] == ["what does this mr do?", "related issues"]
    assert fields["description_words"] == 0


@pytest.mark.parametrize(
    ("title", "description", "revert"),
    [
        ('Revert "Add export"', "", True),
        ('revert "Add export"', None, True),
        ("Fix export", "This reverts merge request !1", True),
        ("Fix export", "This reverts merge request my-group/other!12", True),
        ("Fix export", "This reverts commit 8b1d2f3a4c5e6f70", True),
        ("Reverting the cache is not needed", "", False),
        ("Fix export", "Not a revert of !1", False),
        ("Fix export", "This reverts commit later", False),
    ],
)
def test_revert_detection(title: str, description: str | None, revert: bool) -> None:
    mr = merge_request(title=title, description=description)
    assert only(build(mr), "merge_request_authored").fields["is_revert"] is revert
    assert is_revert(title, description or "") is revert


@pytest.mark.parametrize(("draft", "wip", "expected"), [(True, True, True), (False, False, False)])
def test_draft(draft: bool, wip: bool, expected: bool) -> None:
    mr = merge_request(draft=draft, work_in_progress=wip)
    authored = only(build(mr), "merge_request_authored")
    assert authored.fields["draft"] is expected and authored.context["draft"] is expected


def test_labels_with_details_become_titles() -> None:
    mr = merge_request(labels=[{"id": 1, "name": "bug", "color": "#f00"}, {"name": "security"}])
    assert only(build(mr), "merge_request_authored").fields["labels"] == ["bug", "security"]


def test_web_url_is_built_from_base_url_when_missing() -> None:
    mr = merge_request()
    del mr["web_url"]
    activities = build(mr, notes=[note(5, BOB, "Nice")], base_url="https://git.example.org/")
    assert activities[0].url == f"https://git.example.org/{PROJECT}/-/merge_requests/7"
    assert only(activities, "review_comment").url.endswith("/-/merge_requests/7#note_5")
    with pytest.raises(PayloadError, match="web_url"):
        build(mr)


# --- approvals -------------------------------------------------------------------------------


def test_the_documented_approvals_payload_is_accepted_whole() -> None:
    approvals = example("merge_request_approvals")  # approved by root (id 1)
    approval = only(build(approvals=approvals), "approval_given")
    assert approval.key == "approval:3:7:1" and approval.actor_username == "root"
    assert approval.occurred_at == utc("2016-06-09T01:45:21.720Z")
    assert approval.fields == {"mr_author": "alice", "requested_reviewer": False}
    assert approval.url == MR_URL


def test_approvals_as_items_and_requested_reviewers() -> None:
    items = [{"user": BOB, "approved_at": "2018-09-06T09:00:00Z"}]
    approval = only(build(approvals=items), "approval_given")
    assert approval.actor_username == "bob" and approval.fields["requested_reviewer"] is True


def test_authors_approving_their_own_merge_request_earn_nothing() -> None:
    items = [{"user": ALICE, "approved_at": "2018-09-06T09:00:00Z"}]
    assert by_kind(build(approvals=items), "approval_given") == []


def test_approval_time_falls_back_to_the_system_note_then_updated_at() -> None:
    items = [{"user": BOB}, {"user": CAROL, "approved_at": None}]
    notes = [
        system_note(1, BOB, "approved this merge request", "2018-09-06T08:00:00Z"),
        system_note(2, BOB, "unapproved this merge request", "2018-09-06T08:30:00Z"),
        system_note(3, BOB, "approved this merge request", "2018-09-06T09:00:00Z"),
        note(4, CAROL, "approved this merge request", created_at="2018-09-06T10:00:00Z"),
    ]
    approvals = {
        a.actor_username: a for a in by_kind(build(approvals=items, notes=notes), "approval_given")
    }
    assert approvals["bob"].occurred_at == utc("2018-09-06T09:00:00Z")  # the approval that stands
    assert approvals["carol"].occurred_at == utc("2017-04-29T08:46:00Z")  # updated_at


# --- review requests -------------------------------------------------------------------------


def test_review_requested_falls_back_to_the_creation_time() -> None:
    request = only(build(), "review_requested")
    assert request.key == "review_request:3:7:12" and request.actor_username == "bob"
    assert request.occurred_at == utc("2017-04-29T08:46:00Z")
    assert request.fields == {"mr_author": "alice", "requested_by": None}


@pytest.mark.parametrize(
    "body",
    [
        "requested review from @bob",
        "requested review from @Bob",
        "requested review from @carol and @bob",
        "requested review from @carol, @bob and @dan and removed review request for @erin",
        "requested review from @bob and removed approval",
    ],
)
def test_review_requested_is_dated_by_the_system_note(body: str) -> None:
    notes = [system_note(1, CAROL, body, "2018-09-01T12:00:00Z")]
    request = only(build(notes=notes), "review_requested")
    assert request.occurred_at == utc("2018-09-01T12:00:00Z")
    assert request.fields["requested_by"] == "carol"


@pytest.mark.parametrize(
    ("body", "system"),
    [
        ("requested review from @carol", True),
        ("removed review request for @bob", True),
        ("requested review from @carol and removed review request for @bob", True),
        ("requested review from @bob", False),  # someone typing the words
        ("requested review from @bobby", True),
    ],
)
def test_notes_that_do_not_request_this_review(body: str, system: bool) -> None:
    notes = [note(1, CAROL, body, system=system, created_at="2018-09-01T12:00:00Z")]
    request = only(build(notes=notes), "review_requested")
    assert request.occurred_at == utc("2017-04-29T08:46:00Z")
    assert request.fields["requested_by"] is None


@pytest.mark.parametrize("newest_first", [True, False])
def test_the_first_request_dates_a_review_requested_again(newest_first: bool) -> None:
    notes = [
        system_note(1, CAROL, "requested review from @bob", "2018-09-01T12:00:00Z"),
        system_note(2, ALICE, "requested review from @bob", "2018-09-03T12:00:00Z"),
    ]
    request = only(build(notes=notes[::-1] if newest_first else notes), "review_requested")
    assert request.occurred_at == utc("2018-09-01T12:00:00Z")
    assert request.fields["requested_by"] == "carol"


def test_an_author_listed_as_reviewer_is_not_requested() -> None:
    assert by_kind(build(merge_request(reviewers=[ALICE])), "review_requested") == []


# --- the discussion --------------------------------------------------------------------------


def test_comments_by_others_are_review_comments_and_the_authors_are_replies() -> None:
    notes = [
        note(1, BOB, "Why not a set?", created_at="2018-09-05T10:00:00Z"),
        note(2, ALICE, "Good point, changed.", created_at="2018-09-05T11:00:00Z"),
        note(3, CAROL, "LGTM", created_at="2018-09-05T12:00:00Z"),
        system_note(4, BOB, "approved this merge request", "2018-09-05T12:30:00Z"),
        system_note(5, ALICE, "added 1 commit", "2018-09-05T10:30:00Z"),
    ]
    activities = build(notes=notes)
    comments = by_kind(activities, "review_comment")
    assert [(c.key, c.actor_username) for c in comments] == [("note:1", "bob"), ("note:3", "carol")]
    reply = only(activities, "review_reply")
    assert (reply.key, reply.actor_username) == ("note:2", "alice")
    assert reply.url == f"{MR_URL}#note_2"
    assert reply.occurred_at == utc("2018-09-05T11:00:00Z")
    assert comments[0].fields["requested_reviewer"] is True  # bob was asked
    assert comments[1].fields["requested_reviewer"] is False  # carol was not
    assert comments[0].fields["is_question"] is True and comments[1].fields["is_question"] is False
    assert reply.fields["mr_author"] == "alice" and "requested_reviewer" not in reply.fields


def test_the_documented_diff_note_with_a_suggestion() -> None:
    notes = notes_from_discussions(example("discussions_merge_request_diffnote"))
    for item in notes:
        item["author"] = BOB
    comment = only(build(notes=notes), "review_comment")
    assert comment.key == "note:1128"
    assert comment.fields["inline"] is True and comment.fields["path"] == "package.json"
    assert comment.fields["has_suggestion"] is True  # GitLab's `suggestions` list says so
    assert comment.fields["suggestion_count"] == 1
    assert comment.fields["suggestion_change"] == "naming"  # from_content "x", to_content "b"
    assert comment.fields["resolvable"] is True and comment.fields["resolved"] is False
    assert comment.fields["is_reply"] is False
    assert comment.fields["body"] == "diff comment" and comment.fields["words"] == 2


def test_suggestion_blocks_in_the_body_count_without_a_suggestions_list() -> None:
    body = "Two tweaks:\n\n```suggestion:-0+0\na\n```\n\n```suggestion:-0+0\nb\n```"
    fields = only(build(notes=[note(1, BOB, body)]), "review_comment").fields
    assert fields["has_suggestion"] is True and fields["suggestion_count"] == 2
    plain = only(build(notes=[note(1, BOB, "Looks good")]), "review_comment").fields
    assert plain["has_suggestion"] is False and plain["suggestion_count"] == 0
    assert plain["inline"] is False and plain["path"] is None
    # Without GitLab's list nothing says which lines the blocks replace.
    assert fields["suggestion_change"] is None and plain["suggestion_change"] is None


def test_a_diff_note_on_a_deleted_line_names_the_old_path() -> None:
    position = {"old_path": "gone.py", "new_path": None, "position_type": "text"}
    body_note = note(1, BOB, "why remove this?", type="DiffNote", position=position)
    assert only(build(notes=[body_note]), "review_comment").fields["path"] == "gone.py"


def test_thread_replies_from_discussions() -> None:
    notes = notes_from_discussions(example("discussions_merge_request_list"))
    authors = {1126: BOB, 1129: ALICE, 1128: CAROL}
    for item in notes:
        item["author"] = authors[item["id"]]
    activities = build(notes=notes)
    replies = {a.key: a.fields["is_reply"] for a in activities if "is_reply" in a.fields}
    assert replies == {"note:1126": False, "note:1129": True, "note:1128": False}
    assert only(activities, "review_reply").key == "note:1129"


def test_thread_positions_are_worked_out_from_discussion_ids() -> None:
    thread = {"type": "DiscussionNote", "discussion_id": "abc"}
    notes = [
        note(2, ALICE, "Fixed", created_at="2018-09-05T11:00:00Z", **thread),
        note(1, BOB, "Please fix", created_at="2018-09-05T10:00:00Z", **thread),
    ]
    replies = {a.key: a.fields["is_reply"] for a in build(notes=notes) if "is_reply" in a.fields}
    assert replies == {"note:1": False, "note:2": True}


def test_a_threaded_note_without_thread_information_is_of_unknown_replyhood() -> None:
    notes = [note(1, BOB, "hm", type="DiscussionNote"), note(2, BOB, "plain", type=None)]
    replies = {a.key: a.fields["is_reply"] for a in build(notes=notes) if "is_reply" in a.fields}
    assert replies == {"note:1": None, "note:2": False}


def test_a_note_given_twice_is_one_activity_that_knows_its_thread() -> None:
    from_notes = note(1129, BOB, "reply", type="DiscussionNote")
    from_discussions = {**from_notes, "discussion_id": "d", "thread_position": 1}
    activities = build(notes=[from_notes, from_discussions])
    assert only(activities, "review_comment").fields["is_reply"] is True


def test_internal_notes_are_confidential() -> None:
    notes = [
        note(1, BOB, "internal remark", internal=True, confidential=True),
        note(2, BOB, "public remark"),
        note(3, ALICE, "internal reply", confidential=True),
    ]
    activities = build(notes=notes)
    confidential = {a.key for a in activities if a.confidential}
    assert confidential == {"note:1", "note:3"}
    fields = {a.key: a.fields["internal"] for a in activities if "internal" in a.fields}
    assert fields == {"note:1": True, "note:2": False, "note:3": True}


def test_a_note_of_another_item_is_refused() -> None:
    with pytest.raises(PayloadError, match="belongs to"):
        build(notes=[note(1, BOB, "x", noteable_iid=8)])
    with pytest.raises(PayloadError, match="belongs to"):
        build(notes=[note(1, BOB, "x", noteable_type="Issue")])


def test_a_note_without_id_is_refused() -> None:
    broken = note(1, BOB, "x")
    del broken["id"]
    with pytest.raises(PayloadError, match="'id'"):
        build(notes=[broken])


# --- bots, order, serialisation --------------------------------------------------------------


@pytest.mark.parametrize("username", GITLAB_BOTS)
@pytest.mark.parametrize("actors", [EVERYONE, ActorPolicy()], ids=["everyone", "policy"])
def test_bots_never_earn_merge_request_activities(username: str, actors: Any) -> None:
    robot = user(66, username)
    mr = merge_request(author=robot, reviewers=[robot, BOB])
    notes = [
        note(1, robot, "Pipeline passed"),
        note(2, BOB, "Thanks, bot"),
        system_note(3, robot, "requested review from @bob", "2018-09-01T00:00:00Z"),
    ]
    approvals = [{"user": robot, "approved_at": "2018-09-06T09:00:00Z"}]
    activities = build(mr, notes=notes, approvals=approvals, actors=actors)
    assert {a.actor_username for a in activities} == {"bob"}
    assert {a.kind for a in activities} == {"review_comment", "review_requested"}
    request = only(activities, "review_requested")
    assert request.fields == {"mr_author": username, "requested_by": username}


def test_the_teams_own_bots_are_left_out_by_the_policy() -> None:
    renovate = user(70, "renovate-bot")
    mr = merge_request(author=renovate)
    policy = ActorPolicy(bot_usernames=["renovate-bot"])
    assert {a.kind for a in build(mr, actors=policy)} == {"review_requested"}
    assert "merge_request_authored" in {a.kind for a in build(mr, actors=EVERYONE)}


def test_activities_come_in_time_order_and_serialise_to_json() -> None:
    notes = [
        note(2, CAROL, "later", created_at="2018-09-05T12:00:00Z"),
        note(1, BOB, "earlier", created_at="2018-09-05T10:00:00Z"),
    ]
    activities = build(notes=notes, approvals=example("merge_request_approvals"))
    times = [(a.occurred_at, a.key) for a in activities]
    assert times == sorted(times)
    for activity in activities:
        json.dumps(activity.fields)
        json.dumps(activity.context)
        assert activity.occurred_at.tzinfo is UTC
