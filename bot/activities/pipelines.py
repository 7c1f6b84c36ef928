"""Activities of pipelines: failing, and fixing what failed.

Pipeline list items carry no user, so the caller's ``actor_of(pipeline)`` names it (from the
single pipeline's ``user``, or a cache of them); it is called at most once per pipeline.

A success *fixes* a ref when the previous finished pipeline on that ref (by ``created_at``,
then id) failed; canceled, skipped, manual and still-running pipelines in between neither
break nor make the pairing. Pairing only sees the pipelines passed in: to pair a success with
a failure from before the sync window, include the last finished pipeline of each ref.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.activities.activity import Activity
from bot.activities.actors import Actors, may_act
from bot.activities.payloads import (
    hours_between,
    optional_time,
    parse_time,
    require,
    require_int,
    username,
)
from bot.activities.subjects import pipeline_subject

ActorOf = Callable[[Mapping[str, Any]], Mapping[str, Any] | None]
_FINISHED = frozenset({"success", "failed"})


def pipeline_activities(
    pipelines: Sequence[Mapping[str, Any]],
    *,
    project_path: str,
    actor_of: ActorOf,
    actors: Actors,
    base_url: str | None = None,
) -> list[Activity]:
    """``pipeline_failed`` and ``pipeline_fixed`` activities, ordered by time then key."""
    users: dict[int, Mapping[str, Any] | None] = {}

    def actor(pipeline: Mapping[str, Any]) -> Mapping[str, Any] | None:
        if pipeline["id"] not in users:
            users[pipeline["id"]] = actor_of(pipeline)
        return users[pipeline["id"]]

    refs: dict[str, list[Mapping[str, Any]]] = {}
    for pipeline in pipelines:
        what = f"pipeline {project_path} {pipeline.get('id')}"
        require_int(pipeline, "id", what)
        refs.setdefault(str(require(pipeline, "ref", what)), []).append(pipeline)
    activities: list[Activity] = []
    for ref_pipelines in refs.values():
        ref_pipelines.sort(key=lambda p: (_created(p), p["id"]))
        previous: Mapping[str, Any] | None = None
        for pipeline in ref_pipelines:
            status = pipeline.get("status")
            if status not in _FINISHED:
                continue
            user = actor(pipeline)
            if user is not None and may_act(user, actors):
                if status == "failed":
                    activities.append(_activity(pipeline, user, project_path, base_url))
                elif previous is not None and previous.get("status") == "failed":
                    activities.append(
                        _activity(
                            pipeline,
                            user,
                            project_path,
                            base_url,
                            failed=previous,
                            failed_by=actor(previous),
                        )
                    )
            previous = pipeline
    return sorted(activities, key=lambda activity: (activity.occurred_at, activity.key))


def _created(pipeline: Mapping[str, Any]) -> datetime:
    what = f"pipeline {pipeline['id']}"
    return parse_time(require(pipeline, "created_at", what), f"{what} created_at")


def finished_at(pipeline: Mapping[str, Any]) -> datetime:
    """``finished_at`` (single payloads), else ``updated_at`` (list items), else creation."""
    what = f"pipeline {pipeline['id']}"
    return (
        optional_time(pipeline, "finished_at", what)
        or optional_time(pipeline, "updated_at", what)
        or _created(pipeline)
    )


def _activity(
    pipeline: Mapping[str, Any],
    user: Mapping[str, Any],
    project_path: str,
    base_url: str | None,
    *,
    failed: Mapping[str, Any] | None = None,
    failed_by: Mapping[str, Any] | None = None,
) -> Activity:
    subject = pipeline_subject(pipeline, project_path=project_path, base_url=base_url)
    source = pipeline.get("source")
    when = finished_at(pipeline)
    fields: dict[str, Any] = {
        "ref": subject.context["ref"],
        "sha": str(pipeline.get("sha") or ""),
        "source": source if isinstance(source, str) else None,
    }
    if failed is not None:
        fields |= {
            "failed_pipeline_id": failed["id"],
            "failed_by": username(failed_by),
            "hours_to_fix": hours_between(finished_at(failed), when),
        }
    return subject.activity(
        key=f"pipeline:{pipeline['id']}:{'fixed' if failed is not None else 'failed'}",
        kind="pipeline_fixed" if failed is not None else "pipeline_failed",
        actor=user,
        occurred_at=when,
        fields=fields,
    )
