"""render_digest: the marker, grouped evidence, explanations in details, confidential items.

The golden file ``golden/alice-2026-W45.md`` keeps a small digest's Markdown readable, and
docs/digests.md shows it as its example; when the layout changes on purpose, regenerate both
with ``LADDER_BOT_UPDATE_GOLDEN=1 pytest tests/digest/test_render.py`` and read the diff.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from bot.config import Person
from bot.digest import IsoWeek, build_digest, marker, render_digest, shows_confidential
from bot.digest.model import Digest
from bot.digest.render import _finalize, explanation
from bot.digest.safety import JOINER
from bot.fakelab.markdown import extract_quick_actions, find_references
from tests.digest.helpers import BERLIN, GITLAB, LADDER, NOW, WEEK_START, evidence, why, write
from tests.sync.helpers import Store

GOLDEN = Path(__file__).parent / "golden"
W45 = IsoWeek(2026, 45)
L2_IMPACT = "l2.impact.delivers-tasks-meeting-criteria"
L2_COMMS = "l2.communication.good-mr-descriptions"
L3_MASTERY = "l3.mastery.implements-complex-api-handlers"
L5 = LADDER.at_level(5)[0].id


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    yield store
    store.close()


def at(days: float, hours: float = 10) -> object:
    return WEEK_START + timedelta(days=days, hours=hours)


def small(store: Store) -> Digest:
    """A small, realistic digest: new and earlier items, nested checks, a window rule, a
    confidential issue comment, next-level evidence and another level's new evidence."""
    description = why(
        "mr-description-gives-context",
        {
            "condition": "all",
            "text": "all of these hold",
            "held": True,
            "checks": [
                {
                    "condition": "at_least",
                    "field": "description_words",
                    "text": "description_words is at least 40",
                    "seen": 182,
                    "held": True,
                },
                {
                    "condition": "any",
                    "text": "any of these holds",
                    "held": True,
                    "checks": [
                        {
                            "condition": "matches",
                            "field": "description",
                            "text": "description matches /(?i)\\bwhy\\b/",
                            "seen": "## Why\nRetries were lost when @bob's worker restarted (#12)",
                            "held": True,
                            "found": "Why",
                        },
                        {
                            "condition": "contains",
                            "field": "description_sections",
                            "text": 'description_sections contains "why" (any case)',
                            "seen": [],
                            "held": False,
                        },
                    ],
                },
            ],
        },
    )
    window = why(
        "sought-out-for-reviews",
        {
            "condition": "window",
            "field": "requested_by",
            "text": "requested_by counts towards 3 distinct values within 90 days",
            "seen": "carol",
            "held": True,
        },
        window={"days": 90, "distinct": ["bob", "carol", "dave"], "activities": ["a", "b", "c"]},
    )
    write(
        store,
        [
            evidence(
                "alice",
                L2_COMMS,
                at(1),
                rule="mr-description-gives-context",
                summary="Described !12 in 182 words: Retry webhooks with ~backoff",
                url=f"{GITLAB}/acme/backend/-/merge_requests/12",
                explanation=description,
            ),
            evidence(
                "alice",
                L2_COMMS,
                at(-9),
                rule="mr-description-gives-context",
                summary="Described !9 in 64 words: Add /health endpoint",
                url=f"{GITLAB}/acme/backend/-/merge_requests/9",
                explanation=description,
            ),
            evidence(
                "alice",
                L2_IMPACT,
                at(2),
                rule="helped-in-issue",
                summary="Helped in #7: Token leak in logs",
                url=f"{GITLAB}/acme/backend/-/issues/7#note_301",
                kind="issue_comment",
                confidential=True,
            ),
            evidence(
                "alice",
                L3_MASTERY,
                at(3),
                rule="sought-out-for-reviews",
                summary="Asked to review by 3 different people within 90 days",
                url=f"{GITLAB}/acme/platform/infra/-/merge_requests/4",
                project="acme/platform/infra",
                explanation=window,
            ),
            evidence(
                "alice",
                L5,
                at(4),
                summary="Opened !15: Split the billing service",
                url=f"{GITLAB}/acme/backend/-/merge_requests/15",
            ),
        ],
    )
    with store.sessions() as session:
        return build_digest(session, LADDER, Person("alice", 2), W45, BERLIN, NOW)


def test_golden_small_digest(store: Store) -> None:
    body = render_digest(small(store), redact_confidential=True)
    golden = GOLDEN / "alice-2026-W45.md"
    if os.environ.get("LADDER_BOT_UPDATE_GOLDEN"):
        golden.write_text(body)
    assert body == golden.read_text()
    # Readable as plain text too: backslashes only before reference characters (and the
    # backslashes of a regular expression), none where nothing needed escaping.
    assert re.findall(r"\\(?![@#!~%$&^:\\]|bwhy)", body.replace("\\\\", "")) == []
    assert "description_words" in body and "Add /health endpoint" in body


def test_marker_first_and_the_header(store: Store) -> None:
    body = render_digest(small(store), redact_confidential=True)
    lines = body.splitlines()
    assert lines[0] == "<!-- ladder-bot:digest person=alice week=2026-W45 -->"
    assert lines[0] == marker("alice", W45)
    assert lines[1] == "## Evidence digest for alice, week 2026-W45"
    assert "Monday 2 to Sunday 8 November 2026 (Europe/Berlin)" in body
    assert "@alice" not in body  # the owner is named, never mentioned
    assert body.endswith("\n") and not body.endswith("\n\n")


def test_marker_refuses_what_is_not_a_username() -> None:
    assert marker("a.b-c_d", W45) == "<!-- ladder-bot:digest person=a.b-c_d week=2026-W45 -->"
    for bad in ("", "bob -->", "bob week=2026-W01", "@bob", "bob\n"):
        with pytest.raises(ValueError):
            marker(bad, W45)


def test_evidence_is_grouped_by_level_dimension_and_expectation(store: Store) -> None:
    body = render_digest(small(store), redact_confidential=True)
    headings = re.findall(r"^#{2,4} .*$", body, re.M)
    assert headings == [
        "## Evidence digest for alice, week 2026-W45",
        "### Level 2: your level",
        "#### Impact",
        "#### Communication",
        "### Level 3: the next level",
        "#### Mastery",
        "### Also new this week",
        "### Next steps, when the chance comes",
    ]
    assert f"**{LADDER.expectations[L2_COMMS].text}** `{L2_COMMS}`" in body
    # NEW marks this week's items only.
    assert re.search(r"^- 🆕 \[acme/backend MR 12\]\(", body, re.M)
    assert re.search(r"^- \[acme/backend MR 9\]\(", body, re.M)
    assert "**New this week:** evidence for *" in body
    # Another level's new evidence names its expectation.
    assert f"for *{LADDER.expectations[L5].text}* (level 5)" in body


def test_each_item_explains_itself_in_details(store: Store) -> None:
    body = render_digest(small(store), redact_confidential=True)
    shown = [line for line in body.splitlines() if re.match(r"^- (🆕 )?\[", line)]
    assert len(shown) == 5
    assert body.count("<details><summary>Why this counts</summary>") == 4  # not the confidential
    assert body.count("</details>") == 4
    assert (
        "  Rule `mr-description-gives-context`: What mr-description-gives-context recognises."
        in body
    )
    # Nested checks, with the values seen, found and held.
    assert "  - ✓ all of these hold\n    - ✓ description_words is at least 40 (seen 182)" in body
    assert "      - ✓ description matches /(?i)\\\\bwhy\\\\b/ (seen “\\#" in body
    assert f"Retries were lost when \\@{JOINER}bob's worker restarted (\\#{JOINER}12)" in body
    assert ", found “Why”" in body
    assert '      - ✗ description_sections contains "why" (any case) (seen none)' in body
    # A window rule says which values completed it.
    assert "- ✓ within 90 days, from 3 different: “bob”, “carol”, “dave”" in body


def test_explanations_render_from_why() -> None:
    shown = explanation(
        {
            "rule": "r",
            "checks": [
                {"condition": "equals", "text": "x is null", "seen": None, "held": True},
                {"condition": "equals", "text": "y is true", "seen": False, "held": False},
                {
                    "condition": "paths",
                    "text": "paths",
                    "seen": ["a", "b"],
                    "held": True,
                    "matched": ["a"],
                },
                {"condition": "x", "text": "map", "seen": {"k": "@v"}, "held": True},
                {"condition": "at_least", "text": "n", "seen": 2.5, "held": True},
                {"condition": "count", "text": "many", "seen": list(range(12)), "held": True},
                {
                    "condition": "count",
                    "text": "changed_paths has at least 1 element matching test files",
                    "seen": 1,
                    "held": True,
                    "elements": ["app/cart.py", "tests/test_cart.py"],
                },
            ],
        }
    )
    assert shown["about"] == "Rule `r`"
    lines = [line for _, line in shown["checks"]]
    assert lines[0] == "✓ x is null (seen nothing)"
    assert lines[1] == "✗ y is true (seen false)"
    assert lines[2] == "✓ paths (seen “a”, “b”), matched “a”"
    assert lines[3] == f"✓ map (seen \\{{k: “\\@{JOINER}v”\\}})"
    assert lines[4] == "✓ n (seen 2.5)"
    assert lines[5].endswith("9 …)")
    # a "not" over one condition is one line, with what that condition saw
    folded = explanation(
        {
            "rule": "r",
            "checks": [
                {
                    "condition": "not",
                    "text": "not (is_reply is true)",
                    "held": True,
                    "checks": [
                        {
                            "condition": "equals",
                            "text": "is_reply is true",
                            "seen": False,
                            "held": False,
                        }
                    ],
                },
                {
                    "condition": "not",
                    "text": "not (body matches an approval)",
                    "held": False,
                    "checks": [
                        {
                            "condition": "matches",
                            "text": "body matches an approval",
                            "seen": "LGTM",
                            "held": True,
                            "found": "LGTM",
                        }
                    ],
                },
            ],
        }
    )
    assert [line for _, line in folded["checks"]] == [
        "✓ not (is_reply is true) (seen false)",
        "✗ not (body matches an approval) (seen “LGTM”), found “LGTM”",
    ]
    # a count says what it counted among
    assert lines[6] == (
        "✓ changed_paths has at least 1 element matching test files "
        "(seen 1 among “app/cart.py”, “tests/test_cart.py”)"
    )
    assert explanation({})["checks"] == []


def test_confidential_items_are_a_link_and_confidential_only(store: Store) -> None:
    digest = small(store)
    redacted = render_digest(digest, redact_confidential=True)
    line = next(line for line in redacted.splitlines() if "issue 7" in line)
    assert line == (
        "- 🆕 [acme/backend comment on issue 7]"
        f"({GITLAB}/acme/backend/-/issues/7#note_301) (confidential) · Wed 4 Nov"
    )
    assert "Token leak" not in redacted and "helped-in-issue" not in redacted
    assert "Items marked (confidential) come from confidential issues" in redacted

    shown = render_digest(digest, redact_confidential=False)
    assert f"Helped in \\#{JOINER}7: Token leak in logs" in shown
    assert "Rule `helped-in-issue`" in shown and "(confidential)" not in shown
    assert "Items marked (confidential)" not in shown

    # Shown in full only when it comes from the destination's own project.
    same = render_digest(digest, redact_confidential=False, same_project="acme/backend")
    assert "Token leak in logs" in same
    other = render_digest(digest, redact_confidential=False, same_project="acme/growth")
    assert "Token leak" not in other and "(confidential)" in other


def test_shows_confidential_rules() -> None:
    from bot.digest.model import Item

    def item(confidential: bool, project: str = "acme/a") -> Item:
        return Item(
            "k", "e", 2, "d", "r", "k", "https://g/x", project, NOW, "s", {}, confidential, False
        )

    assert shows_confidential(item(False), redact_confidential=True, same_project=None)
    assert not shows_confidential(item(True), redact_confidential=True, same_project="acme/a")
    assert shows_confidential(item(True), redact_confidential=False, same_project=None)
    assert shows_confidential(item(True), redact_confidential=False, same_project="acme/a")
    assert not shows_confidential(
        item(True, "acme/b"), redact_confidential=False, same_project="acme/a"
    )


def test_link_texts_name_what_they_point_at(store: Store) -> None:
    body = render_digest(small(store), redact_confidential=True)
    assert (
        "[acme/backend MR 12](https://gitlab.example.com/acme/backend/-/merge_requests/12)" in body
    )
    assert "[acme/platform/infra MR 4](" in body
    assert "[acme/backend comment on issue 7](" in body
    # Never GitLab's own short references.
    assert not re.search(
        r"(?<!\\)[#!]\d", body.replace(f"\\#{JOINER}", "").replace(f"\\!{JOINER}", "")
    )


def test_an_empty_digest_is_kind(store: Store) -> None:
    with store.sessions() as session:
        digest = build_digest(session, LADDER, Person("newcomer", 1), W45, BERLIN, NOW)
    body = render_digest(digest, redact_confidential=True)
    assert "**Nothing new this week.** Quiet weeks are normal" in body
    assert "No evidence for level 1 yet. It appears here as your GitLab work" in body
    assert "- Next step, when the chance comes: **" in body
    assert "never counts against you" in body


def test_the_template_quotes_whatever_it_was_not_given_as_markdown() -> None:
    assert _finalize("@alice /close") == f"\\@{JOINER}alice /close"
    assert _finalize(None) == "" and _finalize(3) == "3" and _finalize(True) == "True"


def test_rendered_markdown_reads_well_in_a_commonmark_parser(store: Store) -> None:
    body = render_digest(small(store), redact_confidential=True)
    tokens = MarkdownIt("commonmark", {"html": True}).parse(body)
    kinds = [t.type for t in tokens]
    assert kinds.count("bullet_list_open") >= 5
    # Every explanation sits in one list item, opened and closed there.
    html = [t.content.strip() for t in tokens if t.type == "html_block"]
    assert html[0].startswith("<!-- ladder-bot:digest")
    assert html[1:] == ["<details><summary>Why this counts</summary>", "</details>"] * 4
    assert find_references(body) == [] and extract_quick_actions(body)[1] == []


def test_the_documented_example_is_the_golden_digest() -> None:
    path = Path(__file__).resolve().parents[2] / "docs" / "digests.md"
    docs = path.read_text()
    example = re.search(r"^````markdown\n(.*?)^````$", docs, re.S | re.M)
    assert example is not None
    golden = (GOLDEN / "alice-2026-W45.md").read_text()
    if os.environ.get("LADDER_BOT_UPDATE_GOLDEN"):
        path.write_text(docs[: example.start(1)] + golden + docs[example.end(1) :])
        return
    assert example.group(1) == golden


def test_new_evidence_for_other_levels_only_is_still_news(store: Store) -> None:
    write(store, [evidence("alice", L5, at(1), summary="a level 5 thing")])
    with store.sessions() as session:
        digest = build_digest(session, LADDER, Person("alice", 2), W45, BERLIN, NOW)
    body = render_digest(digest, redact_confidential=True)
    assert "**New this week:** evidence for expectations of other levels" in body
    assert "Nothing new this week" not in body
