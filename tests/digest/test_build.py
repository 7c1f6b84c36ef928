"""build_digest: one person's evidence for their level and the next, what is new, openings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Person
from bot.digest import IsoWeek, build_digest, render_digest
from bot.digest.model import OPPORTUNITY_PREFIX, Digest
from bot.store import models
from tests.digest.helpers import BERLIN, LADDER, NOW, WEEK_START, evidence, write
from tests.sync.helpers import Store

W45 = IsoWeek(2026, 45)
ALICE = Person("alice", 2)
L2_IMPACT = "l2.impact.delivers-tasks-meeting-criteria"
L2_COMMS = "l2.communication.good-mr-descriptions"
L3 = [e for e in LADDER.at_level(3) if e.observable]
L1 = LADDER.at_level(1)[0].id
L4 = LADDER.at_level(4)[0].id
NEGATIVE = re.compile(
    r"\b(missing|miss|failed|fail|failure|lack|lacks|lacking|gap|gaps|behind)\b", re.I
)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = Store(database_url)
    yield store
    store.close()


def build(store: Store, person: Person = ALICE, week: IsoWeek = W45, **kwargs: object) -> Digest:
    with store.sessions() as session:
        return build_digest(session, LADDER, person, week, BERLIN, NOW, **kwargs)  # type: ignore[arg-type]


def at(days: float) -> datetime:
    """``days`` after the start of 2026-W45 in Berlin."""
    return WEEK_START + timedelta(days=days)


def test_new_this_week_and_earlier_evidence(store: Store) -> None:
    write(
        store,
        [
            evidence("alice", L2_IMPACT, at(1), summary="this week"),
            evidence("alice", L2_IMPACT, at(-3), summary="last week"),
            evidence("alice", L2_COMMS, at(-30), summary="a month ago"),
            evidence("alice", L2_IMPACT, at(8), summary="next week"),  # after the week
        ],
    )
    digest = build(store)
    assert (digest.person, digest.level, digest.next_level, digest.week) == ("alice", 2, 3, W45)
    assert digest.start == WEEK_START and digest.end == at(7)
    assert digest.complete  # NOW is after the week
    current, upcoming = digest.levels
    assert current.current and current.level == 2
    assert not upcoming.current and upcoming.level == 3 and upcoming.empty
    by_text = {item.summary: item for item in digest.items}
    assert set(by_text) == {"this week", "last week", "a month ago"}
    assert by_text["this week"].new and not by_text["last week"].new
    assert [group.expectation.id for group in digest.new_expectations] == [L2_IMPACT]
    # Dimensions in the ladder's order (impact before communication), newest items first.
    dimensions = [d.dimension for d in current.dimensions]
    assert dimensions == ["impact", "communication"]
    impact = current.dimensions[0].expectations[0]
    assert [item.summary for item in impact.items] == ["this week", "last week"]
    assert impact.has_new and impact.earlier_since is None
    assert impact.items[0].expectation_text == LADDER.expectations[L2_IMPACT].text


def test_week_bounds_follow_the_configured_timezone(store: Store) -> None:
    # Sunday 8 November 23:30 in Berlin is still W45; Monday 00:30 is W46.
    write(
        store,
        [
            evidence("alice", L2_IMPACT, datetime(2026, 11, 8, 22, 30, tzinfo=UTC), summary="sun"),
            evidence("alice", L2_IMPACT, datetime(2026, 11, 8, 23, 30, tzinfo=UTC), summary="mon"),
            evidence("alice", L2_IMPACT, datetime(2026, 11, 1, 22, 59, tzinfo=UTC), summary="w44"),
        ],
    )
    digest = build(store)
    assert {i.summary: i.new for i in digest.items} == {"sun": True, "w44": False}
    w46 = build(store, week=IsoWeek(2026, 46))
    assert {i.summary: i.new for i in w46.items} == {"mon": True, "sun": False, "w44": False}
    assert not w46.complete  # NOW (12 November) is inside W46


def test_only_the_latest_earlier_items_are_shown_with_how_far_back_it_goes(store: Store) -> None:
    rows = [evidence("alice", L2_IMPACT, at(-7 * n), summary=f"{n} weeks ago") for n in range(1, 7)]
    rows += [evidence("alice", L2_IMPACT, at(2), summary="new")]
    write(store, rows)
    group = build(store, earlier=3).levels[0].dimensions[0].expectations[0]
    assert [i.summary for i in group.items] == ["new", "1 weeks ago", "2 weeks ago", "3 weeks ago"]
    assert group.earlier_since == at(-42)
    everything = build(store, earlier=10).levels[0].dimensions[0].expectations[0]
    assert len(everything.items) == 7 and everything.earlier_since is None


def test_next_level_evidence_and_other_levels_only_when_new(store: Store) -> None:
    write(
        store,
        [
            evidence("alice", L3[0].id, at(-60), summary="next level, old"),
            evidence("alice", L1, at(3), summary="level 1, new"),
            evidence("alice", L1, at(-3), summary="level 1, old"),
            evidence("alice", L4, at(4), summary="level 4, new"),
            evidence("alice", "l2.gone.expectation-removed", at(1), summary="not in the ladder"),
        ],
    )
    digest = build(store)
    upcoming = digest.levels[1]
    assert [i.summary for d in upcoming.dimensions for g in d.expectations for i in g.items] == [
        "next level, old"
    ]
    assert [item.summary for item in digest.also_new] == ["level 4, new", "level 1, new"]
    assert "level 1, old" not in {item.summary for item in digest.items}
    assert "not in the ladder" not in {item.summary for item in digest.items}


def test_opportunities_are_next_level_observable_expectations_without_evidence(
    store: Store,
) -> None:
    write(store, [evidence("alice", e.id, at(-10)) for e in L3[:3]])
    digest = build(store)
    assert digest.opportunities_level == 3
    ids = [o.expectation.id for o in digest.opportunities]
    assert len(ids) == 5 and len(set(ids)) == 5
    assert not set(ids) & {e.id for e in L3[:3]}
    assert all(LADDER.expectations[i].observable and LADDER.expectations[i].level == 3 for i in ids)
    # One from each dimension before a second from any.
    assert len({o.expectation.dimension for o in digest.opportunities}) == 5
    for opportunity in digest.opportunities:
        assert opportunity.text.startswith(f"{OPPORTUNITY_PREFIX}: ")
        assert not NEGATIVE.search(opportunity.text)
    assert build(store, max_opportunities=2).opportunities == digest.opportunities[:2]


def test_no_negative_words_anywhere_in_a_digest(store: Store) -> None:
    for person in (ALICE, Person("newcomer", 1), Person("lead", 6)):
        for body in (
            render_digest(build(store, person), redact_confidential=True),
            render_digest(build(store, person), redact_confidential=False),
        ):
            assert not NEGATIVE.search(body), NEGATIVE.search(body)
    write(store, [evidence("alice", L2_IMPACT, at(1), summary="a change")])
    assert not NEGATIVE.search(render_digest(build(store), redact_confidential=True))


def test_at_the_top_level_the_openings_come_from_that_level(store: Store) -> None:
    digest = build(store, Person("lead", 6))
    assert digest.next_level is None
    assert [level.level for level in digest.levels] == [6]
    assert digest.opportunities_level == 6
    assert {o.expectation.level for o in digest.opportunities} == {6}
    observable = [e for e in LADDER.at_level(6) if e.observable]
    assert len(digest.opportunities) == min(5, len(observable))


def test_no_other_persons_evidence(store: Store) -> None:
    write(
        store,
        [
            evidence("alice", L2_IMPACT, at(1), summary="alice's change"),
            evidence("bob", L2_IMPACT, at(1), summary="bob's change", url="https://g/bob/1"),
            evidence("bob", L3[0].id, at(-5), summary="bob's next-level work"),
            evidence("bob", L1, at(2), summary="bob's level 1"),
            evidence("alicia", L2_COMMS, at(2), summary="alicia's"),
        ],
    )
    digest = build(store)
    assert {item.summary for item in digest.items} == {"alice's change"}
    # Opportunities follow alice's evidence only: bob's next-level work is still one for her.
    assert L3[0].id in {o.expectation.id for o in digest.opportunities}
    body = render_digest(digest, redact_confidential=False)
    assert "bob" not in body and "alicia" not in body and "https://g/bob" not in body


def test_a_username_in_another_case_is_the_same_person(store: Store) -> None:
    with store.sessions.begin() as session:
        session.add(
            models.User(
                id=2,
                username="Alice",
                name="Alice",
                state="active",
                is_bot=False,
                raw={},
                endpoint="/users/2",
                fetched_at=NOW,
                source_updated_at=None,
            )
        )
    write(store, [evidence("Alice", L2_IMPACT, at(1), summary="as GitLab spells it")])
    assert [i.summary for i in build(store).items] == ["as GitLab spells it"]


def test_building_again_gives_the_same_digest(store: Store) -> None:
    write(store, [evidence("alice", L2_IMPACT, at(n), summary=f"s{n}") for n in range(-20, 7)])
    first = render_digest(build(store), redact_confidential=True)
    with store.sessions() as session:
        later = build_digest(session, LADDER, ALICE, W45, BERLIN, NOW + timedelta(days=30))
    assert render_digest(later, redact_confidential=True) == first
