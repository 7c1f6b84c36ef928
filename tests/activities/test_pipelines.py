"""Pipeline activities: failures, and the success that fixes a ref."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.activities import PayloadError, pipeline_activities
from bot.activities.activity import Activity
from tests.activities.factories import (
    ALICE,
    BOB,
    EVERYONE,
    PROJECT,
    by_kind,
    conforming,
    example,
    only,
    user,
)
from tests.activities.test_bots import GITLAB_BOTS


def pipeline(pipeline_id: int, status: str, ref: str = "main", minute: int = 0) -> dict[str, Any]:
    """A documented pipeline list item (no ``user``), with another id, status, ref and time."""
    item = example("pipeline_list")[0]
    item.update(
        {
            "id": pipeline_id,
            "iid": pipeline_id - 40,
            "status": status,
            "ref": ref,
            "created_at": f"2016-08-11T11:{minute:02d}:00.000Z",
            "updated_at": f"2016-08-11T11:{minute + 5:02d}:00.000Z",
            "web_url": f"https://example.com/foo/bar/pipelines/{pipeline_id}",
        }
    )
    return item


def build(
    pipelines: list[dict[str, Any]],
    users: Mapping[int, Mapping[str, Any] | None] | None = None,
    *,
    actors: Any = EVERYONE,
    **kwargs: Any,
) -> list[Activity]:
    """Pipeline ``id`` -> its user; Alice for every pipeline not named."""
    who = users or {}
    return conforming(
        pipeline_activities(
            pipelines,
            project_path=PROJECT,
            actor_of=lambda p: who.get(p["id"], ALICE),
            actors=actors,
            **kwargs,
        )
    )


def test_the_documented_pending_pipelines_are_nothing_yet() -> None:
    assert build(example("pipeline_list")) == []


def test_a_failure_then_a_success_on_the_same_ref() -> None:
    activities = build(
        [pipeline(50, "failed", minute=0), pipeline(51, "success", minute=20)], {51: BOB}
    )
    failed = only(activities, "pipeline_failed")
    fixed = only(activities, "pipeline_fixed")
    assert failed.key == "pipeline:50:failed" and failed.actor_username == "alice"
    assert fixed.key == "pipeline:51:fixed" and fixed.actor_username == "bob"
    assert failed.occurred_at == datetime(2016, 8, 11, 11, 5, tzinfo=UTC)  # updated_at
    assert fixed.fields == {
        "ref": "main",
        "sha": "a91957a858320c0e17f3a0eca7cfacbff50ea29a",
        "source": "push",
        "failed_pipeline_id": 50,
        "failed_by": "alice",
        "hours_to_fix": 0.33,
    }
    assert failed.fields == {"ref": "main", "sha": fixed.fields["sha"], "source": "push"}
    assert fixed.url == "https://example.com/foo/bar/pipelines/51"
    assert fixed.subject_type == "pipeline" and fixed.subject_iid == 11
    assert fixed.context == {
        "id": 51,
        "iid": 11,
        "ref": "main",
        "status": "success",
        "web_url": fixed.url,
    }


def test_pairing_follows_creation_time_not_list_order() -> None:
    newest_first = [pipeline(51, "success", minute=20), pipeline(50, "failed", minute=0)]
    assert len(by_kind(build(newest_first), "pipeline_fixed")) == 1
    success_first = [pipeline(50, "success", minute=0), pipeline(51, "failed", minute=20)]
    assert by_kind(build(success_first), "pipeline_fixed") == []


def test_a_success_on_another_ref_fixes_nothing() -> None:
    activities = build([pipeline(50, "failed", "main"), pipeline(51, "success", "feature", 20)])
    assert [a.kind for a in activities] == ["pipeline_failed"]


def test_unfinished_pipelines_in_between_neither_break_nor_make_the_pair() -> None:
    pipelines = [
        pipeline(50, "failed", minute=0),
        pipeline(51, "canceled", minute=10),
        pipeline(52, "running", minute=15),
        pipeline(53, "success", minute=20),
        pipeline(54, "success", minute=30),
        pipeline(55, "skipped", minute=35),
    ]
    fixed = only(build(pipelines), "pipeline_fixed")
    assert fixed.key == "pipeline:53:fixed" and fixed.fields["failed_pipeline_id"] == 50


def test_repeated_failures_pair_with_the_latest() -> None:
    pipelines = [
        pipeline(50, "success", minute=0),
        pipeline(51, "failed", minute=10),
        pipeline(52, "failed", minute=20),
        pipeline(53, "success", minute=30),
    ]
    activities = build(pipelines)
    assert [a.key for a in by_kind(activities, "pipeline_failed")] == [
        "pipeline:51:failed",
        "pipeline:52:failed",
    ]
    assert only(activities, "pipeline_fixed").fields["failed_pipeline_id"] == 52


def test_finished_at_dates_single_pipeline_payloads() -> None:
    single = example("pipeline_single")  # success; finished 10 ms before its updated_at
    failure = pipeline(40, "failed", ref=single["ref"], minute=0)
    activities = build([failure, single], {single["id"]: single["user"]})
    fixed = only(activities, "pipeline_fixed")
    assert fixed.occurred_at == datetime(2022, 9, 21, 1, 5, 50, 175000, tzinfo=UTC)
    assert fixed.actor_username == single["user"]["username"]


def test_unknown_users_earn_nothing_and_are_asked_once() -> None:
    calls: list[int] = []

    def actor_of(p: Mapping[str, Any]) -> Mapping[str, Any] | None:
        calls.append(p["id"])
        return None if p["id"] == 50 else ALICE

    activities = pipeline_activities(
        [pipeline(50, "failed"), pipeline(51, "success", minute=20)],
        project_path=PROJECT,
        actor_of=actor_of,
        actors=EVERYONE,
    )
    fixed = only(activities, "pipeline_fixed")
    assert fixed.fields["failed_by"] is None
    assert sorted(calls) == [50, 51]


@pytest.mark.parametrize("username", [*GITLAB_BOTS, "renovate-bot"])
def test_bots_never_earn_pipeline_activities(username: str) -> None:
    robot = user(66, username)
    actors = EVERYONE if username != "renovate-bot" else _NotRenovate()
    pipelines = [pipeline(50, "failed"), pipeline(51, "success", minute=20)]
    assert build(pipelines, {50: robot, 51: robot}, actors=actors) == []
    fixed = only(build(pipelines, {50: robot, 51: BOB}, actors=actors), "pipeline_fixed")
    assert fixed.actor_username == "bob" and fixed.fields["failed_by"] == username


class _NotRenovate:
    def eligible(self, user: Mapping[str, Any]) -> bool:
        return user.get("username") != "renovate-bot"


def test_web_url_is_built_when_missing() -> None:
    item = pipeline(50, "failed")
    del item["web_url"]
    failed = only(build([item], base_url="https://git.example.org"), "pipeline_failed")
    assert failed.url == f"https://git.example.org/{PROJECT}/-/pipelines/50"


def test_a_pipeline_without_ref_is_refused() -> None:
    item = pipeline(50, "failed")
    del item["ref"]
    with pytest.raises(PayloadError, match="'ref'"):
        build([item])
