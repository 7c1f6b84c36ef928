"""Tests for the fake server's model of GitLab quick actions and references."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.fakelab.markdown import (
    COMMAND_ALIASES,
    KNOWN_COMMANDS,
    NOOP_COMMANDS,
    SUBSTITUTIONS,
    QuickAction,
    Reference,
    extract_quick_actions,
    find_references,
    is_commands_only,
)

SHRUG = SUBSTITUTIONS["shrug"]
FLIP = SUBSTITUTIONS["tableflip"]


def test_command_tables() -> None:
    assert SHRUG == "¯\\\uff3f(ツ)\uff3f/¯"
    assert {"close", "labels", "spend_time", "blocked_by", "cc"} <= KNOWN_COMMANDS
    assert "label_priority" not in KNOWN_COMMANDS
    assert set(COMMAND_ALIASES) <= KNOWN_COMMANDS
    assert set(COMMAND_ALIASES.values()) <= KNOWN_COMMANDS
    assert NOOP_COMMANDS <= KNOWN_COMMANDS


# (body, stored body, [(name, arg, line)])
QUICK_ACTION_CASES = [
    # recognised: line start, known name, any case, optional space-separated argument
    ("/close", "", [("close", "", 1)]),
    ("/CLOSE", "", [("close", "", 1)]),
    ('/Label ~bug ~"needs review"', "", [("label", '~bug ~"needs review"', 1)]),
    ("/close   ", "", [("close", "", 1)]),
    ("/assign   @alice  ", "", [("assign", "@alice", 1)]),
    ("hello\n/close\nworld", "hello\nworld", [("close", "", 2)]),
    (
        "/close\n/label ~a\ntext\n/assign @me",
        "text",
        [("close", "", 1), ("label", "~a", 2), ("assign", "@me", 4)],
    ),
    # aliases resolve to the canonical name
    ("/labels ~a", "", [("label", "~a", 1)]),
    ("/remove_label ~a", "", [("unlabel", "~a", 1)]),
    ("/reviewer @b", "", [("assign_reviewer", "@b", 1)]),
    ("/request_review @b", "", [("assign_reviewer", "@b", 1)]),
    ("/remove_reviewer @b", "", [("unassign_reviewer", "@b", 1)]),
    ("/estimate_time 3d", "", [("estimate", "3d", 1)]),
    ("/remove_time_estimate", "", [("remove_estimate", "", 1)]),
    ("/spent 1h", "", [("spend", "1h", 1)]),
    ("/SPEND_TIME 1h", "", [("spend", "1h", 1)]),
    ("/react :+1:", "", [("award", ":+1:", 1)]),
    # not commands: unknown or extended names, a space or tab in the wrong place, indentation
    ("/closed", "/closed", []),
    ("/foo", "/foo", []),
    ("/label_priority x", "/label_priority x", []),
    ("/ close", "/ close", []),
    (" /close", " /close", []),
    ("/close\tnow", "/close\tnow", []),
    ("say /close", "say /close", []),
    # code: fenced (closed, tilde, unclosed), indented, inline spans even across lines
    ("```\n/close\n```", "```\n/close\n```", []),
    ("~~~\n/close\n~~~", "~~~\n/close\n~~~", []),
    ("```\n/close", "```\n/close", []),
    ("    /close", "    /close", []),
    ("para\n\n    /close", "para\n\n    /close", []),
    ("see `x\n/close\n` here", "see `x\n/close\n` here", []),
    ("`a`\n/close", "`a`", [("close", "", 2)]),
    # an argument swallows its backtick, so it cannot open a span hiding the next line
    ("/close `\n/reopen `", "", [("close", "`", 1), ("reopen", "`", 2)]),
    # quotes, including lazy continuation lines and GitLab's >>> fences
    ("> /close", "> /close", []),
    ("> quote\n/close", "> quote\n/close", []),
    (">>>\n/close\n>>>", ">>>\n/close\n>>>", []),
    (">>>\n/close\n>>>\n\n/reopen", ">>>\n/close\n>>>", [("reopen", "", 5)]),
    ("> quote\n\n/close", "> quote", [("close", "", 3)]),
    # HTML blocks and multi-line HTML elements inside a paragraph
    ("<div>\n/close\n</div>", "<div>\n/close\n</div>", []),
    (
        "<details>\n<summary>s</summary>\n/close\n</details>",
        "<details>\n<summary>s</summary>\n/close\n</details>",
        [],
    ),
    ("note\n<span>\n/close\n</span>", "note\n<span>\n/close\n</span>", []),
    # lists: only a raw line starting with `/` (a lazy continuation) counts
    ("- /close", "- /close", []),
    ("1. /close", "1. /close", []),
    ("- item\n  /close", "- item\n  /close", []),
    ("- item\n/close", "- item", [("close", "", 2)]),
    # other blocks that are not paragraphs
    ("# /close", "# /close", []),
    ("/close\n===", "/close\n===", []),
    ("a | b\n--|--\n/close", "a | b\n--|--\n/close", []),
    # removal details: one following blank line goes too, the result is right-stripped
    ("/close\n\nthanks", "thanks", [("close", "", 1)]),
    ("/close\n\n\nthanks", "\nthanks", [("close", "", 1)]),
    ("thanks\n\n/close\n", "thanks", [("close", "", 3)]),
    # CRLF behaves like LF (GitLab deletes every \r first)
    ("hi\r\n/close\r\nbye\r\n", "hi\nbye", [("close", "", 2)]),
    ("```\r\n/close\r\n```", "```\n/close\n```", []),
    ("> q\r\n/close", "> q\n/close", []),
    # substitutions are replaced in place and still reported
    ("/shrug", f" {SHRUG}", [("shrug", "", 1)]),
    ("/shrug oh well", f"oh well {SHRUG}", [("shrug", "oh well", 1)]),
    ("a\n/TableFlip fine\nb", f"a\nfine {FLIP}\nb", [("tableflip", "fine", 2)]),
    # /cc is a no-op in GitLab: never extracted, stays in the note (and its mention pings)
    ("/cc @alice", "/cc @alice", []),
    ("/cc @alice\n/close", "/cc @alice", [("close", "", 2)]),
]


@pytest.mark.parametrize(("body", "stored", "actions"), QUICK_ACTION_CASES)
def test_extract_quick_actions(body: str, stored: str, actions: list[tuple[str, str, int]]) -> None:
    assert extract_quick_actions(body) == (stored, [QuickAction(*a) for a in actions])


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("/close", True),
        ("/close\n/label ~x\n\n", True),
        ("/close\r\n/reopen\r\n", True),
        ("  \n/close", True),
        ("/close\nthanks", False),
        ("thanks", False),
        ("", False),
        ("/shrug", False),
        ("/cc @alice", False),
        ("```\n/close\n```", False),
        ("> /close", False),
    ],
)
def test_is_commands_only(body: str, expected: bool) -> None:
    assert is_commands_only(body) is expected


def user(name: str) -> Reference:
    return Reference("user", f"@{name}", name, None, None)


def issue(iid: int, project: str | None = None) -> Reference:
    return Reference("issue", f"{project or ''}#{iid}", None, project, iid)


def mr(iid: int, project: str | None = None) -> Reference:
    return Reference("merge_request", f"{project or ''}!{iid}", None, project, iid)


def label(text: str, name: str | None, iid: int | None = None) -> Reference:
    return Reference("label", text, name, None, iid)


REFERENCE_CASES = [
    # users and groups
    ("@alice", [user("alice")]),
    ("hi @alice.", [user("alice")]),
    ("@alice, @bob!", [user("alice"), user("bob")]),
    ("@all", [user("all")]),
    ("@acme/devs", [user("acme/devs")]),
    ("@a_b-c.d", [user("a_b-c.d")]),
    ("é@alice", [user("alice")]),  # Ruby's \w is ASCII: é does not glue the @ to a word
    ("bob@example.com", []),
    ("**@alice**", [user("alice")]),
    ("&#64;alice", [user("alice")]),  # entities are decoded before the filters run
    ("@alice#12", [user("alice"), issue(12)]),
    # inert contexts for a mention
    ("`@alice`", []),
    ("```\n@alice\n```", []),
    ("    @alice", []),
    ("[@alice](https://x)", []),
    ("[see](https://x/@alice)", []),
    ("<https://x/@alice>", []),
    ("https://x.com/@alice", []),
    ("![@alice](a.png)", []),
    ("\\@alice", []),
    ("<!-- @alice -->", []),
    ('<span title="@alice">x</span>', []),
    ("<code>@alice</code>", []),
    ('x <a href="y">@alice</a>', []),
    ("<pre>\n@alice\n</pre>", []),
    # raw HTML is rendered, so its text is read like any other text
    ("<div>\n@alice\n</div>", [user("alice")]),
    ("x <b>@alice</b>", [user("alice")]),
    # block quotes still ping (notes do not set ignore_blockquotes)
    ("> @alice", [user("alice")]),
    ("> > deep @alice", [user("alice")]),
    (">>>\n@alice\n>>>", [user("alice")]),
    # issues
    ("#12", [issue(12)]),
    ("see #12.", [issue(12)]),
    ("# Title", []),
    ("## Fix #12", [issue(12)]),
    ("#abc", []),
    ("#12abc", []),
    ("\\#12", []),
    ("`#12`", []),
    ("acme/backend#12", [issue(12, "acme/backend")]),
    ("g/sub/p#7", [issue(7, "g/sub/p")]),
    # GitLab's Project.reference_pattern reads `page` as a project of the current namespace
    ("page#12", [issue(12, "page")]),
    ("https://gitlab.example.com/a/b/-/issues/12#note_5", []),
    ("a/b/-/issues/12#note_5", []),
    ("https://x/y#12", []),
    # merge requests (GitLab's pattern has no trailing word boundary, unlike issues')
    ("!3", [mr(3)]),
    ("acme/backend!3", [mr(3, "acme/backend")]),
    ("hello!3", [mr(3, "hello")]),
    ("wow!", []),
    ("\\!3", []),
    ("[!3](https://x)", []),
    # labels
    ("~bug", [label("~bug", "bug")]),
    ('~"needs review"', [label('~"needs review"', "needs review")]),
    ("~123", [label("~123", None, 123)]),
    ("~2fa", [label("~2fa", "2fa")]),
    ("~bug.", [label("~bug.", "bug.")]),  # `.` is a legal label character
    ("acme/backend~bug", [Reference("label", "acme/backend~bug", "bug", "acme/backend", None)]),
    ("\\~bug", []),
    ("~~bug~~", []),  # strikethrough, no tilde left
    ("`~bug`", []),
    # milestones
    ("%v1.0", [Reference("milestone", "%v1.0", "v1.0", None, None)]),
    ("%v1.0.", [Reference("milestone", "%v1.0", "v1.0", None, None)]),
    ('%"Release 2"', [Reference("milestone", '%"Release 2"', "Release 2", None, None)]),
    ("%3", [Reference("milestone", "%3", None, None, 3)]),
    ("50% done", []),
    ("\\%v1", []),
    # snippets
    ("$12", [Reference("snippet", "$12", None, None, 12)]),
    ("\\$12", []),
    # several kinds, reading order, multi-line and CRLF bodies
    ("~bug @alice #3", [label("~bug", "bug"), user("alice"), issue(3)]),
    (
        "Thanks @alice\n\n```\n@bob\n```\n\n> @carol said #4\n\n<!-- @dave -->",
        [user("alice"), user("carol"), issue(4)],
    ),
    ("hi\r\n@alice\r\n", [user("alice")]),
    ("a\nb @alice\n- c ~x", [user("alice"), label("~x", "x")]),
]


@pytest.mark.parametrize(("body", "expected"), REFERENCE_CASES)
def test_find_references(body: str, expected: list[Reference]) -> None:
    assert find_references(body) == expected


def test_quick_action_text_is_still_referenced() -> None:
    # Mentions are computed on the stored note: /cc stays and pings, /assign's args do not.
    stored, _ = extract_quick_actions("/assign @bob\n/cc @alice")
    assert find_references(stored) == [user("alice")]


# Hypothesis: fragments that exercise every construct above, glued with LF or CRLF.
FRAGMENTS = [
    "/close",
    "/CLOSE now",
    "/label ~bug",
    "/labels",
    "/cc @a",
    "/closed",
    " /close",
    "```",
    "~~~",
    "    /close",
    "> /close",
    ">",
    ">>>",
    "- item",
    "1. x",
    "<div>",
    "</div>",
    "<span>",
    "</span>",
    "`",
    "text `code",
    "",
    " ",
    "\t",
    "\x0b",
    "para",
    "# h",
    "===",
    "---",
    "a | b",
    "--|--",
    "@alice",
    "#12",
    "\\@x",
    "<!--",
    "-->",
    "/reopen\t",
    "/close  ",
    "/assign `x",
]
BODIES = st.one_of(
    st.text(),
    st.lists(st.sampled_from(FRAGMENTS), max_size=12).flatmap(
        lambda parts: st.sampled_from(["\n", "\r\n"]).map(lambda nl: nl.join(parts))
    ),
)
_RUBY_SPACE = " \t\n\v\f\r\0"


@settings(deadline=None, max_examples=300)
@given(BODIES)
def test_command_lines_never_survive(body: str) -> None:
    stored, actions = extract_quick_actions(body)
    if any(action.name in SUBSTITUTIONS for action in actions):
        return  # substitutions rewrite lines in place; the removal check below does not apply
    source = body.replace("\r", "").split("\n")
    removed = {action.line - 1 for action in actions}
    for action in actions:
        assert re.match(r"/[a-z_]+", source[action.line - 1], re.IGNORECASE)
    # Exactly the command lines (and blank ones) are removed; everything else is kept.
    kept = [line.rstrip(_RUBY_SPACE) for i, line in enumerate(source) if i not in removed]
    survivors = [line.rstrip(_RUBY_SPACE) for line in stored.split("\n")]
    assert [line for line in survivors if line] == [line for line in kept if line]


@settings(deadline=None, max_examples=300)
@given(BODIES)
def test_find_references_never_raises(body: str) -> None:
    for reference in find_references(body):
        assert reference.kind in {"user", "issue", "merge_request", "label", "milestone", "snippet"}
        assert reference.text
        if reference.kind == "user":
            assert reference.name
        if reference.kind in {"issue", "merge_request", "snippet"}:
            assert reference.iid is not None
