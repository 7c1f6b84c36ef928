"""``ladder-bot rederive``: the stored activities recomputed from the stored payloads, without
GitLab, after a real sync from the offline GitLab."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from bot.fakelab.server import FakeGitLab
from bot.store import models
from bot.sync.rederive import rederive
from bot.sync.run import SyncOptions
from tests.conftest import ADMIN_TOKEN
from tests.service.helpers import cli, write_config
from tests.sync.helpers import NOW, Store, activities, later, sync

OPTIONS = SyncOptions(groups=("acme",))


@pytest.fixture
def synced(small_data: dict[str, Any], store: Store) -> Store:
    with FakeGitLab(copy.deepcopy(small_data), admin_token=ADMIN_TOKEN, clock=lambda: NOW) as fake:
        sync(fake, store, ADMIN_TOKEN)
    return store  # the offline GitLab is gone: nothing below can reach it


def test_on_a_store_just_synced_it_changes_nothing(synced: Store) -> None:
    before = activities(synced)
    result = rederive(synced.sessions, OPTIONS, now=later(1))
    assert (result.written, result.removed) == (0, 0)
    assert result.projects == 2 and result.merge_requests == 3 and result.issues == 4
    assert activities(synced) == before


@pytest.mark.parametrize("batch", [1, 500])
def test_activities_of_an_older_derivation_are_brought_up_to_date(
    synced: Store, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One merge request at a time too: each batch's changes are written before it is let go.
    monkeypatch.setattr("bot.sync.derive.BATCH", batch)
    expected = activities(synced)
    with synced.sessions() as session, session.begin():
        rows = session.scalars(select(models.Activity).order_by(models.Activity.key)).all()
        # An older release: one activity without a field this one derives, one missing...
        stale = next(row for row in rows if "description" in row.fields)
        stale.fields = {k: v for k, v in stale.fields.items() if k != "description"}
        gone = rows[-1].key
        session.execute(delete(models.Activity).where(models.Activity.key == gone))
        # ...and one this release no longer derives, from the same merge request.
        session.add(
            models.Activity(
                **{
                    column: getattr(stale, column)
                    for column in (
                        "kind",
                        "actor_id",
                        "actor_username",
                        "occurred_at",
                        "project_id",
                        "project_path",
                        "url",
                        "subject_type",
                        "subject_iid",
                        "context",
                        "fields",
                        "confidential",
                        "source",
                        "updated_at",
                    )
                },
                key=f"{stale.key}:retired",
            )
        )
    result = rederive(synced.sessions, OPTIONS, now=later(1))
    assert (result.written, result.removed) == (2, 1)
    assert activities(synced) == expected
    with synced.sessions() as session:
        touched = session.scalars(
            select(models.Activity.key).where(models.Activity.updated_at == later(1))
        ).all()
    assert sorted(touched) == sorted([stale.key, gone])  # what the next match will read


def test_a_bot_named_in_the_configuration_loses_its_activities(synced: Store) -> None:
    assert any(actor == "bob" for _, actor, *_ in activities(synced).values())
    bob_is_a_bot = SyncOptions(groups=("acme",), bot_usernames=("bob",))
    result = rederive(synced.sessions, bob_is_a_bot, now=later(1))
    assert result.removed > 0 and result.written == 0
    actors = {actor for _, actor, *_ in activities(synced).values()}
    assert "bob" not in actors and "alice" in actors


def test_only_the_projects_asked_for(synced: Store) -> None:
    with synced.sessions() as session, session.begin():
        session.execute(
            update(models.Activity)
            .where(models.Activity.project_path == "acme/backend")
            .values(fields={})
        )
    result = rederive(synced.sessions, SyncOptions(only=("acme/platform/infra",)), now=later(1))
    assert result.projects == 1 and result.written == 0
    assert all(
        fields == {}
        for key, (_, _, _, _, fields, *_) in activities(synced).items()
        if "backend" in key
    )


def test_the_command_needs_no_gitlab_and_names_an_unknown_project(
    synced: Store, tmp_path: Path, database_url: str
) -> None:
    # The configured GitLab does not answer, and no token is set: neither is needed.
    config = write_config(tmp_path, "http://127.0.0.1:9", database_url)
    done = cli("rederive", "--config", str(config), env={"SERVICE_TEST_TOKEN": ""})
    assert done.exit_code == 0, done.stderr
    assert done.stdout == (
        "rederived: 2 projects, 3 merge requests, 4 issues; activities: 0 written, 0 removed\n"
    )
    unknown = cli("rederive", "--config", str(config), "--project", "acme/nope")
    assert unknown.exit_code == 2
    assert unknown.stderr.strip() == (
        "ladder-bot: --project acme/nope: not in the store "
        "(stored projects: acme/backend, acme/platform/infra)"
    )
    assert "Traceback" not in unknown.stderr


def _evidence(store: Store) -> set[tuple[str, str, str]]:
    with store.sessions() as session:
        rows = session.execute(
            select(models.Evidence.person_username, models.Evidence.rule, models.Evidence.key)
        ).all()
    return {tuple(row) for row in rows}


def test_after_an_upgrade_rederive_then_match_give_the_evidence_of_a_fresh_sync(
    synced: Store, tmp_path: Path, database_url: str
) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9", database_url)
    assert cli("match", "--config", str(config)).exit_code == 0
    fresh = _evidence(synced)
    # Activities stored by a release that did not derive one kind yet, and derived another
    # without its fields.
    with synced.sessions() as session, session.begin():
        kinds = sorted(set(session.scalars(select(models.Activity.kind))))
        earning = session.scalars(
            select(models.Activity.kind).join(
                models.Evidence, models.Evidence.activity_key == models.Activity.key
            )
        ).all()
        missing = sorted(set(earning))[0]
        session.execute(delete(models.Activity).where(models.Activity.kind == missing))
        for row in session.scalars(select(models.Activity)):
            row.fields = {}
    assert len(kinds) > 1
    assert cli("match", "--rebuild", "--config", str(config)).exit_code == 0
    assert _evidence(synced) < fresh

    assert cli("rederive", "--config", str(config)).exit_code == 0
    assert cli("match", "--config", str(config)).exit_code == 0  # incremental: what changed
    assert _evidence(synced) == fresh
