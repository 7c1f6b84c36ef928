"""``check_rules``: every problem at once, in order, and never an exception."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.rules import Problem, RulesInvalid, check_rules, load_rules
from bot.rules.conditions import REGISTRY
from tests.rules.helpers import IDS, problems, write

GOOD = """\
rules:
  - id: fixes-simple-bugs
    description: A small merged fix.
    expectations: [l1.mastery.fixes-simple-bugs]
    kinds: [merge_request_merged]
    when:
      all:
        - matches: {field: title, pattern: "(?i)^fix"}
        - at_most: {field: files_changed, value: 3}
    summary: "Fixed: {title}"
"""


def test_a_good_file_has_no_problems(tmp_path: Path) -> None:
    assert problems(tmp_path, GOOD) == []
    assert problems(tmp_path, "rules: []\n") == []


def test_problems_come_in_file_then_line_order_across_files(tmp_path: Path) -> None:
    paths = write(
        tmp_path,
        {
            "b.yaml": GOOD.replace("kinds: [merge_request_merged]", "kinds: [merged]"),
            "a.yaml": GOOD.replace("[l1.mastery.fixes-simple-bugs]", "[nope]").replace(
                "summary:", "sumary:"
            ),
        },
    )
    found = check_rules(paths, IDS)
    assert [(Path(p.file).name, p.line) for p in found] == [
        ("a.yaml", 2),
        ("a.yaml", 4),
        ("a.yaml", 10),
        ("b.yaml", 2),  # the same id again: the second file names the first
        ("b.yaml", 5),
    ]
    assert found[0].message == "missing 'summary'"
    assert (
        found[3].message == f"duplicate rule id 'fixes-simple-bugs' (first defined at {paths[1]}:2)"
    )


def test_the_same_file_twice_is_read_once(tmp_path: Path) -> None:
    [path] = write(tmp_path, {"r.yaml": GOOD})
    assert check_rules([path, path], IDS) == []


def test_one_mistake_gives_one_message(tmp_path: Path) -> None:
    # The argument is misspelled: no cascade about the missing one or the field type.
    text = GOOD.replace("pattern: ", "patern: ")
    assert problems(tmp_path, text) == [
        "r.yaml:8: rules[0].when.all[0].matches: unknown argument 'patern' "
        "(did you mean 'pattern'?)",
    ]
    # Without a likely typo, the missing argument is said as such.
    text = GOOD.replace('pattern: "(?i)^fix"', "regex: x")
    assert problems(tmp_path, text) == [
        "r.yaml:8: rules[0].when.all[0].matches: unknown argument 'regex'",
        "r.yaml:8: rules[0].when.all[0].matches: missing argument 'pattern'",
    ]


def test_schema_messages_are_in_words(tmp_path: Path) -> None:
    text = GOOD.replace(
        "at_most: {field: files_changed, value: 3}",
        "count: {field: labels, at_least: -1, matching: ''}",
    )
    assert problems(tmp_path, text) == [
        "r.yaml:9: rules[0].when.all[1].count.at_least: must be at least 0, got -1",
        "r.yaml:9: rules[0].when.all[1].count.matching: must not be empty",
    ]
    text = GOOD.replace("at_most: {field: files_changed, value: 3}", "paths: {globs: []}")
    assert problems(tmp_path, text) == [
        "r.yaml:9: rules[0].when.all[1].paths.globs: needs at least 1 item"
    ]


def test_count_bounds_must_leave_room(tmp_path: Path) -> None:
    text = GOOD.replace(
        "at_most: {field: files_changed, value: 3}",
        "count: {field: labels, at_least: 3, at_most: 2}",
    )
    assert problems(tmp_path, text) == [
        "r.yaml:9: rules[0].when.all[1].count.at_most: at_most 2 is below at_least 3"
    ]


def test_when_must_be_a_condition(tmp_path: Path) -> None:
    text = GOOD.replace(GOOD[GOOD.index("    when:") : GOOD.index("    summary")], "    when:\n")
    assert problems(tmp_path, text) == [
        "r.yaml:6: rules[0].when: expected a condition (a mapping with one key, the "
        "condition's name), got null"
    ]


def test_conditions_nested_too_deep(tmp_path: Path) -> None:
    condition: Any = {"present": {"field": "title"}}
    for _ in range(40):
        condition = {"not": condition}
    rule = yaml.safe_load(GOOD)
    rule["rules"][0]["when"] = condition
    found = problems(tmp_path, yaml.safe_dump(rule))
    assert len(found) == 1
    assert found[0].endswith("conditions nested more than 32 deep")


def test_unreadable_files_are_problems(tmp_path: Path) -> None:
    (tmp_path / "dir.yaml").mkdir()
    (tmp_path / "latin1.yaml").write_bytes(b"rules: [\xe9]\n")
    (tmp_path / "nul.yaml").write_text("rules: [\x00]\n")
    found = check_rules(
        [
            tmp_path / "missing.yaml",
            tmp_path / "dir.yaml",
            tmp_path / "latin1.yaml",
            tmp_path / "nul.yaml",
        ],
        IDS,
    )
    messages = {Path(p.file).name: p.message for p in found}
    assert messages["missing.yaml"] == "cannot read the file: No such file or directory"
    assert messages["dir.yaml"] == "cannot read the file: Is a directory"
    assert messages["latin1.yaml"].startswith("cannot read the file: 'utf-8' codec")
    assert messages["nul.yaml"].startswith("YAML syntax error: ")
    assert len(found) == 4


def test_load_rules_raises_one_line_naming_the_first_and_counting_the_rest(
    tmp_path: Path,
) -> None:
    paths = write(
        tmp_path, {"r.yaml": GOOD.replace("merge_request_merged", "x").replace("title", "y")}
    )
    with pytest.raises(RulesInvalid) as raised:
        load_rules(paths, IDS)
    first = raised.value.problems[0]
    assert str(raised.value) == (
        f"{first.file}:{first.line}: {first.path}: {first.message} "
        f"(and {len(raised.value.problems) - 1} more: run `ladder-bot rules check`)"
    )
    assert "\n" not in str(raised.value)


def test_problem_lines() -> None:
    assert str(Problem("rules/x.yaml", 14, "rules[2].when.all[1]", "bad")) == (
        "rules/x.yaml:14: rules[2].when.all[1]: bad"
    )
    assert str(Problem("rules/x.yaml", 1, "", "YAML syntax error: x")) == (
        "rules/x.yaml:1: YAML syntax error: x"
    )


def test_rules_keep_their_place_and_digest(tmp_path: Path) -> None:
    [path] = write(tmp_path, {"r.yaml": GOOD})
    rule = load_rules([path], IDS).rules[0]
    assert (rule.file, rule.line, rule.id, rule.earner) == (
        str(path),
        2,
        "fixes-simple-bugs",
        "actor",
    )
    assert rule.kinds == ("merge_request_merged",)
    assert rule.expectations == ("l1.mastery.fixes-simple-bugs",)
    assert rule.summary == "Fixed: {title}"
    assert len(rule.digest) == 64
    # Comments, layout and examples do not change the digest; what the rule matches does.
    relaid = GOOD.replace("    description", "    # a comment\n    description") + (
        "    examples:\n      match:\n        - fields: {title: Fix it}\n"
    )
    [again] = write(tmp_path, {"r.yaml": relaid})
    assert load_rules([again], IDS).rules[0].digest == rule.digest
    [changed] = write(tmp_path, {"r.yaml": GOOD.replace("value: 3", "value: 4")})
    assert load_rules([changed], IDS).rules[0].digest != rule.digest


# -- never an exception ------------------------------------------------------------------------

_names = st.sampled_from(
    [
        "rules", "id", "kinds", "when", "window", "summary", "examples", "match", "no_match",
        "activities", "fields", "context", "all", "any", "not", "earner", "expectations",
        "days", "distinct", "at_least", "at_most", *REGISTRY, "field", "value", "values",
        "pattern", "globs", "matching", "title", "changed_paths", "kind", "occurred_at",
    ]
)  # fmt: skip
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=200),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(
        ["merge_request_merged", "review_requested", "l1.mastery.fixes-simple-bugs", "(", "**",
         "{title}", "{window.days}", "2026-01-01T00:00:00Z", "[z-a]", "\\", "mr_author"]
    ),
)  # fmt: skip
_data = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(_names, children, max_size=5)
    ),
    max_leaves=40,
)


def _no_internal_errors(found: list[Problem]) -> None:
    assert all("internal error" not in problem.message for problem in found), found


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=st.lists(_data, max_size=4))
def test_random_rule_data_never_raises(
    tmp_path_factory: pytest.TempPathFactory, rules: Any
) -> None:
    directory = tmp_path_factory.mktemp("data")
    path = directory / "r.yaml"
    path.write_text(yaml.safe_dump({"rules": rules}))
    _no_internal_errors(check_rules([path], IDS))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(alphabet=string.printable + "&*!|>{}[]-:#'\"\\é", max_size=300))
def test_random_yaml_text_never_raises(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    directory = tmp_path_factory.mktemp("text")
    path = directory / "r.yaml"
    path.write_text(text)
    found = check_rules([path], IDS)
    _no_internal_errors(found)
    assert all(isinstance(p, Problem) and p.line >= 1 for p in found)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutation=st.tuples(st.integers(min_value=0, max_value=len(GOOD)), st.text(max_size=8)))
def test_mutated_good_files_never_raise(
    tmp_path_factory: pytest.TempPathFactory, mutation: tuple[int, str]
) -> None:
    at, inserted = mutation
    path = tmp_path_factory.mktemp("mutated") / "r.yaml"
    path.write_text(GOOD[:at] + inserted + GOOD[at:])
    _no_internal_errors(check_rules([path], IDS))


def test_a_checker_bug_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.rules import check

    def broken(self: object) -> list[object]:
        raise KeyError("oops")

    monkeypatch.setattr(check._FileChecker, "rules", broken)
    [path] = write(tmp_path, {"r.yaml": GOOD})
    assert [p.message for p in check_rules([path], IDS)] == [
        "internal error while checking: KeyError('oops')"
    ]
