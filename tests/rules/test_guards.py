"""First-letter guards: ``bot.rules.guards.unreachable`` finds what a guard rules out, and only that."""

from __future__ import annotations

import re
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules.guards import unreachable


def dead(pattern: str, flags: int = 0) -> list[str]:
    """The shown start of each unreachable alternative."""
    return [line.split("'")[1].rstrip("…") for line in unreachable(pattern, flags)]


def test_an_alternative_outside_the_guard_is_unreachable() -> None:
    assert dead(r"\b(?=[bc])(?:bug|crash|deadlock)\b") == ["deadlock"]
    (line,) = unreachable(r"\b(?=[bc])(?:bug|crash|deadlock)\b")
    assert line == (
        "'deadlock…' can never match: it starts with 'd', "
        "which the lookahead (?=[bc]) before it rules out"
    )


def test_alternatives_nested_in_a_group_are_looked_into() -> None:
    # The mistake this exists for: words added inside a group whose first letter the guard lacks.
    pattern = (
        r"(?ai)\b(?=[acx])(?:(?=a)(?:auth bypass)|csrf|xss|(?:mitigat|address|fix)\w* cves?)\b"
    )
    assert dead(pattern) == ["mitigat", "fix"]
    assert dead(r"(?=[ab])(a|(c)d)") == ["cd"]


def test_case_follows_the_flags() -> None:
    assert dead(r"(?i)(?=[AB])(?:apple|banana|cherry)") == ["cherry"]
    assert dead(r"(?=[ab])(?:apple|Banana)") == ["Banana"]
    assert dead(r"(?=[ab])(?:apple|Banana)", re.IGNORECASE) == []
    assert dead(r"(?=[ab])(?:apple|(?i:Banana))") == []


def test_what_follows_the_guard_need_not_be_a_group() -> None:
    assert dead(r"\b(?=[b])(?:a)\b") == ["a"]
    assert dead(r"(?=[ab])x(?:c|d)") == ["x"]


def test_a_lookahead_inside_an_alternative_bounds_its_start() -> None:
    assert dead(r"(?=[ab])(?:(?=a)(?:apple)|(?=c)(?:cat))") == ["cat"]


def test_nothing_is_claimed_where_the_start_cannot_be_bounded() -> None:
    for pattern in (
        r"(?=[ab])(?:\w+|a)",  # \w may start with a or b
        r"(?=[ab])(?:.x|a)",
        r"(?=[ab])(?:[^a]x|a)",  # a negated set
        r"(?=[ab])(?:x?a|b)",  # x is optional: a may start it
        r"(?=[ab])(?:|a)",  # the empty alternative
        r"(?=\w)(?:xyz|abc)",  # a guard that is a class
    ):
        assert unreachable(pattern) == [], pattern


def test_a_pattern_python_refuses_is_left_to_compile_regex() -> None:
    assert unreachable("(?=[ab](?:c") == []


@settings(max_examples=200, deadline=None)
@given(
    guard=st.sets(st.sampled_from(string.ascii_lowercase[:8]), min_size=1),
    words=st.lists(
        st.text(alphabet=string.ascii_lowercase[:8], min_size=1, max_size=6),
        min_size=1,
        max_size=8,
        unique=True,
    ),
)
def test_it_reports_exactly_the_words_that_can_never_match(
    guard: set[str], words: list[str]
) -> None:
    pattern = rf"\b(?=[{''.join(sorted(guard))}])(?:{'|'.join(words)})\b"
    # Python's parser factors shared starts (``b|ba`` is ``b(?:|a)``), so a report names the
    # start of one or more words.
    reported = dead(pattern)
    assert all(start and start[0] not in guard for start in reported), (pattern, reported)
    for word in words:
        if word[0] not in guard:  # reported, and truly never found, even in a text of only it
            assert any(word.startswith(start) for start in reported), (pattern, word)
            assert re.search(pattern, word) is None, (pattern, word)
