"""Storage functions for the announcement a manager posts before a campaign opens."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from storage.models import Campaign, ScheduledRun
from storage.upsert import insert_if_absent


def claim_key(campaign_id: int) -> str:
    """Return the ScheduledRun key that claims the posting of a campaign's announcement."""
    return f"announcement:{campaign_id}"


def claim_announcement(
    session: Session, campaign_id: int, *, now: datetime, retry_after: timedelta
) -> bool:
    """Claim the posting of a campaign's announcement, returning False when another request has it.

    The claim is a ScheduledRun row. A claim older than retry_after whose
    announcement was never recorded belongs to a request that died, so it is
    taken over. On PostgreSQL a concurrent insert of the same key waits for
    this transaction and then inserts nothing.
    """
    key = claim_key(campaign_id)
    if insert_if_absent(session, ScheduledRun, key=key, ran_at=now):
        return True
    result = session.execute(
        update(ScheduledRun)
        .where(ScheduledRun.key == key, ScheduledRun.ran_at < now - retry_after)
        .values(ran_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release_announcement(session: Session, campaign_id: int) -> None:
    """Drop a claim on a campaign's announcement, so a later request can post it."""
    session.execute(delete(ScheduledRun).where(ScheduledRun.key == claim_key(campaign_id)))


def set_announcement_message(session: Session, campaign_id: int, *, message_id: str) -> bool:
    """Record the posted announcement's message id, returning False when one is recorded already."""
    result = session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.announcement_message_id.is_(None))
        .values(announcement_message_id=message_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
