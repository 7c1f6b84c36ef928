"""The ``ladder-bot`` command line: a thin layer over the library.

This is the only module that reads the clock for the library, prints, or exits. Errors the user
can fix (:class:`bot.errors.BotError`) become one line on stderr and exit code 2.
"""

from __future__ import annotations

import functools
import signal
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from bot import __version__
from bot.errors import BotError

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(func: F) -> F:
    """Turn a :class:`BotError` into ``ladder-bot: <message>`` and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BotError as exc:
            click.echo(f"ladder-bot: {exc}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ladder-bot")
def main() -> None:
    """Turn everyday GitLab activity into linked evidence for a career ladder."""


@main.group("fake-gitlab")
def fake_gitlab() -> None:
    """An offline GitLab for demos, tests and benchmarks."""


@fake_gitlab.command("serve")
@click.option(
    "--data",
    "data",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Dataset JSON file.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=0, show_default=True, help="Port; 0 picks a free one.")
@click.option(
    "--token",
    envvar="FAKELAB_ADMIN_TOKEN",
    help="An administrator token to accept (also $FAKELAB_ADMIN_TOKEN).",
)
@click.option(
    "--request-log",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append every API request to this file as JSON lines.",
)
@click.option("--seed", default=0, show_default=True, help="Seed for injected faults.")
@click.option(
    "--error-rate",
    default=0.0,
    show_default=True,
    help="Share of API requests answered with 500/502/503.",
)
@click.option(
    "--drop-rate",
    default=0.0,
    show_default=True,
    help="Share of API requests whose connection is dropped.",
)
@click.option(
    "--latency-ms", default=0.0, show_default=True, help="Latency added to every API request."
)
@click.option(
    "--rate-limit",
    default=0,
    show_default=True,
    help="Requests per minute per token before 429; 0 disables.",
)
@reports_errors
def serve(
    data: Path,
    host: str,
    port: int,
    token: str | None,
    request_log: Path | None,
    seed: int,
    error_rate: float,
    drop_rate: float,
    latency_ms: float,
    rate_limit: int,
) -> None:
    """Serve a dataset as GitLab's REST API v4 until Ctrl-C or SIGTERM.

    Prints the base URL on one line, for example ``http://127.0.0.1:40123``.
    """
    from bot.fakelab.faults import FaultConfig
    from bot.fakelab.server import FakeGitLab

    faults = FaultConfig(
        seed=seed,
        error_rate=error_rate,
        drop_rate=drop_rate,
        latency_ms=latency_ms,
        rate_limit=rate_limit,
    )
    fake = FakeGitLab(
        data, host=host, port=port, admin_token=token, faults=faults, request_log=request_log
    )
    stopped = threading.Event()

    def stop(signum: int, frame: Any) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    fake.start()
    try:
        click.echo(fake.url)
        sys.stdout.flush()
        stopped.wait()
    finally:
        fake.stop()


def _default_end() -> datetime:
    """Monday 00:00 UTC of the current ISO week: recent data, stable within a week."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=today.weekday())


@fake_gitlab.command("generate")
@click.option("--people", default=12, show_default=True, help="Engineers in the team.")
@click.option("--projects", default=4, show_default=True, help="Projects they work in.")
@click.option("--weeks", default=12, show_default=True, help="Weeks of activity.")
@click.option("--seed", default=1, show_default=True, help="Same seed and --end, same file.")
@click.option(
    "--end",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Last day of activity (default: this week's Monday).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the dataset.",
)
@reports_errors
def generate(
    people: int, projects: int, weeks: int, seed: int, end: datetime | None, out: Path
) -> None:
    """Generate a deterministic synthetic team as a dataset."""
    from bot.fakelab.generator import generate as build
    from bot.fakelab.generator import write_dataset

    if people < 1 or projects < 1 or weeks < 1:
        raise BotError("--people, --projects and --weeks must be at least 1")
    moment = end.replace(tzinfo=UTC) if end else _default_end()
    dataset = build(people=people, projects=projects, weeks=weeks, seed=seed, end=moment)
    write_dataset(dataset, out)
    click.echo(f"wrote {out}")


@fake_gitlab.command("check")
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@reports_errors
def check(data: Path) -> None:
    """Validate a dataset and print what it holds."""
    from bot.fakelab.dataset import load_dataset

    stats = load_dataset(data).stats()
    click.echo(", ".join(f"{value} {key.replace('_', ' ')}" for key, value in stats.items()))
