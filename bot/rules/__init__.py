"""The rule language: declarative rules that turn activities into evidence.

Rules live in ``rules/*.yaml`` (``docs/rules.md`` is the reference). No code in a rule is ever
evaluated: conditions are registered classes (``conditions/``), templates are ``{name}``
placeholders only.

    check      check_rules, load_rules: every problem in every file, or the rules
    ruleset    RuleSet: match (fast path), explain, match_window, whole; Match, Verdict
    rule       Rule: one checked rule, its condition compiled to a closure
    conditions the registry: all, any, not, equals, one_of, at_least, at_most, present,
               matches, contains, count, paths
    fields     what a field name means for the kinds a rule lists
    window     window rules: N distinct values within D days
    template   summary templates
    explain    the ``why`` of a verdict
    texts      an explanation's fixed texts, kept once per rule: the short form of ``why``
    examples   activities written by hand (rule examples, fixtures)
    testing    run_examples, run_fixtures
    source     YAML with the line of every value; problem: Problem, RulesInvalid
    schema     the JSON Schema of rule files; docs: the generated part of docs/rules.md
"""

from bot.rules.check import check_rules, load_rules
from bot.rules.problem import Problem, RulesInvalid
from bot.rules.rule import Rule
from bot.rules.ruleset import Match, RuleSet, Verdict
from bot.rules.window import Window

__all__ = [
    "Match",
    "Problem",
    "Rule",
    "RuleSet",
    "RulesInvalid",
    "Verdict",
    "Window",
    "check_rules",
    "load_rules",
]
