"""``digest``: print the weekly digests, or post them to GitLab."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from bot.commands.common import Workspace, config_option, load, reports_errors
from bot.errors import BotError

SEPARATOR = "\n" + "=" * 72 + "\n\n"  # between people's digests when printing several


def _people(config: Any, username: str | None) -> list[Any]:
    """With ``--person``, that person only; otherwise everyone in ``[[people]]`` who has not
    opted out, in the file's order."""
    if username is not None:
        person = config.person(username.lstrip("@"))
        if person is None:
            raise BotError(
                f"{username} is not in [[people]] of {config.path.name}: add them with their "
                "level to get a digest"
            )
        if config.opted_out(person.username):
            raise BotError(f"{person.username} opted out ([privacy] opt_out): no digest for them")
        return [person]
    people = [p for p in config.people if not config.opted_out(p.username)]
    if not people:
        raise BotError(f"no [[people]] in {config.path.name}: digests are for people on the ladder")
    return people


@click.command("digest")
@config_option
@click.option(
    "--ladder",
    "ladder_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Ladder file (default: [rules] ladder, else ./ladder.yaml).",
)
@click.option("--person", help="Only this person's digest (GitLab username).")
@click.option(
    "--week",
    help="ISO week, e.g. 2026-W47 (default: the last complete week, in the configured timezone).",
)
@click.option("--post", is_flag=True, help="Post each digest to GitLab (edits it if posted).")
@click.option(
    "--dry-run", is_flag=True, help="With --post: say what posting would do; change nothing."
)
@click.option(
    "--show-confidential",
    is_flag=True,
    help="When printing: show confidential evidence in full (it is redacted by default).",
)
@reports_errors
def digest_command(
    config_path: Path | None,
    ladder_path: Path | None,
    person: str | None,
    week: str | None,
    post: bool,
    dry_run: bool,
    show_confidential: bool,
) -> None:
    """Print the weekly digests (each person's separately), or post them with --post.

    Each digest lists a person's evidence for their level and the next, marks what is new in
    the week, and suggests a few next-level opportunities. It is for that person alone.
    """
    from bot.digest.build import build_digest
    from bot.digest.render import render_digest
    from bot.digest.weeks import IsoWeek, last_complete
    from bot.store import db

    config = load(config_path)
    now = datetime.now(UTC)
    zone = config.timezone
    chosen = IsoWeek.parse(week) if week else last_complete(now, zone)
    people = _people(config, person)
    ladder = Workspace.resolve(config, ladder_path, None, None).ladder()
    engine = db.make_engine(config.database_url)
    db.ensure_current(engine)
    sessions = db.session_factory(engine)
    try:
        if post or dry_run:
            failed = _post(config, sessions, ladder, people, chosen, now, dry_run=dry_run)
            if failed:
                sys.exit(1)
            return
        texts = []
        with sessions() as session:
            for someone in people:
                digest = build_digest(session, ladder, someone, chosen, zone, now)
                texts.append(render_digest(digest, redact_confidential=not show_confidential))
    finally:
        engine.dispose()
    click.echo(SEPARATOR.join(texts), nl=False)


def _post(
    config: Any,
    sessions: Any,
    ladder: Any,
    people: list[Any],
    week: Any,
    now: datetime,
    *,
    dry_run: bool,
) -> bool:
    """Post (or with ``dry_run`` only check) each digest; print one line per person. Returns
    whether any could not be posted."""
    from bot.digest.post import post_digests
    from bot.sync.client import GitLabClient

    # Each body is rendered once its destination is known: confidential evidence is shown in
    # full only where the config allows it (a confidential issue of the evidence's project).
    digests: list[tuple[Any, Any, Any]] = [
        (person, week, _renderer(config, sessions, ladder, person, week, now)) for person in people
    ]
    client = GitLabClient(
        config.gitlab.url,
        config.gitlab.token(),
        timeout=config.gitlab.timeout_seconds,
        max_per_minute=config.sync.max_requests_per_minute,
    )
    try:
        if dry_run:
            outcomes = post_digests(config, sessions, client, digests, now, dry_run=True)
        else:
            from bot.service.lock import leader_lock

            with leader_lock(config.database_url):
                outcomes = post_digests(config, sessions, client, digests, now)
    finally:
        client.close()
    for outcome in outcomes:
        click.echo(outcome.line())
    return any(getattr(outcome, "action", "") == "failed" for outcome in outcomes)


def _renderer(
    config: Any, sessions: Any, ladder: Any, person: Any, week: Any, now: datetime
) -> Any:
    def render(target: Any) -> str:
        from bot.digest.build import build_digest
        from bot.digest.render import render_digest
        from bot.digest.targets import confidential_project

        with sessions() as session:
            digest = build_digest(session, ladder, person, week, config.timezone, now)
        shown_in = confidential_project(config, target)
        return render_digest(digest, redact_confidential=shown_in is None, same_project=shown_in)

    return render


COMMANDS = (digest_command,)
