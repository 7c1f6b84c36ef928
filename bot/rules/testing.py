"""Testing rules: their examples, and fixture files of activities (``ladder-bot rules test``).

A failure names the rule, where the example or fixture is (file:line), and the condition that
failed with the value it saw::

    rules/mr.yaml:31: mr-description-gives-context: examples.match[0] did not match:
        description_words is at least 40 (seen 12) [line 12]

Each failed condition says where it is written (its line; its file too in a fixture's
failure); one known by its ``means`` also shows the start of its pattern: ``title matches a
fix prefix (seen "Add docs") [line 20, pattern '(?i)^fix']``.

Fixture files (``rules/fixtures/*.yaml``) list activities with the rules they must and must
not produce::

    - activity: {kind: merge_request_merged, fields: {title: "Fix crash on empty cart"}}
      expect: [fixes-simple-bugs]
      expect_not: [security-fix]
      note: why this case matters (optional)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

from bot.activities.kinds import KINDS
from bot.rules.conditions import Condition
from bot.rules.examples import Example, Report, sample_activity
from bot.rules.explain import Locate, failure_text, held_text, literal
from bot.rules.fields import getter
from bot.rules.problem import index_path, join_path, kind_of, suggest
from bot.rules.rule import Rule
from bot.rules.ruleset import RuleSet
from bot.rules.source import read_source

FIXTURE_KEYS = ("activity", "expect", "expect_not", "note")
ABRIDGED = 60  # characters of a pattern shown beside its ``means``
_ALL_KINDS = tuple(k.name for k in KINDS)


@dataclass(frozen=True)
class TestFailure:
    """One failed example or fixture expectation (or a fixture that cannot be read)."""

    __test__: ClassVar[bool] = False  # not a pytest test class, despite its name

    file: str
    line: int
    rule: str  # empty for a problem with a fixture itself
    message: str

    def __str__(self) -> str:
        rule = f"{self.rule}: " if self.rule else ""
        return f"{self.file}:{self.line}: {rule}{self.message}"


def run_examples(ruleset: RuleSet) -> list[TestFailure]:
    """Every rule example that does not do what it says, in rule order."""
    failures: list[TestFailure] = []
    for rule in ruleset.rules:
        for example in rule.examples:
            if rule.window is None:
                message = _plain_example(ruleset, rule, example)
            else:
                message = _window_example(ruleset, rule, example)
            if message:
                failures.append(TestFailure(rule.file, example.line, rule.id, message))
    return failures


def _plain_example(ruleset: RuleSet, rule: Rule, example: Example) -> str:
    activity = example.activities[0]
    matched = any(found.rule == rule.id for found in ruleset.match(activity))
    if example.expect == "match" and not matched:
        return f"{example.path} did not match: {_failed(rule, activity)}"
    if example.expect == "no_match" and matched:
        return f"{example.path} matched: {_held(rule, activity) or 'the rule has no conditions'}"
    return ""


def _window_example(ruleset: RuleSet, rule: Rule, example: Example) -> str:
    assert rule.window is not None
    window = rule.window
    order = sorted(
        range(len(example.activities)), key=lambda i: example.activities[i]["occurred_at"]
    )
    activities = [example.activities[i] for i in order]
    matches = ruleset.match_window(rule, activities)
    if example.expect == "no_match" and matches:
        first = matches[0]
        completed = order[[a["key"] for a in activities].index(first.activity_key)]
        values = ", ".join(literal(v) for v in first.why["window"]["distinct"])
        return (
            f"{example.path} matched: activities[{completed}] completed a window of "
            f"{window.distinct} {values}"
        )
    if example.expect == "match" and not matches:
        value_of = getter(window.distinct)
        reasons = [
            f"{example.path} did not match: at most {_most_distinct(rule, activities)} distinct "
            f"{window.distinct} within {window.days} days (needs {window.at_least})"
        ]
        for index in order:
            activity = example.activities[index]
            if not rule.test(activity):
                reasons.append(f"activities[{index}] does not count: {_failed(rule, activity)}")
            elif value_of(activity) in (None, ""):
                reasons.append(f"activities[{index}] does not count: {window.distinct} is empty")
        return "; ".join(reasons)
    return ""


def _most_distinct(rule: Rule, activities: Sequence[Mapping[str, Any]]) -> int:
    assert rule.window is not None
    span = timedelta(days=rule.window.days)
    value_of = getter(rule.window.distinct)
    counted = [
        (a["occurred_at"], value_of(a))
        for a in activities
        if rule.test(a) and value_of(a) not in (None, "")
    ]
    most = 0
    for end, _ in counted:
        values = {repr(value) for when, value in counted if timedelta(0) <= end - when <= span}
        most = max(most, len(values))
    return most


def run_fixtures(ruleset: RuleSet, paths: Iterable[Path]) -> list[TestFailure]:
    """Every fixture whose activity does not produce (or does produce) what it says."""
    failures: list[TestFailure] = []
    for path in sorted(dict.fromkeys(Path(p) for p in paths), key=str):
        failures += sorted(_fixture_file(ruleset, path), key=lambda failure: failure.line)
    return failures


def _fixture_file(ruleset: RuleSet, file: Path) -> list[TestFailure]:
    source = read_source(file)
    failures = [
        TestFailure(p.file, p.line, "", f"{p.path}: {p.message}" if p.path else p.message)
        for p in source.problems
    ]
    data = source.data

    def report(path: str, message: str, key: str | None = None) -> None:
        line = source.line(path if key is None else join_path(path, key))
        failures.append(
            TestFailure(source.file, line, "", f"{path}: {message}" if path else message)
        )

    if data is None:
        if not failures:
            report("", "the file is empty: expected a list of fixtures")
        return failures
    if not isinstance(data, list):
        failures.append(
            TestFailure(source.file, 1, "", f"expected a list of fixtures, got {kind_of(data)}")
        )
        return failures
    for index, entry in enumerate(data):
        at = index_path("", index)
        if not isinstance(entry, dict):
            report(at, f"expected a fixture (activity, expect, expect_not), got {kind_of(entry)}")
            continue
        for key in entry:
            if key not in FIXTURE_KEYS:
                report(at, f"unknown key {key!r}{suggest(key, FIXTURE_KEYS)}", key=key)
        if "activity" not in entry:
            report(at, "missing 'activity'")
            continue
        activity = sample_activity(
            entry["activity"],
            kinds=_ALL_KINDS,
            default_kind=None,
            key=f"fixture:{source.file}:{index}",
            path=join_path(at, "activity"),
            report=report,
        )
        expect = _rule_ids(ruleset, entry, at, "expect", report)
        expect_not = _rule_ids(ruleset, entry, at, "expect_not", report)
        if activity is None or expect is None or expect_not is None:
            continue
        if not expect and not expect_not:
            report(at, "expects nothing: give expect, expect_not or both")
            continue
        matched = {found.rule for found in ruleset.match(activity)}
        line = source.line(at)
        for rule_id in expect:
            if rule_id not in matched:
                rule = ruleset.get(rule_id)
                assert rule is not None
                message = f"fixture {at} did not match: {_why_not(rule, activity, source.file)}"
                failures.append(TestFailure(source.file, line, rule_id, message))
        for rule_id in expect_not:
            if rule_id in matched:
                rule = ruleset.get(rule_id)
                assert rule is not None
                held = _held(rule, activity, source.file) or "the rule has no conditions"
                message = f"fixture {at} matched: {held}"
                failures.append(TestFailure(source.file, line, rule_id, message))
    return failures


def _why_not(rule: Rule, activity: Mapping[str, Any], file: str) -> str:
    if activity["kind"] not in rule.kinds:
        return f"the rule does not look at {activity['kind']} activities"
    return _failed(rule, activity, file)


def _failed(rule: Rule, activity: Mapping[str, Any], file: str = "") -> str:
    """The rule's checks that failed on ``activity``, each leaf with where it is written
    (its line, or its file and line when the failure is reported in another ``file``)."""
    locate = _located(rule, file or rule.file)
    return "; ".join(
        failure_text(check, _condition_of(rule, check), locate)
        for check in rule.checks(activity)
        if not check["held"]
    )


def _held(rule: Rule, activity: Mapping[str, Any], file: str = "") -> str:
    """What made the rule match ``activity``, each leaf with where it is written."""
    locate = _located(rule, file or rule.file)
    return "; ".join(
        held_text(check, _condition_of(rule, check), locate)
        for check in rule.checks(activity)
        if check.get("condition") != "kind"
    )


def _condition_of(rule: Rule, check: Mapping[str, Any]) -> Condition | None:
    # ``Rule.checks`` gives the kind, then the ``when`` condition's entry, then the earner's.
    return None if check.get("condition") in ("kind", "earner") else rule.when


def _located(rule: Rule, file: str) -> Locate:
    """Says where a condition of ``rule`` is written: `` [line 34]`` in ``file``, the one the
    failure names, else `` [rules/x.yaml:34]``; for one known by its ``means``, also the start
    of the pattern or globs it stands for."""

    def locate(condition: Any) -> str:
        if not isinstance(condition, Condition) or not condition.line:
            return ""
        args = condition.args if isinstance(condition.args, Mapping) else {}
        shown = ""
        if "means" in args:
            for key in ("pattern", "matching", "globs"):
                if key in args:
                    shown = f", {key} {_abridged(args[key])}"
                    break
        where = f"line {condition.line}" if rule.file == file else f"{rule.file}:{condition.line}"
        return f" [{where}{shown}]"

    return locate


def _abridged(value: Any) -> str:
    text = value if isinstance(value, str) else ", ".join(str(item) for item in value)
    return "'" + (text if len(text) <= ABRIDGED else text[: ABRIDGED - 1] + "…") + "'"


def _rule_ids(
    ruleset: RuleSet, entry: Mapping[str, Any], at: str, key: str, report: Report
) -> list[str] | None:
    value = entry.get(key, [])
    where = join_path(at, key)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        report(where, f"expected a list of rule ids, got {kind_of(value)}")
        return None
    ok = True
    known = [rule.id for rule in ruleset.rules]
    for index, rule_id in enumerate(value):
        rule = ruleset.get(rule_id)
        if rule is None:
            report(index_path(where, index), f"unknown rule {rule_id!r}{suggest(rule_id, known)}")
            ok = False
        elif rule.window is not None:
            report(
                index_path(where, index),
                f"{rule_id!r} is a window rule: test it with its examples",
            )
            ok = False
    return list(value) if ok else None
