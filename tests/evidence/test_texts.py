"""Explanations are stored without their fixed texts (``bot.evidence.texts``), which are
stored once per rule version, and every reader of evidence gets them whole."""

from __future__ import annotations

from sqlalchemy import select

from bot.evidence import Earners, Matcher, match_evidence
from bot.evidence.listing import evidence_rows
from bot.fakelab.server import FakeGitLab
from bot.ladder import Ladder
from bot.rules import RuleSet
from bot.store import models
from tests.conftest import ADMIN_TOKEN
from tests.sync.helpers import NOW, Store, sync


def _matcher(ruleset: RuleSet, ladder: Ladder) -> Matcher:
    return Matcher(ruleset, ladder, lambda session: Earners.from_store(session), NOW)


def test_stored_rows_name_their_texts_and_every_reader_gets_them_whole(
    fake: FakeGitLab, store: Store, ruleset: RuleSet, ladder: Ladder
) -> None:
    sync(fake, store, ADMIN_TOKEN)
    match_evidence(store.sessions, _matcher(ruleset, ladder))
    match_evidence(store.sessions, _matcher(ruleset, ladder), rebuild=True)
    with store.sessions() as session:
        stored = list(session.scalars(select(models.Evidence)))
        kept = set(session.scalars(select(models.ExplanationTexts.key)))
        listed = evidence_rows(session, ladder)
    assert stored and len(kept) == len(ruleset.rules)  # once per rule, whatever the runs
    for row in stored:
        assert row.why["texts"] in kept and "description" not in row.why
    for item in listed:
        rule = ruleset.get(item["rule"])
        assert rule is not None and item["why"]["description"] == rule.description
        assert item["why"]["checks"][0]["text"] == "kind is " + " or ".join(rule.kinds)
        assert "texts" not in item["why"]


def test_rows_stored_whole_before_read_as_they_were(store: Store, ladder: Ladder) -> None:
    whole = {"rule": "r", "description": "Old.", "checks": [{"condition": "kind", "held": True}]}
    missing = {"rule": "r", "texts": "0" * 32, "checks": [{"n": 0, "held": True}]}
    with store.sessions() as session, session.begin():
        for key, why in (("a", whole), ("b", missing)):
            session.add(
                models.Evidence(
                    key=key,
                    person_username="alice",
                    expectation="l1.mastery.writes-tests",
                    level=1,
                    dimension="mastery",
                    rule="r",
                    rule_digest="d",
                    activity_key=key,
                    kind="review_comment",
                    occurred_at=NOW,
                    project_path="acme/api",
                    url=f"http://gitlab.example/{key}",
                    summary="s",
                    why=why,
                    confidential=False,
                    matched_at=NOW,
                )
            )
    with store.sessions() as session:
        assert [row["why"] for row in evidence_rows(session, ladder)] == [whole, missing]
