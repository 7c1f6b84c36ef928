"""The ``ladder-bot`` command line: a thin layer over the library.

This module and ``bot.commands`` are the only ones that read the clock for the library, print,
or exit. Errors the user can fix (:class:`bot.errors.BotError`) become one line on stderr and
exit code 2.
"""

from __future__ import annotations

import signal
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from bot import __version__
from bot.commands import activities as activities_commands
from bot.commands import digest as digest_commands
from bot.commands import evidence as evidence_commands
from bot.commands import privacy as privacy_commands
from bot.commands import review as review_commands
from bot.commands import service as service_commands
from bot.commands.common import config_option as _CONFIG_OPTION
from bot.commands.common import reports_errors
from bot.errors import BotError


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


@main.group("config")
def config_group() -> None:
    """The configuration file: --config FILE, else $LADDER_BOT_CONFIG, else ./config.toml."""


@config_group.command("check")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="Config file (default: $LADDER_BOT_CONFIG, else ./config.toml).",
)
@reports_errors
def config_check(config_path: Path | None) -> None:
    """Validate the configuration and check that the GitLab token is available.

    Prints one line, for example ``config.toml: OK (2 projects, 1 group, 5 people, database
    sqlite)``. The token itself is never printed.
    """
    import os

    from bot.config import load_config, resolve_config_path

    path = resolve_config_path(config_path, os.environ, Path.cwd())
    config = load_config(path)
    config.gitlab.token()
    click.echo(f"{path}: OK ({config.summary()})")


# -- the store and sync ---------------------------------------------------------------------------


def _load(config_path: Path | None) -> Any:
    import os

    from bot.config import load_config, resolve_config_path

    return load_config(resolve_config_path(config_path, os.environ, Path.cwd()))


@main.group("db")
def db_group() -> None:
    """The store's schema."""


@db_group.command("upgrade")
@_CONFIG_OPTION
@reports_errors
def db_upgrade(config_path: Path | None) -> None:
    """Migrate the database to this version's schema (creates it when empty)."""
    from bot.store import db

    config = _load(config_path)
    engine = db.make_engine(config.database_url)
    before, after = db.upgrade(engine)
    engine.dispose()
    if before == after:
        click.echo(f"database already at revision {after}")
    else:
        click.echo(f"database upgraded from revision {before or '(empty)'} to {after}")


def _configure_logging(quiet: bool, verbose: bool) -> None:
    import logging

    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    if not verbose:
        logging.getLogger("ladder_bot.gitlab").setLevel(max(level, logging.INFO))
        # What the service quiets too: Alembic says "Context impl SQLiteImpl." and more at INFO
        # each time a command opens the store, noise to the person reading the sync's lines.
        from bot.service.logs import QUIET

        for name in QUIET:
            logging.getLogger(name).setLevel(max(level, logging.WARNING))


@main.command("sync")
@_CONFIG_OPTION
@click.option("--full", is_flag=True, help="Collect everything again, ignoring watermarks.")
@click.option("--project", "only", multiple=True, help="Only this project path (repeatable).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@click.option("--verbose", "-v", is_flag=True, help="Log every request.")
@reports_errors
def sync_command(
    config_path: Path | None, full: bool, only: tuple[str, ...], quiet: bool, verbose: bool
) -> None:
    """Collect activity from GitLab into the store: incremental, resumable, within rate limits."""
    import time

    from rich.console import Console

    from bot.progress import BarProgress, LogProgress
    from bot.service.lock import leader_lock
    from bot.store import db
    from bot.sync.client import GitLabClient
    from bot.sync.run import SyncOptions, run_sync

    config = _load(config_path)
    if not (quiet or sys.stderr.isatty()) or verbose:
        _configure_logging(quiet, verbose)
    engine = db.make_engine(config.database_url)
    db.ensure_current(engine)
    options = SyncOptions.from_config(config, only)
    client = GitLabClient(
        config.gitlab.url,
        config.gitlab.token(),
        timeout=config.gitlab.timeout_seconds,
        budget=config.sync.request_budget,
        max_per_minute=config.sync.max_requests_per_minute,
    )
    progress: Any = None
    if not quiet:
        progress = BarProgress(Console(stderr=True)) if sys.stderr.isatty() else LogProgress()
    try:
        # One writer at a time: a running service or CI job holds the same lock.
        with leader_lock(config.database_url):
            result = run_sync(
                options,
                client,
                db.session_factory(engine),
                now=datetime.now(UTC),
                monotonic=time.monotonic,
                full=full,
                progress=progress,
            )
    finally:
        if progress is not None:
            progress.close()
        client.close()
        engine.dispose()
    if not quiet:
        click.echo(f"synced: {result.summary.line()}")
    if result.status == "budget":
        click.echo(f"ladder-bot: {result.message}", err=True)


# -- recording a real project ---------------------------------------------------------------------


@main.command("record")
@_CONFIG_OPTION
@click.option("--project", "project", required=True, help="Project path, e.g. acme/backend.")
@click.option(
    "--since",
    "since",
    required=True,
    help="Record what changed from this day on (YYYY-MM-DD, UTC).",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the dataset.",
)
@click.option(
    "--note-awards",
    is_flag=True,
    help="Also record award emoji on comments (one more request per comment).",
)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@click.option("--verbose", "-v", is_flag=True, help="Log every request.")
@reports_errors
def record_command(
    config_path: Path | None,
    project: str,
    since: str,
    out: Path,
    note_awards: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Record a GitLab project as a dataset the offline GitLab serves (docs/dataset.md).

    Uses the token and URL of [gitlab], paced like sync. Emails, avatars and the token are
    scrubbed; web_urls still link to the original GitLab.
    """
    from rich.console import Console

    from bot.progress import BarProgress, LogProgress
    from bot.record import parse_since, record_project, save
    from bot.sync.client import GitLabClient

    now = datetime.now(UTC)
    day = parse_since(since, now)
    config = _load(config_path)
    token = config.gitlab.token()
    if not (quiet or sys.stderr.isatty()) or verbose:
        _configure_logging(quiet, verbose)
    client = GitLabClient(
        config.gitlab.url,
        token,
        timeout=config.gitlab.timeout_seconds,
        max_per_minute=config.sync.max_requests_per_minute,
    )
    progress: Any = None
    if not quiet:
        progress = BarProgress(Console(stderr=True)) if sys.stderr.isatty() else LogProgress()
    try:
        recording = record_project(
            client,
            project,
            day,
            now=now,
            secrets=(token,),
            note_awards=note_awards,
            progress=progress,
        )
    finally:
        if progress is not None:
            progress.close()
        client.close()
    save(recording, out)
    if not quiet:
        click.echo(recording.line(out))


# -- the ladder, rules and evidence (bot/commands/) -----------------------------------------------

for _command in (
    *activities_commands.COMMANDS,
    *evidence_commands.COMMANDS,
    *digest_commands.COMMANDS,
    *review_commands.COMMANDS,
    *privacy_commands.COMMANDS,
    *service_commands.COMMANDS,
):
    main.add_command(_command)
