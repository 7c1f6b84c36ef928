"""The ladder as plain text, for ``ladder-bot ladder show [--level N]``."""

from __future__ import annotations

import textwrap
from itertools import groupby

from bot.ladder.model import Expectation, Ladder

__all__ = ["render_ladder"]


def render_ladder(ladder: Ladder, level: int | None = None, *, width: int = 80) -> str:
    """Every level (or only ``level``), each dimension under its heading, each expectation
    as its id, then its text, its examples and why it is not observable, indented below it.

    Long lines wrap at ``width``. A level the ladder does not have gives a one-line note
    rather than nothing.
    """
    levels = ladder.levels if level is None else (level,)
    out = [f"{ladder.title} ({ladder.name})"]
    for number in levels:
        out += ["", f"Level {number}"]
        expectations = ladder.at_level(number)
        if not expectations:
            out.append("  (no such level in this ladder)")
            continue
        for dimension, items in groupby(expectations, key=lambda item: item.dimension):
            out += ["", f"  {ladder.heading(number, dimension)}"]
            for item in items:
                out += _expectation(item, width)
    return "\n".join(out) + "\n"


def _expectation(item: Expectation, width: int) -> list[str]:
    lines = [f"    {item.id}"]
    lines += _wrapped(item.text, "      ", width)
    for example in item.examples:
        lines += _wrapped(example, "        ", width)
    if not item.observable:
        lines += _wrapped(f"(not observable: {item.why_not})", "      ", width)
    return lines


def _wrapped(text: str, indent: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent) or [indent]
