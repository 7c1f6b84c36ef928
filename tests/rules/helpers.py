"""Helpers for rule tests: rule files in a temporary directory, activities, conditions."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.activities.kinds import KIND_NAMES
from bot.rules import RuleSet, check_rules, load_rules
from bot.rules.conditions import REGISTRY, Condition
from bot.rules.examples import sample_activity

# Our own expectation ids: the real ladder.yaml is not a dependency of these tests.
IDS = frozenset(
    {
        "l1.mastery.fixes-simple-bugs",
        "l2.communication.good-mr-descriptions",
        "l3.impact.writes-tests",
        "l4.leadership.sought-out-for-code-reviews",
    }
)


def write(directory: Path, files: Mapping[str, str]) -> list[Path]:
    paths = []
    for name, text in files.items():
        path = directory / name
        path.write_text(text)
        paths.append(path)
    return paths


def problems(directory: Path, text: str, name: str = "r.yaml") -> list[str]:
    """``rules check`` lines for one file, named relative to ``directory``."""
    paths = write(directory, {name: text})
    prefix = f"{directory}/"
    return [str(problem).removeprefix(prefix) for problem in check_rules(paths, IDS)]


def ruleset(directory: Path, text: str) -> RuleSet:
    return load_rules(write(directory, {"r.yaml": text}), IDS)


def activity(kind: str = "merge_request_merged", **given: Any) -> dict[str, Any]:
    """A complete stored activity of ``kind``: ``given`` keys as in a rule example."""
    found: list[str] = []
    built = sample_activity(
        given,
        kinds=sorted(KIND_NAMES),
        default_kind=kind,
        key=f"test:{kind}",
        path="",
        report=lambda where, message: found.append(f"{where}: {message}"),
    )
    assert built is not None, found
    return built


def condition(data: Any) -> Condition:
    """A condition built straight from the registry (unchecked: tests give good arguments)."""
    [(name, args)] = data.items()
    kind = REGISTRY[name]
    if kind.takes_conditions == "list":
        return kind(args, [condition(child) for child in args])
    if kind.takes_conditions == "one":
        return kind(args, [condition(args)])
    return kind(args)


def both(cond: Condition, subject: Mapping[str, Any]) -> bool:
    """The condition's verdict, after checking the fast path and explain mode agree."""
    fast = cond.compile()(subject)
    explained = cond.explain(subject)["held"]
    assert fast == explained, (fast, explained)
    return fast
