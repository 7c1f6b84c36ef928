"""The project templates API: a project's merge request and issue description templates."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import gitlab
import pytest

from bot.fakelab.server import FakeGitLab
from tests.conftest import ADMIN_TOKEN, ALICE, GINA, OUTSIDER, client

DEFAULT = "## What does this MR do and why?\n\n_Describe what and why._\n"
SECURITY = "## Vulnerability\n\n<!-- CVE, advisory -->\n"


@pytest.fixture(scope="module")
def fake(small_data: dict[str, Any]) -> Iterator[FakeGitLab]:
    data = copy.deepcopy(small_data)
    data["projects"][0]["templates"] = {
        "merge_requests": {"Default": DEFAULT, "Security fix": SECURITY},
        "issues": {"Bug": "## Steps to reproduce\n"},
    }
    with FakeGitLab(data, admin_token=ADMIN_TOKEN) as server:
        yield server


def test_python_gitlab_lists_and_reads_merge_request_templates(fake: FakeGitLab) -> None:
    project = client(fake, ALICE).projects.get("acme/backend")
    listed = project.merge_request_templates.list(get_all=True)
    assert [(t.key, t.name) for t in listed] == [
        ("Default", "Default"),
        ("Security fix", "Security fix"),
    ]
    one = project.merge_request_templates.get("Security fix")  # a space, URL-encoded
    assert (one.name, one.content) == ("Security fix", SECURITY)
    assert project.issue_templates.get("Bug").content == "## Steps to reproduce\n"


def test_a_project_without_templates_lists_none(fake: FakeGitLab) -> None:
    projects = client(fake, ALICE).projects.list(get_all=True)
    others = [p for p in projects if p.path_with_namespace != "acme/backend"]
    assert others
    for project in others:
        assert project.merge_request_templates.list(get_all=True) == []


def test_an_unknown_template_is_404(fake: FakeGitLab) -> None:
    project = client(fake, ALICE).projects.get("acme/backend")
    with pytest.raises(gitlab.GitlabGetError) as caught:
        project.merge_request_templates.get("Nope")
    assert caught.value.response_code == 404
    assert "Template Not Found" in str(caught.value)


def test_below_reporter_on_a_private_project_is_refused(fake: FakeGitLab) -> None:
    project = client(fake, ALICE).projects.get("acme/backend", lazy=True)
    guest = client(fake, GINA).projects.get(project.id, lazy=True)
    with pytest.raises(gitlab.GitlabListError) as caught:
        guest.merge_request_templates.list(get_all=True)
    assert caught.value.response_code == 403
    assert "access the merge_requests template" in str(caught.value)
    stranger = client(fake, OUTSIDER).projects.get(project.id, lazy=True)
    with pytest.raises(gitlab.GitlabListError) as hidden:
        stranger.merge_request_templates.list(get_all=True)
    assert hidden.value.response_code == 404  # a project one may not see does not exist


@pytest.mark.parametrize(("kind", "status"), [("licenses", 404), ("recipes", 400)])
def test_other_template_types(fake: FakeGitLab, kind: str, status: int) -> None:
    gl = client(fake, ALICE)
    with pytest.raises(gitlab.GitlabHttpError) as caught:
        gl.http_get(f"/projects/{gl.projects.get('acme/backend').id}/templates/{kind}")
    assert caught.value.response_code == status
