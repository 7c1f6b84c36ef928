"""``ladder-bot record``: replaying the file through the offline GitLab and syncing it gives the
same activities as syncing the original.

A generated team is served by one offline GitLab (the "original"), synced into a store, and
recorded project by project; each recording is served by a second offline GitLab (the
"replay") and synced into a store of its own. The activities must be the same, links included:
a recording keeps the original ``web_url``s.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from bot.fakelab.dataset import load_dataset
from bot.fakelab.dataset_schema import FORMAT
from bot.fakelab.generator import generate
from bot.fakelab.server import FakeGitLab
from bot.record import REDACTED_EMAIL, RecordError, Recording, record_project, save
from bot.store import models
from bot.sync.client import GitLabClient
from bot.sync.run import SyncOptions
from tests.conftest import ADMIN_TOKEN
from tests.sync.helpers import NOW, Store, sync

TOKEN = "recorder-admin-token-0123456789"
END = datetime(2026, 11, 16, tzinfo=UTC)
SINCE = date(2026, 9, 1)  # before all of the team's activity
PATHS = ("acme/backend", "acme/billing-api")
PUBLIC_EMAIL = "nina.private@personal.example.org"
TRAILER_EMAIL = "pat.pair@contractor.example.net"

Activities = dict[str, tuple[Any, ...]]


def _client(fake: FakeGitLab, token: str = TOKEN) -> GitLabClient:
    return GitLabClient(fake.url, token, sleep=lambda seconds: None, max_per_minute=0)


def _record(fake: FakeGitLab, path: str, since: date = SINCE, **kwargs: Any) -> Recording:
    token = kwargs.pop("token", TOKEN)
    with _client(fake, token) as client:
        return record_project(client, path, since, now=NOW, secrets=(token,), **kwargs)


def _activities(store: Store, project_path: str) -> Activities:
    """``key -> (kind, actor_username, occurred_at, url, fields, context, confidential)``."""
    with store.sessions() as session:
        rows = session.scalars(
            select(models.Activity).where(models.Activity.project_path == project_path)
        ).all()
    return {
        row.key: (
            row.kind,
            row.actor_username,
            row.occurred_at,
            row.url,
            row.fields,
            row.context,
            row.confidential,
        )
        for row in rows
    }


def _replay(recording: Path, path: str, where: Path, token: str = TOKEN) -> Activities:
    """Serve a recording, sync its project into a fresh store, read the activities back."""
    store = Store(f"sqlite:///{where}")
    try:
        with FakeGitLab(recording, admin_token=token, clock=lambda: NOW) as replay:
            result = sync(replay, store, token, options=SyncOptions(projects=(path,)))
            assert result.status == "ok"
        return _activities(store, path)
    finally:
        store.close()


# -- the original: a generated team with an address or two that must not leak -------------------


@pytest.fixture(scope="module")
def team() -> dict[str, Any]:
    data = generate(people=6, projects=2, weeks=4, seed=3, end=END)
    data["users"][1]["public_email"] = PUBLIC_EMAIL
    commit = data["projects"][0]["merge_requests"][0]["commits"][0]
    commit["message"] += f"\n\nCo-authored-by: Pat Pair <{TRAILER_EMAIL}>"
    return data


@pytest.fixture(scope="module")
def original(
    team: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[FakeGitLab, Store]]:
    """The team served as the original GitLab, synced once into a store."""
    where = tmp_path_factory.mktemp("original")
    with FakeGitLab(copy.deepcopy(team), admin_token=TOKEN, clock=lambda: NOW) as fake:
        store = Store(f"sqlite:///{where / 'store.db'}")
        assert sync(fake, store, TOKEN, options=SyncOptions(projects=PATHS)).status == "ok"
        yield fake, store
        store.close()


@pytest.fixture(scope="module")
def recordings(
    original: tuple[FakeGitLab, Store], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    fake, _ = original
    where = tmp_path_factory.mktemp("recordings")
    files = {}
    for path in PATHS:
        files[path] = where / f"{path.replace('/', '_')}.json"
        save(_record(fake, path), files[path])
    return files


def test_a_replayed_recording_syncs_to_the_same_activities(
    original: tuple[FakeGitLab, Store], recordings: dict[str, Path], tmp_path: Path
) -> None:
    fake, store = original
    kinds: set[str] = set()
    for path in PATHS:
        expected = _activities(store, path)
        replayed = _replay(recordings[path], path, tmp_path / f"{path.replace('/', '_')}.db")
        assert set(replayed) == set(expected), path
        differing = sorted(key for key in expected if replayed[key] != expected[key])
        assert not differing, (path, differing[:5])
        assert len(expected) > 300
        kinds |= {kind for kind, *_ in expected.values()}
        # Links still lead to the original GitLab, not to the replay.
        assert all(value[3].startswith(f"{fake.url}/{path}/") for value in replayed.values())
        # The templates came along: without them the replay would count their lines as words.
        (entry,) = json.loads(recordings[path].read_text())["projects"]
        served = fake.state.projects_by_path[path].templates
        assert entry["templates"] == served and served["merge_requests"]
    assert kinds >= {
        "merge_request_authored",
        "merge_request_merged",
        "approval_given",
        "review_requested",
        "review_comment",
        "review_reply",
        "issue_opened",
        "issue_closed",
        "issue_comment",
        "pipeline_failed",
        "pipeline_fixed",
    }


def test_the_recording_is_scrubbed_and_says_where_it_came_from(
    team: dict[str, Any], recordings: dict[str, Path], original: tuple[FakeGitLab, Store]
) -> None:
    fake, _ = original
    addresses = {PUBLIC_EMAIL, TRAILER_EMAIL}
    for project in team["projects"]:
        for mr in project["merge_requests"]:
            for commit in mr.get("commits", []):
                addresses |= {commit.get("author_email"), commit.get("committer_email")}
    addresses.discard(None)
    addresses.discard("")
    assert len(addresses) > 5
    for path, file in recordings.items():
        raw = file.read_bytes()
        assert TOKEN.encode() not in raw
        assert not [address for address in addresses if address.encode() in raw]
        assert REDACTED_EMAIL.encode() in raw
        assert b'"is_admin"' not in raw  # an administrator's view of users is not recorded
        data = json.loads(raw)
        assert data["meta"] == {
            "recorded": {
                "project": path,
                "since": "2026-09-01",
                "from": "127.0.0.1",
                "at": "2026-11-20T12:00:00Z",
            }
        }
        assert "tokens" not in data
        avatars = re.findall(rb'"avatar_url":("[^"]*"|null)', raw)
        assert avatars and set(avatars) == {b"null"}
        assert all(event.get("id") for event in data["projects"][0]["events"])
        assert load_dataset(file).stats()["projects"] == 1
    backend = json.loads(recordings["acme/backend"].read_bytes())
    nina = next(user for user in backend["users"] if user["id"] == team["users"][1]["id"])
    assert nina["public_email"] == REDACTED_EMAIL
    commit = backend["projects"][0]["merge_requests"][0]["commits"][0]
    assert commit["author_email"] == REDACTED_EMAIL
    assert commit["message"].endswith(f"Co-authored-by: Pat Pair <{REDACTED_EMAIL}>")
    assert commit["web_url"].startswith(fake.url)


def _holds(entry: dict[str, Any]) -> Callable[[str], bool]:
    """Whether an activity key belongs to something a recorded project entry holds."""
    project_id = entry["project"]["id"]
    mrs = {mr["merge_request"]["iid"] for mr in entry["merge_requests"]}
    issues = {issue["issue"]["iid"] for issue in entry["issues"]}
    notes = {n["id"] for item in entry["merge_requests"] + entry["issues"] for n in item["notes"]}
    pipelines = {pipeline["id"] for pipeline in entry["pipelines"]}

    def holds(key: str) -> bool:
        kind, first, *rest = key.split(":")
        if kind in ("mr", "approval", "review_request"):
            return int(first) == project_id and int(rest[0]) in mrs
        if kind == "issue":
            return int(first) == project_id and int(rest[0]) in issues
        return int(first) in (notes if kind == "note" else pipelines)

    return holds


def test_a_window_replays_the_same_activities_for_what_it_holds(
    team: dict[str, Any], original: tuple[FakeGitLab, Store], tmp_path: Path
) -> None:
    """Since a day in the middle of the work: what changed since is recorded whole, with the
    approval events and failed pipelines from before the day that sync pairs it with."""
    fake, store = original
    bound = "2026-10-28T00:00:00"
    recording = _record(fake, "acme/backend", date(2026, 10, 28))
    save(recording, tmp_path / "window.json")
    entry, source = recording.project, team["projects"][0]
    for key, kind in (("merge_requests", "merge_request"), ("issues", "issue")):
        wanted = sorted(i[kind]["iid"] for i in source[key] if i[kind]["updated_at"] >= bound)
        assert wanted and sorted(i[kind]["iid"] for i in entry[key]) == wanted
    recent = {p["id"] for p in source["pipelines"] if p["updated_at"] >= bound}
    assert recent <= {p["id"] for p in entry["pipelines"]}
    older = [p for p in entry["pipelines"] if p["id"] not in recent]
    assert all(p["status"] == "failed" and p["updated_at"] < bound for p in older)
    with _client(fake) as client:
        feed = [e for page in client.pages("/projects/1/events") for e in page.items]
    mrs = {mr["merge_request"]["iid"] for mr in entry["merge_requests"]}
    approved_before = {
        e["id"]
        for e in feed
        if e["action_name"] == "approved" and e["target_iid"] in mrs and e["created_at"] < bound
    }
    assert len(approved_before) >= 3
    recent_events = {e["id"] for e in feed if e["created_at"] >= bound}
    assert [e["id"] for e in entry["events"]] == sorted(recent_events | approved_before)

    expected = _activities(store, "acme/backend")
    replayed = _replay(tmp_path / "window.json", "acme/backend", tmp_path / "replay.db")
    assert replayed == {key: value for key, value in expected.items() if _holds(entry)(key)}


# -- the hand-written dataset: subgroups, ghost and blocked users, DiffNotes, awards on notes -----


def test_the_small_dataset_replays_too_subgroups_included(fake: FakeGitLab, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'original.db'}")
    paths = ("acme/backend", "acme/platform/infra")
    try:
        sync(fake, store, ADMIN_TOKEN, options=SyncOptions(projects=paths))
        for path in paths:
            file = tmp_path / f"{path.replace('/', '_')}.json"
            save(_record(fake, path, date(2025, 1, 1), token=ADMIN_TOKEN), file)
            replayed = _replay(file, path, tmp_path / f"{file.stem}.db", ADMIN_TOKEN)
            assert replayed == _activities(store, path), path
    finally:
        store.close()
    groups = json.loads((tmp_path / "acme_platform_infra.json").read_bytes())["groups"]
    assert [(g["group"]["id"], g["group"]["path"], g["group"]["parent_id"]) for g in groups] == [
        (10, "acme", None),
        (11, "platform", 10),
    ]


def test_a_fix_and_an_approval_across_the_day_replay_too(
    small_data: dict[str, Any], tmp_path: Path
) -> None:
    """MR !1 was approved the day before and merged on the day; pipeline 901 fixed, just
    after midnight, the failure of pipeline 900 the day before."""
    data = copy.deepcopy(small_data)
    backend = data["projects"][0]
    backend["merge_requests"][0]["approvals"]["approved_by"][0]["approved_at"] = (
        "2026-11-02T11:00:00Z"
    )
    fix = next(p for p in backend["pipelines"] if p["id"] == 901)
    fix.update(updated_at="2026-11-03T00:10:00Z", finished_at="2026-11-03T00:10:00Z")
    store = Store(f"sqlite:///{tmp_path / 'original.db'}")
    try:
        with FakeGitLab(data, admin_token=ADMIN_TOKEN, clock=lambda: NOW) as fake:
            sync(fake, store, ADMIN_TOKEN, options=SyncOptions(projects=("acme/backend",)))
            recording = _record(fake, "acme/backend", date(2026, 11, 3), token=ADMIN_TOKEN)
        expected = _activities(store, "acme/backend")
    finally:
        store.close()
    save(recording, tmp_path / "window.json")
    entry = recording.project
    assert [p["id"] for p in entry["pipelines"]] == [900, 901]
    assert [(e["action_name"], e["target_iid"]) for e in entry["events"]][:1] == [("approved", 1)]
    replayed = _replay(tmp_path / "window.json", "acme/backend", tmp_path / "r.db", ADMIN_TOKEN)
    assert replayed == {k: v for k, v in expected.items() if _holds(entry)(k)}
    assert {"approval:100:1:3", "pipeline:901:fixed", "pipeline:900:failed"} <= set(replayed)


def _normalised(value: Any, replay_url: str, original_url: str) -> Any:
    """A payload as the recording promises to keep it: avatars and addresses scrubbed, links
    built by the replay pointing where the original's do."""
    if isinstance(value, dict):
        return {
            key: None
            if key == "avatar_url"
            else REDACTED_EMAIL
            if key.endswith("email") and value[key]
            else _normalised(item, replay_url, original_url)
            for key, item in value.items()
            if key != "is_admin"
        }
    if isinstance(value, list):
        return [_normalised(item, replay_url, original_url) for item in value]
    return value.replace(replay_url, original_url) if isinstance(value, str) else value


def test_the_replay_answers_like_the_original(fake: FakeGitLab, tmp_path: Path) -> None:
    # Fields only the single MR carries, which the replay could not derive from the rest.
    single_only = {"merge_error": "Merge failed: conflicts", "first_contribution": True}
    fake.mutate.update_item("acme/backend", "merge_requests", 1, single_only, NOW)
    file = tmp_path / "backend.json"
    save(_record(fake, "acme/backend", date(2025, 1, 1), token=ADMIN_TOKEN), file)
    api = "/projects/100"
    paths = [api, f"{api}/members/all", f"{api}/events", f"{api}/pipelines", "/users/2"]
    paths += [f"{api}/pipelines/{pipeline}" for pipeline in (900, 901)]
    for kind, iids in (("merge_requests", (1, 2, 3)), ("issues", (1, 2, 3))):
        paths.append(f"{api}/{kind}")
        for iid in iids:
            subs = ["", "/notes", "/discussions", "/award_emoji"]
            if kind == "merge_requests":
                subs += ["/approvals", "/reviewers", "/diffs", "/commits", "/versions"]
            paths += [f"{api}/{kind}/{iid}{sub}" for sub in subs]
    with (
        FakeGitLab(file, admin_token=ADMIN_TOKEN) as replay,
        _client(fake, ADMIN_TOKEN) as there,
        _client(replay, ADMIN_TOKEN) as here,
    ):
        for path in paths:
            query = {"state": "all"} if path.endswith(("_requests", "issues")) else {}
            original, replayed = there.get(path, query), here.get(path, query)
            assert _normalised(replayed, replay.url, fake.url) == _normalised(
                original, replay.url, fake.url
            ), path


def test_what_one_merge_request_costs(fake: FakeGitLab) -> None:
    fake.clear_logs()
    recording = _record(fake, "acme/backend", date(2025, 1, 1), token=ADMIN_TOKEN)
    mr = "/api/v4/projects/100/merge_requests/1"
    asked = [r["path"] for r in fake.requests() if r["path"].startswith(mr)]
    assert sorted(asked) == sorted(
        mr + suffix
        for suffix in (
            "",
            "/notes",
            "/discussions",
            "/approvals",
            "/reviewers",
            "/diffs",
            "/commits",
            "/award_emoji",
        )
    )
    assert recording.requests == len(fake.requests())
    entry = recording.project["merge_requests"][0]
    assert [n["discussion_id"] for n in entry["notes"][:2]] == ["a" * 40] * 2
    assert [a["awardable_type"] for a in entry["award_emoji"]] == ["MergeRequest"]

    # Awards on comments cost one request per comment, so they are asked for explicitly.
    fake.clear_logs()
    recording = _record(fake, "acme/backend", date(2025, 1, 1), token=ADMIN_TOKEN, note_awards=True)
    extra = [r["path"] for r in fake.requests() if r["path"].startswith(f"{mr}/notes/")]
    assert extra == [f"{mr}/notes/{note}/award_emoji" for note in (501, 502, 504)]
    awards = recording.project["merge_requests"][0]["award_emoji"]
    assert {(a["awardable_type"], a.get("awardable_id"), a["name"]) for a in awards} >= {
        ("Note", 501, "eyes")
    }


def test_a_pasted_token_is_masked_and_other_text_kept(fake: FakeGitLab, tmp_path: Path) -> None:
    body = f"Oops, pasted my token {ADMIN_TOKEN} here. Mail support@vendor.example.org instead."
    fake.mutate.add_note(
        "acme/backend",
        "merge_requests",
        1,
        {"body": body, "author": {"id": 2}, "created_at": "2026-11-03T11:00:00Z"},
    )
    recording = _record(fake, "acme/backend", date(2025, 1, 1), token=ADMIN_TOKEN)
    save(recording, tmp_path / "out.json")
    raw = (tmp_path / "out.json").read_text()
    assert ADMIN_TOKEN not in raw
    masked = body.replace(ADMIN_TOKEN, "[masked]")
    notes = recording.project["merge_requests"][0]["notes"]
    assert [n["body"] for n in notes if "pasted" in n["body"]] == [masked]
    events = [e for e in recording.project["events"] if (e.get("note") or {}).get("body") == masked]
    assert len(events) == 1


def test_a_recording_that_would_not_load_is_never_written(tmp_path: Path) -> None:
    broken = Recording(
        {
            "format": FORMAT,
            "users": [],
            "projects": [{"project": {"id": 1, "path_with_namespace": "nobody/x"}}],
        },
        requests=0,
    )
    with pytest.raises(RecordError, match=r"ladder-bot bug.*|namespace 'nobody'") as caught:
        save(broken, tmp_path / "out.json")
    assert "namespace 'nobody' is neither a group nor a username" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


# -- the command line ------------------------------------------------------------------------------


def _config(tmp_path: Path, url: str) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[gitlab]
url = "{url}"
token_env = "RECORD_TEST_TOKEN"

[watch]
projects = ["acme/backend"]

[database]
url = "sqlite:///{tmp_path / "unused.db"}"

[sync]
max_requests_per_minute = 0
"""
    )
    return config


def test_the_command_records_a_project_into_a_file(
    fake: FakeGitLab, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ladder_bot.sync")
    out = tmp_path / "backend.json"
    args = ["record", "--config", str(_config(tmp_path, fake.url)), "--project", "acme/backend"]
    args += ["--since", "2025-01-01", "--out", str(out)]
    result = CliRunner().invoke(main, args, env={"RECORD_TEST_TOKEN": ADMIN_TOKEN})
    assert result.exit_code == 0, result.output
    assert re.fullmatch(
        rf"wrote {re.escape(str(out))}: 3 merge requests, 3 issues, 2 pipelines, "
        r"6 users \(\d+ requests\)\n",
        result.stdout,
    )
    assert ADMIN_TOKEN not in out.read_text()
    assert load_dataset(out).stats()["merge_requests"] == 3
    received = [r.getMessage() for r in caplog.records if r.getMessage().endswith("received")]
    assert received == [
        "acme/backend project: 1 received",
        "acme/backend members: 4 received",
        "acme/backend merge requests: 3 received",
        "acme/backend issues: 3 received",
        "acme/backend pipelines: 2 received",
        "acme/backend events: 15 received",
        "acme/backend users: 6 received",
    ]

    caplog.clear()
    out.unlink()
    quiet = CliRunner().invoke(main, [*args, "--quiet"], env={"RECORD_TEST_TOKEN": ADMIN_TOKEN})
    assert quiet.exit_code == 0 and quiet.stdout == "" and out.exists()


@pytest.mark.parametrize("since", ["2026-13-01", "yesterday", "2026-10-1", "2999-01-01"])
def test_a_broken_since_is_one_line_and_exit_2(tmp_path: Path, since: str) -> None:
    out = tmp_path / "out.json"
    args = ["record", "--config", str(tmp_path / "missing.toml"), "--project", "acme/backend"]
    result = CliRunner().invoke(main, [*args, "--since", since, "--out", str(out)])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ladder-bot: --since: ")
    assert not out.exists()
