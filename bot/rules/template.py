"""Summary templates: text with ``{name}`` placeholders, nothing else (no code, no filters).

A placeholder is any field name the rule may use (``{description_words}``, ``{context.iid}``,
``{url}``), plus ``{window.distinct}`` (how many distinct values completed the window) and
``{window.days}`` for window rules. ``{{`` and ``}}`` write literal braces. Rendered values are
plain text on one line: lists joined by ", ", null as nothing, true/false as yes/no.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.rules.explain import MAX_CHARS
from bot.rules.fields import Getter, Scope, all_names, getter
from bot.rules.problem import closest

WINDOW_PLACEHOLDERS = {"window.distinct": "int", "window.days": "int"}

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Template:
    """A parsed summary template; ``parts`` are literal text or placeholder names."""

    text: str
    parts: tuple[tuple[bool, str], ...]  # (is_placeholder, literal text or name)
    # The parts ready to render: literal text, a getter, or the key of a window value.
    _steps: tuple[str | Getter | tuple[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        steps: list[str | Getter | tuple[str]] = []
        for is_name, value in self.parts:
            if not is_name:
                steps.append(value)
            elif value.startswith("window."):
                steps.append((value.removeprefix("window."),))
            else:
                steps.append(getter(value))
        object.__setattr__(self, "_steps", tuple(steps))

    def placeholders(self) -> list[str]:
        return [value for is_name, value in self.parts if is_name]

    def render(self, activity: Mapping[str, Any], window: Mapping[str, Any] | None = None) -> str:
        """The summary of ``activity`` (and of its completed ``window``, for window rules)."""
        out: list[str] = []
        for step in self._steps:
            if type(step) is str:
                out.append(step)
            elif type(step) is tuple:
                out.append(text(window.get(step[0])) if window is not None else "")
            else:
                out.append(text(step(activity)))  # type: ignore[operator]
        return tidy("".join(out))


# What ``tidy`` collapses, if a line has any of it (generated code tests for these inline).
UNTIDY = ("\n", "  ", "\t", "\r")


def tidy(line: str) -> str:
    """A rendered summary on one line: runs of white space as one space, none at the ends."""
    if any(mark in line for mark in UNTIDY):
        line = _SPACE.sub(" ", line)
    return line.strip()


def parse_template(source: str) -> tuple[Template, list[str]]:
    """The template in ``source`` and what is wrong with its syntax (braces)."""
    parts: list[tuple[bool, str]] = []
    problems: list[str] = []
    position = 0
    for token in _TOKEN.finditer(source):
        if token.start() > position:
            parts.append((False, source[position : token.start()]))
        position = token.end()
        raw = token.group(0)
        if raw in ("{{", "}}"):
            parts.append((False, raw[0]))
        elif token.group(1) is not None:
            name = token.group(1).strip()
            if name:
                parts.append((True, name))
            else:
                problems.append("empty placeholder {}")
        else:
            problems.append(
                f"unmatched {raw!r} at character {token.start() + 1} "
                "(write {{ or }} for a literal brace)"
            )
    if position < len(source):
        parts.append((False, source[position:]))
    return Template(source, tuple(parts)), problems


def placeholder_problems(template: Template, scope: Scope, window: bool) -> list[str]:
    """Placeholders the rule cannot fill, for its kinds (and window, for window rules)."""
    problems: list[str] = []
    allowed = WINDOW_PLACEHOLDERS if window else {}
    for name in template.placeholders():
        if name.startswith("window.") and name not in allowed:
            close = closest(name, allowed)
            if close is not None:
                hint = f" (did you mean '{{{close}}}'?)"
            elif window:
                hint = ""
            else:
                hint = " (only window rules have window.* placeholders)"
            problems.append(f"unknown placeholder {{{name}}}{hint}")
            continue
        if name in allowed:
            continue
        resolved = scope.resolve(name)
        if not isinstance(resolved, str):
            continue
        if resolved.startswith(("unknown field", "unknown context key")):
            close = closest(name, [*all_names(), *allowed])
            hint = f" (did you mean '{{{close}}}'?)" if close else ""
            problems.append(f"unknown placeholder {{{name}}}{hint}")
        else:
            problems.append(f"placeholder {{{name}}}: {resolved}")
    return problems


def text(value: Any) -> str:
    """One value as plain text for a summary."""
    if type(value) is str:
        return value if len(value) <= MAX_CHARS else value[: MAX_CHARS - 1] + "…"
    if value is None:
        return ""
    if type(value) is int:  # iids and counts, the usual placeholders that are not text
        rendered = str(value)
        return rendered if len(rendered) <= MAX_CHARS else rendered[: MAX_CHARS - 1] + "…"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, Sequence) and not isinstance(value, str):
        return ", ".join(text(item) for item in value)
    if isinstance(value, Mapping):
        value = value.get("path", "") if "path" in value else ", ".join(map(text, value.values()))
    rendered = str(value)
    return rendered if len(rendered) <= MAX_CHARS else rendered[: MAX_CHARS - 1] + "…"
