"""The matcher's store on SQLite: the same rows, read and written through the DBAPI connection.

A rebuild reads every activity and writes most of them back as evidence, and SQLAlchemy's
per-value type processing (JSON, times, booleans) and per-row statement bookkeeping cost more
than SQLite itself. Here the values are converted directly into and out of the form SQLAlchemy
gives them on SQLite (``bot.store.types``, ``bot.store.db.dump_json``): times as naive UTC text
``YYYY-MM-DD HH:MM:SS.ffffff``, JSON as orjson text, booleans as 0 and 1. ``tests/evidence``
checks both stores against each other.

Everything runs on the session's own connection, inside its transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

import orjson
from sqlalchemy.orm import Session

from bot.evidence.rows import Activity, EvidenceRow
from bot.evidence.store import NAMES, EvidenceStore
from bot.store.db import dump_json

_SELECT = "SELECT {} FROM activities".format(", ".join(f'"{name}"' for name in NAMES))
_EVIDENCE = ", ".join(f'"{name}"' for name in (*EvidenceRow._fields, "matched_at"))
_VALUES = ", ".join("?" * (len(EvidenceRow._fields) + 1))
_INSERT = f"INSERT INTO evidence ({_EVIDENCE}) VALUES ({_VALUES})"
# Evidence waiting for its turn (see ``park``): columns without a type keep each value as given.
_PARKED = "temp.ladder_bot_parked_{}"
StoredRow = tuple[Any, ...]
STORED_KEY = EvidenceRow._fields.index("key")  # where a stored row has these
STORED_PERSON = EvidenceRow._fields.index("person_username")
# A rebuild re-reads each person's activities for the window rules and inserts every evidence
# row again into the table and its five indexes, in no order of theirs: with SQLite's default
# page cache (2 MB) most of those reads go back to the file. On the benchmark's million
# activities the rebuild took 47-50 s with this cache against 55-61 s; inserting its 706,378
# rows alone, 13.7 s against 19.8 s (docs/performance.md).
REBUILD_CACHE_KIB = 256 * 1024
_loads = orjson.loads
_fromisoformat = datetime.fromisoformat


def stored_time(value: datetime) -> str:
    """``value`` as ``UTCDateTime`` stores it on SQLite."""
    if value.tzinfo is not UTC:
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: ladder-bot stores aware UTC times only")
        value = value.astimezone(UTC)
    # isoformat pads the year to four digits and always writes microseconds, like SQLAlchemy.
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def loaded_time(text: str) -> datetime:
    """A stored time as ``UTCDateTime`` returns it: aware, in UTC."""
    try:
        # The stored form is naive UTC; parsing it with its zone is one call instead of two
        # (``replace`` costs more than the parse). Text with a zone of its own fails here.
        return _fromisoformat(text + "+00:00")
    except ValueError:
        value = _fromisoformat(text)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _activity(row: tuple[Any, ...]) -> Activity:
    # Unrolled rather than dict(zip(NAMES, ...)) and a pass over it: this runs for every
    # activity of a rebuild. The order is NAMES's.
    (
        id_,
        key,
        kind,
        actor_id,
        actor_username,
        occurred_at,
        project_id,
        project_path,
        url,
        subject_type,
        subject_iid,
        context,
        fields,
        confidential,
        updated_at,
    ) = row
    return {
        "id": id_,
        "key": key,
        "kind": kind,
        "actor_id": actor_id,
        "actor_username": actor_username,
        "occurred_at": loaded_time(occurred_at),
        "project_id": project_id,
        "project_path": project_path,
        "url": url,
        "subject_type": subject_type,
        "subject_iid": subject_iid,
        "context": _loads(context),
        "fields": _loads(fields),
        "confidential": bool(confidential),
        "updated_at": loaded_time(updated_at),
    }


def stored_row(row: EvidenceRow, matched_at: str) -> StoredRow:
    """``row`` as SQLAlchemy would write it on SQLite; ``matched_at`` is already stored text."""
    return (
        row.key,
        row.person_id,
        row.person_username,
        row.expectation,
        row.level,
        row.dimension,
        row.rule,
        row.rule_digest,
        row.activity_key,
        row.kind,
        stored_time(row.occurred_at),
        row.project_path,
        row.url,
        row.summary,
        dump_json(row.why),
        1 if row.confidential else 0,
        matched_at,
    )


def _fetch(connection: sqlite3.Connection, sql: str, parameters: Sequence[Any]) -> list[Any]:
    cursor = connection.execute(sql, parameters)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


def activities_after(
    connection: sqlite3.Connection,
    last_id: int,
    since: datetime | None,
    limit: int,
    *,
    until: int | None = None,
) -> list[Activity]:
    """:meth:`EvidenceStore.activities_after` on a SQLite connection."""
    where, parameters = ["id > ?"], [cast(Any, last_id)]
    if since is not None:
        where.append("updated_at > ?")
        parameters.append(stored_time(since))
    if until is not None:
        where.append("id <= ?")
        parameters.append(until)
    sql = f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY id LIMIT ?"
    return [_activity(row) for row in _fetch(connection, sql, [*parameters, limit])]


class SqliteEvidenceStore(EvidenceStore):
    """:class:`EvidenceStore` through the SQLite connection under the session.

    It can also hold rows back: ``park`` keeps them in a temporary table (SQLite's, not
    Python's memory) and ``unpark`` adds them to the evidence, in order. A rebuild that evaluates
    the plain rules in a worker process parks the rows it computes meanwhile (the window rules',
    and the plain rules' of the last activities), so that the rows end up in the same order,
    and with the same ids, as when one process does everything.
    """

    def __init__(self, session: Session, matched_at: datetime) -> None:
        super().__init__(session, matched_at)
        self.stored_matched_at = stored_time(matched_at)
        self._lots: set[str] = set()

    @contextmanager
    def rebuilding(self) -> Iterator[None]:
        """A page cache of ``REBUILD_CACHE_KIB`` for the rebuild, the connection's own again
        after it."""
        connection = self._connection()
        (before,) = connection.execute("PRAGMA cache_size").fetchone()
        connection.execute(f"PRAGMA cache_size = -{REBUILD_CACHE_KIB}")
        try:
            yield
        finally:
            connection.execute(f"PRAGMA cache_size = {int(before)}")

    def _connection(self) -> sqlite3.Connection:
        # Asked for each time: the session hands out the connection of its transaction.
        return cast(sqlite3.Connection, self.session.connection().connection.driver_connection)

    def database_file(self) -> str | None:
        """The database's file, or None for an in-memory database."""
        for _seq, name, file in _fetch(self._connection(), "PRAGMA database_list", ()):
            if name == "main":
                return str(file) or None
        return None

    def writing(self) -> bool:
        """Whether the transaction has written anything yet (pysqlite begins it then)."""
        return self._connection().in_transaction

    def activities_after(
        self, last_id: int, since: datetime | None, limit: int, *, until: int | None = None
    ) -> list[Activity]:
        return activities_after(self._connection(), last_id, since, limit, until=until)

    def last_activity_id(self) -> int:
        return int(
            _fetch(self._connection(), "SELECT coalesce(max(id), 0) FROM activities", ())[0][0]
        )

    def activities_of(self, actor: int, kinds: Collection[str]) -> list[Activity]:
        wanted = sorted(kinds)
        sql = (
            f"{_SELECT} WHERE actor_id = ? AND kind IN ({', '.join('?' * len(wanted))}) "
            'ORDER BY occurred_at, "key"'
        )
        return [_activity(row) for row in _fetch(self._connection(), sql, (actor, *wanted))]

    def insert(self, rows: Sequence[EvidenceRow]) -> None:
        if rows:
            self.insert_stored([stored_row(row, self.stored_matched_at) for row in rows])

    def insert_stored(self, values: Sequence[StoredRow]) -> None:
        """Add rows already in their stored form (``stored_row``)."""
        if values:
            self._connection().executemany(_INSERT, values)

    def park(self, lot: str, rows: Sequence[EvidenceRow]) -> None:
        """Keep ``rows`` aside in ``lot`` (a name) until ``unpark``."""
        connection = self._connection()
        table = _PARKED.format(lot)
        if lot not in self._lots:
            connection.execute(f"CREATE TEMP TABLE {table} ({_EVIDENCE})")
            self._lots.add(lot)
        matched_at = self.stored_matched_at
        values = [stored_row(row, matched_at) for row in rows]
        connection.executemany(f"INSERT INTO {table} ({_EVIDENCE}) VALUES ({_VALUES})", values)

    def unpark(self, lot: str) -> None:
        """Add the rows parked in ``lot`` to the evidence, in the order they were parked."""
        if lot in self._lots:
            connection = self._connection()
            table = _PARKED.format(lot)
            connection.execute(
                f"INSERT INTO evidence ({_EVIDENCE}) SELECT {_EVIDENCE} FROM {table} ORDER BY rowid"
            )
            connection.execute(f"DROP TABLE {table}")
            self._lots.remove(lot)
