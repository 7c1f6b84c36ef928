"""A whole synthetic team, fetched over HTTP from the offline GitLab the way sync will fetch it.

This is the broad check: every kind shows up, every activity carries exactly its declared
fields, no bot or ghost ever acts, keys are unique, and only confidential issues and internal
notes yield confidential activities.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import gitlab
import pytest

from bot.activities import (
    ActorPolicy,
    issue_activities,
    merge_request_activities,
    notes_from_discussions,
    pipeline_activities,
)
from bot.activities.activity import Activity
from bot.activities.kinds import KIND_NAMES, problems
from bot.fakelab.generator import generate
from bot.fakelab.server import FakeGitLab

TOKEN = "activities-admin-token-0123"


@pytest.fixture(scope="module")
def team() -> dict[str, Any]:
    return generate(people=6, projects=2, weeks=3, seed=7, end=datetime(2026, 11, 23, tzinfo=UTC))


@pytest.fixture(scope="module")
def fetched(team: dict[str, Any]) -> Iterator[tuple[list[Activity], dict[str, set[int]]]]:
    """Every activity of the team, and the ids of internal notes and confidential issues."""
    policy = ActorPolicy(bot_usernames=["renovate-bot", "ci-bot"])
    activities: list[Activity] = []
    secret: dict[str, set[int]] = {"notes": set(), "issues": set()}
    with FakeGitLab(team, admin_token=TOKEN) as fake:
        gl = gitlab.Gitlab(fake.url, private_token=TOKEN, timeout=10)
        for project in gl.http_list("/projects", iterator=True):
            pid, path = project["id"], project["path_with_namespace"]
            for mr in gl.http_list(f"/projects/{pid}/merge_requests", iterator=True, state="all"):
                base = f"/projects/{pid}/merge_requests/{mr['iid']}"
                discussions = list(gl.http_list(f"{base}/discussions", iterator=True))
                notes = notes_from_discussions(discussions)
                secret["notes"] |= {n["id"] for n in notes if n.get("internal")}
                activities += merge_request_activities(
                    mr,
                    project_path=path,
                    diffs=list(gl.http_list(f"{base}/diffs", iterator=True)),
                    approvals=gl.http_get(f"{base}/approvals"),
                    notes=notes,
                    actors=policy,
                )
            for issue in gl.http_list(f"/projects/{pid}/issues", iterator=True, state="all"):
                base = f"/projects/{pid}/issues/{issue['iid']}"
                notes = list(gl.http_list(f"{base}/notes", iterator=True))
                secret["notes"] |= {n["id"] for n in notes if n.get("internal")}
                if issue["confidential"]:
                    secret["issues"].add(issue["id"])
                activities += issue_activities(issue, project_path=path, notes=notes, actors=policy)

            def actor_of(pipeline: Mapping[str, Any], pid: int = pid) -> Any:
                return gl.http_get(f"/projects/{pid}/pipelines/{pipeline['id']}").get("user")

            activities += pipeline_activities(
                list(gl.http_list(f"/projects/{pid}/pipelines", iterator=True)),
                project_path=path,
                actor_of=actor_of,
                actors=policy,
            )
    yield activities, secret


def test_every_kind_occurs(fetched: tuple[list[Activity], Any]) -> None:
    activities, _ = fetched
    assert set(Counter(a.kind for a in activities)) == KIND_NAMES


def test_every_activity_carries_exactly_its_declared_fields(
    fetched: tuple[list[Activity], Any],
) -> None:
    activities, _ = fetched
    assert [problem for activity in activities for problem in problems(activity)] == []
    for activity in activities:
        json.dumps(activity.fields)
        json.dumps(activity.context)
        assert activity.occurred_at.tzinfo is UTC


def test_keys_are_unique(fetched: tuple[list[Activity], Any]) -> None:
    activities, _ = fetched
    keys = Counter(a.key for a in activities)
    assert [key for key, count in keys.items() if count > 1] == []


def test_no_bot_ghost_or_configured_bot_acts(
    fetched: tuple[list[Activity], Any], team: dict[str, Any]
) -> None:
    activities, _ = fetched
    non_people = {u["id"] for u in team["users"] if u.get("bot") or u["username"] == "ghost"}
    assert non_people  # the team has renovate, a CI bot, token users and the ghost
    assert {a.actor_id for a in activities} & non_people == set()
    # ... yet their work is there to be reviewed by people
    assert any(a.fields.get("mr_author") == "renovate-bot" for a in activities)


def test_only_confidential_issues_and_internal_notes_are_confidential(
    fetched: tuple[list[Activity], dict[str, set[int]]], team: dict[str, Any]
) -> None:
    activities, secret = fetched
    confidential = [a for a in activities if a.confidential]
    assert confidential and secret["notes"] and secret["issues"]
    for activity in activities:
        from_note = activity.key.startswith("note:") and int(activity.key[5:]) in secret["notes"]
        from_issue = activity.subject_type == "issue" and activity.context["confidential"]
        assert activity.confidential is (from_note or from_issue), activity.key


def test_review_requests_are_dated_by_system_notes(fetched: tuple[list[Activity], Any]) -> None:
    activities, _ = fetched
    requests = [a for a in activities if a.kind == "review_requested"]
    assert requests and all(a.fields["requested_by"] is not None for a in requests)
