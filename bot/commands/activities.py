"""``rederive``: recompute the stored activities from the stored GitLab payloads."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from bot.commands.common import config_option, load, reports_errors


@click.command("rederive")
@config_option
@click.option("--project", "only", multiple=True, help="Only this project path (repeatable).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@reports_errors
def rederive_command(config_path: Path | None, only: tuple[str, ...], quiet: bool) -> None:
    """Recompute every stored activity from the GitLab payloads in the store, with this
    release's derivation and the configuration's [bots] and [privacy] opt_out. Never contacts
    GitLab. Run `ladder-bot match` after it to bring the evidence up to date.

    People removed with `forget` come back unless they are in [privacy] opt_out, as they would
    with the next sync of what they took part in.
    """
    from bot.service.lock import leader_lock
    from bot.store import db
    from bot.sync.rederive import rederive
    from bot.sync.run import SyncOptions

    config = load(config_path)
    engine = db.make_engine(config.database_url)
    db.ensure_current(engine)

    def say(path: str) -> None:
        if not quiet and sys.stderr.isatty():
            click.echo(f"rederiving {path}", err=True)

    try:
        # One writer at a time: a running service or CI job holds the same lock.
        with leader_lock(config.database_url):
            result = rederive(
                db.session_factory(engine),
                SyncOptions.from_config(config, only),
                now=datetime.now(UTC),
                on_project=say,
            )
    finally:
        engine.dispose()
    if not quiet:
        click.echo(f"rederived: {result.line()}")
        if result.written or result.removed:
            click.echo("next: `ladder-bot match` brings the evidence up to date", err=True)


COMMANDS = (rederive_command,)
