"""Tests of the Database wrapper: commit and rollback, foreign keys, and the dialect name."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from storage.database import Database
from storage.models import Idea, ProcessedEvent

NOW = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


def event_rows(db: Database) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(ProcessedEvent)) or 0)


def test_dialect(db: Database) -> None:
    assert db.dialect in {"sqlite", "postgresql"}
    assert db.dialect == db.engine.dialect.name


def test_transaction_commits(db: Database) -> None:
    with db.transaction() as session:
        session.add(ProcessedEvent(platform="slack", event_id="Ev1", received_at=NOW))

    assert event_rows(db) == 1


def test_transaction_rolls_back(db: Database) -> None:
    with pytest.raises(RuntimeError):
        with db.transaction() as session:
            session.add(ProcessedEvent(platform="slack", event_id="Ev1", received_at=NOW))
            session.flush()
            raise RuntimeError("fail after the insert")

    assert event_rows(db) == 0


def test_foreign_keys_enforced(db: Database) -> None:
    # SQLite enforces foreign keys only when the connection turns them on.
    with pytest.raises(IntegrityError):
        with db.transaction() as session:
            session.add(
                Idea(
                    campaign_id=999,
                    platform="slack",
                    team_id="T1",
                    anonymous=False,
                    text="An idea",
                    created_at=NOW,
                    vote_count=0,
                    comment_count=0,
                )
            )

    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Idea)) == 0


def test_objects_usable_after_commit(db: Database) -> None:
    with db.transaction() as session:
        event = ProcessedEvent(platform="slack", event_id="Ev1", received_at=NOW)
        session.add(event)

    assert event.event_id == "Ev1"
    assert event.received_at == NOW
