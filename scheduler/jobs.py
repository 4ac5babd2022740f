"""Scheduled jobs. Each re-reads the database and does nothing if its work is done already.

Every effect is a guarded state change in the database, so a job that runs
twice, late, or in two processes at once has its effect once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from bot.core import (
    board_digest,
    campaigns,
    delivery,
    digest,
    display,
    events,
    held_posts,
    interest,
    ports,
    reminders,
)
from bot.core.errors import DeliveryFailed
from bot.core.ports import ChatPublisher
from scheduler import runtime

logger = logging.getLogger(__name__)


def open_campaign(campaign_id: int) -> None:
    """Open a campaign whose start has come, post its launch message and message those who asked.

    The direct messages go through the outbox to everyone who pressed
    "Remind me when it's live" on the campaign's announcement.
    """
    context = runtime.current()
    opened = campaigns.open_campaign(context.db, campaign_id, now=context.clock.now())
    if opened is not None:
        delivery.deliver_announcements(
            context.db,
            _report_publisher(context.publisher),
            now=context.clock.now(),
            min_group_size=context.min_group_size,
        )
    # Guarded in the database, so this also runs when another call opened the
    # campaign, and each person is still messaged once.
    _finish_open(campaign_id)


def _finish_open(campaign_id: int) -> None:
    context = runtime.current()
    publisher = context.publisher
    if not isinstance(publisher, ports.AnnouncementPublisher):
        raise TypeError(
            f"{type(publisher).__name__} cannot build opening messages: it needs "
            "post_announcement and opening_messages"
        )
    interest.send_opening_messages(context.db, publisher, campaign_id, now=context.clock.now())


def _report_publisher(publisher: ChatPublisher) -> ports.ReportPublisher:
    """Return the runtime's publisher as a ReportPublisher, raising TypeError when it is not one."""
    if not isinstance(publisher, ports.ReportPublisher):
        raise TypeError(
            f"{type(publisher).__name__} cannot post final reports: it needs timezone, "
            "post_report, report_messages and show_voting_closed"
        )
    return publisher


def close_campaign(campaign_id: int) -> None:
    """Close a campaign whose end has come and post its final report, then finish the close.

    Finishing sends the report to managers, schedules the next quarterly
    campaign, and replaces the Vote buttons with final counts in the
    background, paced under the platform's rate limit.
    """
    context = runtime.current()
    publisher = _report_publisher(context.publisher)
    closed = campaigns.close_campaign(context.db, campaign_id, now=context.clock.now())
    if closed is not None:
        delivery.deliver_announcements(
            context.db, publisher, now=context.clock.now(), min_group_size=context.min_group_size
        )
    # Every step is guarded in the database, so this also runs when another
    # call closed the campaign, and each effect still happens once.
    _finish_close(campaign_id, publisher=publisher)


def _finish_close(campaign_id: int, *, publisher: ports.ReportPublisher) -> None:
    context = runtime.current()
    delivery.send_report_to_managers(
        context.db,
        publisher,
        campaign_id,
        now=context.clock.now(),
        min_group_size=context.min_group_size,
    )
    campaigns.schedule_next_in_series(
        context.db, campaign_id, timezone=publisher.timezone, now=context.clock.now()
    )
    publisher.show_voting_closed(campaign_id)


def retry_deliveries() -> None:
    """Retry failed posts of launches, reports and ideas, and finish cut-short opens and closes."""
    context = runtime.current()
    publisher = _report_publisher(context.publisher)
    now = context.clock.now()
    delivery.deliver_announcements(
        context.db, publisher, now=now, min_group_size=context.min_group_size
    )
    delivery.retry_unposted_ideas(context.db, publisher, now=now)
    # The opening job runs once, so opening messages cut short by a restart are enqueued here.
    for campaign_id in interest.openings_to_finish(context.db):
        logger.info("Finishing the opening of campaign %s", campaign_id)
        _finish_open(campaign_id)
    # The closing job runs once, so a close cut short by a restart is finished here.
    for campaign_id in delivery.closes_to_finish(context.db):
        logger.info("Finishing the close of campaign %s", campaign_id)
        _finish_close(campaign_id, publisher=publisher)
    for campaign_id in delivery.campaigns_with_ideas_to_show_closed(context.db):
        publisher.show_voting_closed(campaign_id)


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


def remove_expired_drafts() -> None:
    """Delete drafts held back by a check that their authors left undecided past expiry.

    A held draft may hold personal data, so it is not kept waiting for the next
    draft to be held.
    """
    context = runtime.current()
    removed = held_posts.remove_expired_held_posts(context.db, now=context.clock.now())
    if removed:
        logger.info("Removed %s expired held drafts", removed)


def _campaign_notifier(publisher: ChatPublisher) -> ports.CampaignNotifier:
    """Return the runtime's publisher as a CampaignNotifier, or raise TypeError if it is not."""
    if not isinstance(publisher, ports.CampaignNotifier):
        raise TypeError(
            f"{type(publisher).__name__} cannot build reminders and digests: it needs "
            "timezone, reminder_messages, digest_messages and count_staff"
        )
    return publisher


def send_campaign_reminder(campaign_id: int) -> int:
    """Enqueue an open campaign's due channel reminder; return 1 if this run enqueued it."""
    context = runtime.current()
    notifier = _campaign_notifier(context.publisher)
    return reminders.send_due_reminder(context.db, notifier, campaign_id, now=context.clock.now())


def send_campaign_digest(campaign_id: int) -> int:
    """Enqueue today's digest of an open campaign for every manager; return how many were new."""
    context = runtime.current()
    notifier = _campaign_notifier(context.publisher)
    return digest.send_due_digest(context.db, notifier, campaign_id, now=context.clock.now())


def send_board_digest(board_id: int) -> bool:
    """Enqueue a Your Shout board's due weekly digest to its lead; return True if this run did."""
    context = runtime.current()
    publisher = context.publisher
    if not isinstance(publisher, ports.BoardNotifier):
        raise TypeError(
            f"{type(publisher).__name__} cannot build board digests: it needs timezone, "
            "is_channel_member, board_digest_message, board_archived_message and "
            "lead_departed_messages"
        )
    return board_digest.send_due_board_digest(
        context.db, publisher, board_id, now=context.clock.now()
    )
