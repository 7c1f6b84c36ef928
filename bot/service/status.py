"""What ``ladder-bot status`` shows: is the bot keeping up, and what went wrong last.

Read-only, and it never takes the leader lock, so it works while ``run`` is running. Times are
stored in UTC; the JSON keeps them so (ISO 8601 with ``Z``), the table shows them in the
configured time zone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Column, Engine, Float, MetaData, Table, Unicode, inspect, select
from sqlalchemy.engine import make_url

from bot.errors import BotError
from bot.service.lock import describe
from bot.store import db, models

RUNS = 5
ERRORS = 3
POST_DAYS = 7
_WEEK = re.compile(r"[0-9]{4}-W[0-9]{2}")

_jobs = Table(
    "apscheduler_jobs",
    MetaData(),
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25)),
)


def open_store(database_url: str) -> Engine:
    """An engine on a store that exists and has this version's schema; never creates one."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        name = url.database or ""
        if not name or name == ":memory:" or not Path(name).is_file():
            raise BotError(
                f"nothing stored yet: {describe(database_url)} does not exist "
                "(ladder-bot run, or ladder-bot sync, creates it)"
            )
    engine = db.make_engine(database_url)
    try:
        if db.current_revision(engine) is None:
            raise BotError(
                f"nothing stored yet in {describe(database_url)} "
                "(ladder-bot run, or ladder-bot sync, creates the tables)"
            )
        db.ensure_current(engine)  # refuses an older or newer schema, with what to do
    except BaseException:
        engine.dispose()
        raise
    return engine


def collect_status(engine: Engine, *, now: datetime, database: str = "") -> dict[str, Any]:
    """Everything ``status`` shows, as plain JSON-ready data (times as UTC ISO strings)."""
    tables = set(inspect(engine).get_table_names())
    with db.session_factory(engine)() as session:
        runs = session.scalars(
            select(models.SyncRun).order_by(models.SyncRun.id.desc()).limit(RUNS)
        ).all()
        failures = session.scalars(
            select(models.SyncRun)
            .where(models.SyncRun.error.is_not(None))
            .order_by(models.SyncRun.id.desc())
            .limit(ERRORS)
        ).all()
        marks = session.execute(
            select(models.Watermark, models.Project.path)
            .join(models.Project, models.Project.id == models.Watermark.project_id, isouter=True)
            .order_by(models.Project.path, models.Watermark.resource)
        ).all()
        state = session.get(models.MatchState, "evidence")
        posts: list[dict[str, Any]] | None = None
        if models.DigestPost.__tablename__ in tables:
            since = now - timedelta(days=POST_DAYS)
            rows = session.scalars(
                select(models.DigestPost)
                .where(
                    (models.DigestPost.posted_at >= since) | (models.DigestPost.claimed_at >= since)
                )
                .order_by(models.DigestPost.week.desc(), models.DigestPost.person)
            ).all()
            posts = [
                {
                    "person": row.person,
                    "week": row.week,
                    "state": row.state,
                    "destination": row.destination,
                    "url": row.url,
                    "claimed_at": _iso(row.claimed_at),
                    "posted_at": _iso(row.posted_at),
                }
                for row in rows
                if _WEEK.fullmatch(row.week)
            ]
    jobs: list[dict[str, Any]] = []
    if _jobs.name in tables:
        with engine.connect() as connection:
            for job_id, stamp in connection.execute(
                select(_jobs.c.id, _jobs.c.next_run_time).order_by(_jobs.c.id)
            ):
                moment = datetime.fromtimestamp(stamp, UTC) if stamp is not None else None
                jobs.append({"job": job_id, "next_run_at": _iso(moment)})
    return {
        "database": database,
        "now": _iso(now),
        "sync_runs": [_run(run) for run in runs],
        "next_runs": jobs,
        "last_errors": [
            {"when": _iso(run.finished_at or run.started_at), "step": "sync", "error": run.error}
            for run in failures
        ],
        "watermarks": [
            {
                "project": path or f"(project {mark.project_id})",
                "resource": mark.resource,
                "position": mark.position,
                "updated_at": _iso(mark.updated_at),
                "reconciled_at": _iso(mark.reconciled_at),
            }
            for mark, path in marks
        ],
        "last_match": (
            {"matched_at": _iso(state.matched_at), "activities_up_to": _iso(state.position)}
            if state is not None
            else None
        ),
        "digest_posts": posts,
    }


def _run(run: models.SyncRun) -> dict[str, Any]:
    summary = run.summary or {}
    return {
        "id": run.id,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "status": run.status,
        "summary": summary_line(summary) if summary else "",
        "requests": summary.get("requests"),
        "error": run.error,
    }


def summary_line(summary: dict[str, Any]) -> str:
    """A stored run summary as ``SyncSummary.line`` wrote it."""
    parts = [f"{key} {int(summary.get(key) or 0):,}" for key in SUMMARY_COUNTS]
    parts.append(f"requests {int(summary.get('requests') or 0):,}")
    parts.append(f"{float(summary.get('seconds') or 0):.1f} s")
    return ", ".join(parts)


SUMMARY_COUNTS = ("fetched", "new", "updated", "deleted")


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# -- the table -----------------------------------------------------------------------------------


def render_status(report: dict[str, Any], zone: ZoneInfo) -> str:
    """The report as text: one section per question, times in ``zone``."""

    def when(text: str | None) -> str:
        if text is None:
            return "-"
        moment = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(zone)
        return f"{moment:%Y-%m-%d %H:%M %Z}"

    out: list[str] = [f"ladder-bot status for {report['database']}", ""]
    out.append("Last sync runs (newest first):")
    if not report["sync_runs"]:
        out.append("  none yet")
    for run in report["sync_runs"]:
        line = f"  {when(run['started_at'])}  {run['status']:<8} {run['summary']}"
        out.append(line.rstrip())
        if run["error"]:
            out.append(f"      error: {run['error']}")
    out += ["", "Next runs:"]
    if not report["next_runs"]:
        out.append("  not scheduled: ladder-bot run has not run against this database")
    for job in report["next_runs"]:
        at = when(job["next_run_at"]) if job["next_run_at"] else "paused"
        out.append(f"  {job['job']:<8} {at}")
    out += ["", "Last errors:"]
    if not report["last_errors"]:
        out.append("  none")
    for error in report["last_errors"]:
        out.append(f"  {when(error['when'])}  {error['step']}: {error['error']}")
    out += ["", "Watermarks (how far each project's resources are collected):"]
    if not report["watermarks"]:
        out.append("  none yet")
    width = max((len(mark["project"]) for mark in report["watermarks"]), default=0)
    for mark in report["watermarks"]:
        position = mark["position"] or f"reconciled {when(mark['reconciled_at'])}"
        out.append(
            f"  {mark['project']:<{width}}  {mark['resource']:<18} {position}"
            f"  (written {when(mark['updated_at'])})"
        )
    out += ["", "Last match:"]
    match = report["last_match"]
    if match is None:
        out.append("  none yet")
    else:
        out.append(
            f"  {when(match['matched_at'])}, activities up to {when(match['activities_up_to'])}"
        )
    out += ["", f"Digests of the last {POST_DAYS} days:"]
    posts = report["digest_posts"]
    if posts is None:
        out.append("  (this store has no digest records)")
    elif not posts:
        out.append("  none")
    for post in posts or ():
        at = when(post["posted_at"] or post["claimed_at"])
        out.append(
            f"  {post['week']}  {post['person']:<16} {post['state']:<8} {at}  {post['destination']}"
        )
    return "\n".join(out) + "\n"
