"""The published JSON Schema and docs are generated from the registry, and every condition is
complete: schema, example, description."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from bot.activities.kinds import KINDS
from bot.rules import check_rules
from bot.rules import docs as rules_docs
from bot.rules import schema as rules_schema
from bot.rules.conditions import REGISTRY
from bot.rules.source import parse_source
from tests.rules.helpers import IDS, condition

ROOT = Path(__file__).parents[2]
PUBLISHED = ROOT / "docs" / "rules.schema.json"
BROKEN = Path(__file__).parent / "broken"


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(PUBLISHED.read_text()))


def test_the_published_schema_is_the_generated_one() -> None:
    assert PUBLISHED.read_text() == rules_schema.render(), (
        "docs/rules.schema.json is stale: python -m bot.rules.schema > docs/rules.schema.json"
    )
    Draft202012Validator.check_schema(json.loads(PUBLISHED.read_text()))


def test_the_module_prints_the_schema() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.rules.schema"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert result.stdout == rules_schema.render() and result.stderr == ""


def test_the_docs_hold_the_generated_condition_reference() -> None:
    document = (ROOT / "docs" / "rules.md").read_text()
    assert rules_docs.current(document) == rules_docs.render(), (
        "docs/rules.md is stale: python -m bot.rules.docs --write"
    )
    for name in REGISTRY:
        assert f"### `{name}`" in document


def test_the_docs_end_with_the_rules_library_section() -> None:
    document = (ROOT / "docs" / "rules.md").read_text()
    headings = [line for line in document.splitlines() if line.startswith("## ")]
    assert headings[-1] == "## The rules library"


def rule_with(when: Any, kinds: list[str]) -> dict[str, Any]:
    return {
        "rules": [
            {
                "id": "example",
                "expectations": sorted(IDS)[:1],
                "kinds": kinds,
                "when": when,
                "summary": "An example",
            }
        ]
    }


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_condition_is_complete(name: str) -> None:
    kind = REGISTRY[name]
    assert kind.name == name
    assert kind.description() and kind.description()[0].isupper()
    assert kind.example(), f"{name} has no Example: in its docstring"
    fragment = kind.schema
    Draft202012Validator.check_schema(fragment)
    if kind.takes_conditions is None:
        assert fragment["type"] == "object"
        assert fragment["additionalProperties"] is False
        assert set(fragment.get("required", ())) <= set(fragment["properties"])
    else:  # a list of conditions, or one: the rule schema's condition definition
        inner = fragment["items"] if kind.takes_conditions == "list" else fragment
        assert inner["$ref"] == "#/$defs/condition"
    example = parse_source(kind.example(), "example")
    assert example.problems == [] and list(example.data) == [name]
    text = condition(example.data).describe()
    assert isinstance(text, str) and text


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_example_validates_against_the_schema_and_the_checker(
    name: str, validator: Draft202012Validator, tmp_path: Path
) -> None:
    when = parse_source(REGISTRY[name].example(), "example").data
    # The example validates for some kind: the one carrying the fields it names.
    clean = []
    for declared in KINDS:
        data = rule_with(when, [declared.name])
        assert list(validator.iter_errors(data)) == []
        path = tmp_path / f"{declared.name}.yaml"
        path.write_text(json.dumps(data))
        if not check_rules([path], IDS):
            clean.append(declared.name)
    assert clean, f"the example of {name} fits no kind"


def test_the_schema_refuses_what_the_checker_refuses_by_shape(
    validator: Draft202012Validator,
) -> None:
    bad = [
        rule_with({"matchs": {"field": "title", "pattern": "x"}}, ["merge_request_merged"]),
        rule_with({"at_least": {"field": "title", "value": "x"}}, ["merge_request_merged"]),
        rule_with({"all": []}, ["merge_request_merged"]),
        rule_with({"not": [{"present": {"field": "title"}}]}, ["merge_request_merged"]),
        rule_with({"present": {"field": "titel"}}, ["merge_request_merged"]),
        rule_with({"present": {"field": "title"}}, ["merge_request_merge"]),
        {"rule": []},
    ]
    for data in bad:
        assert list(validator.iter_errors(data)), data


def test_the_schema_accepts_the_shapes_of_good_examples(validator: Draft202012Validator) -> None:
    for path in [BROKEN / "unknown_condition.yaml"]:
        data = parse_source(path.read_text(), path.name).data
        data["rules"][0]["when"]["all"][1] = {"matches": {"field": "title", "pattern": "^fix"}}
        assert list(validator.iter_errors(data)) == []


def test_the_rules_in_the_docs_check_and_pass_their_examples(tmp_path: Path) -> None:
    from bot.rules import load_rules
    from bot.rules.testing import run_examples

    document = (ROOT / "docs" / "rules.md").read_text()
    blocks = [block.split("```", 1)[0] for block in document.split("```yaml\n")[1:]]
    rule_files = [b for b in blocks if "- id:" in b]
    assert len(rule_files) == 2
    paths = []
    for index, block in enumerate(rule_files):
        path = tmp_path / f"{index}.yaml"
        path.write_text(block if block.startswith("#") else "rules:\n" + block)
        paths.append(path)
    ids = IDS | {"l2.communication.good-mr-descriptions"}
    assert [str(p) for p in check_rules(paths, ids)] == []
    rules = load_rules(paths, ids)
    assert len(rules) == 2
    assert run_examples(rules) == []


def test_the_documented_explanation_is_what_the_documented_rule_gives(tmp_path: Path) -> None:
    from bot.rules import load_rules

    document = (ROOT / "docs" / "rules.md").read_text()
    rule_file = document.split("```yaml\n", 1)[1].split("```", 1)[0]
    shown = document.split("## Explanations", 1)[1].split("```json\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "rules.yaml"
    path.write_text(rule_file)
    rules = load_rules([path], IDS | {"l2.communication.good-mr-descriptions"})
    activity = {
        "kind": "merge_request_authored",
        "fields": {
            "description_words": 120,
            "description": "## Why\n...",
            "template_unfilled": False,
            "description_sections": [],
        },
        "context": {"iid": 7},
    }
    [verdict] = rules.explain(activity)
    assert verdict.matched
    assert json.loads(shown) == verdict.why
