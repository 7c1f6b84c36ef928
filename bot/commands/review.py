"""``review``: a review packet for one person and period, only ever on an explicit request."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import click

from bot.commands.common import Workspace, config_option, day_start, load, reports_errors
from bot.errors import BotError

SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json"}


@click.command("review")
@config_option
@click.option(
    "--ladder",
    "ladder_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Ladder file (default: [rules] ladder, else ./ladder.yaml).",
)
@click.option("--person", required=True, help="Whose packet (GitLab username, in [[people]]).")
@click.option("--since", required=True, help="First day (YYYY-MM-DD, in the configured timezone).")
@click.option("--until", required=True, help="Last day, included (YYYY-MM-DD).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "json"]),
    help="Output format (default: from --out's suffix, else md).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the packet to this file and print its path (default: standard output).",
)
@reports_errors
def review_command(
    config_path: Path | None,
    ladder_path: Path | None,
    person: str,
    since: str,
    until: str,
    fmt: str | None,
    out: Path | None,
) -> None:
    """A review packet for a manager: evidence per expectation of the person's level and the
    next, a timeline, the coverage of the ladder, and every item as an appendix.

    Evidence, never scores: nothing in it ranks or compares anyone.
    """
    from bot.review import build_packet, period, render
    from bot.store import db

    config = load(config_path)
    zone = config.timezone
    first = day_start(since, zone, "--since").astimezone(zone).date()
    last = day_start(until, zone, "--until").astimezone(zone).date()
    if last < first:
        raise click.BadParameter(f"{until} is before --since {since}", param_hint="--until")
    # Whole days in the configured timezone, the last one included, DST-correct.
    start, end = period(first, last, zone)
    entry = config.person(person)
    if entry is None:
        raise BotError(
            f"{person} is not in [[people]] of {config.path}: a packet needs their level"
        )
    if config.opted_out(person):
        raise BotError(f"{person} opted out ([privacy] opt_out): there is no evidence to show")
    fmt = fmt or (SUFFIXES.get(out.suffix.lower(), "md") if out else "md")
    ladder = Workspace.resolve(config, ladder_path, None, None).ladder()
    engine = db.make_engine(config.database_url)
    db.ensure_current(engine)
    try:
        with db.session_factory(engine)() as session:
            packet = build_packet(
                session,
                ladder,
                person=entry.username,
                level=entry.level,
                start=start,
                end=end,
                zone=zone,
                now=datetime.now(UTC),
            )
    finally:
        engine.dispose()
    text = render(packet, fmt)
    if out is None:
        click.echo(text, nl=False)
        return
    click.echo(str(_write(out, text)))


def _write(out: Path, text: str) -> Path:
    """Write ``text`` to ``out`` whole (a temporary file, then a rename); its absolute path.

    The file is readable by its owner only: a packet is about one person.
    """
    target = out.absolute()
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise BotError(f"cannot write {out}: {exc.strerror or type(exc).__name__}") from None
    return target


COMMANDS = (review_command,)
