"""Which projects to sync: the configured ones, and every project of the configured groups."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from urllib.parse import quote

from sqlalchemy.orm import Session

from bot.store.models import Project
from bot.sync.client import GitLabClient, GitLabNotFound
from bot.sync.records import project_row

Payload = dict[str, object]


class WatchError(Exception):
    pass


def resolve(
    client: GitLabClient,
    session: Session,
    projects: Sequence[str],
    groups: Sequence[str],
    now: datetime,
) -> list[Project]:
    """Fetch the watched projects (subgroups included) and store them; ordered by path."""
    found: dict[int, Payload] = {}
    for path in projects:
        endpoint = f"/projects/{quote(path, safe='')}"
        try:
            payload = client.get(endpoint)
        except GitLabNotFound:
            raise WatchError(
                f"watch.projects: GitLab has no project {path!r} this token can see"
            ) from None
        found[int(payload["id"])] = {**payload, "_endpoint": endpoint}
    for group in groups:
        endpoint = f"/groups/{quote(group, safe='')}/projects"
        try:
            for page in client.pages(
                endpoint,
                {
                    "include_subgroups": "true",
                    "archived": "false",
                    "per_page": 100,
                    "order_by": "id",
                    "sort": "asc",
                },
            ):
                for payload in page.items:
                    found.setdefault(int(payload["id"]), {**payload, "_endpoint": endpoint})
        except GitLabNotFound:
            raise WatchError(
                f"watch.groups: GitLab has no group {group!r} this token can see"
            ) from None
    rows = []
    for payload in found.values():
        endpoint = str(payload.pop("_endpoint"))
        rows.append(session.merge(project_row(dict(payload), endpoint, now)))
    return sorted(rows, key=lambda row: row.path)
