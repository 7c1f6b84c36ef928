"""Window rules: N distinct values within D days, one match per window, never per activity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.rules import RuleSet
from tests.rules.helpers import activity, ruleset

RULES = """\
rules:
  - id: sought-out-for-reviews
    expectations: [l4.leadership.sought-out-for-code-reviews]
    kinds: [review_requested]
    when:
      not:
        equals: {field: project_path, value: sandbox/play}
    window: {days: 90, distinct: requested_by, at_least: 3}
    summary: "Asked to review by {window.distinct} different people within {window.days} days"
"""

START = datetime(2026, 1, 1, 10, tzinfo=UTC)


def request(by: str | None, day: int, project: str = "acme/api") -> dict[str, Any]:
    built = activity(
        "review_requested",
        fields={"requested_by": by, "mr_author": by},
        actor_username="dee",
        project_path=project,
    )
    built["occurred_at"] = START + timedelta(days=day)
    built["key"] = f"review_request:{day}:{by}"
    return built


@pytest.fixture
def rules(tmp_path: Path) -> RuleSet:
    return ruleset(tmp_path, RULES)


def matches(rules: RuleSet, *activities: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    [rule] = rules.window_rules()
    return [
        (found.activity_key, found.why["window"]["distinct"])
        for found in rules.match_window(rule, list(activities))
    ]


def test_the_nth_distinct_within_the_days_completes_a_window(rules: RuleSet) -> None:
    found = matches(rules, request("ana", 0), request("bo", 30), request("cy", 60))
    assert found == [("review_request:60:cy", ["ana", "bo", "cy"])]


def test_the_window_includes_its_last_day_and_not_one_more(rules: RuleSet) -> None:
    assert matches(rules, request("ana", 0), request("bo", 45), request("cy", 90))
    assert not matches(rules, request("ana", 0), request("bo", 45), request("cy", 91))


def test_too_spread_out_gives_nothing_until_three_fall_within_days(rules: RuleSet) -> None:
    found = matches(
        rules, request("ana", 0), request("bo", 80), request("cy", 100), request("di", 120)
    )
    # ana is more than 90 days before cy; bo, cy and di are within 90 days of di.
    assert found == [("review_request:120:di", ["bo", "cy", "di"])]


def test_the_same_person_again_does_not_count(rules: RuleSet) -> None:
    assert not matches(rules, request("ana", 0), request("ana", 1), request("bo", 2))
    found = matches(rules, request("ana", 0), request("ana", 1), request("bo", 2), request("cy", 3))
    assert found == [("review_request:3:cy", ["ana", "bo", "cy"])]


def test_after_the_threshold_nothing_more_until_a_new_disjoint_window(rules: RuleSet) -> None:
    found = matches(
        rules,
        request("ana", 0),
        request("bo", 1),
        request("cy", 2),  # completes the first window
        request("di", 3),  # nothing per activity after the threshold...
        request("ed", 4),
        request("ana", 5),  # ...until three more after the first window: di, ed, ana
        request("bo", 6),
    )
    assert found == [
        ("review_request:2:cy", ["ana", "bo", "cy"]),
        ("review_request:5:ana", ["di", "ed", "ana"]),
    ]


def test_activities_the_conditions_reject_or_without_a_value_do_not_count(
    rules: RuleSet,
) -> None:
    assert not matches(
        rules,
        request("ana", 0),
        request("bo", 1, project="sandbox/play"),
        request(None, 2),
        request("", 2),
        request("cy", 3),
    )


def test_other_kinds_are_skipped(rules: RuleSet) -> None:
    approval = activity("approval_given", fields={"mr_author": "zed"})
    assert not matches(rules, request("ana", 0), approval, request("bo", 1))


def test_the_match_carries_earner_summary_and_why(rules: RuleSet) -> None:
    [rule] = rules.window_rules()
    [found] = rules.match_window(rule, [request("ana", 0), request("bo", 1), request("cy", 2)])
    assert found.rule == "sought-out-for-reviews"
    assert found.expectations == ("l4.leadership.sought-out-for-code-reviews",)
    assert found.earner == "dee"
    assert found.summary == "Asked to review by 3 different people within 90 days"
    assert found.why["window"] == {
        "days": 90,
        "distinct": ["ana", "bo", "cy"],
        "activities": ["review_request:0:ana", "review_request:1:bo", "review_request:2:cy"],
    }
    checks = rules.whole(found.why)["checks"]
    assert [check["condition"] for check in checks] == ["kind", "not", "window"]


def test_window_rules_are_not_matched_one_activity_at_a_time(rules: RuleSet) -> None:
    assert rules.match(request("ana", 0)) == []
    [verdict] = rules.explain(request("ana", 0))
    assert verdict.matched  # it counts towards a window
    assert verdict.why["checks"][-1] == {
        "condition": "window",
        "field": "requested_by",
        "text": "requested_by counts towards 3 distinct values within 90 days",
        "seen": "ana",
        "held": True,
    }
    [verdict] = rules.explain(request(None, 0))
    assert not verdict.matched


def test_match_window_refuses_a_rule_without_a_window(tmp_path: Path) -> None:
    plain = ruleset(
        tmp_path,
        RULES.replace("    window: {days: 90, distinct: requested_by, at_least: 3}\n", "").replace(
            "{window.distinct} different people within {window.days} days", "{requested_by}"
        ),
    )
    with pytest.raises(ValueError, match="has no window"):
        plain.match_window(plain.rules[0], [])
