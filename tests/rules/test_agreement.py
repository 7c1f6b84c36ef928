"""The fast path agrees with explain mode: ``match`` finds exactly the rules ``explain`` says
matched, on any activity (including ones that break the activity contract)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.activities.kinds import CONTEXT, FIELDS, field_names, kind
from bot.rules import RuleSet, load_rules
from bot.rules.conditions import Condition, FieldCondition
from bot.rules.conditions.paths import Paths, glob_problem
from tests.rules.helpers import IDS

RULES = r"""
rules:
  - id: described
    expectations: [l2.communication.good-mr-descriptions]
    kinds: [merge_request_authored, merge_request_merged]
    when:
      all:
        - at_least: {field: description_words, value: 5}
        - any:
            - matches: {field: description, pattern: "(?i)\\bwhy\\b"}
            - contains: {field: description_sections, value: Why}
        - not:
            equals: {field: template_unfilled, value: true}
    summary: "{title}"
  - id: tests
    expectations: [l3.impact.writes-tests]
    kinds: [merge_request_merged]
    when:
      any:
        - paths: {globs: ["tests/**", "**/test_*.py"]}
        - paths: {globs: ["*.py", "!**/gen/**"], at_least: 2}
        - count: {field: changed_paths, at_least: 3, matching: "\\.sql$"}
    summary: "{changed_paths}"
  - id: small-fix
    expectations: [l1.mastery.fixes-simple-bugs]
    kinds: [merge_request_merged, issue_closed]
    when:
      all:
        - one_of: {field: kind, values: [merge_request_merged, issue_closed]}
        - matches: {field: title, pattern: "^fix", ignore_case: true}
        - any:
            - at_most: {field: context.iid, value: 20}
            - at_most: {field: description_words, value: 3}
            - equals: {field: confidential, value: false}
    summary: "{title}"
  - id: labelled
    expectations: [l1.mastery.fixes-simple-bugs]
    kinds: [merge_request_merged, issue_opened]
    when:
      all:
        - present: {field: labels}
        - count: {field: labels, at_most: 2}
        - one_of: {field: context.state, values: [merged, closed]}
        - one_of: {field: context.iid, values: [1, 2, 3]}
        - not:
            equals: {field: context.author, value: null}
    summary: "{labels}"
  - id: review-remark
    expectations: [l3.impact.writes-tests]
    kinds: [review_comment]
    when:
      any:
        - paths: {field: path, globs: ["*.py"]}
        - all:
            - equals: {field: words, value: 3}
            - equals: {field: mr_author, value: ana}
        - matches: {field: mentions_users, pattern: "^@b"}
    earner: mr_author
    summary: "{body}"
  - id: any-approval
    expectations: [l3.impact.writes-tests]
    kinds: [approval_given]
    summary: approved
  - id: window
    expectations: [l4.leadership.sought-out-for-code-reviews]
    kinds: [review_requested, review_comment]
    window: {days: 9, distinct: mr_author, at_least: 2}
    summary: "{window.distinct}"
"""

KINDS = [
    "merge_request_authored",
    "merge_request_merged",
    "issue_closed",
    "issue_opened",
    "review_comment",
    "approval_given",
    "review_requested",
]
_TYPES = {f.name: f.type for f in FIELDS}
_words = st.sampled_from(
    ["fix", "Fix", "why", "WHY", "tests/", "a/tests/", "test_x.py", "x.py", "gen/", "./",
     "/", ".sql", "@bo", "@ana", "ana", "bo", "merged", "closed", " ", "\n", "é", ""]
)  # fmt: skip
_text = st.lists(_words, max_size=5).map("".join)
_odd = st.one_of(st.none(), st.booleans(), st.integers(-3, 30), st.floats(-1, 30), _text)


def _value(type_name: str) -> st.SearchStrategy[Any]:
    """Mostly values of the declared type (null among them), sometimes anything at all."""
    typed: st.SearchStrategy[Any]
    if type_name.startswith("list[str]"):
        typed = st.lists(_text, max_size=5)
    elif type_name.startswith("list[object]"):
        typed = st.lists(st.dictionaries(st.just("path"), _text, max_size=1), max_size=3)
    elif type_name.startswith("str"):
        typed = _text
    elif type_name.startswith("int"):
        typed = st.integers(-2, 30)
    elif type_name.startswith("float"):
        typed = st.one_of(st.integers(-2, 30), st.floats(-2, 30))
    else:
        typed = st.booleans()
    return st.one_of(typed, typed, typed, st.none(), _odd, st.lists(_odd, max_size=3))


@st.composite
def activities(draw: st.DrawFn) -> dict[str, Any]:
    kind_name = draw(st.sampled_from(KINDS))
    subject = kind(kind_name).subject_type
    fields = {name: draw(_value(_TYPES[name])) for name in sorted(field_names(kind_name))}
    context = {key.name: draw(_value(key.type)) for key in CONTEXT[subject]}
    return {
        "key": "k",
        "kind": kind_name,
        "actor_username": draw(st.one_of(st.just("dee"), st.none())),
        "project_path": draw(_text),
        "url": "u",
        "subject_type": subject,
        "confidential": draw(st.one_of(st.booleans(), st.none(), st.integers(0, 1))),
        "context": context,
        "fields": fields,
    }


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    path = tmp_path_factory.mktemp("rules") / "r.yaml"
    path.write_text(RULES)
    return load_rules([path], IDS)


def leaves(condition: Condition) -> Iterator[FieldCondition]:
    if isinstance(condition, FieldCondition):
        yield condition
    for child in condition.children:
        yield from leaves(child)


def _pruned(full: list[dict[str, Any]], brief: list[dict[str, Any]]) -> bool:
    """``brief`` is ``full`` with, under each `any`, only one held branch kept."""
    if len(full) != len(brief):
        return False
    for whole, kept in zip(full, brief, strict=True):
        if whole.get("condition") == "any" and whole["held"]:
            [branch] = kept["checks"]
            if not any(_pruned([option], [branch]) for option in whole["checks"]):
                return False
            continue
        if {k: v for k, v in whole.items() if k != "checks"} != {
            k: v for k, v in kept.items() if k != "checks"
        }:
            return False
        if not _pruned(whole.get("checks", []), kept.get("checks", [])):
            return False
    return True


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject=activities())
def test_match_finds_exactly_the_rules_explain_says_matched(
    rules: RuleSet, subject: dict[str, Any]
) -> None:
    matched = {
        found.rule: found._replace(why=rules.whole(found.why)) for found in rules.match(subject)
    }
    verdicts = {v.rule: v for v in rules.explain(subject)}
    windows = {rule.id for rule in rules.window_rules()}
    assert set(matched) == {r for r, v in verdicts.items() if v.matched and r not in windows}
    for rule_id, found in matched.items():
        # Stored evidence keeps of each `any` only the branch that held; every check it keeps
        # held, and it is the full explanation with the other branches left out.
        assert found.why["rule"] == verdicts[rule_id].why["rule"]
        assert all(check["held"] for check in found.why["checks"])
        assert _pruned(verdicts[rule_id].why["checks"], found.why["checks"])
        rule = rules.get(rule_id)
        assert rule is not None  # and the generated evidence says what the rule's parts say
        assert found.summary == rule.template.render(subject)
        assert found.earner == (rule.earner_of(subject) or "")
        assert found.activity_key == str(subject.get("key", ""))
    for rule in rules.rules:
        if rule.when is not None:
            for leaf in leaves(rule.when):
                assert leaf.compile()(subject) == leaf.evaluate(leaf.get(subject)), leaf.describe()


def test_the_rules_above_can_all_match(rules: RuleSet) -> None:
    # Otherwise the agreement above could hold vacuously.
    samples = {
        "described": (
            "merge_request_merged",
            {"description_words": 9, "description": "Why:", "template_unfilled": False},
        ),
        "tests": ("merge_request_merged", {"changed_paths": ["a/test_b.py"]}),
        "small-fix": ("issue_closed", {"title": "FIX it", "description_words": 1}),
        "labelled": ("issue_opened", {"labels": ["a"]}),
        "review-remark": ("review_comment", {"path": "a.py", "mr_author": "ana"}),
        "any-approval": ("approval_given", {}),
    }
    for rule_id, (kind_name, fields) in samples.items():
        subject = {
            "key": "k",
            "kind": kind_name,
            "actor_username": "dee",
            "confidential": False,
            "context": {"state": "closed", "author": "ana", "iid": 3},
            "fields": fields,
        }
        assert rule_id in {found.rule for found in rules.match(subject)}, rule_id


def test_every_rule_kind_is_generated() -> None:
    rules_kinds = {line.strip() for line in RULES.splitlines() if "kinds:" in line}
    for name in KINDS:
        assert any(name in line for line in rules_kinds)
    assert Path(__file__).exists()


_glob_parts = st.sampled_from(["*", "**", "?", "a", "b", "/", ".py", "[ab]", "x_", "-"])
_path_parts = st.sampled_from(["a", "b", "/", ".py", "x_", "ab", "tests", "-", "./", "é"])


@settings(max_examples=400, deadline=None)
@given(
    globs=st.lists(
        st.tuples(st.booleans(), st.lists(_glob_parts, min_size=1, max_size=5).map("".join)).map(
            lambda negated_glob: ("!" if negated_glob[0] else "") + negated_glob[1]
        ),
        min_size=1,
        max_size=5,
    ),
    paths=st.lists(st.lists(_path_parts, min_size=1, max_size=6).map("".join), max_size=5),
    at_least=st.integers(1, 3),
)
def test_paths_fast_path_agrees_with_pathspec(
    globs: list[str], paths: list[str], at_least: int
) -> None:
    if any(glob_problem(glob) for glob in globs):
        return
    cond = Paths({"globs": globs, "at_least": at_least})
    assert cond.search is not None  # excluding globs too take the fast path
    subject = {"fields": {"changed_paths": paths}}
    assert cond.compile()(subject) == cond.evaluate(paths) == cond.explain(subject)["held"]
