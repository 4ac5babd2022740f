"""Engine and session set-up, and the transaction scope the core works in."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)

# SQLite waits this long for another writer before failing with "database is locked".
SQLITE_BUSY_TIMEOUT_SECONDS = 30
# The execution option that marks the connections of Database.read sessions.
READ_ONLY_OPTION = "staffvoice_read_only"


def create_database_engine(url: str) -> Engine:
    """Create an engine for url, tuned for the bot's many short transactions."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module so that "begin" below
        # can start every transaction with BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            # WAL lets readers run beside the single writer.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A deferred transaction that reads and then writes fails at once with
        # SQLITE_BUSY when another writer got in between; taking the write lock
        # up front makes it wait for busy_timeout instead. A read-only session
        # (Database.read) takes no write lock, so under WAL it never waits.
        if connection.get_execution_options().get(READ_ONLY_OPTION):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """A database connection pool and the factory of its sessions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_database_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            self.engine.execution_options(**{READ_ONLY_OPTION: True}), expire_on_commit=False
        )
        # SQLite has one writer at a time. A writer that finds the lock taken sleeps
        # in steps of up to 100 ms before trying again (sqliteDefaultBusyCallback in
        # SQLite's main.c), so threads of one process that queue on BEGIN IMMEDIATE
        # spend most of a burst asleep. This lock queues them in Python first and
        # hands the write lock over at once. Other processes still use busy_timeout.
        self._write_lock = threading.RLock() if self.engine.dialect.name == "sqlite" else None

    @property
    def dialect(self) -> str:
        """Return the SQLAlchemy dialect name, such as sqlite or postgresql."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Yield a session whose work commits on success and rolls back on error."""
        with self._writer_turn(), self._sessions.begin() as session:
            yield session

    @contextmanager
    def _writer_turn(self) -> Iterator[None]:
        if self._write_lock is None:
            yield
            return
        # Past the busy timeout the transaction goes ahead without the lock and
        # meets SQLite's own wait, which fails with "database is locked" as
        # before, so a thread that never releases the lock cannot hang the others.
        locked = self._write_lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
        try:
            yield
        finally:
            if locked:
                self._write_lock.release()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """Yield a session for reads only, which on SQLite takes no write lock.

        Its work is rolled back at the end, so a write through it is lost.
        """
        with self._read_sessions() as session:
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
