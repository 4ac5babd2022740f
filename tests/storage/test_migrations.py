"""Tests of the Alembic migrations: a full down and up cycle, and no drift from the models."""

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storage.database import Database
from storage.migrate import current_revision, downgrade, head_revision, is_up_to_date, upgrade
from storage.models import Base
from tests.conftest import POSTGRES_ADMIN_URL

ROOT = Path(__file__).resolve().parents[2]
MODEL_TABLES = set(Base.metadata.tables)
# APScheduler's job table: a migration creates it, but it has no model to compare with.
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


def test_scheduler_table_at_head(engine: sa.Engine) -> None:
    # APScheduler would create it on start; two processes starting together raced to.
    assert "apscheduler_jobs" in table_names(engine)
    columns = {column["name"] for column in sa.inspect(engine).get_columns("apscheduler_jobs")}
    assert columns == {"id", "next_run_time", "job_state"}


def test_concurrent_upgrades_postgres(postgres_url: str) -> None:
    # Bot processes started together each migrate a new database; the advisory
    # lock makes the later ones find it at head instead of failing.
    name = f"staffvoice_race_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)
    script = "import sys; from storage.migrate import upgrade; upgrade(sys.argv[1])"
    try:
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", script, url], cwd=ROOT, stderr=subprocess.PIPE, text=True
            )
            for _ in range(3)
        ]
        results = [(process.wait(timeout=120), process.stderr) for process in processes]

        for code, stderr in results:
            assert code == 0, stderr.read() if stderr else ""
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            assert current_revision(engine) == head_revision()
            assert "apscheduler_jobs" in table_names(engine)
        finally:
            engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
