"""What the evidence tests share: the ladder, the test rules, a store on each database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.ladder import Ladder, load_ladder
from bot.rules import RuleSet, load_rules
from tests.sync.helpers import Store

ROOT = Path(__file__).resolve().parents[2]
RULES = Path(__file__).parent / "data" / "rules"


@pytest.fixture(scope="module")
def ladder() -> Ladder:
    return load_ladder(ROOT / "ladder.yaml")


@pytest.fixture(scope="module")
def ruleset(ladder: Ladder) -> RuleSet:
    return load_rules(sorted(RULES.glob("*.yaml")), list(ladder.expectations))


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = Store(database_url)
    yield store
    store.close()
