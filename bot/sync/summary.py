"""What a sync did, per project and resource, for the end-of-run summary and ``status``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

COUNTS = ("fetched", "new", "updated", "deleted")


@dataclass
class SyncSummary:
    """Counts of GitLab objects, keyed by ``(project path, resource)``."""

    counts: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)
    requests: int = 0
    seconds: float = 0.0
    activities: Counter[str] = field(default_factory=Counter)  # written, removed

    def add(self, project: str, resource: str, **counts: int) -> None:
        # Called per item stored; plain additions cost a third of ``Counter.update``.
        bucket = self.counts.get((project, resource))
        if bucket is None:
            bucket = self.counts[(project, resource)] = Counter()
        for key, count in counts.items():
            bucket[key] += count

    def total(self, key: str) -> int:
        return sum(bucket[key] for bucket in self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            **{key: self.total(key) for key in COUNTS},
            "activities": dict(self.activities),
            "by_project": {
                f"{project} {resource}": dict(bucket)
                for (project, resource), bucket in sorted(self.counts.items())
            },
        }

    def line(self) -> str:
        """``fetched 1,204, new 310, updated 12, deleted 1, requests 57, 3.2 s``."""
        parts = [f"{key} {self.total(key):,}" for key in COUNTS]
        return ", ".join([*parts, f"requests {self.requests:,}", f"{self.seconds:.1f} s"])
