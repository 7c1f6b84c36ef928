"""Rates and level profiles: how much people at each ladder level do, and how they do it.

Behaviour depends on level so that a ladder's expectations have evidence to find: seniors write
better descriptions, review more and deeper, lead incidents and split big issues; juniors fix
small bugs and receive more review. Tables are keyed by ladder level; bots and the ghost are level
0 and use level 1's row where a table has none for 0.
"""

from __future__ import annotations

#: Share of people at ladder levels 1..6.
LEVEL_SHARES = (0.12, 0.30, 0.30, 0.16, 0.08, 0.04)
#: Merge requests per week by level; with bots the team averages about 4.8 per person-week.
MR_RATE = {1: 3.6, 2: 4.4, 3: 4.8, 4: 4.6, 5: 4.0, 6: 3.4}
RENOVATE_RATE = 0.35  # dependency MRs per person-week, spread over projects
#: Issues per week by level (children of split issues included); about 1.5 per person-week.
ISSUE_RATE = {1: 0.7, 2: 0.95, 3: 1.1, 4: 1.3, 5: 1.35, 6: 1.35}
OBSERVER_ISSUE_RATE = 0.3
INCIDENTS_PER_PERSON_WEEK = 1 / 60

MR_KIND_NAMES = (
    "bug", "feature", "refactor", "perf", "security", "migration", "docs", "ci", "tech-debt"
)  # fmt: skip
MR_KIND_WEIGHTS = {
    1: (40, 15, 5, 0, 0, 2, 20, 3, 5),
    2: (30, 30, 8, 3, 1, 8, 8, 5, 7),
    3: (22, 33, 12, 6, 3, 9, 6, 5, 6),
    4: (18, 28, 14, 10, 6, 8, 7, 5, 8),
    5: (14, 24, 15, 12, 10, 7, 9, 4, 8),
    6: (12, 22, 16, 12, 12, 6, 12, 4, 6),
}
DESC_TIERS = ("empty", "null", "oneline", "template", "short", "thorough")
DESC_WEIGHTS = {
    1: (14, 8, 36, 20, 17, 5),
    2: (8, 4, 28, 14, 30, 16),
    3: (5, 2, 18, 8, 35, 32),
    4: (3, 1, 12, 5, 32, 47),
    5: (2, 1, 10, 3, 29, 55),
    6: (2, 0, 8, 2, 28, 60),
}
REVIEW_STYLES = ("nit", "actionable", "question", "suggestion", "mentoring", "deep")
REVIEW_STYLE_WEIGHTS = {
    1: (55, 10, 30, 5, 0, 0),
    2: (30, 35, 20, 15, 0, 0),
    3: (15, 35, 15, 20, 10, 5),
    4: (10, 30, 12, 18, 12, 18),
    5: (8, 25, 10, 17, 15, 25),
    6: (8, 22, 10, 15, 18, 27),
}
#: Chance that a reviewer of this level reads the change properly rather than rubber-stamping.
DETAILED_REVIEW = {0: 0.0, 1: 0.1, 2: 0.26, 3: 0.42, 4: 0.52, 5: 0.58, 6: 0.56}
ISSUE_KIND_NAMES = (
    "bug", "feature", "tech-debt", "docs", "perf", "security", "ci", "parent", "task"
)  # fmt: skip
ISSUE_KIND_WEIGHTS = {
    1: (45, 20, 5, 15, 3, 2, 5, 0, 5),
    2: (35, 28, 10, 8, 5, 3, 5, 2, 4),
    3: (25, 28, 12, 6, 8, 5, 4, 8, 4),
    4: (20, 25, 14, 6, 10, 8, 4, 10, 3),
    5: (16, 24, 14, 6, 10, 10, 4, 13, 3),
    6: (14, 22, 14, 8, 10, 12, 3, 14, 3),
}
#: Pipeline duration range in seconds by stack.
PIPELINE_SECONDS = {
    "python": (180, 540),
    "ruby": (300, 900),
    "java": (360, 1000),
    "typescript": (200, 600),
    "go": (120, 420),
    "infra": (90, 360),
}
