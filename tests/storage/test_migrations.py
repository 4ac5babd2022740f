"""Tests of the Alembic migrations: a full down and up cycle, and no drift from the models."""

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storage.database import Database
from storage.migrate import current_revision, downgrade, head_revision, is_up_to_date, upgrade
from storage.models import Base

MODEL_TABLES = set(Base.metadata.tables)
# APScheduler's job table may share the database, and the migrations leave it alone.
UNMANAGED_TABLES = {"apscheduler_jobs"}


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    return not (type_ == "table" and name in UNMANAGED_TABLES)


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    """An engine that keeps no pooled connection, so migrations can drop tables."""
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


def table_names(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def schema_differences(engine: sa.Engine, metadata: sa.MetaData) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_name": include_name,
            },
        )
        return list(compare_metadata(context, metadata))


def test_head_revision_exists() -> None:
    assert head_revision() is not None


def test_fixture_database_at_head(engine: sa.Engine) -> None:
    assert current_revision(engine) == head_revision()
    assert is_up_to_date(engine)
    assert MODEL_TABLES <= table_names(engine)


def test_downgrade_then_upgrade(database_url: str, engine: sa.Engine) -> None:
    try:
        downgrade(database_url, revision="base")

        assert current_revision(engine) is None
        assert not is_up_to_date(engine)
        assert table_names(engine) & MODEL_TABLES == set()

        upgrade(database_url)

        assert current_revision(engine) == head_revision()
        assert table_names(engine) >= MODEL_TABLES
        assert schema_differences(engine, Base.metadata) == []
    finally:
        # The PostgreSQL database is shared by the whole run, so leave it at head.
        upgrade(database_url)


def test_upgrade_twice_no_change(database_url: str, engine: sa.Engine) -> None:
    upgrade(database_url)

    assert current_revision(engine) == head_revision()


def test_upgrade_empty_sqlite(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/fresh.db"
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        assert current_revision(engine) is None

        upgrade(url)

        assert current_revision(engine) == head_revision()
        assert table_names(engine) >= MODEL_TABLES
    finally:
        engine.dispose()


def test_models_match_migrations(engine: sa.Engine) -> None:
    assert schema_differences(engine, Base.metadata) == []


def test_drift_check_detects_change(engine: sa.Engine) -> None:
    # A model column that the migrations lack shows up as a difference, so the
    # drift check above can fail.
    changed = sa.MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["ideas"].append_column(sa.Column("category", sa.String(40)))

    differences = schema_differences(engine, changed)

    assert len(differences) == 1
    operation = differences[0]
    assert isinstance(operation, tuple)
    assert operation[0] == "add_column"
    assert operation[2] == "ideas"
    assert operation[3].name == "category"


def test_database_usable_after_cycle(database_url: str) -> None:
    try:
        downgrade(database_url, revision="base")
        upgrade(database_url)
        database = Database(database_url)
        try:
            with database.transaction() as session:
                session.execute(
                    sa.text(
                        "INSERT INTO processed_events (platform, event_id, received_at) "
                        "VALUES ('slack', 'Ev1', '2027-01-11 09:00:00')"
                    )
                )
            with database.transaction() as session:
                count = session.execute(sa.text("SELECT COUNT(*) FROM processed_events"))
                assert count.scalar_one() == 1
        finally:
            database.dispose()
    finally:
        upgrade(database_url)
