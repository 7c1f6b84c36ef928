"""What rules read in a description or a note: words, sections, references, tasks, suggestions.

Texts are GitLab Flavored Markdown, parsed once with markdown-it (CommonMark plus GFM tables and
strikethrough); every feature comes from that one reading (``text_features``, cached), and the
small functions below are views of it. What counts where:

- **Words** are the author's own prose: code blocks, HTML comments (template placeholders such
  as ``<!-- Describe your change -->``) and block quotes (someone else's words) do not count;
  inline code and link text do; a bare URL is one word. Headings are counted separately, since
  in a description they are usually the template's, not the author's.
- **Sections** are headings, lower-cased. A section is *empty* when nothing but whitespace and
  HTML comments follows it before the next heading of the same or a higher level; a subsection
  with content fills its parents.
- **Template guidance** is a paragraph set wholly in emphasis that opens a section, as in
  GitLab's own merge request template (``## What does this MR do and why?`` followed by
  ``_Describe in detail what your merge request does and why._``): its words are the
  template's, so they are not counted and leave the section empty.
- **References** follow GitLab's reference filters: ``@user``, ``#12``, ``project#12``,
  ``group/project#12`` and issue URLs, but not inside code, link text, or after a backslash;
  block quotes and headings are searched, as GitLab does. ``project#12`` is read as GitLab
  reads it, a project in the same namespace. With ``project_path``, references to that project
  become ``#12``. **Closing references** use GitLab's default ``issue_closing_pattern``
  (``Closes #12``, ``Fixes #3 and #4``, ``Resolves group/project#5``) on the same text, so a
  closing phrase inside code closes nothing.
- **Task items** are list items starting ``[ ]``, ``[x]`` or ``[~]``; their issue references
  are the issue's breakdown (``- [ ] #12``). Three or more make a *checklist*: in a merge
  request that is the template's list of confirmations ("[x] Tests pass"), not the author's
  account of the change, so ``checklist_words`` says how many of the words are in it and
  ``prose`` leaves it out. One or two are usually the author's own ("- [x] Updates the README
  to avoid confusion").
- **Prose** is the text of the paragraphs whose words count, one per line, without the
  checklist: what a rule reads to hear the author rather than the template.
- **Suggestions** are fenced blocks whose info string is ``suggestion`` or
  ``suggestion:-N+M``.
- **Questions** are sentences of the author's own prose ending in ``?`` (not in headings,
  quotes or code; ``??`` and ``?!`` count once).

Every function accepts any string (and None as empty) and never raises. Patterns are built so
that their cost stays linear in the text: whitespace runs are collapsed before the closing
pattern runs, project paths before ``#`` are matched from the start of their run only, and HTML
is scanned tag by tag.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

# Stands for text no reference may match across or within: code, link text, escapes, tags.
MASK = "\ufffc"


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    md.disable("text_join")  # keeps backslash escapes as their own tokens
    return md


_MD = _parser()

# Gitlab::PathRegex: a path segment may not end in `.` (so `@alice.` is alice) or `.git/.atom`.
_SEGMENT = r"(?:[a-zA-Z0-9_.][a-zA-Z0-9_.\-]*[a-zA-Z0-9_\-]|[a-zA-Z0-9_])(?<!\.git)(?<!\.atom)"
_PATH = rf"{_SEGMENT}(?:/{_SEGMENT})*"
_VALID_PATH = re.compile(_PATH, re.ASCII)
_USER = re.compile(rf"(?<!\w)@(?P<name>{_PATH})", re.ASCII)
# The project part is matched loosely from the start of its run only (linear), then checked
# against GitLab's path rules; an invalid one leaves a plain `#12`, as GitLab's regex would.
_ISSUE = re.compile(
    r"(?:(?<![a-zA-Z0-9_.\-/])(?P<project>[a-zA-Z0-9_.\-]+(?:/[a-zA-Z0-9_.\-]+)*))?"
    r"#(?P<iid>\d+)(?:\+s?)?(?!\w)",
    re.ASCII,
)
_ISSUE_REF = r"(?:[\w.\-]+(?:/[\w.\-]+)*)?#\d+"
# Gitlab.config.gitlab.issue_closing_pattern, the default: a closing verb, then one or more
# issue references joined by commas or "and".
_CLOSING = re.compile(
    r"\b(?:[Cc]los(?:e[sd]?|ing)|[Ff]ix(?:e[sd]|ing)?|[Rr]esolv(?:e[sd]?|ing)"
    r"|[Ii]mplement(?:s|ed|ing)?):? +(?:issues? +)?"
    rf"(?P<refs>{_ISSUE_REF}(?:(?: *,? +and +| *,? *){_ISSUE_REF})*)"
)
_BLANKS = re.compile(r"[ \t\u00a0]+")
# GitLab's autolinker turns bare URLs into links.
_BARE_URL = re.compile(r"(?:https?://|ftp://|www\.)[^\s<" + MASK + r"]*", re.IGNORECASE)
_ISSUE_URL = re.compile(
    r"(?:https?://[^/\s]+|www\.[^/\s]+)?/(?P<project>[^\s?#]+?)"
    r"/-/(?:issues|work_items)/(?:incident/)?(?P<iid>\d+)(?!\w)",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+(?:['’.\-]\w+)*")
_QUESTION = re.compile(r"\?[?!]*(?!\w)")
_TASK_MARKER = re.compile(r"\[[ xX~]\](?=\s|$)")
CHECKLIST_ITEMS = 3  # task items that make a checklist (see the module docstring)
_SUGGESTION = re.compile(r"suggestion(?::-\d+\+\d+)?")
# A template's instructions to whoever fills it in, left in plain text: a paragraph that opens
# with a request to describe, include or check something and speaks of the change, the merge
# request or "here". Authors do not address themselves this way ("Describe the steps required to
# test the changes", "If this PR is a fix include a brief description", "Make sure these boxes
# are checked before your pull request is ready", "Thanks for helping us make X better").
_GUIDANCE = re.compile(
    r"(?ai)\W{0,4}(?:(?:please|kindly) (?:\w+ ){0,2}?(?:describe|include|provide|add|explain|list|"
    r"link|fill|read|ensure|mention|summari[sz]e|remember|give|tell|put|select|tick|mark|check|"
    r"make sure|delete|remove|replace)|describe|explain|provide|summari[sz]e|briefly|tell us|"
    r"give (?:a|an|us)|make sure|ensure (?:that|you)|read (?:the|our)|just put|put an? x|"
    r"(?:select|tick|mark|check) (?:all|the|one|any|boxes|those|which|what)|fill (?:in|out)|"
    r"replace this|delete this|remove this|if (?:this|your) (?:pr|mr|pull request|merge request|"
    r"change)|if (?:tied|applicable|relevant|needed|any)\b|thanks? (?:you )?for (?:helping|"
    r"contributing|your contribution|opening|submitting)|this (?:needs|has) to be (?:completed|"
    r"filled)|add (?:a |an )?(?:meaningful|short|brief|detailed|clear) description)\b"
    r"(?=.*\b(?:you|your|yours|pr|mr|pull request|merge request|changes?|here|below|above|"
    r"if (?:appropriate|applicable|any|relevant|needed|it exists)|e\.g|optional|issues?|tickets?|"
    r"boxes|maintainers)\b)",
    re.DOTALL,
)
# One HTML tag or comment; `[^<>]*` keeps a run of unclosed `<a` linear.
_HTML_TAG = re.compile(
    r"<!--.*?(?:-->|\Z)|<(?P<close>/?)(?P<name>[A-Za-z][A-Za-z0-9-]*)(?P<attrs>[^<>]*)>",
    re.DOTALL,
)
# Characters that never start a Markdown construct in the middle of a line; `#`, `-`, `+` and
# digits followed by `.` or `)` start blocks only at the start, which `_plain_line` checks.
_PLAIN_LINE = re.compile(r"[A-Za-z0-9 ,.;:?!'\"()/@#%+\-]*")
_ORDERED_MARKER = re.compile(r"\d{1,9}[.)]")
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
# Elements whose text GitLab's reference filters skip (and whose text is code, for `has_code`).
_INERT_TAGS = frozenset({"a", "code", "pre", "script", "style"})
_CODE_TAGS = frozenset({"code", "pre"})


@dataclass(frozen=True)
class TextFeatures:
    """Everything rules read in one text; see the module docstring for what counts where."""

    words: int
    heading_words: int
    sections: tuple[str, ...]
    empty_sections: tuple[str, ...]
    user_mentions: tuple[str, ...]
    issue_refs: tuple[str, ...]
    closing_issue_refs: tuple[str, ...]
    task_items: int
    checklist_words: int
    prose: str
    task_issue_refs: tuple[str, ...]
    suggestions: int
    questions: int
    has_code: bool
    has_links: bool


@dataclass
class _Section:
    level: int
    title: str
    filled: bool = False


@dataclass
class _Reader:
    """One pass over markdown-it's tokens, collecting prose counts and referenceable text."""

    # Whether a paragraph worded as instructions (``_GUIDANCE``) is a template's: true for
    # descriptions, which templates prefill; a comment's "Please explain why" is the writer's.
    instructions: bool = False
    words: int = 0
    heading_words: int = 0
    questions: int = 0
    task_items: int = 0
    task_words: int = 0
    # The paragraphs whose words count, each with whether it is a task item.
    prose: list[tuple[str, bool]] = field(default_factory=list)
    suggestions: int = 0
    has_code: bool = False
    has_links: bool = False
    sections: list[_Section] = field(default_factory=list)
    open_sections: list[_Section] = field(default_factory=list)
    ref_texts: list[str] = field(default_factory=list)
    task_texts: list[str] = field(default_factory=list)

    def read(self, tokens: Sequence[Token]) -> None:
        quotes = heading = 0
        item_start = False
        for token in tokens:
            kind = token.type
            starts_item = False
            if kind == "blockquote_open":
                quotes += 1
            elif kind == "blockquote_close":
                quotes -= 1
            elif kind == "heading_open":
                heading = int(token.tag[1:])
            elif kind == "heading_close":
                heading = 0
            elif kind == "list_item_open":
                starts_item = True
            elif kind == "paragraph_open":
                starts_item = item_start
            elif kind == "inline":
                self._inline(token, heading=heading, quoted=quotes > 0, item_start=item_start)
            elif kind in ("fence", "code_block"):
                self._code(token)
            elif kind == "html_block":
                self._html_block(token.content, quoted=quotes > 0)
            item_start = starts_item

    def plain(self, line: str) -> None:
        """What ``read`` collects from a single paragraph of plain text (see ``_plain_line``)."""
        if not line:
            return
        linked = _BARE_URL.sub(" link ", line)
        self.words += len(_WORD.findall(linked))
        self.prose.append((line, False))
        self.questions += len(_QUESTION.findall(linked))
        self.ref_texts.append(self._referenceable(line))

    def _filled(self) -> None:
        for section in self.open_sections:
            section.filled = True

    def _opens_section(self) -> bool:
        """Nothing has been written under the innermost heading yet."""
        return bool(self.open_sections) and not self.open_sections[-1].filled

    def _heading(self, level: int, title: str) -> None:
        while self.open_sections and self.open_sections[-1].level >= level:
            self.open_sections.pop()
        section = _Section(level, title)
        self.sections.append(section)
        self.open_sections.append(section)

    def _inline(self, token: Token, *, heading: int, quoted: bool, item_start: bool) -> None:
        marker = _TASK_MARKER.match(token.content) if item_start and not heading else None
        skip = marker.end() if marker else 0
        prose: list[str] = []  # the words as read
        asked: list[str] = []  # the same with code spans neutralised, for questions
        refs: list[str] = []  # what reference filters see
        links = inert = 0
        image = False
        for child in token.children or ():
            kind = child.type
            if kind in ("text", "text_special"):
                value = child.content
                if skip:
                    cut = min(skip, len(value))
                    value, skip = value[cut:], skip - cut
                prose.append(value)
                asked.append(value)
                if links or inert or (kind == "text_special" and child.info == "escape"):
                    refs.append(MASK)
                else:
                    refs.append(value)
            elif kind == "code_inline":
                self.has_code = True
                prose.append(child.content)
                asked.append(" code ")
                refs.append(MASK)
            elif kind == "link_open":
                links += 1
                self.has_links = True
                issue = _issue_url(str(child.attrGet("href") or ""))
                refs.append(f" {issue} " if issue else MASK)
            elif kind == "link_close":
                links = max(0, links - 1)
                refs.append(MASK)
            elif kind == "html_inline":
                inert = max(0, inert + self._inline_tag(child.content))
                refs.append(MASK)
            elif kind in ("softbreak", "hardbreak"):
                prose.append("\n")
                asked.append("\n")
                refs.append("\n")
            elif kind == "image":
                image = True
        text = "".join(prose)
        ref_text = self._referenceable("".join(refs))
        count = len(_WORD.findall(_BARE_URL.sub(" link ", text)))
        # A task item is never instructions ("[ ] Describe the change" is a box to tick).
        worded = self.instructions and not marker
        if not heading and _guidance(token, text, opens=self._opens_section(), worded=worded):
            self.ref_texts.append(ref_text)  # template guidance: no words, section stays empty
            return
        if heading:
            self.heading_words += 0 if quoted else count
            self._heading(heading, " ".join(text.split()).lower())
        else:
            if text.strip() or image:
                self._filled()
            if not quoted:
                self.words += count
                self.prose.append((text.strip(), bool(marker)))
                if marker:
                    self.task_words += count
                self.questions += len(_QUESTION.findall(_BARE_URL.sub(" link ", "".join(asked))))
        self.ref_texts.append(ref_text)
        if marker:
            self.task_items += 1
            self.task_texts.append(ref_text)

    def _inline_tag(self, tag: str) -> int:
        """Note what one inline HTML tag says; returns the change in inert-element depth."""
        match = _HTML_TAG.fullmatch(tag.strip())
        if match is None or match.group("name") is None:
            return 0  # a comment, a processing instruction, a declaration
        name = match.group("name").lower()
        closing = bool(match.group("close"))
        self.has_code |= name in _CODE_TAGS and not closing
        self.has_links |= name == "a" and not closing and "href" in match.group("attrs").lower()
        if name not in _INERT_TAGS or match.group("attrs").rstrip().endswith("/"):
            return 0
        return -1 if closing else 1

    def _code(self, token: Token) -> None:
        self.has_code = True
        suggestion = token.type == "fence" and _SUGGESTION.fullmatch(token.info.strip())
        if suggestion:
            self.suggestions += 1
        if suggestion or token.content.strip():
            self._filled()

    def _html_block(self, content: str, *, quoted: bool) -> None:
        if _HTML_COMMENT.sub("", content).strip():
            self._filled()
        visible = self._html_text(content)
        if not quoted:
            self.words += len(_WORD.findall(_BARE_URL.sub(" link ", visible)))
            self.prose.append((" ".join(visible.split()), False))
            self.questions += len(_QUESTION.findall(_BARE_URL.sub(" link ", visible)))
        self.ref_texts.append(self._referenceable(visible))

    def _html_text(self, content: str) -> str:
        """The text of raw HTML outside comments and inert elements, entities decoded."""
        pieces: list[str] = []
        inert = cursor = 0
        for match in _HTML_TAG.finditer(content):
            if not inert:
                pieces.append(html.unescape(content[cursor : match.start()]))
            pieces.append(" ")
            cursor = match.end()
            name = (match.group("name") or "").lower()
            closing = bool(match.group("close"))
            self.has_code |= name in _CODE_TAGS and not closing
            self.has_links |= name == "a" and not closing
            if name in _INERT_TAGS and not (match.group("attrs") or "").rstrip().endswith("/"):
                inert = max(0, inert + (-1 if closing else 1))
        if not inert:
            pieces.append(html.unescape(content[cursor:]))
        return "".join(pieces)

    def _referenceable(self, text: str) -> str:
        """Bare URLs become links (issue URLs their reference), blank runs one space."""

        def link(match: re.Match[str]) -> str:
            self.has_links = True
            issue = _issue_url(match.group(0))
            return f" {issue} " if issue else MASK

        return _BLANKS.sub(" ", _BARE_URL.sub(link, text))


# Template lines that carry structure, never dropped from a description: headings, HTML
# comment delimiters, code fences, table rows.
_STRUCTURE = re.compile(r"#|.*(?:<!--|-->)|```|~~~|\|")
_TICKED = re.compile(r"^([-*+]|\d+[.)]) \[[xX~]\]")


def _guidance(token: Token, text: str, *, opens: bool, worded: bool) -> bool:
    """A paragraph that is a template's guidance, not the author's words: wholly in emphasis
    where it opens a section (GitLab's own templates), or, with ``worded``, worded as
    instructions (``_GUIDANCE``) anywhere."""
    if opens and _emphasised(token.children or ()):
        return True
    return worded and _GUIDANCE.match(text) is not None


def _emphasised(children: Sequence[Token]) -> bool:
    """A paragraph set wholly in one emphasis (``_..._`` or ``*...*``), nothing outside it."""
    kinds = [
        child.type
        for child in children
        if not (child.type in ("text", "softbreak") and not child.content.strip())
    ]
    if len(kinds) < 3 or kinds[0] != "em_open" or kinds[-1] != "em_close":
        return False
    depth = 0
    for index, kind in enumerate(kinds):
        depth += (kind == "em_open") - (kind == "em_close")
        if depth == 0 and index < len(kinds) - 1:
            return False
    return True


def _plain_line(text: str) -> str | None:
    """``text`` without its blanks when it is one line markdown-it would read as one
    paragraph of plain text (most comments are), so it need not be parsed; else None.

    Nothing in it can start a block (heading, list, quote, code, setext line, table) or an
    inline construct (emphasis, code, link, HTML, escape, entity, strikethrough).
    """
    if "\n" in text or "\r" in text:
        return None
    line = text.strip(" \t")
    indent = text[: len(text) - len(text.lstrip(" \t"))]
    if len(indent) >= 4 or "\t" in indent:  # a tab stop is 4 columns: an indented code block
        return None
    if _PLAIN_LINE.fullmatch(line) is None or line.startswith(("#", "-", "+")):
        return None
    if _ORDERED_MARKER.match(line):
        return None
    return line


def _issue_url(url: str) -> str | None:
    """``group/project#12`` for a link to an issue (or incident, or work item), else None."""
    match = _ISSUE_URL.match(url)
    if match is None:
        return None
    return f"{match.group('project').strip('/')}#{int(match.group('iid'))}"


def _issue_refs(text: str, project_path: str | None) -> list[str]:
    refs: list[str] = []
    for match in _ISSUE.finditer(text):
        project = match.group("project")
        if project is not None and not _VALID_PATH.fullmatch(project):
            project = None
        refs.append(_normalise(project, int(match.group("iid")), project_path))
    return refs


def _normalise(project: str | None, iid: int, project_path: str | None) -> str:
    """``#12`` for this project (or when it is unknown), ``group/project#12`` for others."""
    if project is None:
        return f"#{iid}"
    if project_path:
        if "/" not in project and "/" in project_path:
            project = project_path.rsplit("/", 1)[0] + "/" + project
        if project.lower() == project_path.lower():
            return f"#{iid}"
    return f"{project}#{iid}"


def _unique(items: Iterable[str], *, fold: bool = False) -> tuple[str, ...]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        token = item.lower() if fold else item
        if token not in seen:
            seen.add(token)
            out.append(item)
    return tuple(out)


@lru_cache(maxsize=256)
def template_lines(templates: tuple[str, ...]) -> frozenset[str]:
    """The lines of a project's description templates that a description may carry unchanged:
    every line of text, compared without case, blanks or whether a task box is ticked.

    Headings, HTML comment delimiters, code fences and table rows are left out: removing them
    from a description would change its structure (its sections, what is a comment or code).
    """
    lines = set()
    for template in templates:
        for line in template.replace("\r\n", "\n").split("\n"):
            key = _template_key(line)
            if key and not _STRUCTURE.match(key):
                lines.add(key)
    return frozenset(lines)


def _template_key(line: str) -> str:
    return _TICKED.sub(r"\1 [ ]", " ".join(line.split()).lower())


def without_template(text: str, boilerplate: frozenset[str]) -> str:
    """``text`` without the lines it shares with its templates (``template_lines``)."""
    if not boilerplate:
        return text
    kept = [
        line
        for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if _template_key(line) not in boilerplate
    ]
    return "\n".join(kept)


@lru_cache(maxsize=64)
def text_features(
    text: str | None,
    project_path: str | None = None,
    boilerplate: frozenset[str] = frozenset(),
    *,
    description: bool = False,
) -> TextFeatures:
    """Read ``text`` once and return every feature rules match on.

    ``project_path`` (``group/project``) is where the text lives: references to it become
    ``#12`` and bare ``project#12`` references resolve within its namespace. ``boilerplate``
    (``template_lines`` of the project's description templates) are lines that are the
    template's, not the author's: they are read as if they were not there, so their words do not
    count and a section holding only them is empty. ``description`` says the text is a merge
    request's or an issue's description, which a template may have prefilled: a paragraph
    worded as instructions to whoever fills it in is then the template's too.
    """
    text = without_template(text or "", boilerplate)
    reader = _Reader(instructions=description)
    plain = _plain_line(text or "")
    if plain is not None:
        reader.plain(plain)
    else:
        reader.read(_MD.parse((text or "").replace("\r\n", "\n").replace("\r", "\n")))
    mentions: list[str] = []
    refs: list[str] = []
    closing: list[str] = []
    for ref_text in reader.ref_texts:
        mentions += [match.group("name") for match in _USER.finditer(ref_text)]
        rest = _USER.sub(MASK, ref_text)
        refs += _issue_refs(rest, project_path)
        for match in _CLOSING.finditer(rest):
            closing += _issue_refs(match.group("refs"), project_path)
    checklist = reader.task_items >= CHECKLIST_ITEMS
    task_refs = [
        ref
        for task_text in reader.task_texts
        for ref in _issue_refs(_USER.sub(MASK, task_text), project_path)
    ]
    return TextFeatures(
        words=reader.words,
        heading_words=reader.heading_words,
        sections=tuple(section.title for section in reader.sections if section.title),
        empty_sections=tuple(
            section.title for section in reader.sections if section.title and not section.filled
        ),
        user_mentions=_unique(mentions, fold=True),
        issue_refs=_unique(refs),
        closing_issue_refs=_unique(closing),
        task_items=reader.task_items,
        checklist_words=reader.task_words if checklist else 0,
        prose="\n".join(text for text, task in reader.prose if text and not (task and checklist)),
        task_issue_refs=_unique(task_refs),
        suggestions=reader.suggestions,
        questions=reader.questions,
        has_code=reader.has_code,
        has_links=reader.has_links,
    )


def plain_mentions(text: str | None) -> list[str]:
    """Usernames @mentioned in plain text, such as a system note (no Markdown reading)."""
    return list(_unique((m.group("name") for m in _USER.finditer(text or "")), fold=True))


def word_count(text: str | None, *, headings: bool = True) -> int:
    """Words of the author's own prose; ``headings=False`` leaves heading words out."""
    features = text_features(text)
    return features.words + (features.heading_words if headings else 0)


def sections(text: str | None) -> list[str]:
    """Headings, lower-cased, in order."""
    return list(text_features(text).sections)


def empty_sections(text: str | None) -> list[str]:
    """Headings followed by nothing but whitespace and HTML comments."""
    return list(text_features(text).empty_sections)


def template_unfilled(text: str | None) -> bool:
    """At least one heading was left empty: a template not (fully) filled in."""
    return bool(text_features(text).empty_sections)


def user_mentions(text: str | None) -> list[str]:
    """``@`` mentions of users and groups, as written, each once (case-insensitively)."""
    return list(text_features(text).user_mentions)


def issue_references(text: str | None, project_path: str | None = None) -> list[str]:
    """Every issue referenced, closing or not, each once."""
    return list(text_features(text, project_path).issue_refs)


def closing_issue_references(text: str | None, project_path: str | None = None) -> list[str]:
    """Issues the text closes when it is a merge request description that gets merged."""
    return list(text_features(text, project_path).closing_issue_refs)


def task_items(text: str | None) -> int:
    """Task-list items, done or not."""
    return text_features(text).task_items


def task_issue_references(text: str | None, project_path: str | None = None) -> list[str]:
    """Issues referenced from task-list items."""
    return list(text_features(text, project_path).task_issue_refs)


def suggestion_count(text: str | None) -> int:
    """Suggestion blocks (```` ```suggestion:-0+1 ````)."""
    return text_features(text).suggestions


def question_count(text: str | None) -> int:
    """Sentences of the author's own prose ending in ``?``."""
    return text_features(text).questions


def has_code(text: str | None) -> bool:
    """A code span, code block, or ``<code>``/``<pre>`` element."""
    return text_features(text).has_code


def has_links(text: str | None) -> bool:
    """A Markdown link, an autolink, a bare URL or an ``<a>`` element."""
    return text_features(text).has_links
