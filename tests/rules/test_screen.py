"""The RE2 screen (``bot.rules.screen``) never rules out a pattern Python's ``re`` would find:
it may only save searches, never change an answer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ladder import load_ladder
from bot.rules import RuleSet, load_rules
from bot.rules import screen as screen_module
from bot.rules.conditions import Condition
from bot.rules.conditions.paths import Paths
from bot.rules.conditions.text import Count, Matches
from bot.rules.screen import EVERYTHING, Screens, relax

ROOT = Path(__file__).resolve().parents[2]


def _walk(condition: Condition) -> Iterator[Condition]:
    yield condition
    for child in condition.children:
        yield from _walk(child)


def _library() -> RuleSet:
    ladder = load_ladder(ROOT / "ladder.yaml")
    return load_rules(sorted((ROOT / "rules").glob("*.yaml")), list(ladder.expectations))


LIBRARY = _library()
PATTERNS = sorted(
    {
        (c.regex.pattern, c.regex.flags)
        for rule in LIBRARY.rules
        if rule.when is not None
        for c in _walk(rule.when)
        if isinstance(c, Matches | Count) and c.regex is not None
    }
)
# Words and marks the library's patterns look for, so random texts hit them often.
WORDS = sorted({w for p, _ in PATTERNS for w in re.findall(r"[A-Za-z]{2,}", p)})[:400]
TEXT = st.lists(
    st.one_of(
        st.sampled_from(WORDS),
        st.sampled_from([" ", "  ", "\n", "\t", "\x0b", "\x1c", ".", ":", "!", "?", "#12", "/"]),
        st.sampled_from(["(", ")", "[", "]", "`", "'", "-", "_", "é", "ſ", "\u212a", "✅", "🐛"]),
        st.sampled_from(["tests/", "db/migrate/", "README.md", "x.sql", "LGTM", "+1", "nit:"]),
        st.text(max_size=3),
    ),
    max_size=14,
).map("".join)


def test_every_library_pattern_is_screened() -> None:
    # A pattern the screen cannot express is searched every time: correct, but slow.
    assert len(PATTERNS) > 100
    unscreened = [p for p, flags in PATTERNS if relax(re.compile(p, flags)) is None]
    assert unscreened == []


SCREENS = Screens()  # one screen for every pattern, as a rule set builds it
PROBES = [(re.compile(p, f), SCREENS.probe("f", re.compile(p, f))) for p, f in PATTERNS]
ITEMS = [
    (re.compile(p, f), SCREENS.items("l").add(re.compile(p, f).search, re.compile(p, f)))
    for p, f in PATTERNS
]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(TEXT, min_size=1, max_size=4))
def test_the_screen_never_rules_out_a_match(texts: list[str]) -> None:
    for text in texts:
        for regex, probe in PROBES:
            assert probe is not None
            if regex.search(text):
                assert probe(text), (regex.pattern, text)
    for regex, items in ITEMS:
        # Elements are screened one by one, and the tests decide: exact, not only sound.
        assert items.any(texts) == any(regex.search(text) for text in texts), regex.pattern
        assert items.count(texts) == sum(1 for text in texts if regex.search(text))


@pytest.mark.parametrize(
    ("pattern", "flags", "text"),
    [
        (r"done$", 0, "done\n"),  # Python's $ also holds before a final newline
        (r"a\sb", 0, "a\x0bb"),  # \s has the vertical tab
        (r"a\sb", 0, "a\x1cb"),  # and, in Unicode mode, \x1c-\x1f
        (r"(?<!not )fine", 0, "fine"),  # lookbehinds are dropped, never inverted
        (r"\bfix\b", re.IGNORECASE, "FIX"),
        (r"s", re.IGNORECASE, "ſ"),  # Unicode case folding
        (r"[^s]x", re.IGNORECASE | re.ASCII, "ſx"),  # RE2 folds a negated set wider
        (r"^\W*tests?\b", re.IGNORECASE | re.ASCII, "ſtests/"),  # and \W with it
        (r"İ", re.IGNORECASE, "i"),  # Python folds İ to i; RE2 does not
        (r"\w+é", 0, "café"),  # a Unicode class on non-ASCII text: not screened
        (r"[^\W\d]x", 0, "ax"),  # a negated class inside a negated set
        (r"(?x) a  b  # spaced", 0, "ab"),
        (r"(?>ab|a)c", 0, "abc"),  # atomic group
        (r"a{2000}", 0, "a" * 2000),  # more than RE2 counts
    ],
)
def test_python_dialect_edges_stay_sound(pattern: str, flags: int, text: str) -> None:
    regex = re.compile(pattern, flags)
    assert regex.search(text)
    probe = Screens().probe("f", regex)
    assert probe is None or probe(text)


def test_what_re2_cannot_express_is_not_screened() -> None:
    assert relax(re.compile(r"(a)\1")) is None  # backreference
    assert relax(re.compile(r"(a)?(?(1)b|c)")) is None  # conditional group
    assert Screens().probe("f", re.compile(r"(['\"]).*\1")) is None


def test_text_re2_cannot_read_lets_every_pattern_through() -> None:
    probe = Screens().probe("f", re.compile("(?a)zzz"))
    assert probe is not None
    assert probe.screen.candidates("\ud800") is EVERYTHING
    assert probe("\ud800") and not probe("abc")


def test_the_screen_saves_searches_on_a_real_rule_set() -> None:
    # The point of it: most patterns are ruled out without a search.
    screens = Screens()
    regex = re.compile(r"(?ai)\bfix(?:es|ed)?\b")
    probe = screens.probe("title", regex)
    assert probe is not None
    assert not probe("Add a settings page") and probe("Fixes the login crash")


def test_paths_screen_skips_rewritten_paths() -> None:
    # RE2 reads "./tests/a.py" as written; the glob sees it normalised, and matches it.
    cond = Paths({"globs": ["tests/**"]})
    cond.screen(Screens())
    subject: dict[str, Any] = {"fields": {"changed_paths": ["./tests/a.py", "src/b.py"]}}
    assert cond.matched(subject["fields"]["changed_paths"]) == ["./tests/a.py"]
    assert cond.compile()(subject) and cond.evaluate(subject["fields"]["changed_paths"])
    other: dict[str, Any] = {"fields": {"changed_paths": ["src/tests.py", "src/b.py"]}}
    assert cond.matched(other["fields"]["changed_paths"]) == []
    assert not cond.compile()(other) and not cond.evaluate(other["fields"]["changed_paths"])


def test_without_re2_nothing_is_screened_and_answers_stay(monkeypatch: pytest.MonkeyPatch) -> None:
    activity = {
        "key": "k",
        "kind": "merge_request_merged",
        "actor_username": "ana",
        "context": {"iid": 3},
        "fields": {"title": "Fix the crash in checkout", "changed_paths": ["tests/test_a.py"]},
    }
    screened = [(m.rule, m.why) for m in LIBRARY.match(activity)]
    monkeypatch.setattr(screen_module, "_re2", None)
    plain = _library()
    assert Screens().probe("f", re.compile("a")) is None
    assert [(m.rule, m.why) for m in plain.match(activity)] == screened
    assert screened  # not vacuous


def test_names_are_scanned_once_and_prose_while_recent(monkeypatch: pytest.MonkeyPatch) -> None:
    if not screen_module.available():
        pytest.skip("google-re2 is not installed")
    probe = Screens().probe("f", re.compile("(?a)tests/"))
    assert probe is not None
    screen = probe.screen
    scanned: list[str] = []
    scan = screen.scan
    monkeypatch.setattr(screen, "scan", lambda text: scanned.append(text) or scan(text))
    for _ in range(2):  # equal texts, but new objects each time (as rows read from a store)
        assert probe("".join(["app/", "tests/x.py"]))
        assert not probe("".join(["app/", "src/x.py"]))
        assert probe("".join(["moves ", "tests/ up"]))
    assert scanned == ["app/tests/x.py", "app/src/x.py", "moves tests/ up"]
    # Prose is remembered only among the field's last RECENT texts (one merge request's).
    scanned.clear()
    prose = [f"prose number {n}" for n in range(screen_module.RECENT + 1)]
    for text in [*prose, prose[-1], prose[1], prose[0]]:
        assert not probe("".join(text))
    assert scanned == [*prose, prose[0]]


def test_the_names_remembered_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    if not screen_module.available():
        pytest.skip("google-re2 is not installed")
    monkeypatch.setattr(screen_module, "REMEMBERED", 3)
    probe = Screens().probe("f", re.compile("(?a)x"))
    assert probe is not None
    names = [f"{'x' if n % 3 == 0 else 'y'}{n}" for n in range(20)]
    assert [probe(name) for name in names] == [n % 3 == 0 for n in range(20)]
    assert len(probe.screen._short) <= 3
