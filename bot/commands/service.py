"""``run`` (the scheduler, or ``--once`` one cycle) and ``status``."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from bot.commands.common import config_option, load, reports_errors
from bot.config import Config
from bot.errors import BotError

log = logging.getLogger("ladder_bot.service")


@click.command("run")
@config_option
@click.option("--once", is_flag=True, help="One cycle (sync, match, due digests), then exit.")
@click.option(
    "--standby",
    is_flag=True,
    help="When another run holds the lock, wait for it (trying every 30 s) instead of exiting.",
)
@click.option("--log-json", is_flag=True, help="Log one JSON object per line.")
@reports_errors
def run_command(config_path: Path | None, once: bool, standby: bool, log_json: bool) -> None:
    """Run the bot: sync and match every [schedule] sync_every_minutes, post the digests at
    [digest] send_at, until SIGTERM or Ctrl-C. With --once: one cycle, then exit.

    Exit status: 0 when done (or stopped by a signal), 1 when a step failed, 2 when it cannot
    start (configuration, database, or another run holds the lock).
    """
    from bot.service.logs import configure_logging

    config = load(config_path)
    setup = configure_logging(json_lines=log_json, secrets=(config.gitlab.token(),))
    try:
        status = _run(config, once=once, standby=standby)
    except BotError as exc:
        if not log_json:
            raise
        log.error("%s", exc, extra={"status": "refused"})
        status = 2
    finally:
        setup.close()
    sys.exit(status)


def _run(config: Config, *, once: bool, standby: bool) -> int:
    from bot.service.cycle import run_once
    from bot.service.lock import LockHeld, leader_lock
    from bot.service.scheduler import serve
    from bot.service.signals import Stopped, handle_signals

    with handle_signals() as stop:
        try:
            with leader_lock(config.database_url, standby=standby, stop=stop) as lock:
                if once:
                    result = run_once(config, now=datetime.now(UTC), stop=stop)
                    log.info("%s", result.line(), extra={"exit_status": result.exit_status})
                    return result.exit_status
                return serve(config, stop=stop, lock=lock)
        except LockHeld as exc:
            raise BotError(f"{exc}; not starting (--standby waits for it)") from None
        except Stopped as exc:
            log.info("%s", exc)
            return 0


@click.command("status")
@config_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
@reports_errors
def status_command(config_path: Path | None, fmt: str) -> None:
    """Show the last sync runs, the next scheduled runs, the last errors, the watermarks, the
    last match and the digests of the last week. Works while `run` is running."""
    import json

    from bot.service.lock import describe
    from bot.service.status import collect_status, open_store, render_status

    config = load(config_path)
    engine = open_store(config.database_url)
    try:
        report = collect_status(
            engine, now=datetime.now(UTC), database=describe(config.database_url)
        )
    finally:
        engine.dispose()
    if fmt == "json":
        click.echo(json.dumps(report, indent=2))
    else:
        click.echo(render_status(report, config.timezone), nl=False)


COMMANDS = (run_command, status_command)
