"""What a review suggestion changes: the lines it replaces against the lines it proposes.

GitLab keeps both sides of every suggestion on a merge request's diff note
(``suggestions: [{from_content, to_content, ...}]``, in ``/notes`` and ``/discussions`` alike),
so whether a reviewer pointed at the surface of the code or proposed different code can be read
off the text itself instead of guessed from the comment's words:

- ``none``: the suggestion repeats the lines as they are;
- ``whitespace``: only layout differs (indentation, spaces, line breaks);
- ``punctuation``: only commas, semicolons, colons, full stops or quote characters differ;
- ``naming``: identifiers are renamed one for one, everything else stays;
- ``wording``: only prose changes, modestly: the text of a Markdown or reStructuredText line,
  or the string literals and comments of code (no new sentence, few new words);
- ``content``: anything else: other code, new lines of logic, new sentences.

The kinds are ordered from the narrowest to the broadest; a note with several suggestions
takes the broadest of them (``broadest``).

>>> change_kind("    n = len(items)\\n", "    count = len(items)\\n", "app/run.py")
'naming'
>>> change_kind("foo( a,b )\\n", "foo(a, b)\\n", "app/run.py")
'whitespace'
>>> change_kind("Set the the timeout.\\n", "Set the timeout.\\n", "docs/setup.md")
'wording'
>>> change_kind("x = 1\\n", "x = compute()\\n", "app/run.py")
'content'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from difflib import SequenceMatcher
from typing import Any

KINDS = ("none", "whitespace", "punctuation", "naming", "wording", "content")
_RANK = {kind: rank for rank, kind in enumerate(KINDS)}

# Files whose lines are prose: a changed word there is wording, not code.
PROSE_SUFFIXES = (".md", ".mdx", ".markdown", ".rst", ".txt", ".adoc")

_TOKEN = re.compile(r"\w+|[^\w\s]")
_WORD = re.compile(r"\w+")
_IDENTIFIER = re.compile(r"[^\W\d]\w*")
# Punctuation that separates or quotes but does not compute: dropping or swapping it is a
# surface change. Operators and brackets are code.
_SURFACE = frozenset(",;:.'\"`\u2018\u2019\u201c\u201d")
# String literals and comments of code in the common languages: double- and single-quoted
# strings on one line, backtick strings, ``#`` comments (followed by a space, so that ``#include``
# and Rust's ``#[attr]`` stay code), ``//`` and ``/* */`` comments, SQL's ``-- `` comments.
_LITERAL = re.compile(
    r'"(?:\\.|[^"\\\n])*"'
    r"|'(?:\\.|[^'\\\n])*'"
    r"|`[^`\n]*`"
    r"|(?<![\w#])#(?=[ \t]|$)[^\n]*"
    r"|//[^\n]*"
    r"|/\*.*?\*/"
    r"|--[ \t][^\n]*",
    re.S | re.M,
)
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
# A placeholder token for a literal in code, so code around literals is compared on its own.
_HOLE = "\x00"


def broadest(kinds: Sequence[str]) -> str:
    """The broadest of several suggestions' kinds (``content`` over ``wording`` and so on)."""
    return max(kinds, key=_RANK.__getitem__)


def is_prose(path: str | None) -> bool:
    return bool(path) and str(path).lower().endswith(PROSE_SUFFIXES)


def change_kind(old: str, new: str, path: str | None) -> str:
    """What replacing ``old`` with ``new`` changes in the file at ``path`` (one of ``KINDS``)."""
    old, new = _normal(old), _normal(new)
    if old == new:
        return "none"
    old_tokens, new_tokens = _TOKEN.findall(old), _TOKEN.findall(new)
    if old_tokens == new_tokens:
        return "whitespace"
    if _unpunctuated(old_tokens) == _unpunctuated(new_tokens):
        return "punctuation"
    if is_prose(path):
        return "wording" if _modest_rewording(old, new) else "content"
    return _code_change(old, new)


def suggestion_change(suggestions: Any, path: str | None) -> str | None:
    """The broadest change of a note's ``suggestions`` (GitLab's list); None when there are
    none, or when GitLab did not say which lines one of them replaces."""
    if not isinstance(suggestions, list) or not suggestions:
        return None
    kinds = []
    for suggestion in suggestions:
        if not isinstance(suggestion, Mapping):
            return None
        old, new = suggestion.get("from_content"), suggestion.get("to_content")
        # A real line, even a blank one, is at least "\n": an empty from_content means the
        # replaced lines were not known when the suggestion was stored.
        if not isinstance(old, str) or not old or not isinstance(new, str):
            return None
        kinds.append(change_kind(old, new, path))
    return broadest(kinds)


def _normal(text: str) -> str:
    """Line endings unified and trailing blank space dropped: GitLab stores ``to_content`` with
    or without the final newline depending on how the block was typed."""
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip("\n")


def _unpunctuated(tokens: Sequence[str]) -> list[str]:
    return [token for token in tokens if token not in _SURFACE]


def _code_change(old: str, new: str) -> str:
    """Code: compare the code around literals and comments, then the literals themselves."""
    old_literals, new_literals = _LITERAL.findall(old), _LITERAL.findall(new)
    old_code = _unpunctuated(_TOKEN.findall(_LITERAL.sub(f" {_HOLE} ", old)))
    new_code = _unpunctuated(_TOKEN.findall(_LITERAL.sub(f" {_HOLE} ", new)))
    if old_code != new_code and not _renamed(old_code, new_code):
        return "content"
    if old_literals == new_literals:
        # Only surface punctuation around the literals moved, or names changed.
        return "punctuation" if old_code == new_code else "naming"
    modest = _modest_rewording(" ".join(old_literals), " ".join(new_literals))
    return "wording" if modest else "content"


def _renamed(old: Sequence[str], new: Sequence[str]) -> bool:
    """Same tokens except identifiers renamed consistently, one old name to one new name."""
    if len(old) != len(new):
        return False
    forward: dict[str, str] = {}
    backward: dict[str, str] = {}
    for before, after in zip(old, new, strict=True):
        if before == after:
            continue
        if not (_IDENTIFIER.fullmatch(before) and _IDENTIFIER.fullmatch(after)):
            return False
        if (
            forward.setdefault(before, after) != after
            or backward.setdefault(after, before) != before
        ):
            return False
    return True


def _modest_rewording(old: str, new: str) -> bool:
    """A rewording rather than new content: few words added, no sentence added.

    Case changes count as rewording; a suggestion that adds more than a third of the original's
    words (at least four) or another sentence adds content.
    """
    old_words = [word.lower() for word in _WORD.findall(old)]
    new_words = [word.lower() for word in _WORD.findall(new)]
    added = 0
    for op, _, _, start, end in SequenceMatcher(None, old_words, new_words).get_opcodes():
        if op in ("insert", "replace"):
            added += end - start
    if added > max(4, len(old_words) // 3):
        return False
    return len(_SENTENCE_END.findall(new)) <= max(1, len(_SENTENCE_END.findall(old)))
