"""Shared fixtures: the offline GitLab on a free port, serving a small hand-written dataset."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gitlab
import pytest

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
