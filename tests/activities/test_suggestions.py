"""What a review suggestion changes, read off GitLab's ``from_content`` and ``to_content``."""

from __future__ import annotations

from typing import Any

import pytest

from bot.activities.suggestions import KINDS, broadest, change_kind, suggestion_change


@pytest.mark.parametrize(
    ("old", "new", "path", "kind"),
    [
        # The same lines, whatever the final newline.
        ("    return x\n", "    return x", "app/run.py", "none"),
        # Layout only.
        ("foo( a,b )\n", "foo(a, b)\n", "app/run.py", "whitespace"),
        ("if x:\n  y()\n", "if x:\n    y()\n", "app/run.py", "whitespace"),
        ("a  b\n", "a b\n", "README.md", "whitespace"),
        # Separators and quotes, not operators.
        ("let x = foo;\n", "let x = foo\n", "src/a.ts", "punctuation"),
        ("name = 'x'\n", 'name = "x"\n', "app/run.py", "punctuation"),
        ("Run the tests\n", "Run the tests.\n", "docs/dev.md", "punctuation"),
        # Identifiers renamed one for one.
        ("    n = len(items)\n", "    count = len(items)\n", "app/run.py", "naming"),
        ("res = get(u)\nreturn res\n", "response = get(u)\nreturn response\n", "a.py", "naming"),
        # The strings and comments of code, or the words of prose, reworded.
        ('print("helo world")\n', 'print("hello world")\n', "app/run.py", "wording"),
        ("x = 1  # set x\n", "x = 1  # the number of retries\n", "app/run.py", "wording"),
        ("Set the the timeout.\n", "Set the timeout.\n", "docs/setup.md", "wording"),
        ("See the runbook.\n", "Refer to the runbook.\n", "docs/ops.rst", "wording"),
        # Anything else.
        ("x = 1\n", "x = compute()\n", "app/run.py", "content"),
        ("a - b\n", "a + b\n", "app/run.py", "content"),
        ("n = 1\n", "n = 2\n", "app/run.py", "content"),
        ("    return None\n", "    return\n", "app/run.py", "content"),
        ("const a = 1;\n", "const a = 1;\nconst b = 2;\n", "src/a.ts", "content"),
        # Renaming two names into one is not a rename.
        ("a = b\n", "c = c\n", "app/run.py", "content"),
        # A new sentence in prose adds content.
        (
            "The tool runs fast.\n",
            "The tool runs fast. It also caches results between runs.\n",
            "docs/index.md",
            "content",
        ),
        # The same words on a code line are code: a changed word there is a rename.
        ("Set the timeout\n", "Set the deadline\n", "app/run.py", "naming"),
        # ``#include`` and ``#[derive]`` are code, not comments.
        ("#[derive(Debug)]\n", "#[derive(Debug, Clone)]\n", "src/lib.rs", "content"),
    ],
)
def test_change_kind(old: str, new: str, path: str, kind: str) -> None:
    assert change_kind(old, new, path) == kind


def test_the_broadest_kind_wins() -> None:
    assert broadest(["naming", "content", "whitespace"]) == "content"
    assert broadest(["none", "punctuation"]) == "punctuation"
    assert broadest(list(reversed(KINDS))) == "content"


def _suggestion(old: Any, new: Any) -> dict[str, Any]:
    return {"id": 1, "from_line": 3, "to_line": 3, "from_content": old, "to_content": new}


def test_a_notes_suggestions_take_the_broadest_change() -> None:
    suggestions = [_suggestion("a = b\n", "a = b\n"), _suggestion("x = 1\n", "y = 1\n")]
    assert suggestion_change(suggestions, "app/run.py") == "naming"
    suggestions.append(_suggestion("x = 1\n", "x = f()\n"))
    assert suggestion_change(suggestions, "app/run.py") == "content"


@pytest.mark.parametrize(
    "suggestions",
    [
        None,  # GitLab sent no list (an older GitLab's /notes, a plain comment)
        [],  # no suggestion block
        "x",  # not a list
        [_suggestion("", "y = 1\n")],  # the replaced lines were not known
        [_suggestion(None, "y = 1\n")],
        [_suggestion("x = 1\n", None)],
        [_suggestion("x = 1\n", "y = 1\n"), _suggestion("", "z\n")],  # one of them unknown
        ["not a suggestion"],
    ],
)
def test_an_unknown_change_is_null(suggestions: Any) -> None:
    assert suggestion_change(suggestions, "app/run.py") is None


def test_a_blank_line_is_a_known_line() -> None:
    assert suggestion_change([_suggestion("\n", "import os\n")], "app/run.py") == "content"
