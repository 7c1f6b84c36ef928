"""The packet's pictures as inline SVG: a timeline and a coverage grid.

Both are plain SVG 1.1 (well-formed XML, no scripts, no external references), accessible
(``role="img"`` with a ``<title>`` and a ``<desc>``, and a ``<title>`` on every mark for the
hover text) and drawn without colour alone carrying meaning: counts are written out, and the
three kinds of mark differ in fill and outline. Every text is escaped here.
"""

from __future__ import annotations

import math
from html import escape

from bot.review.model import CoverageCell, ReviewPacket

__all__ = ["coverage_svg", "timeline_svg"]

INK = "#1f2933"
MUTED = "#616e7c"
ACCENT = "#2b6cb0"
LIGHT = "#eef4fb"
GREY = "#d9dde1"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _n(value: float) -> str:
    """A coordinate: at most one decimal, no trailing zeros."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _open(ident: str, width: float, height: float, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" id="{ident}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" width="{_n(width)}" height="{_n(height)}" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" font-family="sans-serif" font-size="12">',
        f'<title id="{ident}-title">{_e(title)}</title>',
        f'<desc id="{ident}-desc">{_e(desc)}</desc>',
    ]


def _count(number: int) -> str:
    return f"{number} evidence item" + ("" if number == 1 else "s")


# -- the timeline --------------------------------------------------------------------------------

TL_LABEL = 110  # left column: dimension names
TL_PLOT = 520  # the widest the months may take
TL_ROW = 46
TL_BAR = 28  # the tallest bar
TL_TOP = 8


def timeline_svg(packet: ReviewPacket) -> str:
    """Small multiples: one row per dimension, one bar per month, on one shared scale."""
    timeline = packet.timeline
    months = timeline.months
    columns = max(len(months), 1)
    col = min(56.0, TL_PLOT / columns)
    bar = max(2.0, col * 0.6)
    tallest = max((max(row, default=0) for row in timeline.counts), default=0)
    width = TL_LABEL + col * columns + 12
    rows_bottom = TL_TOP + TL_ROW * len(timeline.dimensions)
    height = rows_bottom + 34
    totals = [
        f"{dimension.capitalize()}: {sum(row)}"
        for dimension, row in zip(timeline.dimensions, timeline.counts, strict=True)
    ]
    first, last = (months[0], months[-1]) if months else ("", "")
    desc = (
        f"Evidence items per month for each dimension, {first} to {last}, on one scale. "
        f"Totals: {'; '.join(totals)}. The table beside the chart lists the same numbers."
        if timeline.total
        else f"No evidence in this period ({first} to {last})."
    )
    out = _open("timeline", width, height, "Evidence per dimension per month", desc)
    for index, (dimension, counts) in enumerate(
        zip(timeline.dimensions, timeline.counts, strict=True)
    ):
        base = TL_TOP + TL_ROW * (index + 1) - 8
        heading = dimension.capitalize()
        out.append(
            f'<text x="{TL_LABEL - 10}" y="{_n(base - 4)}" text-anchor="end" fill="{INK}">'
            f"{_e(heading)}</text>"
        )
        out.append(
            f'<line x1="{TL_LABEL}" y1="{_n(base)}" x2="{_n(TL_LABEL + col * columns)}" '
            f'y2="{_n(base)}" stroke="{GREY}" stroke-width="1"/>'
        )
        for column, count in enumerate(counts):
            if not count:
                continue
            high = max(2.0, TL_BAR * count / tallest)
            x = TL_LABEL + col * column + (col - bar) / 2
            label = f"{heading}, {months[column]}: {_count(count)}"
            out.append(
                f'<rect x="{_n(x)}" y="{_n(base - high)}" width="{_n(bar)}" height="{_n(high)}" '
                f'fill="{ACCENT}"><title>{_e(label)}</title></rect>'
            )
            if col >= 14:
                out.append(
                    f'<text x="{_n(x + bar / 2)}" y="{_n(base - high - 3)}" text-anchor="middle" '
                    f'font-size="10" fill="{INK}">{count}</text>'
                )
    step = max(1, math.ceil(26 / col))
    for column, month in enumerate(months):
        year, number = int(month[:4]), int(month[5:])
        if column % step and number != 1:
            continue
        x = TL_LABEL + col * column + col / 2
        out.append(
            f'<text x="{_n(x)}" y="{_n(rows_bottom + 10)}" text-anchor="middle" font-size="10" '
            f'fill="{MUTED}">{MONTHS[number - 1]}</text>'
        )
        if column == 0 or number == 1:
            out.append(
                f'<text x="{_n(x)}" y="{_n(rows_bottom + 23)}" text-anchor="middle" '
                f'font-size="10" fill="{MUTED}">{year}</text>'
            )
    out.append("</svg>")
    return "\n".join(out)


# -- the coverage grid ---------------------------------------------------------------------------

CV_LABEL = 96
CV_COL = 148
CV_HEAD = 28
CV_PAD = 8
CV_SQ = 12
CV_GAP = 4
CV_TEXT = 18
CV_LEGEND = 34


def _per_line() -> int:
    return max(1, (CV_COL - 2 * CV_PAD + CV_GAP) // (CV_SQ + CV_GAP))


def _lines(cell: CoverageCell) -> int:
    return max(1, math.ceil(len(cell.marks) / _per_line()))


def coverage_svg(packet: ReviewPacket) -> str:
    """Levels down, dimensions across; each cell: ``3 of 5`` and one square per expectation."""
    levels, dimensions = packet.levels, packet.dimensions
    roles = {section.level: section.role for section in packet.sections}
    heights = [
        CV_PAD + CV_TEXT + max(_lines(packet.cell(level, d)) for d in dimensions) * 16 + CV_PAD
        for level in levels
    ]
    width = CV_LABEL + CV_COL * len(dimensions) + 4
    height = CV_HEAD + sum(heights) + CV_LEGEND
    next_level = next((s.level for s in packet.sections if s.role == "next"), None)
    desc = (
        f"The ladder's levels {levels[0]} to {levels[-1]} against its dimensions. Each cell "
        "says how many of the expectations that GitLab activity can show have evidence in this "
        "period, with one square per expectation: filled when it has evidence, outlined when "
        "not yet seen, grey when GitLab activity cannot show it. "
        f"Level {packet.level} is the current level"
        + (f", level {next_level} the next." if next_level else ".")
    )
    out = _open("coverage", width, height, "Coverage of the ladder in this period", desc)
    for column, dimension in enumerate(dimensions):
        x = CV_LABEL + CV_COL * column + CV_COL / 2
        out.append(
            f'<text x="{_n(x)}" y="18" text-anchor="middle" font-weight="bold" fill="{INK}">'
            f"{_e(dimension.capitalize())}</text>"
        )
    top = float(CV_HEAD)
    for level, row_height in zip(levels, heights, strict=True):
        role = roles.get(level)
        out.append(
            f'<text x="8" y="{_n(top + CV_PAD + 12)}" fill="{INK}"'
            + (' font-weight="bold"' if role else "")
            + f">Level {level}</text>"
        )
        if role:
            out.append(
                f'<text x="8" y="{_n(top + CV_PAD + 27)}" font-size="10" fill="{ACCENT}">'
                f"{'current' if role == 'current' else 'next'}</text>"
            )
        for column, dimension in enumerate(dimensions):
            out.extend(
                _cell(
                    packet.cell(level, dimension),
                    CV_LABEL + CV_COL * column,
                    top,
                    row_height,
                    bool(role),
                )
            )
        top += row_height
    out.extend(_legend(top + 10))
    out.append("</svg>")
    return "\n".join(out)


def _cell(cell: CoverageCell, x: float, y: float, height: float, marked: bool) -> list[str]:
    fill, stroke = (LIGHT, ACCENT) if marked else ("#f8f9fa", GREY)
    summary = f"Level {cell.level}, {cell.heading}: " + (
        "no expectations"
        if not cell.marks
        else f"{cell.seen} of {cell.observable} expectations GitLab can show have evidence"
        + (f"; {cell.not_observable} not visible in GitLab activity" if cell.not_observable else "")
    )
    out = [
        "<g>",
        f"<title>{_e(summary)}</title>",
        f'<rect x="{_n(x + 2)}" y="{_n(y + 2)}" width="{_n(CV_COL - 4)}" '
        f'height="{_n(height - 4)}" rx="4" fill="{fill}" stroke="{stroke}" '
        f'stroke-width="{2 if marked else 1}"/>',
        f'<text x="{_n(x + CV_PAD + 2)}" y="{_n(y + CV_PAD + 12)}" fill="{INK}">'
        f"{_e(cell.label)}</text>",
    ]
    per_line = _per_line()
    for index, mark in enumerate(cell.marks):
        mx = x + CV_PAD + 2 + (index % per_line) * (CV_SQ + CV_GAP)
        my = y + CV_PAD + CV_TEXT + (index // per_line) * (CV_SQ + CV_GAP)
        if not mark.observable:
            style = f'fill="{GREY}" stroke="#9aa5b1" stroke-dasharray="2 2"'
        elif mark.count:
            style = f'fill="{ACCENT}" stroke="{ACCENT}"'
        else:
            style = f'fill="#ffffff" stroke="{ACCENT}"'
        out.append(
            f'<rect x="{_n(mx)}" y="{_n(my)}" width="{CV_SQ}" height="{CV_SQ}" {style}>'
            f"<title>{_e(mark.tooltip)}</title></rect>"
        )
    out.append("</g>")
    return out


def _legend(y: float) -> list[str]:
    entries = (
        (f'fill="{ACCENT}" stroke="{ACCENT}"', "has evidence in this period"),
        (f'fill="#ffffff" stroke="{ACCENT}"', "not yet seen in this period"),
        (
            f'fill="{GREY}" stroke="#9aa5b1" stroke-dasharray="2 2"',
            "not visible in GitLab activity",
        ),
    )
    out = []
    x = float(CV_LABEL)
    for style, text in entries:
        out.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{CV_SQ}" height="{CV_SQ}" {style}/>')
        out.append(
            f'<text x="{_n(x + CV_SQ + 6)}" y="{_n(y + 10)}" font-size="11" fill="{MUTED}">'
            f"{_e(text)}</text>"
        )
        x += 230
    return out


def month_label(month: str) -> str:
    """``2026-03`` as ``Mar 2026``."""
    return f"{MONTHS[int(month[5:]) - 1]} {month[:4]}"
