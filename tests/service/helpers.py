"""Configs, the command line and subprocesses for the service tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from click.testing import CliRunner, Result

from tests.conftest import ADMIN_TOKEN

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "tests" / "evidence" / "data" / "rules"
TOKEN_ENV = "SERVICE_TEST_TOKEN"
TOKEN = ADMIN_TOKEN
ENV = {TOKEN_ENV: TOKEN}


def cli_group() -> click.Group:
    """``bot.cli.main``, with ``run`` and ``status`` added when it does not have them yet."""
    from bot.cli import main
    from bot.commands.service import COMMANDS

    if all(command.name in main.commands for command in COMMANDS):
        return main
    group = click.Group("ladder-bot", commands=dict(main.commands))
    for command in COMMANDS:
        group.add_command(command)
    return group


def cli(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli_group(), list(args), env={**ENV, **(env or {})})


def write_config(
    folder: Path,
    gitlab_url: str,
    database_url: str,
    *,
    people: str = '[[people]]\nusername = "alice"\nlevel = 2\n\n'
    '[[people]]\nusername = "bob"\nlevel = 2\n',
    extra: str = "",
    timezone: str = "Europe/Berlin",
) -> Path:
    """A config for the offline GitLab, with the evidence tests' rules and the real ladder."""
    if not (folder / "rules").exists():
        shutil.copytree(RULES, folder / "rules")
        shutil.copy(ROOT / "ladder.yaml", folder / "ladder.yaml")
    path = folder / "config.toml"
    path.write_text(
        f"""timezone = "{timezone}"

[gitlab]
url = "{gitlab_url}"
token_env = "{TOKEN_ENV}"
timeout_seconds = 10

[watch]
groups = ["acme"]

[database]
url = "{database_url}"

[sync]
max_requests_per_minute = 0

{people}
{extra}"""
    )
    return path


def command(*args: str) -> list[str]:
    """A ``ladder-bot ARGS`` command line for a subprocess."""
    return [sys.executable, "-m", "tests.service.entry", *args]


def spawn(
    args: list[str], env_extra: dict[str, str] | None = None, **kwargs: Any
) -> subprocess.Popen[str]:
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT), **(env_extra or {})}
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


def run(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        args, cwd=ROOT, env=env, text=True, capture_output=True, timeout=timeout, check=False
    )


def wait_for(condition: Callable[[], Any], timeout: float = 20.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what or condition}")


def finish(process: subprocess.Popen[str]) -> None:
    """End a spawned process (if it still runs) and close its pipes."""
    if process.poll() is None:
        process.kill()
    process.wait(10)
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None and not stream.closed:
            stream.close()
