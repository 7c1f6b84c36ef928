"""ladder.yaml against the ladder document, the ladder's ids, its loader, and its rendering.

``tests/data/ladder-seed.txt`` is a byte-for-byte copy of the ladder document. A small parser
here, independent of ``bot.ladder``, reads it, and ``ladder.yaml`` must hold the same bullets
in the same order under the same levels and headings.

``tests/ladder/broken/NAME.yaml`` sits next to ``NAME.expected``, the one line loading it must
give. A Hypothesis test damages ``ladder.yaml`` at random: ``InputError`` is the only exception
the loader may raise.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import InputError
from bot.ladder import Expectation, Ladder, load_ladder, render_ladder

ROOT = Path(__file__).resolve().parents[2]
LADDER_FILE = ROOT / "ladder.yaml"
SEED_FILE = ROOT / "tests" / "data" / "ladder-seed.txt"
BROKEN = Path(__file__).parent / "broken"
CASES = sorted(p.stem for p in BROKEN.glob("*.yaml"))

# -- the ladder document, read independently -----------------------------------------------

CHROME = ["Skip to content", "On this page"]
HEADINGS = {
    "Mastery": "mastery",
    "Impact": "impact",
    "Influence": "influence",
    "Communication": "communication",
    "Communication & Feedback": "communication",
    "Leadership": "leadership",
}
BULLET = "  • "
EXAMPLE_STARTS = ("Example: ", "such as ")


@dataclass
class SeedBullet:
    level: int
    heading: str
    text: str
    examples: list[str] = field(default_factory=list)

    @property
    def dimension(self) -> str:
        return HEADINGS[self.heading]


def parse_seed(text: str) -> tuple[str, list[SeedBullet]]:
    """The document's title and its bullets, each with the example lines that follow it."""
    lines = text.splitlines()
    assert lines[:2] == CHROME, "the seed starts with page chrome"
    title: str | None = None
    level: int | None = None
    heading: str | None = None
    bullets: list[SeedBullet] = []
    for number, line in enumerate(lines[2:], start=3):
        if not line.strip():
            continue
        found = re.fullmatch(r"Level (\d+)", line)
        if title is None:
            title = line
        elif found:
            level, heading = int(found[1]), None
        elif line in HEADINGS:
            heading = line
        elif line.startswith(BULLET):
            assert level is not None and heading is not None, f"seed line {number}: {line!r}"
            bullets.append(SeedBullet(level, heading, line.removeprefix(BULLET)))
        else:
            assert line.startswith(EXAMPLE_STARTS), f"seed line {number}: unexpected {line!r}"
            assert bullets, f"seed line {number}: an example before any bullet"
            bullets[-1].examples.append(line)
    assert title is not None
    return title, bullets


@pytest.fixture(scope="module")
def seed() -> list[SeedBullet]:
    return parse_seed(SEED_FILE.read_text(encoding="utf-8"))[1]


@pytest.fixture(scope="module")
def ladder() -> Ladder:
    return load_ladder(LADDER_FILE)


def test_the_seed_parser_reads_the_whole_document(seed: list[SeedBullet]) -> None:
    title, _ = parse_seed(SEED_FILE.read_text(encoding="utf-8"))
    assert title == "Backend Developer"
    assert len(seed) == 115
    assert sorted({bullet.level for bullet in seed}) == [1, 2, 3, 4, 5, 6]
    leadership = {bullet.level for bullet in seed if bullet.dimension == "leadership"}
    assert leadership == {3, 4, 5, 6}
    assert [(b.text, b.examples) for b in seed if b.examples] == [
        (
            "Masters the basic git",
            ["Example: Checkout, Push, Pull, Branch, Diff, Merge, Stash, Rebase, etc."],
        ),
        (
            "Knows the workflow of how to work with GitLab",
            [
                "such as how to raise issue, do the merge request, comment, resolve the conflict, ci pipeline"
            ],
        ),
        ("Understands build and deployment to evironments", ["Example: CI pipeline stage and job"]),
    ]
    assert {b.heading for b in seed if b.level == 6 and b.dimension == "communication"} == {
        "Communication & Feedback"
    }


def test_the_parser_rejects_a_line_it_does_not_know() -> None:
    with pytest.raises(AssertionError, match="unexpected 'Stray text'"):
        parse_seed(
            "Skip to content\nOn this page\nBackend Developer\nLevel 1\nMastery\n  • A\nStray text\n"
        )


# -- ladder.yaml against the document ---------------------------------------------------------


def test_the_ladder_names_itself(ladder: Ladder) -> None:
    assert ladder.name == "backend-developer"
    assert ladder.title == "Backend Developer"
    assert ladder.levels == (1, 2, 3, 4, 5, 6)
    assert ladder.dimensions == ("mastery", "impact", "influence", "communication", "leadership")


def test_every_bullet_of_the_seed_is_an_expectation_in_order(
    ladder: Ladder, seed: list[SeedBullet]
) -> None:
    def seen(item: Expectation) -> tuple[Any, ...]:
        heading = ladder.heading(item.level, item.dimension)
        wording = item.seed_text or item.text
        return (item.level, item.dimension, heading, wording, item.examples)

    expected = [(b.level, b.dimension, b.heading, b.text, tuple(b.examples)) for b in seed]
    assert [seen(item) for item in ladder.expectations.values()] == expected


def test_spelling_fixes_change_a_word_or_two_and_nothing_else(ladder: Ladder) -> None:
    fixed = [item for item in ladder.expectations.values() if item.seed_text is not None]
    assert fixed, "the seed has misspellings (hanlder, evironments, availabilty)"
    for item in fixed:
        assert item.seed_text is not None
        before, after = item.seed_text.split(), item.text.split()
        assert len(before) == len(after), item.id
        changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
        assert 1 <= len(changed) <= 2, item.id
        for old, new in changed:
            assert difflib.SequenceMatcher(None, old, new).ratio() >= 0.6, (item.id, old, new)
    texts = " ".join(item.text for item in ladder.expectations.values())
    for typo in ("hanlder", "evironments", "availabilty"):
        assert typo not in texts


# -- ids -----------------------------------------------------------------------------------------

ID_PATTERN = r"l{level}\.{dimension}\.[a-z0-9]+(?:-[a-z0-9]+){{1,5}}"

# Rules refer to these; each must stay on its bullet.
RULE_IDS = {
    "l1.mastery.fixes-simple-bugs": "Fixes simple bugs",
    "l1.mastery.updates-documentation": "Knows how to update documentation",
    "l1.influence.improves-incorrect-documentation": "Improves documentation that is incorrect",
    "l1.communication.points-out-syntax-in-reviews": "Points out syntactical improvements in code reviews",
    "l1.communication.basic-mr-with-issue-link": "Writes basic merge request with tagging to the issue, mention people, and interact code review",
    "l2.mastery.writes-automated-tests": "Writes automated unit and acceptance tests",
    "l2.mastery.database-tables-and-migrations": "Designs simple database tables and implements database migration",
    "l2.mastery.understands-build-and-deployment": "Understands build and deployment to environments",
    "l2.impact.decomposes-big-issues": "Decomposes the big issue into small ones",
    "l2.communication.good-mr-descriptions": "Writes good merge request description give context, and information for making decision",
    "l2.communication.actionable-review-feedback": "Provides helpful and actionable feedback in code reviews in an empathetic manner",
    "l3.mastery.coordinates-deployments-and-migrations": "Co-ordinates complex deployments and database migrations",
    "l3.impact.breaks-down-into-iterative-mrs": "Breaks down large problems into smaller iterative steps across multiple merge requests",
    "l4.mastery.fixes-security-vulnerabilities": "Identifies and fixes security vulnerabilities",
    "l4.mastery.fixes-performance-bottlenecks": "Identifies and fixes performance bottlenecks in individual services",
    "l4.leadership.sought-out-for-code-reviews": "Sought out for code reviews",
    "l5.impact.leads-incident-resolutions": "Leads incident resolutions",
}

# Every id, in document order. Ids are stable: never rename or remove one (rules and stored
# evidence refer to them); a new bullet's id is added here.
STABLE_IDS = (
    "l1.mastery.writes-simple-java-code",
    "l1.mastery.fixes-simple-bugs",
    "l1.mastery.understands-project-structure",
    "l1.mastery.debugs-simple-api-requests",
    "l1.mastery.masters-basic-git",
    "l1.mastery.updates-documentation",
    "l1.mastery.writes-simple-api-tests",
    "l1.mastery.knows-gitlab-workflow",
    "l1.impact.delivers-assigned-tasks-with-guidance",
    "l1.influence.improves-incorrect-documentation",
    "l1.communication.regular-status-updates",
    "l1.communication.points-out-syntax-in-reviews",
    "l1.communication.basic-mr-with-issue-link",
    "l1.communication.seeks-guidance-not-answers",
    "l2.mastery.follows-best-practices",
    "l2.mastery.appropriate-algorithms-and-data-structures",
    "l2.mastery.writes-automated-tests",
    "l2.mastery.implements-simple-api-handlers",
    "l2.mastery.database-tables-and-migrations",
    "l2.mastery.understands-build-and-deployment",
    "l2.mastery.handles-api-handler-errors",
    "l2.mastery.fixes-cross-service-bugs",
    "l2.impact.delivers-tasks-meeting-criteria",
    "l2.impact.focuses-on-team-goals",
    "l2.impact.tries-before-seeking-help",
    "l2.impact.manages-time-and-priorities",
    "l2.impact.does-what-needs-doing",
    "l2.impact.decomposes-big-issues",
    "l2.influence.raises-issues-in-retrospectives",
    "l2.communication.shares-progress-proactively",
    "l2.communication.accepts-feedback-graciously",
    "l2.communication.gives-feedback-when-asked",
    "l2.communication.actionable-review-feedback",
    "l2.communication.good-mr-descriptions",
    "l3.mastery.writes-beautiful-code",
    "l3.mastery.uses-appropriate-design-patterns",
    "l3.mastery.implements-complex-api-handlers",
    "l3.mastery.designs-multi-table-schemas",
    "l3.mastery.coordinates-deployments-and-migrations",
    "l3.mastery.implements-multi-service-tasks",
    "l3.mastery.designs-for-scalability-and-security",
    "l3.mastery.debugs-issues",
    "l3.impact.delivers-large-well-defined-tasks",
    "l3.impact.contributes-to-proposals",
    "l3.impact.breaks-down-into-iterative-mrs",
    "l3.influence.gives-input-to-team-proposals",
    "l3.influence.improves-confusing-modules",
    "l3.influence.contributes-to-hiring",
    "l3.influence.builds-tools-for-others",
    "l3.communication.transparent-about-mistakes",
    "l3.communication.proactive-timely-feedback",
    "l3.communication.seeks-feedback-proactively",
    "l3.communication.considers-others-opinions",
    "l3.leadership.onboards-and-mentors-new-members",
    "l3.leadership.finds-learning-opportunities-in-reviews",
    "l4.mastery.contributes-to-library-or-core-services",
    "l4.mastery.leads-complex-refactoring",
    "l4.mastery.debugs-production-issues-fast",
    "l4.mastery.fixes-security-vulnerabilities",
    "l4.mastery.fixes-performance-bottlenecks",
    "l4.mastery.explains-platform-to-new-engineers",
    "l4.mastery.implements-domain-heavy-services",
    "l4.impact.solves-ambiguous-problems",
    "l4.impact.leads-small-medium-proposals",
    "l4.impact.pragmatic-about-tech-debt",
    "l4.impact.considers-multiple-solutions",
    "l4.impact.breaks-projects-into-valuable-steps",
    "l4.influence.positively-influences-engineers",
    "l4.influence.maintains-documentation",
    "l4.influence.clears-blockers-for-juniors",
    "l4.influence.drives-engineering-practice-changes",
    "l4.influence.shapes-designs-with-less-experienced",
    "l4.communication.gives-feedback-upwards-and-across",
    "l4.communication.transparent-technical-decisions",
    "l4.communication.shares-context-with-less-experienced",
    "l4.communication.direct-constructive-feedback",
    "l4.leadership.maintains-team-culture",
    "l4.leadership.gets-buy-in-on-designs",
    "l4.leadership.involves-relevant-engineers",
    "l4.leadership.sought-out-for-code-reviews",
    "l4.leadership.coaches-and-mentors-engineers",
    "l4.leadership.improves-modules-and-teaches-others",
    "l5.mastery.major-library-or-core-contributions",
    "l5.mastery.contributes-to-external-dependencies",
    "l5.mastery.clear-designs-for-complex-problems",
    "l5.mastery.solutions-from-ambiguous-requirements",
    "l5.mastery.multi-service-security-improvements",
    "l5.mastery.multi-service-performance-improvements",
    "l5.mastery.technical-authority-on-an-area",
    "l5.impact.solves-the-hard-problem",
    "l5.impact.solves-larger-ambiguous-problems",
    "l5.impact.leads-incident-resolutions",
    "l5.impact.leads-large-scope-proposals",
    "l5.impact.breaks-down-long-projects",
    "l5.impact.balances-short-and-long-term-work",
    "l5.influence.represents-company-at-conferences",
    "l5.influence.reason-engineers-join",
    "l5.influence.shares-knowledge-internally",
    "l5.communication.regular-insightful-feedback",
    "l5.leadership.instils-engineering-principles",
    "l5.leadership.works-with-managers-on-growth",
    "l5.leadership.fosters-multi-disciplinary-collaboration",
    "l5.leadership.delegates-reversible-decisions",
    "l5.leadership.owns-irreversible-decisions",
    "l5.leadership.maintains-company-culture",
    "l6.mastery.major-contributions-to-dependencies",
    "l6.mastery.platform-wide-improvements",
    "l6.mastery.authority-in-wider-community",
    "l6.impact.accountable-for-critical-projects",
    "l6.impact.originates-or-finishes-horizontal-efforts",
    "l6.influence.attracts-senior-hires",
    "l6.influence.makes-engineers-better",
    "l6.communication.transparent-about-received-feedback",
    "l6.leadership.helps-teams-work-together",
    "l6.leadership.starts-things-beyond-themselves",
)


def test_ids_are_unique_in_the_file() -> None:
    # Read without bot.ladder: the loader's own duplicate check is tested with broken files.
    data = yaml.safe_load(LADDER_FILE.read_text(encoding="utf-8"))
    ids = [
        item["id"]
        for level in data["levels"]
        for dimension in level["dimensions"]
        for item in dimension["expectations"]
    ]
    assert len(ids) == 115
    assert [name for name, count in Counter(ids).items() if count > 1] == []


def test_ids_name_their_level_and_dimension(ladder: Ladder) -> None:
    for item in ladder.expectations.values():
        pattern = ID_PATTERN.format(level=item.level, dimension=item.dimension)
        assert re.fullmatch(pattern, item.id), item.id


def test_the_ids_rules_refer_to_sit_on_their_bullets(ladder: Ladder) -> None:
    assert {name: getattr(ladder.get(name), "text", None) for name in RULE_IDS} == RULE_IDS


def test_ids_are_stable(ladder: Ladder) -> None:
    assert len(set(STABLE_IDS)) == len(STABLE_IDS)
    assert set(RULE_IDS).issubset(STABLE_IDS)
    assert tuple(ladder.expectations) == STABLE_IDS


# -- observability -------------------------------------------------------------------------------


def test_an_expectation_gitlab_cannot_show_says_why(ladder: Ladder) -> None:
    for item in ladder.expectations.values():
        if item.observable:
            assert item.why_not is None, item.id
        else:
            assert item.why_not and "\n" not in item.why_not, item.id


def test_observability_judgments_that_rules_rely_on(ladder: Ladder) -> None:
    def observable(name: str) -> bool:
        item = ladder.get(name)
        assert item is not None, name
        return item.observable

    assert all(observable(name) for name in RULE_IDS)
    for name in (
        "l2.communication.accepts-feedback-graciously",
        "l2.communication.gives-feedback-when-asked",
        "l1.mastery.masters-basic-git",
    ):
        assert observable(name), name
    for name in (
        "l5.influence.represents-company-at-conferences",
        "l3.influence.contributes-to-hiring",
        "l2.impact.manages-time-and-priorities",
    ):
        assert not observable(name), name
    hidden = [item for item in ladder.expectations.values() if not item.observable]
    assert 0 < len(hidden) < len(ladder.expectations) / 2


# -- the model -----------------------------------------------------------------------------------


def test_at_level_gives_one_level_in_document_order(ladder: Ladder) -> None:
    level_two = ladder.at_level(2)
    assert [item.id for item in level_two] == [i for i in STABLE_IDS if i.startswith("l2.")]
    assert {item.level for item in level_two} == {2}
    assert ladder.at_level(7) == []


def test_get_dimension_order_and_headings(ladder: Ladder) -> None:
    item = ladder.get("l2.mastery.understands-build-and-deployment")
    assert item is not None
    assert (item.level, item.dimension, item.observable) == (2, "mastery", True)
    assert item.seed_text == "Understands build and deployment to evironments"
    assert item.examples == ("Example: CI pipeline stage and job",)
    assert ladder.get("l2.mastery.no-such-thing") is None
    assert ladder.dimension_order["mastery"] == 0
    assert ladder.dimension_order["leadership"] == 4
    assert ladder.heading(6, "communication") == "Communication & Feedback"
    assert ladder.heading(5, "communication") == "Communication"


def test_the_ladder_cannot_be_changed(ladder: Ladder) -> None:
    item = next(iter(ladder.expectations.values()))
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.text = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        ladder.expectations["l9.mastery.new-thing"] = item  # type: ignore[index]


# -- broken files --------------------------------------------------------------------------------

# Problems found before there is any key to name.
KEYLESS = {
    "control-character",
    "empty",
    "not-a-mapping",
    "not-utf8",
    "unquoted-colon",
    "yaml-syntax-error",
}


def expected(name: str) -> str:
    return (BROKEN / f"{name}.expected").read_text(encoding="utf-8").rstrip("\n")


def test_every_broken_file_has_exactly_one_expected_line() -> None:
    assert len(CASES) >= 20
    assert sorted(p.stem for p in BROKEN.glob("*.expected")) == CASES
    assert KEYLESS.issubset(CASES)
    for name in CASES:
        text = (BROKEN / f"{name}.expected").read_text(encoding="utf-8")
        assert text.endswith("\n") and text.count("\n") == 1, name
        assert text.startswith(f"{name}.yaml"), name


@pytest.mark.parametrize("name", CASES)
def test_a_broken_file_gives_its_one_line(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BROKEN)
    with pytest.raises(InputError) as caught:
        load_ladder(Path(f"{name}.yaml"))
    error = caught.value
    assert str(error) == expected(name)
    assert error.file == f"{name}.yaml"
    assert (error.line is None) == (name == "empty")
    assert (error.key == "") == (name in KEYLESS)
    # No chained exception: the CLI prints this one line, never a traceback.
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"ladder\.yaml: not found$"):
        load_ladder(tmp_path / "ladder.yaml")


def _damage(text: str, data: st.DataObject) -> str:
    lines = text.splitlines(keepends=True)
    start = data.draw(st.integers(0, len(lines) - 1), label="start")
    how = data.draw(st.sampled_from(["delete", "insert", "replace"]), label="how")
    if how == "delete":
        stop = data.draw(st.integers(start + 1, min(len(lines), start + 40)), label="stop")
        del lines[start:stop]
    else:
        junk = data.draw(
            st.text(st.sampled_from(list(" -:#[]{}&*!|>'\"\t\nabcl1.9")), max_size=30), label="junk"
        )
        lines[start : start + (how == "replace")] = [junk]
    return "".join(lines)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_damaged_ladder_loads_or_raises_input_error(data: st.DataObject, tmp_path: Path) -> None:
    damaged = tmp_path / "ladder.yaml"
    damaged.write_text(_damage(LADDER_FILE.read_text(encoding="utf-8"), data), encoding="utf-8")
    try:
        load_ladder(damaged)
    except InputError as error:
        assert "\n" not in str(error)
        assert error.file == str(damaged)


# -- rendering -----------------------------------------------------------------------------------


def test_rendering_one_level_shows_it_and_no_other(ladder: Ladder) -> None:
    text = render_ladder(ladder, level=2)
    for name in STABLE_IDS:
        if name.startswith("l2."):
            assert name in text, name
        else:
            assert name not in text, name
    assert "Level 2" in text and "Level 3" not in text
    flat = " ".join(text.split())
    for item in ladder.at_level(2):
        assert item.text in flat, item.id
        if not item.observable:
            assert f"(not observable: {item.why_not})" in flat, item.id


def test_rendering_indents_examples_under_their_bullet(ladder: Ladder) -> None:
    lines = render_ladder(ladder, level=1, width=200).splitlines()
    at = lines.index("    l1.mastery.masters-basic-git")
    assert lines[at + 1 : at + 3] == [
        "      Masters the basic git",
        "        Example: Checkout, Push, Pull, Branch, Diff, Merge, Stash, Rebase, etc.",
    ]


def test_rendering_everything_keeps_document_order_and_headings(ladder: Ladder) -> None:
    text = render_ladder(ladder)
    positions = [text.index(f"    {name}\n") for name in STABLE_IDS]
    assert positions == sorted(positions)
    assert "  Communication & Feedback\n" in text
    assert all(len(line) <= 80 for line in text.splitlines())


def test_rendering_a_level_the_ladder_lacks_says_so(ladder: Ladder) -> None:
    assert "Level 9\n  (no such level in this ladder)" in render_ladder(ladder, level=9)
