"""``rules test``: examples and fixtures, with failures that say which condition failed and why."""

from __future__ import annotations

from pathlib import Path

from bot.rules.testing import TestFailure, run_examples, run_fixtures
from tests.rules.helpers import IDS, ruleset, write

RULES = """\
rules:
  - id: mr-description-gives-context
    expectations: [l2.communication.good-mr-descriptions]
    kinds: [merge_request_merged]
    when:
      all:
        - at_least: {field: description_words, value: 40}
        - not:
            equals: {field: template_unfilled, value: true}
    summary: "Described !{context.iid}"
    examples:
      match:
        - fields: {description_words: 120}
        - fields: {description_words: 12, template_unfilled: true}
      no_match:
        - fields: {description_words: 3}
        - fields: {description_words: 41}
  - id: sought-out-for-reviews
    expectations: [l4.leadership.sought-out-for-code-reviews]
    kinds: [review_requested]
    window: {days: 90, distinct: requested_by, at_least: 3}
    when:
      not:
        equals: {field: project_path, value: sandbox/play}
    summary: Sought out
    examples:
      match:
        - activities:
            - {fields: {requested_by: cy}, occurred_at: "2026-03-01T10:00:00Z"}
            - {fields: {requested_by: ana}, occurred_at: "2026-01-01T10:00:00Z"}
            - {fields: {requested_by: bo}, occurred_at: "2026-02-01T10:00:00+01:00"}
        - activities:
            - {fields: {requested_by: ana}, occurred_at: "2026-01-01T10:00:00Z"}
            - {fields: {requested_by: bo}, occurred_at: "2026-02-01T10:00:00Z", project_path: sandbox/play}
            - {fields: {requested_by: null}, occurred_at: "2026-02-02T10:00:00Z"}
            - {fields: {requested_by: cy}, occurred_at: "2026-03-01T10:00:00Z"}
      no_match:
        - activities:
            - {fields: {requested_by: ana}, occurred_at: "2026-01-01T10:00:00Z"}
            - {fields: {requested_by: bo}, occurred_at: "2026-02-01T10:00:00Z"}
            - {fields: {requested_by: cy}, occurred_at: "2026-06-01T10:00:00Z"}
        - activities:
            - {fields: {requested_by: ana}, occurred_at: "2026-01-01T10:00:00Z"}
            - {fields: {requested_by: bo}, occurred_at: "2026-01-02T10:00:00Z"}
            - {fields: {requested_by: cy}, occurred_at: "2026-01-03T10:00:00Z"}
"""


def test_failing_examples_name_the_condition_and_the_value_seen(tmp_path: Path) -> None:
    rules = ruleset(tmp_path, RULES)
    failures = [str(f).removeprefix(f"{tmp_path}/") for f in run_examples(rules)]
    assert failures == [
        "r.yaml:14: mr-description-gives-context: examples.match[1] did not match: "
        "description_words is at least 40 (seen 12) [line 7]; not (template_unfilled is true), "
        "but template_unfilled is true (seen true) [line 9]",
        "r.yaml:17: mr-description-gives-context: examples.no_match[1] matched: "
        "description_words is at least 40 (seen 41) [line 7]; not (template_unfilled is true) "
        "(seen false) [line 9]",
        "r.yaml:32: sought-out-for-reviews: examples.match[1] did not match: at most 2 distinct "
        "requested_by within 90 days (needs 3); activities[1] does not count: not (project_path "
        'is "sandbox/play"), but project_path is "sandbox/play" (seen "sandbox/play") [line 24]; '
        "activities[2] does not count: requested_by is empty",
        "r.yaml:42: sought-out-for-reviews: examples.no_match[1] matched: activities[2] completed "
        'a window of requested_by "ana", "bo", "cy"',
    ]


def test_passing_examples_pass(tmp_path: Path) -> None:
    good = RULES.replace("description_words: 12, template_unfilled: true", "description_words: 40")
    good = good.replace("description_words: 41}", "description_words: 41, template_unfilled: true}")
    good = good.replace(", project_path: sandbox/play", "").replace(
        "requested_by: null", "requested_by: di"
    )
    good = good.replace("2026-01-03T10", "2026-09-03T10")
    assert run_examples(ruleset(tmp_path, good)) == []


FIXTURES = """\
- activity:
    kind: merge_request_merged
    fields: {description_words: 80}
  expect: [mr-description-gives-context]
- activity:
    kind: merge_request_merged
    fields: {description_words: 8}
  expect: [mr-description-gives-context]
  note: too short
- activity:
    kind: merge_request_merged
    fields: {description_words: 80}
  expect_not: [mr-description-gives-context]
- activity:
    kind: issue_opened
    fields: {description_words: 80}
  expect: [mr-description-gives-context]
- activity: {kind: merge_request_merged}
  expect: [mr-description-gives-contexts, sought-out-for-reviews]
- activity: {kind: merge_request_merged, fields: {titel: x}}
  expect: []
  exepct: []
- activity: {kind: merge_request_merged}
"""


def test_fixtures(tmp_path: Path) -> None:
    rules = ruleset(tmp_path, RULES)
    [fixtures] = write(tmp_path, {"fixtures.yaml": FIXTURES})
    failures = run_fixtures(rules, [fixtures])
    assert all(isinstance(f, TestFailure) for f in failures)
    # A failed condition is in another file than the fixture: its file is named too.
    assert [str(f).replace(f"{tmp_path}/", "") for f in failures] == [
        "fixtures.yaml:5: mr-description-gives-context: fixture [1] did not match: "
        "description_words is at least 40 (seen 8) [r.yaml:7]",
        "fixtures.yaml:10: mr-description-gives-context: fixture [2] matched: "
        "description_words is at least 40 (seen 80) [r.yaml:7]; not (template_unfilled is true) "
        "(seen false) [r.yaml:9]",
        "fixtures.yaml:14: mr-description-gives-context: fixture [3] did not match: "
        "the rule does not look at issue_opened activities",
        "fixtures.yaml:19: [4].expect[0]: unknown rule 'mr-description-gives-contexts' "
        "(did you mean 'mr-description-gives-context'?)",
        "fixtures.yaml:19: [4].expect[1]: 'sought-out-for-reviews' is a window rule: "
        "test it with its examples",
        "fixtures.yaml:20: [5].activity.fields: 'titel' is not a field of kind "
        "'merge_request_merged' (did you mean 'title'?)",
        "fixtures.yaml:22: [5]: unknown key 'exepct' (did you mean 'expect'?)",
        "fixtures.yaml:23: [6]: expects nothing: give expect, expect_not or both",
    ]


def test_fixture_files_that_are_not_fixtures(tmp_path: Path) -> None:
    rules = ruleset(tmp_path, RULES)
    paths = write(tmp_path, {"a.yaml": "a: [", "b.yaml": "", "c.yaml": "{a: 1}"})
    found = [str(f).removeprefix(f"{tmp_path}/") for f in run_fixtures(rules, paths)]
    assert found[0].startswith("a.yaml:1: YAML syntax error: ")
    assert found[1:] == [
        "b.yaml:1: the file is empty: expected a list of fixtures",
        "c.yaml:1: expected a list of fixtures, got a mapping",
    ]


def test_a_failure_is_not_a_pytest_test_class() -> None:
    assert TestFailure.__test__ is False
    assert str(TestFailure("f.yaml", 3, "", "m")) == "f.yaml:3: m"
    assert IDS  # the helpers' ids are the ones the rules above use


NOT_OF_ALL = """\
rules:
  - id: mr-description-gives-context
    expectations: [l2.communication.good-mr-descriptions]
    kinds: [merge_request_merged]
    when:
      all:
        - at_least: {field: description_words, value: 40}
        - not:
            all:
              - equals: {field: template_unfilled, value: true}
              - at_most: {field: description_words, value: 99}
    summary: "Described !{context.iid}"
    examples:
      match:
        - fields: {description_words: 120}
        - fields: {description_words: 45, template_unfilled: false}
      no_match:
        - fields: {description_words: 3}
        - fields: {description_words: 45, template_unfilled: false}
"""


def test_a_not_that_held_names_the_parts_that_failed(tmp_path: Path) -> None:
    rules = ruleset(tmp_path, NOT_OF_ALL)
    failures = [str(f).removeprefix(f"{tmp_path}/") for f in run_examples(rules)]
    assert failures == [
        "r.yaml:19: mr-description-gives-context: examples.no_match[1] matched: "
        "description_words is at least 40 (seen 45) [line 7]; not (all of (template_unfilled is "
        "true; description_words is at most 99)), failing template_unfilled is true (seen false) "
        "[line 10]",
    ]


MEANS = """\
rules:
  - id: mr-fixes-bug
    expectations: [l1.mastery.fixes-simple-bugs]
    kinds: [merge_request_merged]
    when:
      any:
        - matches: {field: title, pattern: '(?i)^fix', means: a fix prefix}
        - matches:
            field: title
            pattern: '(?i)\\b(?:crash\\w*|leak\\w*|race conditions?|deadlocks?|off-by-one|regressions?)\\b'
            means: bug words
        - count: {field: changed_paths, matching: '^hotfix/', at_least: 1}
    summary: Fixed a bug
    examples:
      match:
        - fields: {title: Add a button}
"""


def test_a_condition_known_by_its_means_shows_the_start_of_its_pattern(tmp_path: Path) -> None:
    [failure] = run_examples(ruleset(tmp_path, MEANS))
    assert str(failure).removeprefix(f"{tmp_path}/") == (
        "r.yaml:16: mr-fixes-bug: examples.match[0] did not match: none of: "
        "title matches a fix prefix (seen \"Add a button\") [line 7, pattern '(?i)^fix']; "
        'title matches bug words (seen "Add a button") [line 8, pattern '
        "'(?i)\\b(?:crash\\w*|leak\\w*|race conditions?|deadlocks?|off-b…']; "
        # Without `means`, the text already shows the pattern: only the line is added.
        "changed_paths has at least 1 element matching /^hotfix// (seen 0) [line 12]"
    )
