"""Pipelines, attributed to people without a request per pipeline.

Pipeline *lists* carry no ``user``. A pipeline of a merge request (``refs/merge-requests/N/head``,
its source branch, or its head commit) belongs to that MR's author, which the store already
knows; other pipelines (schedules, the default branch) earn nobody anything.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.store import models
from bot.sync import derive, watermarks
from bot.sync.context import ProjectSync, updated_pages
from bot.sync.records import must_time, pipeline_row

_MR_REF = re.compile(r"^refs/merge-requests/(\d+)/(?:head|merge|train)$")


def _authors(
    session: Session, project_id: int
) -> tuple[dict[int, int], dict[str, int], dict[str, int]]:
    by_iid: dict[int, int] = {}
    by_branch: dict[str, int] = {}
    by_sha: dict[str, int] = {}
    rows = session.scalars(
        select(models.MergeRequest)
        .where(models.MergeRequest.project_id == project_id)
        .order_by(models.MergeRequest.id)
    )
    for mr in rows:
        if mr.author_id is None:
            continue
        by_iid[mr.iid] = mr.author_id
        branch = mr.raw.get("source_branch")
        if isinstance(branch, str):
            by_branch[branch] = mr.author_id  # the newest MR of a branch wins
        if mr.sha:
            by_sha[mr.sha] = mr.author_id
    return by_iid, by_branch, by_sha


def actor_id(
    payload: dict[str, Any], index: tuple[dict[int, int], dict[str, int], dict[str, int]]
) -> int | None:
    by_iid, by_branch, by_sha = index
    user = payload.get("user")
    if isinstance(user, dict) and user.get("id") is not None:
        return int(user["id"])
    ref = str(payload.get("ref") or "")
    found = _MR_REF.match(ref)
    if found:
        return by_iid.get(int(found.group(1)))
    return by_sha.get(str(payload.get("sha"))) or by_branch.get(ref)


def sync(job: ProjectSync) -> None:
    with job.sessions() as session:
        mark = None if job.full else watermarks.read(session, job.project.id, "pipelines")
        index = _authors(session, job.project.id)
    since = must_time(mark.position, "watermark") - job.overlap if mark else None
    changed = False
    job.progress.start(job.path, "pipelines")
    for page, position in updated_pages(
        job.client, f"{job.api}/pipelines", {"per_page": 100}, since
    ):
        with job.sessions() as session, session.begin():
            for payload in page.items:
                existing = session.get(models.Pipeline, int(payload["id"]))
                row = pipeline_row(payload, job.project.id, f"{job.api}/pipelines", job.now)
                if (
                    existing is not None
                    and existing.updated_at == row.updated_at
                    and existing.status == row.status
                    and not job.full
                ):
                    continue
                row.user_id = actor_id(payload, index)
                session.merge(row)
                changed = True
                job.summary.add(job.path, "pipelines", **{"updated" if existing else "new": 1})
            if position is not None:
                watermarks.write(
                    session, job.project.id, "pipelines", position.isoformat(), job.now
                )
        job.summary.add(job.path, "pipelines", fetched=len(page.items))
        job.progress.advance(len(page.items))
    job.progress.finish()
    with job.sessions() as session, session.begin():
        # Derivation runs after the walk, over the whole project (a fix pairs with an earlier
        # failure). A run killed between the two is caught by comparing with what was derived.
        newest = session.scalar(
            select(func.max(models.Pipeline.updated_at)).where(
                models.Pipeline.project_id == job.project.id
            )
        )
        derived_mark = watermarks.read(session, job.project.id, "pipelines:derived")
        stamp = newest.isoformat() if newest else ""
        if (
            changed
            or (derived_mark is None and newest is not None)
            or (derived_mark is not None and derived_mark.position != stamp)
        ):
            users = [
                {"id": uid}
                for uid in {
                    r.user_id
                    for r in session.scalars(
                        select(models.Pipeline).where(models.Pipeline.project_id == job.project.id)
                    )
                    if r.user_id
                }
            ]
            job.directory.ensure(session, users, job.now)
            written, removed = derive.pipelines(session, job.directory, job.project, job.now)
            job.summary.activities.update(written=written, removed=removed)
            watermarks.write(session, job.project.id, "pipelines:derived", stamp, job.now)
