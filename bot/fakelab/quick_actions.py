"""What quick actions do when a note runs them (``QuickActions::InterpretService``).

GitLab extracts every known command from the note, whoever wrote it
(``Gitlab::QuickActions::Extractor.new(command_store.command_definitions)``), and then runs only
the ones available to the author in the item's current state (``CommandDefinition#execute``
returns early unless ``available?``). So a command the author may not run, or one that does not
apply (``/close`` on a closed issue), still disappears from the stored note; it just does nothing
but add "Could not apply … command." to the summary. Every executed command is written to the
``actions`` log, which is how tests prove that a posted comment ran none.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.fakelab import events as event_log
from bot.fakelab import times
from bot.fakelab.markdown import QuickAction, closing_references, extract_quick_actions
from bot.fakelab.model import (
    DEVELOPER,
    REPORTER,
    Issue,
    MergeRequest,
    Note,
    Noteable,
    Payload,
    User,
)
from bot.fakelab.state import GitLabState, discussion_id_for

_USERNAME = re.compile(r"@([\w.\-]+)")
_LABEL = re.compile(r'~"([^"]+)"|~([\w:.\-]+)')
_DURATION = re.compile(r"(\d+)\s*(mo|w|d|h|m)")
_SECONDS = {"mo": 4 * 5 * 8 * 3600, "w": 5 * 8 * 3600, "d": 8 * 3600, "h": 3600, "m": 60}

# The level a command needs, beyond being the item's author; GitLab checks finer abilities.
_LEVEL = {"merge": DEVELOPER, "approve": DEVELOPER, "unapprove": DEVELOPER, "rebase": DEVELOPER}


@dataclass
class Outcome:
    body: str
    commands_changes: Payload = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)
    executed: list[QuickAction] = field(default_factory=list)
    extracted: list[QuickAction] = field(default_factory=list)

    @property
    def commands_only(self) -> bool:
        """``only_commands = content.empty?``: commands were taken out and nothing is left."""
        return bool(self.extracted) and not self.body.strip()


@dataclass
class _Run:
    state: GitLabState
    item: Noteable
    actor: User
    now: str
    changes: Payload
    summary: list[str]
    diff_head_sha: str | None

    def system_note(self, body: str) -> None:
        note_id = self.state.new_id("note")
        note = Note(
            {
                "id": note_id,
                "type": None,
                "body": body,
                "attachment": None,
                "author": self.actor.id,
                "created_at": self.now,
                "updated_at": self.now,
                "system": True,
                "internal": False,
                "resolvable": False,
            },
            discussion_id=discussion_id_for(f"note-{note_id}"),
            noteable=self.item,
        )
        self.item.notes.append(note)
        self.state.notes[note_id] = note

    def event(self, action_name: str, action: str) -> None:
        event = event_log._event(self.item.project, action_name, self.now, self.actor.id, self.item)
        event["_action"] = action
        event_log.append(self.state, self.item.project, event)

    def users(self, arg: str) -> list[int]:
        found = []
        for name in _USERNAME.findall(arg):
            if name.lower() == "me":
                found.append(self.actor.id)
            elif (user := self.state.users_by_name.get(name.lower())) is not None:
                found.append(user.id)
        return found


def _noun(item: Noteable) -> str:
    return "merge request" if isinstance(item, MergeRequest) else "issue"


def _close(run: _Run, arg: str) -> None:
    data = run.item.data
    if data["state"] != "opened":
        return
    data.update(state="closed", closed_at=run.now, closed_by=run.actor.id)
    run.changes["state_event"] = "close"
    run.summary.append(f"Closed this {_noun(run.item)}.")
    run.system_note("closed")
    run.event("closed", "closed")


def _reopen(run: _Run, arg: str) -> None:
    data = run.item.data
    if data["state"] != "closed":
        return
    data.update(state="opened", closed_at=None, closed_by=None)
    run.changes["state_event"] = "reopen"
    run.summary.append(f"Reopened this {_noun(run.item)}.")
    run.system_note("reopened")
    run.event("opened", "reopened")


def _merge(run: _Run, arg: str) -> None:
    item = run.item
    if not isinstance(item, MergeRequest) or item.data["state"] != "opened":
        return
    if run.diff_head_sha is None or run.diff_head_sha != item.data.get("sha"):
        run.summary.append("Could not apply merge command.")
        return
    item.data.update(
        state="merged", merged_at=run.now, merge_user=run.actor.id, merged_by=run.actor.id
    )
    run.changes["merge"] = item.data.get("sha")
    run.summary.append("Merged this merge request.")
    run.event("accepted", "merged")
    if item.data.get("target_branch") == item.project.data.get("default_branch"):
        _close_issues(run, item)


def _close_issues(run: _Run, mr: MergeRequest) -> None:
    """Merging into the default branch closes the issues the description says it closes."""
    for ref in closing_references(mr.data.get("description") or ""):
        project = run.state.project(ref.project) if ref.project else mr.project
        issue = project.issues.get(ref.iid or 0) if project is not None else None
        if issue is None or issue.data["state"] != "opened":
            continue
        if run.state.project_access(run.actor, issue.project) < REPORTER:
            continue
        issue.data.update(
            state="closed", closed_at=run.now, closed_by=run.actor.id, updated_at=run.now
        )
        closer = _Run(run.state, issue, run.actor, run.now, {}, [], None)
        closer.system_note(f"closed via merge request {mr.reference(issue.project)}")
        closer.event("closed", "closed")


def _approve(run: _Run, arg: str) -> None:
    item = run.item
    if not isinstance(item, MergeRequest):
        return
    approved = item.approvals.setdefault("approved_by", [])
    if any(a["user"] == run.actor.id for a in approved):
        return
    approved.append({"user": run.actor.id, "approved_at": run.now})
    run.changes["approve"] = True
    run.summary.append("Approved the current merge request.")
    run.system_note("approved this merge request")
    run.event("approved", "approved")


def _unapprove(run: _Run, arg: str) -> None:
    item = run.item
    if not isinstance(item, MergeRequest):
        return
    before = item.approvals.get("approved_by", [])
    item.approvals["approved_by"] = [a for a in before if a["user"] != run.actor.id]
    if len(before) != len(item.approvals["approved_by"]):
        run.changes["unapprove"] = True
        run.summary.append("Unapproved the current merge request.")
        run.system_note("unapproved this merge request")


def _labels(arg: str) -> list[str]:
    return [quoted or bare for quoted, bare in _LABEL.findall(arg)]


def _label_id(name: str) -> int:
    return zlib.crc32(name.encode()) % 1_000_000


def _label(run: _Run, arg: str) -> None:
    added = [name for name in _labels(arg) if name not in run.item.data["labels"]]
    if added:
        run.item.data["labels"] = sorted(run.item.data["labels"] + added)
        run.changes.setdefault("add_label_ids", []).extend(_label_id(n) for n in added)
        run.summary.append("Added " + " ".join(f"~{n}" for n in added) + " label(s).")


def _unlabel(run: _Run, arg: str) -> None:
    names = _labels(arg)
    removed = [n for n in run.item.data["labels"] if not names or n in names]
    if removed:
        run.item.data["labels"] = [n for n in run.item.data["labels"] if n not in removed]
        run.changes.setdefault("remove_label_ids", []).extend(_label_id(n) for n in removed)
        run.summary.append("Removed " + " ".join(f"~{n}" for n in removed) + " label(s).")


def _relabel(run: _Run, arg: str) -> None:
    run.item.data["labels"] = sorted(set(_labels(arg)))
    run.changes["label_ids"] = [_label_id(n) for n in run.item.data["labels"]]
    run.summary.append("Replaced all labels.")


def _people(key: str, verb: str) -> Callable[[_Run, str], None]:
    def apply(run: _Run, arg: str) -> None:
        current: list[int] = run.item.data.setdefault(key, [])
        ids = run.users(arg)
        if verb == "assign":
            new = [uid for uid in ids if uid not in current]
            current.extend(new)
        else:
            new = [uid for uid in current if not ids or uid in ids]
            run.item.data[key] = [uid for uid in current if uid not in new]
        if not new:
            return
        run.changes[f"{key[:-1]}_ids"] = list(run.item.data[key])
        names = " ".join(
            "@" + run.state.users[uid].username for uid in new if uid in run.state.users
        )
        label = "reviewer" if key == "reviewers" else "assignee"
        run.summary.append(f"{'Assigned' if verb == 'assign' else 'Removed'} {names} as {label}.")
        run.system_note(
            ("requested review from " if key == "reviewers" else "assigned to ") + names
            if verb == "assign"
            else f"unassigned {names}"
        )

    return apply


def _title(run: _Run, arg: str) -> None:
    if arg:
        run.item.data["title"] = arg
        run.changes["title"] = arg
        run.summary.append(f'Changed the title to "{arg}".')


def _confidential(run: _Run, arg: str) -> None:
    if isinstance(run.item, Issue) and not run.item.data.get("confidential"):
        run.item.data["confidential"] = True
        run.changes["confidential"] = True
        run.summary.append("Made this issue confidential.")


def _flag(key: str, value: Any, message: str) -> Callable[[_Run, str], None]:
    def apply(run: _Run, arg: str) -> None:
        run.item.data[key] = value
        run.changes[key] = value
        run.summary.append(message)

    return apply


def _draft(value: bool) -> Callable[[_Run, str], None]:
    def apply(run: _Run, arg: str) -> None:
        if not isinstance(run.item, MergeRequest):
            return
        title = re.sub(r"^(draft:\s*|\[draft\]\s*)", "", run.item.data["title"], flags=re.I)
        run.item.data.update(draft=value, title=f"Draft: {title}" if value else title)
        run.changes["wip_event"] = "draft" if value else "ready"
        run.summary.append(
            "Marked this merge request as a draft."
            if value
            else "Marked this merge request as ready."
        )

    return apply


def _due(run: _Run, arg: str) -> None:
    match = re.search(r"\d{4}-\d{2}-\d{2}", arg)
    if match:
        run.item.data["due_date"] = match.group(0)
        run.changes["due_date"] = match.group(0)
        run.summary.append(f"Set the due date to {match.group(0)}.")


def _time(key: str) -> Callable[[_Run, str], None]:
    def apply(run: _Run, arg: str) -> None:
        seconds = sum(int(n) * _SECONDS[unit] for n, unit in _DURATION.findall(arg))
        stats = run.item.data.setdefault(
            "time_stats",
            {
                "time_estimate": 0,
                "total_time_spent": 0,
                "human_time_estimate": None,
                "human_total_time_spent": None,
            },
        )
        stats[key] = (stats.get(key) or 0) + seconds if key == "total_time_spent" else seconds
        run.changes["spend_time" if key == "total_time_spent" else "time_estimate"] = seconds
        run.summary.append(
            "Added time spent." if key == "total_time_spent" else "Set time estimate."
        )

    return apply


def _award(run: _Run, arg: str) -> None:
    name = arg.strip().strip(":")
    if name:
        run.item.award_emoji.append(
            {
                "id": run.state.new_id("award_emoji"),
                "name": name,
                "user": run.actor.id,
                "created_at": run.now,
                "updated_at": run.now,
                "awardable_type": run.item.kind,
                "awardable_id": run.item.id,
            }
        )
        run.changes["emoji_award"] = name
        run.summary.append(f"Toggled :{name}: emoji reaction.")


def _noop(message: str) -> Callable[[_Run, str], None]:
    def apply(run: _Run, arg: str) -> None:
        run.summary.append(message)

    return apply


EFFECTS: dict[str, Callable[[_Run, str], None]] = {
    "close": _close,
    "reopen": _reopen,
    "merge": _merge,
    "approve": _approve,
    "unapprove": _unapprove,
    "label": _label,
    "unlabel": _unlabel,
    "relabel": _relabel,
    "assign": _people("assignees", "assign"),
    "unassign": _people("assignees", "unassign"),
    "assign_reviewer": _people("reviewers", "assign"),
    "unassign_reviewer": _people("reviewers", "unassign"),
    "title": _title,
    "confidential": _confidential,
    "lock": _flag("discussion_locked", True, "Locked the discussion."),
    "unlock": _flag("discussion_locked", False, "Unlocked the discussion."),
    "draft": _draft(True),
    "wip": _draft(True),
    "ready": _draft(False),
    "due": _due,
    "remove_due_date": _flag("due_date", None, "Removed the due date."),
    "spend": _time("total_time_spent"),
    "estimate": _time("time_estimate"),
    "award": _award,
    "todo": _noop("Added a to-do item."),
    "done": _noop("Marked to-do item as done."),
    "subscribe": _noop("Subscribed to this item."),
    "unsubscribe": _noop("Unsubscribed from this item."),
}
_MR_ONLY = frozenset(
    {
        "merge",
        "approve",
        "unapprove",
        "draft",
        "wip",
        "ready",
        "assign_reviewer",
        "unassign_reviewer",
        "rebase",
        "target_branch",
        "submit_review",
    }
)
_ISSUE_ONLY = frozenset(
    {
        "confidential",
        "duplicate",
        "move",
        "promote",
        "severity",
        "relate",
        "unrelate",
        "blocks",
        "blocked_by",
        "create_merge_request",
        "epic",
        "iteration",
        "health_status",
    }
)


def allowed(state: GitLabState, actor: User, item: Noteable, name: str) -> bool:
    """Whether ``actor`` may run ``name`` on ``item`` at all (type and permission)."""
    if name in _MR_ONLY and not isinstance(item, MergeRequest):
        return False
    if name in _ISSUE_ONLY and not isinstance(item, Issue):
        return False
    level = state.project_access(actor, item.project)
    if name in ("shrug", "tableflip", "cc", "todo", "done", "subscribe", "unsubscribe", "award"):
        return True
    needed = _LEVEL.get(name, REPORTER)
    return level >= needed or (needed == REPORTER and actor.id == item.data["author"])


def _applies(item: Noteable, actor: User, name: str) -> bool:
    """The state half of a command's ``condition`` block in ``Gitlab::QuickActions``."""
    data = item.data
    state = str(data["state"])
    if name == "close":
        return state == "opened"
    if name == "reopen":
        return state == "closed"
    if name in ("merge", "approve", "unapprove") and state != "opened":
        return False
    if isinstance(item, MergeRequest) and name in ("approve", "unapprove"):
        approved = any(a["user"] == actor.id for a in item.approvals.get("approved_by", []))
        return approved if name == "unapprove" else not approved
    if name == "confidential":
        return not data.get("confidential")
    if name == "lock":
        return not data.get("discussion_locked")
    if name == "unlock":
        return bool(data.get("discussion_locked"))
    if name == "ready":
        return bool(data.get("draft"))
    return True


def available(state: GitLabState, actor: User, item: Noteable, name: str) -> bool:
    """``CommandDefinition#available?``: may ``actor`` run ``name`` on ``item`` now."""
    return allowed(state, actor, item, name) and _applies(item, actor, name)


def run(
    state: GitLabState,
    item: Noteable,
    actor: User,
    body: str,
    now: datetime,
    *,
    note_id: int | None,
    diff_head_sha: str | None = None,
) -> Outcome:
    """Execute the available quick actions in ``body``; return the note text that remains.

    Every command GitLab knows is taken out of the text, as its extractor does; the ones the
    actor may not run, or that do not apply to the item as it is, are not executed and add
    "Could not apply … command." to the summary instead.
    """
    stored, found = extract_quick_actions(body)
    stamp = times.fmt(now)
    outcome = Outcome(body=stored, extracted=list(found))
    if not found:
        outcome.body = body
        return outcome
    messages: list[str] = []
    runner = _Run(state, item, actor, stamp, outcome.commands_changes, messages, diff_head_sha)
    for action in found:
        if not available(state, actor, item, action.name):
            messages.append(f"Could not apply {action.name} command.")
            continue
        effect = EFFECTS.get(action.name)
        if effect is not None:
            effect(runner, action.arg)
        outcome.executed.append(action)
        state.record(
            "actions",
            {
                "command": action.name,
                "arg": action.arg,
                "by": actor.username,
                "project": item.project.path_with_namespace,
                "noteable_type": item.kind,
                "iid": item.iid,
                "note_id": note_id,
                "at": stamp,
            },
        )
    # ``execution_messages_for(commands).uniq.join(' ')``: one string, as NoteCommands sends it.
    unique = list(dict.fromkeys(m for m in messages if m))
    outcome.summary[:] = [" ".join(unique)] if unique else []
    if outcome.commands_changes:
        item.data["updated_at"] = stamp
    return outcome
