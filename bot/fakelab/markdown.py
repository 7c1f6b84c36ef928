"""What GitLab does with a note body: which quick actions run and who or what gets referenced.

The fake server uses this to prove that the bot's comments never run a quick action and never
notify anyone, so every rule below mirrors GitLab's own code, and where a detail could not be
mirrored exactly the model errs towards *finding more*, never less.

Quick actions follow ``Gitlab::QuickActions::Extractor`` (the Markdown-aware version): the body
is parsed, the lines of paragraphs outside block quotes are searched with GitLab's command
regex, which skips backtick spans (even across lines) and one-tag HTML elements spanning lines.
GitLab's ``>>>`` quote fences are parsed as quotes. One departure, towards finding more:
paragraphs inside list items are searched too (GitLab only searches top-level ones).

References follow the Banzai reference filters: text nodes are searched unless they sit in
code, a link or an escape, in GitLab's filter order (user, issue, merge request, snippet,
label, milestone), each match hiding its text from later filters. Block quotes are searched,
because notes do not set ``ignore_blockquotes``. Text inside raw HTML is searched too, since
GitLab renders it into the same document: ``<div>@alice</div>`` pings Alice, while HTML
comments, attributes and ``<a>``/``<code>``/``<pre>`` contents do not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token

COMMAND_ALIASES: dict[str, str] = {
    "labels": "label",
    "remove_label": "unlabel",
    "reviewer": "assign_reviewer",
    "request_review": "assign_reviewer",
    "remove_reviewer": "unassign_reviewer",
    "estimate_time": "estimate",
    "remove_time_estimate": "remove_estimate",
    "spent": "spend",
    "spend_time": "spend",
    "react": "award",
}
_CANONICAL = (  # noqa: SIM905 -- a literal list is one name per line
    "close reopen merge approve unapprove label unlabel relabel assign unassign assign_reviewer "
    "unassign_reviewer milestone remove_milestone title confidential lock unlock due "
    "remove_due_date estimate remove_estimate spend remove_time_spent todo done subscribe "
    "unsubscribe award weight clear_weight duplicate move copy_metadata draft ready wip "
    "target_branch rebase submit_review create_merge_request relate unrelate promote severity cc "
    "shrug tableflip epic iteration health_status status type page zoom remove_zoom blocks "
    "blocked_by"
).split()
KNOWN_COMMANDS: frozenset[str] = frozenset(_CANONICAL) | COMMAND_ALIASES.keys()
# `/cc` is declared `noop` in GitLab: it only feeds autocomplete, is never extracted and stays
# in the note, where its @mentions notify like any other text.
NOOP_COMMANDS: frozenset[str] = frozenset({"cc"})
# Texts from `Gitlab::QuickActions::IssuableActions`, whose shrug has fullwidth low lines
# (U+FF3F), not ASCII underscores; escapes keep them distinguishable here.
SUBSTITUTIONS: dict[str, str] = {
    "shrug": "\u00af\\\uff3f(\u30c4)\uff3f/\u00af",
    "tableflip": "(╯°□°)╯︵ ┻━┻",
}

# Ruby's String#strip set; Python's own strip() would also eat Unicode spaces GitLab keeps.
_RUBY_SPACE = " \t\n\v\f\r\0"
_EXTRACTED = sorted(KNOWN_COMMANDS - NOOP_COMMANDS)
# GitLab's regex, alternatives in its order: a backtick span (which may cross lines) or a
# one-tag HTML element spanning lines is consumed first, so command lines inside survive.
# Case folding is ASCII-only: a name GitLab matches only through Unicode folding (a long s in
# `close`) resolves to no command there, so it never runs.
_COMMAND_RE = re.compile(
    r"(?P<code>`.+?`)"
    r"|(?P<html>^<[^>]+?>\n.+?\n</[^>]+?>$)"
    rf"|^/(?P<cmd>{'|'.join(_EXTRACTED)})(?:[ ](?P<arg>[^\n]*))?(?:[ \t\n\v\f\r]*\n|$)",
    re.MULTILINE | re.DOTALL | re.IGNORECASE | re.ASCII,
)
_QUOTE_FENCE_RE = re.compile(r"(>{3,})[ \t]*")


@dataclass(frozen=True)
class QuickAction:
    """One command GitLab would execute; ``name`` is canonical (aliases resolved)."""

    name: str
    arg: str
    line: int


@dataclass(frozen=True)
class Reference:
    """One mention or cross-reference GitLab would link (and, for users, notify).

    ``kind`` is ``user`` (users, groups and ``@all``), ``issue``, ``merge_request``, ``label``,
    ``milestone`` or ``snippet``. ``name`` is the user/group path, or the label/milestone name
    without quotes. ``iid`` holds the number of issues, merge requests and snippets, and the id
    of ``~123``/``%123`` labels and milestones (whose ``name`` is then None). ``project`` is the
    explicit project path before the sigil; ``page#12`` is a reference to issue 12 of project
    ``page`` in the current namespace, exactly as GitLab's ``Project.reference_pattern`` reads it.
    """

    kind: str
    text: str
    name: str | None
    project: str | None
    iid: int | None


def _multiline_blockquote(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """Parse GitLab's ``>>>`` fenced block quote, which CommonMark would read as three empty
    nested quotes followed by ordinary (command-bearing) paragraphs."""
    if state.is_code_block(start):
        return False
    first = state.src[state.bMarks[start] + state.tShift[start] : state.eMarks[start]]
    opening = _QUOTE_FENCE_RE.fullmatch(first)
    if opening is None:
        return False
    if silent:
        return True
    closing = re.compile(f">{{{len(opening.group(1))},}}[ \t]*")
    line, closed = start + 1, False
    while line < end:
        if state.sCount[line] < state.blkIndent and not state.isEmpty(line):
            break  # the enclosing container ended; like a code fence, the quote ends with it
        text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]
        if not state.is_code_block(line) and closing.fullmatch(text):
            closed = True
            break
        line += 1
    old_parent, old_max = state.parentType, state.lineMax
    state.parentType, state.lineMax = "blockquote", line
    token = state.push("blockquote_open", "blockquote", 1)
    token.markup, token.map = ">>>", [start, line + int(closed)]
    state.md.block.tokenize(state, start + 1, line)
    state.push("blockquote_close", "blockquote", -1).markup = ">>>"
    state.parentType, state.lineMax = old_parent, old_max
    state.line = line + int(closed)
    return True


def _parser() -> MarkdownIt:
    # GitLab renders GFM: tables and strikethrough change what is a paragraph or plain text
    # (`~~x~~` holds no label). text_join stays off so escapes remain separate tokens.
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    md.disable("text_join")
    md.block.ruler.before("blockquote", "multiline_blockquote", _multiline_blockquote)
    return md


_MD = _parser()


def _lines(text: str) -> list[str]:
    """Split like Ruby's ``String#lines``: on ``\\n`` only, keeping it (not str.splitlines)."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _command_paragraphs(tokens: Sequence[Token]) -> Iterator[tuple[int, int]]:
    """Yield ``[start, end)`` line ranges of paragraphs that are not inside a block quote."""
    quotes = 0
    for token in tokens:
        if token.type == "blockquote_open":
            quotes += 1
        elif token.type == "blockquote_close":
            quotes -= 1
        elif token.type == "paragraph_open" and quotes == 0 and token.map:
            yield token.map[0], token.map[1]


def extract_quick_actions(body: str) -> tuple[str, list[QuickAction]]:
    """Return (body with the command lines removed, commands in order).

    As in GitLab: carriage returns are deleted first; a paragraph ending in a command takes
    one following empty line with it; ``/shrug`` and ``/tableflip`` are replaced in place
    (the argument, a space, the kaomoji) rather than removed; the result is right-stripped.
    """
    text = body.replace("\r", "")
    lines = _lines(text)
    actions: list[QuickAction] = []
    for start, end in _command_paragraphs(_MD.parse(text)):
        last = end - 1
        # GitLab's slice takes one following empty line, so `\s*\n` can swallow it.
        if last + 1 < len(lines) and lines[last + 1] == "\n":
            last += 1
        chunk = "".join(lines[start : last + 1])

        def run(match: re.Match[str], start: int = start, chunk: str = chunk) -> str:
            command = match.group("cmd")
            if command is None:
                return match.group(0)  # code or HTML span: left alone, commands and all
            name = COMMAND_ALIASES.get(command.lower(), command.lower())
            arg = (match.group("arg") or "").strip(_RUBY_SPACE)
            actions.append(QuickAction(name, arg, start + 1 + chunk.count("\n", 0, match.start())))
            if name not in SUBSTITUTIONS:
                return ""
            first, newline, rest = match.group(0).partition("\n")
            comment = first[1 + len(command) :]
            comment = comment.removeprefix(" ")
            return f"{comment} {SUBSTITUTIONS[name]}{newline}{rest}"

        lines[start : last + 1] = [_COMMAND_RE.sub(run, chunk)] + [""] * (last - start)
    return "".join(lines).rstrip(_RUBY_SPACE), actions


def is_commands_only(body: str) -> bool:
    """True when the body holds at least one command and nothing survives their removal.

    GitLab then runs the commands without saving a note.
    """
    remaining, actions = extract_quick_actions(body)
    return bool(actions) and not remaining.strip()


# --- references ------------------------------------------------------------------------------

# Gitlab::PathRegex: a path segment may not end in `.` (so `@alice.` is Alice) or `.git/.atom`.
_SEGMENT = r"(?:[a-zA-Z0-9_.][a-zA-Z0-9_.\-]*[a-zA-Z0-9_\-]|[a-zA-Z0-9_])(?<!\.git)(?<!\.atom)"
_PATH = rf"{_SEGMENT}(?:/{_SEGMENT})*"
_PROJECT = rf"(?:(?<![a-zA-Z0-9_.])(?P<project>{_PATH}))?"
_ID = r"(?P<id>\d+(?!\S\w)\b)"
_LABEL = _PROJECT + r"~(?:" + _ID + r'|(?P<name>[A-Za-z0-9_\-?.&]+|".+?"))'
_MILESTONE = _PROJECT + r"%(?:" + _ID + r'|(?P<name>[^"\s<]+\b|"[^"]+"))'
# (kind, pattern) in GitLab's filter order; ASCII so `\w` and `\b` match Ruby's.
_REFERENCE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.ASCII))
    for kind, pattern in (
        ("user", rf"(?<!\w)@(?P<name>{_PATH})"),
        ("issue", rf"{_PROJECT}#(?P<iid>\d+)(?:\+s?)?(?!\w)"),
        ("merge_request", rf"{_PROJECT}!(?P<iid>\d+)(?:\+s?)?"),
        ("snippet", rf"{_PROJECT}\$(?P<iid>\d+)"),
        ("label", _LABEL),
        ("milestone", _MILESTONE),
    )
)
# GitLab's GFM autolink extension turns bare URLs into links, whose text no filter reads.
_BARE_URL_RE = re.compile(r"(?:https?://|ftp://|www\.)[^\s<]*", re.IGNORECASE)
# Ancestors whose text GitLab's ReferenceFilter skips; script never survives sanitising.
_INERT_TAGS = frozenset({"a", "code", "pre", "style", "script"})


class _HtmlText(HTMLParser):
    """Collect the text nodes of raw HTML that reference filters would read.

    A fresh instance serves one block, so an unclosed ``<a>`` or ``<code>`` only hides text
    up to the end of that block (a browser could carry it further: we err towards finding).
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inert = 0
        self.nodes: list[str] = []
        self._text: list[str] = []

    def _flush(self) -> None:
        if self._text:
            self.nodes.append("".join(self._text))
            self._text = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush()
        self.inert += tag in _INERT_TAGS

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush()

    def handle_endtag(self, tag: str) -> None:
        self._flush()
        if tag in _INERT_TAGS and self.inert:
            self.inert -= 1

    def handle_data(self, data: str) -> None:
        if not self.inert:
            self._text.append(data)

    def handle_comment(self, data: str) -> None:
        self._flush()

    def close(self) -> None:
        super().close()
        self._flush()


def _inline_text_nodes(children: Sequence[Token]) -> Iterator[str]:
    """Yield the text nodes an inline token renders to, minus the ones filters skip.

    Adjacent text, entities and soft breaks render into one DOM text node; any other token
    (emphasis, a code span, a ``<br>``, an escaped character) ends it.
    """
    html = _HtmlText()
    node: list[str] = []
    links = 0
    for child in children:
        if child.type == "link_open":
            links += 1
        elif child.type == "link_close":
            links -= 1
        elif child.type == "html_inline":
            html.feed(child.content)
        elif not links and not html.inert:
            if child.type == "text" or (child.type == "text_special" and child.info == "entity"):
                node.append(child.content)
                continue
            if child.type == "softbreak":
                node.append("\n")
                continue
        if node:
            yield "".join(node)
            node = []
    if node:
        yield "".join(node)


def _text_nodes(body: str) -> Iterator[str]:
    for token in _MD.parse(body.replace("\r", "")):
        if token.type == "html_block":
            html = _HtmlText()
            html.feed(token.content)
            html.close()
            yield from html.nodes
        elif token.type == "inline":
            yield from _inline_text_nodes(token.children or [])


def _reference(kind: str, match: re.Match[str]) -> Reference:
    groups = match.groupdict()
    number = groups.get("iid") or groups.get("id")
    name = groups.get("name")
    if name and kind in ("label", "milestone") and len(name) > 1 and name[0] == name[-1] == '"':
        name = name[1:-1]
    return Reference(
        kind, match.group(0), name, groups.get("project"), int(number) if number else None
    )


def _scan(node: str) -> list[tuple[int, Reference]]:
    """Run the filters over one text node; a match splits the node, as GitLab's link does."""
    pieces, found = [(0, node)], []
    for kind, pattern in ((None, _BARE_URL_RE), *_REFERENCE_PATTERNS):
        remaining: list[tuple[int, str]] = []
        for base, piece in pieces:
            cursor = 0
            for match in pattern.finditer(piece):
                if kind is not None:
                    found.append((base + match.start(), _reference(kind, match)))
                remaining.append((base + cursor, piece[cursor : match.start()]))
                cursor = match.end()
            remaining.append((base + cursor, piece[cursor:]))
        pieces = remaining
    return sorted(found, key=lambda item: item[0])


def find_references(body: str) -> list[Reference]:
    """Return the mentions and references GitLab would link in ``body``, in reading order."""
    return [reference for node in _text_nodes(body) for _, reference in _scan(node)]


# Gitlab.config.gitlab.issue_closing_pattern, the default: a closing verb, then one or more
# issue references joined by commas or "and".
_ISSUE_REF = r"(?:[\w.\-]+(?:/[\w.\-]+)*)?#\d+"
_CLOSING_RE = re.compile(
    r"\b(?:[Cc]los(?:e[sd]?|ing)|[Ff]ix(?:e[sd]|ing)?|[Rr]esolv(?:e[sd]?|ing)"
    r"|[Ii]mplement(?:s|ed|ing)?):? +(?:issues? +)?"
    rf"(?P<refs>{_ISSUE_REF}(?:(?: *,? +and +| *,? *){_ISSUE_REF})*)"
)


def closing_references(body: str) -> list[Reference]:
    """The issues a merge request description closes when it merges (``Closes #12``)."""
    out: list[Reference] = []
    for match in _CLOSING_RE.finditer(body.replace("\r\n", "\n")):
        for ref in find_references(match.group("refs")):
            if ref.kind == "issue" and ref not in out:
                out.append(ref)
    return out
