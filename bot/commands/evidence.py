"""``ladder show``, ``rules check|test|schema``, ``match``, ``evidence`` and ``explain``."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from bot.commands.common import (
    Workspace,
    config_option,
    day_end,
    day_start,
    load,
    reports_errors,
    try_load,
    with_workspace,
)

F = TypeVar("F", bound=Callable[..., Any])


def reports_rule_problems(func: F) -> F:
    """Rule files with problems: every problem on its own line, then exit code 2."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from bot.rules import RulesInvalid

        try:
            return func(*args, **kwargs)
        except RulesInvalid as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            click.echo(f"ladder-bot: {len(exc.problems)} problem(s) in the rule files", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


# -- the ladder ------------------------------------------------------------------------------------


@click.group("ladder")
def ladder_group() -> None:
    """The career ladder (ladder.yaml)."""


@ladder_group.command("show")
@config_option
@click.option("--ladder", "ladder_path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--level", type=click.IntRange(1, 6), help="Only this level.")
@reports_errors
def ladder_show(config_path: Path | None, ladder_path: Path | None, level: int | None) -> None:
    """Print the ladder: levels, dimensions, expectations with their ids and examples."""
    from bot.ladder.render import render_ladder

    space = Workspace.resolve(try_load(config_path), ladder_path, None, None)
    click.echo(render_ladder(space.ladder(), level), nl=False)


# -- rules ---------------------------------------------------------------------------------------


@click.group("rules")
def rules_group() -> None:
    """The rule files: check them, test them, print their JSON Schema."""


@rules_group.command("check")
@config_option
@with_workspace
@reports_errors
def rules_check(config_path: Path | None, ladder_path: Path | None, rules_dir: Path | None) -> None:
    """Report every problem in every rule file, one per line; exit 2 if there is any."""
    from bot.rules import check_rules

    space = Workspace.resolve(try_load(config_path), ladder_path, rules_dir, None)
    ladder = space.ladder()
    files = space.rule_files()
    problems = check_rules(files, list(ladder.expectations))
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s) in {len(files)} rule file(s)", err=True)
        sys.exit(2)
    ruleset = space.ruleset(ladder)
    click.echo(f"{len(files)} rule files, {len(ruleset.rules)} rules: OK")


@rules_group.command("test")
@config_option
@with_workspace
@click.option(
    "--fixtures",
    "fixtures_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of activity fixtures (default: [rules] fixtures, else <rules>/fixtures).",
)
@reports_errors
@reports_rule_problems
def rules_test(
    config_path: Path | None,
    ladder_path: Path | None,
    rules_dir: Path | None,
    fixtures_dir: Path | None,
) -> None:
    """Run every rule's examples and the fixture files; show what failed, and why."""
    from bot.rules.testing import run_examples, run_fixtures

    space = Workspace.resolve(try_load(config_path), ladder_path, rules_dir, fixtures_dir)
    ruleset = space.ruleset(space.ladder())
    fixtures = space.fixture_files()
    failures = [*run_examples(ruleset), *run_fixtures(ruleset, fixtures)]
    for failure in failures:
        click.echo(str(failure))
    examples = sum(len(rule.examples) for rule in ruleset.rules)
    line = (
        f"{len(ruleset.rules)} rules, {examples} examples, {len(fixtures)} fixture files: "
        f"{len(failures)} failure(s)"
    )
    if failures:
        click.echo(line, err=True)
        sys.exit(1)
    click.echo(line.replace(": 0 failure(s)", ": all pass"))


@rules_group.command("schema")
def rules_schema() -> None:
    """Print the JSON Schema of rule files (for editors, via yaml-language-server)."""
    import json

    from bot.rules.schema import rules_schema as build

    click.echo(json.dumps(build(), indent=2))


# -- matching ------------------------------------------------------------------------------------


def _earners_factory(config: Any) -> Callable[[Any], Any]:
    from bot.evidence import Earners

    def make(session: Any) -> Any:
        return Earners.for_config(session, config)

    return make


@click.command("match")
@config_option
@with_workspace
@click.option("--rebuild", is_flag=True, help="Recompute all evidence from stored activities.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@reports_errors
@reports_rule_problems
def match_command(
    config_path: Path | None,
    ladder_path: Path | None,
    rules_dir: Path | None,
    rebuild: bool,
    quiet: bool,
) -> None:
    """Turn new activities into evidence; --rebuild recomputes it all (never contacts GitLab)."""
    from bot.evidence import Matcher, match_evidence
    from bot.service.lock import leader_lock
    from bot.store import db

    config = load(config_path)
    space = Workspace.resolve(config, ladder_path, rules_dir, None)
    ladder = space.ladder()
    ruleset = space.ruleset(ladder)
    engine = db.make_engine(config.database_url)
    db.ensure_current(engine)
    started = time.monotonic()
    try:
        matcher = Matcher(ruleset, ladder, _earners_factory(config), now=datetime.now(UTC))
        with leader_lock(config.database_url):  # never beside a running sync or service
            result = match_evidence(db.session_factory(engine), matcher, rebuild=rebuild)
    finally:
        engine.dispose()
    if not quiet:
        click.echo(f"{result.line()} in {time.monotonic() - started:.1f} s")


@click.command("evidence")
@config_option
@with_workspace
@click.option("--person", help="Only this person's evidence (GitLab username).")
@click.option("--since", help="From this day on (YYYY-MM-DD, in the configured timezone).")
@click.option("--until", help="Up to and including this day (YYYY-MM-DD).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@reports_errors
def evidence_command(
    config_path: Path | None,
    ladder_path: Path | None,
    rules_dir: Path | None,
    person: str | None,
    since: str | None,
    until: str | None,
    fmt: str,
) -> None:
    """List evidence, oldest first, with the expectation it shows and why."""
    from bot.evidence.listing import evidence_rows, to_csv, to_json
    from bot.store import db

    config = load(config_path)
    zone = config.timezone
    start = day_start(since, zone, "--since") if since else None
    end = day_end(until, zone, "--until") if until else None
    space = Workspace.resolve(config, ladder_path, rules_dir, None)
    ladder = space.ladder()
    engine = db.make_engine(config.database_url)
    db.ensure_current(engine)
    try:
        with db.session_factory(engine)() as session:
            rows = evidence_rows(session, ladder, person=person, since=start, until=end)
    finally:
        engine.dispose()
    if fmt == "json":
        click.echo(to_json(rows), nl=False)
    elif fmt == "csv":
        click.echo(to_csv(rows), nl=False)
    else:
        _table(rows, zone)


def _table(rows: list[dict[str, Any]], zone: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    # Piped output keeps whole lines (ids and links unbroken); a terminal gets its own width.
    console = Console() if sys.stdout.isatty() else Console(width=240)
    if not rows:
        console.print("No evidence in this period yet.")
        return
    table = Table(show_lines=False)
    for title in ("when", "person", "expectation", "summary", "link"):
        table.add_column(title, overflow="fold")
    for row in rows:
        when = datetime.fromisoformat(row["occurred_at"].replace("Z", "+00:00"))
        summary = "(confidential)" if row["confidential"] else row["summary"]
        table.add_row(
            when.astimezone(zone).strftime("%Y-%m-%d"),
            row["person"],
            f"{row['expectation']}\n[dim]{row['expectation_text']}[/dim]",
            summary,
            row["url"],
        )
    console.print(table)


@click.command("explain")
@click.argument("url")
@config_option
@with_workspace
@reports_errors
@reports_rule_problems
def explain_command(
    url: str, config_path: Path | None, ladder_path: Path | None, rules_dir: Path | None
) -> None:
    """Show, for one MR, note or issue URL, every rule that matched or did not, and why."""
    from bot.evidence.explain import explain_url
    from bot.store import db

    config = load(config_path)
    space = Workspace.resolve(config, ladder_path, rules_dir, None)
    ladder = space.ladder()
    ruleset = space.ruleset(ladder)
    engine = db.make_engine(config.database_url)
    db.ensure_current(engine)
    try:
        with db.session_factory(engine)() as session:
            earners = _earners_factory(config)(session)
            text = explain_url(session, ruleset, ladder, earners, url)
    finally:
        engine.dispose()
    click.echo(text, nl=False)


COMMANDS = (ladder_group, rules_group, match_command, evidence_command, explain_command)
