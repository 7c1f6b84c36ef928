"""Making user-derived text safe in the packet's Markdown, and links safe in every format.

The packet is not posted to GitLab, but it may be pasted there or rendered by any Markdown
viewer, so text that came from users (titles, summaries, seen values) goes through the same
:func:`bot.digest.safety.quote` as posted digests: one inert line, with HTML escaped and
Markdown and GitLab reference characters neutralised, so ``@all``, ``#12`` or
``[x](javascript:…)`` stay plain text. HTML output escapes through jinja2's autoescape
instead. Only ``http``/``https`` links become links, in every format.
"""

from __future__ import annotations

from bot.digest.safety import quote, safe_url

__all__ = ["is_web_link", "md_text", "md_url"]


def md_text(text: object) -> str:
    """``text`` as one inert line of Markdown."""
    return str(quote(text))


def is_web_link(url: str) -> bool:
    """Whether ``url`` may be a link: ``http(s)`` with a host, nothing hidden, no spaces."""
    return not any(char.isspace() for char in url) and safe_url(url) is not None


def md_url(url: str) -> str:
    """A link target that cannot end the ``(…)`` or ``<…>`` around it early."""
    return safe_url(url) or ""
