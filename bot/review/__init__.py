"""Review packets: one person's evidence over a period, for a manager preparing a review.

Only ever produced by an explicit ``ladder-bot review``. :func:`build_packet` reads the stored
evidence into a :class:`ReviewPacket` (confidential items already redacted);
:func:`render` writes it as Markdown, one self-contained HTML file, or JSON.
"""

from bot.review.build import build_packet, packet_from_rows, period
from bot.review.model import ReviewPacket
from bot.review.render import (
    FORMATS,
    packet_data,
    render,
    render_html,
    render_json,
    render_markdown,
)

__all__ = [
    "FORMATS",
    "ReviewPacket",
    "build_packet",
    "packet_data",
    "packet_from_rows",
    "period",
    "render",
    "render_html",
    "render_json",
    "render_markdown",
]
