"""The retention job: anonymise campaigns closed longer ago than STAFFVOICE_RETENTION_DAYS."""

from __future__ import annotations

import logging

from bot.core import retention
from scheduler import runtime

logger = logging.getLogger(__name__)

# The job runs hourly, so a campaign is anonymised within an hour of its period ending.
RETENTION_SECONDS = 3600


def anonymise_expired_campaigns() -> None:
    """Anonymise due campaigns; does nothing while STAFFVOICE_RETENTION_DAYS is unset."""
    context = runtime.current()
    if context.retention_days is None:
        return
    done = retention.anonymise_expired_campaigns(
        context.db, retention_days=context.retention_days, now=context.clock.now()
    )
    if done:
        logger.info("Retention job anonymised %s campaigns", len(done))
