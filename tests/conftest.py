"""Shared fixtures: the offline GitLab on a free port, serving a small hand-written dataset."""

from __future__ import annotations

import copy
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gitlab
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.fakelab.server import FakeGitLab

TESTS = Path(__file__).parent
SMALL = TESTS / "fakelab" / "data" / "small.json"

# Tokens in small.json; each acts as its user.
ADMIN_TOKEN = "admin-token-0123456789"
ALICE = "glpat-alice-0000000000"  # Maintainer of group acme
BOB = "glpat-bob-00000000000"  # Developer of group acme
GINA = "glpat-gina-0000000000"  # Guest of acme/backend
OUTSIDER = "glpat-outsider-000000"  # member of nothing
DAVE = "glpat-dave-0000000000"  # blocked user


@pytest.fixture(scope="session")
def small_data() -> dict[str, Any]:
    return json.loads(SMALL.read_text())


@pytest.fixture
def fake(small_data: dict[str, Any]) -> Iterator[FakeGitLab]:
    """A fresh server per test, so tests may write to it."""
    with FakeGitLab(copy.deepcopy(small_data), admin_token=ADMIN_TOKEN) as server:
        yield server


def client(fake: FakeGitLab, token: str = ALICE, **kwargs: Any) -> gitlab.Gitlab:
    return gitlab.Gitlab(fake.url, private_token=token, timeout=10, **kwargs)


@pytest.fixture
def gl(fake: FakeGitLab) -> gitlab.Gitlab:
    """python-gitlab as alice (Maintainer of the ``acme`` group)."""
    return client(fake)


# -- databases ------------------------------------------------------------------------------------

PG_URL = os.environ.get("LADDER_BOT_TEST_DATABASE_URL")
DATABASES = ["sqlite", *(["postgresql"] if PG_URL else [])]


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, and a PostgreSQL schema when
    ``LADDER_BOT_TEST_DATABASE_URL`` is set (CI sets it), so store tests run on both."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    assert PG_URL is not None
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    # psycopg 3 as the driver whatever the variable says, as ``[database] url`` does: the CLI
    # names the database by the URL its configuration settled on.
    url = (
        make_url(PG_URL)
        .set(drivername="postgresql+psycopg")
        .update_query_dict({"options": f"-csearch_path={schema}"})
    )
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
