"""What authors write: merge request and issue titles, descriptions, commit messages."""

from __future__ import annotations

from typing import Final

# -- merge requests -------------------------------------------------------------------------------

#: Change kinds with their label and title templates.
MR_KINDS: Final = {
    "bug": ("bug", (
        "Fix {m} timeout under load", "Fix off-by-one in {m} pagination", "Handle missing {m} gracefully",
        "Fix typo in {m} error message", "Fix crash when {m} is empty", "Return 404 for unknown {m}",
        "Fix rounding error in {m} totals", "Fix race condition in {m} worker",
        "Fix time zone handling in {m}", "Validate {m} input before saving",
    )),
    "feature": ("feature", (
        "Add {m} export endpoint", "Add filtering to {m} list", "Support bulk update of {m}",
        "Add {m} webhook", "Introduce {m} feature flag", "Add search to {m}", "Add audit trail for {m}",
        "Expose {m} metrics", "Add {m} API v2", "Allow users to archive {m}",
    )),
    "refactor": ("refactor", (
        "Refactor {m} into a service object", "Extract {m} client", "Simplify {m} retry logic",
        "Remove dead code in {m}", "Split {m} module", "Replace hand-rolled {m} cache",
    )),
    "perf": ("performance", (
        "Fix N+1 query in {m} list", "Cache {m} lookups", "Batch {m} writes",
        "Speed up {m} serialization", "Add index for {m} queries", "Stream {m} export instead of buffering",
    )),
    "security": ("security", (
        "Escape user input in {m}", "Enforce authorization on {m} endpoint", "Rotate {m} signing keys",
        "Rate-limit {m} requests", "Redact secrets in {m} logs", "Upgrade TLS settings for {m}",
    )),
    "migration": ("database", (
        "Create {m} table", "Add index on {m} created_at", "Backfill {m} foreign keys",
        "Add NOT NULL constraint to {m}", "Partition {m} by month",
    )),
    "docs": ("documentation", (
        "Document {m} configuration", "Fix outdated {m} docs", "Add runbook for {m}",
        "Update README for {m}", "Explain {m} architecture",
    )),
    "ci": ("ci", (
        "Cache dependencies in CI", "Split CI test job", "Run {m} tests in parallel",
        "Add lint stage", "Pin CI image versions", "Speed up Docker build",
    )),
    "tech-debt": ("tech-debt", (
        "Remove deprecated {m} API", "Drop unused {m} columns", "Upgrade {m} to the new SDK",
        "Replace {m} TODOs with issues",
    )),
}  # fmt: skip
ONE_LINE_DESCRIPTIONS: Final = (
    "Small fix, see title.", "Fixes the {m} bug reported in Slack.", "As discussed in standup.",
    "Quick change to {m}.", "See title", "WIP", "This fixes it.", "Follow-up to the last {m} change.",
)  # fmt: skip
#: Every project's merge request template (served by the templates API), and what a
#: description left at the template is.
UNFILLED_TEMPLATE: Final = (
    "## What does this MR do?\n\n<!-- Describe in detail what your merge request does and why. -->"
    "\n\n## Related issues\n\n<!-- Link related issues below. -->"
    "\n\n## Checklist\n\n- [ ] Tests added or updated\n- [ ] Documentation updated"
)
#: The checklist of a thorough description, ticked as far as the change went.
CHECKLIST: Final = (
    "## Checklist\n\n- [{tests}] Tests added or updated\n- [{docs}] Documentation updated"
)
CONTEXT: Final = (
    "The {m} code path currently loads every record into memory before filtering, which times out "
    "for our largest customers.",
    "Users reported that {m} silently fails when the upstream service returns a 503.",
    "This is the first step of the {m} rework: it introduces the new code path behind a feature "
    "flag without changing behaviour.",
    "While debugging the last incident we noticed that {m} retries without any backoff.",
    "The {m} module mixes HTTP handling with business rules, which makes it hard to test.",
    "Support asked for a way to see {m} changes per account.",
)  # fmt: skip
WHY: Final = (
    "Without this, on-call has to patch data by hand every week.",
    "It unblocks the next milestone and removes a class of flaky tests.",
    "p95 latency of the endpoint is 2.3 s today; the target is 300 ms.",
    "It closes a gap found during the last security review.",
    "The current behaviour surprised three customers this month.",
)  # fmt: skip
HOW_TO_TEST: Final = (
    "1. Run `make test`\n2. Start the app locally and open the {m} page\n3. Check that the list loads",
    "1. Enable the feature flag\n2. Call the endpoint with an unknown id\n3. Expect a 404 instead of a 500",
    "- [x] Unit tests for the new branches\n- [x] Ran the migration against a staging snapshot\n- [ ] QA on staging",
    "```shell\ncurl -H \"PRIVATE-TOKEN: $TOKEN\" localhost:8080/api/v1/{f}?page=2\n```",
)  # fmt: skip
ROLLOUT: Final = (
    "## Rollout\n\nBehind the `{f}_v2` feature flag. Enable for internal accounts first, then 10 %, "
    "then everyone. Rollback: disable the flag.",
    "## Risks\n\nThe migration locks the table for about two seconds on production size; scheduled "
    "outside business hours.",
    "## Alternatives considered\n\nA background job would avoid the extra query, but adds a moving "
    "part we would need to monitor. Happy to revisit if load grows.",
)  # fmt: skip
SCREENSHOTS: Final = (
    "## Screenshots\n\n| Before | After |\n| --- | --- |\n"
    "| ![before](/uploads/{hex}/before.png) | ![after](/uploads/{hex}/after.png) |"
)
MENTION_LINES: Final = ("cc {user}", "{user} could you have a look at the API part?",
                        "Pairing with {user} on this one.", "Thanks {user} for the idea!")  # fmt: skip

# -- commits --------------------------------------------------------------------------------------

COMMIT_BODIES: Final = (
    "", "", "",
    "The previous implementation ignored the error returned by the client.",
    "Keeps the public interface unchanged.",
    "Co-authored-by: a teammate",
)  # fmt: skip
FOLLOW_UP_COMMITS: Final = ("Add tests", "Address review comments", "Fix lint", "Update docs",
                            "Apply suggestion", "Rename variables for clarity")  # fmt: skip
FIX_COMMITS: Final = ("Fix failing test", "Fix flaky spec", "Fix lint errors", "Fix type error")

# -- dependency updates ---------------------------------------------------------------------------

RENOVATE_DESCRIPTION: Final = (
    "This MR contains the following updates:\n\n| Package | Change |\n|---|---|\n"
    "| {dep} | `{old}` -> `{new}` |\n\n---\n\n### Configuration\n\n"
    "📅 **Schedule**: Branch creation - At any time (no schedule defined), Automerge - At any time "
    "(no schedule defined).\n\n🚦 **Automerge**: Disabled by config. Please merge this manually once "
    "you are satisfied.\n\n♻ **Rebasing**: Whenever MR becomes conflicted, or you tick the "
    "rebase/retry checkbox.\n\n---\n\n - [ ] <!-- rebase-check -->If you want to rebase/retry this "
    "MR, check this box\n\n---\n\nThis MR has been generated by "
    "[Renovate Bot](https://github.com/renovatebot/renovate)."
)
RENOVATE_CLOSED: Final = (
    "### Renovate Ignore Notification\n\nBecause you closed this MR without merging, Renovate will "
    "ignore this update (`{new}`). You will get an MR once a newer version is released."
)

# -- issues ---------------------------------------------------------------------------------------

ISSUE_KINDS: Final = {
    "bug": ("bug", (
        "{m} returns 500 for archived accounts", "{m} page is blank in Safari",
        "Duplicate {m} entries after retry", "{m} export misses the last page",
        "Wrong currency shown in {m}", "{m} times out for large accounts",
    )),
    "feature": ("feature", (
        "Allow filtering {m} by date", "Bulk actions for {m}", "Notify owners when {m} changes",
        "Expose {m} in the public API", "Let admins configure {m}",
    )),
    "tech-debt": ("tech-debt", (
        "Remove the legacy {m} code path", "Upgrade {m} dependencies", "Add missing tests for {m}",
        "Consolidate {m} error handling",
    )),
    "docs": ("documentation", (
        "Document {m} limits", "{m} runbook is outdated", "Add onboarding guide for {m}",
    )),
    "perf": ("performance", (
        "{m} endpoint p95 above 1 s", "Slow {m} query on the dashboard", "{m} worker uses too much memory",
    )),
    "security": ("security", (
        "{m} leaks internal ids in error messages", "Missing authorization check on {m}",
        "{m} tokens never expire",
    )),
    "ci": ("ci", (
        "Flaky {m} test in CI", "CI takes 25 minutes on {m} changes", "Nightly pipeline fails on {m}",
    )),
}  # fmt: skip
ISSUE_SUMMARIES: Final = (
    "Seen in production since Tuesday's deploy.", "Reported by two customers via support.",
    "Came up in the retrospective.", "Found while working on the {m} changes.",
    "Product wants this for the next release.",
)  # fmt: skip
ISSUE_STEPS: Final = (
    "## Steps to reproduce\n\n1. Log in as an admin\n2. Open {m}\n3. Click *Export*\n\n"
    "## Expected\n\nA CSV with every row.\n\n## Actual\n\nThe last page is missing.",
    "## Problem\n\n{m} does not handle retries idempotently.\n\n## Proposal\n\nStore an "
    "idempotency key and skip duplicates.\n\n## Acceptance criteria\n\n- [ ] No duplicates after a "
    "retry\n- [ ] Covered by a test",
    "## Context\n\nThe {m} code has no owner since the reorg.\n\n## Proposal\n\nDocument the flows "
    "and add the missing tests before we change anything.",
)  # fmt: skip
PARENT_TITLES: Final = ("Rework {m}", "{m} v2", "Migrate {m} to the new platform",
                        "Make {m} multi-tenant", "Split {m} out of the monolith")  # fmt: skip
PARENT_GOALS: Final = (
    "## Goal\n\nMove {m} to the new data model so we can serve enterprise accounts.\n\n"
    "## Why\n\nThe current design caps us at one region and blocks the billing roadmap.",
    "## Goal\n\nReplace the legacy {m} code path, one slice at a time, with no downtime.\n\n"
    "## Out of scope\n\nUI changes; they follow in a separate issue.",
    "## Goal\n\nMake {m} observable and owned: metrics, alerts, a runbook.\n\n"
    "## Success criteria\n\nOn-call can answer \"is {m} healthy?\" in under a minute.",
)  # fmt: skip
CHILD_TITLES: Final = (
    "{m}: design the new schema", "{m}: add the API endpoints", "{m}: migrate existing data",
    "{m}: update the UI", "{m}: write the runbook", "{m}: remove the old code path",
)  # fmt: skip
TASK_TITLES: Final = ("Rotate {m} credentials", "Clean up stale {m} branches",
                      "Review {m} alerts", "Update {m} on-call notes")  # fmt: skip
