"""Merge requests from first push to merge, close, or still open at the end of the simulation.

A merge request is simulated in one go, in the order the project's merge requests were opened:
content, pushes and pipelines, a draft phase, review, bot notes, then its outcome. The only note
added later is the cross-reference from an issue that it fixed (see :mod:`.issues`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.fakelab.generator.clock import MINUTE
from bot.fakelab.generator.content import write_content
from bot.fakelab.generator.corpus import comments, writing
from bot.fakelab.generator.randomness import random_hex
from bot.fakelab.generator.records import (
    Issue,
    Json,
    MergeRequest,
    MergeRequestPlan,
    User,
    award,
    ref,
)
from bot.fakelab.generator.reviews import request_reviews

if TYPE_CHECKING:
    from bot.fakelab.generator.projects import ProjectSim


class MergeRequestSim:
    """One merge request; :mod:`.content` and :mod:`.reviews` fill in parts of its state."""

    # Set by write_content(), according to the kind of change.
    title: str
    description: str | None
    branch: str

    def __init__(self, sim: ProjectSim, plan: MergeRequestPlan, iid: int) -> None:
        self.sim, self.plan, self.iid = sim, plan, iid
        self.guarantees, self.rng, self.clock, self.p = sim.guarantees, sim.rng, sim.clock, sim.p
        self.author, self.t0 = plan.author, plan.t
        self.module = sim.p.pick_module()
        self.notes: list[Json] = []
        self.commits: list[tuple[int, str, str, str]] = []  # (time, sha, title, message)
        self.diffs: list[Json] = []
        self.awards: list[Json] = []
        self.approvals: list[Json] = []
        self.reviewer_states: list[Json] = []
        self.labels: list[str] = []
        self.last = self.t0  # the latest activity, for ``updated_at``
        self.base_sha = random_hex(self.rng)
        self.kind = plan.kind or ""
        self.reverted: MergeRequest | None = None
        self.closes: Issue | None = None
        self.related: Issue | None = plan.issue
        self.used_comments: set[str] = set()
        self.draft = False
        self.pipeline_done = self.t0  # when the newest pipeline finished
        self.renovate_new = ""  # the version a dependency update moves to

    @property
    def human(self) -> bool:
        """Written by a person, even one who has left since."""
        return self.author.kind in ("human", "blocked", "ghost")

    def run(self) -> MergeRequest:
        write_content(self)
        self._initial_push()
        ready = self._draft_phase()
        if ready is not None:
            request_reviews(self, ready)
        self._bot_notes()
        return self._outcome()

    def touch(self, moment: int) -> None:
        """Something happened at ``moment``."""
        self.last = max(self.last, moment)

    # -- pushes, pipelines, drafts -----------------------------------------------------------------

    def head_at(self, moment: int) -> str:
        """The newest commit pushed by ``moment``."""
        return max((c for c in self.commits if c[0] <= moment), default=self.commits[0])[1]

    def commit(self, moment: int, title: str, body: str = "") -> str:
        sha = random_hex(self.rng)
        message = f"{title}\n\n{body}" if body else title
        self.commits.append((moment, sha, title, message))
        return sha

    def _initial_push(self) -> None:
        """Commits before the MR opens, its first pipeline and, sometimes, a failure and a fix."""
        rng, t0 = self.rng, self.t0
        if self.kind == "revert" and self.reverted is not None:
            body = f"This reverts commit {self.reverted.merge_sha}."
            self.commit(t0 - rng.randrange(1, 10) * MINUTE, self.title, body)
        else:
            count = 1 if not self.human else rng.randint(1, 2 if self.author.level <= 2 else 4)
            moment = t0 - rng.randrange(count * 10, count * 240) * MINUTE
            titles = [self.title, *rng.sample(writing.FOLLOW_UP_COMMITS, count - 1)]
            for title in titles:
                self.commit(moment, title, rng.choice(writing.COMMIT_BODIES))
                moment += rng.randrange(5, 90) * MINUTE
                moment = min(moment, t0 - MINUTE)
        self.pipeline(t0 + rng.randrange(20, 90) * 1000, first=True)

    def pipeline(self, moment: int, *, first: bool = False) -> None:
        """A pipeline for the newest commit; the ``first`` one may fail and get fixed."""
        rng, guarantees = self.rng, self.guarantees
        sha, user = self.commits[-1][1], self.author
        source = "merge_request_event" if rng.random() < 0.75 else "push"
        ref_name = (
            f"refs/merge-requests/{self.iid}/head"
            if source == "merge_request_event"
            else self.branch
        )
        fail_rate = 0.16 if self.author.level <= 2 else 0.09
        failed = (
            first
            and self.author.kind == "human"
            and (guarantees.needs("failed_fixed") or rng.random() < fail_rate)
        )
        status = "failed" if failed else "canceled" if rng.random() < 0.03 else "success"
        finished = self.sim.pipelines.record(
            moment, sha, ref_name, source, user if self.author.kind != "ghost" else None, status
        )
        if finished is None:
            return
        self.pipeline_done = finished
        if status == "failed":
            self._fix_failure(finished, sha, ref_name, source)
        elif status == "success" and (guarantees.needs("project_bot_note") or rng.random() < 0.25):
            self._ci_report(finished)

    def _fix_failure(self, failed_at: int, sha: str, ref_name: str, source: str) -> None:
        """The CI bot reports the failure; the author pushes a fix and the next pipeline passes."""
        rng, sim, guarantees = self.rng, self.sim, self.guarantees
        if guarantees.needs("ci_bot_note") or rng.random() < 0.6:
            body = comments.CI_FAILURE.format(
                sha=sha[:8],
                job=rng.choice(comments.CI_JOBS),
                line=rng.choice(comments.CI_FAILURE_LINES),
            )
            if sim.note(self.notes, failed_at + 5000, sim.world.team.ci_bot, body):
                guarantees.done("ci_bot_note")
        fixed_at = self.clock.after(rng, failed_at, 5, 120)
        if self.author.kind == "bot" or fixed_at >= sim.end:
            return
        fix = self.commit(fixed_at, rng.choice(writing.FIX_COMMITS))
        self.note_added_commits(fixed_at + 20_000, [fix])
        finished = sim.pipelines.record(fixed_at + 40_000, fix, ref_name, source, self.author)
        if finished is not None:
            self.pipeline_done = finished
            guarantees.done("failed_fixed")

    def note_added_commits(self, moment: int, shas: list[str]) -> None:
        """GitLab's "added N commits" system note."""
        titles = {sha: title for _, sha, title, _ in self.commits}
        items = "".join(f"<li>{sha[:8]} - {titles[sha]}</li>" for sha in shas)
        count = f"{len(shas)} commit{'s' if len(shas) > 1 else ''}"
        if self.sim.system(self.notes, moment, self.author, f"added {count}\n\n<ul>{items}</ul>"):
            self.touch(moment)

    def _ci_report(self, moment: int) -> None:
        """The project bot posts the test report of a green pipeline."""
        rng = self.rng
        coverage = f"{rng.uniform(62, 94):.1f}"
        delta = f"{rng.choice('+-')}{rng.uniform(0, 1.5):.1f}%"
        passed = rng.randrange(120, 2400)
        body = comments.CI_REPORT.format(passed=passed, coverage=coverage, delta=delta)
        assert self.p.bot is not None
        if self.sim.note(self.notes, moment + 3000, self.p.bot, body):
            self.guarantees.done("project_bot_note")

    def _draft_phase(self) -> int | None:
        """When the MR is ready for review, or None while it is (still) a draft."""
        rng, guarantees = self.rng, self.guarantees
        self.draft = False
        parked = guarantees.needs("draft") or rng.random() < 0.008
        if self.author.kind == "human" and self.kind != "revert" and parked:
            self.draft = True  # parked: work in progress nobody is asked to review yet
            guarantees.done("draft")
            return None
        if not self.human or self.kind == "revert" or rng.random() >= 0.15:
            return self.t0
        ready = self.clock.after(rng, self.t0, 60, 3 * 1440)
        if self.sim.system(
            self.notes, ready, self.author, "marked this merge request as **ready**"
        ):
            self.touch(ready)
            return ready
        self.draft = True
        return None

    # -- bots, outcome -----------------------------------------------------------------------------

    def _bot_notes(self) -> None:
        """Internal notes and leftovers from deleted users (the ghost) on early MRs."""
        rng, guarantees, sim, team = self.rng, self.guarantees, self.sim, self.sim.world.team
        if self.human and (guarantees.needs("internal_note") or rng.random() < 0.005):
            writer = sim.other_dev(self.author) or self.author
            moment = self.clock.after(rng, self.t0, 30, 1440)
            body = rng.choice(comments.INTERNAL_NOTES)
            if sim.note(self.notes, moment, writer, body, internal=True):
                guarantees.done("internal_note")
                self.touch(moment)
        early = self.t0 < self.clock.fraction(0.3)
        if (
            early
            and self.author is not team.ghost
            and (guarantees.needs("ghost_note") or rng.random() < 0.03)
        ):
            moment = self.clock.after(rng, self.t0, 30, 600)
            if sim.note(self.notes, moment, team.ghost, rng.choice(comments.RUBBER_STAMPS)):
                guarantees.done("ghost_note")
                self.touch(moment)

    def _outcome(self) -> MergeRequest:
        """Merged (most), closed without merging, or still open at ``end``."""
        rng, guarantees, clock = self.rng, self.guarantees, self.clock
        state, merged_at, closed_at = "opened", None, None
        merger: User | None = None
        closer: User | None = None
        close_rate = 0.12 if self.kind == "renovate" else 0.05
        if self.draft or (self.author.kind == "human" and rng.random() < 0.015):
            pass  # a draft, or stalled: waiting for a decision, a dependency, a rebase
        elif (
            guarantees.needs("closed_mr") and self.author.kind == "human"
        ) or rng.random() < close_rate:
            moment = clock.after(rng, self.last, 60, 3 * 1440)
            if moment < self.sim.end:
                state, closed_at = "closed", moment
                closer = self.author if self.human and rng.random() < 0.7 else self._merger()
                guarantees.done("closed_mr")
                if self.kind == "renovate":
                    body = writing.RENOVATE_CLOSED.format(new=self.renovate_new)
                    self.sim.note(self.notes, moment + 30_000, self.author, body)
        elif self._approved_enough():
            start = max(self.last, self.pipeline_done)
            moment = clock.after(rng, start, 3, 300)
            if moment < self.sim.end:
                state, merged_at, merger = "merged", moment, self._merger()
        return self._build(state, merged_at, merger, closed_at, closer)

    def _approved_enough(self) -> bool:
        """Approved, or nobody could have: a one-person project, or no reviewer found."""
        return bool(self.approvals) or len(self.p.devs) < 2 or not self.reviewer_states

    def _merger(self) -> User:
        """Developers may merge their own MRs; otherwise an approving or any maintainer."""
        rng = self.rng
        if self.author.kind == "human" and rng.random() < 0.55:
            return self.author
        by_id = {u.id: u for u in self.p.maintainers}
        approving = [by_id[a["user"]["id"]] for a in self.approvals if a["user"]["id"] in by_id]
        pool = approving or self.p.maintainers or self.p.devs
        return rng.choice(pool) if pool else self.author

    def _build(
        self,
        state: str,
        merged_at: int | None,
        merger: User | None,
        closed_at: int | None,
        closer: User | None,
    ) -> MergeRequest:
        """The merge request's payload and record, with what follows from its outcome."""
        iso, rng, team = self.clock.iso, self.rng, self.sim.world.team
        self.commits.sort()
        head = self.commits[-1][1]
        payload: Json = {
            "iid": self.iid,
            "title": ("Draft: " + self.title) if self.draft else self.title,
            "description": self.description,
            "state": state,
            "author": ref(self.author),
            "assignees": [ref(self.author)] if self.human and rng.random() < 0.8 else [],
            "labels": self.labels,
            "draft": self.draft,
            "created_at": iso(self.t0),
            "updated_at": "",
            "merged_at": None,
            "merge_user": None,
            "closed_at": None,
            "closed_by": None,
            "source_branch": self.branch,
            "target_branch": "main",
            "sha": head,
            "merge_commit_sha": None,
            "diff_refs": {"base_sha": self.base_sha, "head_sha": head, "start_sha": self.base_sha},
        }
        mr = MergeRequest(self.iid, self.t0, self.title, self.kind, self.author, {}, self.notes)
        if merged_at is not None and merger is not None:
            mr.merged_at, mr.merge_sha = merged_at, random_hex(rng)
            payload.update(
                merged_at=iso(merged_at), merge_user=ref(merger), merge_commit_sha=mr.merge_sha
            )
            self.touch(merged_at)
            self._after_merge(mr, merger)
        if closed_at is not None and closer is not None:
            payload.update(closed_at=iso(closed_at), closed_by=ref(closer))
            self.touch(closed_at)
        self._awards()
        self._link_issues(mr)
        payload["updated_at"] = iso(self.last)
        mr.last = self.last
        mr.entry = self._entry(payload)
        if self.author is team.ghost:
            self.guarantees.done("ghost_mr")
        if self.author is team.blocked:
            self.guarantees.done("blocked_mr")
        return mr

    def _after_merge(self, mr: MergeRequest, merger: User) -> None:
        """``main`` moves on, the closed issue closes, and ``main`` sometimes runs a pipeline."""
        assert mr.merged_at is not None
        self.p.merges.append((mr.merged_at, mr.merge_sha))
        closes = self.closes
        if closes is not None and closes.closed_at is None:
            closes.closed_at, closes.closed_by, closes.closed_via = mr.merged_at, merger, mr
            self.guarantees.done("closes_issue")
        if self.rng.random() < 0.2:
            moment = mr.merged_at + self.rng.randrange(5, 60) * 1000
            status = "failed" if self.rng.random() < 0.05 else "success"
            self.sim.pipelines.record(moment, mr.merge_sha, "main", "push", merger, status)

    def _link_issues(self, mr: MergeRequest) -> None:
        """GitLab's cross-reference note on each issue the description mentions."""
        for issue in (self.closes, self.related):
            if issue is not None and issue.t < self.t0:
                body = f"mentioned in merge request !{mr.iid}"
                self.sim.system(issue.notes, self.t0 + 2000, self.author, body)

    def _awards(self) -> None:
        """Now and then, emoji from teammates."""
        rng, guarantees = self.rng, self.guarantees
        if not (guarantees.needs("mr_emoji") or rng.random() < 0.15):
            return
        fans = [d for d in self.p.devs if d is not self.author]
        for fan in rng.sample(fans, min(len(fans), rng.randint(1, 2))):
            moment = rng.randrange(self.t0, self.last + 1)
            self.awards.append(award(rng.choice(comments.MR_EMOJI), fan, self.clock.iso(moment)))
            guarantees.done("mr_emoji")

    def _entry(self, payload: Json) -> Json:
        """The dataset entry: payload, notes, approvals, reviewers, diffs, commits, emoji."""
        iso = self.clock.iso
        author_name, author_email = self.author.name, self.author.email
        commits = []
        for moment, sha, title, message in reversed(self.commits):  # newest first, as GitLab
            stamp = iso(moment)
            commits.append(
                {
                    "id": sha,
                    "short_id": sha[:8],
                    "title": title,
                    "message": message,
                    "author_name": author_name,
                    "author_email": author_email,
                    "authored_date": stamp,
                    "committed_date": stamp,
                    "created_at": stamp,
                }
            )
        self.approvals.sort(key=lambda approval: str(approval["approved_at"]))
        entry: Json = {
            "merge_request": payload,
            "notes": self.notes,
            "approvals": {
                "approved_by": self.approvals,
                "approvals_required": 1 if len(self.p.devs) > 1 else 0,
            },
            "reviewers": self.reviewer_states,
            "diffs": self.diffs,
            "commits": commits,
        }
        if self.awards:
            entry["award_emoji"] = self.awards
        return entry
