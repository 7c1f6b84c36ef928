"""What is wrong with a rule file: one ``Problem`` per line of ``ladder-bot rules check``."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.errors import InputError


@dataclass(frozen=True)
class Problem:
    """One thing to fix in one rule file, located by line and by the path of the bad value.

    ``path`` spells the value's place in the file (``rules[2].when.all[1]``); it is empty for a
    problem with the file as a whole, such as a YAML syntax error.
    """

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.file}:{self.line}: {where}{self.message}"


class RulesInvalid(InputError):
    """Rule files that ``load_rules`` refused: ``problems`` holds every one of them.

    The message is the first problem (one line, as every ``BotError``), saying how many more
    there are; ``ladder-bot rules check`` prints them all.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        first = self.problems[0] if self.problems else Problem("", 0, "", "invalid rules")
        more = len(self.problems) - 1
        message = first.message
        if more:
            message += f" (and {more} more: run `ladder-bot rules check`)"
        super().__init__(message, file=first.file or None, line=first.line or None, key=first.path)


def closest(word: object, candidates: Iterable[str]) -> str | None:
    """The candidate closest to ``word``, if any is close enough to be a likely typo."""
    if not isinstance(word, str):
        return None
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return close[0] if close else None


def suggest(word: object, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate to ``word``, or an empty string."""
    close = closest(word, candidates)
    return f" (did you mean {close!r}?)" if close is not None else ""


def kind_of(value: Any) -> str:
    """How a user would name the YAML type of ``value``: "a string", "a list", ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def join_path(path: str, key: object) -> str:
    """The path of ``key`` inside the mapping at ``path``."""
    return f"{path}.{key}" if path else str(key)


def index_path(path: str, index: int) -> str:
    """The path of item ``index`` of the list at ``path``."""
    return f"{path}[{index}]"
