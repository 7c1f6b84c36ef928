"""Behaviour of the synthetic GitLab generator: determinism, guarantees, invariants."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bot.activities.suggestions import change_kind
from bot.fakelab.generator import GUARANTEED_FEATURES, generate, write_dataset
from bot.fakelab.generator.corpus.comments import RUBBER_STAMPS
from bot.fakelab.hunks import new_side

Json = dict[str, Any]

END = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SMALL = {"people": 6, "projects": 3, "weeks": 4, "seed": 7, "end": END}
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
HEX40 = re.compile(r"^[0-9a-f]{40}$")
USER_KEYS = {"author", "merge_user", "closed_by", "resolved_by", "user"}
USER_LIST_KEYS = {"assignees", "reviewers"}


@pytest.fixture(scope="module")
def small() -> Json:
    return generate(**SMALL)


# -- helpers ---------------------------------------------------------------------------------------


def mrs(dataset: Json) -> Iterator[tuple[Json, Json]]:
    """(project entry, MR entry) pairs."""
    for project in dataset["projects"]:
        for mr in project["merge_requests"]:
            yield project, mr


def issues(dataset: Json) -> Iterator[tuple[Json, Json]]:
    for project in dataset["projects"]:
        for issue in project["issues"]:
            yield project, issue


def all_notes(dataset: Json) -> Iterator[Json]:
    for _, mr in mrs(dataset):
        yield from mr["notes"]
    for _, issue in issues(dataset):
        yield from issue["notes"]


def diff_paths(dataset: Json) -> list[str]:
    return [d["new_path"] for _, mr in mrs(dataset) for d in mr["diffs"]]


def user_id(dataset: Json, username: str) -> int:
    return next(u["id"] for u in dataset["users"] if u["username"] == username)


def user_refs(value: Any, key: str = "") -> Iterator[int]:
    """Every embedded user id, wherever GitLab embeds users."""
    if isinstance(value, dict):
        if key in USER_KEYS and "id" in value:
            yield value["id"]
        for child_key, child in value.items():
            if child_key in USER_LIST_KEYS and isinstance(child, list):
                for item in child:
                    yield from user_refs(item.get("user", item), "user")
            else:
                yield from user_refs(child, child_key)
    elif isinstance(value, list):
        for item in value:
            yield from user_refs(item, key)


# -- determinism and output -----------------------------------------------------------------------


def test_same_arguments_give_identical_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    write_dataset(generate(**SMALL), first)
    write_dataset(generate(**SMALL), second)
    assert first.read_bytes() == second.read_bytes()


def test_another_seed_gives_another_team(small: Json) -> None:
    other = generate(**{**SMALL, "seed": 8})
    assert json.dumps(other) != json.dumps(small)
    assert [p["username"] for p in other["meta"]["people"]] != [
        p["username"] for p in small["meta"]["people"]
    ]


def test_end_in_another_timezone_means_the_same_instant(small: Json) -> None:
    shifted = generate(**{**SMALL, "end": END.astimezone(timezone(timedelta(hours=2)))})
    assert json.dumps(shifted) == json.dumps(small)


def test_written_file_is_compact_utf8_json(small: Json, tmp_path: Path) -> None:
    path = tmp_path / "team.json"
    write_dataset(small, path)
    raw = path.read_bytes()
    assert raw == json.dumps(small, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert json.loads(raw.decode("utf-8")) == small


@pytest.mark.parametrize(
    "change",
    [{"people": 0}, {"projects": 0}, {"weeks": 0}, {"end": datetime(2026, 3, 2)}],
    ids=["no-people", "no-projects", "no-weeks", "naive-end"],
)
def test_rejects_impossible_arguments(change: Json) -> None:
    with pytest.raises(ValueError):
        generate(**{**SMALL, **change})


def test_loads_with_the_dataset_loader(small: Json) -> None:
    dataset = pytest.importorskip("bot.fakelab.dataset")
    state = dataset.load_dataset(small)
    assert len(state.projects) == SMALL["projects"]


@pytest.mark.parametrize(
    ("people", "projects", "weeks"), [(1, 1, 1), (2, 5, 2), (3, 22, 1)], ids=str
)
def test_odd_shapes_still_load(people: int, projects: int, weeks: int) -> None:
    data = generate(people=people, projects=projects, weeks=weeks, seed=3, end=END)
    assert len(data["projects"]) == projects
    assert len({p["project"]["path_with_namespace"] for p in data["projects"]}) == projects
    dataset = pytest.importorskip("bot.fakelab.dataset")
    dataset.load_dataset(data)


# -- a small team still shows everything ------------------------------------------------------------


def _revert(d: Json) -> bool:
    for project, mr in mrs(d):
        payload = mr["merge_request"]
        match = re.fullmatch(r"This reverts merge request !(\d+)", payload["description"] or "")
        iids = {m["merge_request"]["iid"] for m in project["merge_requests"]}
        if payload["title"].startswith('Revert "') and match and int(match[1]) in iids:
            return True
    return False


def _failed_then_fixed(d: Json) -> bool:
    for project in d["projects"]:
        runs = sorted(project["pipelines"], key=lambda p: p["created_at"])
        for index, failed in enumerate(runs):
            if failed["status"] == "failed":
                later = runs[index + 1 :]
                if any(
                    p["ref"] == failed["ref"]
                    and p["status"] == "success"
                    and p["sha"] != failed["sha"]
                    for p in later
                ):
                    return True
    return False


def _suggestion(d: Json) -> bool:
    keys = {
        "base_sha",
        "start_sha",
        "head_sha",
        "old_path",
        "new_path",
        "position_type",
        "new_line",
    }
    return any(
        n.get("type") == "DiffNote"
        and "```suggestion:-0+0\n" in n["body"]
        and keys <= set(n["position"])
        and n["position"]["position_type"] == "text"
        for n in all_notes(d)
    )


def _incident_led_and_closed(d: Json) -> bool:
    for _, issue in issues(d):
        payload = issue["issue"]
        if payload["issue_type"] != "incident" or payload["state"] != "closed":
            continue
        lead = payload["assignees"][0]["id"]
        timeline = [n for n in issue["notes"] if n["body"].startswith("## Timeline")]
        if (
            "incident" in payload["labels"]
            and payload.get("severity")
            and payload["closed_by"]["id"] == lead
            and timeline
            and timeline[0]["author"]["id"] == lead
        ):
            return True
    return False


def _split_issue(d: Json) -> bool:
    for project, issue in issues(d):
        children = [
            int(n)
            for n in re.findall(r"^- \[[ x]\] #(\d+)$", issue["issue"]["description"] or "", re.M)
        ]
        if len(children) >= 2:
            by_iid = {i["issue"]["iid"]: i["issue"] for i in project["issues"]}
            parent = issue["issue"]["iid"]
            return all(by_iid[c]["description"].startswith(f"Part of #{parent}") for c in children)
    return False


def _issue_answer(d: Json) -> bool:
    """Someone asks on an issue and someone else answers, mentioning them, in the same thread."""
    users = {u["id"]: u["username"] for u in d["users"]}
    for _, issue in issues(d):
        threads: dict[str, list[Json]] = {}
        for note in issue["notes"]:
            if "discussion_id" in note:
                threads.setdefault(note["discussion_id"], []).append(note)
        for thread in threads.values():
            if len(thread) >= 2:
                asker, answer = thread[0]["author"]["id"], thread[1]
                if answer["author"]["id"] != asker and f"@{users[asker]}" in answer["body"]:
                    return True
    return False


def _bot_note(d: Json, pattern: str) -> bool:
    bots = {u["id"] for u in d["users"] if re.fullmatch(pattern, u["username"]) and u["bot"]}
    return any(n["author"]["id"] in bots for n in all_notes(d))


def _description(d: Json, check: Callable[[str | None], bool]) -> bool:
    return any(check(mr["merge_request"]["description"]) for _, mr in mrs(d))


def _system(d: Json, prefix: str) -> bool:
    return any(n.get("system") and n["body"].startswith(prefix) for n in all_notes(d))


GUARANTEES: dict[str, Callable[[Json], bool]] = {
    "renovate-bot MR": lambda d: any(
        m["merge_request"]["author"]["id"] == user_id(d, "renovate-bot")
        and m["merge_request"]["labels"] == ["dependencies"]
        for _, m in mrs(d)
    ),
    "project access-token bot note": lambda d: _bot_note(d, r"project_\d+_bot_[0-9a-f]{32}"),
    "CI bot note": lambda d: _bot_note(d, r"ci-bot"),
    "ghost MR": lambda d: any(
        m["merge_request"]["author"]["id"] == user_id(d, "ghost") for _, m in mrs(d)
    ),
    "ghost note": lambda d: any(n["author"]["id"] == user_id(d, "ghost") for n in all_notes(d)),
    "blocked user": lambda d: any(u["state"] == "blocked" for u in d["users"]),
    "null avatar": lambda d: any(u["avatar_url"] is None for u in d["users"]),
    "admin root": lambda d: any(u["username"] == "root" and u.get("is_admin") for u in d["users"]),
    "confidential issue": lambda d: any(i["issue"]["confidential"] for _, i in issues(d)),
    "incident led and closed": _incident_led_and_closed,
    "task": lambda d: any(i["issue"]["issue_type"] == "task" for _, i in issues(d)),
    "issue split into children": _split_issue,
    "question answered on an issue": _issue_answer,
    "revert": _revert,
    "draft": lambda d: any(
        m["merge_request"]["draft"] and m["merge_request"]["title"].startswith("Draft: ")
        for _, m in mrs(d)
    ),
    "closed MR": lambda d: any(
        m["merge_request"]["state"] == "closed" and m["merge_request"]["closed_by"]
        for _, m in mrs(d)
    ),
    "opened MR": lambda d: any(m["merge_request"]["state"] == "opened" for _, m in mrs(d)),
    "failed then fixed pipeline": _failed_then_fixed,
    "running pipeline": lambda d: any(
        p["status"] == "running" for pr in d["projects"] for p in pr["pipelines"]
    ),
    "DiffNote with suggestion": _suggestion,
    "internal MR note": lambda d: any(n.get("internal") for _, m in mrs(d) for n in m["notes"]),
    "internal issue note": lambda d: any(
        n.get("internal") for _, i in issues(d) for n in i["notes"]
    ),
    "resolved thread": lambda d: any(
        n.get("resolved") and n.get("resolved_by") and n.get("resolved_at") for n in all_notes(d)
    ),
    "rubber stamp": lambda d: any(n["body"] in RUBBER_STAMPS for n in all_notes(d)),
    "nit": lambda d: any(n["body"].startswith("nit: ") for n in all_notes(d)),
    "author reply in a thread": lambda d: any(
        n.get("discussion_id") and n["author"] == m["merge_request"]["author"]
        for _, m in mrs(d)
        for n in m["notes"]
    ),
    "approval system note": lambda d: _system(d, "approved this merge request"),
    "review request system note": lambda d: _system(d, "requested review from @"),
    "added commit system note": lambda d: _system(d, "added 1 commit\n\n<ul><li>"),
    "ready system note": lambda d: _system(d, "marked this merge request as **ready**"),
    "cross-reference system note": lambda d: _system(d, "mentioned in merge request !"),
    "migration path": lambda d: any(
        re.search(r"(db/migrate/\d{14}_|migrations/|db/migration/V\d+__)", p) for p in diff_paths(d)
    ),
    "test path": lambda d: any(
        re.search(r"(^|/)(tests?|spec)/|Test\.java$|\.test\.tsx?$", p) for p in diff_paths(d)
    ),
    "docs path": lambda d: any(p.endswith(".md") for p in diff_paths(d)),
    "CI path": lambda d: any(
        p in (".gitlab-ci.yml", "Dockerfile") or p.startswith("ci/") for p in diff_paths(d)
    ),
    "renamed file": lambda d: any(
        x["renamed_file"] and x["old_path"] != x["new_path"] for _, m in mrs(d) for x in m["diffs"]
    ),
    "deleted file": lambda d: any(x["deleted_file"] for _, m in mrs(d) for x in m["diffs"]),
    "empty description": lambda d: _description(d, lambda s: s == ""),
    "null description": lambda d: _description(d, lambda s: s is None),
    "one-line description": lambda d: _description(d, lambda s: bool(s) and "\n" not in (s or "")),
    "unfilled template": lambda d: _description(
        d, lambda s: (s or "").startswith("## What does this MR do?\n\n<!--")
    ),
    "thorough description": lambda d: _description(
        d, lambda s: "## Why" in (s or "") and "## How to test" in (s or "")
    ),
    "Closes #N": lambda d: _description(d, lambda s: bool(re.search(r"Closes #\d+", s or ""))),
    "@mention in description": lambda d: _description(
        d, lambda s: bool(re.search(r"@[a-z]", s or ""))
    ),
    "MR award emoji": lambda d: any(
        a.get("awardable_type") != "Note" for _, m in mrs(d) for a in m.get("award_emoji", [])
    ),
    "note award emoji": lambda d: any(
        a.get("awardable_type") == "Note" for _, m in mrs(d) for a in m.get("award_emoji", [])
    ),
}


@pytest.mark.parametrize("feature", list(GUARANTEES))
def test_small_team_shows(small: Json, feature: str) -> None:
    assert GUARANTEES[feature](small), feature


def test_generator_reports_no_missing_feature(small: Json) -> None:
    assert small["meta"]["missing_features"] == []
    assert "incident" in GUARANTEED_FEATURES


@pytest.mark.parametrize("seed", range(4))
def test_guarantees_hold_for_other_seeds_and_ends(seed: int) -> None:
    end = END + timedelta(hours=37 * seed)
    data = generate(people=6, projects=1 + seed % 3, weeks=4, seed=100 + seed, end=end)
    assert data["meta"]["missing_features"] == []


# -- the cast -----------------------------------------------------------------------------------------


def test_bots_are_flagged(small: Json) -> None:
    bots = {u["username"] for u in small["users"] if u["bot"]}
    assert {"renovate-bot", "ci-bot"} <= bots
    assert (
        len([b for b in bots if re.fullmatch(r"project_\d+_bot_[0-9a-f]{32}", b)])
        == SMALL["projects"]
    )
    assert set(small["meta"]["bots"]) == bots
    humans = {p["username"] for p in small["meta"]["people"]}
    assert not humans & bots


def test_special_users(small: Json) -> None:
    by_name = {u["username"]: u for u in small["users"]}
    assert by_name["ghost"]["name"] == "Ghost User"
    assert by_name["root"]["is_admin"] is True
    assert sum(u.get("is_admin", False) for u in small["users"]) == 1
    assert [u["state"] for u in small["users"]].count("blocked") == 1


def test_usernames_and_tokens_are_unique(small: Json) -> None:
    users = small["users"]
    assert len({u["username"] for u in users}) == len(users)
    assert len({u["id"] for u in users}) == len(users)
    tokens = small["tokens"]
    assert len({t["token"] for t in tokens}) == len(tokens)
    assert all(re.fullmatch(r"glpat-[A-Za-z0-9_-]{20}", t["token"]) for t in tokens)
    with_token = {t["username"] for t in tokens}
    assert {p["username"] for p in small["meta"]["people"]} <= with_token
    assert set(small["meta"]["bots"]) <= with_token


def test_levels_follow_a_realistic_distribution() -> None:
    data = generate(people=50, projects=2, weeks=1, seed=5, end=END)
    people = data["meta"]["people"]
    assert len(people) == 50
    levels = Counter(p["level"] for p in people)
    assert set(levels) == {1, 2, 3, 4, 5, 6}
    assert levels[2] + levels[3] > len(people) / 2  # most people are at levels 2-3
    assert levels[5] + levels[6] < len(people) / 5  # few at 5-6
    assert levels[6] <= levels[5] <= levels[4]
    assert data["meta"]["generator"] == {
        "people": 50,
        "projects": 2,
        "weeks": 1,
        "seed": 5,
        "end": "2026-03-02T09:30:00.000Z",
    }


def test_groups_and_membership(small: Json) -> None:
    groups = {g["group"]["id"]: g["group"] for g in small["groups"]}
    paths = {g["path"] for g in groups.values()}
    assert paths == {"acme", "platform"}
    namespaces = {p["project"]["path_with_namespace"].rsplit("/", 1)[0] for p in small["projects"]}
    assert namespaces <= {"acme", "acme/platform"}
    for project in small["projects"]:
        levels = Counter(m["access_level"] for m in project["members"])
        assert levels[40] >= 2  # a couple of maintainers (one is the project's token bot)
        assert levels[30] >= 1


# -- volume -----------------------------------------------------------------------------------------


def test_activity_volume_matches_a_real_team() -> None:
    weeks, people = 8, 20
    data = generate(people=people, projects=4, weeks=weeks, seed=2, end=END)
    person_weeks = people * weeks
    mr_count = sum(1 for _ in mrs(data))
    issue_count = sum(1 for _ in issues(data))
    pipelines = sum(len(p["pipelines"]) for p in data["projects"])
    assert 4.0 <= mr_count / person_weeks <= 5.6
    assert 1.1 <= issue_count / person_weeks <= 1.9
    assert mr_count <= pipelines <= 2 * mr_count
    states = Counter(m["merge_request"]["state"] for _, m in mrs(data))
    assert states["merged"] > 0.8 * mr_count


def test_seniors_review_more_and_juniors_receive_more_review() -> None:
    data = generate(people=30, projects=3, weeks=6, seed=4, end=END)
    ids = {u["id"]: u["username"] for u in data["users"]}
    level = {p["username"]: p["level"] for p in data["meta"]["people"]}
    written: Counter[int] = Counter()
    received: Counter[int] = Counter()
    authored: Counter[int] = Counter()
    for _, mr in mrs(data):
        author = mr["merge_request"]["author"]["id"]
        authored[level.get(ids[author], 0)] += 1
        for note in mr["notes"]:
            if note.get("type") and note["author"]["id"] != author:
                written[level.get(ids[note["author"]["id"]], 0)] += 1
                received[level.get(ids[author], 0)] += 1
    heads = Counter(level.values())
    assert written[5] / heads[5] > written[2] / heads[2]
    assert received[1] / authored[1] > received[4] / authored[4]


# -- invariants -------------------------------------------------------------------------------------


def test_times_are_gitlab_formatted_and_inside_the_span(small: Json) -> None:
    start, end = "2026-02-02T09:30:00.000Z", "2026-03-02T09:30:00.000Z"

    def walk(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
        if isinstance(value, dict):
            for k, v in value.items():
                yield from walk(v, k)
        elif isinstance(value, list):
            for v in value:
                yield from walk(v, key)
        elif isinstance(value, str) and (key.endswith(("_at", "_date"))):
            yield key, value

    for project in small["projects"]:
        stamps = list(walk({k: v for k, v in project.items() if k != "project"}))
        assert stamps
        for key, stamp in stamps:
            assert TIME.match(stamp), (key, stamp)
            assert stamp < end, (key, stamp)
            if key not in ("authored_date", "committed_date", "created_at"):
                assert stamp >= start, (key, stamp)


def test_merge_request_timeline_is_ordered(small: Json) -> None:
    for _, mr in mrs(small):
        payload = mr["merge_request"]
        created, updated = payload["created_at"], payload["updated_at"]
        times = [n["created_at"] for n in mr["notes"]]
        assert times == sorted(times)
        assert all(created <= t <= updated for t in times)
        approvals = [a["approved_at"] for a in mr["approvals"]["approved_by"]]
        assert all(created <= t <= updated for t in approvals)
        for key in ("merged_at", "closed_at"):
            if payload[key]:
                assert created <= payload[key] <= updated
                assert all(t <= payload[key] for t in approvals)
        for award in mr.get("award_emoji", []):
            assert award["created_at"] >= created


def test_merge_request_states_are_consistent(small: Json) -> None:
    for _, mr in mrs(small):
        payload = mr["merge_request"]
        state = payload["state"]
        assert (state == "merged") == bool(payload["merged_at"] and payload["merge_user"])
        assert (state == "closed") == bool(payload["closed_at"] and payload["closed_by"])
        assert payload["draft"] == payload["title"].startswith("Draft: ")
        if payload["draft"]:
            assert state == "opened"
        reviewers = {r["user"]["id"] for r in mr["reviewers"]}
        assert {a["user"]["id"] for a in mr["approvals"]["approved_by"]} <= reviewers
        assert all(
            r["state"] in ("reviewed", "unreviewed", "requested_changes", "approved")
            for r in mr["reviewers"]
        )


def test_threads_start_with_the_reviewer_and_stay_together(small: Json) -> None:
    for _, mr in mrs(small):
        threads: dict[str, list[Json]] = {}
        for note in mr["notes"]:
            if "discussion_id" in note:
                assert HEX40.match(note["discussion_id"])
                threads.setdefault(note["discussion_id"], []).append(note)
        for thread in threads.values():
            assert len({n["type"] for n in thread}) == 1
            assert thread[0]["author"] != mr["merge_request"]["author"]
            assert len({n.get("resolved", False) for n in thread}) == 1


def test_replies_citing_a_fix_come_after_the_fix_was_pushed(small: Json) -> None:
    checked = 0
    for _, mr in mrs(small):
        pushed = {c["short_id"]: c["created_at"] for c in mr["commits"]}
        for note in mr["notes"]:
            cited = re.search(r"\b([0-9a-f]{8})\.$", note["body"])
            if cited and cited[1] in pushed and not note.get("system"):
                assert pushed[cited[1]] <= note["created_at"]
                checked += 1
    assert checked


def test_commits_are_newest_first_and_head_the_mr(small: Json) -> None:
    for _, mr in mrs(small):
        commits = mr["commits"]
        assert len(commits) >= 1
        assert all(HEX40.match(c["id"]) and c["short_id"] == c["id"][:8] for c in commits)
        dates = [c["created_at"] for c in commits]
        assert dates == sorted(dates, reverse=True)
        assert mr["merge_request"]["sha"] == commits[0]["id"]
        assert all(c["title"] and c["author_email"] for c in commits)


def test_issue_timeline_is_ordered(small: Json) -> None:
    for _, issue in issues(small):
        payload = issue["issue"]
        times = [n["created_at"] for n in issue["notes"]]
        assert times == sorted(times)
        assert all(payload["created_at"] <= t <= payload["updated_at"] for t in times)
        if payload["state"] == "closed":
            assert payload["created_at"] <= payload["closed_at"] <= payload["updated_at"]
            assert payload["closed_by"]
        else:
            assert not payload.get("closed_at")


def test_pipelines_are_ordered(small: Json) -> None:
    for project in small["projects"]:
        iids = [p["iid"] for p in sorted(project["pipelines"], key=lambda p: p["created_at"])]
        assert iids == list(range(1, len(iids) + 1))
        for pipeline in project["pipelines"]:
            assert pipeline["source"] in ("merge_request_event", "push", "schedule", "web")
            if pipeline["status"] in ("success", "failed", "canceled"):
                stamps = [
                    pipeline[k] for k in ("created_at", "started_at", "finished_at", "updated_at")
                ]
                assert stamps == sorted(stamps)
                assert pipeline["duration"] > 0
            else:
                assert pipeline["finished_at"] is None


# -- referential integrity --------------------------------------------------------------------------


def test_every_user_reference_exists(small: Json) -> None:
    known = {u["id"] for u in small["users"]}
    referenced = set(user_refs(small["projects"]))
    assert referenced
    assert referenced <= known
    members = {m["id"] for entry in small["projects"] + small["groups"] for m in entry["members"]}
    assert members <= known


def test_issue_and_mr_references_exist_in_the_same_project(small: Json) -> None:
    checked = 0
    for project in small["projects"]:
        issue_iids = {i["issue"]["iid"] for i in project["issues"]}
        mr_iids = {m["merge_request"]["iid"] for m in project["merge_requests"]}
        texts = [m["merge_request"]["description"] or "" for m in project["merge_requests"]]
        texts += [i["issue"]["description"] or "" for i in project["issues"]]
        texts += [n["body"] for m in project["merge_requests"] for n in m["notes"]]
        texts += [n["body"] for i in project["issues"] for n in i["notes"]]
        for text in texts:
            for iid in re.findall(
                r"(?:Closes|Relates to|Part of|mentioned in issue|\]) #(\d+)", text
            ):
                assert int(iid) in issue_iids, text
                checked += 1
            for iid in re.findall(
                r"(?:reverts merge request|mentioned in merge request|in|Closing,) !(\d+)", text
            ):
                assert int(iid) in mr_iids, text
                checked += 1
    assert checked


def test_iids_are_unique_per_project_and_ids_globally(small: Json) -> None:
    for project in small["projects"]:
        for key, inner in (("merge_requests", "merge_request"), ("issues", "issue")):
            iids = [item[inner]["iid"] for item in project[key]]
            assert sorted(iids) == list(range(1, len(iids) + 1))
    kinds: dict[str, list[int]] = {
        "mr": [m["merge_request"]["id"] for _, m in mrs(small)],
        "issue": [i["issue"]["id"] for _, i in issues(small)],
        "note": [n["id"] for n in all_notes(small)],
        "pipeline": [p["id"] for pr in small["projects"] for p in pr["pipelines"]],
        "project": [p["project"]["id"] for p in small["projects"]],
    }
    for kind, ids in kinds.items():
        assert len(set(ids)) == len(ids), kind


def test_note_awards_point_at_notes_of_the_same_mr(small: Json) -> None:
    for _, mr in mrs(small):
        note_ids = {n["id"] for n in mr["notes"]}
        for award in mr.get("award_emoji", []):
            if award.get("awardable_type") == "Note":
                assert award["awardable_id"] in note_ids


def test_diffnotes_point_at_changed_files(small: Json) -> None:
    for _, mr in mrs(small):
        paths = {d["new_path"] for d in mr["diffs"]}
        refs = mr["merge_request"]["diff_refs"]
        for note in mr["notes"]:
            if note.get("type") == "DiffNote":
                position = note["position"]
                assert position["new_path"] in paths
                assert position["base_sha"] == refs["base_sha"]
                assert position["head_sha"] in {c["id"] for c in mr["commits"]}


def test_suggestions_replace_lines_the_diff_shows_and_some_only_touch_the_surface(
    small: Json,
) -> None:
    """A suggestion sits on a line the diff shows (the offline GitLab then knows what it
    replaces); some rename or re-indent that line, others propose other code."""
    kinds: Counter[str] = Counter()
    for _, mr in mrs(small):
        shown = {d["new_path"]: new_side(d["diff"]) for d in mr["diffs"]}
        for note in mr["notes"]:
            block = re.search(r"```suggestion:-0\+0\n(.*?)\n```", note["body"], re.S)
            if note.get("type") != "DiffNote" or block is None:
                continue
            position = note["position"]
            lines = shown[position["new_path"]]
            if lines:
                assert position["new_line"] in lines
                old = lines[position["new_line"]] + "\n"
                kinds[change_kind(old, block.group(1), position["new_path"])] += 1
    assert kinds["content"] > 0
    assert kinds["naming"] + kinds["whitespace"] + kinds["wording"] > 0, kinds


def test_no_derived_fields_are_written(small: Json) -> None:
    text = json.dumps(small)
    assert '"web_url"' not in text
    assert all("events" not in project for project in small["projects"])
