"""Benchmark ``ladder-bot rederive`` next to the sync that filled the store.

Run with ``.venv/bin/python benchmarks/rederive_bench.py`` (about 30 s). The generated team of
``rules_bench.py`` (20 people x 52 weeks, seed 1) is synced through the offline GitLab into a
SQLite file, unpaced; then every activity is derived again from the stored payloads, twice.
Both runs must write and remove nothing (a sync and a rederive derive the same activities),
and the figures are printed side by side: the sync's time includes serving the requests, which
a real GitLab, pacing at 600 requests a minute, would take far longer to answer.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from rules_bench import NOW, machine, synced_activities  # noqa: E402

from bot.store import db  # noqa: E402
from bot.sync.rederive import rederive  # noqa: E402
from bot.sync.run import SyncOptions  # noqa: E402


def main() -> None:
    print(f"machine: {machine()}")
    work = Path(tempfile.mkdtemp(prefix="rederive-bench-"))
    try:
        started = time.perf_counter()
        database, activities = synced_activities(work)
        synced = time.perf_counter() - started
        engine = db.make_engine(f"sqlite:///{database}")
        try:
            times = []
            for hour in (1, 2):
                started = time.perf_counter()
                result = rederive(
                    db.session_factory(engine), SyncOptions(), now=NOW + timedelta(hours=hour)
                )
                times.append(time.perf_counter() - started)
                if result.written or result.removed:
                    raise SystemExit(f"rederive changed what the sync derived: {result.line()}")
        finally:
            engine.dispose()
    finally:
        shutil.rmtree(work)
    print(f"sync into a fresh SQLite file: {synced:.1f} s, {len(activities):,} activities")
    print(f"rederive: {result.line()}")
    print(
        f"  {', '.join(f'{t:.1f} s' for t in times)} "
        f"({len(activities) / min(times):,.0f} activities/s; {synced / min(times):.1f}x faster "
        "than the sync, which also generated and served the data)"
    )


if __name__ == "__main__":
    main()
