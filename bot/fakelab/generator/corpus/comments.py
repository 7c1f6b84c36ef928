"""What people and bots say in notes: reviews, replies, issue discussions, bot reports, emoji."""

from __future__ import annotations

import re
from typing import Final

# -- reviews --------------------------------------------------------------------------------------

RUBBER_STAMPS: Final = ("LGTM", ":+1:", "Looks good to me", "LGTM :rocket:", "lgtm", "Ship it!",
                        "Approved", "LGTM, thanks!")  # fmt: skip
NITS: Final = (
    "nit: missing trailing comma", "nit: typo in the comment", "nit: this import is unused",
    "nit: we usually keep constants in UPPER_CASE", "nit: trailing whitespace",
    "nit: could be a one-liner", "nit: inconsistent quote style",
)  # fmt: skip
#: Nits that only make sense in one language, by file extension group (see ``HUNK_ALIASES``).
LANG_NITS: Final = {
    ".py": ("nit: prefer f-strings here", "nit: missing return type hint",
            "nit: use `pathlib` instead of `os.path`"),
    ".rb": ("nit: prefer `&.` over `try`", "nit: missing `# frozen_string_literal: true`"),
    ".java": ("nit: this can be `final`", "nit: use `var` here, like the rest of the class"),
    ".ts": ("nit: prefer `const` here", "nit: missing return type"),
    ".go": ("nit: error strings should not be capitalized", "nit: receiver names are inconsistent"),
    ".yml": ("nit: indentation is off by two", "nit: quote the version, YAML reads 3.10 as 3.1"),
    ".md": ('nit: typo, "recieve"', "nit: we use sentence case for headings"),
}  # fmt: skip
ACTIONABLE: Final = (
    "Could we extract this into a helper? It would make the retry logic easier to test.",
    "This swallows the exception. Could we at least log it with the {m} id, so on-call can trace it?",
    "I think this needs a test for the empty case, otherwise we might regress the bug from last month.",
    "Could we move this query out of the loop? With a few thousand {m} records it becomes slow.",
    "Let's return early here, the nested ifs are hard to follow. Happy to pair if useful!",
    "We should validate the input before it reaches the database, otherwise a bad request gives a 500.",
)  # fmt: skip
QUESTIONS: Final = (
    "Why do we need the extra query here? Could we reuse the cached value?",
    "What happens if the upstream returns an empty list?",
    "Is this safe to run while the old workers are still deployed?",
    "Should this be behind the feature flag as well?",
    "Do we have a metric for this, so we can see whether it helps?",
)  # fmt: skip
#: Review comments for kinds of change where the generic ones make no sense: (actionable, questions).
KIND_REVIEWS: Final = {
    "docs": (
        ("Could we add an example request? That's usually the first thing people look for.",
         "This step is out of date since we moved to Helm, see the deploy runbook.",
         "Could we link to the runbook instead of duplicating the steps here?"),
        ("Is this still true for the v2 API?", "Who is the audience here, on-call or new joiners?"),
    ),
    "ci": (
        ("Can we pin this to a specific image version? `latest` broke us last month.",
         "This job runs on every push; could we restrict it with `rules: changes`?",
         "Let's cache the dependencies between jobs, it would save a few minutes per pipeline."),
        ("Does this still work on the shared runners?", "Will this change the required status checks?"),
    ),
    "renovate": (
        ("The changelog mentions a breaking change in the config loader, let's check our usage first.",),
        ("Is this covered by the integration tests?",),
    ),
}  # fmt: skip
#: Clearer names a reviewer proposes for identifiers of the diffs in ``layouts.HUNKS``.
RENAMES: Final = {
    "record": "existing", "res": "response", "row": "result_row", "cents": "amount_cents",
    "settings": "config", "result": "found", "payload": "body", "helpers": "legacy_helpers",
}  # fmt: skip
#: Rewordings a reviewer proposes for lines of prose.
REWORDINGS: Final = (
    ("override", "change"), ("describes", "explains"), ("See the", "Refer to the"),
    ("procedures", "steps"), ("moved", "has moved"),
)  # fmt: skip
_WORD = re.compile(r"\w+")


def surface_edit(line: str, group: str) -> tuple[str, str] | None:
    """A suggestion that changes only the surface of ``line``: another word in prose, a clearer
    name in code, else the indentation; None for a blank line."""
    if not line.strip():
        return None
    if group == ".md":
        for old, new in REWORDINGS:
            if old in line:
                return "Slightly clearer wording:", line.replace(old, new, 1)
        return None
    for word in _WORD.findall(line):
        if word in RENAMES:
            renamed = re.sub(rf"\b{word}\b", RENAMES[word], line)
            return f"nit: `{RENAMES[word]}` says more than `{word}`", renamed
    stripped = line.lstrip()
    return "nit: indentation", stripped if stripped != line else f"    {line}"


#: (comment, code) pairs by file extension group; the code becomes a ```suggestion:-0+0``` block.
SUGGESTIONS: Final = {
    ".py": (("Small simplification:", "    timeout = settings.REQUEST_TIMEOUT"),
            ("We can use the helper here:", "    return paginate(query, per_page=per_page)"),
            ("This reads better to me:", "    if not items:\n        return []")),
    ".rb": (("Slightly more idiomatic:", "    return if record.nil?"),
            ("Use the scope we already have:", "    Invoice.overdue.find_each do |invoice|")),
    ".java": (("We can avoid the null check:", "        return repository.findById(id).orElseThrow();"),
              ("Suggest a clearer name:", "        int remainingAttempts = maxAttempts - attempt;")),
    ".ts": (("Simpler with optional chaining:", "  const name = user?.profile?.name ?? '';"),
            ("Let's keep it typed:", "export function formatAmount(cents: number): string {")),
    ".go": (("Wrap the error for context:", '\t\treturn nil, fmt.Errorf("load %s: %w", id, err)'),
            ("Use the constant:", "\tlimit := defaultLimit")),
    ".yml": (("Pin the image:", "  image: python:3.12.4-slim"),
             ("Only run when relevant:", '  rules:\n    - changes: ["app/**/*"]')),
    ".md": (("Clearer wording:", "Set `REQUEST_TIMEOUT` (in seconds) to override the default of 30."),),
    ".tf": (("Enable deletion protection:", "  deletion_protection = true"),),
    ".sql": (("Avoid locking the table:",
              "CREATE INDEX CONCURRENTLY idx_items_created_at ON items (created_at);"),),
}  # fmt: skip
MENTORING: Final = (
    "Nice work! For context: we keep I/O at the edges so the core stays pure. There's a section on "
    "this in docs/architecture. Happy to walk you through it.",
    "This works, but it's a good opportunity to look at the repository pattern we use in {m}. Want to "
    "pair on it tomorrow? I'll open a follow-up issue so it doesn't block this MR.",
    "Great first change here! One learning: prefer a parametrized test over three copies. I left a "
    "suggestion below.",
)  # fmt: skip
DEEP_REVIEW: Final = (
    "This query runs once per row; with 10k {m} records that's an N+1. Could we preload the "
    "association? I measured 1.8 s locally on the seed data.",
    "Security: the id comes from the request and is used without an ownership check, so any user "
    "can read another account's {m}. Let's scope the lookup by current account.",
    "Design question: if we put this in the {m} service, the API and the worker share it and we "
    "avoid the duplicated validation. What do you think?",
    "This changes the public contract of the endpoint. Let's add it to the changelog and give the "
    "mobile team a heads-up, they cache this response.",
    "The migration will lock the table on production size. Can we add the index concurrently and "
    "backfill in batches?",
)  # fmt: skip
AUTHOR_AGREES: Final = ("Good catch, fixed in {sha}.", "Done in {sha}.", "Thanks! Updated in {sha}.",
                        "Agreed, changed in {sha}.", "Fixed :+1:")  # fmt: skip
AUTHOR_DISCUSSES: Final = (
    "I'd rather keep it as is: the helper would only have one caller. Happy to change it if you feel "
    "strongly though.",
    "Good point. It's out of scope here, I opened a follow-up issue.",
    "It's safe: the old workers ignore the new column. I tested the rolling deploy on staging.",
    "Yes, the upstream can return an empty list; that's covered by the second test case.",
)  # fmt: skip
REVIEWER_FOLLOW_UPS: Final = ("Thanks!", "Makes sense.", "Perfect, resolving.", "Sounds good :+1:",
                              "Fair enough.")  # fmt: skip
INTERNAL_NOTES: Final = (
    "Internal: this affects the Enterprise customer from ticket ZD-4821, please don't mention them "
    "publicly.",
    "Internal: security-sensitive, keep details out of the public changelog.",
    "Internal: legal approved the data retention change.",
)  # fmt: skip

# -- bots -----------------------------------------------------------------------------------------

CI_REPORT: Final = (
    "## :white_check_mark: Test report\n\n**{passed}** tests passed, **0** failed. "
    "Coverage **{coverage}%** ({delta})."
)
CI_FAILURE: Final = ":x: Pipeline failed for `{sha}`: job `{job}` failed.\n\n```\n{line}\n```"
CI_JOBS: Final = ("test", "lint", "build", "unit-tests", "integration-tests", "typecheck")
CI_FAILURE_LINES: Final = (
    "AssertionError: expected 200, got 500",
    "E   TypeError: unsupported operand type(s) for +: 'int' and 'NoneType'",
    "error: unused variable `result`",
    "FAILED tests/api/test_export.py::test_pagination - KeyError: 'next'",
    "Error: Timed out in waitFor after 1000ms",
)  # fmt: skip

# -- issue discussions ----------------------------------------------------------------------------

ISSUE_QUESTIONS: Final = (
    "{user} do you know why {m} was built this way? I couldn't find a design doc.",
    "Is this still happening after yesterday's deploy?",
    "Which environment is this? I can't reproduce it on staging.",
    "{user} should this go into the current milestone?",
    "Is there a workaround we can give support in the meantime?",
)  # fmt: skip
ISSUE_ANSWERS: Final = (
    "{user} yes: we had to stay compatible with the mobile app v1. That constraint is gone now, "
    "so feel free to simplify. I'll add a note to the docs.",
    "{user} it's production only; the bug needs more than 10k rows. The seed script can generate them.",
    "{user} I think so, it blocks the billing work. Let's pair on it Thursday.",
    "{user} support can re-run the export with `?per_page=100` until the fix is out.",
)  # fmt: skip
ISSUE_THANKS: Final = ("Thanks, that helps!", "Got it, thanks {user}.", "Perfect, thank you!")
STATUS_UPDATES: Final = (
    "Status update: root cause found, MR coming today.",
    "Quick update: the first part is merged, the migration goes out tomorrow.",
    "I'm picking this up this week.", "Blocked on the API change in {m}, will resume next week.",
    "Investigated: this only affects accounts created before 2021.",
)  # fmt: skip
ISSUE_PINGS: Final = ("{user} could you take a look?", "{user} FYI, this touches your area.",
                      "{user} I think you worked on this last, any ideas?")  # fmt: skip
FIXED_IN: Final = ("Fixed in !{iid}, will be in the next release.", "Closing, !{iid} is merged.")

# -- emoji ----------------------------------------------------------------------------------------

MR_EMOJI: Final = ("thumbsup", "thumbsup", "rocket", "tada", "eyes", "heart")
NOTE_EMOJI: Final = ("thumbsup", "thumbsup", "eyes", "tada", "100")
