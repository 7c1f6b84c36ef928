"""Notes (comments) on merge requests and issues, and what GitLab's system notes tell.

Notes arrive three ways: ``/notes`` (every note, no thread structure), ``/discussions`` (threads;
flatten them with ``notes_from_discussions``) and embedded in ``commented on`` events. A note
may carry two keys GitLab does not send, which ``notes_from_discussions`` adds:
``discussion_id`` (its thread) and ``thread_position`` (0 for the note that started the
thread). With ``discussion_id`` alone, positions are worked out from the notes given, in
``created_at`` order. Without either, a threaded note's ``is_reply`` is unknown (null).

System notes are never activities of their own, but two of them date others: "requested review
from @x" (by whoever asked) and "approved this merge request" (by the approver).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.activities.payloads import (
    PayloadError,
    flag,
    parse_time,
    require,
    require_int,
    text,
    user,
)
from bot.activities.subjects import Subject
from bot.activities.suggestions import suggestion_change
from bot.activities.text import TextFeatures, plain_mentions, text_features

THREADED_TYPES = frozenset({"DiscussionNote", "DiffNote"})
# SystemNotes::IssuablesService#change_issuable_reviewers and #request_review:
# "requested review from @a, @b and @c and removed review request for @d",
# "requested review from @a and removed approval".
_REVIEW_REQUEST = re.compile(r"\brequested review from (?P<names>.*?)(?: and removed\b.*)?$", re.S)
_APPROVED = "approved this merge request"


def notes_from_discussions(discussions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The notes of ``/discussions`` payloads, each with ``discussion_id`` and
    ``thread_position`` added (copies: the payloads are left alone)."""
    notes: list[dict[str, Any]] = []
    for discussion in discussions:
        discussion_id = discussion.get("id")
        for position, note in enumerate(discussion.get("notes") or ()):
            notes.append({**note, "discussion_id": discussion_id, "thread_position": position})
    return notes


# The hidden marker of ladder-bot's own digest comments (``bot.digest``): whoever's token
# posted them, they are the bot speaking, not a contribution.
BOT_MARKER = "<!-- ladder-bot:"


def is_system(note: Mapping[str, Any]) -> bool:
    """GitLab's system notes, and ladder-bot's own digest comments: neither is anyone's work."""
    if flag(note, "system"):
        return True
    body = note.get("body")
    return isinstance(body, str) and body.lstrip().startswith(BOT_MARKER)


def unique_notes(notes: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Each note once (by id), preferring the copy that knows its thread."""
    chosen: dict[int, Mapping[str, Any]] = {}
    for index, note in enumerate(notes):
        note_id = require_int(note, "id", f"notes[{index}]")
        known = chosen.get(note_id)
        if known is None or ("discussion_id" not in known and "discussion_id" in note):
            chosen[note_id] = note
    return list(chosen.values())


def thread_positions(notes: Sequence[Mapping[str, Any]]) -> dict[int, int]:
    """Note id -> position in its thread, for notes whose thread is known."""
    positions: dict[int, int] = {}
    threads: dict[str, list[Mapping[str, Any]]] = {}
    for note in notes:
        position = note.get("thread_position")
        if isinstance(position, int) and not isinstance(position, bool):
            positions[note["id"]] = position
        elif isinstance(note.get("discussion_id"), str):
            threads.setdefault(note["discussion_id"], []).append(note)
    for thread in threads.values():
        thread.sort(key=lambda n: (parse_time(n.get("created_at"), f"note {n['id']}"), n["id"]))
        positions.update((note["id"], index) for index, note in enumerate(thread))
    return positions


def is_reply(note: Mapping[str, Any], position: int | None) -> bool | None:
    """A threaded note after the thread's first; None when the thread is unknown."""
    if note.get("type") not in THREADED_TYPES:
        return False
    return None if position is None else position > 0


def check_noteable(note: Mapping[str, Any], subject: Subject, noteable_type: str) -> None:
    """Refuse a note of some other item: it would earn activities on the wrong one."""
    kind, iid = note.get("noteable_type"), note.get("noteable_iid")
    if (kind is not None and kind != noteable_type) or (
        isinstance(iid, int) and iid != subject.iid
    ):
        raise PayloadError(
            f"note {note.get('id')} belongs to {kind} {iid}, not {noteable_type} {subject.iid}"
        )


def note_time(note: Mapping[str, Any]) -> datetime:
    return parse_time(require(note, "created_at", f"note {note.get('id')}"), f"note {note['id']}")


def note_features(note: Mapping[str, Any], subject: Subject) -> TextFeatures:
    return text_features(text(note, "body"), subject.project_path)


def note_fields(
    note: Mapping[str, Any], features: TextFeatures, position: int | None
) -> dict[str, Any]:
    """The fields every note kind carries."""
    resolvable = flag(note, "resolvable")
    return {
        "body": text(note, "body"),
        "words": features.words + features.heading_words,
        "is_question": features.questions > 0,
        "is_reply": is_reply(note, position),
        "resolvable": resolvable,
        "resolved": resolvable and flag(note, "resolved"),
        "internal": is_internal(note),
        "mentions_users": list(features.user_mentions),
        "mentions_issues": list(features.issue_refs),
        "has_code": features.has_code,
        "has_links": features.has_links,
    }


def is_internal(note: Mapping[str, Any]) -> bool:
    """GitLab sends both ``internal`` and its deprecated twin ``confidential``."""
    return flag(note, "internal") or flag(note, "confidential")


def diff_fields(note: Mapping[str, Any], features: TextFeatures) -> dict[str, Any]:
    """The fields of notes on merge requests: where on the diff, and suggestions."""
    position = note.get("position")
    path = None
    if isinstance(position, Mapping):
        path = position.get("new_path") or position.get("old_path")
    path = path if isinstance(path, str) else None
    suggestions = note.get("suggestions")
    count = len(suggestions) if isinstance(suggestions, list) else features.suggestions
    return {
        "inline": note.get("type") == "DiffNote",
        "path": path,
        "has_suggestion": count > 0,
        "suggestion_count": count,
        "suggestion_change": suggestion_change(suggestions, path),
    }


def review_requests(
    notes: Sequence[Mapping[str, Any]],
) -> dict[str, tuple[datetime, Mapping[str, Any] | None]]:
    """Lower-cased reviewer username -> (when first requested, who requested it)."""
    found: dict[str, tuple[datetime, Mapping[str, Any] | None]] = {}
    for note in notes:
        if not is_system(note):
            continue
        match = _REVIEW_REQUEST.search(text(note, "body"))
        if match is None:
            continue
        when = note_time(note)
        for name in plain_mentions(match.group("names")):
            earlier = found.get(name.lower())
            if earlier is None or when < earlier[0]:
                found[name.lower()] = (when, user(note, "author"))
    return found


def approval_times(notes: Sequence[Mapping[str, Any]]) -> dict[int, datetime]:
    """Approver id -> the latest 'approved this merge request' system note (the approval that
    stands after any unapprove)."""
    found: dict[int, datetime] = {}
    for note in notes:
        author = user(note, "author")
        if not is_system(note) or author is None or text(note, "body").strip() != _APPROVED:
            continue
        author_id, when = author.get("id"), note_time(note)
        if isinstance(author_id, int) and (author_id not in found or when > found[author_id]):
            found[author_id] = when
    return found
