"""The element index (``bot.rules.items``): each distinct list element is tested once, and the
answers are always the element tests' own."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.rules import items as items_module
from bot.rules import screen as screen_module
from bot.rules.codegen import Emitter, compile_kind
from bot.rules.conditions.paths import Paths
from bot.rules.conditions.text import Count, Matches
from bot.rules.items import ItemIndex
from bot.rules.screen import Screens

PATHS = st.lists(
    st.sampled_from(
        ["tests/a.py", "./tests/b.py", "/tests/c.py", "src/tests.py", "docs/x.md", "README.md"]
    )
    | st.text(alphabet="abt/._s", max_size=12),
    max_size=6,
)


class Counting:
    """An element test that counts the elements it was run on."""

    def __init__(self, pattern: str) -> None:
        self.regex = re.compile(pattern)
        self.seen: list[str] = []

    def __call__(self, element: str) -> bool:
        self.seen.append(element)
        return self.regex.search(element) is not None


def test_each_distinct_element_is_tested_once() -> None:
    test = Counting("^tests/")
    item = ItemIndex().add(test)
    assert item.any(["tests/a.py", "src/b.py"])
    assert item.any(["tests/a.py", "docs/c.md"])
    assert not item.any(["src/b.py", "docs/c.md"])
    assert item.count(["tests/a.py", "tests/a.py", "src/b.py"]) == 2
    assert sorted(test.seen) == ["docs/c.md", "src/b.py", "tests/a.py"]


def test_the_screen_spares_the_tests_it_rules_out() -> None:
    if not screen_module.available():
        pytest.skip("google-re2 is not installed")
    test = Counting("^tests/")
    item = ItemIndex().add(test, re.compile("^tests/"))
    assert item.which(["src/b.py", "tests/a.py"]) == ["tests/a.py"]
    assert test.seen == ["tests/a.py"]  # src/b.py never reached the test


def test_a_rewritten_element_is_tested_though_the_screen_read_it_as_written() -> None:
    test = Counting("^tests/")
    item = ItemIndex().add(
        lambda path: test(path.removeprefix("./")),
        re.compile("^tests/"),
        prepare=lambda path: path.removeprefix("./"),
    )
    assert item.which(["./tests/a.py", "src/b.py"]) == ["./tests/a.py"]


def test_the_memory_is_bounded_and_answers_stay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(items_module, "LIMIT", 3)
    index = ItemIndex()
    item = index.add(re.compile("x").search)
    elements = [f"{'x' if n % 2 else 'y'}{n}" for n in range(10)]
    assert [item.holds(e) for e in elements] == [n % 2 == 1 for n in range(10)]
    assert len(index._known) <= 3


def test_a_list_is_read_afresh_when_it_is_another_list() -> None:
    # The last answer is kept by the list's identity, never by its contents.
    item = ItemIndex().add(re.compile("^a").search)
    first = ["a1"]
    assert item.any(first)
    assert not item.any(["b1"])
    assert item.any(first)


def test_adding_a_test_forgets_what_was_learnt() -> None:
    index = ItemIndex()
    first = index.add(re.compile("a").search)
    assert first.holds("ab")
    second = index.add(re.compile("b").search)
    assert second.holds("ab") and first.holds("ab") and not second.holds("a")


def test_elements_that_are_not_strings_never_match() -> None:
    item = ItemIndex().add(re.compile("").search)
    assert item.count([1, None, "x", ["x"]]) == 1
    assert item.which([1, "x"]) == ["x"]


@given(paths=PATHS)
def test_conditions_sharing_an_index_answer_as_their_reference_meaning(paths: list[str]) -> None:
    # Paths' reference is pathspec itself, path by path; Matches' and Count's the regex on
    # each element. Joined to one rule set's index, every one still agrees.
    screens = Screens()
    conditions = [
        Paths({"globs": ["tests/**"]}),
        Paths({"globs": ["**/*.md", "!README.md"]}),
        Paths({"globs": ["tests/", "**/test*.py"], "at_least": 2}),
        Matches({"field": "changed_paths", "pattern": r"\.md$"}),
        Count({"field": "changed_paths", "matching": "^tests/", "at_least": 1}),
        Count({"field": "changed_paths", "matching": "s", "at_most": 0}),
        Count({"field": "changed_paths", "matching": "t", "at_least": 2, "at_most": 3}),
    ]
    for condition in conditions:
        condition.screen(screens)
    code = Emitter()  # and as generated code, all in one function (``bot.rules.codegen``)
    generated = compile_kind(conditions, [c.emit(code) for c in conditions], code)  # type: ignore[arg-type]
    activity = {"fields": {"changed_paths": paths}}
    holding = [c for c in conditions if c.evaluate(paths)]
    assert [c for c in conditions if c.compile()(activity)] == holding
    assert generated(activity) == holding
    for one in paths:  # a string field is one path
        single = {"fields": {"changed_paths": one}}
        holding = [c for c in conditions[:3] if c.evaluate(one)]
        assert [c for c in conditions[:3] if c.compile()(single)] == holding
        assert [c for c in generated(single) if c in conditions[:3]] == holding
