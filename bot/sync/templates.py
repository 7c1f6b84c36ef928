"""A project's description templates, so descriptions are read without them.

``GET /projects/:id/templates/merge_requests`` (and ``…/issues``) lists a project's templates
(its own ``.gitlab/merge_request_templates/*.md`` and those of its group's template project)
and ``…/merge_requests/:name`` gives one's ``content``. Templates change rarely, so a project's
are fetched again once a day (``REFRESH``) or on ``sync --full``; when they change, the
project's merge requests (or issues) are derived again, since what counts as their authors'
words changed with them.

GitLab refuses the list to a Guest of a private project (403) and older versions do not know
these types (400): then the project has no templates ladder-bot can read, and descriptions are
read whole.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.store import models
from bot.sync import derive, watermarks
from bot.sync.client import GitLabAuthError, GitLabClient, GitLabError
from bot.sync.context import ProjectSync

log = logging.getLogger("ladder_bot.sync")

KINDS = (derive.MERGE_REQUEST_TEMPLATES, derive.ISSUE_TEMPLATES)
REFRESH = timedelta(days=1)

Payload = dict[str, object]


def sync(job: ProjectSync, kind: str) -> bool:
    """Fetch the project's templates of ``kind`` when due; True when the stored ones changed."""
    project, now = job.project, job.now
    resource = f"templates:{kind}"
    with job.sessions() as session:
        mark = watermarks.read(session, project.id, resource)
    if not job.full and mark is not None and now - mark.updated_at < REFRESH:
        return False
    fetched = fetch(job.client, job.api, job.path, kind)
    with job.sessions() as session, session.begin():
        changed = _store(session, project.id, kind, fetched, now)
        watermarks.write(session, project.id, resource, str(len(fetched)), now)
    if changed and mark is not None:
        log.info("%s: %s templates changed (%d now)", project.path, kind, len(fetched))
    return changed


def fetch(client: GitLabClient, api: str, path: str, kind: str) -> list[tuple[str, Payload]]:
    """(endpoint, ``{name, content}``) of every template of ``kind`` (``merge_requests``,
    ``issues``) of the project at ``api`` (``/projects/7``) that GitLab lets this token read."""
    listing = f"{api}/templates/{kind}"
    try:
        names = [
            str(item["key"])
            for page in client.pages(listing, {"per_page": 100})
            for item in page.items
            if isinstance(item, dict) and item.get("key")
        ]
        found = []
        for name in names:
            endpoint = f"{listing}/{quote(name, safe='')}"
            payload = client.get(endpoint)
            if isinstance(payload, dict) and isinstance(payload.get("content"), str):
                found.append((endpoint, {"name": name, "content": payload["content"]}))
        return found
    except GitLabError as exc:
        if isinstance(exc, GitLabAuthError) and exc.status == 401:
            raise
        if exc.status not in (400, 403, 404):
            raise
        log.info("%s: no %s templates readable (%s)", path, kind, exc)
        return []


def _store(
    session: Session,
    project_id: int,
    kind: str,
    fetched: Sequence[tuple[str, Payload]],
    now: datetime,
) -> bool:
    """Make the stored templates exactly ``fetched``; True when anything changed."""
    stored = {
        row.name: row
        for row in session.scalars(
            select(models.DescriptionTemplate).where(
                models.DescriptionTemplate.project_id == project_id,
                models.DescriptionTemplate.kind == kind,
            )
        )
    }
    changed = False
    for endpoint, payload in fetched:
        name = str(payload["name"])
        row = stored.pop(name, None)
        if row is None:
            session.add(
                models.DescriptionTemplate(
                    project_id=project_id,
                    kind=kind,
                    name=name,
                    raw=payload,
                    endpoint=endpoint,
                    fetched_at=now,
                    source_updated_at=None,
                )
            )
            changed = True
        else:
            if row.raw.get("content") != payload["content"]:
                row.raw = payload
                changed = True
            row.fetched_at = now
    if stored:
        session.execute(
            delete(models.DescriptionTemplate).where(
                models.DescriptionTemplate.project_id == project_id,
                models.DescriptionTemplate.kind == kind,
                models.DescriptionTemplate.name.in_(list(stored)),
            )
        )
        changed = True
    return changed
