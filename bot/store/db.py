"""Connecting to the store, and keeping its schema current with Alembic.

SQLite is the embedded default; PostgreSQL works from a ``postgresql+psycopg://`` URL. Both get
the same schema from the same migrations.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import BotError


class StoreError(BotError):
    """The database cannot be used: unreachable, or its schema is not this version's."""


def _alembic_config() -> AlembicConfig:
    # No URL: migrations always run on a connection ladder-bot opens and hands over.
    config = AlembicConfig()
    config.set_main_option("script_location", "bot.store:migrations")
    return config


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (status, digests) work while a sync writes; the busy timeout makes a
    # second process wait for the lock instead of failing at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def dump_json(value: object) -> str:
    """JSON columns through orjson: payloads and activity fields are most of what a sync
    writes, and the standard library's encoder was a tenth of its time. Non-string keys
    become strings, as with ``json.dumps``."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; raises :class:`StoreError` for a URL SQLAlchemy cannot use."""
    try:
        parsed = make_url(url)
        engine = create_engine(
            parsed, future=True, json_serializer=dump_json, json_deserializer=orjson.loads
        )
    except (ArgumentError, ValueError) as exc:
        raise StoreError(f"database.url is not usable: {exc}") from None
    except ModuleNotFoundError as exc:
        raise StoreError(
            f"database.url needs the Python package {exc.name!r}: pip install 'ladder-bot[postgres]'"
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


@functools.cache
def _scripts() -> ScriptDirectory:
    """The migration scripts, read once per process: they ship inside the package and never
    change while it runs, and reading them took most of the time a command spent opening an
    up-to-date store. (``command.upgrade`` reads them once more for itself.)"""
    return ScriptDirectory.from_config(_alembic_config())


def head_revision() -> str:
    head = _scripts().get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except OperationalError as exc:
        raise StoreError(f"cannot open the database: {exc.orig}") from None


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Migrate to the newest schema; returns (revision before, revision after)."""
    before = current_revision(engine)
    with engine.begin() as connection:
        config = _alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return before, head_revision()


def ensure_current(engine: Engine) -> None:
    """Create the schema in an empty database; refuse an old or newer one with a clear message."""
    revision = current_revision(engine)
    head = head_revision()
    if revision == head:
        return
    if revision is None:
        upgrade(engine)
        return
    known = {rev.revision for rev in _scripts().walk_revisions()}
    if revision not in known:
        raise StoreError(
            f"the database schema is at revision {revision}, which this ladder-bot does not know: "
            "it was written by a newer version; upgrade ladder-bot"
        )
    raise StoreError(
        f"the database schema is at revision {revision}, this ladder-bot needs {head}: "
        "run `ladder-bot db upgrade` (back up the database first)"
    )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits together or not at all."""
    with factory() as session, session.begin():
        yield session
