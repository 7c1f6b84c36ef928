"""The command line as users run it: real processes, real signals, one-line errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import requests
from click.testing import CliRunner

from bot.cli import main
from tests.conftest import SMALL


def test_python_dash_m_bot_is_the_same_program() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("ladder-bot, version ")


def test_serve_prints_its_url_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    env = {**os.environ, "FAKELAB_ADMIN_TOKEN": "cli-admin-token-1234"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "fake-gitlab",
            "serve",
            "--data",
            str(SMALL),
            "--request-log",
            str(log),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        answer = requests.get(
            f"{url}/api/v4/projects/acme%2Fbackend/merge_requests",
            headers={"PRIVATE-TOKEN": "cli-admin-token-1234"},
            params={"state": "all"},
            timeout=10,
        )
        assert answer.status_code == 200
        assert sorted(mr["iid"] for mr in answer.json()) == [1, 2, 3]
        assert requests.get(f"{url}/api/v4/user", timeout=10).status_code == 401
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    logged = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(row["path"], row["status"]) for row in logged] == [
        ("/api/v4/projects/acme%2Fbackend/merge_requests", 200),
        ("/api/v4/user", 401),
    ]


def test_generate_is_deterministic_through_the_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    args = [
        "fake-gitlab",
        "generate",
        "--people",
        "4",
        "--projects",
        "2",
        "--weeks",
        "2",
        "--seed",
        "3",
        "--end",
        "2026-11-23",
    ]
    first = runner.invoke(main, [*args, "--out", str(tmp_path / "a.json")])
    second = runner.invoke(main, [*args, "--out", str(tmp_path / "b.json")])
    assert first.exit_code == 0 and second.exit_code == 0, first.output
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    check = runner.invoke(main, ["fake-gitlab", "check", str(tmp_path / "a.json")])
    assert check.exit_code == 0
    assert "merge requests" in check.output


def test_generate_rejects_an_empty_team(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["fake-gitlab", "generate", "--people", "0", "--out", str(tmp_path / "x.json")]
    )
    assert result.exit_code == 2
    assert (
        result.output.strip() == "ladder-bot: --people, --projects and --weeks must be at least 1"
    )


def test_serve_with_a_broken_dataset_is_one_line_and_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(
        '{"format": "ladder-bot-dataset/1", "users": [], "projects": [{"project": {}}]}'
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "fake-gitlab", "serve", "--data", str(broken)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert (
        result.stderr == f"ladder-bot: {broken}: projects[0].project: missing required key 'id'\n"
    )
    assert result.stdout == ""
