"""The features every dataset must show at least once, however small it is.

Demos and tests rely on finding, say, a reverted merge request or a confidential issue. The
generator keeps the features it still *needs*; the next opportunity for one is forced to produce
it, and it is crossed off only once it really happened before the end of the simulation (a forced
note that would fall after ``end`` does not count, so the next opportunity is forced too).
"""

from __future__ import annotations

#: Features every dataset must show at least once.
GUARANTEED_FEATURES = (
    "renovate_mr", "project_bot_note", "ci_bot_note", "ghost_mr", "ghost_note", "blocked_mr",
    "confidential_issue", "incident", "task", "parent_issue", "issue_qa", "issue_internal_note",
    "revert", "draft", "closed_mr", "failed_fixed", "suggestion", "internal_note",
    "resolved_thread", "rubber_stamp", "path:migration", "path:test", "path:docs", "path:ci",
    "rename", "delete", "desc:empty", "desc:null", "desc:template", "desc:oneline",
    "desc:thorough", "mr_emoji", "note_emoji", "closes_issue", "running_pipeline"
)  # fmt: skip


class Guarantees:
    """The guaranteed features that have not happened yet."""

    def __init__(self) -> None:
        self._needed = set(GUARANTEED_FEATURES)

    def needs(self, feature: str) -> bool:
        """Whether ``feature`` is still needed; call :meth:`done` once it really happened."""
        return feature in self._needed

    def done(self, feature: str) -> None:
        self._needed.discard(feature)

    def missing(self) -> list[str]:
        """What never happened, sorted; ``meta.missing_features`` of the dataset."""
        return sorted(self._needed)
