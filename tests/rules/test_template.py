"""Summary templates: ``{name}`` placeholders only, rendered as one line of plain text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.rules.fields import Scope
from bot.rules.template import parse_template, placeholder_problems, text
from tests.rules.helpers import activity, problems


def render(source: str, **given: Any) -> str:
    template, errors = parse_template(source)
    assert errors == []
    return template.render(activity(**given))


def test_fields_context_and_attributes_fill_placeholders() -> None:
    assert (
        render(
            "Merged !{context.iid} by {actor_username}: {title} ({lines_added} lines) {url}",
            context={"iid": 7},
            fields={"title": "Fix cart", "lines_added": 12},
            actor_username="ana",
            url="https://gitlab.example.com/a/b/-/merge_requests/7",
        )
        == "Merged !7 by ana: Fix cart (12 lines) https://gitlab.example.com/a/b/-/merge_requests/7"
    )


def test_values_render_as_plain_text_on_one_line() -> None:
    assert render("{labels}", fields={"labels": ["bug", "ui"]}) == "bug, ui"
    assert render("[{merge_user}]", fields={"merge_user": None}) == "[]"
    assert render("{draft}/{is_revert}", fields={"draft": True}) == "yes/no"
    assert render("{hours_to_merge}h", fields={"hours_to_merge": 3.0}) == "3h"
    assert render("{hours_to_merge}h", fields={"hours_to_merge": 2.5}) == "2.5h"
    assert render("{description}", fields={"description": "a\n\nb   c"}) == "a b c"
    long = render("{description}", fields={"description": "x" * 300})
    assert len(long) == 120 and long.endswith("…")


def test_code_is_never_evaluated() -> None:
    # Format-spec and attribute syntax are just unknown names, never Python.
    assert render("{{title}} {title}", fields={"title": "T"}) == "{title} T"
    template, errors = parse_template("{title.__class__} {title!r} {title:>10}")
    assert errors == []
    found = placeholder_problems(template, Scope(["merge_request_merged"]), window=False)
    assert found == [
        "unknown placeholder {title.__class__}",
        "unknown placeholder {title!r} (did you mean '{title}'?)",
        "unknown placeholder {title:>10} (did you mean '{title}'?)",
    ]


@pytest.mark.parametrize(
    ("summary", "message"),
    [
        ("{", "unmatched '{' at character 1 (write {{ or }} for a literal brace)"),
        ("a }", "unmatched '}' at character 3 (write {{ or }} for a literal brace)"),
        ("{}", "empty placeholder {}"),
        ("{titel}", "unknown placeholder {titel} (did you mean '{title}'?)"),
        ("{context.iidd}", "unknown placeholder {context.iidd} (did you mean '{context.iid}'?)"),
        (
            "{body}",
            "placeholder {body}: field 'body' is not carried by kind 'merge_request_merged'",
        ),
        (
            "{window.days}",
            "unknown placeholder {window.days} (only window rules have window.* placeholders)",
        ),
    ],
)
def test_summary_problems(tmp_path: Path, summary: str, message: str) -> None:
    rule = f"""\
rules:
  - id: a
    expectations: [l1.mastery.fixes-simple-bugs]
    kinds: [merge_request_merged]
    summary: "{summary}"
"""
    assert problems(tmp_path, rule) == [f"r.yaml:5: rules[0].summary: {message}"]


def test_window_placeholders_render_the_window() -> None:
    template, _ = parse_template("{window.distinct} people in {window.days} days")
    assert template.render(activity(), {"distinct": 3, "days": 90}) == "3 people in 90 days"


def test_text_of_objects_uses_their_path() -> None:
    assert text([{"path": "a.py", "added": 1}, {"path": "b.py"}]) == "a.py, b.py"
