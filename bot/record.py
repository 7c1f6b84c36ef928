"""Record a real GitLab project as a ``ladder-bot-dataset/1`` file (``ladder-bot record``).

The recording is what the offline GitLab serves back: ``ladder-bot fake-gitlab serve --data
FILE`` answers like the original did, so a problem can be reproduced, or a rule developed,
without the real GitLab. Syncing the replay gives the same activities as syncing the original,
for everything the recording holds (``tests/sync/test_record.py`` holds it to that).

Every request goes through :class:`~bot.sync.client.GitLabClient`, paced and retried like sync.
What one recording asks GitLab for:

- the project (``GET /projects/:id``), ``GET /version``, its members with the inherited ones
  (``/members/all``), and each group of its namespace (``GET /groups/:id``, parents up);
- merge requests updated since the day (``state=all``, ``updated_after``), and for each: the
  single MR (``diff_refs``, ``changes_count`` and the other single-only fields), ``/notes``
  (system notes too), ``/discussions`` (the ``discussion_id`` of every note), ``/approvals``,
  ``/reviewers``, ``/diffs``, ``/commits`` and ``/award_emoji``: 8 requests per MR while each
  list fits one page. With ``note_awards``, also ``/notes/:id/award_emoji`` for every comment;
- issues updated since the day, and for each ``/notes``, ``/discussions``, ``/award_emoji``;
- pipelines updated since the day, and the single pipeline of each (the list has no ``user``);
- the project's events from that day on (``after`` is exclusive, so ``after=DAY-1``);
- the project's description templates (``/templates/merge_requests`` and ``/templates/issues``,
  and each one's content);
- every user the above mention, members included (``GET /users/:id``: only it says ``bot``).

Lists are walked by ``updated_at`` like sync walks them, so an item changed during the
recording is not skipped. An item deleted halfway through is left out.

Scrubbing, before anything is written: the token is masked wherever it appears, and so is any
``*_token`` field; the project's ``runners_token``, ``service_desk_address``, ``import_url`` and
``import_error`` are left out; users keep only GitLab's public profile fields; ``email``,
``public_email``, ``commit_email`` and commit ``author_email``/``committer_email`` become
``redacted@example.invalid``, as does any address in a commit's other fields (messages,
trailers); every ``avatar_url`` is null. Text bodies (notes, descriptions) are kept as they are,
and so are ``web_url``s, so replayed activities link to the original GitLab. The dataset is validated with the offline GitLab's own loader before it is
written: a recording that would not load is a bug here, never a file on disk.

Time is a parameter (``now``); this module never reads the clock.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from bot.errors import BotError, DatasetError
from bot.fakelab.dataset import load_dataset
from bot.fakelab.dataset_schema import FORMAT
from bot.sync import templates
from bot.sync.client import GitLabAuthError, GitLabClient, GitLabNotFound, project_path
from bot.sync.context import NoProgress, Progress, updated_pages
from bot.sync.users import referenced_users

__all__ = [
    "MASK",
    "REDACTED_EMAIL",
    "RecordError",
    "Recording",
    "parse_since",
    "record_project",
    "save",
]

log = logging.getLogger("ladder_bot.record")

Payload = dict[str, Any]

REDACTED_EMAIL: Final = "redacted@example.invalid"
MASK: Final = "[masked]"
PER_PAGE: Final = 100
# Anything shaped like an address, in a commit's fields (messages, trailers).
_EMAIL: Final = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_EMAIL_KEYS: Final = frozenset(
    {"email", "public_email", "commit_email", "author_email", "committer_email"}
)
# Project fields that hold secrets or addresses (a Maintainer's token sees them): left out.
_DROPPED_KEYS: Final = frozenset(
    {"runners_token", "service_desk_address", "import_url", "import_error"}
)
_DAY: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
# ``Entities::UserBasic`` and ``Entities::User``: what GitLab shows anyone. What an
# administrator's token sees beyond that (email, sign-in IPs, identities, the admin note) is
# never recorded.
_USER_FIELDS: Final = (
    "id",
    "username",
    "name",
    "state",
    "locked",
    "avatar_url",
    "web_url",
    "created_at",
    "bio",
    "location",
    "public_email",
    "linkedin",
    "twitter",
    "discord",
    "github",
    "website_url",
    "organization",
    "job_title",
    "pronouns",
    "bot",
    "work_information",
)
_GROUP_FIELDS: Final = (
    "id",
    "path",
    "name",
    "parent_id",
    "visibility",
    "description",
    "created_at",
)
_INSTANCE_FIELDS: Final = ("version", "revision")
_FINISHED: Final = frozenset({"success", "failed"})
# The access levels the dataset format knows (GitLab's member levels).
_ACCESS_LEVELS: Final = frozenset({5, 10, 15, 20, 30, 40, 50})


class RecordError(BotError):
    """The recording cannot be made or written."""


@dataclass(frozen=True)
class Recording:
    """A recorded dataset and what it cost."""

    dataset: Payload
    requests: int

    @property
    def project(self) -> Payload:
        entry: Payload = self.dataset["projects"][0]
        return entry

    def line(self, out: Path | str) -> str:
        """``wrote FILE: N merge requests, M issues, P pipelines, K users (R requests)``."""
        entry = self.project
        return (
            f"wrote {out}: {len(entry['merge_requests'])} merge requests, "
            f"{len(entry['issues'])} issues, {len(entry['pipelines'])} pipelines, "
            f"{len(self.dataset['users'])} users ({self.requests} requests)"
        )


def parse_since(text: str, now: datetime) -> date:
    """``--since``: a ``YYYY-MM-DD`` day (UTC), not after ``now``."""
    value = text.strip()
    try:
        if not _DAY.fullmatch(value):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise RecordError(f"--since: expected a date like 2026-10-01, got {text!r}") from None
    if day > now.astimezone(UTC).date():
        raise RecordError(f"--since: {value} is in the future")
    return day


def record_project(
    client: GitLabClient,
    project: str,
    since: date,
    *,
    now: datetime,
    secrets: Sequence[str] = (),
    note_awards: bool = False,
    progress: Progress | None = None,
) -> Recording:
    """Record ``project`` (a path or id) with what changed from ``since`` (00:00 UTC) on.

    ``secrets`` (the token) are masked wherever they appear. ``note_awards`` also fetches the
    award emoji of every comment: GitLab's notes carry no award count to tell which have any,
    so it costs a request per comment. Raises the client's errors (``GitLabError``).
    """
    started = client.requests
    recorder = _Recorder(client, since, note_awards, progress or NoProgress())
    dataset = recorder.record(project)
    dataset["meta"] = {
        "recorded": {
            "project": str(dataset["projects"][0]["project"]["path_with_namespace"]),
            "since": since.isoformat(),
            "from": urlsplit(client.url).hostname or "",
            "at": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    }
    return Recording(_scrub(dataset, tuple(s for s in secrets if s)), client.requests - started)


def save(recording: Recording, out: Path) -> None:
    """Validate the recording as a dataset, then write it to ``out`` (replaced atomically)."""
    text = json.dumps(recording.dataset, ensure_ascii=False, separators=(",", ":"))
    try:
        load_dataset(json.loads(text), name=str(out))
    except DatasetError as exc:
        raise RecordError(
            f"the recording does not load as a dataset, so it was not written ({exc}); "
            "this is a ladder-bot bug: please report it"
        ) from None
    target = Path(out)
    try:
        handle, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
                stream.write("\n")
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise RecordError(f"cannot write {out}: {exc.strerror or type(exc).__name__}") from None


# -- fetching ----------------------------------------------------------------------------------


class _Recorder:
    def __init__(
        self, client: GitLabClient, since: date, note_awards: bool, progress: Progress
    ) -> None:
        self.client = client
        self.since = datetime(since.year, since.month, since.day, tzinfo=UTC)
        self.events_after = (since - timedelta(days=1)).isoformat()
        self.note_awards = note_awards
        self.progress = progress
        self.path = ""
        # Every user id seen, with the embedded payload it was first seen in: the fallback for
        # a user GitLab no longer shows.
        self.wanted: dict[int, Mapping[str, Any]] = {}

    def record(self, ref: str) -> Payload:
        api = project_path(ref)
        project = self.client.get(api)
        self.path = str(project["path_with_namespace"])
        api = f"/projects/{int(project['id'])}"
        self.progress.start(self.path, "project")
        instance = self.instance()
        groups = self.namespace(project)
        self.progress.advance(1)
        self.progress.finish()
        members = self.members(api)
        merge_requests = self.merge_requests(api)
        entry: Payload = {
            "project": project,
            "members": members,
            "merge_requests": merge_requests,
            "issues": self.issues(api),
            "pipelines": self.pipelines(api),
            "events": self.events(api, merge_requests),
            "templates": self.templates(api),
        }
        dataset: Payload = {"format": FORMAT}
        if instance:
            dataset["instance"] = instance
        dataset["users"] = self.users()
        dataset["groups"] = groups
        dataset["projects"] = [entry]
        return dataset

    def templates(self, api: str) -> Payload:
        """The project's description templates by type and name (none where GitLab refuses
        them, as sync reads them)."""
        found = {
            kind: {
                str(p["name"]): str(p["content"])
                for _, p in templates.fetch(self.client, api, self.path, kind)
            }
            for kind in templates.KINDS
        }
        return {kind: named for kind, named in found.items() if named}

    # -- helpers

    def listing(self, path: str, params: Mapping[str, Any] | None = None) -> list[Payload]:
        """Every item of a list, each once (by ``id`` where it has one)."""
        items: list[Payload] = []
        seen: set[Any] = set()
        for page in self.client.pages(path, {**(params or {}), "per_page": PER_PAGE}):
            for item in page.items:
                key = item.get("id") if isinstance(item, dict) else None
                if key is not None and key in seen:
                    continue
                seen.add(key)
                items.append(item)
        return items

    def updated(self, path: str, params: Payload, key: str) -> list[Payload]:
        """The items of a list updated since the day, walked like sync walks them, by ``key``."""
        found: dict[int, Payload] = {}
        for page, _ in updated_pages(
            self.client, path, {**params, "per_page": PER_PAGE}, self.since
        ):
            for item in page.items:
                found[int(item[key])] = item  # a later copy is the newer one
        return [found[k] for k in sorted(found)]

    def optional(self, path: str) -> Any:
        """One document, or None where GitLab has no such endpoint (404)."""
        try:
            return self.client.get(path)
        except GitLabNotFound:
            log.info("GET %s: 404, recorded as empty", path)
            return None

    def want(self, users: Iterable[Mapping[str, Any]]) -> None:
        for user in users:
            uid = user.get("id")
            if isinstance(uid, int) and not isinstance(uid, bool):
                self.wanted.setdefault(uid, user)

    def want_in(self, payloads: Iterable[Mapping[str, Any]]) -> None:
        for payload in payloads:
            self.want(referenced_users(payload))

    # -- the project

    def instance(self) -> Payload:
        try:
            version = self.client.get("/version")
        except (GitLabNotFound, GitLabAuthError):
            return {}
        if not isinstance(version, dict):
            return {}
        return {k: version[k] for k in _INSTANCE_FIELDS if isinstance(version.get(k), str)}

    def namespace(self, project: Mapping[str, Any]) -> list[Payload]:
        """The groups the project's path goes through, top first; or its owner's user."""
        namespace = project.get("namespace") or {}
        if namespace.get("kind") != "group":
            owner = str(project["path_with_namespace"]).rpartition("/")[0]
            found = self.client.get("/users", {"username": owner})
            self.want(u for u in found or () if str(u.get("username")).lower() == owner.lower())
            return []
        groups: list[Payload] = []
        group_id = namespace.get("id")
        while group_id:
            group = self.client.get(f"/groups/{int(group_id)}", {"with_projects": "false"})
            groups.append({"group": {k: group[k] for k in _GROUP_FIELDS if k in group}})
            group_id = group.get("parent_id")
        return groups[::-1]

    def members(self, api: str) -> list[Payload]:
        self.progress.start(self.path, "members")
        levels: dict[int, int] = {}
        rows: dict[int, Payload] = {}
        for member in self.listing(f"{api}/members/all"):
            uid, level = member.get("id"), member.get("access_level")
            if not isinstance(uid, int) or level not in _ACCESS_LEVELS:
                continue
            if level > levels.get(uid, 0):
                levels[uid] = level
                rows[uid] = {
                    "id": uid,
                    "access_level": level,
                    "created_at": member.get("created_at"),
                    "expires_at": member.get("expires_at"),
                }
            self.want([member])
        self.progress.advance(len(rows))
        self.progress.finish()
        return [rows[uid] for uid in sorted(rows)]

    # -- merge requests and issues

    def merge_requests(self, api: str) -> list[Payload]:
        self.progress.start(self.path, "merge requests")
        out: list[Payload] = []
        for item in self.updated(f"{api}/merge_requests", {"state": "all"}, "iid"):
            entry = self._skip_if_gone(self.merge_request, api, item, "merge request !")
            if entry is not None:
                out.append(entry)
            self.progress.advance(1)
        self.progress.finish()
        return out

    def merge_request(self, api: str, item: Payload) -> Payload:
        base = f"{api}/merge_requests/{int(item['iid'])}"
        single = self.client.get(base)
        merge_request = {**item, **single}
        notes = self.notes(base)
        # Older or smaller GitLabs may lack these two; the MR itself answered just now.
        approvals = self.optional(f"{base}/approvals") or {}
        reviewers = self.optional(f"{base}/reviewers") or []
        diffs = self.listing(f"{base}/diffs")
        commits = [_scrub_commit(commit) for commit in self.listing(f"{base}/commits")]
        awards = self.awards(base, notes)
        approved_by = [
            {key: a[key] for key in ("user", "approved_at") if a.get(key) is not None}
            for a in approvals.get("approved_by") or ()
            if isinstance(a, dict) and isinstance(a.get("user"), dict)
        ]
        self.want_in([merge_request, *notes, *approved_by, *reviewers, *awards])
        recorded_approvals: Payload = {"approved_by": approved_by}
        required = approvals.get("approvals_required")
        if isinstance(required, int) and not isinstance(required, bool):
            recorded_approvals["approvals_required"] = required
        return {
            "merge_request": merge_request,
            "notes": notes,
            "approvals": recorded_approvals,
            "reviewers": [r for r in reviewers if isinstance(r.get("user"), dict)],
            "diffs": diffs,
            "commits": commits,
            "award_emoji": awards,
        }

    def issues(self, api: str) -> list[Payload]:
        self.progress.start(self.path, "issues")
        out: list[Payload] = []
        for item in self.updated(f"{api}/issues", {"state": "all"}, "iid"):
            entry = self._skip_if_gone(self.issue, api, item, "issue #")
            if entry is not None:
                out.append(entry)
            self.progress.advance(1)
        self.progress.finish()
        return out

    def issue(self, api: str, item: Payload) -> Payload:
        base = f"{api}/issues/{int(item['iid'])}"
        notes = self.notes(base)
        awards = self.awards(base, notes)
        self.want_in([item, *notes, *awards])
        return {"issue": item, "notes": notes, "award_emoji": awards}

    def _skip_if_gone(self, fetch: Any, api: str, item: Payload, what: str) -> Payload | None:
        try:
            entry: Payload = fetch(api, item)
        except GitLabNotFound as exc:
            log.warning("%s%s went away while recording, left out (%s)", what, item["iid"], exc)
            return None
        return entry

    def notes(self, base: str) -> list[Payload]:
        """Every note (system notes too), each with the ``discussion_id`` of its thread."""
        threads: dict[int, str] = {}
        for discussion in self.listing(f"{base}/discussions"):
            for note in discussion.get("notes") or ():
                threads[int(note["id"])] = str(discussion["id"])
        notes = []
        for note in self.listing(f"{base}/notes", {"sort": "asc", "order_by": "created_at"}):
            thread = threads.get(int(note["id"]))
            notes.append({**note, "discussion_id": thread} if thread else dict(note))
        return notes

    def awards(self, base: str, notes: Sequence[Mapping[str, Any]]) -> list[Payload]:
        awards = self.listing(f"{base}/award_emoji")
        if self.note_awards:
            for note in notes:
                if not note.get("system"):
                    awards.extend(self.listing(f"{base}/notes/{int(note['id'])}/award_emoji"))
        return awards

    # -- pipelines, events, users

    def pipelines(self, api: str) -> list[Payload]:
        self.progress.start(self.path, "pipelines")
        out: list[Payload] = []
        for item in self.updated(f"{api}/pipelines", {}, "id"):
            pipeline = self.pipeline(api, item)
            if pipeline is not None:
                out.append(pipeline)
                self.progress.advance(1)
        for item in self.earlier_failures(api, out):
            pipeline = self.pipeline(api, item)
            if pipeline is not None:
                out.append(pipeline)
                self.progress.advance(1)
        self.progress.finish()
        return sorted(out, key=lambda p: int(p["id"]))

    def pipeline(self, api: str, item: Payload) -> Payload | None:
        """A list item completed by the single pipeline (the list has no ``user``)."""
        try:
            single = self.client.get(f"{api}/pipelines/{int(item['id'])}")
        except GitLabNotFound:
            log.warning("pipeline %s went away while recording, left out", item["id"])
            return None
        pipeline = {**item, **single}
        self.want_in([pipeline])
        return pipeline

    def earlier_failures(self, api: str, recorded: Sequence[Payload]) -> list[Payload]:
        """The failures from before the day that recorded successes fix.

        A success fixes its ref when the previous finished pipeline there failed. For the first
        finished pipeline of each ref in the recording, the previous one is older than the day:
        it is looked up (newest first, one page as a rule) and recorded when it failed, so the
        replay pairs the fix as the original does. A ref whose first recorded finished pipeline
        failed needs nothing.
        """
        by_ref: dict[str, list[Payload]] = {}
        for pipeline in recorded:
            if pipeline.get("status") in _FINISHED and isinstance(pipeline.get("ref"), str):
                by_ref.setdefault(pipeline["ref"], []).append(pipeline)
        known = {int(p["id"]) for p in recorded}
        found: list[Payload] = []
        for ref in sorted(by_ref):
            first = min(by_ref[ref], key=_created_then_id)
            if first["status"] != "success":
                continue
            query = {
                "ref": ref,
                "updated_before": _stamp(self.since),
                "order_by": "id",
                "sort": "desc",
                "per_page": PER_PAGE,
            }
            previous = next(
                (
                    item
                    for page in self.client.pages(f"{api}/pipelines", query)
                    for item in page.items
                    if int(item["id"]) not in known
                    and item.get("status") in _FINISHED
                    and _created_then_id(item) < _created_then_id(first)
                ),
                None,
            )
            if previous is not None and previous["status"] == "failed":
                found.append(previous)
        return found

    def events(self, api: str, merge_requests: Sequence[Payload]) -> list[Payload]:
        self.progress.start(self.path, "events")
        found: dict[int, Payload] = {}
        for event in self.listing(f"{api}/events", {"after": self.events_after, "sort": "asc"}):
            found[int(event["id"])] = event
        for event in self.earlier_approvals(api, merge_requests):
            found.setdefault(int(event["id"]), event)
        events = [found[key] for key in sorted(found)]
        for event in events:
            author = event.get("author")
            self.want([author] if isinstance(author, dict) else [])
            if isinstance(event.get("author_id"), int):
                self.want([{"id": event["author_id"]}])
            note = event.get("note")
            if isinstance(note, dict):
                self.want_in([note])
        self.progress.advance(len(events))
        self.progress.finish()
        return events

    def earlier_approvals(self, api: str, merge_requests: Sequence[Payload]) -> list[Payload]:
        """The ``approved`` events from before the day of the recorded merge requests.

        Sync learns approvals from the events feed, so an MR approved before the day and
        changed after it would otherwise replay without its approval. Asked only when a
        recorded MR was opened before the day, from the day the oldest one was opened.
        """
        opened = [
            _time(entry["merge_request"]["created_at"])
            for entry in merge_requests
            if _time(entry["merge_request"]["created_at"]) < self.since
        ]
        if not opened:
            return []
        iids = {int(entry["merge_request"]["iid"]) for entry in merge_requests}
        query = {
            "action": "approved",
            "after": (min(opened).date() - timedelta(days=1)).isoformat(),
            "before": self.since.date().isoformat(),
            "sort": "asc",
        }
        return [
            event
            for event in self.listing(f"{api}/events", query)
            if event.get("target_type") == "MergeRequest" and event.get("target_iid") in iids
        ]

    def users(self) -> list[Payload]:
        self.progress.start(self.path, "users")
        out: list[Payload] = []
        taken: set[str] = set()
        for uid in sorted(self.wanted):
            try:
                payload = self.client.get(f"/users/{uid}")
            except GitLabNotFound:
                # Gone, or hidden from this token: what the payloads embedding it said.
                payload = dict(self.wanted[uid])
            user = {k: payload[k] for k in _USER_FIELDS if k in payload}
            username = user.get("username")
            if user.get("id") != uid or not isinstance(username, str):
                log.info("user %s: GitLab shows no such user, left out", uid)
                continue
            if username.lower() in taken:
                log.warning("user %s: username %r is taken by another id, left out", uid, username)
                continue
            taken.add(username.lower())
            out.append(user)
            self.progress.advance(1)
        self.progress.finish()
        return out


def _time(value: str) -> datetime:
    """A GitLab timestamp (``Z`` or an offset) as an aware datetime."""
    parsed = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _created_then_id(pipeline: Mapping[str, Any]) -> tuple[datetime, int]:
    """The order in which pipeline activities pair a fix with a failure."""
    return _time(str(pipeline["created_at"])), int(pipeline["id"])


# -- scrubbing ---------------------------------------------------------------------------------


def _scrub_commit(commit: Any) -> Any:
    """A commit with every address in every field (author, committer, message, trailers)
    replaced."""
    if isinstance(commit, dict):
        return {key: _scrub_commit(value) for key, value in commit.items()}
    if isinstance(commit, list):
        return [_scrub_commit(value) for value in commit]
    if isinstance(commit, str):
        return _EMAIL.sub(REDACTED_EMAIL, commit)
    return commit


def _scrub(value: Any, secrets: tuple[str, ...]) -> Any:
    """``value`` with secrets masked (``secrets`` anywhere, any ``*_token`` field), secret
    project fields left out, addresses under e-mail keys replaced and avatars dropped."""
    if isinstance(value, dict):
        out: Payload = {}
        for key, item in value.items():
            name = _mask(key, secrets) if isinstance(key, str) else key
            if key in _DROPPED_KEYS:
                continue
            if key == "avatar_url":
                out[name] = None
            elif key in _EMAIL_KEYS and isinstance(item, str) and item:
                out[name] = REDACTED_EMAIL
            elif str(key).endswith("_token") and isinstance(item, str) and item:
                out[name] = MASK
            else:
                out[name] = _scrub(item, secrets)
        return out
    if isinstance(value, list):
        return [_scrub(item, secrets) for item in value]
    if isinstance(value, str):
        return _mask(value, secrets)
    return value


def _mask(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text
