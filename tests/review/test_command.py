"""``ladder-bot review`` through the command line, against a synced and matched store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from bot.commands.review import COMMANDS, review_command
from bot.fakelab.server import FakeGitLab
from tests.conftest import ADMIN_TOKEN

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "tests" / "evidence" / "data" / "rules"
ENV = {"REVIEW_TEST_TOKEN": ADMIN_TOKEN}


def config(tmp_path: Path, url: str) -> Path:
    shutil.copytree(RULES, tmp_path / "rules")
    shutil.copy(ROOT / "ladder.yaml", tmp_path / "ladder.yaml")
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
timezone = "Europe/Berlin"

[gitlab]
url = "{url}"
token_env = "REVIEW_TEST_TOKEN"

[watch]
groups = ["acme"]

[database]
url = "sqlite:///{tmp_path / "store.db"}"

[[people]]
username = "alice"
level = 2

[[people]]
username = "bob"
level = 2

[privacy]
opt_out = ["carol"]
"""
    )
    return path


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=ENV)


def review(*args: str) -> Result:
    # The command itself; bot/cli.py registers COMMANDS as ``ladder-bot review``.
    return CliRunner().invoke(review_command, list(args), env=ENV)


@pytest.fixture
def matched(fake: FakeGitLab, tmp_path: Path) -> Path:
    path = config(tmp_path, fake.url)
    assert cli("sync", "--config", str(path), "--quiet").exit_code == 0
    result = cli("match", "--config", str(path), "--quiet")
    assert result.exit_code == 0, result.output
    return path


def test_review_writes_an_html_file_and_prints_its_path(
    matched: Path, tmp_path: Path, fake: FakeGitLab
) -> None:
    out = tmp_path / "packets" / "bob.html"
    out.parent.mkdir()
    result = review(
        "--config", str(matched), "--person", "bob", "--since", "2026-10-01",
        "--until", "2026-11-30", "--format", "html", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == f"{out.absolute()}\n"
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Review packet: bob" in html
    assert f"{fake.url}/acme/backend/-/merge_requests/1#note_501" in html
    assert out.stat().st_mode & 0o077 == 0  # a packet is about one person: owner only
    assert [p.name for p in out.parent.iterdir()] == ["bob.html"]  # no temporary file left


def test_review_prints_json_and_markdown_to_standard_output(matched: Path) -> None:
    period = ("--since", "2026-10-01", "--until", "2026-11-30")
    result = review("--config", str(matched), "--person", "bob", *period, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["person"] == "bob" and data["level"] == 2
    assert data["period"]["timezone"] == "Europe/Berlin"
    assert {item["rule"] for item in data["appendix"]} == {"helped-in-issue", "wordy-review"}
    assert [s["level"] for s in data["sections"]] == [2, 3]

    md = review("--config", str(matched), "--person", "bob", *period)
    assert md.exit_code == 0 and md.output.startswith("# Review packet: bob\n")
    # The same items, whichever the format.
    for item in data["appendix"]:
        assert item["url"] in md.output

    # The format follows --out's suffix when --format is not given.
    out = matched.parent / "bob.json"
    written = review("--config", str(matched), "--person", "BOB", *period, "--out", str(out))
    assert written.exit_code == 0, written.output
    assert json.loads(out.read_text())["appendix"] == data["appendix"]


def test_review_reports_what_the_user_can_fix(matched: Path) -> None:
    base = ("--config", str(matched), "--since", "2026-10-01", "--until", "2026-11-30")
    stranger = review(*base, "--person", "zed")
    assert stranger.exit_code == 2
    assert "zed is not in [[people]]" in stranger.output and "Traceback" not in stranger.output
    backwards = review(
        "--config", str(matched), "--person", "bob", "--since", "2026-11-30",
        "--until", "2026-10-01",
    )  # fmt: skip
    assert backwards.exit_code == 2 and "before --since" in backwards.output
    bad_day = review(*base[:3], "last week", "--until", "2026-11-30", "--person", "bob")
    assert bad_day.exit_code == 2 and "YYYY-MM-DD" in bad_day.output
    nowhere = review(*base, "--person", "bob", "--out", str(matched.parent / "no" / "x.html"))
    assert nowhere.exit_code == 2 and nowhere.output.startswith("ladder-bot: cannot write ")
    assert review_command in COMMANDS and review_command.name == "review"
    matched.write_text(matched.read_text().replace('["carol"]', '["carol", "bob"]'))
    opted_out = review(*base, "--person", "bob")
    assert opted_out.exit_code == 2 and "bob opted out" in opted_out.output


def test_nothing_in_the_period_is_still_a_packet(matched: Path) -> None:
    result = review(
        "--config", str(matched), "--person", "alice", "--since", "2030-01-01",
        "--until", "2030-01-31",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "No evidence in this period." in result.output
    assert "Not yet seen in this period." in result.output
