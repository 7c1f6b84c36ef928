"""Generated matchers and explanations (``bot.rules.codegen``) answer exactly as the rules'
closures and explain mode do, and rule files never reach the generated source."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.ladder import load_ladder
from bot.rules import Match, RuleSet, load_rules
from bot.rules.explain import why
from bot.rules.rule import Rule
from tests.rules.helpers import IDS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def library() -> RuleSet:
    ladder = load_ladder(ROOT / "ladder.yaml")
    return load_rules(sorted((ROOT / "rules").glob("*.yaml")), list(ladder.expectations))


def _reference(ruleset: RuleSet, activity: dict[str, Any]) -> list[Match]:
    """What ``match`` must give: the rules whose own closure holds, with the earner, the
    template rendered part by part, and the tree-walked brief explanation."""
    found = []
    for rule in ruleset.rules:
        if rule.window is None and activity["kind"] in rule.kinds and rule.test(activity):
            found.append(
                Match(
                    rule.id,
                    rule.expectations,
                    rule.earner_of(activity) or "",
                    str(activity.get("key", "")),
                    rule.template.render(activity),
                    why(rule.id, rule.description, rule.checks(activity, brief=True)),
                )
            )
    return found


def _examples(library: RuleSet) -> list[dict[str, Any]]:
    """Every activity of every example of the library's rules."""
    return [
        activity
        for rule in library.rules
        for example in rule.examples
        for activity in example.activities
    ]


def test_generated_matching_equals_the_closures_on_every_library_example(
    library: RuleSet,
) -> None:
    examples = _examples(library)
    assert len(examples) > 400
    matched = 0
    for activity in examples:
        got = library.match(activity)
        reference = _reference(library, activity)
        whole = [found._replace(why=library.whole(found.why)) for found in got]
        assert sorted(whole, key=str) == sorted(reference, key=str)
        # and the short form is the whole one without its texts, every check numbered
        for found, expected in zip(sorted(got), sorted(reference), strict=True):
            assert found.why == library.texts[found.rule].compact(expected.why)
            assert "'text'" not in str(found.why)
        matched += len(got)
    assert matched > 200  # the comparison is not vacuous


def test_window_rules_count_with_generated_tests_equal_to_their_closures(
    library: RuleSet,
) -> None:
    examples = _examples(library)
    windows = library.window_rules()
    assert windows
    counted = 0
    for rule in windows:
        for activity in examples:
            if activity["kind"] in rule.kinds:
                generated = rule.id in library._counting_test(activity["kind"])(activity)
                assert generated is rule.test(activity), (rule.id, activity)
                counted += generated
    assert counted > 20  # not vacuous


def _rule_set(text: str, tmp_path: Path) -> RuleSet:
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    return load_rules([path], list(IDS))


HOSTILE = "x'); __import__('os').system('false'); ('"


def test_values_from_rule_files_never_enter_the_generated_source(tmp_path: Path) -> None:
    rules = _rule_set(
        f"""
rules:
  - id: hostile
    expectations: [l2.communication.good-mr-descriptions]
    kinds: [merge_request_merged]
    when:
      any:
        - equals: {{field: title, value: "{HOSTILE}"}}
        - one_of: {{field: title, values: ["{HOSTILE}\\n{{}}"]}}
        - matches: {{field: description, pattern: "'\\\\)\\\\n#"}}
    summary: "{{title}}"
""",
        tmp_path,
    )
    matcher = rules._compiled("merge_request_merged")
    source = matcher.__doc__ or ""  # deciding, and building each match's evidence
    assert "__import__" not in source and "#" not in source and "system" not in source
    assert source.startswith("def kind_matcher(a):")

    def activity(title: str, description: str = "") -> dict[str, Any]:
        return {
            "key": "k",
            "kind": "merge_request_merged",
            "actor_username": "ana",
            "context": {},
            "fields": {"title": title, "description": description},
        }

    assert [m.rule for m in rules.match(activity(HOSTILE))] == ["hostile"]
    assert [m.rule for m in rules.match(activity("plain", "a ')\n# b"))] == ["hostile"]
    assert rules.match(activity("plain", "nothing")) == []


def test_a_rule_on_another_earner_needs_that_earner(tmp_path: Path) -> None:
    rules = _rule_set(
        """
rules:
  - id: to-author
    expectations: [l2.communication.good-mr-descriptions]
    kinds: [review_comment]
    earner: mr_author
    summary: "{body}"
""",
        tmp_path,
    )
    base = {"key": "k", "kind": "review_comment", "actor_username": "ana", "context": {}}
    assert rules.match({**base, "fields": {"mr_author": ""}}) == []
    assert rules.match({**base, "fields": {"mr_author": None}}) == []
    [found] = rules.match({**base, "fields": {"mr_author": "bo"}})
    assert found.earner == "bo"
    whole = rules.whole(found.why)
    assert [check["condition"] for check in whole["checks"]] == ["kind", "earner"]
    rule: Rule | None = rules.get("to-author")
    assert rule is not None
    assert whole == why(
        rule.id, rule.description, rule.checks(base | {"fields": {"mr_author": "bo"}}, brief=True)
    )


def _summaries(
    tmp_path: Path, kind: str, template: str, fields: dict[str, Any], context: dict[str, Any]
) -> tuple[str, str]:
    """The summary a one-rule set's generated code gives an activity, and the template's."""
    rules = _rule_set(
        f"""
rules:
  - id: summed
    expectations: [l2.communication.good-mr-descriptions]
    kinds: [{kind}]
    summary: "{template}"
""",
        tmp_path,
    )
    activity = {
        "key": "k",
        "kind": kind,
        "actor_username": "ana",
        "fields": fields,
        "context": context,
    }
    [found] = rules.match(activity)
    rule = rules.get("summed")
    assert rule is not None
    return found.summary, rule.template.render(activity)


@pytest.mark.parametrize(
    "iid",
    [7, -3, 0, True, 10**118, -(10**118), 10**119, -(10**119), 10**120, 2.0, None, "12", [1, 2]],
)
def test_summaries_render_any_value_as_the_template_does(tmp_path: Path, iid: Any) -> None:
    generated, rendered = _summaries(
        tmp_path, "review_comment", "Commented on !{context.iid}", {}, {"iid": iid}
    )
    assert generated == rendered
    assert len(generated) <= len("Commented on !") + 120


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        ("Fix the cache", "Merged: Fix the cache"),
        ("  Fix the\ncache  ", "Merged: Fix the cache"),
        ("Fix\tthe\r\ncache", "Merged: Fix the cache"),
        ("Fix  the cache", "Merged: Fix the cache"),
        ("", "Merged:"),
    ],
)
def test_summaries_are_tidied_as_the_template_tidies_them(
    tmp_path: Path, title: str, summary: str
) -> None:
    generated, rendered = _summaries(
        tmp_path, "merge_request_merged", "Merged: {title}", {"title": title}, {}
    )
    assert generated == rendered == summary
