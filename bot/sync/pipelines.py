"""Pipelines: walked by ``updated_at``, attributed through their merge requests.

Derivation runs after the walk, over the whole project: a fix pairs with an earlier failure,
and a pipeline belongs to whoever authors its MR now (see ``attribution``).
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from bot.store import models
from bot.sync import attribution, bulk, derive, watermarks
from bot.sync.context import ProjectSync, updated_pages
from bot.sync.prefetch import ahead
from bot.sync.records import must_time, pipeline_values


def sync(job: ProjectSync) -> None:
    with job.sessions() as session:
        mark = None if job.full else watermarks.read(session, job.project.id, "pipelines")
        index = attribution.authors(session, job.project.id)
    since = must_time(mark.position, "watermark") - job.overlap if mark else None
    changed = False
    job.progress.start(job.path, "pipelines")
    walk = updated_pages(job.client, f"{job.api}/pipelines", {"per_page": 100}, since)
    for page, position in ahead(walk, name="pipelines"):
        with job.sessions() as session, session.begin():
            known = {
                row.id: row
                for row in session.execute(
                    select(
                        models.Pipeline.id, models.Pipeline.updated_at, models.Pipeline.status
                    ).where(models.Pipeline.id.in_([int(p["id"]) for p in page.items]))
                )
            }
            rows = []
            for payload in page.items:
                existing = known.get(int(payload["id"]))
                row = pipeline_values(payload, job.project.id, f"{job.api}/pipelines", job.now)
                unchanged = (
                    existing is not None
                    and existing.updated_at == row["updated_at"]
                    and existing.status == row["status"]
                )
                if unchanged and not job.full:
                    continue
                row["user_id"] = attribution.actor_id(payload, index)
                rows.append(row)
                job.summary.add(job.path, "pipelines", **{"updated" if existing else "new": 1})
            bulk.upsert(session, models.Pipeline, rows, ["id"])
            changed = changed or bool(rows)
            if position is not None:
                watermarks.write(
                    session, job.project.id, "pipelines", position.isoformat(), job.now
                )
        job.summary.add(job.path, "pipelines", fetched=len(page.items))
        job.progress.advance(len(page.items))
    job.progress.finish()
    _derive(job, changed)


def _derive(job: ProjectSync, changed: bool) -> None:
    """Re-derive when pipelines or the MRs they belong to changed, or a killed run left the
    derivation behind the stored pipelines."""
    counts = job.summary.counts.get((job.path, "merge_requests"), Counter())
    merge_requests_changed = any(counts[key] for key in ("new", "updated", "deleted"))
    with job.sessions() as session, session.begin():
        newest = session.scalar(
            select(func.max(models.Pipeline.updated_at)).where(
                models.Pipeline.project_id == job.project.id
            )
        )
        stamp = newest.isoformat() if newest else ""
        mark = watermarks.read(session, job.project.id, "pipelines:derived")
        behind = (mark.position if mark else None) != stamp
        if not (changed or merge_requests_changed or (behind and newest is not None)):
            return
        users = session.scalars(
            select(models.Pipeline.user_id)
            .where(
                models.Pipeline.project_id == job.project.id, models.Pipeline.user_id.is_not(None)
            )
            .distinct()
        ).all()
        job.directory.ensure(session, [{"id": uid} for uid in users], job.now)
        written, removed = derive.pipelines(session, job.directory, job.project, job.now)
        job.summary.activities.update(written=written, removed=removed)
        watermarks.write(session, job.project.id, "pipelines:derived", stamp, job.now)
