"""What a merge request says and changes: kind, title, labels, files, branch, description.

Humans pick a kind of change by level; Renovate updates a dependency; an incident brings a hotfix
or the revert of a recent merge. Descriptions range from nothing to a thorough write-up, more
thorough with seniority, and may close or mention an issue.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from bot.fakelab.generator.changes import ChangedFiles, reverted
from bot.fakelab.generator.clock import DAY
from bot.fakelab.generator.corpus import layouts, writing
from bot.fakelab.generator.profiles import DESC_TIERS, DESC_WEIGHTS, MR_KIND_NAMES, MR_KIND_WEIGHTS
from bot.fakelab.generator.randomness import random_hex
from bot.fakelab.generator.records import MergeRequest

if TYPE_CHECKING:
    from bot.fakelab.generator.merge_requests import MergeRequestSim


def write_content(mr: MergeRequestSim) -> None:
    """Set ``mr``'s kind, title, labels, diffs, branch and description."""
    guarantees, rng = mr.guarantees, mr.rng
    wants_revert = guarantees.needs("revert") or rng.random() < 0.004
    if not mr.kind and mr.author.kind == "human" and wants_revert:
        mr.kind = "revert"
    if mr.kind == "revert":
        mr.reverted = _revert_target(mr)
        if mr.reverted is None and mr.plan.kind is None:
            mr.kind = ""
        if mr.reverted is None and mr.plan.kind == "revert":
            mr.kind = "hotfix"  # an incident without a recent merge to blame
    if mr.kind == "renovate":
        _renovate(mr)
        return
    if mr.kind == "revert" and mr.reverted is not None:
        _revert(mr, mr.reverted)
        return
    if mr.kind == "hotfix":
        mr.kind = "bug"
        mr.labels = ["bug", "incident"]
        mr.title = mr.module.title(rng.choice(writing.MR_KINDS["bug"][1]))
    else:
        mr.kind = _human_kind(mr)
        label, titles = writing.MR_KINDS[mr.kind]
        mr.labels = [label]
        mr.title = mr.module.title(rng.choice(titles))
    files = ChangedFiles(rng, mr.p, mr.module, guarantees)
    mr.diffs = files.for_kind(mr.kind, mr.author.level, mr.clock.iso(mr.t0))
    mr.branch = _branch(mr)
    mr.description = _description(mr)


def _human_kind(mr: MergeRequestSim) -> str:
    for kind in ("migration", "docs", "ci"):
        if mr.guarantees.needs(f"path:{kind}") and (kind != "migration" or mr.p.has_migrations):
            return kind
    level = max(1, mr.author.level)
    kind = mr.rng.choices(MR_KIND_NAMES, weights=MR_KIND_WEIGHTS[level])[0]
    if kind == "migration" and not mr.p.has_migrations:
        return "feature"
    return kind


def _branch(mr: MergeRequestSim) -> str:
    """``alice/fix-login``, ``fix/fix-login`` or ``42-fix-login``, the usual styles."""
    slug = "-".join(mr.title.lower().replace('"', "").split()[:5])
    slug = "".join(ch for ch in slug if ch.isalnum() or ch == "-")
    style = mr.rng.random()
    if style < 0.4:
        return f"{mr.author.username}/{slug}"
    if style < 0.7:
        return f"{'fix' if mr.kind == 'bug' else 'feature'}/{slug}"
    return f"{mr.iid}-{slug}"


def _description(mr: MergeRequestSim) -> str | None:
    """Anything from nothing to a thorough write-up, more thorough with seniority."""
    guarantees, rng, mod = mr.guarantees, mr.rng, mr.module
    tier = next((t for t in DESC_TIERS if guarantees.needs(f"desc:{t}")), None)
    if tier is None:
        tier = rng.choices(DESC_TIERS, weights=DESC_WEIGHTS[max(1, mr.author.level)])[0]
    guarantees.done(f"desc:{tier}")
    if tier == "empty":
        return ""
    if tier == "null":
        return None
    if tier == "template":
        return writing.UNFILLED_TEMPLATE
    link = _issue_link(mr)
    if tier == "oneline":
        return link or mod.fill(rng.choice(writing.ONE_LINE_DESCRIPTIONS))
    context = mod.fill(rng.choice(writing.CONTEXT))
    parts = [context] if tier == "short" else _thorough(mr, context)
    if link:
        parts.append(link)
    mate = mr.sim.other_dev(mr.author)
    if mate is not None and rng.random() < (0.6 if tier == "thorough" else 0.25):
        parts.append(rng.choice(writing.MENTION_LINES).format(user=mate.mention))
    return "\n\n".join(parts)


def _thorough(mr: MergeRequestSim, context: str) -> list[str]:
    rng, mod = mr.rng, mr.module
    parts = [
        f"## What does this MR do?\n\n{context}",
        f"## Why\n\n{rng.choice(writing.WHY)}",
        f"## How to test\n\n{mod.fill(rng.choice(writing.HOW_TO_TEST))}",
    ]
    if mr.p.stack == "typescript" and rng.random() < 0.6:
        parts.append(writing.SCREENSHOTS.format(hex=random_hex(rng, 32)))
    if mr.author.level >= 4 and rng.random() < 0.5:
        parts.append(mod.fill(rng.choice(writing.ROLLOUT)))
    # The project template's checklist: tests ticked (a thorough write-up says how to test),
    # docs now and then, without a random draw so the rest of the generated world stays put.
    docs = "x" if len(context) % 3 == 0 else " "
    parts.append(writing.CHECKLIST.format(tests="x", docs=docs))
    return parts


def _issue_link(mr: MergeRequestSim) -> str:
    """``Closes #N`` for an issue assigned to the author, else sometimes ``Relates to #N``."""
    rng, p, guarantees = mr.rng, mr.p, mr.guarantees
    if mr.related is not None:
        return f"Relates to #{mr.related.iid}"
    queue = p.open_by_assignee.get(mr.author.id)
    if guarantees.needs("closes_issue") and not (queue and queue[0].t < mr.t0):
        # Anyone's open issue will do for the guarantee.
        queue = next((q for q in p.open_by_assignee.values() if q and q[0].t < mr.t0), None)
    if queue and queue[0].t < mr.t0 and (guarantees.needs("closes_issue") or rng.random() < 0.8):
        mr.closes = queue.popleft()
        return f"Closes #{mr.closes.iid}"
    earlier = bisect.bisect_left(p.issue_times, mr.t0)
    if earlier and rng.random() < 0.3:
        mr.related = p.issues[rng.randrange(earlier)]
        return f"Relates to #{mr.related.iid}"
    return ""


def _renovate(mr: MergeRequestSim) -> None:
    """A minor version bump of one of the stack's dependencies."""
    rng = mr.rng
    dep = rng.choice(layouts.DEPENDENCIES[mr.p.stack])
    major, minor = rng.randint(1, 9), rng.randint(0, 30)
    old, new = f"{major}.{minor}.{rng.randint(0, 9)}", f"{major}.{minor + 1}.0"
    mr.title = f"chore(deps): update dependency {dep} to v{new}"
    mr.labels = ["dependencies"]
    mr.branch = f"renovate/{dep.replace('/', '-').replace('@', '')}-{major}.x"
    mr.description = writing.RENOVATE_DESCRIPTION.format(dep=dep, old=old, new=new)
    mr.renovate_new = new
    mr.diffs = ChangedFiles(rng, mr.p, mr.module, mr.guarantees).dependencies()
    mr.guarantees.done("renovate_mr")


def _revert_target(mr: MergeRequestSim) -> MergeRequest | None:
    """The newest of the recent merge requests merged in the two weeks before, reverts aside."""
    recent = [
        merged
        for merged in mr.p.mrs[-40:]
        if merged.merged_at is not None
        and merged.kind != "revert"
        and 0 < mr.t0 - merged.merged_at < 14 * DAY
    ]
    return recent[-1] if recent else None


def _revert(mr: MergeRequestSim, target: MergeRequest) -> None:
    mr.title = f'Revert "{target.title}"'
    mr.labels = ["incident"] if mr.related is not None else []
    mr.related = None  # the description names the reverted MR, not the incident
    mr.description = f"This reverts merge request !{target.iid}"
    mr.branch = f"revert-{target.merge_sha[:8]}"
    mr.diffs = [reverted(d) for d in target.entry["diffs"]]
    mr.guarantees.done("revert")
