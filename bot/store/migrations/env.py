"""Alembic environment: run migrations on the connection ladder-bot hands over."""

from __future__ import annotations

from alembic import context

from bot.store.models import Base

config = context.config
target_metadata = Base.metadata


def _include(name: str | None, type_: str, parent_names: object) -> bool:
    # APScheduler creates and owns its job table; the schema must not propose dropping it.
    return not (type_ == "table" and name == "apscheduler_jobs")


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise SystemExit("ladder-bot runs migrations itself: use `ladder-bot db upgrade`")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_name=_include,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
