"""The retention period: anonymising the contributions of campaigns closed long enough ago.

Each campaign is claimed by setting Campaign.anonymised_at in the same
transaction that anonymises it, so it happens once however many processes
run the job. The text of ideas and comments is kept, as the organisation's
record of what staff wrote. Who wrote it is not.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.core import audit
from storage import retention as retention_store
from storage.database import Database

logger = logging.getLogger(__name__)

MIN_RETENTION_DAYS = 30
# A hundred years: beyond that a date calculation would overflow, and nothing is due.
MAX_RETENTION_DAYS = 36_500


def anonymise_expired_campaigns(db: Database, *, retention_days: int, now: datetime) -> list[int]:
    """Anonymise every campaign closed more than retention_days ago; return those this call did.

    Raises ValueError when retention_days is below MIN_RETENTION_DAYS.
    """
    if retention_days < MIN_RETENTION_DAYS:
        raise ValueError(
            f"retention_days must be at least {MIN_RETENTION_DAYS}, not {retention_days}"
        )
    cutoff = now - timedelta(days=retention_days)
    with db.transaction() as session:
        campaign_ids = retention_store.due_campaign_ids(session, closed_before=cutoff)
        held_deleted = retention_store.delete_expired_held_posts(session, expired_before=cutoff)
    if held_deleted:
        logger.info(
            "Deleted %s held drafts that expired over %s days ago", held_deleted, retention_days
        )
    done: list[int] = []
    for campaign_id in campaign_ids:
        try:
            if anonymise_campaign(db, campaign_id, now=now):
                done.append(campaign_id)
        except Exception:
            # One campaign's failure leaves it unclaimed for the next run, and the others go on.
            logger.exception("Anonymising campaign %s failed", campaign_id)
    return done


def anonymise_campaign(db: Database, campaign_id: int, *, now: datetime) -> bool:
    """Anonymise one campaign's contributions, returning False when it was done already."""
    with db.transaction() as session:
        if not retention_store.claim_campaign(session, campaign_id, now=now):
            return False
        counts = retention_store.anonymise_campaign(session, campaign_id)
        audit.record(
            session,
            actor=audit.SCHEDULER,
            action=audit.RETENTION,
            subject=f"campaign:{campaign_id}",
            detail=counts,
            now=now,
        )
    logger.info(
        "Anonymised campaign %s: %s people, %s votes",
        campaign_id,
        counts["people"],
        counts["votes"],
    )
    return True
