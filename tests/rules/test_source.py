"""Reading YAML with the line of every value, and its problems instead of exceptions."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.rules import source as source_module
from bot.rules.source import MAX_VALUES, parse_source

TEXT = """\
rules:
  - id: a          # line 2
    kinds:
      - merge_request_merged
    when:
      all:
        - present: {field: title}
"""


def test_every_path_has_its_line() -> None:
    source = parse_source(TEXT, "r.yaml")
    assert source.problems == []
    assert source.data["rules"][0]["when"]["all"][0] == {"present": {"field": "title"}}
    assert source.line("rules") == 1
    assert source.line("rules[0]") == 2
    assert source.line("rules[0].id") == 2
    assert source.line("rules[0].kinds[0]") == 4
    assert source.line("rules[0].when") == 5
    assert source.line("rules[0].when.all[0].present.field") == 7
    # A path without a line of its own takes its nearest ancestor's.
    assert source.line("rules[0].when.all[0].present.nothing[3]") == 7
    assert source.line("rules[9].x") == 1


def test_scalars_are_plain_types_and_times_stay_as_written() -> None:
    source = parse_source(
        "a: 1\nb: 1.5\nc: true\nd: null\ne: 2026-01-01T10:00:00Z\nf: '3'\non: yes\n", "x"
    )
    assert source.data == {
        "a": 1,
        "b": 1.5,
        "c": True,
        "d": None,
        "e": "2026-01-01T10:00:00Z",
        "f": "3",
        "on": True,  # the key stays as written; YAML 1.1 would have made it true
    }


def test_duplicate_keys_are_problems_and_the_first_wins() -> None:
    source = parse_source("a: 1\nb:\n  c: 2\n  c: 3\na: 4\n", "x")
    assert source.data == {"a": 1, "b": {"c": 2}}
    assert [(p.line, p.path, p.message) for p in source.problems] == [
        (4, "b", "duplicate key 'c' (first on line 3)"),
        (5, "", "duplicate key 'a' (first on line 1)"),
    ]


def test_syntax_errors_name_their_line() -> None:
    source = parse_source("a:\n  - [1, 2\nb: 3\n", "x")
    assert source.data is None
    [problem] = source.problems
    assert problem.line == 3
    assert problem.message.startswith("YAML syntax error: ")
    assert "line 2" in problem.message


def test_several_documents_are_a_problem() -> None:
    [problem] = parse_source("a: 1\n---\nb: 2\n", "x").problems
    assert problem.line == 2 and "but found another document" in problem.message


def test_aliases_expand_but_cannot_contain_themselves() -> None:
    source = parse_source("a: &x {b: 1}\nc: *x\n", "x")
    assert source.data == {"a": {"b": 1}, "c": {"b": 1}}
    assert source.problems == []
    looped = parse_source("a: &x [1, *x]\n", "x")
    assert looped.data == {"a": [1, None]}
    assert [p.message for p in looped.problems] == ["an alias refers to a value that contains it"]


def test_alias_bombs_stop_at_a_budget() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    source = parse_source("\n".join(lines) + "\n", "x")
    assert [p.message for p in source.problems] == [
        f"too large: more than {MAX_VALUES} values (check aliases)"
    ]


def test_deep_nesting_is_a_problem() -> None:
    source = parse_source("a: " + "[" * 100 + "]" * 100 + "\n", "x")
    assert source.problems and all("nested too deeply" in p.message for p in source.problems)
    very = parse_source("[" * 5000 + "]" * 5000, "x")
    assert [p.message for p in very.problems] == ["YAML nested too deeply (more than 64 levels)"]


def test_tags_and_merge_keys_are_problems() -> None:
    source = parse_source("a: !!binary aGk=\nb: !custom 3\nc: !!set {x}\nd:\n  <<: {e: 1}\n", "x")
    assert [(p.line, p.message) for p in source.problems] == [
        (1, "unsupported YAML tag '!!binary'"),
        (2, "unsupported YAML tag '!custom'"),
        (3, "unsupported YAML tag '!!set'"),
        (5, "merge keys ('<<') are not supported: write the keys out"),
    ]


def test_empty_text_is_no_data() -> None:
    source = parse_source("# nothing\n", "x")
    assert source.data is None and source.problems == []


# -- libyaml's parser and PyYAML's own read every file alike ------------------------------------

_ROOT = Path(__file__).resolve().parents[2]
_FILES = sorted(
    [
        *(_ROOT / "rules").rglob("*.yaml"),
        *(_ROOT / "tests" / "rules" / "broken").glob("*.yaml"),
        _ROOT / "ladder.yaml",
    ]
)


@pytest.mark.skipif(source_module._FAST is None, reason="PyYAML was built without libyaml")
@pytest.mark.parametrize("path", _FILES, ids=lambda path: path.name)
def test_libyaml_and_pyyaml_read_a_file_alike(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text(encoding="utf-8")
    fast = parse_source(text, path.name)
    monkeypatch.setattr(source_module, "_FAST", None)
    slow = parse_source(text, path.name)
    assert (fast.data, fast.lines, fast.problems) == (slow.data, slow.lines, slow.problems)


def test_a_text_libyaml_refuses_gets_pyyamls_message() -> None:
    # The messages (and lines) of syntax errors are PyYAML's, whichever parser ran first.
    source = parse_source("rules:\n  - id: a\n    kinds: [x\n", "r.yaml")
    ((problem,),) = (source.problems,)
    # (libyaml says "did not find expected ',' or ']'")
    assert problem.line == 4
    assert problem.message == (
        "YAML syntax error: expected ',' or ']', but got '<stream end>' "
        "(while parsing a flow sequence on line 3)"
    )
