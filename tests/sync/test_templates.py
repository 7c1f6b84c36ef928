"""Merge request templates: fetched once a day, stored, and read out of descriptions."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import responses
from sqlalchemy import select

from bot.fakelab.server import FakeGitLab
from bot.store import models
from bot.sync import templates
from bot.sync.client import GitLabClient, GitLabError
from bot.sync.rederive import rederive
from bot.sync.run import SyncOptions
from tests.conftest import ADMIN_TOKEN, ALICE
from tests.sync.helpers import NOW, Store, sync

TEMPLATE = """## What does this MR do and why?

_Describe in detail what your merge request does and why._

## MR acceptance checklist

- [ ] I have evaluated the MR acceptance checklist for this MR.
"""
OWN = "Retries webhook deliveries with backoff, so one timeout no longer drops them."
DESCRIPTION = TEMPLATE.replace(
    "_Describe in detail what your merge request does and why._", OWN
).replace("- [ ]", "- [x]")


BUG = (
    "## Steps to reproduce\n\n1. \n\n## What happens\n\n(Paste any relevant logs below.)\n\n"
    "## What you expected\n"
)
REPORT = (
    "## Steps to reproduce\n\n1. Send a webhook to an endpoint that times out once.\n\n"
    "## What happens\n\nThe delivery is dropped.\n\n(Paste any relevant logs below.)\n\n"
    "## What you expected\n"
)


@pytest.fixture
def fake(small_data: dict[str, Any]) -> Iterator[FakeGitLab]:
    data = copy.deepcopy(small_data)
    backend = data["projects"][0]
    backend["templates"] = {"merge_requests": {"Default": TEMPLATE}, "issues": {"Bug": BUG}}
    backend["merge_requests"][0]["merge_request"]["description"] = DESCRIPTION
    backend["issues"][0]["issue"]["description"] = REPORT
    with FakeGitLab(data, admin_token=ADMIN_TOKEN) as server:
        yield server


def _fields(store: Store, key: str) -> dict[str, Any]:
    """The fields of acme/backend's activity whose key matches ``key`` (SQL ``LIKE``)."""
    with store.sessions() as session:
        row = session.scalars(
            select(models.Activity).where(
                models.Activity.project_path == "acme/backend", models.Activity.key.like(key)
            )
        ).one()
    return dict(row.fields)


def _authored(store: Store) -> dict[str, Any]:
    return _fields(store, "mr:%:1:authored")


def _opened(store: Store) -> dict[str, Any]:
    return _fields(store, "issue:%:1:opened")


def _stored(store: Store, kind: str = "merge_requests") -> set[tuple[str, str, str]]:
    with store.sessions() as session:
        rows = session.scalars(
            select(models.DescriptionTemplate).where(models.DescriptionTemplate.kind == kind)
        ).all()
    return {(row.name, row.raw["content"], row.endpoint) for row in rows}


def test_the_projects_template_is_stored_and_its_lines_are_not_the_authors(
    fake: FakeGitLab, store: Store
) -> None:
    sync(fake, store, ALICE)
    project_id = fake.state.projects_by_path["acme/backend"].id
    assert _stored(store) == {
        ("Default", TEMPLATE, f"/projects/{project_id}/templates/merge_requests/Default")
    }
    fields = _authored(store)
    assert fields["description"] == DESCRIPTION  # the payload itself is kept whole
    assert fields["description_words"] == 12  # OWN alone: the ticked item is the template's
    assert fields["empty_sections"] == ["mr acceptance checklist"]


def test_issue_templates_are_read_out_of_issue_descriptions_too(
    fake: FakeGitLab, store: Store
) -> None:
    sync(fake, store, ALICE)
    project_id = fake.state.projects_by_path["acme/backend"].id
    assert _stored(store, "issues") == {
        ("Bug", BUG, f"/projects/{project_id}/templates/issues/Bug")
    }
    fields = _opened(store)
    assert fields["description_words"] == 14  # the steps and what happens, not the prompt
    assert fields["empty_sections"] == ["what you expected"]
    # Without the template, its prompt counts as the reporter's words.
    fake.state.projects_by_path["acme/backend"].templates["issues"].clear()
    sync(fake, store, ALICE, now=NOW + timedelta(days=1))
    assert _opened(store)["description_words"] == 14 + 5


def test_templates_are_fetched_once_a_day_and_a_change_rederives_every_merge_request(
    fake: FakeGitLab, store: Store
) -> None:
    sync(fake, store, ALICE)
    before = _authored(store)["description_words"]
    project = fake.state.projects_by_path["acme/backend"]
    # The team drops the checklist from the template; the merge request itself is unchanged.
    project.templates["merge_requests"]["Default"] = TEMPLATE.split("## MR acceptance")[0]
    sync(fake, store, ALICE, now=NOW + timedelta(hours=23))
    assert _authored(store)["description_words"] == before  # not due yet: not asked
    sync(fake, store, ALICE, now=NOW + timedelta(hours=25))
    assert _authored(store)["description_words"] == before + 10  # the item is the author's now
    assert {name for name, _, _ in _stored(store)} == {"Default"}


def test_a_deleted_template_is_forgotten_and_full_asks_at_once(
    fake: FakeGitLab, store: Store
) -> None:
    sync(fake, store, ALICE)
    fake.state.projects_by_path["acme/backend"].templates.clear()
    sync(fake, store, ALICE, now=NOW + timedelta(minutes=5), full=True)
    assert _stored(store) == set()
    assert _authored(store)["description_words"] == 12 + 10


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, {"error": "type does not have a valid value"}),  # a GitLab before the type
        (403, {"message": "403 Forbidden - Your current role does not have the required …"}),
        (404, {"message": "404 Not found"}),
    ],
)
def test_a_refused_template_list_means_no_templates(status: int, body: dict[str, str]) -> None:
    client = GitLabClient("https://gitlab.example.com", "tok-abcdefgh", sleep=lambda s: None)
    with responses.RequestsMock() as mock:
        mock.get(
            "https://gitlab.example.com/api/v4/projects/7/templates/merge_requests",
            json=body,
            status=status,
        )
        assert templates.fetch(client, "/projects/7", "acme/backend", "merge_requests") == []


@pytest.mark.parametrize("status", [401, 422])
def test_other_refusals_still_stop_the_sync(status: int) -> None:
    client = GitLabClient("https://gitlab.example.com", "tok-abcdefgh", sleep=lambda s: None)
    with responses.RequestsMock() as mock:
        mock.get(
            "https://gitlab.example.com/api/v4/projects/7/templates/merge_requests",
            json={"message": "no"},
            status=status,
        )
        with pytest.raises(GitLabError):
            templates.fetch(client, "/projects/7", "acme/backend", "merge_requests")


def test_rederive_reads_the_stored_templates(fake: FakeGitLab, store: Store) -> None:
    sync(fake, store, ALICE)
    synced = _authored(store)
    with store.sessions() as session, session.begin():
        session.execute(models.Activity.__table__.delete())
    rederive(store.sessions, SyncOptions(), now=NOW + timedelta(hours=1))
    assert _authored(store) == synced
