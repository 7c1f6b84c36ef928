"""Rendering a review packet: Markdown, one self-contained HTML file, or JSON.

The three carry the same content. HTML goes through jinja2 with autoescape on, and its charts
are inline SVG from :mod:`bot.review.charts`; Markdown escapes user-derived text with
:func:`bot.review.text.md_text` and shows the charts as tables; JSON is the packet's data.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from bot.review.charts import coverage_svg, month_label, timeline_svg
from bot.review.model import CONFIDENTIAL, Item, ReviewPacket
from bot.review.text import is_web_link, md_text, md_url

__all__ = ["FORMATS", "packet_data", "render", "render_html", "render_json", "render_markdown"]

FORMATS = ("md", "html", "json")
TEMPLATES = Path(__file__).parent / "templates"
JSON_FORMAT = "ladder-bot review packet"
JSON_VERSION = 1
ABOUT = (
    "This packet gathers the evidence that GitLab activity shows for the ladder's expectations "
    "over the period. It lists what was seen, with links; it is not a score or a ranking, and "
    "it compares no one with anyone. Much good work never shows in GitLab, so an expectation "
    "not yet seen in this period says nothing against anyone: it is something to talk about. "
    "Confidential items appear only as a link."
)

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_env.filters["md"] = md_text
_env.filters["md_url"] = md_url
_env.filters["month"] = month_label
_env.tests["web_link"] = is_web_link


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _context(packet: ReviewPacket) -> dict[str, Any]:
    zone = ZoneInfo(packet.timezone)
    return {
        "p": packet,
        "generated": packet.generated_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        "confidential": CONFIDENTIAL,
        "about": ABOUT,
        "next_section": next((s for s in packet.sections if s.role == "next"), None),
    }


def render_html(packet: ReviewPacket) -> str:
    """One self-contained HTML file: inline CSS and SVG, no scripts, no external resources."""
    template = _env.get_template("packet.html.j2")
    return template.render(
        **_context(packet),
        # Built, with every text escaped, in charts.py.
        timeline=Markup(timeline_svg(packet)),
        coverage=Markup(coverage_svg(packet)),
    )


def render_markdown(packet: ReviewPacket) -> str:
    """The packet as Markdown, with the charts as tables."""
    return _env.get_template("packet.md.j2").render(**_context(packet))


def render_json(packet: ReviewPacket) -> str:
    return json.dumps(packet_data(packet), indent=2, ensure_ascii=False) + "\n"


def render(packet: ReviewPacket, fmt: str) -> str:
    """``fmt`` is one of :data:`FORMATS`."""
    if fmt == "html":
        return render_html(packet)
    if fmt == "json":
        return render_json(packet)
    if fmt == "md":
        return render_markdown(packet)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


# -- JSON ------------------------------------------------------------------------------------------


def _item(item: Item) -> dict[str, Any]:
    return {
        "date": item.day.isoformat(),
        "occurred_at": _utc(item.occurred_at),
        "expectation": item.expectation,
        "expectation_text": item.expectation_text,
        "level": item.level,
        "dimension": item.dimension,
        "rule": item.rule,
        "kind": item.kind,
        "url": item.url,
        "project": item.project,
        "confidential": item.confidential,
        "summary": item.summary,  # null when confidential
        "why": list(item.why),
    }


def packet_data(packet: ReviewPacket) -> dict[str, Any]:
    """The packet as plain JSON-able data."""
    timeline = packet.timeline
    return {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "person": packet.person,
        "level": packet.level,
        "ladder": {"name": packet.ladder_name, "title": packet.ladder_title},
        "period": {
            "since": packet.since.isoformat(),
            "until": packet.until.isoformat(),
            "timezone": packet.timezone,
            "start": _utc(packet.start),
            "end": _utc(packet.end),
        },
        "generated_at": _utc(packet.generated_at),
        "sections": [
            {
                "level": section.level,
                "role": section.role,
                "expectations": [
                    {
                        "id": entry.id,
                        "text": entry.text,
                        "dimension": entry.dimension,
                        "heading": entry.heading,
                        "observable": entry.observable,
                        "why_not": entry.why_not,
                        "count": entry.count,
                        "status": entry.status,
                        "examples": [_item(item) for item in entry.examples],
                    }
                    for entry in section.expectations
                ],
            }
            for section in packet.sections
        ],
        "timeline": {
            "months": list(timeline.months),
            "dimensions": [
                {"dimension": dimension, "counts": list(counts)}
                for dimension, counts in zip(timeline.dimensions, timeline.counts, strict=True)
            ],
        },
        "coverage": [
            {
                "level": cell.level,
                "dimension": cell.dimension,
                "heading": cell.heading,
                "observable": cell.observable,
                "with_evidence": cell.seen,
                "not_observable": cell.not_observable,
                "label": cell.label,
                "expectations": [
                    {
                        "id": mark.id,
                        "text": mark.text,
                        "observable": mark.observable,
                        "why_not": mark.why_not,
                        "count": mark.count,
                    }
                    for mark in cell.marks
                ],
            }
            for cell in packet.coverage
        ],
        "appendix": [_item(item) for item in packet.appendix],
    }
