"""A project's issue and merge request description templates (the project templates API).

``GET /projects/:id/templates/:type`` lists ``{key, name}`` and ``…/:type/:name`` gives
``{name, content}``. GitLab refuses both to anyone below Reporter on a private or internal
project (``Gitlab::Template::*`` needs ``read_issue``/``read_merge_request`` templates access:
"403 Forbidden - Your current role does not have the required permissions to access the
merge_requests template. …"). The offline GitLab keeps only the templates its dataset gives
(``templates: {merge_requests: {Default: "…"}}``); the instance-wide types (``dockerfiles``,
``gitignores``, ``gitlab_ci_ymls``, ``licenses``) are not modelled and answer 404, and any
other type is refused as Grape refuses a value outside its list.
"""

from __future__ import annotations

from urllib.parse import unquote

from bot.fakelab.api.core import ApiError, Context, Response, invalid, not_found, route
from bot.fakelab.model import REPORTER, Project

DESCRIPTION_TYPES = ("issues", "merge_requests")
INSTANCE_TYPES = ("dockerfiles", "gitignores", "gitlab_ci_ymls", "licenses")


def _templates(ctx: Context, project_id: str, kind: str) -> tuple[Project, dict[str, str]]:
    if kind in INSTANCE_TYPES:
        raise not_found("404 Not found: the offline GitLab keeps no instance templates")
    if kind not in DESCRIPTION_TYPES:
        raise invalid("type does not have a valid value")
    project = ctx.project(project_id)
    if project.visibility != "public" and ctx.state.project_access(ctx.viewer, project) < REPORTER:
        raise ApiError(
            403,
            "403 Forbidden - Your current role does not have the required permissions to "
            f"access the {kind} template. Contact your project administrator for assistance.",
        )
    return project, project.templates.get(kind, {})


def list_templates(ctx: Context, project_id: str, kind: str) -> Response:
    _, found = _templates(ctx, project_id, kind)
    return ctx.page(sorted(found), lambda name: {"key": name, "name": name})


def get_template(ctx: Context, project_id: str, kind: str, name: str) -> Response:
    _, found = _templates(ctx, project_id, kind)
    key = unquote(name)
    if key not in found:
        raise not_found("404 Template Not Found")
    return Response(200, {"name": key, "content": found[key]})


ROUTES = [
    route("GET", "/projects/:project_id/templates/:kind", list_templates),
    route("GET", "/projects/:project_id/templates/:kind/:name", get_template),
]
