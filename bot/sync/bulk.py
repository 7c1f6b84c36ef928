"""Writing a page of rows at once: the store does one statement per table, not one per row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.store.models import Base


def values(row: Base) -> dict[str, Any]:
    """An ORM object's column values, for a Core statement."""
    mapper = inspect(type(row))
    return {column.key: getattr(row, column.key) for column in mapper.column_attrs}


def table(model: type[Base]) -> Table:
    """The model's table, for Core statements over plain dicts."""
    return cast(Table, model.__table__)


def upsert(
    session: Session, model: type[Base], rows: Sequence[dict[str, Any]], key: Sequence[str]
) -> None:
    """Insert ``rows``, or update the ones whose ``key`` columns already exist."""
    if not rows:
        return
    bind = session.get_bind()
    insert = pg_insert if bind.dialect.name == "postgresql" else sqlite_insert
    statement = insert(table(model))  # Core: plain dicts, no ORM bookkeeping per row
    columns = [c for c in rows[0] if c not in key]
    statement = statement.on_conflict_do_update(
        index_elements=list(key), set_={c: statement.excluded[c] for c in columns}
    )
    session.execute(statement, list(rows))
