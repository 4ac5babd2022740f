"""Storage functions for the record of processed chat events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from storage.models import ProcessedEvent
from storage.upsert import insert_if_absent


def add_processed_event(session: Session, *, platform: str, event_id: str, now: datetime) -> bool:
    """Record an event id; return False when it was recorded before."""
    return insert_if_absent(
        session, ProcessedEvent, platform=platform, event_id=event_id, received_at=now
    )


def delete_processed_events(session: Session, *, before: datetime) -> int:
    """Forget event ids received before the given time; return how many were removed."""
    result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < before))
    return int(result.rowcount)  # type: ignore[attr-defined]
