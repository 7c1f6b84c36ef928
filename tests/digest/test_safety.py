"""quote() makes user text inert, proven on the Markdown parser and against the offline GitLab.

The offline GitLab runs quick actions on posted notes the way GitLab's extractor finds them, and
records every mention and cross-reference a note would notify. Posting the quoted adversarial
corpus, and whole digests made of it, must leave both logs empty and every item unchanged;
the same corpus posted raw must not (so the test can see what it claims to rule out).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

import gitlab
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from bot.digest.render import render_digest
from bot.digest.safety import JOINER, code, link, quote, safe_url
from bot.fakelab.markdown import extract_quick_actions, find_references
from bot.fakelab.server import FakeGitLab
from tests.conftest import ADMIN_TOKEN
from tests.digest.corpus import ADVERSARIAL
from tests.digest.helpers import adversarial_digest

BOT_TOKEN = "glpat-ladder-bot-000000"
BOT_ID = 20
# GitLab's parser for what is plain text: CommonMark with GFM tables and strikethrough,
# raw HTML on (as GitLab parses it before sanitising).
MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
# The contexts a quoted value is put in: alone, after text, in a list item, a nested list,
# a quote, emphasis, a link's text, a heading, a table cell, after a code span.
CONTEXTS = (
    "{}",
    "Intro line\n{}",
    "- {}",
    "- item\n  - {}",
    "1. {}",
    "> {}",
    "**{}**",
    "*{}*",
    "[{}](https://gitlab.example.com/x)",
    "#### {}",
    "| a |\n|---|\n| {} |",
    "`x` {}",
    "{}{}",
    "{} · {}",
)
INLINE = {"text", "text_special"}


def visible(text: str) -> str:
    """What a reader should see of ``text``: invisible characters gone, whitespace collapsed."""
    import unicodedata

    kept = []
    for char in text:
        if char.isspace():
            kept.append(" ")
        elif unicodedata.category(char) == "Cc" or (
            unicodedata.category(char) == "Cf" and char not in "\u200c\u200d"
        ):
            continue
        else:
            kept.append(char)
    return " ".join("".join(kept).split())


def assert_inert(quoted: str) -> None:
    for context in CONTEXTS:
        body = context.replace("{}", quoted)
        assert find_references(body) == [], (context, quoted)
        assert extract_quick_actions(body)[1] == [], (context, quoted)


def assert_plain_text(quoted: str, original: str) -> None:
    """Parsed alone, the quoted text is one paragraph of plain text that reads as the
    original: no emphasis, code, link, image, HTML, heading, list or line break."""
    tokens = MD.parse(quoted)
    expected = visible(original)
    if not expected:
        assert tokens == []
        return
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"], quoted
    children = tokens[1].children or []
    assert {child.type for child in children} <= INLINE, [c.type for c in children]
    assert "".join(child.content for child in children).replace(JOINER, "") == expected


# -- quote(), unit by unit ---------------------------------------------------------------------


@pytest.mark.parametrize("text", ADVERSARIAL)
def test_each_adversarial_text_is_inert_and_reads_the_same(text: str) -> None:
    quoted = quote(text)
    assert "\n" not in quoted and "\r" not in quoted
    assert not quoted.startswith("/")
    assert "<" not in quoted and ">" not in quoted
    assert "://" not in quoted and "www." not in quoted.lower()
    assert_inert(quoted)
    assert_plain_text(quoted, text)


def test_examples() -> None:
    j = JOINER
    assert quote("/close") == "\\/close"
    assert quote("line\n/reopen") == "line /reopen"
    assert quote("@all please look") == f"\\@{j}all please look"
    assert quote("#1 and !1") == f"\\#{j}1 and \\!{j}1"
    assert quote("acme/backend#1") == f"acme/backend\\#{j}1"
    assert quote("~bug %v1 $1 &1") == f"\\~{j}bug \\%{j}v1 \\${j}1 \\&{j}1"
    assert quote("<script>alert(1)</script>") == (f"&lt;script{j}&gt;alert(1)&lt;/script{j}&gt;")
    assert quote("\\@alice") == f"\\\\\\@{j}alice"
    assert quote("`/close`") == "\\`/close\\`"
    assert quote("**bold**") == "\\*\\*bold\\*\\*"
    # What is harmless stays readable.
    assert quote("Fix: crash in the cart (v1.2), again") == "Fix: crash in the cart (v1.2), again"
    assert quote("snake_case_name") == "snake_case_name"
    assert quote("_private") == "\\_private"
    assert quote("1. first") == "1\\. first"
    assert quote("- item") == "\\- item"
    assert quote("GL-12") == f"GL-{j}12"
    assert quote("www.example.com") == f"www{j}.example.com"
    assert quote("see https://x.test/a") == f"see https\\:{j}//x.test/a"
    assert quote("commit 9ba12248") == f"commit 9ba122{j}48"
    assert quote("decade") == "decade"  # hex-only words without digits stay whole
    assert quote(None) == "" and quote("") == "" and quote(42) == "42"


def test_invisible_and_control_characters_are_dropped_and_lines_collapse() -> None:
    assert quote("a\u200bb\ufeffc\u202ed\u2066e\x00f\x1bg") == "abcdefg"
    assert quote("  many\t\tspaces\n\n and\u2028lines  ") == "many spaces and lines"
    assert quote("👩\u200d💻") == "👩\u200d💻"  # joiners that build emoji stay
    assert quote("\u200b/close") == "\\/close"


def test_limit_cuts_before_escaping() -> None:
    assert quote("a" * 10, limit=5) == "aaaa…"
    assert quote("@" * 10, limit=3) == f"\\@{JOINER}\\@{JOINER}…"


def test_the_marker_cannot_be_forged_by_quoted_text() -> None:
    forged = "<!-- ladder-bot:digest person=bob week=2026-W01 -->"
    assert "<!--" not in quote(forged)
    assert "ladder-bot:digest" not in quote(forged)  # the colon is escaped


def test_code_spans_hold_any_backticks() -> None:
    assert code("l2.impact.x") == "`l2.impact.x`"
    assert code("a `b` c") == "``a `b` c``"
    assert code("`edge`") == "`` `edge` ``"
    for text in ("@all /close", "``` @alice", "`"):
        tokens = MD.parse(code(text))
        assert [c.type for c in tokens[1].children or []] == ["code_inline"]
        assert find_references(code(text)) == []


def test_links_are_http_only_and_cannot_break_out() -> None:
    assert link("MR 12", "https://gitlab.example.com/a/-/merge_requests/12") == (
        "[MR 12](https://gitlab.example.com/a/-/merge_requests/12)"
    )
    assert link("x", "javascript:alert(1)") == "x"
    assert link("x", "data:text/html,<b>") == "x"
    assert link("x", "https://") == "x"
    assert safe_url('https://h/a b(c)<d>\\e"') == "https://h/a%20b%28c%29%3Cd%3E%5Ce%22"
    assert safe_url("https://h/\u202eexe") is None
    body = link("@alice #1 ] (", "https://h/a) [b](https://evil")
    tokens = MD.parse(body)[1].children or []
    assert [t.type for t in tokens if t.type.startswith("link")] == ["link_open", "link_close"]
    assert tokens[0].attrGet("href") == "https://h/a%29%20%5Bb%5D%28https://evil"
    assert find_references(body) == []


SPECIALS = [
    *"/@#!~%$&^:`*_[]{}()<>|\\-+=.\"' \n\t\r",
    "close",
    "all",
    "alice",
    "acme/backend",
    "12",
    "www",
    "http",
    "\u200b",
    "\u2028",
    "\u202e",
    "＠",
    "<!--",
    "-->",
    "```",
    ">>>",
    "9ba12248",
    "a",
    "é",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(SPECIALS), max_size=25).map("".join))
def test_any_text_is_inert_and_reads_the_same(text: str) -> None:
    quoted = quote(text)
    assert "\n" not in quoted and not quoted.startswith("/")
    assert_inert(quoted)
    assert_plain_text(quoted, text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_unicode_text_is_inert_and_reads_the_same(text: str) -> None:
    quoted = quote(text)
    assert_inert(quoted)
    assert_plain_text(quoted, text)


def test_a_whole_adversarial_digest_is_inert_markdown() -> None:
    for redact in (True, False):
        body = render_digest(adversarial_digest(ADVERSARIAL), redact_confidential=redact)
        assert body.startswith("<!-- ladder-bot:digest person=alice week=2026-W45 -->\n")
        assert find_references(body) == []
        assert extract_quick_actions(body)[1] == []
        assert not any(line.startswith("/") for line in body.splitlines())
        tokens = MD.parse(body)
        html = [t.content.strip() for t in tokens if t.type == "html_block"]
        inline_html = [
            child.content
            for t in tokens
            if t.type == "inline"
            for child in t.children or []
            if child.type == "html_inline"
        ]
        allowed = {"<details><summary>Why this counts</summary>", "</details>"}
        assert html[0].startswith("<!-- ladder-bot:digest person=alice")
        assert set(html[1:]) <= allowed
        assert inline_html == []
        links = [
            child.attrGet("href")
            for t in tokens
            if t.type == "inline"
            for child in t.children or []
            if child.type == "link_open"
        ]
        assert links and all(
            re.fullmatch(r"https://gitlab\.example\.com/acme/backend/-/merge_requests/\d+", str(h))
            for h in links
        )
        assert not [t for t in tokens if t.type in ("image", "code_block", "fence", "table_open")]


# -- against the offline GitLab ------------------------------------------------------------------


@pytest.fixture
def gitlab_with_bot(small_data: dict[str, Any]) -> Iterator[FakeGitLab]:
    """The small dataset, plus ladder-bot's own account: a bot user, Maintainer of ``acme``,
    so every quick action would be allowed to it."""
    data = copy.deepcopy(small_data)
    data["users"].append(
        {"id": BOT_ID, "username": "ladder-bot", "name": "ladder-bot", "bot": True}
    )
    data["tokens"].append({"token": BOT_TOKEN, "username": "ladder-bot"})
    data["groups"][0]["members"].append({"id": BOT_ID, "access_level": 40})
    with FakeGitLab(data, admin_token=ADMIN_TOKEN) as server:
        yield server


def _state(project: Any) -> dict[str, Any]:
    issue = project.issues.get(3)
    mr = project.mergerequests.get(2)
    fields = (
        "state",
        "title",
        "labels",
        "assignees",
        "confidential",
        "discussion_locked",
        "due_date",
    )
    return {
        "issue": {name: issue.attributes.get(name) for name in fields},
        "mr": {name: mr.attributes.get(name) for name in (*fields, "draft", "reviewers")},
        "approvals": [a["user"]["id"] for a in mr.approvals.get().approved_by],
        "award_emoji": len(issue.awardemojis.list(get_all=True)),
    }


def test_posting_quoted_text_runs_no_action_and_notifies_no_one(
    gitlab_with_bot: FakeGitLab,
) -> None:
    fake = gitlab_with_bot
    gl = gitlab.Gitlab(fake.url, private_token=BOT_TOKEN, timeout=10)
    project = gl.projects.get("acme/backend")
    issue, mr = project.issues.get(3), project.mergerequests.get(2)
    before = _state(project)
    fake.clear_logs()

    quoted = [quote(text) for text in ADVERSARIAL]
    bodies = [
        "\n".join(quoted),  # every line of one paragraph starts with quoted text
        "\n\n".join(quoted),  # each its own paragraph
        "\n".join(f"- {q}" for q in quoted),  # list items, GitLab's or the fake's reading
        "\n".join(f"Seen: {q}" for q in quoted),
        *(quoted[:: len(quoted) // 10]),  # a few alone, as the whole body
    ]
    for redact in (True, False):
        bodies.append(render_digest(adversarial_digest(ADVERSARIAL), redact_confidential=redact))
    posted = []
    for body in bodies:
        for item in (issue, mr):
            note = item.notes.create({"body": body})
            posted.append((note.id, body))

    assert fake.actions() == []
    assert fake.notifications() == []
    assert _state(project) == before
    # Every note was stored whole: no command was taken out of any of them.
    stored = {note.id: note.body for note in issue.notes.list(get_all=True, sort="asc")}
    stored |= {note.id: note.body for note in mr.notes.list(get_all=True, sort="asc")}
    for note_id, body in posted:
        assert stored[note_id] == body
    assert not [n for n in issue.notes.list(get_all=True) if n.system]

    # Editing a note into another quoted body (as re-posting a digest does) is just as inert.
    note = issue.notes.create({"body": quote("first")})
    note.body = render_digest(adversarial_digest(reversed(ADVERSARIAL)), redact_confidential=True)
    note.save()
    assert fake.actions() == [] and fake.notifications() == []


def test_the_same_corpus_posted_raw_does_run_actions_and_notify(
    gitlab_with_bot: FakeGitLab,
) -> None:
    """The control: without quote(), the offline GitLab sees the actions and the mentions, so
    the empty logs above mean something."""
    fake = gitlab_with_bot
    gl = gitlab.Gitlab(fake.url, private_token=BOT_TOKEN, timeout=10)
    issue = gl.projects.get("acme/backend").issues.get(3)
    for text in ("/label ~bug\n/assign @alice", "@all please look", "#1 and !1", "line\n/close"):
        issue.notes.create({"body": text})
    actions = {entry["command"] for entry in fake.actions()}
    assert {"label", "assign", "close"} <= actions
    kinds = {entry["kind"] for entry in fake.notifications()}
    assert kinds == {"mention", "cross_reference"}
    assert gl.projects.get("acme/backend").issues.get(3).state == "closed"
