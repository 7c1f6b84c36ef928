"""The ladder, rules and evidence commands, through the real CLI against the offline GitLab."""

from __future__ import annotations

import copy
import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from bot.fakelab.server import FakeGitLab
from tests.conftest import ADMIN_TOKEN
from tests.conftest import client as gitlab_client

ROOT = Path(__file__).resolve().parents[2]
RULES = Path(__file__).parent / "data" / "rules"
ENV = {"EVIDENCE_TEST_TOKEN": ADMIN_TOKEN}


def config(tmp_path: Path, url: str, people: tuple[str, ...] = ("alice", "bob")) -> Path:
    shutil.copytree(RULES, tmp_path / "rules")
    shutil.copy(ROOT / "ladder.yaml", tmp_path / "ladder.yaml")
    entries = "".join(f'\n[[people]]\nusername = "{name}"\nlevel = 2\n' for name in people)
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[gitlab]
url = "{url}"
token_env = "EVIDENCE_TEST_TOKEN"

[watch]
groups = ["acme"]

[database]
url = "sqlite:///{tmp_path / "store.db"}"
{entries}"""
    )
    return path


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=ENV)


@pytest.fixture
def synced(fake: FakeGitLab, tmp_path: Path) -> Path:
    path = config(tmp_path, fake.url)
    assert cli("sync", "--config", str(path), "--quiet").exit_code == 0
    return path


def test_match_then_evidence_as_json_csv_and_table(synced: Path) -> None:
    matched = cli("match", "--config", str(synced))
    assert matched.exit_code == 0, matched.output
    assert matched.output.startswith("rebuilt (first run): ")
    assert "evidence +" in matched.output
    again = cli("match", "--config", str(synced))
    assert again.output.startswith("matched: 0 activities read, evidence +0 -0")

    as_json = cli("evidence", "--config", str(synced), "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    rows = json.loads(as_json.output)
    assert rows and {row["person"] for row in rows} == {"alice", "bob"}
    required = {
        "person",
        "expectation",
        "expectation_text",
        "level",
        "dimension",
        "rule",
        "kind",
        "url",
        "occurred_at",
        "summary",
        "why",
    }
    for row in rows:
        assert required <= row.keys()
        assert row["expectation_text"] and row["url"].startswith("http")
        assert row["occurred_at"].endswith("Z")
    assert [row["occurred_at"] for row in rows] == sorted(row["occurred_at"] for row in rows)

    bob = json.loads(
        cli("evidence", "--config", str(synced), "--person", "bob", "--format", "json").output
    )
    assert bob and {row["person"] for row in bob} == {"bob"}

    as_csv = cli("evidence", "--config", str(synced), "--format", "csv").output
    parsed = list(csv.DictReader(io.StringIO(as_csv)))
    assert len(parsed) == len(rows) and json.loads(parsed[0]["why"])["rule"] == rows[0]["rule"]

    table = cli("evidence", "--config", str(synced), "--person", "alice")
    assert table.exit_code == 0 and "l2.impact.delivers-tasks-meeting-criteria" in table.output

    none = cli("evidence", "--config", str(synced), "--since", "2030-01-01", "--format", "json")
    assert json.loads(none.output) == []
    bad = cli("evidence", "--config", str(synced), "--since", "last week")
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


def test_explain_shows_every_rule_for_the_item(synced: Path, fake: FakeGitLab) -> None:
    cli("match", "--config", str(synced))
    url = f"{fake.url}/acme/backend/-/merge_requests/1"
    explained = cli("explain", url, "--config", str(synced))
    assert explained.exit_code == 0, explained.output
    out = explained.output
    assert "merge_request_authored by @alice" in out
    assert "✓ mr-authored" in out and "→ l2.impact.delivers-tasks-meeting-criteria" in out
    assert "review_requested by @bob" in out and "sought-out (window rule" in out
    assert "kind is merge_request_authored" in out
    note = cli("explain", f"{url}#note_501", "--config", str(synced))
    assert "review_comment by @bob" in note.output
    assert "words is at least 3" in note.output
    missing = cli("explain", f"{fake.url}/acme/backend/-/issues/999", "--config", str(synced))
    assert missing.exit_code == 2
    assert missing.output.startswith("ladder-bot: no stored activity links to ")
    assert "Traceback" not in missing.output


def test_rules_check_reports_every_problem_and_exits_2(tmp_path: Path) -> None:
    shutil.copy(ROOT / "ladder.yaml", tmp_path / "ladder.yaml")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "a.yaml").write_text(
        "rules:\n"
        "  - id: one\n"
        "    expectations: [l2.mastery.writes-automated-tests]\n"
        "    kinds: [merge_request_authored]\n"
        "    when: {matchs: {field: title, pattern: x}}\n"
        "    summary: x\n"
        "  - id: two\n"
        "    expectations: [l9.nothing]\n"
        "    kinds: [merge_request_authored]\n"
        "    summary: x\n"
    )
    args = ["--ladder", str(tmp_path / "ladder.yaml"), "--rules", str(tmp_path / "rules")]
    result = CliRunner().invoke(main, ["rules", "check", *args])
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].endswith(
        "a.yaml:5: rules[0].when: unknown condition 'matchs' (did you mean 'matches'?)"
    )
    assert "a.yaml:8: rules[1].expectations[0]: " in lines[1]
    (tmp_path / "rules" / "a.yaml").write_text((RULES / "basic.yaml").read_text())
    ok = cli("rules", "check", *args)
    assert ok.exit_code == 0 and ok.output.strip().endswith("rules: OK")


def test_the_shipped_library_checks_and_tests_clean() -> None:
    args = ["--ladder", str(ROOT / "ladder.yaml"), "--rules", str(ROOT / "rules")]
    checked = cli("rules", "check", *args)
    assert checked.exit_code == 0, checked.output
    tested = cli("rules", "test", *args)
    assert tested.exit_code == 0, tested.output
    assert "all pass" in tested.output


def test_rules_schema_and_ladder_show() -> None:
    schema = json.loads(cli("rules", "schema").output)
    assert schema["type"] == "object" and "rules" in schema["properties"]
    shown = cli("ladder", "show", "--ladder", str(ROOT / "ladder.yaml"), "--level", "2")
    assert shown.exit_code == 0
    assert "l2.communication.good-mr-descriptions" in shown.output
    assert "l3." not in shown.output


def test_until_ends_at_the_next_local_midnight_across_a_clock_change() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from bot.commands.common import day_end, day_start

    berlin = ZoneInfo("Europe/Berlin")
    # 2026-10-25 lasts 25 hours in Berlin: it ends at 23:00 UTC, not 22:00.
    assert day_end("2026-10-25", berlin, "--until") == datetime(2026, 10, 25, 23, tzinfo=UTC)
    assert day_start("2026-10-26", berlin, "--since") == datetime(2026, 10, 25, 23, tzinfo=UTC)
    # 2026-03-29 lasts 23 hours.
    assert day_end("2026-03-29", berlin, "--until") == datetime(2026, 3, 29, 22, tzinfo=UTC)


def test_a_suggestion_that_only_renames_is_a_syntax_remark_end_to_end(
    small_data: dict[str, Any], tmp_path: Path
) -> None:
    """GitLab keeps the lines a suggestion replaces; the shipped rules read the rename off them,
    whatever the comment's words say."""
    data = copy.deepcopy(small_data)
    mr = data["projects"][0]["merge_requests"][0]
    mr["diffs"][0]["diff"] = (
        "@@ -10,3 +10,3 @@\n def send(message):\n"
        "-    r = client.post(message)\n+    resp = client.post(message)\n     return resp\n"
    )
    suggestion = mr["notes"][0]  # bob's thread on alice's merge request
    suggestion["body"] = (
        "```suggestion:-1+0\ndef send(message):\n    response = client.post(message)\n```"
    )
    suggestion["position"]["new_line"] = 11
    with FakeGitLab(data, admin_token=ADMIN_TOKEN) as fake:
        path = config(tmp_path, fake.url)
        shutil.rmtree(tmp_path / "rules")
        shutil.copytree(ROOT / "rules", tmp_path / "rules")
        assert cli("sync", "--config", str(path), "--quiet").exit_code == 0
        notes = gitlab_client(fake).projects.get("acme/backend").mergerequests.get(1).notes
        stored = next(n for n in notes.list(get_all=True) if n.id == 501).suggestions
    assert stored[0]["from_content"] == "def send(message):\n    resp = client.post(message)\n"
    assert cli("match", "--config", str(path)).exit_code == 0
    listed = cli("evidence", "--config", str(path), "--person", "bob", "--format", "json")
    rows = [r for r in json.loads(listed.output) if r["url"].endswith("#note_501")]
    syntax = [r for r in rows if r["rule"] == "review-points-out-syntax"]
    assert len(syntax) == 1, rows
    why = json.dumps(syntax[0]["why"])
    assert '"suggestion_change"' in why and '"naming"' in why
    explained = cli("explain", "--config", str(path), rows[0]["url"])
    assert "review-points-out-syntax" in explained.output


def test_a_suggestion_that_changes_code_is_no_syntax_remark(
    small_data: dict[str, Any], tmp_path: Path
) -> None:
    data = copy.deepcopy(small_data)
    mr = data["projects"][0]["merge_requests"][0]
    mr["diffs"][0]["diff"] = (
        "@@ -10,2 +10,2 @@\n def send(message):\n-    x\n+    client.post(message)\n"
    )
    mr["notes"][0]["body"] = "nit:\n\n```suggestion:-0+0\n    retry(client.post, message)\n```"
    mr["notes"][0]["position"]["new_line"] = 11
    with FakeGitLab(data, admin_token=ADMIN_TOKEN) as fake:
        path = config(tmp_path, fake.url)
        shutil.rmtree(tmp_path / "rules")
        shutil.copytree(ROOT / "rules", tmp_path / "rules")
        assert cli("sync", "--config", str(path), "--quiet").exit_code == 0
    assert cli("match", "--config", str(path)).exit_code == 0
    listed = cli("evidence", "--config", str(path), "--person", "bob", "--format", "json")
    rules = {r["rule"] for r in json.loads(listed.output) if r["url"].endswith("#note_501")}
    assert "review-suggests-change" in rules  # still actionable feedback
    assert "review-points-out-syntax" not in rules


def test_explain_lines_say_what_a_count_counted_among() -> None:
    from bot.evidence.explain import _checks

    lines = _checks(
        [
            {
                "condition": "count",
                "text": "changed_paths has at least 1 element matching test files",
                "seen": 0,
                "held": False,
                "elements": ["app/cart.py"],
            }
        ],
        1,
    )
    assert lines == [
        "  ✗ changed_paths has at least 1 element matching test files (seen 0 among ['app/cart.py'])"
    ]


def test_explain_gives_a_rule_author_the_pattern_behind_each_means(tmp_path: Path) -> None:
    from bot.evidence.explain import _checks, _sources
    from tests.rules.helpers import activity, ruleset

    rules = ruleset(
        tmp_path,
        """
rules:
  - id: fixes
    expectations: [l1.mastery.fixes-simple-bugs]
    kinds: [merge_request_merged]
    when:
      all:
        - matches: {field: title, pattern: '^fix\\b', means: a fix prefix}
        - not:
            paths: {globs: ["*.md", "docs/**"], means: documentation files}
    summary: Fixed {title}
""",
    )
    subject = activity("merge_request_merged", fields={"title": "Fix the cart", "changed_paths": []})
    [verdict] = rules.explain(subject)
    rule = rules.get("fixes")
    assert rule is not None
    lines = [line.strip() for line in _checks(verdict.why["checks"], 0, _sources(rule))]
    assert lines == [
        "✓ kind is merge_request_merged (seen 'merge_request_merged')",
        "✗ all of these hold",
        "✗ title matches a fix prefix (seen 'Fix the cart')",
        "pattern: /^fix\\b/",
        "✓ not (a path in changed_paths matches documentation files)",
        "✗ a path in changed_paths matches documentation files (seen [])",
        "globs: *.md, docs/**",
    ]
