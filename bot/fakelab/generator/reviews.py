"""Review: who is asked, rubber stamps or threads of comments and suggestions, approvals.

A detailed review opens threads; the author answers them in one sitting, after pushing a fix when
the comment asked for a change, and most threads end resolved. Seniors review more often, read
more carefully and leave deeper comments.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.fakelab.generator.changes import ext_group
from bot.fakelab.generator.clock import MINUTE
from bot.fakelab.generator.corpus import comments, writing
from bot.fakelab.generator.profiles import DETAILED_REVIEW, REVIEW_STYLE_WEIGHTS, REVIEW_STYLES
from bot.fakelab.generator.randomness import random_hex
from bot.fakelab.generator.records import Json, User, award, ref
from bot.fakelab.hunks import new_side, shown_lines

if TYPE_CHECKING:
    from bot.fakelab.generator.merge_requests import MergeRequestSim


def request_reviews(mr: MergeRequestSim, ready: int) -> None:
    """Reviewers are requested, read, comment in threads, and approve."""
    rng = mr.rng
    junior = mr.author.level <= 2 and rng.random() < 0.6
    count = 2 if mr.human and mr.kind != "revert" and (junior or rng.random() < 0.3) else 1
    reviewers = _reviewers(mr, count)
    if not reviewers:
        return
    requested = mr.clock.after(rng, ready, 1, 15)
    names = " and ".join(r.mention for r in reviewers)
    if not mr.sim.system(mr.notes, requested, mr.author, f"requested review from {names}"):
        return
    mr.touch(requested)
    for index, reviewer in enumerate(reviewers):
        state = Review(mr, reviewer, requested).run(must_approve=index == len(reviewers) - 1)
        mr.reviewer_states.append(
            {"user": ref(reviewer), "state": state, "created_at": mr.clock.iso(requested)}
        )


def _reviewers(mr: MergeRequestSim, count: int) -> list[User]:
    """Up to ``count`` distinct reviewers, seniors more often (they are sought out)."""
    devs, weights = mr.p.devs, mr.p.reviewer_weights
    chosen: list[User] = []
    for _ in range(count * 4):
        if len(chosen) == count or not devs:
            break
        user = mr.rng.choices(devs, cum_weights=weights)[0]
        if user is not mr.author and user not in chosen:
            chosen.append(user)
    return chosen


class Review:
    """One reviewer's pass: a rubber stamp, or threads the author answers in one sitting."""

    def __init__(self, mr: MergeRequestSim, reviewer: User, requested: int) -> None:
        self.mr, self.reviewer, self.requested = mr, reviewer, requested
        self.rng, self.clock, self.sim, self.guarantees = mr.rng, mr.clock, mr.sim, mr.guarantees
        self.fix_sha: str | None = None  # the author's one fix for all of this review's threads

    def run(self, *, must_approve: bool) -> str:
        """Returns the reviewer's final state."""
        mr, rng, guarantees = self.mr, self.rng, self.guarantees
        start = self.clock.after(rng, self.requested, 15, 1200)
        if start >= self.sim.end:
            return "unreviewed"
        forced = guarantees.needs("suggestion") or guarantees.needs("resolved_thread")
        chance = DETAILED_REVIEW[self.reviewer.level] + (0.15 if 0 < mr.author.level <= 2 else 0)
        if mr.kind in ("migration", "security", "perf"):
            chance += 0.1
        if mr.kind == "renovate":
            chance = 0.03
        if forced or (not guarantees.needs("rubber_stamp") and rng.random() < chance):
            last, changes = self._threads(start)
        else:
            last, changes = start, False
            stamps = guarantees.needs("rubber_stamp") or rng.random() < 0.55
            if stamps and self.sim.note(
                mr.notes, start, self.reviewer, rng.choice(comments.RUBBER_STAMPS)
            ):
                guarantees.done("rubber_stamp")
        mr.touch(min(last, self.sim.end - 1))
        if must_approve or rng.random() < 0.85:
            approved = self.clock.after(rng, last, 2, 180 if changes else 20)
            if self._approve(approved):
                return "approved"
        if changes and rng.random() < 0.5:
            return "requested_changes"
        return "reviewed"

    def _approve(self, moment: int) -> bool:
        mr = self.mr
        if moment >= self.sim.end:
            return False
        mr.approvals.append({"user": ref(self.reviewer), "approved_at": self.clock.iso(moment)})
        self.sim.system(mr.notes, moment, self.reviewer, "approved this merge request")
        mr.touch(moment)
        return True

    def _threads(self, start: int) -> tuple[int, bool]:
        """The reviewer opens threads; later the author pushes a fix and answers each of them.

        Returns the time of the last activity and whether changes were asked for.
        """
        mr, rng, guarantees = self.mr, self.rng, self.guarantees
        level = max(1, self.reviewer.level)
        junior_author = 0 < mr.author.level <= 2 and rng.random() < 0.5
        moment, opened = start, []
        for index in range(1 + rng.randrange(1 + level // 3) + junior_author):
            if index == 0 and guarantees.needs("suggestion"):
                style = "suggestion"
            else:
                style = rng.choices(REVIEW_STYLES, weights=REVIEW_STYLE_WEIGHTS[level])[0]
            if style == "mentoring" and mr.author.level >= level:
                style = "actionable"
            thread = self._open(style, moment)
            if thread is not None:
                opened.append(thread)
            moment += rng.randrange(1, 8) * MINUTE
        if not opened:
            return start, False
        changes = any(style != "question" for style, _ in opened)
        session = self.clock.after(rng, moment, 10, 480)
        last, reply_at = moment, session
        for style, note in opened:
            if not guarantees.needs("resolved_thread") and rng.random() >= (
                0.9 if style == "question" else 0.8
            ):
                continue
            reply_at += rng.randrange(1, 5) * MINUTE
            last = max(last, self._answer(style, note, session, reply_at))
        return last, changes

    def _open(self, style: str, moment: int) -> tuple[str, Json] | None:
        """The reviewer's first note of a thread, on a line of a file when it is about code."""
        mr, rng, sim = self.mr, self.rng, self.sim
        position = (
            self._position(moment, suggesting=style == "suggestion")
            if style != "question" or rng.random() < 0.4
            else None
        )
        if style == "suggestion" and (
            position is None or ext_group(position["new_path"]) not in comments.SUGGESTIONS
        ):
            style = "actionable"
        if style == "suggestion" and position is not None:
            body = self._suggestion(position)
        else:
            body = self._comment(style, position["new_path"] if position else None)
        extra: Json = {
            "discussion_id": random_hex(rng),
            "type": "DiffNote" if position else "DiscussionNote",
        }
        if position is not None:
            extra["position"] = position
        note = sim.note(mr.notes, moment, self.reviewer, body, **extra)
        if note is None:
            return None
        self._note_award(note, moment)
        if style == "suggestion":
            self.guarantees.done("suggestion")
        return style, note

    def _answer(self, style: str, opener: Json, session: int, moment: int) -> int:
        """The author's reply, maybe a follow-up, usually a resolution; returns the last time."""
        mr, rng, sim, guarantees = self.mr, self.rng, self.sim, self.guarantees
        if moment >= sim.end:
            return session
        extra = {key: opener[key] for key in ("discussion_id", "type", "position") if key in opener}
        reply = sim.note(mr.notes, moment, mr.author, self._reply(style, session), **extra)
        if reply is None:
            return session
        thread, last = [opener, reply], moment
        if rng.random() < 0.4:
            later = moment + rng.randrange(2, 120) * MINUTE
            follow_up = rng.choice(comments.REVIEWER_FOLLOW_UPS)
            note = sim.note(mr.notes, later, self.reviewer, follow_up, **extra)
            if note is not None:
                thread.append(note)
                last = later
        if guarantees.needs("resolved_thread") or rng.random() < 0.8:
            resolver = mr.author if rng.random() < 0.6 else self.reviewer
            resolved = {
                "resolved": True,
                "resolved_by": ref(resolver),
                "resolved_at": self.clock.iso(last),
            }
            for note in thread:
                note.update(resolved)
            guarantees.done("resolved_thread")
        return last

    def _comment(self, style: str, path: str | None) -> str:
        """A comment that fits the file's language and the kind of change, not yet used here."""
        rng, mr = self.rng, self.mr
        group = ext_group(path) if path else ""
        actionable, questions = comments.KIND_REVIEWS.get(
            mr.kind, (comments.ACTIONABLE, comments.QUESTIONS)
        )
        pools: dict[str, Sequence[str]] = {
            "nit": comments.NITS + comments.LANG_NITS.get(group, ()),
            "actionable": actionable,
            "question": questions,
            "mentoring": comments.MENTORING,
            "deep": comments.DEEP_REVIEW if mr.kind not in comments.KIND_REVIEWS else actionable,
        }
        pool = pools[style]
        for _ in range(3):
            body = mr.module.fill(rng.choice(pool))
            if body not in mr.used_comments:
                break
        mr.used_comments.add(body)
        return body

    def _reply(self, style: str, session: int) -> str:
        """Agreeing replies point at the fix commit, pushed just before the author's session."""
        rng = self.rng
        if style == "question" or rng.random() < 0.2:
            return rng.choice(comments.AUTHOR_DISCUSSES)
        if self.fix_sha is None:
            pushed = session - rng.randrange(1, 5) * MINUTE
            self.fix_sha = self.mr.commit(pushed, rng.choice(writing.FOLLOW_UP_COMMITS))
            self.mr.note_added_commits(pushed + 15_000, [self.fix_sha])
            if rng.random() < 0.25:
                self.mr.pipeline(pushed + 30_000)
        return rng.choice(comments.AUTHOR_AGREES).format(sha=self.fix_sha[:8])

    def _suggestion(self, position: Json) -> str:
        """A suggestion for the line at ``position``: every other one a surface edit of the line
        itself (a clearer name, the indentation, the wording), else other code from the corpus."""
        path, line = position["new_path"], position["new_line"]
        shown = shown_lines(self.mr.diffs, path)
        if line in shown and len(self.mr.notes) % 2 == 0:
            edit = comments.surface_edit(shown[line], ext_group(path))
            if edit is not None:
                intro, changed = edit
                return f"{intro}\n\n```suggestion:-0+0\n{changed}\n```"
        text, code = self.rng.choice(comments.SUGGESTIONS[ext_group(path)])
        return f"{text}\n\n```suggestion:-0+0\n{code}\n```"

    def _position(self, moment: int, *, suggesting: bool = False) -> Json | None:
        """A line of a changed file, against the head the reviewer was looking at; for a
        suggestion, one of the lines the diff shows (where GitLab lets it apply)."""
        mr, rng = self.mr, self.rng
        files = [d for d in mr.diffs if not d["deleted_file"]]
        if not files:
            return None
        diff = rng.choice(files)
        line = rng.randrange(3, 240)
        shown = sorted(new_side(diff["diff"])) if suggesting else []
        if shown:
            line = shown[line % len(shown)]
        return {
            "base_sha": mr.base_sha,
            "start_sha": mr.base_sha,
            "head_sha": mr.head_at(moment),
            "old_path": diff["old_path"],
            "new_path": diff["new_path"],
            "position_type": "text",
            "old_line": None if diff["new_file"] else line,
            "new_line": line,
        }

    def _note_award(self, note: Json, moment: int) -> None:
        """Sometimes the author reacts to a comment; the award points at the note's id later."""
        rng, guarantees = self.rng, self.guarantees
        if not (guarantees.needs("note_emoji") or rng.random() < 0.04):
            return
        reacted = moment + rng.randrange(1, 120) * MINUTE
        if reacted >= self.sim.end:
            return
        emoji = award(rng.choice(comments.NOTE_EMOJI), self.mr.author, self.clock.iso(reacted))
        emoji["awardable_type"] = "Note"
        self.mr.awards.append(emoji)
        self.sim.world.note_awards.append((emoji, note))
        guarantees.done("note_emoji")
