"""A project's merge request description templates, so descriptions are read without them.

``GET /projects/:id/templates/merge_requests`` lists a project's templates (its own
``.gitlab/merge_request_templates/*.md`` and those of its group's template project) and
``…/merge_requests/:name`` gives one's ``content``. Templates change rarely, so a project's are
fetched again once a day (``REFRESH``) or on ``sync --full``; when they change, the project's
merge requests are derived again, since what counts as the author's words changed with them.

GitLab refuses the list to a Guest of a private project (403) and older versions do not know
the ``merge_requests`` type (400): then the project has no templates ladder-bot can read, and
descriptions are read whole, as before.
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

KIND = derive.TEMPLATE_KIND
RESOURCE = "templates:merge_requests"
REFRESH = timedelta(days=1)

Payload = dict[str, object]


def sync(job: ProjectSync) -> bool:
    """Fetch the project's templates when due; True when the stored ones changed."""
    project, now = job.project, job.now
    with job.sessions() as session:
        mark = watermarks.read(session, project.id, RESOURCE)
    if not job.full and mark is not None and now - mark.updated_at < REFRESH:
        return False
    fetched = fetch(job.client, job.api, job.path)
    with job.sessions() as session, session.begin():
        changed = _store(session, project.id, fetched, now)
        watermarks.write(session, project.id, RESOURCE, str(len(fetched)), now)
    if changed and mark is not None:
        log.info("%s: merge request templates changed (%d now)", project.path, len(fetched))
    return changed


def fetch(client: GitLabClient, api: str, path: str) -> list[tuple[str, Payload]]:
    """(endpoint, ``{name, content}``) of every merge request template of the project at
    ``api`` (``/projects/7``) that GitLab lets this token read."""
    listing = f"{api}/templates/{KIND}"
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
        log.info("%s: no merge request templates readable (%s)", path, exc)
        return []


def _store(
    session: Session, project_id: int, fetched: Sequence[tuple[str, Payload]], now: datetime
) -> bool:
    """Make the stored templates exactly ``fetched``; True when anything changed."""
    stored = {
        row.name: row
        for row in session.scalars(
            select(models.DescriptionTemplate).where(
                models.DescriptionTemplate.project_id == project_id,
                models.DescriptionTemplate.kind == KIND,
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
                    kind=KIND,
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
                models.DescriptionTemplate.kind == KIND,
                models.DescriptionTemplate.name.in_(list(stored)),
            )
        )
        changed = True
    return changed
