"""Fixtures of the sync tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sync.helpers import Store


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A fresh, migrated store (SQLite, and PostgreSQL when CI sets its URL)."""
    store = Store(database_url)
    yield store
    store.close()
