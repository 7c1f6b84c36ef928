"""The shipped rules library (``rules/*.yaml``) against the shipped ladder (``ladder.yaml``).

Every expectation GitLab activity can show has at least one rule; no rule claims evidence for
one it cannot show; every rule carries examples both ways; the fixture files pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ladder import Ladder, load_ladder
from bot.rules import Rule, RuleSet, RulesInvalid, check_rules, load_rules
from bot.rules.testing import run_examples, run_fixtures

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
FIXTURES = RULES / "fixtures"
SCHEMA_LINE = "# yaml-language-server: $schema=../docs/rules.schema.json"
MIN_EXAMPLES = 2  # of each of match and no_match


def where(rule: Rule) -> str:
    """``rules/x.yaml:12: rule-id``, for failure messages."""
    path = Path(rule.file)
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return f"{shown}:{rule.line}: {rule.id}"


def rule_files() -> list[Path]:
    return sorted(RULES.glob("*.yaml"))


def fixture_files() -> list[Path]:
    return sorted(FIXTURES.glob("*.yaml"))


@pytest.fixture(scope="module")
def ladder() -> Ladder:
    return load_ladder(ROOT / "ladder.yaml")


@pytest.fixture(scope="module")
def ruleset(ladder: Ladder) -> RuleSet:
    try:
        return load_rules(rule_files(), ladder.expectations)
    except RulesInvalid as error:
        problems = "\n".join(str(problem) for problem in error.problems)
        pytest.fail(f"rules check finds problems in rules/:\n{problems}")


def test_the_library_is_there() -> None:
    # Otherwise every test below could hold over an empty directory.
    assert len(rule_files()) >= 3, rule_files()
    assert len(fixture_files()) >= 3, fixture_files()


def test_rules_check_is_clean(ladder: Ladder) -> None:
    problems = check_rules(rule_files(), ladder.expectations)
    assert not problems, "\n".join(str(problem) for problem in problems)


def test_every_rule_file_names_its_schema() -> None:
    wrong = [
        path.name
        for path in rule_files()
        if path.read_text(encoding="utf-8").splitlines()[:1] != [SCHEMA_LINE]
    ]
    assert not wrong, f"rule files not starting with {SCHEMA_LINE!r}: {', '.join(wrong)}"


def test_every_observable_expectation_has_a_rule(ladder: Ladder, ruleset: RuleSet) -> None:
    targeted = {expectation for rule in ruleset.rules for expectation in rule.expectations}
    missing = [
        f"{expectation.id}: {expectation.text}"
        for expectation in ladder.expectations.values()
        if expectation.observable and expectation.id not in targeted
    ]
    assert not missing, (
        f"{len(missing)} observable expectation(s) without a rule in rules/*.yaml:\n"
        + "\n".join(missing)
    )


def test_no_rule_targets_an_unobservable_expectation(ladder: Ladder, ruleset: RuleSet) -> None:
    wrong = [
        f"{where(rule)} -> {expectation}: {ladder.expectations[expectation].why_not}"
        for rule in ruleset.rules
        for expectation in rule.expectations
        if not ladder.expectations[expectation].observable
    ]
    assert not wrong, "rules for expectations activity cannot show:\n" + "\n".join(wrong)


def test_every_rule_has_examples_both_ways(ruleset: RuleSet) -> None:
    short = []
    for rule in ruleset.rules:
        matching = sum(1 for example in rule.examples if example.expect == "match")
        not_matching = sum(1 for example in rule.examples if example.expect == "no_match")
        if matching < MIN_EXAMPLES or not_matching < MIN_EXAMPLES:
            short.append(f"{where(rule)}: {matching} match, {not_matching} no_match")
    heading = f"rules with fewer than {MIN_EXAMPLES} examples of each kind:"
    assert not short, "\n".join([heading, *short])


def test_every_rule_has_a_description(ruleset: RuleSet) -> None:
    bare = [where(rule) for rule in ruleset.rules if not rule.description.strip()]
    assert not bare, "rules without a description:\n" + "\n".join(bare)


def test_the_examples_pass(ruleset: RuleSet) -> None:
    failures = run_examples(ruleset)
    assert not failures, "\n".join(str(failure) for failure in failures)


def test_the_fixtures_pass(ruleset: RuleSet) -> None:
    failures = run_fixtures(ruleset, fixture_files())
    assert not failures, "\n".join(str(failure) for failure in failures)
