"""Tests of the processed-event storage functions."""

from datetime import UTC, datetime, timedelta

from storage import events as store
from storage.database import Database

NOW = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


def test_add_processed_event_once(db: Database) -> None:
    with db.transaction() as session:
        assert store.add_processed_event(session, platform="slack", event_id="Ev1", now=NOW)
        assert not store.add_processed_event(session, platform="slack", event_id="Ev1", now=NOW)
        assert store.add_processed_event(session, platform="teams", event_id="Ev1", now=NOW)


def test_delete_processed_events_before(db: Database) -> None:
    with db.transaction() as session:
        store.add_processed_event(session, platform="slack", event_id="Ev1", now=NOW)
        store.add_processed_event(
            session, platform="slack", event_id="Ev2", now=NOW + timedelta(hours=1)
        )

    with db.transaction() as session:
        assert store.delete_processed_events(session, before=NOW) == 0
        assert store.delete_processed_events(session, before=NOW + timedelta(hours=1)) == 1
        assert not store.add_processed_event(
            session, platform="slack", event_id="Ev2", now=NOW + timedelta(hours=2)
        )
        assert store.add_processed_event(
            session, platform="slack", event_id="Ev1", now=NOW + timedelta(hours=2)
        )
