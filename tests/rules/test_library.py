"""The shipped rules library (``rules/*.yaml``): it checks clean, its examples hold, and each
scored family reaches its precision and recall targets on the labelled set of real merge
requests and review comments (``tests/labelled/``), with the numbers docs/rules.md reports."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.ladder import load_ladder
from bot.rules import RuleSet, check_rules
from bot.rules.testing import run_examples
from tests.rules import labelled
from tests.rules.labelled import (
    COMMENT_FAMILIES,
    FAMILIES,
    LADDER,
    MR_FAMILIES,
    RULES,
    Item,
    Score,
)

MIN_PRECISION = 0.9
MIN_RECALL = 0.8
# The files this library's families live in; each must follow the conventions below.
FAMILY_FILES = ("descriptions.yaml", "reviews.yaml", "changes.yaml", "fixes.yaml")
SCHEMA_LINE = "# yaml-language-server: $schema=../docs/rules.schema.json"


@pytest.fixture(scope="module")
def ruleset() -> RuleSet:
    return labelled.shipped_rules()


@pytest.fixture(scope="module")
def items() -> tuple[Item, ...]:
    return labelled.load_items()


@pytest.fixture(scope="module")
def scores(ruleset: RuleSet, items: tuple[Item, ...]) -> dict[str, Score]:
    return labelled.score(ruleset, items)


def test_every_rule_file_checks_clean() -> None:
    ladder = load_ladder(LADDER)
    problems = check_rules(sorted(RULES.glob("*.yaml")), ladder.expectations)
    assert [str(problem) for problem in problems] == []


def test_every_rule_example_holds(ruleset: RuleSet) -> None:
    assert [str(failure) for failure in run_examples(ruleset)] == []


@pytest.mark.parametrize("name", FAMILY_FILES)
def test_family_rule_files_follow_the_conventions(name: str) -> None:
    path = RULES / name
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == SCHEMA_LINE
    for rule in yaml.safe_load(text)["rules"]:
        where = f"{name}: {rule['id']}"
        assert rule.get("description"), where
        assert rule.get("summary"), where
        examples: Mapping[str, Any] = rule.get("examples") or {}
        assert len(examples.get("match") or ()) >= 2, where
        assert len(examples.get("no_match") or ()) >= 2, where


def _patterns_without_means(node: Any, where: str) -> list[str]:
    """The `matches`, `paths` and counting `count` conditions under ``node`` that have no
    `means`."""
    found: list[str] = []
    if isinstance(node, Mapping):
        for key, value in node.items():
            counts = key == "count" and isinstance(value, Mapping) and "matching" in value
            named = key in ("matches", "paths") or counts
            if named and isinstance(value, Mapping) and "means" not in value:
                found.append(f"{where}.{key}")
            found += _patterns_without_means(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found += _patterns_without_means(item, f"{where}[{index}]")
    return found


@pytest.mark.parametrize("name", sorted(path.name for path in RULES.glob("*.yaml")))
def test_every_pattern_of_the_library_says_in_words_what_it_finds(name: str) -> None:
    # Digests and review packets show the engineer `means`, never a regular expression.
    rules = yaml.safe_load((RULES / name).read_text(encoding="utf-8"))["rules"]
    missing = [
        place
        for rule in rules
        for place in _patterns_without_means(rule.get("when"), f"{rule['id']}: when")
    ]
    assert missing == []


def test_no_shipped_explanation_shows_a_regular_expression(ruleset: RuleSet) -> None:
    texts = [fixed[2] for compactor in ruleset.texts.values() for fixed in compactor.texts.checks]
    assert len(texts) > 500
    assert [text for text in texts if " matches /" in text or "matching /" in text] == []
    assert [text for text in texts if "**" in text] == []  # nor a list of globs


def test_every_family_has_rules_in_the_family_files(ruleset: RuleSet) -> None:
    families = labelled.family_of_rule(ruleset)
    files = {rule.id: Path(rule.file).name for rule in ruleset.rules}
    for family, rule_ids in families.items():
        assert rule_ids, family
        assert {files[rule_id] for rule_id in rule_ids} <= set(FAMILY_FILES), family


def test_merge_requests_become_authored_and_merged_activities(items: tuple[Item, ...]) -> None:
    merge_requests = [item for item in items if item.families == MR_FAMILIES]
    assert merge_requests
    for item in merge_requests:
        kinds = [activity["kind"] for activity in item.activities]
        assert sorted(kinds) == ["merge_request_authored", "merge_request_merged"], item.source
        assert item.activities[0]["actor_username"] == labelled.AUTHOR["username"]


def test_a_labelled_merge_request_keeps_its_paths_labels_and_branch() -> None:
    item = labelled.merge_request_item(
        {
            "source": "https://github.com/astral-sh/uv/pull/1",
            "title": "Fix crash on empty input",
            "description": "Closes #12",
            "labels": ["bug"],
            "source_branch": "fix/empty-input",
            "paths": ["crates/uv/src/lib.rs", "crates/uv/tests/it/lock.rs"],
            "truth": dict.fromkeys(MR_FAMILIES, False),
        },
        iid=3,
    )
    fields = item.activities[0]["fields"]
    assert fields["changed_paths"] == ["crates/uv/src/lib.rs", "crates/uv/tests/it/lock.rs"]
    assert fields["labels"] == ["bug"]
    assert fields["source_branch"] == "fix/empty-input"
    assert fields["closes_issues"] == ["#12"]
    assert item.activities[0]["project_path"] == "astral-sh/uv"


def test_comments_become_review_comments_of_someone_else(items: tuple[Item, ...]) -> None:
    comments = [item for item in items if item.families == COMMENT_FAMILIES]
    assert comments
    for item in comments:
        kinds = {activity["kind"] for activity in item.activities}
        assert kinds <= {"review_comment"}, item.source
        for activity in item.activities:
            assert activity["fields"]["mr_author"] == labelled.AUTHOR["username"]
            assert activity["actor_username"] != labelled.AUTHOR["username"]


def test_an_inline_comment_carries_its_file_and_a_bot_comment_earns_nothing() -> None:
    truth = dict.fromkeys(COMMENT_FAMILIES, False)
    inline = labelled.comment_item(
        {
            "source": "https://github.com/a/b/pull/1#c",
            "body": "nit: trailing comma",
            "inline": True,
            "path": "docs/index.md",
            "truth": truth,
        },
        iid=1,
    )
    (activity,) = inline.activities
    assert activity["fields"]["inline"] is True
    assert activity["fields"]["path"] == "docs/index.md"
    bot = labelled.comment_item(
        {
            "source": "https://github.com/a/b/pull/1#d",
            "body": "## Coverage report",
            "inline": False,
            "bot": True,
            "truth": truth,
        },
        iid=2,
    )
    assert bot.activities == ()


def test_a_set_labelled_elsewhere_is_scored_on_the_families_it_labels(ruleset: RuleSet) -> None:
    # Another team's set may label a few families only, and leave descriptions out (GitLab
    # sends null for a merge request that never had one).
    linked = labelled.merge_request_item(
        {"source": "https://example.com/mr/1", "title": "Fix #12", "truth": {"issue_link": True}},
        iid=1,
    )
    bare = labelled.merge_request_item(
        {
            "source": "https://example.com/mr/2",
            "title": "Tidy up",
            "description": None,
            "truth": {"issue_link": False, "bug_fix": False},
        },
        iid=2,
    )
    comment = labelled.comment_item(
        {
            "source": "https://example.com/c/1",
            "body": "nit: typo",
            "truth": {"syntax_remark": True},
        },
        iid=3,
    )
    assert (linked.families, bare.families) == (("issue_link",), ("issue_link", "bug_fix"))
    assert linked.activities[0]["fields"]["description_words"] == 0
    scores = labelled.score(ruleset, [linked, bare, comment])
    counted = {family: entry.items for family, entry in scores.items()}
    assert counted == {
        **dict.fromkeys(FAMILIES, 0),
        "issue_link": 2,
        "bug_fix": 1,
        "syntax_remark": 1,
    }
    assert (scores["issue_link"].tp, scores["issue_link"].tn) == (1, 1)
    assert scores["syntax_remark"].tp == 1


def _report(scores: Mapping[str, Score]) -> str:
    lines = [labelled.table(scores), ""]
    for entry in scores.values():
        for label, found in (("FP", entry.false_positives), ("FN", entry.false_negatives)):
            lines += [
                f"{entry.family} {label}: {item.text[:100]!r} <{item.source}>" for item in found
            ]
    return "\n".join(lines)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_each_family_meets_its_targets_on_the_labelled_set(
    family: str, scores: dict[str, Score]
) -> None:
    entry = scores[family]
    assert entry.positives > 0 and entry.items > entry.positives
    assert entry.precision >= MIN_PRECISION and entry.recall >= MIN_RECALL, (
        f"{family}: precision {entry.precision:.2f} (target {MIN_PRECISION}), "
        f"recall {entry.recall:.2f} (target {MIN_RECALL})\n{_report(scores)}"
    )


def test_the_documented_scores_are_the_computed_ones(scores: dict[str, Score]) -> None:
    documented = labelled.documented_table()
    assert documented is not None, f"docs/rules.md lacks {labelled.BEGIN!r} ... {labelled.END!r}"
    assert documented == labelled.table(scores), (
        "docs/rules.md is stale: run `python -m tests.rules.labelled --write`"
    )


@pytest.mark.parametrize("which", [name for name in labelled.SETS if name != "labelled"])
def test_the_documented_scores_of_the_other_sets_are_the_computed_ones(
    which: str, ruleset: RuleSet
) -> None:
    # No targets here on purpose: the held-out set measures how the rules do on text they were
    # not written against, and a threshold would invite writing them against it.
    computed = labelled.table(labelled.score(ruleset, labelled.load_items(labelled.SETS[which])))
    begin, end = labelled.markers(which)
    documented = labelled.documented_table(begin=begin, end=end)
    assert documented is not None, f"docs/rules.md lacks {begin!r} ... {end!r}"
    assert documented == computed, (
        "docs/rules.md is stale: run `python -m tests.rules.labelled --write`"
    )


def test_older_rule_files_are_scored_from_their_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # How docs/rules.md's side-by-side columns are reproduced: the rule files of a commit, in a
    # directory of their own. Without fixes.yaml no bug fix is found at all.
    older = tmp_path / "rules"
    older.mkdir()
    for path in labelled.RULES.glob("*.yaml"):
        if path.name != "fixes.yaml":
            (older / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert labelled.main(["--set", "dev", "--rules", str(older)]) == 0
    rows = {line.split("|")[1].strip(): line for line in capsys.readouterr().out.splitlines()[2:]}
    assert "| 0.00 | 0.00 |" in rows["`bug_fix`"]
    assert "| 0.00 | 0.00 |" not in rows["`tests`"]
    with pytest.raises(SystemExit):
        labelled.main(["--write", "--rules", str(older)])


# -- the first-letter convention of long keyword patterns ---------------------------------------
# Long alternations are written `\b(?=[abc])(?:(?=a)(?:...)|(?=b)(?:...)|...)` for speed (see the
# rule files' headers). A word filed under the wrong letter, or whose letter is missing from the
# leading set, silently never matches; these tests read the patterns and say which word.

_PREFILTER = re.compile(r"\\b\(\?=\[([^\]]*)\]\)\(\?:")
_DISPATCH = re.compile(r"\(\?=(\\?.)\)\(\?:")


def _group_end(text: str, start: int) -> int:
    """Index of the parenthesis closing the group that opens at ``start``."""
    depth, index, in_class = 0, start, False
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    raise ValueError(f"unbalanced group in {text!r}")


def _alternatives(text: str) -> list[str]:
    """The top-level alternatives of ``text``."""
    found, depth, start, index, in_class = [], 0, 0, 0, False
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            found.append(text[start:index])
            start = index + 1
        index += 1
    found.append(text[start:])
    return found


def _first_chars(alternative: str) -> set[str] | None:
    """The characters (lower case) ``alternative`` can start with; None when not plain."""
    if alternative.startswith("(?:"):
        end = _group_end(alternative, 0)
        found: set[str] = set()
        for inner in _alternatives(alternative[3:end]):
            chars = _first_chars(inner)
            if chars is None:
                return None
            found |= chars
        if alternative[end + 1 : end + 2] in ("?", "*"):
            rest = _first_chars(alternative[end + 2 :])
            return None if rest is None else found | rest
        return found
    if alternative[:2] == "\\d":
        return set("0123456789")
    if alternative[:1] == "\\" and alternative[1:2] in ("+", ".", "#", "-", "/"):
        return {alternative[1]}
    if not alternative or alternative[0] in "\\()[.^$*+?{|":
        return None
    if alternative[1:2] in ("?", "*"):
        rest = _first_chars(alternative[2:])
        return None if rest is None else {alternative[0].lower()} | rest
    return {alternative[0].lower()}


def _leading_set(text: str) -> set[str]:
    chars = set(text.lower())
    if "0-9" in text:
        chars |= set("0123456789")
    return chars


def _patterns(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [str(node[key]) for key in ("pattern", "matching") if key in node]
        return found + [text for value in node.values() for text in _patterns(value)]
    if isinstance(node, list):
        return [text for value in node for text in _patterns(value)]
    return []


def _misfiled(pattern: str) -> list[str]:
    problems = []
    for match in _PREFILTER.finditer(pattern):
        allowed = _leading_set(match.group(1))
        start = match.end() - 3
        body = pattern[start + 3 : _group_end(pattern, start)]
        for alternative in _alternatives(body):
            dispatch = _DISPATCH.match(alternative)
            if dispatch:
                letter = dispatch.group(1)[-1].lower()
                if letter not in allowed:
                    problems.append(
                        f"group (?={letter}) but {letter!r} is not in [{match.group(1)}]"
                    )
                inner_start = dispatch.end() - 3
                inner = alternative[inner_start + 3 : _group_end(alternative, inner_start)]
                for word in _alternatives(inner):
                    chars = _first_chars(word)
                    if chars is not None and chars != {letter}:
                        problems.append(f"{word!r} is filed under (?={letter})")
            else:
                chars = _first_chars(alternative)
                if chars is not None and not chars <= allowed:
                    problems.append(f"{alternative!r} starts outside [{match.group(1)}]")
    return problems


@pytest.mark.parametrize("name", FAMILY_FILES)
def test_keyword_patterns_file_every_word_under_its_first_letter(name: str) -> None:
    data = yaml.safe_load((RULES / name).read_text(encoding="utf-8"))
    patterns = [text for rule in data["rules"] for text in _patterns(rule.get("when"))]
    assert any(_PREFILTER.search(text) for text in patterns)
    assert [problem for text in patterns for problem in _misfiled(text)] == []


def test_a_misfiled_keyword_is_reported() -> None:
    assert _misfiled(r"(?ai)\b(?=[ab])(?:(?=a)(?:apple|banana)|(?=b)(?:berry))\b") == [
        "'banana' is filed under (?=a)"
    ]
    assert _misfiled(r"(?ai)\b(?=[a])(?:apple|cherry)\b") == ["'cherry' starts outside [a]"]


GITLAB_TEMPLATE = labelled.ROOT / "tests" / "activities" / "data" / "gitlab_default_mr_template.md"


def _description_rules(ruleset: RuleSet, description: str) -> set[str]:
    mr = {
        "source": "https://gitlab.example.com/acme/shop/-/merge_requests/1",
        "title": "Retry webhook deliveries",
        "description": description,
        "paths": ["app/services/webhook_sender.rb"],
        "truth": dict.fromkeys(labelled.MR_FAMILIES, False),
    }
    found = labelled.matched_rules(ruleset, labelled.merge_request_item(mr, 1))
    return found & labelled.family_of_rule(ruleset)["mr_description"]


def test_gitlabs_own_template_left_unfilled_is_no_description(ruleset: RuleSet) -> None:
    assert _description_rules(ruleset, GITLAB_TEMPLATE.read_text()) == set()


def test_gitlabs_own_template_answered_is_one_even_without_screenshots(ruleset: RuleSet) -> None:
    """The screenshots and set-up sections are often rightly left empty on a backend change."""
    answer = (
        "Retries webhook deliveries three times with exponential backoff. A single timeout "
        "used to drop the delivery for good, and customers missed order updates."
    )
    body = GITLAB_TEMPLATE.read_text().replace(
        "_Describe in detail what your merge request does and why._", answer
    )
    assert _description_rules(ruleset, body) == {"mr-description-detailed"}
