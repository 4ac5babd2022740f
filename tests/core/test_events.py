"""Tests of event deduplication: first delivery, redelivery, and forgetting old event ids."""

from datetime import timedelta

from sqlalchemy import func, select

from bot.core.clock import ManualClock
from bot.core.events import EVENT_MEMORY, claim_event, first_delivery, forget_old_events
from storage.database import Database
from storage.models import ProcessedEvent


def event_rows(db: Database) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(ProcessedEvent)) or 0)


def test_first_delivery_then_redelivery(db: Database, clock: ManualClock) -> None:
    assert first_delivery(db, platform="slack", event_id="Ev1", now=clock.now())
    clock.advance(timedelta(minutes=5))
    assert not first_delivery(db, platform="slack", event_id="Ev1", now=clock.now())
    assert event_rows(db) == 1


def test_first_delivery_per_platform(db: Database, clock: ManualClock) -> None:
    assert first_delivery(db, platform="slack", event_id="Ev1", now=clock.now())
    assert first_delivery(db, platform="teams", event_id="Ev1", now=clock.now())
    assert first_delivery(db, platform="slack", event_id="Ev2", now=clock.now())
    assert event_rows(db) == 3


def test_claim_event_no_id(db: Database, clock: ManualClock) -> None:
    with db.transaction() as session:
        assert claim_event(session, platform="slack", event_id=None, now=clock.now())
        assert claim_event(session, platform="slack", event_id=None, now=clock.now())
    assert event_rows(db) == 0


def test_claim_event_rolled_back(db: Database, clock: ManualClock) -> None:
    # An event whose handling failed is not remembered, so its redelivery is handled.
    try:
        with db.transaction() as session:
            assert claim_event(session, platform="slack", event_id="Ev1", now=clock.now())
            raise RuntimeError("handling failed")
    except RuntimeError:
        pass

    assert first_delivery(db, platform="slack", event_id="Ev1", now=clock.now())


def test_forget_old_events(db: Database, clock: ManualClock) -> None:
    first_delivery(db, platform="slack", event_id="Old", now=clock.now())
    clock.advance(timedelta(hours=12))
    first_delivery(db, platform="slack", event_id="Recent", now=clock.now())
    clock.advance(EVENT_MEMORY - timedelta(hours=12) + timedelta(seconds=1))

    assert forget_old_events(db, now=clock.now()) == 1

    assert event_rows(db) == 1
    assert first_delivery(db, platform="slack", event_id="Old", now=clock.now())
    assert not first_delivery(db, platform="slack", event_id="Recent", now=clock.now())


def test_forget_old_events_boundary(db: Database, clock: ManualClock) -> None:
    first_delivery(db, platform="slack", event_id="Ev1", now=clock.now())
    clock.advance(EVENT_MEMORY)

    assert forget_old_events(db, now=clock.now()) == 0
    assert not first_delivery(db, platform="slack", event_id="Ev1", now=clock.now())


def test_forget_old_events_empty(db: Database, clock: ManualClock) -> None:
    assert forget_old_events(db, now=clock.now()) == 0
