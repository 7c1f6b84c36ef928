"""``make demo``: a small synthetic team, served by the offline GitLab, read back over HTTP.

Everything happens in ``./demo/``: the dataset, and (in later releases) the database and the
digests. The offline GitLab runs only while the demo runs.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import gitlab

from bot.fakelab.generator import generate, write_dataset
from bot.fakelab.server import FakeGitLab

DEMO_DIR = Path("demo")
PEOPLE, PROJECTS, WEEKS, SEED = 8, 3, 6, 7


def main() -> None:
    now = datetime.now(UTC)
    end = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    DEMO_DIR.mkdir(exist_ok=True)
    path = DEMO_DIR / "team.json"
    dataset = generate(people=PEOPLE, projects=PROJECTS, weeks=WEEKS, seed=SEED, end=end)
    write_dataset(dataset, path)
    print(f"1. Generated {PEOPLE} people x {WEEKS} weeks in {PROJECTS} projects: {path}")
    token = "demo-admin-token-000000"
    with FakeGitLab(path, admin_token=token) as fake:
        print(f"2. Offline GitLab serving it at {fake.url}")
        gl = gitlab.Gitlab(fake.url, private_token=token, timeout=30)
        authored: Counter[str] = Counter()
        reviewed: Counter[str] = Counter()
        bots = {u["username"] for u in dataset["users"] if u.get("bot")}
        print("3. Read back through python-gitlab, per project:")
        for project in gl.projects.list(iterator=True, order_by="id", sort="asc"):
            mrs = list(project.mergerequests.list(state="all", iterator=True, per_page=100))
            issues = list(project.issues.list(state="all", iterator=True, per_page=100))
            pipelines = list(project.pipelines.list(iterator=True, per_page=100))
            print(
                f"   {project.path_with_namespace:<28} {len(mrs):>4} merge requests, "
                f"{len(issues):>4} issues, {len(pipelines):>4} pipelines"
            )
            for mr in mrs:
                authored[mr.author["username"]] += 1
                for reviewer in mr.reviewers:
                    reviewed[reviewer["username"]] += 1
        print("4. What each person's GitLab trail holds (raw activity, not evidence):")
        levels = {p["username"]: p["level"] for p in dataset["meta"]["people"]}
        for username in sorted(levels):
            print(
                f"   {username:<20} level {levels[username]}: {authored[username]:>3} MRs authored, "
                f"{reviewed[username]:>3} review requests"
            )
        print(f"   bot accounts (never earn evidence): {', '.join(sorted(bots))}")
        print(f"   API requests served: {len(fake.requests())}")
    print("Next: sync, rules and digests turn this trail into evidence (coming releases).")


if __name__ == "__main__":
    main()
