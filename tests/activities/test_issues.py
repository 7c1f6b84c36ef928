"""Issue activities: opening, closing, commenting; confidentiality; incidents and breakdowns."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.activities import ActorPolicy, PayloadError, issue_activities, notes_from_discussions
from bot.activities.activity import Activity
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
    issue,
    issue_note,
    only,
    user,
)
from tests.activities.test_bots import GITLAB_BOTS

ISSUE_URL = f"{BASE_URL}/{PROJECT}/-/issues/1"


def build(
    payload: dict[str, Any] | None = None,
    *,
    notes: list[dict[str, Any]] | None = None,
    actors: Any = EVERYONE,
    **kwargs: Any,
) -> list[Activity]:
    return conforming(
        issue_activities(
            issue() if payload is None else payload,
            project_path=PROJECT,
            notes=notes or [],
            actors=actors,
            **kwargs,
        )
    )


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def closed(**overrides: Any) -> dict[str, Any]:
    return issue(
        **{"state": "closed", "closed_at": "2016-01-05T10:00:00.000Z", "closed_by": BOB} | overrides
    )


def test_the_documented_issue_is_opened_by_its_author() -> None:
    opened = only(build(), "issue_opened")
    assert opened.key == "issue:4:1:opened" and opened.actor_username == "alice"
    assert opened.occurred_at == utc("2016-01-04T15:31:46.176Z")
    assert opened.url == ISSUE_URL and opened.subject_type == "issue"
    assert not opened.confidential
    assert opened.context == {
        "iid": 1,
        "title": "Ut commodi ullam eos dolores perferendis nihil sunt.",
        "author": "alice",
        "labels": [],
        "state": "opened",
        "issue_type": "issue",
        "confidential": False,
        "web_url": ISSUE_URL,
    }
    assert opened.fields["issue_type"] == "issue" and opened.fields["severity"] == "UNKNOWN"
    assert opened.fields["description_words"] == 8
    assert opened.fields["hours_to_close"] is None


def test_the_documented_list_issue_as_given() -> None:
    listed = example("issue_list")[0]
    opened = only(
        issue_activities(listed, project_path=PROJECT, notes=[], actors=EVERYONE),
        "issue_opened",
    )
    assert opened.actor_username == "eileen.lowe" and opened.fields["labels"] == ["foo", "bar"]
    assert opened.url == "http://gitlab.example.com/my-group/my-project/issues/6"


def test_closing_is_the_closers() -> None:
    activities = build(closed())
    closing = only(activities, "issue_closed")
    assert closing.key == "issue:4:1:closed" and closing.actor_username == "bob"
    assert closing.occurred_at == utc("2016-01-05T10:00:00Z")
    assert closing.fields["hours_to_close"] == 18.47
    assert only(activities, "issue_opened").fields["hours_to_close"] == 18.47


def test_the_documented_closed_issue_without_closer_has_no_closing() -> None:
    documented = example("issue_single")  # closed, but closed_by and closed_at are null
    activities = issue_activities(documented, project_path=PROJECT, notes=[], actors=EVERYONE)
    assert [a.kind for a in conforming(activities)] == ["issue_opened"]


def test_a_closing_without_closed_at_is_dated_by_updated_at() -> None:
    payload = closed(closed_at=None, updated_at="2016-01-06T00:00:00Z")
    assert only(build(payload), "issue_closed").occurred_at == utc("2016-01-06T00:00:00Z")


def test_comments_say_whose_issue_they_help_in() -> None:
    notes = [
        issue_note(1, BOB, "@alice it's production only; the seed script can make the rows."),
        issue_note(2, ALICE, "Is there a workaround?"),
        issue_note(3, BOB, "mentioned in merge request !5", system=True),
    ]
    comments = by_kind(build(notes=notes), "issue_comment")
    assert [(c.key, c.actor_username) for c in comments] == [("note:1", "bob"), ("note:2", "alice")]
    helping, own = comments
    assert helping.fields["on_others_issue"] is True and own.fields["on_others_issue"] is False
    assert helping.fields["issue_author"] == own.fields["issue_author"] == "alice"
    assert helping.fields["mentions_users"] == ["alice"]
    assert own.fields["is_question"] is True and helping.fields["is_question"] is False
    assert helping.url == f"{ISSUE_URL}#note_1"
    assert helping.occurred_at == utc("2013-10-02T09:22:45Z")


def test_the_documented_notes_are_system_notes_and_earn_nothing() -> None:
    notes = [n | {"noteable_iid": 1} for n in example("notes_issue_list")]
    assert by_kind(build(notes=notes), "issue_comment") == []


def test_threads_in_issue_discussions() -> None:
    notes = notes_from_discussions(example("discussions_issue_list"))
    for item, author in zip(notes, [ALICE, BOB, CAROL], strict=True):
        item["author"] = author
    comments = by_kind(build(notes=notes), "issue_comment")
    replies = {c.key: c.fields["is_reply"] for c in comments}
    assert replies == {"note:1126": False, "note:1129": True, "note:1128": False}


def test_a_comment_embedded_in_an_event() -> None:
    event_note = example("event_commented")["note"]  # on issue 377, no `internal` key
    activities = build(
        issue(iid=377, web_url=f"{BASE_URL}/{PROJECT}/-/issues/377"), notes=[event_note]
    )
    comment = only(activities, "issue_comment")
    assert comment.key == "note:1312" and comment.actor_username == "root"
    assert comment.fields["internal"] is False and comment.fields["body"] == "What an awesome day!"
    with pytest.raises(PayloadError, match="belongs to"):
        build(notes=[event_note])


def test_everything_from_a_confidential_issue_is_confidential() -> None:
    payload = closed(confidential=True)
    activities = build(payload, notes=[issue_note(1, CAROL, "I can reproduce it.")])
    assert {a.kind for a in activities} == {"issue_opened", "issue_closed", "issue_comment"}
    assert all(a.confidential for a in activities)
    assert only(activities, "issue_opened").fields["confidential"] is True
    assert only(activities, "issue_opened").context["confidential"] is True


def test_only_internal_notes_of_an_open_issue_are_confidential() -> None:
    notes = [
        issue_note(1, CAROL, "Customer is ACME", internal=True, confidential=True),
        issue_note(2, CAROL, "Reproduced"),
    ]
    confidential = {a.key for a in build(notes=notes) if a.confidential}
    assert confidential == {"note:1"}


def test_an_issue_broken_into_smaller_ones() -> None:
    description = (
        "## Goal\n\nMove session to the new data model.\n\n## Plan\n\n- [x] #5\n- [ ] #6\n"
        "- [ ] my-group/other#7\n- [ ] write the runbook\n\nPart of #4"
    )
    fields = only(build(issue(description=description)), "issue_opened").fields
    assert fields["task_items"] == 4
    assert fields["task_issue_refs"] == ["#5", "#6", "my-group/other#7"]
    assert fields["mentions_issues"] == ["#5", "#6", "my-group/other#7", "#4"]
    assert fields["description_sections"] == ["goal", "plan"]


def test_an_incident() -> None:
    payload = issue(issue_type="incident", type="INCIDENT", severity="HIGH", labels=["incident"])
    opened = only(build(payload), "issue_opened")
    assert opened.fields["issue_type"] == "incident" and opened.fields["severity"] == "HIGH"
    assert opened.context["issue_type"] == "incident"


def test_the_upper_case_type_stands_in_for_a_missing_issue_type() -> None:
    payload = issue(type="INCIDENT")
    del payload["issue_type"], payload["severity"]
    opened = only(build(payload), "issue_opened")
    assert opened.fields["issue_type"] == "incident" and opened.fields["severity"] is None


def test_an_unfilled_bug_template() -> None:
    description = "## Steps to reproduce\n\n<!-- 1. 2. 3. -->\n\n## Expected\n\nA CSV.\n"
    fields = only(build(issue(description=description)), "issue_opened").fields
    assert fields["template_unfilled"] is True and fields["empty_sections"] == [
        "steps to reproduce"
    ]


@pytest.mark.parametrize("username", GITLAB_BOTS)
@pytest.mark.parametrize("actors", [EVERYONE, ActorPolicy()], ids=["everyone", "policy"])
def test_bots_never_earn_issue_activities(username: str, actors: Any) -> None:
    robot = user(66, username)
    payload = closed(author=robot, closed_by=robot)
    notes = [issue_note(1, robot, "Alert fired"), issue_note(2, BOB, "Looking")]
    activities = build(payload, notes=notes, actors=actors)
    assert [(a.kind, a.actor_username) for a in activities] == [("issue_comment", "bob")]
    assert activities[0].fields["issue_author"] == username


def test_ladder_bots_own_digest_comments_are_nobodys_activity() -> None:
    from bot.activities.notes import is_system

    digest = {
        "body": "<!-- ladder-bot:digest person=bob week=2026-W47 -->\n## Evidence",
        "system": False,
    }
    quoted = {"body": "Look: <!-- ladder-bot:digest --> is in the middle", "system": False}
    assert is_system(digest)
    assert not is_system(quoted)
    assert is_system({"body": "changed the description", "system": True})
