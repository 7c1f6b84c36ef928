"""``ladder-bot digest``: print one person's digest, everyone's, or post them."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.commands.digest import SEPARATOR, digest_command
from bot.digest.weeks import last_complete
from bot.fakelab.server import FakeGitLab
from tests.conftest import ADMIN_TOKEN
from tests.digest.helpers import BERLIN, LADDER, ROOT, WEEK_START, evidence, write
from tests.sync.helpers import Store

ENV = {"DIGEST_TEST_TOKEN": ADMIN_TOKEN}
L2 = "l2.impact.delivers-tasks-meeting-criteria"
L3 = "l3.mastery.implements-complex-api-handlers"


def config(
    tmp_path: Path,
    url: str = "https://gitlab.example.com",
    people: str = "",
    extra: str = "",
) -> Path:
    shutil.copy(ROOT / "ladder.yaml", tmp_path / "ladder.yaml")
    (tmp_path / "rules").mkdir(exist_ok=True)
    shutil.copy(ROOT / "tests" / "evidence" / "data" / "rules" / "basic.yaml", tmp_path / "rules")
    people = people or (
        '[[people]]\nusername = "alice"\nlevel = 2\n\n'
        '[[people]]\nusername = "bob"\nlevel = 3\n\n'
        '[[people]]\nusername = "carol"\nlevel = 1\n'
    )
    path = tmp_path / "config.toml"
    path.write_text(
        f"""timezone = "Europe/Berlin"

[gitlab]
url = "{url}"
token_env = "DIGEST_TEST_TOKEN"

[watch]
groups = ["acme"]

[database]
url = "sqlite:///{tmp_path / "store.db"}"

[privacy]
opt_out = ["carol"]
{extra}
{people}"""
    )
    return path


def digest(*args: str) -> Result:
    return CliRunner().invoke(digest_command, list(args), env=ENV)


@pytest.fixture
def stored(tmp_path: Path) -> Path:
    path = config(tmp_path)
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    write(
        store,
        [
            evidence("alice", L2, WEEK_START.replace(hour=23, minute=30), summary="alice W45"),
            evidence("bob", L3, WEEK_START.replace(day=3), summary="bob W45"),
            evidence("carol", L2, WEEK_START.replace(day=3), summary="carol W45"),
        ],
    )
    store.close()
    return path


def test_one_persons_digest(stored: Path) -> None:
    result = digest("--config", str(stored), "--person", "alice", "--week", "2026-W45")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("<!-- ladder-bot:digest person=alice week=2026-W45 -->\n")
    assert "alice W45" in out
    assert "bob" not in out and "carol" not in out
    assert out.count("<!-- ladder-bot:digest") == 1
    # Any case, and with the @ people sometimes type.
    again = digest("--config", str(stored), "--person", "@Alice", "--week", "2026-W45")
    assert again.output == out


def test_everyones_digest_each_separately_in_config_order(stored: Path) -> None:
    result = digest("--config", str(stored), "--week", "2026-W45")
    assert result.exit_code == 0, result.output
    parts = result.output.split(SEPARATOR)
    assert len(parts) == 2  # carol opted out
    alice, bob = parts
    assert alice.startswith("<!-- ladder-bot:digest person=alice week=2026-W45 -->\n")
    assert bob.startswith("<!-- ladder-bot:digest person=bob week=2026-W45 -->\n")
    assert "alice W45" in alice and "bob W45" not in alice
    assert "bob W45" in bob and "alice W45" not in bob
    assert "carol" not in result.output
    # Each is exactly the one-person digest.
    one = digest("--config", str(stored), "--person", "bob", "--week", "2026-W45").output
    assert bob == one


def test_the_week_defaults_to_the_last_complete_one(stored: Path) -> None:
    before = last_complete(datetime.now(UTC), BERLIN)
    result = digest("--config", str(stored), "--person", "alice")
    after = last_complete(datetime.now(UTC), BERLIN)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] in {
        f"<!-- ladder-bot:digest person=alice week={week} -->" for week in (before, after)
    }


def test_confidential_evidence_is_redacted_unless_asked(tmp_path: Path) -> None:
    path = config(tmp_path)
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    write(store, [evidence("alice", L2, WEEK_START, summary="secret fix", confidential=True)])
    store.close()
    redacted = digest("--config", str(path), "--person", "alice", "--week", "2026-W45").output
    assert "(confidential)" in redacted and "secret fix" not in redacted
    shown = digest(
        "--config", str(path), "--person", "alice", "--week", "2026-W45", "--show-confidential"
    ).output
    assert "secret fix" in shown


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--person", "dave"), "ladder-bot: dave is not in [[people]] of config.toml"),
        (("--person", "carol"), "ladder-bot: carol opted out ([privacy] opt_out)"),
        (("--week", "2025-W53"), "ladder-bot: 2025-W53 is not an ISO week (2025 has 52 weeks)"),
        (("--week", "soon"), "ladder-bot: expected an ISO week such as 2026-W47, got 'soon'"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(
    stored: Path, args: tuple[str, ...], message: str
) -> None:
    result = digest("--config", str(stored), *args)
    assert result.exit_code == 2
    assert result.output.startswith(message)
    assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_no_people_is_an_error(tmp_path: Path) -> None:
    path = config(tmp_path, people="\n")
    result = digest("--config", str(path), "--week", "2026-W45")
    assert result.exit_code == 2
    assert "no [[people]] in config.toml" in result.output


def test_end_to_end_from_the_offline_gitlab(fake: FakeGitLab, tmp_path: Path) -> None:
    """sync, match, digest: the small team's real evidence, printed and then posted."""
    from bot.cli import main

    path = config(
        tmp_path,
        fake.url,
        people=(
            '[[people]]\nusername = "alice"\nlevel = 2\ndigest_issue = "acme/backend#3"\n\n'
            '[[people]]\nusername = "bob"\nlevel = 3\ndigest_issue = "acme/backend#3"\n'
        ),
    )
    runner = CliRunner()
    for command in (["sync", "--quiet"], ["match", "--quiet"]):
        result = runner.invoke(main, [*command, "--config", str(path)], env=ENV)
        assert result.exit_code == 0, result.output
    printed = digest("--config", str(path), "--week", "2026-W45")
    assert printed.exit_code == 0, printed.output
    alice, bob = printed.output.split(SEPARATOR)
    assert f"[acme/backend MR 1]({fake.url}/acme/backend/-/merge_requests/1)" in alice
    assert "🆕" in alice and "Add retry to webhook sender" in alice
    assert "comment on issue 1" in bob

    fake.clear_logs()
    posted = digest("--config", str(path), "--week", "2026-W45", "--post")
    assert posted.exit_code == 0, posted.output
    lines = posted.output.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("I posted the weekly digest for alice (2026-W45) on acme/backend#3")
    assert fake.actions() == [] and fake.notifications() == []
    again = digest("--config", str(path), "--week", "2026-W45", "--post")
    assert again.exit_code == 0, again.output
    assert "as it was" in again.output.splitlines()[0]
    dry = digest("--config", str(path), "--week", "2026-W45", "--post", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert len(dry.output.splitlines()) == 2
    assert LADDER  # the ladder the CLI read is the project's
