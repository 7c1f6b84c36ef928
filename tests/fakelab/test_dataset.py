"""Loading datasets: every broken file gives exactly one line naming the file and the JSON path.

``tests/fakelab/broken/NAME.json`` sits next to ``NAME.expected``, the one line it must produce.
Both the library (``load_dataset`` raising ``DatasetError``) and the command line
(``ladder-bot fake-gitlab check``: exit 2, that line on stderr, no traceback) are held to it.
A Hypothesis test feeds the loader random and randomly damaged datasets: ``DatasetError`` is the
only exception it may raise.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli import main
from bot.errors import DatasetError
from bot.fakelab.dataset import load_dataset
from bot.fakelab.dataset_schema import SCHEMA
from bot.fakelab.state import GitLabState
from tests.conftest import SMALL

BROKEN = Path(__file__).parent / "broken"
CASES = sorted(p.stem for p in BROKEN.glob("*.json"))
ROOT = Path(__file__).resolve().parents[2]


def expected(name: str) -> str:
    return (BROKEN / f"{name}.expected").read_text(encoding="utf-8").rstrip("\n")


def test_every_broken_file_has_exactly_one_expected_line() -> None:
    assert len(CASES) >= 12
    assert sorted(p.stem for p in BROKEN.glob("*.expected")) == CASES
    for name in CASES:
        text = (BROKEN / f"{name}.expected").read_text(encoding="utf-8")
        assert text.endswith("\n") and text.count("\n") == 1, name
        assert text.startswith(f"{name}.json"), name


@pytest.mark.parametrize("name", CASES)
def test_load_dataset_raises_the_expected_line(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BROKEN)
    with pytest.raises(DatasetError) as caught:
        load_dataset(f"{name}.json")
    assert str(caught.value) == expected(name)
    assert caught.value.file == f"{name}.json"


@pytest.mark.parametrize("name", CASES)
def test_cli_check_prints_the_expected_line(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BROKEN)
    result = CliRunner().invoke(main, ["fake-gitlab", "check", f"{name}.json"])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"ladder-bot: {expected(name)}\n"
    assert result.stdout == ""
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("name", ["not-utf8", "award-for-missing-note", "bad-event-time"])
def test_cli_check_in_a_real_process_has_no_traceback(name: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "fake-gitlab", "check", f"{name}.json"],
        cwd=BROKEN,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr == f"ladder-bot: {expected(name)}\n"
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_cli_check_of_a_good_dataset_prints_what_it_holds() -> None:
    result = CliRunner().invoke(main, ["fake-gitlab", "check", str(SMALL)])
    assert result.exit_code == 0, result.output
    assert "3 merge requests" in result.stdout and "4 issues" in result.stdout


def test_missing_file_is_one_line() -> None:
    result = CliRunner().invoke(main, ["fake-gitlab", "check", "no/such/file.json"])
    assert result.exit_code == 2
    assert (
        result.stderr == "ladder-bot: no/such/file.json: cannot read: No such file or directory\n"
    )


def test_a_dict_is_named_in_errors() -> None:
    with pytest.raises(DatasetError) as caught:
        load_dataset({"format": "ladder-bot-dataset/1", "users": []}, name="inline")
    assert str(caught.value) == "inline: (top level): missing required key 'projects'"


def test_loading_a_dict_does_not_change_it(small_data: dict[str, Any]) -> None:
    before = copy.deepcopy(small_data)
    load_dataset(small_data)
    assert small_data == before


# -- the published schema -------------------------------------------------------------------------------


def test_published_schema_equals_the_code() -> None:
    published = ROOT / "docs" / "dataset.schema.json"
    assert json.loads(published.read_text(encoding="utf-8")) == SCHEMA, (
        "regenerate: python -m bot.fakelab.dataset_schema > docs/dataset.schema.json"
    )
    assert (
        published.read_text(encoding="utf-8") == json.dumps(SCHEMA, indent=2, sort_keys=True) + "\n"
    )


def test_every_broken_file_that_is_json_is_also_judged_by_the_schema_or_the_loader() -> None:
    # The sidecars must not drift from the loader: a fixed bug shows up as a changed line.
    for name in CASES:
        try:
            load_dataset(BROKEN / f"{name}.json", name=f"{name}.json")
        except DatasetError as exc:
            assert str(exc) == expected(name)
        else:  # pragma: no cover - a broken file that loads is a failed test
            pytest.fail(f"{name}.json loaded")


# -- Hypothesis: DatasetError and nothing else -----------------------------------------------------------

_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.integers(min_value=0, max_value=12)
    | st.floats()
    | st.text(max_size=12)
    | st.from_regex(
        r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}:?\d{2})?",
        fullmatch=True,
    )
    | st.sampled_from(["opened", "closed", "merged", "DiffNote", "Note", "acme", "alice", "ghost"])
)
JSON = st.recursive(
    _LEAVES,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out.extend(_paths(child, (*prefix, index)))
    return out


_SMALL = json.loads(SMALL.read_text(encoding="utf-8"))
_SMALL_PATHS = [p for p in _paths(_SMALL) if p]


def _damaged(draw: st.DrawFn) -> Any:
    data = copy.deepcopy(_SMALL)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(_SMALL_PATHS))
        parent: Any = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            key = path[-1]
            action = draw(st.sampled_from(["replace", "delete", "duplicate", "add-key"]))
            if action == "replace":
                parent[key] = draw(JSON)
            elif action == "delete":
                del parent[key]
            elif action == "duplicate" and isinstance(parent, list):
                parent.append(copy.deepcopy(parent[key]))
            elif action == "add-key" and isinstance(parent[key], dict):
                parent[key][draw(st.text(max_size=10))] = draw(JSON)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this path
    return data


def _check(data: Any) -> None:
    try:
        state = load_dataset(data, name="fuzz.json")
    except DatasetError as exc:
        message = str(exc)
        assert message.startswith("fuzz.json")
        assert "\n" not in message and "\r" not in message
    else:
        assert isinstance(state, GitLabState)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_random_values_raise_only_dataset_error(data: Any) -> None:
    _check(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_random_values_inside_a_valid_frame_raise_only_dataset_error(value: Any) -> None:
    _check({"format": "ladder-bot-dataset/1", "users": value, "projects": value})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.composite(lambda draw: _damaged(draw))())
def test_randomly_damaged_datasets_raise_only_dataset_error(data: Any) -> None:
    _check(data)


def test_a_derived_updated_at_is_never_older_than_closing_or_merging() -> None:
    from bot.fakelab.dataset import load_dataset

    state = load_dataset(
        {
            "format": "ladder-bot-dataset/1",
            "users": [{"id": 1, "username": "ann"}],
            "projects": [
                {
                    "project": {"id": 5, "path_with_namespace": "ann/tool"},
                    "merge_requests": [
                        {
                            "merge_request": {
                                "iid": 1,
                                "title": "x",
                                "author": {"id": 1},
                                "state": "merged",
                                "created_at": "2026-01-01T00:00:00Z",
                                "merged_at": "2026-01-03T00:00:00Z",
                            }
                        }
                    ],
                    "issues": [
                        {
                            "issue": {
                                "iid": 1,
                                "title": "y",
                                "author": {"id": 1},
                                "state": "closed",
                                "created_at": "2026-01-01T00:00:00Z",
                                "closed_at": "2026-01-02T00:00:00Z",
                            }
                        }
                    ],
                }
            ],
        }
    )
    project = state.projects[5]
    assert project.merge_requests[1].data["updated_at"] == "2026-01-03T00:00:00.000Z"
    assert project.issues[1].data["updated_at"] == "2026-01-02T00:00:00.000Z"
