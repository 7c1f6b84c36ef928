"""Benchmark the offline GitLab: the generator's speed and the requests it serves per second.

Run with ``make bench`` or ``.venv/bin/python benchmarks/fakelab_bench.py [--quick]``. Every
figure is measured in this one run, side by side, so the ratios hold on any machine:

- the generator at 20 and 200 people × 52 weeks (time, MRs, file size, people-weeks per second);
- requests per second for typical API calls against the 200-person dataset, next to a bare
  ``http.server`` answering ``{}`` (the ceiling for any stdlib HTTP server on this machine).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

from bot.fakelab.dataset import load_dataset
from bot.fakelab.generator import generate, write_dataset
from bot.fakelab.server import FakeGitLab

END = datetime(2026, 11, 23, tzinfo=UTC)
TOKEN = "bench-admin-token-000"


def measure_generator(people: int, weeks: int, projects: int, out: Path) -> dict[str, float]:
    started = time.perf_counter()
    data = generate(people=people, projects=projects, weeks=weeks, seed=1, end=END)
    built = time.perf_counter()
    write_dataset(data, out)
    written = time.perf_counter()
    mrs = sum(len(p.get("merge_requests", [])) for p in data["projects"])
    notes = sum(
        len(m.get("notes", [])) for p in data["projects"] for m in p.get("merge_requests", [])
    )
    return {
        "seconds": written - started,
        "generate_s": built - started,
        "write_s": written - built,
        "mrs": mrs,
        "notes": notes,
        "mb": out.stat().st_size / 1e6,
        "people_weeks_per_s": people * weeks / (written - started),
    }


class _Bare(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # as the offline GitLab does, or keep-alive costs 40 ms

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        return


def rate(url: str, headers: dict[str, str], seconds: float, threads: int) -> float:
    """Requests per second over keep-alive connections, ``threads`` clients at once."""
    deadline = time.perf_counter() + seconds

    def worker() -> int:
        session = requests.Session()
        done = 0
        while time.perf_counter() < deadline:
            response = session.get(url, headers=headers, timeout=30)
            response.raise_for_status()
            done += 1
        return done

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        total = sum(pool.map(lambda _: worker(), range(threads)))
    return total / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller team, shorter runs")
    args = parser.parse_args()
    big_people = 40 if args.quick else 200
    seconds = 1.0 if args.quick else 3.0
    work = Path(tempfile.mkdtemp(prefix="fakelab-bench-"))

    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print("\n## Generator (52 weeks)")
    small = measure_generator(20, 52, 4, work / "small.json")
    big = measure_generator(big_people, 52, 20, work / "big.json")
    for label, row in (("20 people", small), (f"{big_people} people", big)):
        print(
            f"{label:>12}: {row['seconds']:6.1f} s ({row['generate_s']:.1f} s build + {row['write_s']:.1f} s write), "
            f"{row['mrs']:,} MRs, {row['notes']:,} MR notes, {row['mb']:.0f} MB, "
            f"{row['people_weeks_per_s']:,.0f} people-weeks/s"
        )
    print(
        f"scaling: {big_people / 20:.0f}x the people took {big['seconds'] / small['seconds']:.1f}x the time"
    )

    started = time.perf_counter()
    state = load_dataset(work / "big.json")
    load_s = time.perf_counter() - started
    print(f"\nloading the {big_people}-person dataset into the server: {load_s:.1f} s")

    bare = ThreadingHTTPServer(("127.0.0.1", 0), _Bare)
    threading.Thread(target=bare.serve_forever, daemon=True).start()
    bare_url = f"http://127.0.0.1:{bare.server_address[1]}/"

    with FakeGitLab(state, admin_token=TOKEN) as fake:
        project = min(state.projects.values(), key=lambda p: p.id)
        mr = next(iter(project.merge_requests.values()))
        api = f"{fake.url}/api/v4"
        pid = project.id
        cases: list[tuple[str, str]] = [
            ("GET /version", f"{api}/version"),
            ("single MR", f"{api}/projects/{pid}/merge_requests/{mr.iid}"),
            (
                "MR notes page (100)",
                f"{api}/projects/{pid}/merge_requests/{mr.iid}/notes?per_page=100",
            ),
            (
                "MR list page (100)",
                f"{api}/projects/{pid}/merge_requests?per_page=100&state=all&order_by=updated_at&sort=asc",
            ),
            (
                "MR list page (100), simple view",
                f"{api}/projects/{pid}/merge_requests?per_page=100&state=all&view=simple",
            ),
            ("project events page (100)", f"{api}/projects/{pid}/events?per_page=100"),
            (
                "comment feed page (100), as sync asks",
                f"{api}/projects/{pid}/events?action=commented&after=2025-11-01"
                "&sort=asc&per_page=100&page=5",
            ),
        ]
        headers = {"PRIVATE-TOKEN": TOKEN}
        print(
            f"\n## Requests per second ({len(project.merge_requests):,} MRs in the project measured)"
        )
        for threads in (1, 4):
            ceiling = rate(bare_url, {}, seconds, threads)
            print(
                f"\n{threads} client thread(s); bare http.server answering {{}}: {ceiling:,.0f} req/s"
            )
            for label, url in cases:
                served = rate(url, headers, seconds, threads)
                print(f"  {label:<38} {served:8,.0f} req/s  ({served / ceiling:5.2f} of bare)")
    bare.shutdown()
    summary = {"generator": {"20": small, str(big_people): big}, "load_s": load_s}
    (work / "summary.json").write_text(json.dumps(summary, indent=2))
    print(f"\nraw figures: {work / 'summary.json'}")


if __name__ == "__main__":
    main()
