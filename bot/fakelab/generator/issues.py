"""Issues: their payloads and discussions, incidents and how they are led, closing them.

An issue is rendered when its project's simulation starts and finished after the merge requests
ran, since a merge request may close it and a parent closes only once all its children did.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from bot.fakelab.generator.clock import MINUTE
from bot.fakelab.generator.corpus import comments, incidents, writing
from bot.fakelab.generator.randomness import random_hex
from bot.fakelab.generator.records import (
    Issue,
    MergeRequest,
    MergeRequestPlan,
    User,
    award,
    created,
    ref,
)

if TYPE_CHECKING:
    from bot.fakelab.generator.projects import ProjectSim


class IssueSim:
    """Renders one planned issue: its payload and discussion, then closure after the MRs ran."""

    def __init__(self, sim: ProjectSim, issue: Issue) -> None:
        self.sim, self.issue, self.rng, self.clock = sim, issue, sim.rng, sim.clock
        self.guarantees = sim.guarantees

    def render(self) -> None:
        issue, rng, p, guarantees = self.issue, self.rng, self.sim.p, self.guarantees
        if issue.kind == "incident":
            self._incident()
            return
        labels, title = self._title()
        issue.assignee = self._assignee()
        confidential = (issue.kind == "security" and rng.random() < 0.7) or rng.random() < 0.01
        if guarantees.needs("confidential_issue") and issue.kind not in ("parent", "child"):
            confidential = True
            guarantees.done("confidential_issue")
        issue.payload = {
            "iid": issue.iid,
            "title": title,
            "description": self._description(),
            "state": "opened",
            "author": ref(issue.author),
            "assignees": [ref(issue.assignee)] if issue.assignee else [],
            "labels": labels,
            "created_at": self.clock.iso(issue.t),
            "confidential": confidential,
            "issue_type": issue.issue_type,
        }
        if issue.kind == "task":
            issue.payload["issue_type"] = issue.issue_type = "task"
            guarantees.done("task")
        if issue.kind == "parent":
            guarantees.done("parent_issue")
        if issue.assignee and issue.kind != "parent" and issue.issue_type != "incident":
            # What the assignee will close with their next merge request.
            p.open_by_assignee.setdefault(issue.assignee.id, deque()).append(issue)
        self._discussion(confidential)
        self._awards()

    def _title(self) -> tuple[list[str], str]:
        """Labels and title, by kind."""
        issue, rng = self.issue, self.rng
        mod = issue.module
        if issue.kind == "parent":
            return ["feature", "epic"], mod.title(rng.choice(writing.PARENT_TITLES))
        if issue.kind == "child":
            return ["feature"], mod.title(rng.choice(writing.CHILD_TITLES))
        if issue.kind == "task":
            return ["tech-debt"], mod.title(rng.choice(writing.TASK_TITLES))
        label, titles = writing.ISSUE_KINDS[issue.kind]
        labels = [label]
        if issue.kind == "perf" and rng.random() < 0.4:
            labels.append("database")
        return labels, mod.title(rng.choice(titles))

    def _assignee(self) -> User | None:
        issue, rng, devs = self.issue, self.rng, self.sim.p.devs
        if not devs or rng.random() < 0.2:
            return None
        if issue.author in devs and rng.random() < 0.4:
            return issue.author
        return rng.choice(devs)

    def _description(self) -> str:
        """Juniors write a line; seniors give context, a proposal and acceptance criteria."""
        issue, rng = self.issue, self.rng
        mod, level = issue.module, issue.author.level
        if issue.kind == "child":
            assert issue.parent is not None
            return f"Part of #{issue.parent.iid}\n\n{mod.fill(rng.choice(writing.ISSUE_SUMMARIES))}"
        if issue.kind == "parent":
            return ""  # written in finish(), once the children's states are known
        summary = mod.fill(rng.choice(writing.ISSUE_SUMMARIES))
        if rng.random() < 0.15 * level:
            return f"{summary}\n\n{mod.fill(rng.choice(writing.ISSUE_STEPS))}"
        return summary if rng.random() < 0.8 else ""

    def _discussion(self, confidential: bool) -> None:
        """A question answered by someone more senior, status updates, pings, internal notes."""
        issue, rng, sim, guarantees = self.issue, self.rng, self.sim, self.guarantees
        ask = 0.45 if issue.author.level <= 2 else 0.2
        if guarantees.needs("issue_qa") or rng.random() < ask:
            self._question_thread()
        if issue.assignee and rng.random() < 0.3:
            moment = self.clock.after(rng, issue.t, 60, 4 * 1440)
            update = issue.module.fill(rng.choice(comments.STATUS_UPDATES))
            sim.note(issue.notes, moment, issue.assignee, update)
        if rng.random() < 0.15:
            target = sim.other_dev(issue.author)
            if target is not None:
                body = rng.choice(comments.ISSUE_PINGS).format(user=target.mention)
                sim.note(issue.notes, self.clock.after(rng, issue.t, 10, 1440), issue.author, body)
        if confidential and (guarantees.needs("issue_internal_note") or rng.random() < 0.4):
            writer = sim.other_dev() or issue.author
            moment = self.clock.after(rng, issue.t, 30, 2880)
            body = rng.choice(comments.INTERNAL_NOTES)
            if sim.note(issue.notes, moment, writer, body, internal=True):
                guarantees.done("issue_internal_note")

    def _question_thread(self) -> None:
        """A junior asks, or someone asks a senior author; a more senior teammate answers."""
        issue, rng, sim = self.issue, self.rng, self.sim
        asker = (
            issue.author if issue.author.level <= 2 else sim.other_dev(issue.author) or issue.author
        )
        seniors = [d for d in sim.p.devs if d.level > asker.level] or [
            d for d in sim.p.devs if d is not asker
        ]
        if not seniors:
            return
        answerer = rng.choice(seniors)
        thread = {"type": "DiscussionNote", "resolvable": False, "discussion_id": random_hex(rng)}
        moment = self.clock.after(rng, issue.t, 20, 1440)
        question = issue.module.fill(rng.choice(comments.ISSUE_QUESTIONS), user=answerer.mention)
        if not sim.note(issue.notes, moment, asker, question, **thread):
            return
        moment = self.clock.after(rng, moment, 10, 600)
        answer = issue.module.fill(rng.choice(comments.ISSUE_ANSWERS), user=asker.mention)
        if sim.note(issue.notes, moment, answerer, answer, **thread):
            self.guarantees.done("issue_qa")
            if rng.random() < 0.5:
                thanks = rng.choice(comments.ISSUE_THANKS).format(user=answerer.mention)
                thanked = self.clock.after(rng, moment, 5, 120)
                sim.note(issue.notes, thanked, asker, thanks, **thread)

    def _awards(self) -> None:
        """Now and then, thumbs up from teammates who want it too."""
        issue, rng = self.issue, self.rng
        if rng.random() >= 0.2:
            return
        voters = [d for d in self.sim.p.devs if d is not issue.author]
        for voter in rng.sample(voters, min(len(voters), rng.randint(1, 4))):
            moment = self.clock.after(rng, issue.t, 10, 7 * 1440)
            if moment < self.sim.end:
                issue.awards.append(award("thumbsup", voter, self.clock.iso(moment)))

    # -- incidents ---------------------------------------------------------------------------------

    def _incident(self) -> None:
        """A senior leads: takes it, coordinates, posts the timeline and closes the incident."""
        issue, rng, sim, clock = self.issue, self.rng, self.sim, self.clock
        devs = sorted(sim.p.devs, key=lambda d: (-d.level, d.id))
        lead = (
            rng.choice(devs[:3])
            if devs[0].level < 4
            else rng.choice([d for d in devs if d.level >= 4])
        )
        issue.assignee = lead
        mod, t = issue.module, issue.t
        hhmm = clock.iso(t)[11:16]
        issue.payload = {
            "iid": issue.iid,
            "title": mod.title(rng.choice(incidents.INCIDENT_TITLES)),
            "description": mod.fill(incidents.INCIDENT_DESCRIPTION, hhmm=hhmm),
            "state": "opened",
            "author": ref(issue.author),
            "assignees": [ref(lead)],
            "labels": ["incident"],
            "created_at": clock.iso(t),
            "confidential": False,
            "issue_type": "incident",
            "severity": rng.choice(incidents.INCIDENT_SEVERITIES),
        }
        helper = sim.other_dev(lead) or lead
        steps = [t + rng.randrange(3, 15) * MINUTE]
        for _ in range(4):
            steps.append(steps[-1] + rng.randrange(10, 50) * MINUTE)
        sim.note(issue.notes, steps[0], lead, incidents.INCIDENT_LEAD.format(user=helper.mention))
        for moment in steps[1:3]:
            author = rng.choice((lead, helper))
            at = moment + rng.randrange(MINUTE)
            sim.note(issue.notes, at, author, rng.choice(incidents.INCIDENT_FINDINGS))
        self._incident_changes(lead, steps[1])
        cause = mod.fill(rng.choice(incidents.INCIDENT_CAUSES))
        stamps = {f"t{i}": clock.iso(s)[11:16] for i, s in enumerate([t, *steps[:4]])}
        timeline = incidents.INCIDENT_TIMELINE.format(lead=lead.mention, cause=cause, **stamps)
        posted = steps[4] + rng.randrange(5, 60) * MINUTE
        if sim.note(issue.notes, posted, lead, timeline):
            closed = posted + rng.randrange(1, 10) * MINUTE
            if closed < sim.end:
                issue.closed_at, issue.closed_by = closed, lead
                self.guarantees.done("incident")

    def _incident_changes(self, lead: User, moment: int) -> None:
        """A revert of a recent change or a hotfix, linked to the incident."""
        rng, sim = self.rng, self.sim
        author = lead if rng.random() < 0.5 else sim.other_dev() or lead
        if rng.random() < 0.35 or self.guarantees.needs("revert"):
            sim.p.mr_plan.append(MergeRequestPlan(moment, lead, kind="revert", issue=self.issue))
        hotfix_at = moment + rng.randrange(10, 60) * MINUTE
        sim.p.mr_plan.append(MergeRequestPlan(hotfix_at, author, "hotfix", self.issue))

    # -- after the merge requests ------------------------------------------------------------------

    def finish(self) -> None:
        """Close what got done, write parent task lists, derive state and ``updated_at``."""
        issue, rng, sim, clock = self.issue, self.rng, self.sim, self.clock
        if issue.kind == "parent":
            self._parent()
        elif issue.closed_at is None and issue.issue_type != "incident" and rng.random() < 0.35:
            closer = issue.assignee or issue.author
            moment = clock.after(rng, issue.t, 1440, 30 * 1440)
            if moment < sim.end and closer.kind == "human":
                issue.closed_at, issue.closed_by = moment, closer
        if issue.closed_via is not None and issue.closed_at is not None and rng.random() < 0.3:
            self._fixed_in_note(issue.closed_via, issue.closed_at)
        payload = issue.payload
        if issue.closed_at is not None and issue.closed_by is not None:
            payload.update(
                state="closed",
                closed_at=clock.iso(issue.closed_at),
                closed_by=ref(issue.closed_by),
            )
        issue.notes.sort(key=created)
        latest = [payload["created_at"], payload.get("closed_at") or ""]
        latest += [n["created_at"] for n in issue.notes[-1:]]
        payload["updated_at"] = max(latest)

    def _parent(self) -> None:
        """The task list of child issues; the parent closes once every child is done."""
        issue, rng, clock = self.issue, self.rng, self.clock
        lines = []
        for child in issue.children:
            lines.append(f"- [{'x' if child.closed_at is not None else ' '}] #{child.iid}")
        goal = issue.module.fill(rng.choice(writing.PARENT_GOALS))
        issue.payload["description"] = f"{goal}\n\n## Plan\n\n" + "\n".join(lines)
        closings = [c.closed_at for c in issue.children]
        if closings and all(c is not None for c in closings):
            moment = clock.after(rng, max(c for c in closings if c is not None), 30, 2880)
            if moment < self.sim.end:
                issue.closed_at, issue.closed_by = moment, issue.author

    def _fixed_in_note(self, mr: MergeRequest, moment: int) -> None:
        """The assignee points at the MR; GitLab cross-references it on the MR."""
        issue, rng, sim = self.issue, self.rng, self.sim
        author = issue.assignee or issue.author
        moment = moment + rng.randrange(1, 30) * MINUTE
        body = rng.choice(comments.FIXED_IN).format(iid=mr.iid)
        if sim.note(issue.notes, moment, author, body):
            sim.system(mr.notes, moment + 1000, author, f"mentioned in issue #{issue.iid}")
