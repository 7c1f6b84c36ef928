"""The registry: its generated reference stays committed, and its checks catch what they claim."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from bot.activities import kinds
from bot.activities.kinds import FIELDS, KINDS, Field, Kind, field_names, problems
from tests.activities.factories import only
from tests.activities.test_merge_requests import build

ROOT = Path(__file__).parents[2]
DOCS = ROOT / "docs" / "activities.md"


def test_the_committed_reference_is_the_generated_one() -> None:
    assert DOCS.read_text() == kinds.render_markdown(), (
        "docs/activities.md is stale: python -m bot.activities.kinds > docs/activities.md"
    )


def test_the_module_prints_the_reference() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.activities.kinds"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert result.stdout == kinds.render_markdown()
    assert result.stderr == ""


def test_the_reference_documents_each_kind_and_field_one_by_one() -> None:
    reference = kinds.render_markdown()
    for declared in KINDS:
        assert f"### `{declared.name}`\n\n{declared.description}\n" in reference
        assert f"- key: `{declared.key}`" in reference
    for field in FIELDS:
        assert f"### `{field.name}`\n\n{field.description}\n\n- type: `{field.type}`" in reference


def test_every_kind_carries_fields_and_has_a_context() -> None:
    for declared in KINDS:
        assert field_names(declared.name), declared.name
        assert declared.subject_type in kinds.CONTEXT


def test_field_descriptions_are_one_line() -> None:
    for field in FIELDS:
        assert "\n" not in field.description and field.description.endswith(".")


def test_the_registry_refuses_its_own_mistakes() -> None:
    ok = (Kind("a", "issue", "A.", "x", "y", "z"),)
    kinds._check_registry(ok, (Field("f", "int", "F.", ("a",)),))
    for fields in [
        (Field("f", "int", "F.", ("a",)), Field("f", "str", "F.", ("a",))),
        (Field("f", "integer", "F.", ("a",)),),
        (Field("f", "int", "F.", ("b",)),),
        (Field("f", "int", "F.", ()),),
    ]:
        with pytest.raises(ValueError):
            kinds._check_registry(ok, fields)


def test_problems_catch_every_departure_from_the_registry() -> None:
    authored = only(build(), "merge_request_authored")
    assert problems(authored) == []
    cases = {
        "undeclared field 'extra'": {**authored.fields, "extra": 1},
        "missing field 'title'": {k: v for k, v in authored.fields.items() if k != "title"},
        "field 'lines_added' is not int": {**authored.fields, "lines_added": "2"},
        "field 'draft' is not bool": {**authored.fields, "draft": None},
        "field 'labels' is not list[str]": {**authored.fields, "labels": [1]},
    }
    for message, fields in cases.items():
        broken = dataclasses.replace(authored, fields=fields)
        assert any(message in problem for problem in problems(broken)), message
    assert "unknown kind" in problems(dataclasses.replace(authored, kind="nope"))[0]
    assert problems(dataclasses.replace(authored, subject_type="issue"))
    assert problems(dataclasses.replace(authored, context={**authored.context, "x": 1}))


def test_activities_do_not_depend_on_the_offline_gitlab() -> None:
    code = (
        "import sys, bot.activities, bot.activities.kinds, bot.activities.text;"
        "print(sorted(m for m in sys.modules if m.startswith('bot.fakelab')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"
