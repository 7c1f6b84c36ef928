"""``RuleSet``: match (fast path), explain (every rule for the kind), earners, the kind index."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.rules import Match, RuleSet
from tests.rules.helpers import activity, ruleset

RULES = """\
rules:
  - id: mr-description-gives-context
    description: A merge request whose description explains why and what, in sections.
    expectations: [l2.communication.good-mr-descriptions]
    kinds: [merge_request_authored, merge_request_merged]
    when:
      all:
        - at_least: {field: description_words, value: 40}
        - any:
            - matches: {field: description, pattern: "(?i)\\\\bwhy\\\\b"}
            - contains: {field: description_sections, value: "why"}
        - not:
            equals: {field: template_unfilled, value: true}
    summary: "Described !{context.iid} in {description_words} words"
  - id: writes-tests
    expectations: [l3.impact.writes-tests]
    kinds: [merge_request_merged]
    when:
      paths: {globs: ["**/test_*.py"]}
    summary: Tests in {title}
  - id: approved-for-author
    expectations: [l3.impact.writes-tests]
    kinds: [approval_given]
    earner: mr_author
    summary: Approved by {actor_username}
  - id: fixes-simple-bugs
    expectations: [l1.mastery.fixes-simple-bugs]
    kinds: [merge_request_merged]
    when:
      matches: {field: title, pattern: "(?i)^fix"}
    summary: "Fixed: {title}"
"""


@pytest.fixture
def rules(tmp_path: Path) -> RuleSet:
    return ruleset(tmp_path, RULES)


def described(**fields: object) -> dict[str, object]:
    base = {"description_words": 120, "description": "## Why\nBecause.", "title": "Fix cart"}
    return activity(
        "merge_request_merged",
        fields={**base, **fields},
        context={"iid": 7},
        actor_username="ana",
        key="mr:1:7:merged",
    )


def test_match_finds_every_rule_that_holds_with_its_evidence(rules: RuleSet) -> None:
    subject = described(changed_paths=["app/tests/test_cart.py"])
    found = rules.match(subject)
    assert [m.rule for m in found] == [
        "mr-description-gives-context",
        "writes-tests",
        "fixes-simple-bugs",
    ]
    first = found[0]
    assert isinstance(first, Match)
    assert first.expectations == ("l2.communication.good-mr-descriptions",)
    assert first.earner == "ana"
    assert first.activity_key == "mr:1:7:merged"
    assert first.summary == "Described !7 in 120 words"
    # the explanation comes short: the rule's texts are kept once, and ``whole`` adds them
    assert first.why["texts"] == rules.texts[first.rule].texts.key
    assert "description" not in first.why and first.why["checks"][0][:3] == (
        0,
        "seen",
        "merge_request_merged",
    )
    why = rules.whole(first.why)
    assert why["rule"] == "mr-description-gives-context"
    assert why["description"].startswith("A merge request whose")
    kind, group = why["checks"]
    assert kind["condition"] == "kind" and kind["held"] is True
    assert group["held"] and [c["condition"] for c in group["checks"]] == ["at_least", "any", "not"]


def test_match_skips_rules_that_do_not_hold(rules: RuleSet) -> None:
    found = rules.match(described(description_words=12, title="Add cart"))
    assert found == []


def test_rules_are_indexed_by_kind(rules: RuleSet) -> None:
    authored = described()
    authored["kind"] = "merge_request_authored"
    assert [m.rule for m in rules.match(authored)] == ["mr-description-gives-context"]
    assert rules.match(activity("pipeline_failed")) == []
    assert [v.rule for v in rules.explain(activity("pipeline_failed"))] == []


def test_explain_gives_every_rule_for_the_kind_matched_or_not(rules: RuleSet) -> None:
    verdicts = rules.explain(described(description_words=12, changed_paths=["README.md"]))
    assert [(v.rule, v.matched) for v in verdicts] == [
        ("mr-description-gives-context", False),
        ("writes-tests", False),
        ("fixes-simple-bugs", True),
    ]
    failed = verdicts[0].why["checks"][1]["checks"][0]
    assert failed == {
        "condition": "at_least",
        "field": "description_words",
        "text": "description_words is at least 40",
        "seen": 12,
        "held": False,
    }
    paths = verdicts[1].why["checks"][1]
    assert paths["seen"] == ["README.md"] and paths["matched"] == []


def test_a_field_earner_earns_and_must_be_known(rules: RuleSet) -> None:
    approval = activity(
        "approval_given", fields={"mr_author": "bo"}, actor_username="cy", key="approval:1"
    )
    [found] = rules.match(approval)
    assert (found.rule, found.earner, found.summary) == (
        "approved-for-author",
        "bo",
        "Approved by cy",
    )
    assert rules.whole(found.why)["checks"] == [
        {
            "condition": "kind",
            "field": "kind",
            "text": "kind is approval_given",
            "seen": "approval_given",
            "held": True,
        },
        {
            "condition": "earner",
            "field": "mr_author",
            "text": "mr_author is known (the evidence goes to them)",
            "seen": "bo",
            "held": True,
        },
    ]
    nobody = activity("approval_given", fields={"mr_author": None})
    assert rules.match(nobody) == []
    [verdict] = rules.explain(nobody)
    assert not verdict.matched and verdict.why["checks"][1]["seen"] is None


def test_a_rule_without_conditions_matches_every_activity_of_its_kinds(rules: RuleSet) -> None:
    [verdict] = rules.explain(activity("approval_given", fields={"mr_author": "bo"}))
    assert verdict.matched
    # Even without conditions the explanation says what matched: the kind.
    assert verdict.why["checks"][0]["text"] == "kind is approval_given"


def test_lookup_and_size(rules: RuleSet) -> None:
    assert len(rules) == 4
    assert rules.get("writes-tests") is rules.rules[1]
    assert rules.get("nope") is None
    assert rules.window_rules() == ()


def test_stored_explanations_keep_the_branch_of_an_any_that_held(tmp_path: Path) -> None:
    rules = ruleset(
        tmp_path,
        """\
rules:
  - id: fix-or-test
    expectations: [l1.mastery.fixes-simple-bugs]
    kinds: [merge_request_merged]
    when:
      any:
        - matches: {field: title, pattern: "(?i)\\\\bfix"}
        - paths: {globs: ["tests/**"]}
        - at_least: {field: lines_added, value: 1000}
    summary: "{title}"
""",
    )
    mr = activity(
        "merge_request_merged",
        fields={"title": "Add tests", "changed_paths": ["tests/test_a.py"], "lines_added": 3},
    )
    [found] = rules.match(mr)
    _kind, group = rules.whole(found.why)["checks"]
    assert group["condition"] == "any" and group["held"] is True
    [branch] = group["checks"]  # only the one that held, not the two that did not
    assert branch["condition"] == "paths" and branch["held"] is True
    [verdict] = rules.explain(mr)  # explain still shows every alternative, with its value
    assert [check["held"] for check in verdict.why["checks"][1]["checks"]] == [False, True, False]
