"""The second labelling of part of the held-out set (``labellers/``): well formed, only items
of the held-out set, and its table in docs/rules.md current."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.labelled import read
from tests.rules import labellers
from tests.rules.labelled import COMMENT_FAMILIES, MR_FAMILIES, SETS, Score

HERE = Path(__file__).parent
SECOND = HERE / "labellers"
SAMPLED = HERE / "dev5"  # the held-out set when the sample was drawn


def _load(directory: Path, name: str) -> list[dict[str, Any]]:
    return read(directory / name)


@pytest.mark.parametrize(
    ("name", "families", "size"),
    [
        ("merge_requests.yaml", MR_FAMILIES, 100),
        ("review_comments.yaml", COMMENT_FAMILIES, 200),
    ],
)
def test_second_labels_cover_a_sample_of_the_held_out_set(
    name: str, families: tuple[str, ...], size: int
) -> None:
    second = _load(SECOND, name)
    held_out = {item["source"]: item for item in _load(SAMPLED, name)}
    assert len(second) == size
    sources = [item["source"] for item in second]
    assert [s for s, n in Counter(sources).items() if n > 1] == []
    for item in second:
        assert set(item) == {"source", "truth"}, item
        assert item["source"] in held_out, item["source"]
        assert set(item["truth"]) == set(families), item["source"]
        assert all(isinstance(value, bool) for value in item["truth"].values()), item["source"]
    readme = (SECOND / "README.md").read_text(encoding="utf-8")
    noun = "merge requests" if name.startswith("merge") else "review comments"
    assert f"**{size} {noun}**" in readme


def test_kappa_and_rates_of_a_known_table() -> None:
    score = Score("family")
    for first, second, times in ((True, True, 20), (False, True, 5), (True, False, 10)):
        for _ in range(times):
            labellers.add(score, first, second)
    for _ in range(15):
        labellers.add(score, False, False)
    assert (score.tp, score.fp, score.fn, score.tn) == (20, 5, 10, 15)
    # Observed 0.7; chance 0.6 * 0.5 + 0.4 * 0.5 = 0.5; (0.7 - 0.5) / (1 - 0.5) = 0.4.
    assert labellers.kappa(score) == pytest.approx(0.4)
    assert score.precision == pytest.approx(0.8)
    assert score.recall == pytest.approx(20 / 30)
    assert labellers.kappa(Score("family", tp=3, tn=7)) == pytest.approx(1.0)


def test_the_documented_table_is_the_computed_one() -> None:
    documented = labellers.documented()
    assert documented is not None, f"docs/rules.md lacks {labellers.BEGIN!r}"
    assert documented == labellers.computed_table(), (
        "docs/rules.md is stale: run `python -m tests.rules.labellers --write`"
    )


@pytest.mark.parametrize(
    ("name", "families"),
    [("merge_requests.yaml", MR_FAMILIES), ("review_comments.yaml", COMMENT_FAMILIES)],
)
def test_the_third_labels_cover_30_items_of_every_set(name: str, families: tuple[str, ...]) -> None:
    third = _load(SECOND / "across", name)
    assert Counter(item["set"] for item in third) == dict.fromkeys(SETS, 30)
    sources = {which: {entry["source"] for entry in _load(SETS[which], name)} for which in SETS}
    for item in third:
        assert set(item) == {"set", "source", "truth"}, item
        assert item["source"] in sources[item["set"]], item["source"]
        assert set(item["truth"]) == set(families), item["source"]
        assert all(isinstance(value, bool) for value in item["truth"].values()), item["source"]
    assert len({item["source"] for item in third}) == len(third)


def test_the_documented_table_across_sets_is_the_computed_one() -> None:
    documented = labellers.documented_across()
    assert documented is not None, f"docs/rules.md lacks {labellers.ACROSS_BEGIN!r}"
    assert documented == labellers.across_table(labellers.across_sets()), (
        "docs/rules.md is stale: run `python -m tests.rules.labellers --write`"
    )
