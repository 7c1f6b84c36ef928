"""The schema comes from Alembic migrations, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from bot.store import db
from bot.store.models import Base, Evidence, MatchState, SyncRun


def test_an_empty_database_gets_the_current_schema(database_url: str) -> None:
    engine = db.make_engine(database_url)
    assert db.current_revision(engine) is None
    db.ensure_current(engine)
    assert db.current_revision(engine) == db.head_revision()
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    engine.dispose()


def test_the_migrations_build_exactly_the_models(database_url: str) -> None:
    """Autogenerate finds nothing to do: models and migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = db.make_engine(database_url)
    db.upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []


def test_an_old_schema_is_refused_with_a_clear_message(database_url: str) -> None:
    engine = db.make_engine(database_url)
    db.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    with pytest.raises(db.StoreError) as error:
        db.ensure_current(engine)
    engine.dispose()
    assert "revision 0000, which this ladder-bot does not know" in str(error.value)


def test_times_come_back_aware_and_in_utc(database_url: str) -> None:
    engine = db.make_engine(database_url)
    db.ensure_current(engine)
    sessions = db.session_factory(engine)
    berlin = datetime(2026, 3, 29, 3, 30, tzinfo=timezone(timedelta(hours=2)))
    with db.transaction(sessions) as session:
        session.add(
            SyncRun(
                started_at=berlin, finished_at=None, status="ok", summary={"a": [1]}, error=None
            )
        )
    with sessions() as session:
        run = session.query(SyncRun).one()
    engine.dispose()
    assert run.started_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert run.started_at.tzinfo is UTC
    assert run.summary == {"a": [1]}


def test_naive_times_are_refused(database_url: str) -> None:
    engine = db.make_engine(database_url)
    db.ensure_current(engine)
    sessions = db.session_factory(engine)
    with pytest.raises(Exception, match="naive datetime"), db.transaction(sessions) as session:
        session.add(
            SyncRun(
                started_at=datetime(2026, 1, 1),
                finished_at=None,
                status="ok",
                summary={},
                error=None,
            )
        )
        session.flush()
    engine.dispose()


def test_an_unusable_url_is_one_clear_error() -> None:
    with pytest.raises(db.StoreError, match=r"database\.url is not usable"):
        db.make_engine("nonsense://")


def _migrate(engine: Engine, direction: str, revision: str) -> None:
    with engine.begin() as connection:
        config = db._alembic_config()
        config.attributes["connection"] = connection
        getattr(command, direction)(config, revision)


def test_explanation_texts_come_and_go_with_their_migration(database_url: str) -> None:
    """0004 adds the table explanations name; going back drops it with the evidence that
    names it (evidence is derived: the older release rebuilds it, having no match state)."""
    engine = db.make_engine(database_url)
    _migrate(engine, "upgrade", "0003")
    assert "explanation_texts" not in inspect(engine).get_table_names()
    row = {
        "key": "r:e:a",
        "person_username": "ana",
        "expectation": "e",
        "level": 1,
        "dimension": "mastery",
        "rule": "r",
        "rule_digest": "d",
        "activity_key": "a",
        "kind": "review_comment",
        "occurred_at": datetime(2026, 11, 2, tzinfo=UTC),
        "project_path": "acme/api",
        "url": "http://gitlab.example/a",
        "summary": "s",
        "why": {"rule": "r", "description": "Whole.", "checks": []},
        "confidential": False,
        "matched_at": datetime(2026, 11, 2, tzinfo=UTC),
    }
    with engine.begin() as connection:
        connection.execute(Evidence.__table__.insert(), [row])
        connection.execute(
            MatchState.__table__.insert(),
            [{"name": "m", "rules_digest": "x", "matched_at": row["matched_at"]}],
        )
    _migrate(engine, "upgrade", "head")
    assert "explanation_texts" in inspect(engine).get_table_names()
    with engine.connect() as connection:  # rows stored whole before stay as they were
        assert connection.execute(text("SELECT count(*) FROM evidence")).scalar() == 1
    _migrate(engine, "downgrade", "0003")
    assert "explanation_texts" not in inspect(engine).get_table_names()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM evidence")).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM match_state")).scalar() == 0
    engine.dispose()
