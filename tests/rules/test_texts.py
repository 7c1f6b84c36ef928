"""Explanations without their fixed texts (``bot.rules.texts``): what ``RuleSet.match``
gives, and ``expand`` makes whole again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ladder import load_ladder
from bot.rules import RuleSet, load_rules, texts
from bot.rules.explain import held
from bot.rules.rule import Rule

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def library() -> RuleSet:
    ladder = load_ladder(ROOT / "ladder.yaml")
    return load_rules(sorted((ROOT / "rules").glob("*.yaml")), list(ladder.expectations))


def _through_json(value: Any) -> Any:
    return json.loads(json.dumps(value))


def test_every_library_explanation_is_short_and_comes_back_whole(library: RuleSet) -> None:
    compactors = library.texts
    stored = {c.texts.key: c.texts for c in compactors.values()}
    whole = short = 0
    for rule in library.rules:
        for example in rule.examples:
            for activity in example.activities:
                for brief in (True, False):
                    why = {
                        "rule": rule.id,
                        "description": rule.description,
                        "checks": rule.checks(activity, brief=brief),
                    }
                    kept = _through_json(compactors[rule.id].compact(why))
                    assert "description" not in kept and kept["texts"] in stored
                    assert '"text"' not in json.dumps(kept)  # every check found its texts
                    assert texts.expand(kept, stored) == _through_json(why)
                    whole, short = whole + len(json.dumps(why)), short + len(json.dumps(kept))
    assert short < whole / 2  # what the table is for


def _rule(library: RuleSet, rule_id: str) -> Rule:
    rule = library.get(rule_id)
    assert rule is not None
    return rule


_VALUES = st.none() | st.booleans() | st.integers() | st.text(max_size=8)


@st.composite
def _explanations(draw: st.DrawFn, fixed: tuple[texts.Fixed, ...]) -> dict[str, Any]:
    """Explanations of the rule's checks, and of checks it does not have (a later release's,
    one with an explicit null field), nested, with any values seen."""

    def entry(depth: int) -> dict[str, Any]:
        if draw(st.booleans()):
            condition, field, text = draw(st.sampled_from(fixed))
        else:
            condition, field, text = draw(st.text(max_size=5)), draw(_VALUES), draw(st.text())
        made: dict[str, Any] = {"condition": condition}
        if field is not None or draw(st.booleans()):
            made["field"] = field
        made["text"] = text
        made.update(draw(st.dictionaries(st.sampled_from(["seen", "held", "found"]), _VALUES)))
        if depth and draw(st.booleans()):
            made["checks"] = [entry(depth - 1) for _ in range(draw(st.integers(0, 3)))]
        return made

    return {"checks": [entry(2) for _ in range(draw(st.integers(0, 4)))]}


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_explanation_comes_back_as_it_was(library: RuleSet, data: st.DataObject) -> None:
    rule = _rule(library, "review-actionable-feedback")
    compactor = texts.Compactor(texts.texts_of(rule))
    why = {"rule": rule.id, "description": rule.description}
    why |= data.draw(_explanations(compactor.texts.checks))
    kept = _through_json(compactor.compact(why))
    assert texts.expand(kept, {compactor.texts.key: compactor.texts}) == _through_json(why)


def test_another_rules_explanation_is_kept_whole(library: RuleSet) -> None:
    compactor = texts.Compactor(texts.texts_of(_rule(library, "mr-adds-tests")))
    other = {"rule": "mr-updates-docs", "description": "Docs.", "checks": []}
    assert compactor.compact(other) == other
    assert texts.expand(other, {}) == other


def test_a_rule_worded_differently_gets_texts_of_its_own(library: RuleSet) -> None:
    rule = _rule(library, "mr-adds-tests")
    reworded = Rule.build(
        id=rule.id,
        description=rule.description + " Reworded.",
        expectations=rule.expectations,
        kinds=rule.kinds,
        earner=rule.earner,
        template=rule.template,
        window=rule.window,
        when=rule.when,
        file=rule.file,
        line=rule.line,
        digest=rule.digest,
    )
    assert texts.texts_of(reworded).key != texts.texts_of(rule).key
    assert texts.texts_of(rule) == texts.texts_of(rule)  # and the same words, the same key


def _as_objects(entries: list[Any]) -> list[Any]:
    """Short entries as the release before stored them: ``{"n": 0, "seen": …, "held": …}``."""
    out = []
    for entry in entries:
        if isinstance(entry, list):
            made: dict[str, Any] = {"n": entry[0]}
            for name, value in zip(entry[1::2], entry[2::2], strict=True):
                made[name] = _as_objects(value) if name == "checks" else value
            entry = made
        out.append(entry)
    return out


def test_a_check_is_a_short_list_and_rows_stored_with_objects_still_read(
    library: RuleSet,
) -> None:
    rule = _rule(library, "mr-adds-tests")
    activity = rule.examples[0].activities[0]
    compactor = library.texts[rule.id]
    why = {"rule": rule.id, "description": rule.description, "checks": rule.checks(activity)}
    kept = _through_json(compactor.compact(why))
    # [n, name, value, …] in the whole entry's order: the kind check is the texts' first
    assert kept["checks"][0] == [0, "seen", activity["kind"], "held", True]
    stored = {compactor.texts.key: compactor.texts}
    earlier = {**kept, "checks": _as_objects(kept["checks"])}
    assert earlier["checks"][0] == {"n": 0, "seen": activity["kind"], "held": True}
    assert texts.expand(earlier, stored) == texts.expand(kept, stored) == _through_json(why)


@pytest.mark.parametrize(
    "entry",
    [
        [3, "seen", "x", "held", "yes", "found"],  # a name without its value
        [3, 7, "x"],  # a name that is not a string
        ["3", "held", True],  # a number that is not an int
        [99, "held", True],  # a check the texts do not have
        [],
    ],
)
def test_a_list_that_is_not_a_short_entry_is_kept_as_it_is(
    library: RuleSet, entry: list[Any]
) -> None:
    compactor = library.texts["mr-adds-tests"]
    why = {"rule": "mr-adds-tests", "texts": compactor.texts.key, "checks": [entry]}
    whole = texts.expand(why, {compactor.texts.key: compactor.texts})
    assert whole["checks"] == [entry]
    # while a short entry with the same number comes back whole
    why["checks"] = [[3, "held", True]]
    back = texts.expand(why, {compactor.texts.key: compactor.texts})["checks"][0]
    assert back["held"] is True and back["condition"] == compactor.texts.checks[3][0]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"condition": "x", "held": True}, True),
        ({"n": 1, "held": False}, False),
        ((1, "seen", "held", "held", True), True),  # a seen value "held" is not the name
        ([1, "seen", True, "held", False], False),
        ((1, "seen", 2), False),
    ],
)
def test_held_reads_whole_and_short_entries(entry: Any, expected: bool) -> None:
    assert held(entry) is expected
