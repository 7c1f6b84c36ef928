"""The activity record: one thing one person did in GitLab, ready for rules to match."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Activity:
    """One thing one person did, with everything a rule may match and a link back to GitLab.

    ``key`` identifies the activity across syncs: building from a later payload of the same
    item gives the same key (with possibly updated fields), so the store upserts on it.
    ``fields`` holds exactly the fields ``bot.activities.kinds`` declares for ``kind``, all
    JSON-serialisable; ``context`` describes the merge request, issue or pipeline it belongs to.
    ``confidential`` marks activities whose text or title must never be posted unredacted.
    """

    key: str
    kind: str
    actor_id: int
    actor_username: str
    occurred_at: datetime
    project_id: int
    project_path: str
    url: str
    subject_type: str
    subject_iid: int | None
    context: dict[str, Any]
    fields: dict[str, Any]
    confidential: bool
