"""Sanity checks for the labelled set of real merge requests and review comments.

The set measures each rule family's precision and recall, so it must stay well-formed: every item
has a provenance and a human label for every family, no item is counted twice, and each family has
enough positives and negatives to measure anything. README.md documents the guidelines and the
counts; the last tests keep its counts table in step with the data.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.labelled import read
from tests.rules.labelled import SETS

HERE = Path(__file__).parent

MR_FAMILIES = (
    "mr_description",
    "issue_link",
    "tests",
    "migrations",
    "docs",
    "bug_fix",
    "security_fix",
    "performance_fix",
)
COMMENT_FAMILIES = ("actionable_feedback", "syntax_remark")

MIN_MERGE_REQUESTS = 120
MIN_COMMENTS = 200

# family -> (minimum positives, minimum negatives)
MR_MINIMUMS = {
    "mr_description": (40, 30),  # >= 40 good descriptions, >= 30 poor or one-line ones
    "issue_link": (30, 30),
    "tests": (20, 0),
    "migrations": (15, 0),
    "docs": (15, 0),
    "bug_fix": (25, 0),
    "security_fix": (15, 0),
    "performance_fix": (15, 0),
}
COMMENT_MINIMUMS = {
    "actionable_feedback": (70, 60),  # >= 60 non-actionable: LGTM, thanks, CI status, jokes...
    "syntax_remark": (50, 0),
}

MR_KEYS = {"source", "via", "title", "description", "labels", "source_branch", "paths", "truth"}
COMMENT_KEYS = {"source", "via", "kind", "body", "inline", "path", "bot", "truth"}


def _load(name: str, directory: Path = HERE) -> list[dict[str, Any]]:
    return read(directory / name)


@pytest.fixture(scope="module")
def merge_requests() -> list[dict[str, Any]]:
    return _load("merge_requests.yaml")


@pytest.fixture(scope="module")
def comments() -> list[dict[str, Any]]:
    return _load("review_comments.yaml")


def _check_source(item: dict[str, Any]) -> None:
    source = item.get("source")
    assert isinstance(source, str) and source.startswith("https://"), item
    via = item.get("via")
    assert via is None or (isinstance(via, str) and via), item


def _check_truth(item: dict[str, Any], families: tuple[str, ...]) -> None:
    truth = item.get("truth")
    assert isinstance(truth, dict), item["source"]
    assert set(truth) == set(families), (item["source"], sorted(truth))
    for family, value in truth.items():
        assert isinstance(value, bool), (item["source"], family, value)


def _positives(items: list[dict[str, Any]], family: str) -> int:
    return sum(item["truth"][family] for item in items)


@pytest.mark.parametrize("which", sorted(SETS))
def test_merge_requests_are_well_formed(which: str) -> None:
    for item in _load("merge_requests.yaml", SETS[which]):
        assert set(item) <= MR_KEYS, (item.get("source"), sorted(set(item) - MR_KEYS))
        _check_source(item)
        assert isinstance(item.get("title"), str) and item["title"].strip(), item["source"]
        assert isinstance(item.get("description"), str), item["source"]
        labels = item.get("labels")
        assert isinstance(labels, list), item["source"]
        assert all(isinstance(label, str) and label for label in labels), item["source"]
        if "source_branch" in item:
            assert isinstance(item["source_branch"], str) and item["source_branch"], item["source"]
        if "paths" in item:
            paths = item["paths"]
            assert isinstance(paths, list) and paths, item["source"]
            assert all(isinstance(path, str) and path for path in paths), item["source"]
        _check_truth(item, MR_FAMILIES)


@pytest.mark.parametrize("which", sorted(SETS))
def test_comments_are_well_formed(which: str) -> None:
    for item in _load("review_comments.yaml", SETS[which]):
        assert set(item) <= COMMENT_KEYS, (item.get("source"), sorted(set(item) - COMMENT_KEYS))
        _check_source(item)
        assert isinstance(item.get("body"), str) and item["body"].strip(), item["source"]
        assert isinstance(item.get("inline"), bool), item["source"]
        assert item.get("kind", "example") == "example", item["source"]
        assert item.get("bot", True) is True, item["source"]
        if "path" in item:
            assert isinstance(item["path"], str) and item["path"], item["source"]
        _check_truth(item, COMMENT_FAMILIES)


def test_merge_request_counts_meet_minimums(merge_requests: list[dict[str, Any]]) -> None:
    assert len(merge_requests) >= MIN_MERGE_REQUESTS
    for family, (min_pos, min_neg) in MR_MINIMUMS.items():
        pos = _positives(merge_requests, family)
        assert pos >= min_pos, (family, pos)
        assert len(merge_requests) - pos >= min_neg, (family, len(merge_requests) - pos)


def test_comment_counts_meet_minimums(comments: list[dict[str, Any]]) -> None:
    assert len(comments) >= MIN_COMMENTS
    for family, (min_pos, min_neg) in COMMENT_MINIMUMS.items():
        pos = _positives(comments, family)
        assert pos >= min_pos, (family, pos)
        assert len(comments) - pos >= min_neg, (family, len(comments) - pos)


def _duplicates(values: list[str]) -> list[str]:
    return [value for value, count in Counter(values).items() if count > 1]


def test_no_duplicate_sources() -> None:
    # Across the sets too: an item held out must not also be one the rules were tuned on.
    for name in ("merge_requests.yaml", "review_comments.yaml"):
        sources = [item["source"] for path in SETS.values() for item in _load(name, path)]
        assert _duplicates(sources) == [], name


def test_no_duplicate_bodies(
    merge_requests: list[dict[str, Any]], comments: list[dict[str, Any]]
) -> None:
    assert _duplicates([item["body"].strip() for item in comments]) == []
    # Empty descriptions are common and legitimate; any other text must appear once.
    descriptions = [item["description"].strip() for item in merge_requests]
    assert _duplicates([text for text in descriptions if text]) == []


@pytest.mark.parametrize("which", sorted(SETS))
def test_readme_counts_are_current(which: str) -> None:
    merge_requests = _load("merge_requests.yaml", SETS[which])
    comments = _load("review_comments.yaml", SETS[which])
    readme = (SETS[which] / "README.md").read_text(encoding="utf-8")
    assert f"**{len(merge_requests)} merge requests**" in readme
    assert f"**{len(comments)} review comments**" in readme
    for items, families in ((merge_requests, MR_FAMILIES), (comments, COMMENT_FAMILIES)):
        for family in families:
            pos = _positives(items, family)
            row = f"| `{family}` | {pos} | {len(items) - pos} |"
            assert row in readme, f"README.md lacks the row {row!r}"


def _repository(source: str) -> str:
    return "/".join(source.split("#")[0].split("/")[3:5]).lower()


def test_the_held_out_set_shares_no_repository_with_the_others() -> None:
    # A repository's house style and templates would carry over from a set tuned against.
    held_out = {
        _repository(item["source"])
        for name in ("merge_requests.yaml", "review_comments.yaml")
        for item in _load(name, SETS["holdout"])
    }
    others = {
        _repository(item["source"])
        for which, path in SETS.items()
        if which != "holdout"
        for name in ("merge_requests.yaml", "review_comments.yaml")
        for item in _load(name, path)
    }
    assert sorted(held_out & others) == []
