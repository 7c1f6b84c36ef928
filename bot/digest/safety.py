"""Text the bot posts to GitLab: user-derived text made inert, and the bot's own links.

Everything users wrote (titles, summaries built from titles, descriptions, comment bodies,
values seen by a rule, usernames) goes through :func:`quote` before it reaches a comment. The
result is one line of GitLab-flavoured Markdown that displays the same words but:

- **runs no quick action**: GitLab runs ``/command`` only at the very start of a source line;
  the text is one line, and a leading ``/`` is escaped (``\\/close``);
- **pings no one and references nothing**: every reference sigil (``@ # ! ~ % $ & ^ :``) is
  backslash-escaped. GitLab's Markdown engine renders an escaped sigil as a separate
  ``<span data-escaped-char>`` that its reference filters do not read, so ``\\@alice``,
  ``\\#12``, ``acme/backend\\#1`` and ``\\~bug`` show as text. When a sigil is followed by more
  text, an invisible WORD JOINER (U+2060) goes after it too, so the pattern cannot match even
  where escape spans are not honoured (older engines, later filters). The same joiner breaks
  the shapes that hold no sigil: ``GL-12`` and Jira keys (``-`` before a digit), ``www.``
  autolinks, ``project>`` links, ``{+inline diff+}``, and bare commit hashes;
- **cannot break the Markdown around it, nor inject HTML**: ``<`` and ``>`` become entities,
  and the characters that open Markdown constructs (emphasis, code, links, tables,
  strikethrough, math, escapes) are escaped; those that only matter at the start of a line
  (lists, headings, quotes, thematic breaks, ordered lists) are escaped there. Invisible
  control and formatting characters (zero-width spaces, bidi overrides, tag characters) are
  dropped, so what the reader sees is what the text says.

The bot's own links are written by :func:`link` as ``[text](url)``, with the text quoted and
the URL restricted to ``http(s)`` and percent-encoded where Markdown would read it.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote as percent_encode
from urllib.parse import urlsplit

__all__ = ["JOINER", "Markdown", "code", "link", "quote", "safe_url"]

JOINER = "\u2060"  # WORD JOINER: invisible, no line break, not a word character

# Always escaped: Markdown openers and GitLab's reference characters.
_ALWAYS = frozenset("\\`*[]{}|~#@$%^&")
# Escaped when more text follows, or at the end (a template may append anything):
# `!` (MR references, images), `:` (URL schemes, emoji, [type:id] references).
_UNLESS_SPACE = frozenset("!:")
# Escaped at the start of the text: list, heading, quote, setext and quick-action openers.
_AT_START = frozenset("-+=/:!")
# Sigils that get a word joiner after them when a non-space follows.
_JOIN_AFTER = frozenset("@#!~%$&^:")
_WORD = re.compile(r"[\w.\-/]")
_ALNUM = re.compile(r"[A-Za-z0-9]")
_HEX_RUN = re.compile(r"(?<![0-9A-Za-z_])[0-9a-fA-F]{7,}(?![0-9A-Za-z_])")
_LEADING_NUMBER = re.compile(r"\d{1,9}")
# Format characters dropped outright; ZWJ (U+200D) and ZWNJ (U+200C) stay, as emoji and
# several scripts need them and they cannot form a reference.
_KEEP_FORMAT = frozenset("\u200c\u200d")


class Markdown(str):
    """A string that is already safe GitLab Markdown: templates emit it as is.

    Anything else a template prints goes through :func:`quote` (see ``bot.digest.render``),
    so forgetting to quote is safe by default.
    """

    __slots__ = ()


_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")  # controls that are not whitespace
# Characters that may need a backslash or a joiner; everything else is copied as is.
_SPECIAL = re.compile(r"[\\`*\[\]{}|~#@$%^&!:<>_.)\-]")


def _visible(text: str) -> str:
    """Drop control and invisible formatting characters, collapse whitespace to one space."""
    if text.isascii():
        text = _ASCII_CONTROL.sub("", text)
    else:
        text = "".join(
            char
            for char in text
            if char.isspace()
            or char in _KEEP_FORMAT
            or unicodedata.category(char) not in ("Cc", "Cf")
        )
    return " ".join(text.split())


def _shorten(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "…"


def _split_hex(match: re.Match[str]) -> str:
    """A bare commit hash: a joiner every six digits, so no run of seven survives."""
    run = match.group()
    if not any(char.isdigit() for char in run):
        return run  # a word such as "decade" or "effaced"
    return JOINER.join(run[start : start + 6] for start in range(0, len(run), 6))


def quote(text: object, *, limit: int | None = None) -> Markdown:
    """``text`` (any value; ``None`` is empty) as one inert line of GitLab Markdown.

    ``limit`` cuts the text (before escaping) to that many characters, ending in "…".
    """
    if text is None:
        return Markdown("")
    plain = _shorten(_visible(str(text)), limit)
    if not plain:
        return Markdown("")
    plain = _HEX_RUN.sub(_split_hex, plain)
    number = _LEADING_NUMBER.match(plain)
    list_marker = number.end() if number else -1  # `1.` or `1)` would open an ordered list
    size = len(plain)

    def escape(match: re.Match[str]) -> str:
        char, index = match.group(), match.start()
        before = plain[index - 1] if index else ""
        after = plain[index + 1] if index + 1 < size else ""
        if char == "<":
            return "&lt;"
        if char == ">":
            # `group/project>` links the project
            return JOINER + "&gt;" if _WORD.match(before) else "&gt;"
        if char == "." and before in "wW" and plain[max(0, index - 3) : index].lower() == "www":
            return JOINER + "."  # `www.` autolinks
        if (
            char in _ALWAYS
            or (char in _UNLESS_SPACE and not after.isspace())
            or (index == 0 and char in _AT_START)
            or (char == "_" and not (_ALNUM.match(before) and _ALNUM.match(after)))
            or (char in ".)" and index == list_marker and not after.strip())
        ):
            out = "\\" + char
        else:
            out = char
        if after and not after.isspace():
            if char in _JOIN_AFTER:
                out += JOINER
            elif char == "-" and after.isdigit() and _ALNUM.match(before):
                out += JOINER  # `GL-12`, `PROJ-9`: external issue references
            elif char in "[{" and after in "+-":
                out += JOINER  # `{+inline diff+}`
        return out

    quoted = _SPECIAL.sub(escape, plain)
    if plain[0] in "+=/":  # a list item, a setext underline, a quick action
        quoted = "\\" + quoted
    return Markdown(quoted)


def code(text: object) -> Markdown:
    """``text`` as an inline code span, whatever backticks it holds.

    GitLab reads no references, mentions or quick actions inside code. The text is still put
    on one line, and the fence is longer than any run of backticks in it.
    """
    plain = " ".join(_visible(str(text)).split())
    longest = max((len(run) for run in re.findall(r"`+", plain)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if plain.startswith("`") or plain.endswith("`") or not plain else ""
    return Markdown(f"{fence}{pad}{plain}{pad}{fence}")


_URL_SAFE = ":/?#[]@!$&'*+,;=%-._~"
_URL_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_url(url: str) -> str | None:
    """``url`` fit for a Markdown link destination, or None when it is not http(s).

    Spaces, parentheses, angle brackets, backslashes and anything non-ASCII are
    percent-encoded, so the URL cannot end the link early or open anything else.
    """
    candidate = url.strip()
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if candidate.isascii():
        if _URL_CONTROL.search(candidate):
            return None
    elif any(unicodedata.category(char) in ("Cc", "Cf") for char in candidate):
        return None
    return percent_encode(candidate, safe=_URL_SAFE)


def link(text: object, url: str) -> Markdown:
    """``[text](url)`` with ``text`` quoted; just the quoted text when ``url`` is unusable."""
    label = quote(text) or Markdown("link")
    target = safe_url(url)
    if target is None:
        return label
    return Markdown(f"[{label}]({target})")
