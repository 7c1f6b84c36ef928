"""Each condition: when it holds, when it does not, null, its description and explanation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.rules.helpers import activity, both, condition


def mr(**fields: Any) -> dict[str, Any]:
    return activity("merge_request_merged", fields=fields)


def note(**fields: Any) -> dict[str, Any]:
    return activity("review_comment", fields=fields)


# -- equals ------------------------------------------------------------------------------------


def test_equals_compares_strings_exactly() -> None:
    cond = condition({"equals": {"field": "target_branch", "value": "main"}})
    assert both(cond, mr(target_branch="main"))
    assert not both(cond, mr(target_branch="Main"))
    assert cond.describe() == 'target_branch is "main"'


def test_equals_true_is_not_one_and_null_is_only_null() -> None:
    draft = condition({"equals": {"field": "draft", "value": True}})
    assert both(draft, mr(draft=True))
    assert not both(draft, mr(draft=False))
    assert draft.describe() == "draft is true"
    count = condition({"equals": {"field": "files_changed", "value": 1}})
    assert both(count, mr(files_changed=1))
    assert not both(count, activity("merge_request_merged", fields={"draft": True}))
    unmerged = condition({"equals": {"field": "merge_user", "value": None}})
    assert both(unmerged, mr(merge_user=None))
    assert not both(unmerged, mr(merge_user=""))


def test_equals_on_a_number_is_numeric() -> None:
    cond = condition({"equals": {"field": "hours_to_merge", "value": 2}})
    assert both(cond, mr(hours_to_merge=2.0))
    assert not both(cond, mr(hours_to_merge=None))


def test_equals_reads_attributes_and_context() -> None:
    project = condition({"equals": {"field": "project_path", "value": "acme/api"}})
    assert both(project, activity(project_path="acme/api"))
    assert not both(project, activity(project_path="acme/web"))
    state = condition({"equals": {"field": "context.state", "value": "merged"}})
    assert both(state, activity(context={"state": "merged"}))
    assert not both(state, activity(context={"state": "opened"}))


# -- one_of ------------------------------------------------------------------------------------


def test_one_of() -> None:
    cond = condition({"one_of": {"field": "issue_type", "values": ["incident", "issue"]}})
    assert both(cond, activity("issue_opened", fields={"issue_type": "incident"}))
    assert not both(cond, activity("issue_opened", fields={"issue_type": "task"}))
    assert cond.describe() == 'issue_type is one of "incident", "issue"'


def test_one_of_null_and_mixed_values() -> None:
    cond = condition({"one_of": {"field": "severity", "values": ["HIGH"]}})
    assert not both(cond, activity("issue_opened", fields={"severity": None}))
    numbers = condition({"one_of": {"field": "files_changed", "values": [1, 2]}})
    assert both(numbers, mr(files_changed=2))
    assert not both(numbers, mr(files_changed=3))


# -- at_least / at_most ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "expected"), [(39, False), (40, True), (41, True), (40.5, True), (None, False)]
)
def test_at_least(words: Any, expected: bool) -> None:
    cond = condition({"at_least": {"field": "description_words", "value": 40}})
    subject = mr()
    subject["fields"]["description_words"] = words
    assert both(cond, subject) is expected
    assert cond.describe() == "description_words is at least 40"


@pytest.mark.parametrize(("hours", "expected"), [(24, True), (24.01, False), (None, False)])
def test_at_most_and_null_never_holds(hours: Any, expected: bool) -> None:
    cond = condition({"at_most": {"field": "hours_to_merge", "value": 24}})
    assert both(cond, mr(hours_to_merge=hours)) is expected
    assert cond.describe() == "hours_to_merge is at most 24"


def test_numbers_are_not_booleans() -> None:
    cond = condition({"at_most": {"field": "files_changed", "value": 5}})
    subject = mr()
    subject["fields"]["files_changed"] = True  # a broken activity must not count as 1
    assert not both(cond, subject)


# -- present -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"), [(["#1"], True), ([], False), (None, False), ("", False), ("x", True)]
)
def test_present(value: Any, expected: bool) -> None:
    cond = condition({"present": {"field": "closes_issues"}})
    subject = mr()
    subject["fields"]["closes_issues"] = value
    assert both(cond, subject) is expected
    assert cond.describe() == "closes_issues is present"


# -- contains ----------------------------------------------------------------------------------


def test_contains_ignores_case_of_strings() -> None:
    cond = condition({"contains": {"field": "labels", "value": "Security"}})
    assert both(cond, mr(labels=["bug", "security"]))
    assert not both(cond, mr(labels=["securityish"]))
    assert not both(cond, mr(labels=[]))
    assert cond.describe() == 'labels contains "Security" (any case)'


def test_contains_on_null_does_not_hold() -> None:
    cond = condition({"contains": {"field": "labels", "value": "x"}})
    subject = mr()
    subject["fields"]["labels"] = None
    assert not both(cond, subject)


# -- matches -----------------------------------------------------------------------------------


def test_matches_searches_anywhere_in_a_string() -> None:
    cond = condition({"matches": {"field": "title", "pattern": r"\bfix"}})
    assert both(cond, mr(title="Quick fix for the cart"))
    assert not both(cond, mr(title="Prefix the cart"))
    assert not both(cond, mr(title="FIX the cart"))
    assert cond.describe() == r"title matches /\bfix/"


def test_matches_ignore_case_and_what_it_found() -> None:
    cond = condition({"matches": {"field": "title", "pattern": "fix", "ignore_case": True}})
    assert both(cond, mr(title="FIX it"))
    entry = cond.explain(mr(title="FIX it"))
    assert entry["found"] == "FIX"
    assert entry["seen"] == "FIX it"
    assert cond.describe() == "title matches /fix/ (any case)"


def test_matches_with_means_explains_in_its_words_not_the_pattern() -> None:
    cond = condition(
        {"matches": {"field": "title", "pattern": "^(?:fix|bug)", "means": "a fix prefix"}}
    )
    assert both(cond, mr(title="fix: cart total"))
    assert not both(cond, mr(title="Prefix the cart"))
    entry = cond.explain(mr(title="fix: cart total"))
    assert entry["text"] == "title matches a fix prefix"
    assert entry["found"] == "fix"  # what it found is still shown
    assert "^(?:fix" not in str(entry)


def test_matches_any_element_of_a_list() -> None:
    cond = condition({"matches": {"field": "description_sections", "pattern": "^tests?$"}})
    assert both(cond, mr(description_sections=["why", "test"]))
    assert not both(cond, mr(description_sections=["why", "testing"]))


def test_matches_null_never_holds() -> None:
    cond = condition({"matches": {"field": "path", "pattern": ".*"}})
    assert not both(cond, note(path=None))
    assert both(cond, note(path="a.py"))


# -- count -------------------------------------------------------------------------------------


def test_count_bounds() -> None:
    cond = condition({"count": {"field": "mentions_users", "at_least": 1, "at_most": 2}})
    assert not both(cond, mr(mentions_users=[]))
    assert both(cond, mr(mentions_users=["@a"]))
    assert both(cond, mr(mentions_users=["@a", "@b"]))
    assert not both(cond, mr(mentions_users=["@a", "@b", "@c"]))
    assert cond.describe() == "mentions_users has between 1 and 2 elements"


def test_count_matching_counts_only_matching_elements() -> None:
    cond = condition({"count": {"field": "changed_paths", "at_least": 2, "matching": r"\.sql$"}})
    entry = cond.explain(mr(changed_paths=["a.sql", "b.py", "c.sql"]))
    assert entry["held"] and entry["seen"] == 2
    assert not both(cond, mr(changed_paths=["a.sql", "b.py"]))
    assert cond.describe() == r"changed_paths has at least 2 elements matching /\.sql$/"


def test_count_matching_with_means() -> None:
    cond = condition(
        {
            "count": {
                "field": "changed_paths",
                "at_least": 1,
                "matching": r"\.sql$",
                "means": "SQL files",
            }
        }
    )
    entry = cond.explain(mr(changed_paths=["a.sql", "b.py"]))
    assert entry["held"] and entry["seen"] == 1
    assert entry["text"] == "changed_paths has at least 1 element matching SQL files"
    assert not both(cond, mr(changed_paths=["b.py"]))


def test_count_of_objects_and_null() -> None:
    cond = condition({"count": {"field": "files", "at_most": 1}})
    assert both(cond, mr(files=[{"path": "a"}]))
    assert not both(cond, mr(files=[{"path": "a"}, {"path": "b"}]))
    subject = mr()
    subject["fields"]["files"] = None
    assert not both(cond, subject)
    assert cond.describe() == "files has at most 1 element"


# -- paths -------------------------------------------------------------------------------------


def test_paths_gitignore_globs() -> None:
    cond = condition({"paths": {"globs": ["**/test_*.py", "docs/"]}})
    assert both(cond, mr(changed_paths=["src/app.py", "src/tests/test_app.py"]))
    assert both(cond, mr(changed_paths=["docs/guide/setup.md"]))
    assert not both(cond, mr(changed_paths=["src/app.py", "src/docs.py"]))
    assert not both(cond, mr(changed_paths=[]))
    assert cond.describe() == "a path in changed_paths matches **/test_*.py, docs/"


def test_paths_rooted_and_anywhere() -> None:
    rooted = condition({"paths": {"globs": ["tests/**"]}})
    assert both(rooted, mr(changed_paths=["tests/a.py"]))
    assert not both(rooted, mr(changed_paths=["lib/tests/a.py"]))
    anywhere = condition({"paths": {"globs": ["*.md"]}})
    assert both(anywhere, mr(changed_paths=["a/b/README.md"]))


def test_paths_at_least_and_what_matched() -> None:
    cond = condition({"paths": {"globs": ["*.sql"], "at_least": 2}})
    subject = mr(changed_paths=["a.sql", "b.py", "c/d.sql"])
    assert both(cond, subject)
    assert cond.explain(subject)["matched"] == ["a.sql", "c/d.sql"]
    assert not both(cond, mr(changed_paths=["a.sql"]))
    assert cond.describe() == "at least 2 paths in changed_paths match *.sql"


def test_paths_with_means_explains_in_its_words_not_the_globs() -> None:
    cond = condition({"paths": {"globs": ["**/tests/**", "test_*.py"], "means": "test files"}})
    assert both(cond, mr(changed_paths=["app/a.py", "tests/unit/test_a.py"]))
    assert not both(cond, mr(changed_paths=["app/a.py"]))
    assert cond.describe() == "a path in changed_paths matches test files"
    two = condition({"paths": {"globs": ["*.py"], "at_least": 2, "means": "Python files"}})
    assert two.describe() == "at least 2 paths in changed_paths match Python files"


def test_paths_negation_excludes() -> None:
    cond = condition({"paths": {"globs": ["*.py", "!**/generated/**"]}})
    assert both(cond, mr(changed_paths=["a/b.py"]))
    assert not both(cond, mr(changed_paths=["a/generated/b.py"]))


def test_paths_on_a_single_path_field_and_null() -> None:
    cond = condition({"paths": {"field": "path", "globs": ["**/*_test.go"]}})
    assert both(cond, note(path="pkg/x_test.go"))
    assert not both(cond, note(path="pkg/x.go"))
    assert not both(cond, note(path=None))


def test_paths_normalises_leading_slash_like_pathspec() -> None:
    cond = condition({"paths": {"globs": ["src/*.py"]}})
    assert both(cond, mr(changed_paths=["/src/a.py"]))
    assert both(cond, mr(changed_paths=["./src/a.py"]))


# -- all / any / not ---------------------------------------------------------------------------


def test_all_any_not() -> None:
    long = {"at_least": {"field": "description_words", "value": 10}}
    why = {"matches": {"field": "description", "pattern": "(?i)why"}}
    draft = {"equals": {"field": "draft", "value": True}}
    cond = condition({"all": [long, {"any": [why, draft]}, {"not": draft}]})
    assert both(cond, mr(description_words=12, description="Why: ...", draft=False))
    assert not both(cond, mr(description_words=12, description="What", draft=False))
    assert not both(cond, mr(description_words=12, description="Why", draft=True))
    assert not both(cond, mr(description_words=2, description="Why", draft=False))
    assert cond.describe() == (
        "all of (description_words is at least 10; any of (description matches /(?i)why/; "
        "draft is true); not (draft is true))"
    )


def test_groups_of_one_and_of_many() -> None:
    words = [{"at_least": {"field": "description_words", "value": n}} for n in (1, 2, 3)]
    for n, expected_all, expected_any in [(0, False, False), (2, False, True), (3, True, True)]:
        subject = mr(description_words=n)
        assert both(condition({"all": words}), subject) is expected_all
        assert both(condition({"any": words}), subject) is expected_any
        assert both(condition({"all": words[:1]}), subject) is (n >= 1)
        assert both(condition({"any": words[2:]}), subject) is (n >= 3)


def test_group_explanations_nest_and_show_every_check() -> None:
    cond = condition(
        {
            "all": [
                {"at_least": {"field": "description_words", "value": 40}},
                {"not": {"present": {"field": "closes_issues"}}},
            ]
        }
    )
    entry = cond.explain(mr(description_words=12, closes_issues=["#4"]))
    assert entry["condition"] == "all" and entry["held"] is False
    first, negation = entry["checks"]
    assert first == {
        "condition": "at_least",
        "field": "description_words",
        "text": "description_words is at least 40",
        "seen": 12,
        "held": False,
    }
    assert negation["condition"] == "not" and negation["held"] is False
    assert negation["checks"][0]["held"] is True
    assert negation["checks"][0]["seen"] == ["#4"]


def test_seen_values_are_shortened() -> None:
    cond = condition({"present": {"field": "description"}})
    entry = cond.explain(mr(description="x" * 500))
    assert len(entry["seen"]) == 120 and entry["seen"].endswith("…")
    listed = condition({"present": {"field": "changed_paths"}})
    entry = listed.explain(mr(changed_paths=[f"f{i}" for i in range(25)]))
    assert entry["seen"][:10] == [f"f{i}" for i in range(10)]
    assert entry["seen"][10:] == ["… 15 more"]
