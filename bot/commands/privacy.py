"""``forget``: remove a person's activities, evidence and digest records from the store."""

from __future__ import annotations

from pathlib import Path

import click

from bot.commands.common import config_option, load, reports_errors


@click.command("forget")
@config_option
@click.option("--person", required=True, help="GitLab username of the person to forget.")
@reports_errors
def forget_command(config_path: Path | None, person: str) -> None:
    """Remove a person's activities, evidence and digest records from the store, and say how
    many. Raw GitLab items they took part in stay, as other people's context; add them to
    [privacy] opt_out so that the next sync does not collect them again. Never contacts GitLab.
    """
    from bot.privacy.forget import forget_person
    from bot.store import db

    config = load(config_path)
    username = person.strip().lstrip("@")
    if not username:
        raise click.BadParameter("expected a GitLab username", param_hint="--person")
    engine = db.make_engine(config.database_url)
    db.ensure_current(engine)
    try:
        result = forget_person(db.session_factory(engine), username)
    finally:
        engine.dispose()
    click.echo(result.line())
    reminder = result.reminder(config.opted_out(username))
    if reminder:
        click.echo(reminder, err=True)


COMMANDS = (forget_command,)
