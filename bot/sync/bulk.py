"""Writing a page of rows at once: the store does one statement per table, not one per row."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from bot.store.models import Base


def table(model: type[Base]) -> Table:
    """The model's table, for Core statements over plain dicts."""
    return cast(Table, model.__table__)


def upsert(
    session: Session, model: type[Base], rows: Sequence[dict[str, Any]], key: Sequence[str]
) -> None:
    """Insert ``rows``, or update the ones whose ``key`` columns already exist."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    columns = tuple(c for c in rows[0] if c not in key)
    statement = _upsert_statement(dialect, table(model), tuple(key), columns)
    session.execute(statement, list(rows))


@lru_cache(maxsize=64)
def _upsert_statement(
    dialect: str, target: Table, key: tuple[str, ...], columns: tuple[str, ...]
) -> Insert:
    """One statement per table and column set, built once: SQLAlchemy memoises a statement
    object's cache key, so reusing it skips building and hashing it again for every page."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(target)  # Core: plain dicts, no ORM bookkeeping per row
    return statement.on_conflict_do_update(
        index_elements=list(key), set_={c: statement.excluded[c] for c in columns}
    )
