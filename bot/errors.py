"""Errors that ladder-bot reports to its users.

Library code raises these; only ``bot.cli`` turns them into a one-line message and exit code 2.
Nothing here prints or exits.

    BotError                   anything a user can fix: bad input, unreachable GitLab
    ├── InputError             a broken file: names the file, the line and the key
    │   └── DatasetError       a broken offline-GitLab dataset (JSON path instead of a key)
    └── ConfigError            a broken configuration value
"""

from __future__ import annotations


class BotError(Exception):
    """An error the user can act on. ``str(err)`` is the whole one-line message."""


class InputError(BotError):
    """A problem in an input file, located as precisely as we can.

    Renders as ``FILE:LINE: KEY: MESSAGE``, leaving out the parts that are unknown.
    """

    def __init__(
        self, message: str, *, file: str | None = None, line: int | None = None, key: str = ""
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.key = key
        super().__init__(self.render())

    def render(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        key = f"{self.key}: " if self.key else ""
        return f"{where}{key}{self.message}"


class DatasetError(InputError):
    """A dataset that does not follow ``ladder-bot-dataset/1``; ``key`` is a JSON path."""


class ConfigError(InputError):
    """A configuration file or value that cannot be used."""
