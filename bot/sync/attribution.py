"""Who a pipeline belongs to, from the merge requests the store holds.

Pipeline lists carry no user. A pipeline of a merge request (``refs/merge-requests/N/head``, its
head commit, or its source branch) is its author's; other pipelines are nobody's. Derived from
the current MRs every time, so a deleted MR takes its pipelines' attribution with it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store import models

_MR_REF = re.compile(r"^refs/merge-requests/(\d+)/(?:head|merge|train)$")
Index = tuple[dict[int, int], dict[str, int], dict[str, int]]


def authors(session: Session, project_id: int) -> Index:
    by_iid: dict[int, int] = {}
    by_branch: dict[str, int] = {}
    by_sha: dict[str, int] = {}
    mr = models.MergeRequest
    rows = session.execute(  # columns, not objects: the diffs stay unread
        select(mr.iid, mr.author_id, mr.sha, mr.raw)
        .where(mr.project_id == project_id, mr.deleted_at.is_(None))
        .order_by(mr.id)
    )
    for iid, author_id, sha, raw in rows:
        if author_id is None:
            continue
        by_iid[iid] = author_id
        branch = raw.get("source_branch")
        if isinstance(branch, str):
            by_branch[branch] = author_id  # the newest MR of a branch wins
        if sha:
            by_sha[sha] = author_id
    return by_iid, by_branch, by_sha


def actor_id(payload: Mapping[str, Any], index: Index) -> int | None:
    by_iid, by_branch, by_sha = index
    user = payload.get("user")
    if isinstance(user, dict) and user.get("id") is not None:
        return int(user["id"])
    ref = str(payload.get("ref") or "")
    found = _MR_REF.match(ref)
    if found:
        return by_iid.get(int(found.group(1)))
    return by_sha.get(str(payload.get("sha"))) or by_branch.get(ref)
