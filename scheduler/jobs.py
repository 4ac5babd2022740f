"""Scheduled jobs. Each re-reads the database and does nothing if its work is done already.

Every effect is a guarded state change in the database, so a job that runs
twice, late, or in two processes at once has its effect once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from bot.core import campaigns, delivery, display, events
from bot.core.errors import DeliveryFailed
from scheduler import runtime

logger = logging.getLogger(__name__)


def open_campaign(campaign_id: int) -> None:
    """Open a campaign whose start has come and post its launch message."""
    context = runtime.current()
    opened = campaigns.open_campaign(context.db, campaign_id, now=context.clock.now())
    if opened is not None:
        delivery.deliver_announcements(context.db, context.publisher, now=context.clock.now())


def close_campaign(campaign_id: int) -> None:
    """Close a campaign whose end has come and post its closing summary."""
    context = runtime.current()
    closed = campaigns.close_campaign(context.db, campaign_id, now=context.clock.now())
    if closed is not None:
        delivery.deliver_announcements(context.db, context.publisher, now=context.clock.now())


def retry_deliveries() -> None:
    """Post launch and summary messages and ideas whose earlier posting failed."""
    context = runtime.current()
    now = context.clock.now()
    delivery.deliver_announcements(context.db, context.publisher, now=now)
    delivery.retry_unposted_ideas(context.db, context.publisher, now=now)


def refresh_stale_idea_messages() -> None:
    """Bring idea messages whose shown vote count lags the stored one up to date."""
    context = runtime.current()
    for idea_id in display.stale_idea_ids(context.db, now=wall_clock_now()):
        try:
            context.publisher.refresh_idea(idea_id)
        except DeliveryFailed as error:
            logger.warning("Refresh of idea %s failed: %s", idea_id, error.reason)


def wall_clock_now() -> datetime:
    """Return the real time, which Slack's rate limits are measured in."""
    return datetime.now(UTC)


def forget_old_events() -> None:
    """Drop processed event ids older than Slack's redelivery window."""
    context = runtime.current()
    removed = events.forget_old_events(context.db, now=context.clock.now())
    if removed:
        logger.info("Forgot %s processed event ids", removed)
