"""``forget``: a person's activities, evidence and digest records go; everyone else's stay.

The store is filled the real way: a sync of the offline GitLab, then matching with the test
rules, then digest records as posting leaves them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.commands.privacy import COMMANDS, forget_command
from bot.digest import claims
from bot.evidence import Earners, Matcher, match_evidence
from bot.fakelab.server import FakeGitLab
from bot.ladder import load_ladder
from bot.privacy.forget import ForgetResult, forget_person
from bot.rules import load_rules
from bot.store import models
from tests.conftest import ADMIN_TOKEN
from tests.sync.helpers import NOW, Store, sync

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "tests" / "evidence" / "data" / "rules"


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = Store(database_url)
    yield store
    store.close()


def fill(fake: FakeGitLab, store: Store) -> None:
    assert sync(fake, store, ADMIN_TOKEN).status == "ok"
    ladder = load_ladder(ROOT / "ladder.yaml")
    ruleset = load_rules(sorted(RULES.glob("*.yaml")), list(ladder.expectations))
    matcher = Matcher(ruleset, ladder, lambda session: Earners.from_store(session), NOW)
    match_evidence(store.sessions, matcher)
    for person, week in (("bob", "2026-W45"), ("bob", "2026-W46"), ("alice", "2026-W46")):
        held = claims.claim(store.sessions, person, week, "acme/backend#1", owner="t", now=NOW)
        assert held is not None
        claims.finish(
            store.sessions,
            held,
            destination="acme/backend#1",
            note_id=1,
            url=None,
            body_sha256=None,
            now=NOW,
        )


def counts(store: Store) -> dict[str, Counter[str]]:
    with store.sessions() as session:
        return {
            "activities": Counter(
                dict(
                    session.execute(
                        select(func.lower(models.Activity.actor_username), func.count()).group_by(
                            func.lower(models.Activity.actor_username)
                        )
                    ).all()
                )
            ),
            "evidence": Counter(
                dict(
                    session.execute(
                        select(models.Evidence.person_username, func.count()).group_by(
                            models.Evidence.person_username
                        )
                    ).all()
                )
            ),
            "digest_posts": Counter(
                dict(
                    session.execute(
                        select(models.DigestPost.person, func.count()).group_by(
                            models.DigestPost.person
                        )
                    ).all()
                )
            ),
        }


def test_forget_removes_the_persons_rows_and_only_theirs(fake: FakeGitLab, store: Store) -> None:
    fill(fake, store)
    before = counts(store)
    assert before["activities"]["bob"] > 0 and before["evidence"]["bob"] > 0
    assert before["activities"]["alice"] > 0 and before["evidence"]["alice"] > 0
    with store.sessions() as session:
        raw = session.scalar(select(func.count()).select_from(models.Note))

    result = forget_person(store.sessions, "Bob")

    assert result == ForgetResult("Bob", before["activities"]["bob"], before["evidence"]["bob"], 2)
    after = counts(store)
    for table in ("activities", "evidence", "digest_posts"):
        assert after[table]["bob"] == 0, table
        assert after[table] == Counter({k: v for k, v in before[table].items() if k != "bob"})
    with store.sessions() as session:  # other people's context stays
        assert session.scalar(select(func.count()).select_from(models.Note)) == raw
    assert forget_person(store.sessions, "bob") == ForgetResult("bob", 0, 0, 0)


def test_the_line_counts_in_words() -> None:
    assert ForgetResult("bob", 120, 45, 3).line() == (
        "removed 120 activities, 45 evidence items, 3 digest records for bob"
    )
    assert ForgetResult("bob", 1, 1, 1).line() == (
        "removed 1 activity, 1 evidence item, 1 digest record for bob"
    )
    assert ForgetResult("bob", 0, 0, 0).reminder(opted_out=True) is None


def write_config(tmp_path: Path, database_url: str, opt_out: list[str]) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""\
[gitlab]
url = "https://gitlab.example.com"
token_env = "GITLAB_TOKEN"

[watch]
groups = ["acme"]

[database]
url = "{database_url}"

[privacy]
opt_out = {opt_out!r}
""",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("opted_out", [False, True])
def test_the_forget_command_reports_and_reminds(
    fake: FakeGitLab, store: Store, database_url: str, tmp_path: Path, opted_out: bool
) -> None:
    fill(fake, store)
    before = counts(store)
    path = write_config(tmp_path, database_url, ["bob"] if opted_out else [])
    assert forget_command in COMMANDS

    result = CliRunner().invoke(
        forget_command, ["--person", "@bob", "--config", str(path)], env={"GITLAB_TOKEN": None}
    )

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"removed {before['activities']['bob']} activities, {before['evidence']['bob']} evidence "
        "items, 2 digest records for bob\n"
    )
    if opted_out:
        assert result.stderr == ""
    else:
        assert result.stderr == (
            "bob is not in [privacy] opt_out: add them there, or the next sync collects their "
            "activity again\n"
        )
    assert counts(store)["activities"]["bob"] == 0


def test_the_forget_command_needs_a_person_and_a_config(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(forget_command, [])
    assert missing.exit_code == 2 and "--person" in missing.output
    nowhere = runner.invoke(
        forget_command, ["--person", "bob", "--config", str(tmp_path / "none.toml")]
    )
    assert nowhere.exit_code == 2
    assert nowhere.stderr == (
        f"ladder-bot: {tmp_path / 'none.toml'}: not found (use --config FILE or "
        "$LADDER_BOT_CONFIG)\n"
    )
