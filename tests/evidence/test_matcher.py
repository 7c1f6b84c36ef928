"""Matching, end to end: the offline GitLab, a real sync, real rules, evidence in the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.evidence import Earners, Matcher, match_evidence, texts
from bot.evidence.matcher import MatchResult, _settled
from bot.fakelab.server import FakeGitLab
from bot.ladder import Ladder
from bot.rules import RuleSet
from bot.store import models
from tests.conftest import ADMIN_TOKEN
from tests.sync.helpers import NOW, Store, sync

PID = 100


def matcher(ruleset: RuleSet, ladder: Ladder, now: datetime = NOW, **earners: Any) -> Matcher:
    return Matcher(ruleset, ladder, lambda session: Earners.from_store(session, **earners), now)


def run(store: Store, m: Matcher, *, rebuild: bool = False) -> MatchResult:
    return match_evidence(store.sessions, m, rebuild=rebuild)


def evidence(store: Store) -> dict[str, tuple[Any, ...]]:
    """Each row, its explanation made whole as every reader of evidence makes it."""
    with store.sessions() as session:
        rows = list(session.scalars(select(models.Evidence)))
        whys = texts.expand_all(session, [row.why for row in rows])
        return {
            row.key: (row.person_username, row.expectation, row.rule, row.url, row.summary, why)
            for row, why in zip(rows, whys, strict=True)
        }


def new_mr(iid: int, author: int, reviewer: int, created: str) -> dict[str, Any]:
    return {
        "merge_request": {
            "iid": iid,
            "title": f"Change number {iid}",
            "author": {"id": author},
            "created_at": created,
        },
        "reviewers": [{"user": {"id": reviewer}, "state": "unreviewed", "created_at": created}],
        "notes": [],
    }


def test_each_piece_of_evidence_explains_itself_and_links_back(
    fake: FakeGitLab, store: Store, ruleset: RuleSet, ladder: Ladder
) -> None:
    assert sync(fake, store, ADMIN_TOKEN).status == "ok"
    result = run(store, matcher(ruleset, ladder))
    assert result.rebuilt and result.reason == "first run" and result.added > 0
    rows = evidence(store)
    by_rule: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows.values():
        by_rule.setdefault(row[2], []).append(row)
    # alice's merge request, bob's wordy review comments, and alice's approved MR.
    assert {row[0] for row in by_rule["mr-authored"]} == {"alice"}
    assert {row[0] for row in by_rule["wordy-review"]} == {"bob"}
    assert [row[0] for row in by_rule["reviewed-for-author"]] == ["alice"]
    for _person, expectation, rule, url, summary, why in rows.values():
        assert url.startswith(fake.url + "/acme/"), url
        assert why["rule"] == rule and why["checks"], why
        assert expectation in ladder.expectations
        assert summary and "{" not in summary
    review = by_rule["wordy-review"][0]
    assert "#note_" in review[3]
    words = review[5]["checks"][1]
    assert words["field"] == "words" and words["held"] is True and words["seen"] >= 3


def test_matching_again_changes_nothing(
    fake: FakeGitLab, store: Store, ruleset: RuleSet, ladder: Ladder
) -> None:
    sync(fake, store, ADMIN_TOKEN)
    run(store, matcher(ruleset, ladder))
    before = evidence(store)
    again = run(store, matcher(ruleset, ladder, NOW + timedelta(hours=1)))
    assert not again.rebuilt
    assert (again.activities, again.added, again.removed) == (0, 0, 0)
    rebuilt = run(store, matcher(ruleset, ladder), rebuild=True)
    assert rebuilt.rebuilt and rebuilt.added == 0 and rebuilt.removed == 0
    assert rebuilt.kept == len(before)
    assert evidence(store) == before


def test_incremental_matching_ends_where_a_rebuild_does(
    fake: FakeGitLab, store: Store, ruleset: RuleSet, ladder: Ladder
) -> None:
    sync(fake, store, ADMIN_TOKEN)
    run(store, matcher(ruleset, ladder))
    later = NOW + timedelta(days=1)
    fake.mutate.add_merge_request(
        PID, new_mr(30, author=4, reviewer=3, created="2026-11-19T08:00:00Z")
    )
    fake.mutate.add_note(
        PID,
        "issues",
        1,
        {
            "body": "Try clearing the cache first",
            "author": {"id": 3},
            "created_at": "2026-11-19T09:00:00Z",
        },
    )
    assert sync(fake, store, ADMIN_TOKEN, now=later).status == "ok"
    step = run(store, matcher(ruleset, ladder, later))
    assert not step.rebuilt and step.added > 0
    assert 0 < step.activities < 20  # only what the second sync wrote
    incremental = evidence(store)
    run(store, matcher(ruleset, ladder, later), rebuild=True)
    assert evidence(store) == incremental
    # carol's new MR asked bob to review: with alice's earlier one, two authors in 90 days.
    sought = [row for row in incremental.values() if row[2] == "sought-out"]
    assert [(row[0], row[1]) for row in sought] == [
        ("bob", "l4.leadership.sought-out-for-code-reviews")
    ]
    assert sought[0][5]["window"]["distinct"] == ["alice", "carol"]


def test_evidence_goes_when_its_activity_goes(
    fake: FakeGitLab, store: Store, ruleset: RuleSet, ladder: Ladder
) -> None:
    sync(fake, store, ADMIN_TOKEN)
    run(store, matcher(ruleset, ladder))
    reviews = [key for key, row in evidence(store).items() if row[2] == "wordy-review"]
    assert reviews
    with store.sessions() as session, session.begin():
        note_key = reviews[0].rsplit(":", 2)[-2] + ":" + reviews[0].rsplit(":", 1)[-1]
        session.execute(models.Activity.__table__.delete().where(models.Activity.key == note_key))
    result = run(store, matcher(ruleset, ladder, NOW + timedelta(hours=1)))
    assert result.removed == 1
    assert reviews[0] not in evidence(store)


def test_changed_rules_rebuild_by_themselves(
    fake: FakeGitLab, store: Store, ruleset: RuleSet, ladder: Ladder
) -> None:
    sync(fake, store, ADMIN_TOKEN)
    run(store, matcher(ruleset, ladder))
    fewer = RuleSet(rule for rule in ruleset.rules if rule.id != "mr-authored")
    result = run(store, matcher(fewer, ladder))
    assert result.rebuilt and result.reason == "rules, ladder or people changed"
    assert result.removed > 0
    assert not any(row[2] == "mr-authored" for row in evidence(store).values())


def test_only_people_on_the_ladder_earn_and_never_opted_out_ones(
    fake: FakeGitLab, store: Store, ruleset: RuleSet, ladder: Ladder
) -> None:
    sync(fake, store, ADMIN_TOKEN)
    run(store, matcher(ruleset, ladder, people=["bob", "alice"], opt_out=["alice"]))
    assert {row[0] for row in evidence(store).values()} == {"bob"}


def test_bots_never_earn_whatever_the_rule_says() -> None:
    earners = Earners(
        people=(),
        bot_usernames=["ci-helper"],
        bot_patterns=["*-bot"],
        users={"renovate": (5, True), "alice": (2, False)},
    )
    assert earners.may_earn("alice")
    for name in ("renovate", "ci-helper", "deploy-bot", "ghost", "project_7_bot", "", None):
        assert not earners.may_earn(name), name


def test_a_running_sync_holds_the_position_back(store: Store) -> None:
    started = datetime(2026, 11, 20, 12, tzinfo=UTC)
    with store.sessions() as session, session.begin():
        session.add(
            models.SyncRun(started_at=started, status="running", summary={}, finished_at=None)
        )
        session.add(
            models.Activity(
                key="k",
                kind="issue_opened",
                actor_id=1,
                actor_username="a",
                occurred_at=started,
                project_id=1,
                project_path="a/b",
                url="http://x/a/b/-/issues/1",
                subject_type="issue",
                subject_iid=1,
                context={},
                fields={},
                confidential=False,
                source="issue:1:1",
                updated_at=started,
            )
        )
    with store.sessions() as session:
        assert _settled(session) == started - timedelta(microseconds=1)
    with store.sessions() as session, session.begin():
        session.add(
            models.SyncRun(
                started_at=started + timedelta(hours=1),
                status="ok",
                summary={},
                finished_at=started + timedelta(hours=2),
            )
        )
    with store.sessions() as session:
        assert _settled(session) == started  # a later sync finished: the killed one is past
