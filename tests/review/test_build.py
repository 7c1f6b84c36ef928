"""Building review packets: from a real sync and match, and from stored evidence rows."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.evidence import Earners, Matcher, match_evidence
from bot.fakelab.server import FakeGitLab
from bot.ladder import Ladder
from bot.review import build_packet, packet_from_rows, period
from bot.review.build import best_examples, months_between
from bot.review.model import NOT_YET_SEEN, ReviewPacket
from bot.rules import load_rules
from tests.conftest import ADMIN_TOKEN
from tests.review import helpers
from tests.review.helpers import HOSTILE, NOW, row, stored
from tests.sync.helpers import Store, sync

RULES = Path(__file__).resolve().parents[1] / "evidence" / "data" / "rules"
BERLIN = ZoneInfo("Europe/Berlin")
PID = 100


@pytest.fixture(scope="module")
def ladder() -> Ladder:
    return helpers.ladder()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = Store(database_url)
    yield store
    store.close()


def bounds(since: str, until: str, zone: ZoneInfo = BERLIN) -> tuple[datetime, datetime]:
    return period(date.fromisoformat(since), date.fromisoformat(until), zone)


def packet_for(
    store: Store, ladder: Ladder, person: str, level: int, since: str, until: str
) -> ReviewPacket:
    start, end = bounds(since, until)
    with store.sessions() as session:
        return build_packet(
            session, ladder, person=person, level=level, start=start, end=end, zone=BERLIN, now=NOW
        )


def test_a_packet_from_a_real_sync_and_match(
    fake: FakeGitLab, store: Store, ladder: Ladder
) -> None:
    # bob opens a merge request with a hostile title; he reviews in the open and internally.
    fake.mutate.add_merge_request(
        PID,
        {
            "merge_request": {
                "iid": 40,
                "title": HOSTILE,
                "author": {"id": 3},
                "created_at": "2026-11-10T08:00:00Z",
            },
            "notes": [],
        },
    )
    assert sync(fake, store, ADMIN_TOKEN).status == "ok"
    ruleset = load_rules(sorted(RULES.glob("*.yaml")), list(ladder.expectations))
    matcher = Matcher(ruleset, ladder, lambda session: Earners.from_store(session), NOW)
    match_evidence(store.sessions, matcher)

    packet = packet_for(store, ladder, "bob", 2, "2026-10-01", "2026-11-30")
    assert (packet.person, packet.level, packet.timezone) == ("bob", 2, "Europe/Berlin")
    assert (str(packet.since), str(packet.until)) == ("2026-10-01", "2026-11-30")
    assert packet.generated_at == NOW
    assert [(s.level, s.role) for s in packet.sections] == [(2, "current"), (3, "next")]
    assert all(item.url.startswith(fake.url) for item in packet.appendix)
    assert {item.rule for item in packet.appendix} == {
        "helped-in-issue",
        "wordy-review",
        "mr-authored",
    }

    entries = {e.id: e for s in packet.sections for e in s.expectations}
    reviews = entries["l2.communication.actionable-review-feedback"]
    assert reviews.count == 2 and reviews.status == "2 evidence items in this period."
    # Newest first; the internal note is only a link.
    assert [item.confidential for item in reviews.examples] == [True, False]
    internal, public = reviews.examples
    assert internal.summary is None and internal.why == () and "#note_504" in internal.url
    assert public.summary == "Reviewed !1" and public.why == ("words is at least 3 (seen 7)",)
    authored = entries["l2.impact.delivers-tasks-meeting-criteria"]
    assert authored.count == 1
    assert (authored.examples[0].summary or "").startswith("Opened !40: <script>alert(1)")
    # Next-level expectations without evidence: neutral, never counted against anyone.
    next_level = packet.sections[1].expectations
    quiet = [e for e in next_level if e.observable and not e.count]
    assert quiet and all(e.status == NOT_YET_SEEN for e in quiet)
    hidden = [e for e in next_level if not e.observable]
    assert hidden and all(e.status.startswith("Not visible in GitLab activity: ") for e in hidden)

    # Evidence of other levels is in the appendix, the timeline and the coverage.
    assert packet.cell(4, "influence").label == "1 of 4"
    assert packet.cell(2, "communication").label == "1 of 5"
    assert packet.timeline.months == ("2026-10", "2026-11")
    counts = dict(zip(packet.timeline.dimensions, packet.timeline.counts, strict=True))
    assert counts["influence"] == (1, 0)
    assert counts["communication"] == (0, 2)
    assert counts["impact"] == (0, 1)
    assert packet.timeline.total == len(packet.appendix) == 4

    # Nobody else's evidence, and alice's packet holds none of bob's.
    alice = packet_for(store, ladder, "alice", 2, "2026-10-01", "2026-11-30")
    assert {item.url for item in alice.appendix}.isdisjoint(item.url for item in packet.appendix)


def test_the_period_holds_since_and_until_whole_days_in_the_configured_timezone(
    store: Store, ladder: Ladder
) -> None:
    # Berlin: the period starts on the day summer time begins (23 hours) and ends on the day
    # it ends (25 hours).
    start, end = bounds("2026-03-29", "2026-10-25")
    assert start == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert end == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)
    assert bounds("2026-03-29", "2026-03-29")[1] == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    expectation = "l2.mastery.writes-automated-tests"
    moments = {
        "before": start - timedelta(microseconds=1),
        "first": start,
        "last": end - timedelta(microseconds=1),
        "after": end,
    }
    with store.sessions() as session, session.begin():
        for name, moment in moments.items():
            data = row(ladder, expectation, moment, url=f"{helpers.BASE}/issues/{name}")
            session.add(stored(data))
        other = row(ladder, expectation, moments["first"], person="bob")
        session.add(stored(other, key="bob's"))
    packet = packet_for(store, ladder, "alice", 2, "2026-03-29", "2026-10-25")
    assert [item.url.rsplit("/", 1)[1] for item in packet.appendix] == ["first", "last"]
    assert [str(item.day) for item in packet.appendix] == ["2026-03-29", "2026-10-25"]
    assert packet.timeline.months[0] == "2026-03" and packet.timeline.months[-1] == "2026-10"
    one_day = packet_for(store, ladder, "alice", 2, "2026-10-25", "2026-10-25")
    assert [item.url.rsplit("/", 1)[1] for item in one_day.appendix] == ["last"]


def test_the_best_examples_are_chosen_deterministically(ladder: Ladder) -> None:
    expectation = "l2.mastery.writes-automated-tests"
    url = f"{helpers.BASE}/merge_requests/1"
    rows = [
        row(ladder, expectation, "2026-02-01T10:00:00Z", held=1),
        row(ladder, expectation, "2026-02-02T10:00:00Z", held=3, url=url),
        row(ladder, expectation, "2026-02-03T10:00:00Z", held=3, url=url, rule="other"),
        row(ladder, expectation, "2026-02-04T10:00:00Z", held=2),
        row(ladder, expectation, "2026-02-05T10:00:00Z", held=2),
        row(ladder, expectation, "2026-02-06T10:00:00Z", held=5, confidential=True),
        row(ladder, expectation, "2026-02-07T10:00:00Z", held=0),
    ]
    start, end = bounds("2026-01-01", "2026-12-31")
    chosen = []
    for seed in range(5):
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        packet = packet_from_rows(
            shuffled, ladder, person="alice", level=2, start=start, end=end, zone=BERLIN, now=NOW
        )
        entry = packet.sections[0].expectations[
            [e.id for e in packet.sections[0].expectations].index(expectation)
        ]
        assert entry.count == len(rows)
        chosen.append([(str(item.day), item.rule) for item in entry.examples])
    # Most checks held, one per link, items that can be shown before confidential ones;
    # listed newest first.
    assert chosen[0] == [
        ("2026-02-05", "test-rule"),
        ("2026-02-04", "test-rule"),
        ("2026-02-03", "other"),
    ]
    assert all(pick == chosen[0] for pick in chosen)
    # With nothing else to show, a confidential item is an example too (as a link only).
    hidden = tuple(item for item in packet.appendix if item.confidential)
    assert best_examples(hidden) == hidden and hidden[0].summary is None


def test_levels_at_the_ends_of_the_ladder(ladder: Ladder) -> None:
    start, end = bounds("2026-01-01", "2026-01-31")
    top = packet_from_rows(
        [], ladder, person="x", level=6, start=start, end=end, zone=BERLIN, now=NOW
    )
    assert [(s.level, s.role) for s in top.sections] == [(6, "current")]
    first = packet_from_rows(
        [], ladder, person="x", level=1, start=start, end=end, zone=BERLIN, now=NOW
    )
    assert [(s.level, s.role) for s in first.sections] == [(1, "current"), (2, "next")]
    assert len(first.coverage) == len(ladder.levels) * len(ladder.dimensions)
    assert first.cell(1, "leadership").label == "—"
    assert first.cell(6, "influence").label == "not visible"
    assert first.appendix == () and first.timeline.total == 0


def test_coverage_counts_expectations_not_items(ladder: Ladder) -> None:
    cell = [e for e in ladder.at_level(2) if e.dimension == "communication"]
    assert len(cell) == 5 and all(e.observable for e in cell)
    rows = [row(ladder, cell[0].id, "2026-05-01T10:00:00Z") for _ in range(4)]
    rows += [row(ladder, cell[1].id, "2026-05-02T10:00:00Z")]
    rows += [row(ladder, cell[2].id, "2026-05-03T10:00:00Z")]
    start, end = bounds("2026-05-01", "2026-05-31")
    packet = packet_from_rows(
        rows, ladder, person="alice", level=2, start=start, end=end, zone=BERLIN, now=NOW
    )
    coverage = packet.cell(2, "communication")
    assert (coverage.seen, coverage.observable, coverage.label) == (3, 5, "3 of 5")
    assert [mark.count for mark in coverage.marks] == [4, 1, 1, 0, 0]
    mastery = packet.cell(2, "mastery")
    assert mastery.label == "0 of 6" and mastery.not_observable == 2
    reasons = [mark.tooltip for mark in mastery.marks if not mark.observable]
    assert all("Not visible in GitLab activity: " in reason for reason in reasons)


def test_months_span_the_period_across_a_year_end(ladder: Ladder) -> None:
    assert months_between(datetime(2025, 12, 30).date(), datetime(2026, 2, 1).date()) == (
        "2025-12",
        "2026-01",
        "2026-02",
    )
    rows = [
        row(ladder, "l2.mastery.writes-automated-tests", "2025-12-31T23:30:00Z"),  # Jan 1 in Berlin
        row(ladder, "l3.influence.builds-tools-for-others", "2026-02-01T09:00:00Z"),
    ]
    start, end = bounds("2025-12-30", "2026-02-01")
    packet = packet_from_rows(
        rows, ladder, person="alice", level=2, start=start, end=end, zone=BERLIN, now=NOW
    )
    counts = dict(zip(packet.timeline.dimensions, packet.timeline.counts, strict=True))
    assert packet.timeline.months == ("2025-12", "2026-01", "2026-02")
    assert counts["mastery"] == (0, 1, 0) and counts["influence"] == (0, 0, 1)
    assert str(packet.appendix[0].day) == "2026-01-01"


def test_why_lines_say_what_a_count_counted_among() -> None:
    from bot.review.build import why_lines

    why = {
        "rule": "mr-adds-tests",
        "checks": [
            {"condition": "kind", "text": "kind is merge_request_merged", "held": True},
            {
                "condition": "count",
                "text": "changed_paths has at least 1 element matching test files",
                "seen": 1,
                "held": True,
                "elements": ["app/cart.py", "tests/test_cart.py"],
            },
        ],
    }
    assert why_lines(why) == (
        "changed_paths has at least 1 element matching test files "
        "(seen 1 among ['app/cart.py', 'tests/test_cart.py'])",
    )
