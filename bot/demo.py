"""``make demo``: a synthetic team, an offline GitLab, and ladder-bot syncing it, end to end.

Everything lands in ``./demo/``: the dataset, the config ladder-bot runs with, and the SQLite
store. The offline GitLab runs only while the demo runs.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.cli import main as cli
from bot.digest.weeks import last_complete
from bot.fakelab.generator import generate, write_dataset
from bot.fakelab.server import FakeGitLab
from bot.ladder import load_ladder
from bot.store import db
from bot.store.models import Activity, Evidence

DEMO_DIR = Path("demo")
PEOPLE, PROJECTS, WEEKS, SEED = 8, 3, 6, 7
TOKEN_ENV = "LADDER_BOT_DEMO_TOKEN"


def _config(url: str, people: list[dict[str, object]]) -> str:
    lines = [
        "# Written by `make demo`: ladder-bot against the offline GitLab it started.",
        'timezone = "Europe/Berlin"',
        "",
        "[gitlab]",
        f'url = "{url}"',
        f'token_env = "{TOKEN_ENV}"',
        "",
        "[watch]",
        'groups = ["acme"]',
        "",
        "[database]",
        f'url = "sqlite:///{DEMO_DIR / "ladder-bot.db"}"',
        "",
        "[bots]",
        'patterns = ["*-bot", "renovate*"]',
        "",
        "[rules]",
        'dir = "../rules"',
        'ladder = "../ladder.yaml"',
    ]
    for person in people:
        lines += [
            "",
            "[[people]]",
            f'username = "{person["username"]}"',
            f"level = {person['level']}",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    now = datetime.now(UTC)
    end = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    DEMO_DIR.mkdir(exist_ok=True)
    dataset_path = DEMO_DIR / "team.json"
    dataset = generate(people=PEOPLE, projects=PROJECTS, weeks=WEEKS, seed=SEED, end=end)
    write_dataset(dataset, dataset_path)
    print(
        f"1. Set up, and generated {PEOPLE} people x {WEEKS} weeks in {PROJECTS} projects: {dataset_path}"
    )
    token = os.urandom(12).hex()
    with FakeGitLab(dataset_path, admin_token=token) as fake:
        print(f"2. Offline GitLab serving it at {fake.url}")
        config_path = DEMO_DIR / "config.toml"
        config_path.write_text(_config(fake.url, dataset["meta"]["people"]))
        (DEMO_DIR / "ladder-bot.db").unlink(missing_ok=True)
        os.environ[TOKEN_ENV] = token
        print(f"3. ladder-bot sync --config {config_path}  (into a fresh SQLite file)")
        cli.main(args=["sync", "--config", str(config_path)], standalone_mode=False)
    engine = db.make_engine(f"sqlite:///{DEMO_DIR / 'ladder-bot.db'}")
    with db.session_factory(engine)() as session:
        rows = session.scalars(select(Activity)).all()
    collected: dict[str, Counter[str]] = {}
    for row in rows:
        collected.setdefault(row.actor_username, Counter())[row.kind] += 1
    print(
        "4. What was collected for each person (raw activity: rules turn it into evidence later):"
    )
    for person in sorted(dataset["meta"]["people"], key=lambda p: str(p["username"])):
        kinds = collected.get(str(person["username"]), Counter())
        summary = ", ".join(
            f"{kind.replace('_', ' ')} {count}" for kind, count in sorted(kinds.items())
        )
        print(f"   {person['username']} (level {person['level']}): {summary or 'nothing yet'}")
    bots = sorted(u["username"] for u in dataset["users"] if u.get("bot"))
    print(f"   bot accounts, never collected as people: {', '.join(bots)}")
    print(f"5. ladder-bot match --config {config_path}  (rules/*.yaml against ladder.yaml)")
    cli.main(args=["match", "--config", str(config_path)], standalone_mode=False)
    print("6. Each person's evidence, by ladder expectation (newest example linked):")
    ladder = load_ladder(Path("ladder.yaml"))
    with db.session_factory(engine)() as session:
        evidence = session.scalars(select(Evidence).order_by(Evidence.occurred_at)).all()
    engine.dispose()
    by_person: dict[str, dict[str, list[Evidence]]] = {}
    for item in evidence:
        by_person.setdefault(item.person_username, {}).setdefault(item.expectation, []).append(item)
    for person in sorted(dataset["meta"]["people"], key=lambda p: str(p["username"])):
        name = str(person["username"])
        print(f"   {name} (level {person['level']}):")
        found = by_person.get(name, {})
        if not found:
            print("      no evidence yet")
        for expectation_id in (e for e in ladder.expectations if e in found):
            items = found[expectation_id]
            latest = items[-1]
            text = ladder.expectations[expectation_id].text
            print(f"      {expectation_id}: {text}")
            print(f"         {len(items)} item(s); latest: {latest.summary}  {latest.url}")
    print(f"   (ladder-bot evidence --config {config_path} --person NAME lists every item)")
    week = last_complete(now, ZoneInfo("Europe/Berlin"))
    print(f"7. ladder-bot digest --config {config_path} --week {week}  (each person's digest)")
    cli.main(
        args=["digest", "--config", str(config_path), "--week", str(week)], standalone_mode=False
    )
    first = sorted(dataset["meta"]["people"], key=lambda p: str(p["username"]))[0]
    packet = (DEMO_DIR / f"review-{first['username']}.html").resolve()
    since = (end - timedelta(weeks=WEEKS)).date().isoformat()
    until = (now.date() - timedelta(days=1)).isoformat()
    print(f"8. ladder-bot review --person {first['username']} --since {since} --until {until}")
    cli.main(
        args=[
            "review",
            "--config",
            str(config_path),
            "--person",
            str(first["username"]),
            "--since",
            since,
            "--until",
            until,
            "--format",
            "html",
            "--out",
            str(packet),
        ],
        standalone_mode=False,
    )
    print(f"   The review packet for {first['username']}: {packet}")


if __name__ == "__main__":
    main()
