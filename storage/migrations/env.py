"""Alembic environment: migrates the database named by the sqlalchemy.url option."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from storage.models import Base

config = context.config
target_metadata = Base.metadata

# APScheduler's job table: a migration creates it, but its schema is APScheduler's,
# so autogenerate leaves it out of comparisons with the models.
EXCLUDED_TABLES = {"apscheduler_jobs"}
# The key of the PostgreSQL advisory lock held while migrating, any fixed 64-bit number.
MIGRATION_LOCK_KEY = 7_405_112_309


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    return not (type_ == "table" and name in EXCLUDED_TABLES)


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite alters tables by copying them; batch mode does that for us.
            render_as_batch=connection.dialect.name == "sqlite",
            include_name=include_name,
            compare_type=True,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Bot processes started together each run the migrations. This lock,
                # held until the transaction ends, makes the later ones wait and then
                # find the database at head. SQLite has no such lock, so processes that
                # share a database file are best started one after the other.
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
