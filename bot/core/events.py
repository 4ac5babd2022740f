"""Deduplication of chat events that the platform delivers more than once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from storage import events as event_store
from storage.database import Database

# Slack retries an event three times within about an hour; a day's margin
# covers a retry that arrives after the bot was down for a while.
EVENT_MEMORY = timedelta(days=1)


def claim_event(session: Session, *, platform: str, event_id: str | None, now: datetime) -> bool:
    """Record an event id inside the caller's transaction; False means it was handled before.

    Recording the id in the same transaction as the event's effect means a
    redelivered event is skipped only when the first delivery was committed.
    """
    if event_id is None:
        return True
    return event_store.add_processed_event(session, platform=platform, event_id=event_id, now=now)


def first_delivery(db: Database, *, platform: str, event_id: str, now: datetime) -> bool:
    """Record an event id and return True the first time it is seen, False on redelivery."""
    with db.transaction() as session:
        return event_store.add_processed_event(
            session, platform=platform, event_id=event_id, now=now
        )


def forget_old_events(db: Database, *, now: datetime) -> int:
    """Drop event ids older than the redelivery window; return how many were dropped."""
    with db.transaction() as session:
        return event_store.delete_processed_events(session, before=now - EVENT_MEMORY)
