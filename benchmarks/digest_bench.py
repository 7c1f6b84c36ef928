"""Benchmark the weekly digests: 200 people's digests over a year of evidence, on SQLite.

Run with ``.venv/bin/python benchmarks/digest_bench.py [--people 200] [--rounds 3] [--keep]``.
Every figure is measured in this one run, side by side:

1. a team of ``--people`` (200) is generated over 52 weeks (20 projects, seed 1): its people
   and their ladder levels are the people the digests are for;
2. evidence with a realistic shape (the shipped rules, their explanations and summaries,
   confidential items, window rules) comes from a real sync and ``match`` of a smaller team
   (20 people over 13 weeks, served by the offline GitLab); each of the 200 people takes over
   one of those people's evidence, repeated over the four quarters of the year and sampled to
   40-80 items per month (a different rate per person), so a year of evidence is about
   150,000 rows. A full sync of 200 people would take minutes and measure sync, not digests;
3. **floor**: a bare loop that only reads each person's evidence rows up to the end of the
   week (every column, as the store's column types return them: aware datetimes, decoded
   JSON; no ORM objects), which a digest of "everything so far" would do if it read it all;
4. **digests**: ``build_digest`` + ``render_digest`` for every person, for the last complete
   week, in one session, as ``ladder-bot digest`` does. A digest reads the columns it chooses
   by (id, key, expectation, time: also timed, as a second floor) for all of a person's
   evidence, and every column only for the items it shows, so it can beat the first floor.

The target is all 200 digests in under 10 s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Person  # noqa: E402
from bot.digest import build_digest, last_complete, render_digest  # noqa: E402
from bot.digest.weeks import bounds  # noqa: E402
from bot.evidence import Earners, Matcher, match_evidence  # noqa: E402
from bot.fakelab.generator import generate  # noqa: E402
from bot.fakelab.server import FakeGitLab  # noqa: E402
from bot.ladder import Ladder, load_ladder  # noqa: E402
from bot.rules import load_rules  # noqa: E402
from bot.store import db, models  # noqa: E402
from bot.sync.bulk import table  # noqa: E402
from bot.sync.client import GitLabClient  # noqa: E402
from bot.sync.run import SyncOptions, run_sync  # noqa: E402

END = datetime(2026, 11, 23, tzinfo=UTC)  # a Monday: the year of data ends with a full week
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
ZONE = ZoneInfo("Europe/Berlin")
TOKEN = "bench-admin-token-000"
QUARTER = timedelta(weeks=13)
_E = models.Evidence


def team(people: int) -> list[Person]:
    started = time.perf_counter()
    data = generate(people=people, projects=20, weeks=52, seed=1, end=END)
    print(f"generated {people} people x 52 weeks in {time.perf_counter() - started:.1f} s")
    return [Person(p["username"], int(p["level"])) for p in data["meta"]["people"]]


def source_evidence(work: Path, ladder: Ladder) -> dict[str, list[dict[str, Any]]]:
    """Real evidence rows, by person, from a synced and matched smaller team."""
    data = generate(people=20, projects=4, weeks=13, seed=1, end=END)
    engine = db.make_engine(f"sqlite:///{work / 'source.db'}")
    db.ensure_current(engine)
    sessions = db.session_factory(engine)
    started = time.perf_counter()
    with FakeGitLab(data, admin_token=TOKEN) as fake:
        client = GitLabClient(fake.url, TOKEN, max_per_minute=0)
        try:
            run_sync(
                SyncOptions(groups=("acme",)),
                client,
                sessions,
                now=END,
                monotonic=time.monotonic,
            )
        finally:
            client.close()
    rules = load_rules(sorted((ROOT / "rules").glob("*.yaml")), list(ladder.expectations))
    names = [p["username"] for p in data["meta"]["people"]]
    matcher = Matcher(rules, ladder, lambda s: Earners.from_store(s, people=names), now=END)
    result = match_evidence(sessions, matcher)
    print(
        f"synced and matched a 20-person team over 13 weeks in "
        f"{time.perf_counter() - started:.1f} s: {result.added:,} evidence rows"
    )
    columns = [c for c in table(_E).columns if c.key != "id"]
    by_person: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with engine.connect() as connection:
        for row in connection.execute(select(*columns)):
            values = dict(row._mapping)
            by_person[values["person_username"]].append(values)
    engine.dispose()
    return dict(sorted(by_person.items()))


def year_of_evidence(
    people: list[Person], sources: dict[str, list[dict[str, Any]]], database: Path
) -> int:
    """Each person takes over a source person's evidence for the four quarters of the year,
    sampled to 40-80 items a month."""
    engine = db.make_engine(f"sqlite:///{database}")
    db.ensure_current(engine)
    pool = list(sources.values())
    written = 0
    with engine.begin() as connection:
        for index, person in enumerate(people):
            rng = random.Random(index)
            source = pool[index % len(pool)]
            rows = []
            for quarter in range(4):
                for row in source:
                    copy = dict(row)
                    copy["occurred_at"] = row["occurred_at"] - quarter * QUARTER
                    copy["key"] = f"{row['key']}~{person.username}~{quarter}"
                    copy["person_username"] = person.username
                    copy["person_id"] = 1_000_000 + index
                    rows.append(copy)
            wanted = rng.randint(40, 80) * 12
            while len(rows) < wanted:  # a quiet source person: their weeks again, days apart
                extra = dict(rng.choice(rows))
                extra["occurred_at"] -= timedelta(days=rng.randint(1, 6))
                extra["key"] = f"{extra['key']}~{len(rows)}"
                rows.append(extra)
            rows = rng.sample(rows, wanted)
            connection.execute(insert(table(_E)), rows)
            written += len(rows)
    engine.dispose()
    return written


def floor(
    sessions: Any, people: list[Person], end: datetime, columns: list[Any] | None = None
) -> tuple[float, int]:
    columns = columns or list(table(_E).columns)
    started = time.perf_counter()
    count = 0
    with sessions() as session:
        for person in people:
            query = select(*columns).where(
                _E.person_username == person.username, _E.occurred_at < end
            )
            for _row in session.execute(query):
                count += 1
    return time.perf_counter() - started, count


def digests(
    sessions: Any, ladder: Ladder, people: list[Person], week: Any
) -> tuple[float, float, list[float], int, int]:
    build_s = render_s = 0.0
    each: list[float] = []
    size = items = 0
    with sessions() as session:
        for person in people:
            started = time.perf_counter()
            digest = build_digest(session, ladder, person, week, ZONE, NOW)
            built = time.perf_counter()
            text = render_digest(digest, redact_confidential=True)
            done = time.perf_counter()
            build_s += built - started
            render_s += done - built
            each.append(done - started)
            size += len(text)
            items += len(digest.items)
    return build_s, render_s, each, size, items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="Timed rounds; the best is kept.")
    parser.add_argument("--keep", action="store_true", help="Keep the SQLite files.")
    parser.add_argument(
        "--database",
        type=Path,
        help="Reuse the year.db of a run made with --keep (same --people) instead of writing one.",
    )
    args = parser.parse_args()

    ladder = load_ladder(ROOT / "ladder.yaml")
    work = Path(tempfile.mkdtemp(prefix="digest-bench-"))
    people = team(args.people)
    if args.database is not None:
        database = args.database
        reused = db.make_engine(f"sqlite:///{database}")
        with db.session_factory(reused)() as session:
            rows = session.scalar(select(func.count()).select_from(_E)) or 0
        reused.dispose()
        print(f"reusing {database}: {rows:,} evidence rows")
    else:
        sources = source_evidence(work, ladder)
        database = work / "year.db"
        started = time.perf_counter()
        rows = year_of_evidence(people, sources, database)
        print(
            f"wrote {rows:,} evidence rows for {len(people)} people in "
            f"{time.perf_counter() - started:.1f} s ({database.stat().st_size / 1e6:.0f} MB)"
        )

    engine = db.make_engine(f"sqlite:///{database}")
    sessions = db.session_factory(engine)
    week = last_complete(NOW, ZONE)
    start, end = bounds(week, ZONE)
    with sessions() as session:
        span = session.execute(select(func.min(_E.occurred_at), func.max(_E.occurred_at))).one()
        in_week = session.scalar(
            select(func.count())
            .select_from(_E)
            .where(_E.occurred_at >= start, _E.occurred_at < end)
        )
    months = (span[1] - span[0]).days / 30.4
    print(
        f"evidence from {span[0]:%Y-%m-%d} to {span[1]:%Y-%m-%d}: "
        f"{rows / len(people) / months:.0f} items per person per month on average; "
        f"{in_week:,} in {week}"
    )

    floors, lights, totals, builds, renders = [], [], [], [], []
    each: list[float] = []
    size = items = read = 0
    choosing = [_E.id, _E.key, _E.expectation, _E.occurred_at]
    for _ in range(args.rounds):
        floor_s, read = floor(sessions, people, end)
        lights.append(floor(sessions, people, end, choosing)[0])
        build_s, render_s, each, size, items = digests(sessions, ladder, people, week)
        floors.append(floor_s)
        builds.append(build_s)
        renders.append(render_s)
        totals.append(build_s + render_s)
    engine.dispose()

    best = min(range(args.rounds), key=lambda i: totals[i])
    total, floor_s = totals[best], min(floors)
    print()
    print(f"digests for {week} ({ZONE.key}), {len(people)} people, best of {args.rounds} rounds:")

    def line(label: str, seconds: float, note: str = "") -> None:
        print(f"  {label:<58}{seconds:7.2f} s{note}")

    line(f"floor: read {read:,} evidence rows, person by person", floor_s)
    line("  the same rows, only id, key, expectation and time", min(lights))
    line("build_digest, all people", builds[best])
    line("render_digest, all people", renders[best])
    line("digests: build + render", total, f"   ({total / floor_s:.2f}x the floor)")
    print(
        f"  per digest: median {statistics.median(each) * 1000:.0f} ms, "
        f"slowest {max(each) * 1000:.0f} ms; {items / len(people):.0f} items and "
        f"{size / len(people) / 1000:.0f} kB of Markdown on average"
    )
    verdict = "met" if total < 10 else "MISSED"
    print(f"  target: all {len(people)} digests in under 10 s: {verdict}")
    if args.keep:
        print(f"kept {work}")
    else:
        for path in work.iterdir():
            path.unlink()
        work.rmdir()


if __name__ == "__main__":
    main()
