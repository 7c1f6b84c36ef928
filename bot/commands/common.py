"""What the subcommands share: the config option, error reporting, days, the rule workspace."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click

from bot.errors import BotError

F = TypeVar("F", bound=Callable[..., Any])

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="Config file (default: $LADDER_BOT_CONFIG, else ./config.toml).",
)


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


def load(config_path: Path | None) -> Any:
    from bot.config import load_config, resolve_config_path

    return load_config(resolve_config_path(config_path, os.environ, Path.cwd()))


def try_load(config_path: Path | None) -> Any | None:
    """The config when one is given or ./config.toml exists; None lets defaults apply."""
    from bot.config import resolve_config_path

    path = resolve_config_path(config_path, os.environ, Path.cwd())
    if config_path is None and not path.exists():
        return None
    return load(config_path)


def day_start(text: str, zone: ZoneInfo, option: str) -> datetime:
    """``YYYY-MM-DD`` as the start of that day in ``zone``, as a UTC-aware datetime."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"expected a day as YYYY-MM-DD, got {text!r}", param_hint=option
        ) from None
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def day_end(text: str, zone: ZoneInfo, option: str) -> datetime:
    """The end of day ``YYYY-MM-DD`` (exclusive bound: the next local day's start), in UTC.

    The next day's local midnight, not 24 hours on: days with a clock change last 23 or 25.
    """
    start = day_start(text, zone, option).astimezone(zone).date()
    return datetime.combine(start + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Workspace:
    """The ladder and the rule files a command works with."""

    ladder_path: Path
    rules_dir: Path
    fixtures_dir: Path

    @classmethod
    def resolve(
        cls, config: Any | None, ladder: Path | None, rules: Path | None, fixtures: Path | None
    ) -> Workspace:
        if config is not None:
            settings = config.rules_settings
            base = (settings.ladder, settings.dir, settings.fixtures)
        else:
            cwd = Path.cwd()
            base = (cwd / "ladder.yaml", cwd / "rules", cwd / "rules" / "fixtures")
        return cls(
            ladder_path=ladder or base[0],
            rules_dir=rules or base[1],
            fixtures_dir=fixtures or (rules / "fixtures" if rules else base[2]),
        )

    def rule_files(self) -> list[Path]:
        if not self.rules_dir.is_dir():
            raise BotError(f"{self.rules_dir}: no such folder of rule files (see [rules] dir)")
        return sorted(self.rules_dir.glob("*.yaml"))

    def fixture_files(self) -> list[Path]:
        return sorted(self.fixtures_dir.glob("*.yaml")) if self.fixtures_dir.is_dir() else []

    def ladder(self) -> Any:
        from bot.ladder import load_ladder

        if not self.ladder_path.is_file():
            raise BotError(f"{self.ladder_path}: no such ladder file (see [rules] ladder)")
        return load_ladder(self.ladder_path)

    def ruleset(self, ladder: Any) -> Any:
        from bot.rules import load_rules

        return load_rules(self.rule_files(), list(ladder.expectations))


workspace_options = [
    click.option(
        "--ladder",
        "ladder_path",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Ladder file (default: [rules] ladder, else ./ladder.yaml).",
    ),
    click.option(
        "--rules",
        "rules_dir",
        type=click.Path(path_type=Path, file_okay=False),
        help="Folder of rule files (default: [rules] dir, else ./rules).",
    ),
]


def with_workspace(func: F) -> F:
    for option in reversed(workspace_options):
        func = option(func)
    return func
