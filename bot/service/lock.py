"""The leader lock: one ``ladder-bot run`` per database at a time.

APScheduler cannot share a job store between processes (it would run jobs twice or miss them),
and two syncs writing the same watermarks would do the work twice. So a ``run``, a ``run
--once`` in CI, and the ``sync``, ``match`` and ``digest --post`` commands all take this lock
first, and a second one refuses to start, or with ``--standby`` waits for it.

- PostgreSQL: a session advisory lock, ``pg_try_advisory_lock(key)``, held on a connection of
  its own for the life of the process. The key is fixed for a store: derived from the schema's
  name, so two deployments in one database (each in its own schema) do not block each other.
  The server releases it when the process dies, however it dies. A connection pooler in
  transaction mode (PgBouncer) breaks session locks: connect ladder-bot directly.
- SQLite: ``flock(LOCK_EX | LOCK_NB)`` on ``<database file>.lock``. The kernel releases it when
  the process dies. The lock file holds the owner's process id, for people; it is never
  deleted (deleting it while held would let a second process lock a new file).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.errors import BotError
from bot.service.signals import Stopped, StopRequest
from bot.store import db

log = logging.getLogger("ladder_bot.service")

STANDBY_RETRY_SECONDS = 30.0


class LockHeld(BotError):
    """Another process holds the lock for this database."""

    def __init__(self, database: str) -> None:
        self.database = database
        super().__init__(f"another ladder-bot run holds the lock for {database}")


def describe(database_url: str) -> str:
    """The database, for messages: a SQLite file's path, else the URL without a password."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        name = url.database or ""
        return str(Path(name).resolve()) if name and name != ":memory:" else "an in-memory SQLite"
    return url.set(query={}).render_as_string(hide_password=True)


class LeaderLock:
    """A held lock; :meth:`release` gives it back (closing the process does too)."""

    def __init__(self, database: str) -> None:
        self.database = database

    def alive(self) -> bool:
        """Whether the lock is still held (a PostgreSQL connection can be lost)."""
        return True

    def release(self) -> None:
        return None


class _FileLock(LeaderLock):
    def __init__(self, database: str, fd: int) -> None:
        super().__init__(database)
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the only descriptor releases the flock
            self._fd = None


class _AdvisoryLock(LeaderLock):
    def __init__(self, database: str, engine: Engine, connection: Connection, key: int) -> None:
        super().__init__(database)
        self._engine = engine
        self._connection: Connection | None = connection
        self.key = key

    def alive(self) -> bool:
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
        except DBAPIError:
            return False
        return True

    def release(self) -> None:
        if self._connection is None:
            return
        try:
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        except DBAPIError:
            pass  # the connection is gone, and the lock with it
        finally:
            self._connection.close()
            self._connection = None
            self._engine.dispose()


def advisory_key(schema: str) -> int:
    """The store's 64-bit advisory-lock key: fixed for a schema, signed as PostgreSQL wants."""
    digest = hashlib.sha256(f"ladder-bot leader {schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def try_acquire(database_url: str) -> LeaderLock | None:
    """Take the lock, or None when another process holds it. Never waits."""
    database = describe(database_url)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return _try_file(url.database or "", database)
    return _try_advisory(database_url, database)


def _try_file(name: str, database: str) -> LeaderLock | None:
    if not name or name == ":memory:":
        return LeaderLock(database)  # nothing another process could share
    path = Path(f"{name}.lock")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise db.StoreError(f"cannot open the lock file {path}: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except OSError as exc:
        os.close(fd)
        raise db.StoreError(f"cannot lock {path}: {exc.strerror}") from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return _FileLock(database, fd)


def _try_advisory(database_url: str, database: str) -> LeaderLock | None:
    engine = db.make_engine(database_url)
    try:
        connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    except DBAPIError as exc:
        engine.dispose()
        raise db.StoreError(f"cannot open the database: {exc.orig}") from None
    try:
        schema = connection.scalar(text("SELECT current_schema()")) or "public"
        key = advisory_key(str(schema))
        taken = connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
    except DBAPIError as exc:
        connection.close()
        engine.dispose()
        raise db.StoreError(f"cannot take the lock in the database: {exc.orig}") from None
    if not taken:
        connection.close()
        engine.dispose()
        return None
    return _AdvisoryLock(database, engine, connection, key)


def acquire(
    database_url: str,
    *,
    standby: bool = False,
    stop: StopRequest | None = None,
    retry_seconds: float = STANDBY_RETRY_SECONDS,
) -> LeaderLock:
    """Take the lock. Held elsewhere: raise :class:`LockHeld`, or with ``standby`` log one
    line, then try again every ``retry_seconds`` until it is free (or ``stop`` is set: raise
    :class:`Stopped`)."""
    stop = stop or StopRequest()
    said = False
    while True:
        lock = try_acquire(database_url)
        if lock is not None:
            if said:
                log.info("took the lock for %s: starting", lock.database)
            return lock
        held = LockHeld(describe(database_url))
        if not standby:
            raise held
        if not said:
            log.info("%s; standing by (trying every %.0f s)", held, retry_seconds)
            said = True
        if stop.wait(retry_seconds):
            raise Stopped(f"stopped on {stop.reason} while standing by")


@contextmanager
def leader_lock(
    database_url: str, *, standby: bool = False, stop: StopRequest | None = None
) -> Iterator[LeaderLock]:
    """Hold the lock for the block: ``with leader_lock(config.database_url): ...``."""
    lock = acquire(database_url, standby=standby, stop=stop)
    try:
        yield lock
    finally:
        lock.release()
