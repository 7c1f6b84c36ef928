"""Benchmark the sync: requests, time and memory, next to Perceval, incrementally and under faults.

Run with ``.venv/bin/python benchmarks/sync_bench.py [--quick] [--sizes 20,50,200]``. Every
figure is measured in this one run, side by side, against the offline GitLab on a free port:

1. a full sync of generated teams (52 weeks, projects = people / 10, at least 4, seed 1) into a
   fresh SQLite file each: requests per MR, requests by endpoint, wall time, MRs per second and
   the peak memory of the syncing process;
2. the same dataset fetched by Perceval's GitLab backend (merge requests and issues with their
   notes, every project): requests and wall time, ladder-bot's next to Perceval's;
3. incremental re-syncs: nothing changed, then 1% of the MRs changed and some commented on;
4. the sync under 20% 5xx answers and a 600-per-minute rate limit, on virtual time, whose stored
   activities must equal the fault-free run's.

Each sync and each Perceval run is a separate process (``multiprocessing``, spawn), so its peak
RSS is its own (read from ``VmHWM``: see :func:`peak_rss_mb`); the offline GitLab holding the
dataset runs in this process. A full sync fetches its diffs through the courier, a child of the
sync's process, whose CPU time and peak RSS are reported apart (:class:`CourierWatch`). Raw figures go to a JSON file in a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnContext
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import requests
from sqlalchemy import func, select

from bot.fakelab.generator import generate
from bot.fakelab.server import FakeGitLab
from bot.store import db, models
from bot.sync.client import GitLabClient
from bot.sync.run import SyncOptions, run_sync

END = datetime(2026, 11, 23, tzinfo=UTC)
FIRST_SYNC = END + timedelta(hours=12)  # the time the first sync says it runs at
TOKEN = "bench-admin-token-000"
WEEKS = 52
SEED = 1
FAULT_SEED = 7
FAULT_ERROR_RATE = 0.2
FAULT_RATE_LIMIT = 600  # requests per window and token
FAULT_WINDOW_S = 60
PRODUCTION_PACING = 600  # sync.max_requests_per_minute's default
# Requests that fetch what Perceval fetches too (MRs, issues, their notes and changes); the
# rest (pipelines, approvals, users, the project list) is data Perceval's backend never asks for.
LIKE_FOR_LIKE = frozenset(
    {
        "MR list",
        "MR (single)",
        "MR diffs",
        "MR notes",
        "issue list",
        "issue (single)",
        "issue notes",
        "events (commented)",
    }
)
_PROJECT = r"/projects/[^/]+"
_KINDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"^{_PROJECT}/merge_requests$"), "MR list"),
    (re.compile(rf"^{_PROJECT}/merge_requests/\d+$"), "MR (single)"),
    (re.compile(rf"^{_PROJECT}/merge_requests/\d+/(diffs|changes)$"), "MR diffs"),
    (re.compile(rf"^{_PROJECT}/merge_requests/\d+/notes$"), "MR notes"),
    (re.compile(rf"^{_PROJECT}/(merge_requests|issues)/\d+/notes/\d+/award_emoji$"), "note emoji"),
    (re.compile(rf"^{_PROJECT}/(merge_requests|issues)/\d+/award_emoji$"), "award emoji"),
    (re.compile(rf"^{_PROJECT}/merge_requests/\d+/versions(/\d+)?$"), "MR versions"),
    (re.compile(rf"^{_PROJECT}/merge_requests/\d+/(approvals|approval_state)$"), "MR approvals"),
    (re.compile(rf"^{_PROJECT}/issues$"), "issue list"),
    (re.compile(rf"^{_PROJECT}/issues/\d+$"), "issue (single)"),
    (re.compile(rf"^{_PROJECT}/issues/\d+/notes$"), "issue notes"),
    (re.compile(rf"^{_PROJECT}/pipelines(/\d+)?$"), "pipelines"),
    (re.compile(r"^/users/\d+$"), "users"),
    (re.compile(r"^/groups/[^/]+/projects$"), "projects"),
    (re.compile(rf"^{_PROJECT}$"), "projects"),
]


def request_kind(path: str, query: str) -> str:
    """What a logged request asked for: ``MR diffs``, ``events (commented)``, ``users``…"""
    below = path.removeprefix("/api/v4")
    if re.match(rf"^{_PROJECT}/events$", below):
        action = parse_qs(query).get("action", ["all"])[0]
        return f"events ({action})"
    for pattern, kind in _KINDS:
        if pattern.match(below):
            return kind
    return "other " + re.sub(r"/\d+", "/:id", below)


def kinds_of(log: Iterable[Mapping[str, Any]]) -> Counter[str]:
    return Counter(request_kind(str(entry["path"]), str(entry["query"])) for entry in log)


def projects_for(people: int) -> int:
    return max(4, round(people / 10))


def peak_rss_mb() -> float:
    """This process's own peak resident set so far, in MB.

    ``VmHWM`` where Linux has it: ``ru_maxrss`` survives ``execve``, so a child spawned (fork,
    then exec) by this process, which holds the whole dataset, would report this process's
    size. ``VmHWM`` belongs to the address space, which exec replaces.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return ru_maxrss_mb()


def ru_maxrss_mb() -> float:
    """``getrusage``'s peak resident set (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- virtual time, shared by the server (this process) and a sync (a child) -------------------


class VirtualClock:
    """Unix time in shared memory: the server reads it, the client's ``sleep`` moves it."""

    def __init__(self, ctx: SpawnContext, start: datetime) -> None:
        self._value = ctx.Value("d", start.timestamp())

    def time(self) -> float:
        return float(self._value.value)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    def sleep(self, seconds: float) -> None:
        with self._value.get_lock():
            self._value.value += seconds


# -- the child processes ----------------------------------------------------------------------


class TimedClient(GitLabClient):
    """ladder-bot's client, also adding up the time its requests take (HTTP, retries, waits).

    Only the exchanges themselves are timed (``_send``), not ``get`` and ``page``: a client
    class that changes those keeps its diffs out of the courier (``DiffFetcher``), and this one
    must measure the sync as it runs. The sync fetches diffs on several threads, so the sum can
    exceed wall time; the courier's requests are not in it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.http_s = 0.0
        self._timing = threading.Lock()

    def _send(self, target: str, query: dict[str, Any], **kwargs: Any) -> requests.Response:
        started = time.perf_counter()
        try:
            return super()._send(target, query, **kwargs)
        finally:
            with self._timing:
                self.http_s += time.perf_counter() - started


class CourierWatch:
    """The diff courier's peak memory (``VmHWM``), read from ``/proc`` while it runs.

    The courier is a child of the syncing process (``bot.sync.courier``), so the sync's own
    VmHWM leaves it out; its CPU time is the sync's ``RUSAGE_CHILDREN`` once it has exited.
    """

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="courier watch", daemon=True)
        self._thread.start()

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mb

    def _watch(self) -> None:
        me = str(os.getpid())
        while not self._stop.wait(0.1):
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    status = (entry / "status").read_text()
                    if b"bot.sync.courier" not in (entry / "cmdline").read_bytes():
                        continue
                except OSError:
                    continue
                fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
                if fields.get("PPid", "").strip() == me and "VmHWM" in fields:
                    self.peak_mb = max(self.peak_mb, int(fields["VmHWM"].split()[0]) / 1024)


@dataclass(frozen=True)
class SyncJob:
    url: str
    database: Path
    now: datetime
    max_per_minute: int = 0  # 0: no client-side pacing
    virtual: VirtualClock | None = None  # None: real time


def sync_child(job: SyncJob, out: Connection) -> None:
    """One ``run_sync`` in this (spawned) process; sends its figures back through ``out``."""
    try:
        engine = db.make_engine(f"sqlite:///{job.database}")
        db.ensure_current(engine)
        sessions = db.session_factory(engine)
        before = peak_rss_mb()
        virtual = job.virtual
        client = TimedClient(
            job.url,
            TOKEN,
            max_per_minute=job.max_per_minute,
            sleep=virtual.sleep if virtual else time.sleep,
            monotonic=virtual.time if virtual else time.monotonic,
            clock=virtual.time if virtual else time.time,
        )
        watch = CourierWatch()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        result = run_sync(
            SyncOptions(groups=("acme",)), client, sessions, now=job.now, monotonic=time.monotonic
        )
        wall = time.perf_counter() - started
        courier_peak_mb = watch.stop()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        courier_cpu_s = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
        stats = client.stats()
        client.close()
        engine.dispose()
        out.send(
            {
                "status": result.status,
                "message": result.message,
                "summary": result.summary.as_dict(),
                "requests": client.requests,
                "wall_s": wall,
                "http_s": client.http_s,
                "courier_cpu_s": courier_cpu_s,
                "courier_peak_mb": courier_peak_mb,
                "rss_before_mb": before,
                "rss_peak_mb": peak_rss_mb(),
                "ru_maxrss_mb": ru_maxrss_mb(),
                "retries": stats.retries,
                "rate_limit_waits": stats.rate_limit_waits,
                "rate_limit_wait_s": stats.rate_limit_wait_s,
                "pacing_waits": stats.pacing_waits,
                "pacing_wait_s": stats.pacing_wait_s,
                "backoff_wait_s": stats.backoff_wait_s,
                "waited_s": stats.waited_s,
                "by_status": {str(k): v for k, v in stats.by_status.items()},
            }
        )
    except Exception as exc:  # the parent reports it; a traceback here says where
        logging.getLogger("sync_bench").exception("sync failed")
        out.send({"error": f"{type(exc).__name__}: {exc}"})
    finally:
        out.close()


def perceval_child(url: str, project_paths: list[str], out: Connection) -> None:
    """Perceval's GitLab backend fetching MRs and issues (with notes) of every project."""
    from perceval.backends.core.gitlab import GitLab as PercevalGitLab

    logging.getLogger("perceval").setLevel(logging.ERROR)
    try:
        before = peak_rss_mb()
        counts: Counter[str] = Counter()
        started = time.perf_counter()
        for path in project_paths:
            owner, _, rest = path.partition("/")
            backend = PercevalGitLab(
                owner=owner,
                repository=rest.replace("/", "%2F"),  # a subgroup project, as Perceval spells it
                api_token=TOKEN,
                base_url=url,
                sleep_for_rate=True,
                sleep_time=0,
            )
            for category in ("merge_request", "issue"):
                for item in backend.fetch(category=category):
                    counts[category] += 1
                    counts[f"{category} notes"] += len(item["data"]["notes_data"])
        out.send(
            {
                "wall_s": time.perf_counter() - started,
                "counts": dict(counts),
                "rss_before_mb": before,
                "rss_peak_mb": peak_rss_mb(),
                "ru_maxrss_mb": ru_maxrss_mb(),
            }
        )
    except Exception as exc:
        logging.getLogger("sync_bench").exception("Perceval failed")
        out.send({"error": f"{type(exc).__name__}: {exc}"})
    finally:
        out.close()


def in_child(ctx: SpawnContext, target: Callable[..., None], *args: Any) -> dict[str, Any]:
    """Run ``target(*args, out)`` in a fresh process and return what it sent."""
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(target=target, args=(*args, sender))
    process.start()
    sender.close()
    try:
        answer: dict[str, Any] = receiver.recv()
    except EOFError:
        answer = {"error": "the child process died without an answer"}
    process.join()
    if process.exitcode:
        answer.setdefault("error", f"the child process exited with {process.exitcode}")
    return answer


# -- reading the store back -------------------------------------------------------------------


def stored_activities(database: Path) -> set[tuple[Any, ...]]:
    """``(key, kind, actor_username, occurred_at, url, fields)`` of every stored activity."""
    engine = db.make_engine(f"sqlite:///{database}")
    a = models.Activity
    with engine.connect() as connection:
        rows = connection.execute(
            select(a.key, a.kind, a.actor_username, a.occurred_at, a.url, a.fields)
        ).all()
    engine.dispose()
    return {
        (key, kind, actor, occurred, url, json.dumps(fields, sort_keys=True))
        for key, kind, actor, occurred, url, fields in rows
    }


def count_rows(database: Path, model: Any, *where: Any) -> int:
    engine = db.make_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        found = connection.execute(select(func.count()).select_from(model).where(*where)).scalar()
    engine.dispose()
    return int(found or 0)


def titles_stored(database: Path, expected: Mapping[tuple[int, int], str]) -> int:
    """How many of the changed MRs the store holds with their new title."""
    engine = db.make_engine(f"sqlite:///{database}")
    mr = models.MergeRequest
    with engine.connect() as connection:
        rows = connection.execute(select(mr.project_id, mr.iid, mr.raw)).all()
    engine.dispose()
    return sum(1 for pid, iid, raw in rows if expected.get((pid, iid)) == raw.get("title"))


# -- the measurements -------------------------------------------------------------------------


@dataclass
class Team:
    people: int
    projects: int
    mrs: int
    issues: int
    mr_notes: int
    generate_s: float
    load_s: float


def build(people: int, clock: VirtualClock) -> tuple[FakeGitLab, Team]:
    started = time.perf_counter()
    data = generate(people=people, projects=projects_for(people), weeks=WEEKS, seed=SEED, end=END)
    built = time.perf_counter()
    team = Team(
        people=people,
        projects=len(data["projects"]),
        mrs=sum(len(p.get("merge_requests", [])) for p in data["projects"]),
        issues=sum(len(p.get("issues", [])) for p in data["projects"]),
        mr_notes=sum(
            len(m.get("notes", [])) for p in data["projects"] for m in p.get("merge_requests", [])
        ),
        generate_s=built - started,
        load_s=0.0,
    )
    fake = FakeGitLab(data, admin_token=TOKEN, clock=clock.now)
    del data
    team.load_s = time.perf_counter() - built
    return fake, team


def full_sync(ctx: SpawnContext, fake: FakeGitLab, team: Team, work: Path) -> dict[str, Any]:
    database = work / f"sync-{team.people}.db"
    fake.clear_logs()
    result = in_child(ctx, sync_child, SyncJob(fake.url, database, FIRST_SYNC))
    log = fake.requests()
    result.update(
        database=str(database),
        kinds=dict(kinds_of(log)),
        logged=len(log),
        server_s=sum(float(e["duration_ms"]) for e in log) / 1000,
        mrs=team.mrs,
    )
    return result


def perceval(ctx: SpawnContext, fake: FakeGitLab) -> dict[str, Any]:
    paths = sorted(p.path_with_namespace for p in fake.state.projects.values())
    fake.clear_logs()
    result = in_child(ctx, perceval_child, fake.url, paths)
    log = fake.requests()
    result.update(
        requests=len(log),
        kinds=dict(kinds_of(log)),
        server_s=sum(float(e["duration_ms"]) for e in log) / 1000,
        statuses=dict(Counter(str(e["status"]) for e in log)),
    )
    return result


def incremental(ctx: SpawnContext, fake: FakeGitLab, database: Path) -> dict[str, Any]:
    """A re-sync with nothing changed, then one after 1% of MRs changed and some got a note."""
    projects = len(fake.state.projects)
    fake.clear_logs()
    quiet_at = FIRST_SYNC + timedelta(hours=1)
    unchanged = in_child(ctx, sync_child, SyncJob(fake.url, database, quiet_at))
    unchanged["kinds"] = dict(kinds_of(fake.requests()))
    unchanged["per_project"] = unchanged.get("requests", 0) / projects

    changed_at = FIRST_SYNC + timedelta(hours=1, minutes=30)
    # Commenters: the active people (not bots, not root, not the ghost user).
    humans = sorted(
        u.id
        for u in fake.state.users.values()
        if not (u.is_bot or u.is_admin or u.username == "ghost") and u.data.get("state") == "active"
    )
    assert humans
    titles: dict[tuple[int, int], str] = {}
    notes: list[int] = []
    total = 0
    for project in sorted(fake.state.projects.values(), key=lambda p: p.id):
        iids = sorted(project.merge_requests)
        total += len(iids)
        for n, iid in enumerate(iids[::100]):  # 1% of each project's MRs, spread over its life
            mr = project.merge_requests[iid]
            title = f"{mr.data['title']} (edited)"
            fake.mutate.update_item(
                project.path_with_namespace, "merge_requests", iid, {"title": title}, changed_at
            )
            titles[(project.id, iid)] = title
            if n % 2 == 0:  # and every other one gets a comment from someone else
                author = int(mr.data.get("author") or 0)
                commenter = next(h for h in humans[n % len(humans) :] + humans if h != author)
                stamp = changed_at + timedelta(seconds=len(notes) + 1)
                notes.append(
                    fake.mutate.add_note(
                        project.path_with_namespace,
                        "merge_requests",
                        iid,
                        {
                            "body": "Looks good, one question about the rollback plan.",
                            "author": {"id": commenter},
                            "created_at": stamp.isoformat().replace("+00:00", "Z"),
                        },
                    )
                )
    activities_before = count_rows(database, models.Activity)
    fake.clear_logs()
    changed = in_child(
        ctx, sync_child, SyncJob(fake.url, database, FIRST_SYNC + timedelta(hours=2))
    )
    changed["kinds"] = dict(kinds_of(fake.requests()))
    changed["per_project"] = changed.get("requests", 0) / projects
    note_urls = [f"#note_{note_id}" for note_id in notes]
    engine = db.make_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        urls = connection.execute(select(models.Activity.url)).scalars().all()
    engine.dispose()
    changed["verified"] = {
        "mrs_changed": len(titles),
        "mrs_total": total,
        "titles_stored": titles_stored(database, titles),
        "notes_added": len(notes),
        "notes_stored": count_rows(database, models.Note, models.Note.id.in_(notes)),
        "note_activities": sum(1 for url in urls if url.endswith(tuple(note_urls))),
        "activities_before": activities_before,
        "activities_after": len(urls),
    }
    return {"projects": projects, "unchanged": unchanged, "changed": changed}


FAULT_SCENARIOS = {
    # What the benchmark is asked for: both at once.
    "5xx + rate limit": {"error_rate": FAULT_ERROR_RATE, "rate_limit": FAULT_RATE_LIMIT},
    # With 20% errors the back-off alone keeps the client under 600 a minute, so the limit is
    # also measured on its own, where it is what holds the client back.
    "rate limit only": {"error_rate": 0.0, "rate_limit": FAULT_RATE_LIMIT},
}


def under_faults(
    ctx: SpawnContext,
    fake: FakeGitLab,
    clock: VirtualClock,
    database: Path,
    baseline: Path,
    settings: Mapping[str, Any],
) -> dict[str, Any]:
    """A first sync into ``database`` with ``settings`` on, compared with ``baseline``'s."""
    fake.set_faults(seed=FAULT_SEED, rate_window_s=FAULT_WINDOW_S, **settings)
    fake.clear_logs()
    virtual_start = clock.time()
    try:
        result = in_child(
            ctx,
            sync_child,
            SyncJob(fake.url, database, FIRST_SYNC, PRODUCTION_PACING, clock),
        )
    finally:
        fake.set_faults(error_rate=0.0, rate_limit=0)
    log = fake.requests()
    result["settings"] = dict(settings)
    result["virtual_s"] = clock.time() - virtual_start
    result["statuses"] = dict(Counter(str(e["status"]) for e in log))
    expected = stored_activities(baseline)
    found = stored_activities(database) if "error" not in result else set()
    result["activities"] = {
        "fault_free": len(expected),
        "under_faults": len(found),
        "missing": len(expected - found),
        "extra": len(found - expected),
        "equal": expected == found,
    }
    return result


def big_feeds(summary: Mapping[str, Any]) -> list[str]:
    """Projects with more comment events than GitLab's events pages reach in one query
    (``EventsFinder`` counts at most 10,001 rows, so ``rel="next"`` ends at page 101)."""
    return sorted(
        key.removesuffix(" commented events")
        for key, counts in summary.get("by_project", {}).items()
        if key.endswith(" commented events") and counts.get("fetched", 0) > 10_000
    )


# -- the report -------------------------------------------------------------------------------


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join("  " + line for line in lines)


def code_version() -> str:
    """The commit measured, and whether ``bot/`` differs from it (read-only git calls)."""
    here = Path(__file__).resolve().parent.parent
    git = ["git", "--no-optional-locks", "-C", str(here)]
    try:
        head = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run([*git, "diff", "--quiet", "HEAD", "--", "bot"]).returncode != 0
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head + (" with uncommitted changes in bot/" if dirty else "")


def verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="teams of 10 and 20 people")
    parser.add_argument("--sizes", help="team sizes, comma-separated (default 20,50,200)")
    parser.add_argument(
        "--perceval-sizes", help="team sizes to run Perceval on (default 20; must be in --sizes)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the SQLite files (1.2 GB at 200 people)"
    )
    args = parser.parse_args()
    sizes = sorted(
        {int(s) for s in (args.sizes or ("10,20" if args.quick else "20,50,200")).split(",")}
    )
    perceval_sizes = {int(s) for s in (args.perceval_sizes or "20").split(",")} & set(sizes)
    fault_size = 20 if 20 in sizes else sizes[0]
    incremental_size = 20 if args.quick or 50 not in sizes else 50
    if incremental_size not in sizes:
        incremental_size = sizes[-1]
    work = Path(tempfile.mkdtemp(prefix="sync-bench-"))
    ctx = multiprocessing.get_context("spawn")
    clock = VirtualClock(ctx, datetime(2026, 11, 23, 12, 0, tzinfo=UTC))  # a whole minute
    run_started = time.perf_counter()

    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"code: {code_version()}")
    print(f"teams: {', '.join(map(str, sizes))} people x {WEEKS} weeks, seed {SEED}")
    print("each sync runs in its own process against the offline GitLab in this one;")
    print("full syncs run without client-side pacing (max_requests_per_minute=0)")
    teams: dict[int, Team] = {}
    syncs: dict[int, dict[str, Any]] = {}
    percevals: dict[int, dict[str, Any]] = {}
    incr: dict[str, Any] = {}
    faults: dict[str, dict[str, Any]] = {}
    for people in sizes:
        print(f"\n-- {people} people: generating and loading…", flush=True)
        fake, team = build(people, clock)
        teams[people] = team
        with fake:
            print(
                f"   {team.projects} projects, {team.mrs:,} MRs, {team.issues:,} issues, "
                f"{team.mr_notes:,} MR notes; generated in {team.generate_s:.1f} s, "
                f"loaded in {team.load_s:.1f} s",
                flush=True,
            )
            syncs[people] = row = full_sync(ctx, fake, team, work)
            print(
                f"   full sync: {row.get('requests', 0):,} requests in {row.get('wall_s', 0):.1f} s"
                f"{'  ERROR ' + row['error'] if 'error' in row else ''}",
                flush=True,
            )
            if people in perceval_sizes:
                percevals[people] = p = perceval(ctx, fake)
                print(
                    f"   Perceval: {p['requests']:,} requests in {p.get('wall_s', 0):.1f} s"
                    f"{'  ERROR ' + p['error'] if 'error' in p else ''}",
                    flush=True,
                )
            if people == fault_size:
                for n, (label, settings) in enumerate(FAULT_SCENARIOS.items()):
                    faults[label] = f = under_faults(
                        ctx,
                        fake,
                        clock,
                        work / f"faults-{people}-{n + 1}.db",
                        Path(row["database"]),
                        settings,
                    )
                    print(
                        f"   {label}: {f.get('requests', 0):,} requests in "
                        f"{f.get('wall_s', 0):.1f} s",
                        flush=True,
                    )
            if people == incremental_size:
                incr = incremental(ctx, fake, Path(row["database"]))
                print("   incremental re-syncs done", flush=True)
        del fake

    # 1. full syncs
    print("\n## 1. Full sync into a fresh SQLite file")
    print(
        table(
            [
                "team",
                "MRs",
                "requests",
                "req/MR",
                "wall s",
                "MRs/s",
                "HTTP s",
                "server s",
                "courier CPU s",
                "peak RSS MB",
                "courier peak MB",
                "RSS before sync MB",
            ],
            [
                [
                    f"{n} people",
                    f"{teams[n].mrs:,}",
                    f"{s.get('requests', 0):,}",
                    f"{s.get('requests', 0) / teams[n].mrs:.2f}",
                    f"{s.get('wall_s', 0):.1f}",
                    f"{teams[n].mrs / s['wall_s']:.0f}" if s.get("wall_s") else "-",
                    f"{s.get('http_s', 0):.1f}",
                    f"{s.get('server_s', 0):.1f}",
                    f"{s.get('courier_cpu_s', 0):.1f}",
                    f"{s.get('rss_peak_mb', 0):.0f}",
                    f"{s.get('courier_peak_mb', 0):.0f}",
                    f"{s.get('rss_before_mb', 0):.0f}",
                ]
                for n, s in syncs.items()
            ],
        )
    )
    print(
        "  HTTP s: time the syncing process's requests took (HTTP, retries and waits), summed\n"
        "  over its threads, so it can exceed wall; the diff requests the courier sends\n"
        "  (bot.sync.courier, a child process) are not in it: courier CPU s is that process's\n"
        "  CPU time, courier peak MB its VmHWM. server s: the offline GitLab's own time."
    )
    kinds = sorted(
        {k for s in syncs.values() for k in s.get("kinds", {})},
        key=lambda k: -max(s.get("kinds", {}).get(k, 0) for s in syncs.values()),
    )
    print("\nrequests by endpoint")
    print(
        table(
            ["endpoint", *(f"{n} people" for n in syncs)],
            [[k, *(f"{s.get('kinds', {}).get(k, 0):,}" for s in syncs.values())] for k in kinds],
        )
    )
    for n, s in syncs.items():
        big = big_feeds(s.get("summary", {}))
        by_kind = s.get("kinds", {})
        refetched = by_kind.get("MR notes", 0) + by_kind.get("issue notes", 0)
        if big or refetched:
            print(
                f"  {n} people: {len(big)} projects have more than 10,000 comment events, past "
                f"GitLab's events cap (10,001 rows a query);\n  {refetched:,} MR/issue notes "
                "requests fetched comments item by item (user_notes_count disagreed)"
            )
    small, large = sizes[0], sizes[-1]
    if small != large and "rss_peak_mb" in syncs[small] and "rss_peak_mb" in syncs[large]:
        a, b = syncs[small], syncs[large]
        mr_ratio = teams[large].mrs / teams[small].mrs
        rss_ratio = b["rss_peak_mb"] / a["rss_peak_mb"]
        growth = [s["rss_peak_mb"] - s["rss_before_mb"] for s in (a, b)]
        print(
            f"\nmemory, {large} vs {small} people: {mr_ratio:.1f}x the MRs, peak RSS "
            f"{rss_ratio:.2f}x ({a['rss_peak_mb']:.0f} -> {b['rss_peak_mb']:.0f} MB; growth "
            f"during the sync {growth[0]:.0f} -> {growth[1]:.0f} MB): "
            + ("flat" if rss_ratio < 1.5 else "NOT flat, it grows with the data")
        )
        print(
            f"  (peak RSS is the sync process's VmHWM; getrusage's ru_maxrss said "
            f"{b.get('ru_maxrss_mb', 0):.0f} MB at {large} people, because Linux carries it over\n"
            "  exec from this process, which holds the dataset)"
        )

    # 2. Perceval
    print("\n## 2. Against Perceval (merge requests and issues with notes, every project)")
    for n, p in percevals.items():
        s = syncs[n]
        if "error" in p or "error" in s:
            print(f"  {n} people: failed: {p.get('error') or s.get('error')}")
            continue
        like = sum(v for k, v in s["kinds"].items() if k in LIKE_FOR_LIKE)
        req_ratio = p["requests"] / s["requests"]
        time_ratio = p["wall_s"] / s["wall_s"]
        c = p["counts"]
        print(
            f"  {n} people ({teams[n].mrs:,} MRs, {teams[n].issues:,} issues); Perceval fetched "
            f"{c.get('merge_request', 0):,} MRs with {c.get('merge_request notes', 0):,} notes, "
            f"{c.get('issue', 0):,} issues with {c.get('issue notes', 0):,} notes"
        )
        print(
            table(
                ["", "ladder-bot", "Perceval", "ratio"],
                [
                    [
                        "requests (all)",
                        f"{s['requests']:,}",
                        f"{p['requests']:,}",
                        f"{req_ratio:.1f}x fewer",
                    ],
                    [
                        "requests (like for like)",
                        f"{like:,}",
                        f"{p['requests']:,}",
                        f"{p['requests'] / like:.1f}x fewer",
                    ],
                    [
                        "requests per MR",
                        f"{s['requests'] / teams[n].mrs:.2f}",
                        f"{p['requests'] / teams[n].mrs:.2f}",
                        "",
                    ],
                    [
                        "wall time",
                        f"{s['wall_s']:.1f} s",
                        f"{p['wall_s']:.1f} s",
                        f"{time_ratio:.2f}x less"
                        if time_ratio >= 1
                        else f"{1 / time_ratio:.2f}x MORE",
                    ],
                    ["HTTP time (sync's threads)", f"{s['http_s']:.1f} s", "-", ""],
                    ["server time", f"{s['server_s']:.1f} s", f"{p['server_s']:.1f} s", ""],
                    ["peak RSS", f"{s['rss_peak_mb']:.0f} MB", f"{p['rss_peak_mb']:.0f} MB", ""],
                    [
                        "courier: CPU, peak RSS",
                        f"{s['courier_cpu_s']:.1f} s, {s['courier_peak_mb']:.0f} MB",
                        "-",
                        "",
                    ],
                ],
            )
        )
        print(f"  Perceval's requests by endpoint: {dict(Counter(p['kinds']).most_common())}")
        print(
            "  ladder-bot's count includes what Perceval does not collect (pipelines, approvals\n"
            "  from the approved-events feed, users, the project list); like for like counts only\n"
            f"  {', '.join(sorted(LIKE_FOR_LIKE))}. ladder-bot also writes everything to SQLite\n"
            "  and derives activities; Perceval only yields the items."
        )
        print(
            f"  target >= 10x fewer requests: {verdict(req_ratio >= 10)} ({req_ratio:.1f}x); "
            f"target >= 5x less wall time: {verdict(time_ratio >= 5)} ({time_ratio:.2f}x)"
        )
    if percevals and large not in percevals and "wall_s" in syncs.get(large, {}):
        n = max(percevals)
        p = percevals[n]
        if "error" not in p:
            per_mr = p["requests"] / teams[n].mrs
            s_per_mr = p["wall_s"] / teams[n].mrs
            est_requests = per_mr * teams[large].mrs
            est_s = s_per_mr * teams[large].mrs
            s = syncs[large]
            print(
                f"\n  ESTIMATE for {large} people (not measured; Perceval's per-MR figures at {n} "
                f"people x {teams[large].mrs:,} MRs): ~{est_requests:,.0f} requests and "
                f"~{est_s:,.0f} s; ladder-bot measured {s['requests']:,} requests and "
                f"{s['wall_s']:.0f} s: ~{est_requests / s['requests']:.1f}x fewer requests, "
                f"~{est_s / s['wall_s']:.2f}x the wall time"
            )

    # 3. incremental
    if incr:
        print(
            f"\n## 3. Incremental re-syncs ({incremental_size} people, {incr['projects']} projects)"
        )
        rows = []
        for label, key in (("nothing changed", "unchanged"), ("1% of MRs changed", "changed")):
            r = incr[key]
            rows.append(
                [
                    label,
                    f"{r.get('requests', 0):,}",
                    f"{r.get('per_project', 0):.1f}",
                    f"{r.get('wall_s', 0):.2f}",
                    f"{r.get('summary', {}).get('updated', 0):,}",
                    ", ".join(f"{k} {v}" for k, v in sorted(r.get("kinds", {}).items())),
                ]
            )
        print(
            table(
                ["re-sync", "requests", "per project", "wall s", "updated", "requests by kind"],
                rows,
            )
        )
        v = incr["changed"].get("verified", {})
        arrived = (
            v.get("titles_stored") == v.get("mrs_changed")
            and v.get("notes_stored") == v.get("notes_added")
            and v.get("note_activities") == v.get("notes_added")
        )
        print(
            f"  changed {v.get('mrs_changed')} of {v.get('mrs_total'):,} MRs' titles and added "
            f"{v.get('notes_added')} comments; stored afterwards: {v.get('titles_stored')} new "
            f"titles, {v.get('notes_stored')} new notes, {v.get('note_activities')} activities "
            f"for them (activities {v.get('activities_before'):,} -> "
            f"{v.get('activities_after'):,}): " + ("all arrived" if arrived else "NOT all arrived")
        )
        incr["arrived"] = arrived

    # 4. faults
    if faults:
        print(
            f"\n## 4. Under faults ({fault_size} people, first sync): seed {FAULT_SEED}, "
            f"GitLab's rate limit {FAULT_RATE_LIMIT} per {FAULT_WINDOW_S} s, client pacing "
            f"{PRODUCTION_PACING}/min (the default), virtual time"
        )
        base = syncs[fault_size]
        rows = []
        for label, f in faults.items():
            if "error" in f:
                rows.append([label, "NO: " + str(f["error"])[:60], *[""] * 8])
                continue
            act = f["activities"]
            rows.append(
                [
                    label,
                    f["status"],
                    f"{f['requests']:,}",
                    f"{f['retries']:,}",
                    f"{f['rate_limit_waits']} ({f['rate_limit_wait_s']:,.0f} s)",
                    f"{f['pacing_waits']} ({f['pacing_wait_s']:,.0f} s)",
                    f"{f['backoff_wait_s']:,.0f} s",
                    f"{f['virtual_s'] / 60:,.1f} min",
                    f"{f['wall_s']:.1f} s",
                    f"{act['under_faults']:,} " + ("EQUAL" if act["equal"] else "NOT EQUAL"),
                ]
            )
        print(
            table(
                [
                    "faults",
                    "completed",
                    "requests",
                    "retries",
                    "rate-limit waits",
                    "pacing waits",
                    "back-off",
                    "virtual time",
                    "wall",
                    "activities",
                ],
                rows,
            )
        )
        for label, f in faults.items():
            if "error" not in f:
                act = f["activities"]
                print(
                    f"  {label}: answers {f['statuses']}; activities vs the fault-free run's "
                    f"{act['fault_free']:,} ({base.get('requests', 0):,} requests): "
                    f"{act['missing']} missing, {act['extra']} extra"
                )
        print(
            "  activities compared as (key, kind, actor_username, occurred_at, url, fields);\n"
            "  virtual time: only the client's waits move the clock both sides read; back-offs of\n"
            "  the concurrent diff fetchers add up there, so it is an upper bound on real waiting"
        )

    total = time.perf_counter() - run_started
    print(f"\nwhole run: {total / 60:.1f} min")
    summary = {
        "sizes": sizes,
        "teams": {n: vars(t) for n, t in teams.items()},
        "full_sync": syncs,
        "perceval": percevals,
        "incremental": incr,
        "faults": faults,
        "run_s": total,
    }
    (work / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    print(f"raw figures: {work / 'summary.json'}")
    if not args.keep:
        for leftover in work.glob("*.db*"):  # the stores, with their -wal and -shm files
            leftover.unlink()
    failed = (
        any("error" in s for s in syncs.values())
        or any(not f.get("activities", {}).get("equal") for f in faults.values())
        or (incr and not incr.get("arrived"))
    )
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
