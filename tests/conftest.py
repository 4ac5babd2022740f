"""Shared fixtures: a migrated database on each backend, and a controllable clock."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.core.clock import ManualClock
from storage.database import Database
from storage.migrate import upgrade
from storage.models import Base

# The PostgreSQL server the storage tests use; each test run creates its own database there.
POSTGRES_ADMIN_URL = os.environ.get(
    "STAFFVOICE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "postgresql")
# The files whose tests take longest in all, longest first, as measured on a 2-core machine
# (10 to 75 seconds each). They run first, so pytest-xdist, which keeps a file on one worker
# and hands out files in the order collected, runs them beside the rest instead of last.
SLOW_FILES = (
    "tests/simulate/test_simulation_runs.py",
    "tests/bot/test_cli.py",
    "tests/bot/test_cli_campaigns.py",
    "tests/e2e/test_outbox.py",
    "tests/bot/test_cli_roles.py",
    "tests/e2e/test_thanks.py",
    "tests/e2e/test_votes.py",
    "tests/simulate/test_simulation_faults.py",
    "tests/scheduler/test_two_processes.py",
    "tests/test_benchmark_slack_api.py",
    "tests/scheduler/test_reminders.py",
    "tests/e2e/test_campaigns.py",
    "tests/simulate/test_simulation_platforms.py",
    "tests/scheduler/test_digest.py",
    "tests/e2e/test_boards.py",
    "tests/scheduler/test_board_digest.py",
    "tests/test_load_harness.py",
    "tests/bot/test_cli_ideas_status.py",
    "tests/e2e/test_close.py",
    "tests/storage/test_migrations.py",
    "tests/e2e/test_campaign_statuses.py",
    "tests/e2e/test_ideas.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move the tests of SLOW_FILES to the front in their order, keeping the rest as collected."""
    rank = {path: index for index, path in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(SLOW_FILES)))


def _postgres_unavailable_reason() -> str | None:
    engine = sa.create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return None
    except sa.exc.OperationalError as error:
        return f"PostgreSQL at {POSTGRES_ADMIN_URL} is not answering: {error.orig}"
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once, copied for each test."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database migrated to head, dropped after the run."""
    reason = _postgres_unavailable_reason()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI requires PostgreSQL, so this is a failure, not a skip")
        pytest.skip(f"{reason}; start it to run the PostgreSQL variant of this test")
    name = f"staffvoice_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = (
        sa.engine.make_url(POSTGRES_ADMIN_URL)
        .set(database=name)
        .render_as_string(hide_password=False)
    )
    upgrade(url)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _empty_postgres(database: Database) -> None:
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with database.engine.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        # The scheduler's job table is left out of the models but created by a migration.
        if sa.inspect(connection).has_table("apscheduler_jobs"):
            connection.exec_driver_sql("TRUNCATE apscheduler_jobs")


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, migrated database, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "staffvoice.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
    else:
        url: str = request.getfixturevalue("postgres_url")
        database = Database(url)
        _empty_postgres(database)
        database.dispose()
        yield url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A Database on an empty, migrated schema, on each backend in turn."""
    database = Database(database_url)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    """A clock that starts at a fixed Monday morning in January and moves only when told."""
    return ManualClock(datetime(2027, 1, 11, 9, 0, tzinfo=UTC))
