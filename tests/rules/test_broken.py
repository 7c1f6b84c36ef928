"""Broken rule files and the exact lines ``rules check`` prints for each.

A case is ``broken/NAME.expected`` with its rule files ``NAME.yaml`` and ``NAME.*.yaml``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.rules import RulesInvalid, check_rules, load_rules
from tests.rules.helpers import IDS

BROKEN = Path(__file__).parent / "broken"
CASES = sorted(path.stem for path in BROKEN.glob("*.expected"))


def files(name: str) -> list[Path]:
    return [Path(f"{name}.yaml"), *sorted(Path(".").glob(f"{name}.*.yaml"))]


def test_there_is_a_case_for_every_kind_of_mistake() -> None:
    assert len(CASES) >= 15
    for path in BROKEN.glob("*.yaml"):
        assert path.name.split(".")[0] in CASES, f"{path.name} has no .expected file"


@pytest.mark.parametrize("name", CASES)
def test_each_broken_file_gives_exactly_its_expected_lines(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(BROKEN)
    expected = (BROKEN / f"{name}.expected").read_text().splitlines()
    assert expected, "a broken case must expect at least one problem"
    assert [str(problem) for problem in check_rules(files(name), IDS)] == expected


@pytest.mark.parametrize("name", CASES)
def test_load_rules_refuses_each_with_all_its_problems(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(BROKEN)
    with pytest.raises(RulesInvalid) as raised:
        load_rules(files(name), IDS)
    expected = (BROKEN / f"{name}.expected").read_text().splitlines()
    assert [str(problem) for problem in raised.value.problems] == expected
    assert str(raised.value).startswith(expected[0].split(": ", 1)[0])
