"""A digest as GitLab-flavoured Markdown, through ``templates/digest.md.j2``.

The template only lays things out. Every value it prints is either :class:`Markdown` built
here from fixed text and :func:`~bot.digest.safety.quote`-d user text, or a plain value, which
the environment's ``finalize`` quotes on the way out: a forgotten ``quote`` is still safe.

Confidential evidence (confidential issues, internal notes) shows as its link and
"(confidential)": no summary, no explanation. ``redact_confidential=False`` shows it in full,
for a destination that may see it (a confidential issue in the same project, when the config
allows it); with ``same_project`` set, only confidential evidence from that project is shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2

from bot.digest.model import Digest, ExpectationEvidence, Item, LevelEvidence
from bot.digest.safety import Markdown, code, link, quote
from bot.digest.weeks import IsoWeek

__all__ = ["NEW_MARK", "marker", "render_digest", "shows_confidential"]

TEMPLATES = Path(__file__).parent / "templates"
NEW_MARK = "🆕"
MAX_SEEN_ITEMS = 10
_USERNAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_THINGS = (
    (re.compile(r"/-/merge_requests/(\d+)"), "MR"),
    (re.compile(r"/-/issues/(\d+)"), "issue"),
    (re.compile(r"/-/work_items/(\d+)"), "issue"),
    (re.compile(r"/-/pipelines/(\d+)"), "pipeline"),
)


def marker(username: str, week: IsoWeek) -> str:
    """The hidden first line that identifies the bot's note for (person, week)."""
    if not _USERNAME.fullmatch(username):
        raise ValueError(f"not a GitLab username: {username!r}")
    return f"<!-- ladder-bot:digest person={username} week={week} -->"


def shows_confidential(item: Item, *, redact_confidential: bool, same_project: str | None) -> bool:
    """Whether a confidential ``item`` may be shown in full (any other item always is)."""
    if not item.confidential:
        return True
    if redact_confidential:
        return False
    return same_project is None or item.project == same_project


def render_digest(
    digest: Digest, *, redact_confidential: bool, same_project: str | None = None
) -> str:
    """``digest`` as a GitLab comment: Markdown whose first line is :func:`marker`."""
    context = _Context(digest, redact_confidential, same_project).build()
    text = _environment().get_template("digest.md.j2").render(**context)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"


# -- the template environment ---------------------------------------------------------------


def _finalize(value: Any) -> Any:
    if isinstance(value, Markdown):
        return value
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return str(value)
    return quote(value)


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=False,  # Markdown, not HTML: _finalize quotes instead
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


# -- what the template sees -------------------------------------------------------------------


def _day(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1][:3]}"


def _long_day(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year}"


def _period(digest: Digest) -> str:
    monday, sunday = digest.week.monday, digest.week.sunday
    if monday.year != sunday.year:
        first = f"{monday.day} {_MONTHS[monday.month - 1]} {monday.year}"
    elif monday.month != sunday.month:
        first = f"{monday.day} {_MONTHS[monday.month - 1]}"
    else:
        first = str(monday.day)
    return f"Monday {first} to Sunday {sunday.day} {_MONTHS[sunday.month - 1]} {sunday.year}"


def _thing(url: str, kind: str) -> str:
    """What a link points at, in words: ``MR 12``, ``comment on issue 7``."""
    parts = urlsplit(url)
    for pattern, noun in _THINGS:
        found = pattern.search(parts.path)
        if found:
            thing = f"{noun} {found.group(1)}"
            if parts.fragment.startswith("note_"):
                return f"comment on {thing}"
            return thing
    return kind.replace("_", " ")


def _seen(value: Any) -> Markdown:
    """A value a rule looked at, as inert text: strings in quotes, lists joined."""
    if value is None:
        return Markdown("nothing")
    if isinstance(value, bool):
        return Markdown("true" if value else "false")
    if isinstance(value, int | float):
        return Markdown(quote(value))
    if isinstance(value, str):
        return Markdown(f"“{quote(value, limit=120)}”")
    if isinstance(value, list | tuple):
        if not value:
            return Markdown("none")
        shown = [_seen(item) for item in value[:MAX_SEEN_ITEMS]]
        more = " …" if len(value) > MAX_SEEN_ITEMS else ""
        return Markdown(", ".join(shown) + more)
    if isinstance(value, Mapping):
        pairs = [f"{quote(key)}: {_seen(item)}" for key, item in list(value.items())[:10]]
        return Markdown("\\{" + ", ".join(pairs) + "\\}")
    return quote(value, limit=120)


def _check_lines(
    checks: Sequence[Mapping[str, Any]], depth: int
) -> list[tuple[Markdown, Markdown]]:
    lines: list[tuple[Markdown, Markdown]] = []
    for check in checks:
        mark = "✓" if check.get("held") else "✗"
        text = quote(check.get("text") or check.get("condition") or "a check", limit=200)
        nested = check.get("checks") or []
        if check.get("condition") == "not" and len(nested) == 1 and not nested[0].get("checks"):
            # "✓ not (is_reply is true)" and, under it, "✗ is_reply is true (seen false)" say
            # one thing twice: one line, with what the condition under it saw.
            check, nested = {**nested[0], "held": check.get("held")}, []
        extra = ""
        if "seen" in check and not nested:
            extra += f" (seen {_seen(check['seen'])}"
            # A count says what it counted among: the paths, labels or headings.
            if check.get("elements"):
                extra += f" among {_seen(check['elements'])}"
            extra += ")"
        if check.get("found") not in (None, ""):
            extra += f", found {_seen(check['found'])}"
        if check.get("matched"):
            extra += f", matched {_seen(check['matched'])}"
        lines.append((Markdown("  " * depth), Markdown(f"{mark} {text}{extra}")))
        lines.extend(_check_lines(nested, depth + 1))
    return lines


def explanation(why: Mapping[str, Any]) -> dict[str, Any]:
    """An evidence item's ``why`` as the template shows it: the rule, then its checks."""
    rule = why.get("rule") or "?"
    description = why.get("description")
    about = Markdown(f"Rule {code(rule)}" + (f": {quote(description)}" if description else ""))
    lines = _check_lines(why.get("checks") or [], 0)
    window = why.get("window")
    if isinstance(window, Mapping):
        values = window.get("distinct") or []
        text = (
            f"✓ within {quote(window.get('days'))} days, from {quote(len(values))} "
            f"different: {_seen(values)}"
        )
        lines.append((Markdown(""), Markdown(text)))
    return {"about": about, "checks": lines}


class _Context:
    def __init__(self, digest: Digest, redact: bool, same_project: str | None) -> None:
        self.digest = digest
        self.redact = redact
        self.same_project = same_project
        self.redacted = False

    def build(self) -> dict[str, Any]:
        d = self.digest
        next_text = f", and level {d.next_level} next" if d.next_level is not None else ""
        context = {
            "marker": Markdown(marker(d.person, d.week)),
            "person": d.person,
            "week": str(d.week),
            "period": _period(d),
            "zone": d.zone.key,
            "complete": d.complete,
            "ladder": d.ladder_title,
            "level": d.level,
            "next_text": next_text,
            "new_mark": Markdown(NEW_MARK),
            "new_this_week": Markdown(
                ", ".join(self._expectation_name(group) for group in d.new_expectations)
            ),
            "levels": [self._level(level) for level in d.levels],
            "also_new": [self._item(item, with_expectation=True) for item in d.also_new],
            "opportunities": [
                {"text": o.expectation.text, "heading": o.heading} for o in d.opportunities
            ],
            "opportunities_level": d.opportunities_level,
            "opportunities_next": d.next_level is not None,
        }
        context["redacted"] = self.redacted  # after the items were built
        return context

    def _expectation_name(self, group: ExpectationEvidence) -> Markdown:
        return Markdown(f"*{quote(group.expectation.text)}*")

    def _level(self, level: LevelEvidence) -> dict[str, Any]:
        return {
            "level": level.level,
            "current": level.current,
            "dimensions": [
                {
                    "heading": dimension.heading,
                    "expectations": [
                        {
                            "text": group.expectation.text,
                            "id": code(group.expectation.id),
                            "entries": [self._item(item) for item in group.items],
                            "earlier_since": (
                                _long_day(group.earlier_since, self.digest.zone)
                                if group.earlier_since is not None
                                else None
                            ),
                        }
                        for group in dimension.expectations
                    ],
                }
                for dimension in level.dimensions
            ],
        }

    def _item(self, item: Item, *, with_expectation: bool = False) -> dict[str, Any]:
        shown = shows_confidential(
            item, redact_confidential=self.redact, same_project=self.same_project
        )
        if not shown:
            self.redacted = True
        label = f"{item.project} {_thing(item.url, item.kind)}"
        view: dict[str, Any] = {
            "new": item.new,
            "link": link(label, item.url),
            "day": _day(item.occurred_at, self.digest.zone),
            "confidential": item.confidential,
            "shown": shown,
            "summary": item.summary,
            "explanation": explanation(item.why) if shown else None,
            "expectation": None,
        }
        if with_expectation:
            view["expectation"] = Markdown(
                f"*{quote(item.expectation_text or item.expectation)}* (level {item.level})"
            )
        return view
