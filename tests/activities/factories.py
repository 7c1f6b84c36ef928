"""Payloads for activity tests: GitLab's documented examples (``data/``), varied by hand.

Every builder starts from a real example payload and overrides only what a test is about, so
the rest of the shape stays exactly what GitLab sends.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from bot.activities.activity import Activity
from bot.activities.kinds import problems

DATA = Path(__file__).parent / "data"
BASE_URL = "https://gitlab.example.com"
PROJECT = "my-group/my-project"


@cache
def _example(name: str) -> Any:
    return json.loads((DATA / f"{name}.json").read_text())


def example(name: str) -> Any:
    """A fresh copy of ``data/<name>.json``."""
    return copy.deepcopy(_example(name))


class Everyone:
    """An ``Actors`` that lets everybody through: what remains filtered is the module's own."""

    def eligible(self, user: Mapping[str, Any]) -> bool:
        return True


class Nobody:
    def eligible(self, user: Mapping[str, Any]) -> bool:
        return False


EVERYONE = Everyone()


def user(user_id: int, username: str, **extra: Any) -> dict[str, Any]:
    """A ``UserBasic`` as GitLab embeds it."""
    return {
        "id": user_id,
        "username": username,
        "name": username.title(),
        "state": "active",
        "locked": False,
        "avatar_url": None,
        "web_url": f"{BASE_URL}/{username}",
        **extra,
    }


ALICE = user(11, "alice")  # merge request and issue author
BOB = user(12, "bob")  # reviewer
CAROL = user(13, "carol")  # commenter who is not a reviewer


def merge_request(**overrides: Any) -> dict[str, Any]:
    """The documented ``MergeRequestBasic`` list item, by Alice, reviewer Bob, merged."""
    mr = example("merge_request_list")[0]
    mr.update(
        {
            "project_id": 3,
            "iid": 7,
            "author": ALICE,
            "assignee": ALICE,
            "assignees": [ALICE],
            "reviewers": [BOB],
            "web_url": f"{BASE_URL}/{PROJECT}/-/merge_requests/7",
        }
    )
    mr.update(overrides)
    return mr


def note(note_id: int, author: Mapping[str, Any], body: str, **overrides: Any) -> dict[str, Any]:
    """The documented single MR note (a plain comment), with another author and body."""
    payload = example("note_merge_request_single")
    payload.update(
        {
            "id": note_id,
            "author": dict(author),
            "body": body,
            "noteable_iid": 7,
            "project_id": 3,
            "created_at": "2018-09-05T10:00:00.000Z",
            "updated_at": "2018-09-05T10:00:00.000Z",
        }
    )
    payload.update(overrides)
    return payload


def system_note(
    note_id: int, author: Mapping[str, Any], body: str, created_at: str, **overrides: Any
) -> dict[str, Any]:
    return note(note_id, author, body, system=True, created_at=created_at, **overrides)


def issue_note(
    note_id: int, author: Mapping[str, Any], body: str, **overrides: Any
) -> dict[str, Any]:
    """The documented issue note, made a user comment (the example is a system note)."""
    payload = example("notes_issue_list")[0]
    payload.update(
        {
            "id": note_id,
            "author": dict(author),
            "body": body,
            "system": False,
            "noteable_iid": 1,
            "project_id": 4,
            "type": None,
        }
    )
    payload.update(overrides)
    return payload


def issue(**overrides: Any) -> dict[str, Any]:
    """The documented single issue, by Alice, open."""
    payload = example("issue_single")
    payload.update(
        {
            "author": ALICE,
            "state": "opened",
            "closed_at": None,
            "closed_by": None,
            "web_url": f"{BASE_URL}/{PROJECT}/-/issues/1",
        }
    )
    payload.update(overrides)
    return payload


def conforming(activities: list[Activity]) -> list[Activity]:
    """``activities``, after asserting each matches the registry exactly."""
    found = [problem for activity in activities for problem in problems(activity)]
    assert found == []
    return activities


def by_kind(activities: list[Activity], kind: str) -> list[Activity]:
    return [activity for activity in conforming(activities) if activity.kind == kind]


def only(activities: list[Activity], kind: str) -> Activity:
    matching = by_kind(activities, kind)
    assert len(matching) == 1, [a.key for a in matching]
    return matching[0]
