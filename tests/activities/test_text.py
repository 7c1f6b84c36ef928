"""Text features: what counts as writing, sections, references, tasks, suggestions, questions."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.activities import text

UNFILLED_TEMPLATE = """## What does this MR do?

<!-- Describe in detail what your merge request does and why. -->

## Related issues

<!-- Link related issues below. -->
"""


# --- words -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("Fixes the login page.", 4),
        ("One two\n\n```\nthree four five\n```\n", 2),
        ("One two\n\n    indented code is code\n", 2),
        ("one <!-- two three --> four", 2),
        ("<!-- a placeholder\nover lines -->\n\nword", 1),
        ("> someone else's words here\n\nmine", 1),
        ("see https://example.com/a/b/c?x=1", 2),
        ("run `make test` now", 4),
        ("[the docs](https://example.com) say so", 4),
        ("don't multi-tenant p95 2.3", 4),
        ("- [x] Unit tests\n- [ ] QA", 3),
        ("", 0),
        ("🚀 --- !!!", 0),
    ],
)
def test_word_count_counts_only_the_authors_prose(body: str, words: int) -> None:
    assert text.word_count(body) == words


def test_headings_count_as_words_only_when_asked() -> None:
    body = "## Two words\n\nthree"
    assert text.word_count(body) == 3
    assert text.word_count(body, headings=False) == 1


def test_an_unfilled_template_has_no_words_of_its_own() -> None:
    assert text.word_count(UNFILLED_TEMPLATE, headings=False) == 0
    assert text.word_count(UNFILLED_TEMPLATE) == 7


def test_text_inside_raw_html_counts_but_comments_and_code_do_not() -> None:
    body = "<details><summary>Stack trace</summary>\n<pre>one two three</pre>\n<!-- x y -->\n"
    assert text.word_count(body) == 2


# --- sections --------------------------------------------------------------------------------


def test_sections_are_headings_lower_cased_and_collapsed() -> None:
    body = "# Why   **This**\n\nx\n\nHow to Test\n---\n\ny\n\n###\n"
    assert text.sections(body) == ["why this", "how to test"]


def test_a_template_of_headings_and_comments_is_unfilled() -> None:
    assert text.template_unfilled(UNFILLED_TEMPLATE)
    assert text.empty_sections(UNFILLED_TEMPLATE) == ["what does this mr do?", "related issues"]


def test_a_filled_template_is_not() -> None:
    body = UNFILLED_TEMPLATE.replace("<!-- Link related issues below. -->", "Closes #3")
    body = body.replace("<!-- Describe", "Adds paging to the list.\n<!-- Describe")
    assert not text.template_unfilled(body)
    assert text.empty_sections(body) == []


def test_a_partly_filled_template_names_the_empty_section() -> None:
    body = UNFILLED_TEMPLATE.replace("<!-- Link related issues below. -->", "Closes #3")
    assert text.template_unfilled(body)
    assert text.empty_sections(body) == ["what does this mr do?"]


@pytest.mark.parametrize(
    ("body", "empty"),
    [
        ("## Testing\n### Unit\nran them all\n", []),  # a subsection fills its parent
        ("## Testing\n### Unit\n\n## Risks\nnone\n", ["testing", "unit"]),
        ("## How to test\n\n```sh\nmake test\n```\n", []),
        ("## Screenshot\n\n![after](after.png)\n", []),
        ("## Screenshot\n\n<img src='after.png'>\n", []),
        ("## Checklist\n\n- [ ] \n", ["checklist"]),
        ("No headings at all.", []),
    ],
)
def test_empty_sections(body: str, empty: list[str]) -> None:
    assert text.empty_sections(body) == empty
    assert text.template_unfilled(body) is bool(empty)


# GitLab's own merge request template (gitlab-org/gitlab, .gitlab/merge_request_templates/
# Default.md, its example steps left out): guidance in italics under each heading.
GITLAB_TEMPLATE = (Path(__file__).parent / "data" / "gitlab_default_mr_template.md").read_text()


def test_template_guidance_in_italics_is_not_the_authors_writing() -> None:
    features = text.text_features(GITLAB_TEMPLATE)
    # Left: the checklist's introduction (21 words) and its one item (10, the link text included).
    assert features.words == 31
    assert text.empty_sections(GITLAB_TEMPLATE) == [
        "what does this mr do and why?",
        "screenshots or screen recordings",
        "how to set up and validate locally",
    ]


def test_writing_under_the_guidance_fills_the_section() -> None:
    answer = "Retries the webhook with backoff: one timeout used to drop the delivery for good."
    body = GITLAB_TEMPLATE.replace(
        "_Describe in detail what your merge request does and why._",
        f"_Describe in detail what your merge request does and why._\n\n{answer}",
    )
    assert text.word_count(body, headings=False) == 31 + 14
    assert "what does this mr do and why?" not in text.empty_sections(body)


@pytest.mark.parametrize(
    ("body", "words", "empty"),
    [
        # Italics that do not open a section are the author's.
        ("## Why\n\nBecause.\n\n_Thanks for reviewing._\n", 4, []),
        ("_All of this is mine._", 5, []),
        # Emphasis on part of a paragraph is writing, even as a section's first words.
        ("## Why\n\n_Because_ it broke.\n", 3, []),
        ("## Why\n\n_a_ and _b_\n", 3, []),
        # A paragraph wholly in emphasis (either marker, over lines) that opens a section is not.
        ("## Why\n\n*Say why.*\n", 0, ["why"]),
        ("## Why\n\n_Say why,\nin a line or two._\n\nIt broke.\n", 2, []),
    ],
)
def test_only_emphasis_that_opens_a_section_is_guidance(
    body: str, words: int, empty: list[str]
) -> None:
    assert text.word_count(body, headings=False) == words
    assert text.empty_sections(body) == empty


@pytest.mark.parametrize(
    ("body", "words", "empty"),
    [
        # Instructions to whoever fills the template in, left as plain text.
        ("## How to review\n\nDescribe the steps required to test the changes.\n", 0, ["how to review"]),
        ("## Description\n\nPlease include a summary of the change and the related issue.\n", 0, ["description"]),
        ("Fixes #711\n\nMake sure these boxes are checked before your pull request is ready.\n", 2, []),
        ("If this PR is a fix, include a brief description of how the issue is solved.\n\nok\n", 1, []),
        ("# PR\n\nThanks for helping us make the docs better. The PR will be looked at.\n", 0, ["pr"]),
        # The author's own imperatives are not instructions to them: they speak of the code.
        ("## Why\n\nDescribe retries in the README, since users asked.\n", 8, []),
        ("Ensure the cache is warm before the first request.\n\nDone.\n", 10, []),
    ],
)
def test_guidance_worded_as_instructions_is_not_the_authors_writing(
    body: str, words: int, empty: list[str]
) -> None:
    features = text.text_features(body, description=True)
    assert features.words == words
    assert list(features.empty_sections) == empty


def test_instructions_in_a_comment_are_the_writers() -> None:
    # Only a description is prefilled by a template; a reviewer's "please explain" is theirs.
    body = "Please explain why this is needed here?"
    assert text.text_features(body).words == 7
    assert text.text_features(body).questions == 1
    assert text.text_features("## Why\n\n" + body).words == 7
    assert text.text_features("## Why\n\n" + body, description=True).words == 0


CHECKLIST = """Retries webhook deliveries, because one timeout dropped them for good.

## Checklist

- [x] Tests pass
- [ ] Documentation updated (non-breaking change which fixes an issue)
- [x] I have read the contributing guide
"""


def test_a_checklist_is_counted_apart_and_left_out_of_the_prose() -> None:
    features = text.text_features(CHECKLIST)
    assert features.task_items == 3
    assert features.checklist_words == 2 + 8 + 6
    assert features.words == 10 + 16
    assert features.prose == "Retries webhook deliveries, because one timeout dropped them for good."


def test_one_or_two_task_items_are_the_authors_own() -> None:
    body = "This PR:\n\n- [x] Updates the README to avoid confusion for new users\n"
    features = text.text_features(body)
    assert features.checklist_words == 0
    assert features.words == 2 + 9
    assert features.prose == "This PR:\nUpdates the README to avoid confusion for new users"


def test_prose_leaves_out_headings_code_quotes_and_guidance() -> None:
    body = (
        "## Why\n\n_Say why._\n\nIt broke **twice**.\n\n> someone else's words\n\n"
        "```\ncode()\n```\n\n<!-- a comment -->\n"
    )
    assert text.text_features(body).prose == "It broke twice."
    assert text.text_features("One plain line.").prose == "One plain line."
    assert text.text_features(None).prose == ""


# --- references ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "closes"),
    [
        ("Closes #12", ["#12"]),
        ("closes #12", ["#12"]),
        ("Closes: #7", ["#7"]),
        ("Fixes #3 and #4", ["#3", "#4"]),
        ("Fixed #1, #2, and #3.", ["#1", "#2", "#3"]),
        ("Resolves group/project#5", ["group/project#5"]),
        ("Implements issue #9", ["#9"]),
        ("Closes https://gitlab.example.com/acme/other/-/issues/8", ["acme/other#8"]),
        ("Relates to #3", []),
        ("Part of #4", []),
        ("`Closes #12`", []),
        ("```\nCloses #12\n```", []),
        ("Closes \\#12", []),
        ("Encloses #12", []),
    ],
)
def test_closing_references_follow_gitlabs_default_pattern(body: str, closes: list[str]) -> None:
    assert text.closing_issue_references(body) == closes


def test_mentions_include_closing_references_and_plain_ones() -> None:
    body = "Closes #12\n\nRelates to #3 and group/proj#12. See also #3."
    assert text.closing_issue_references(body) == ["#12"]
    assert text.issue_references(body) == ["#12", "#3", "group/proj#12"]


def test_references_resolve_against_the_project() -> None:
    body = (
        "acme/backend#4, backend#5, other#6, elsewhere/other#7, "
        "https://gitlab.example.com/acme/backend/-/issues/9 and "
        "[that one](https://gitlab.example.com/acme/other/-/issues/3)"
    )
    assert text.issue_references(body, "acme/backend") == [
        "#4",
        "#5",
        "acme/other#6",
        "elsewhere/other#7",
        "#9",
        "acme/other#3",
    ]
    assert text.issue_references(body)[:2] == ["acme/backend#4", "backend#5"]


@pytest.mark.parametrize(
    "body",
    [
        "`#12`",
        "```\n#12\n```",
        "\\#12",
        "[#12](https://example.com/page)",
        "https://example.com/page#12",
        "#12abc",
        "<!-- #12 -->",
    ],
)
def test_no_issue_reference(body: str) -> None:
    assert text.issue_references(body) == []


@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        ("Thanks @alice.", ["alice"]),
        ("@omar.jensen, @sakura.patel: please look", ["omar.jensen", "sakura.patel"]),
        ("@Alice and @alice again", ["Alice"]),
        ("ping @acme/backend-team", ["acme/backend-team"]),
        ("> @quoted still notifies", ["quoted"]),
        ("**@bold** too", ["bold"]),
        ("<div>@frank</div>\n", ["frank"]),
        ("\\@carol", []),
        ("`@dan`", []),
        ("```\n@erin\n```", []),
        ("[ask @bob](https://example.com)", []),
        ("mail bob@example.com", []),
        ("<code>@eve</code> here", []),
        ("<!-- @gina -->", []),
    ],
)
def test_user_mentions(body: str, mentions: list[str]) -> None:
    assert text.user_mentions(body) == mentions


def test_plain_mentions_read_system_notes() -> None:
    body = "requested review from @a.b, @c-d and @e_f"
    assert text.plain_mentions(body) == ["a.b", "c-d", "e_f"]


# --- tasks, suggestions, questions, code, links ----------------------------------------------


def test_task_items_and_the_issues_they_break_into() -> None:
    body = (
        "## Plan\n\n- [ ] #12\n- [x] acme/other#5 done\n- [~] dropped\n- not a task #13\n"
        "- [x]no space\n\n1. [ ] #14 numbered\n"
    )
    assert text.task_items(body) == 4
    assert text.task_issue_references(body) == ["#12", "acme/other#5", "#14"]
    assert "#13" in text.issue_references(body)


def test_no_tasks() -> None:
    assert text.task_items("- a list\n- of things #3") == 0
    assert text.task_issue_references("- a list\n- of things #3") == []


@pytest.mark.parametrize(
    ("body", "count"),
    [
        ("Clearer:\n\n```suggestion:-0+1\nfoo\n```", 1),
        ("```suggestion\n```", 1),  # an empty suggestion deletes the line
        ("~~~suggestion:-2+0\nbar\n~~~", 1),
        ("```suggestion:-0+0\na\n```\n\nand\n\n```suggestion:-1+0\nb\n```", 2),
        ("```python\nfoo\n```", 0),
        ("```suggestions\nfoo\n```", 0),
        ("`suggestion`", 0),
    ],
)
def test_suggestion_blocks(body: str, count: int) -> None:
    assert text.suggestion_count(body) == count


@pytest.mark.parametrize(
    ("body", "questions"),
    [
        ("Why not use a set?", 1),
        ("Use a set.", 0),
        ("Should we? I think so. Really?!", 2),
        ("What?? No.", 1),
        ("> Why?\n\nBecause it is faster.", 0),
        ("Is `x?` right", 0),
        ("See https://example.com/?q=1 for details", 0),
        ("## Why?\n\nBecause.", 0),
        ("```\nwhy?\n```", 0),
    ],
)
def test_questions(body: str, questions: int) -> None:
    assert text.question_count(body) == questions


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("`x`", True),
        ("```\nx\n```", True),
        ("    indented", True),
        ("<pre>x</pre>", True),
        ("plain words", False),
        ("a > b", False),
    ],
)
def test_has_code(body: str, code: bool) -> None:
    assert text.has_code(body) is code


@pytest.mark.parametrize(
    ("body", "links"),
    [
        ("[a](https://x.y)", True),
        ("<https://x.y>", True),
        ("see https://x.y", True),
        ("www.x.y", True),
        ('<a href="https://x.y">x</a>', True),
        ("`https://x.y`", False),
        ("plain", False),
        ("```\nhttps://x.y\n```", False),
    ],
)
def test_has_links(body: str, links: bool) -> None:
    assert text.has_links(body) is links


def test_carriage_returns_read_like_newlines() -> None:
    assert text.sections("## A\r\nbody\r\n## B\r\n") == ["a", "b"]
    assert text.empty_sections("## A\r\nbody\r\n## B\r\n") == ["b"]


# --- robustness ------------------------------------------------------------------------------

# Fragments that make Markdown structure, so examples reach headings, lists, code and HTML.
MARKDOWNISH = st.lists(
    st.sampled_from(
        [
            *"#@[]()`*_<>!-~:/\\\n \t?xX1.,|=\"'",
            *("```", "<!--", "-->", "## ", "- [ ] ", "> ", "Closes ", "https://h/a/b/-/issues/"),
        ]
    ),
    max_size=120,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(body=st.one_of(st.text(max_size=300), MARKDOWNISH), project=st.sampled_from([None, "a/b"]))
def test_text_features_never_raise(body: str, project: str | None) -> None:
    features = text.text_features(body, project)
    assert features.words >= 0 and features.heading_words >= 0
    assert set(features.closing_issue_refs) <= set(features.issue_refs)
    assert set(features.task_issue_refs) <= set(features.issue_refs)
    assert set(features.empty_sections) <= set(features.sections)
    assert text.word_count(body, headings=False) <= text.word_count(body)
    assert text.template_unfilled(body) is bool(text.empty_sections(body))
    for function in (text.user_mentions, text.plain_mentions, text.suggestion_count):
        function(body)
    for check in (text.has_code, text.has_links):
        assert isinstance(check(body), bool)


@pytest.mark.parametrize(
    "body",
    [
        "a-" * 50_000 + "#1",
        "Closes #1" + " " * 100_000 + "x",
        "<a " * 30_000,
        "<div>\n" + "<a href=x>" * 30_000 + "\n",
        "@" + "a." * 50_000,
        "x/" * 50_000 + "#2",
    ],
)
def test_pathological_texts_stay_fast(body: str) -> None:
    started = time.perf_counter()
    text.text_features(body, "a/b")
    assert time.perf_counter() - started < 5


# The plain-line shortcut must read exactly what markdown-it reads: random lines over the
# characters it admits, plus the ones at its edges (markers, indentation, specials).
_EDGY = st.text(
    alphabet=st.sampled_from(list("aZ09 ,.;:?!'\"()/@#%+-\t_*`[]<>&\\~=|")), max_size=40
)


def _parsed(value: str, project: str | None) -> text.TextFeatures:
    """``text_features`` with the shortcut switched off: every text through markdown-it."""
    original = text._plain_line
    try:
        text._plain_line = lambda _value: None  # type: ignore[assignment]
        return text.text_features.__wrapped__(value, project)  # type: ignore[attr-defined,no-any-return]
    finally:
        text._plain_line = original  # type: ignore[assignment]


@settings(max_examples=400, deadline=None)
@given(
    value=st.one_of(_EDGY, st.sampled_from(["1. x", "1) y", "    code", "- a", "# h", "Thanks!"]))
)
@example(value=" \t0")  # a space and a tab reach the 4th column: an indented code block
def test_plain_line_shortcut_reads_what_the_parser_reads(value: str) -> None:
    fast = text.text_features.__wrapped__(value, "acme/api")  # type: ignore[attr-defined]
    assert fast == _parsed(value, "acme/api")


def test_plain_line_shortcut_is_taken_for_plain_comments_only() -> None:
    assert text._plain_line("  Ship it, @bob! See #12?  ") == "Ship it, @bob! See #12?"
    for markdown in (
        "1. first",
        "- item",
        "# title",
        "    code",
        "  \tcode",
        "a `b`",
        "a\nb",
        "*x*",
        "a_b",
    ):
        assert text._plain_line(markdown) is None
