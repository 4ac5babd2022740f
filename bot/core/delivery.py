"""Posting of ideas and campaign announcements through a ChatPublisher, once each."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.core import campaigns, ideas
from bot.core.errors import DeliveryFailed
from bot.core.ports import ChatPublisher
from bot.core.summary import campaign_summary
from storage.database import Database

logger = logging.getLogger(__name__)


def deliver_idea(
    db: Database, publisher: ChatPublisher, idea_id: int, *, now: datetime
) -> str | None:
    """Post an idea's message unless it is posted or being posted; return its message id.

    Raises DeliveryFailed when the platform rejects the message; the idea stays
    stored without a message and a later retry posts it.
    """
    if not ideas.claim_idea_post(db, idea_id, now=now):
        return None
    idea = ideas.get_idea(db, idea_id)
    message_id = publisher.post_idea(idea)
    ideas.record_idea_message(db, idea_id, message_id=message_id, vote_count=idea.vote_count)
    logger.info("Posted idea %s as message %s", idea_id, message_id)
    return message_id


def retry_unposted_ideas(db: Database, publisher: ChatPublisher, *, now: datetime) -> int:
    """Post ideas whose earlier posting failed; return how many were posted."""
    posted = 0
    for idea in ideas.unposted_ideas(db, now=now):
        logger.info("Trying again to post idea %s", idea.id)
        try:
            if deliver_idea(db, publisher, idea.id, now=now):
                posted += 1
        except DeliveryFailed as error:
            logger.warning("Idea %s still not posted: %s", idea.id, error.reason)
    return posted


def deliver_announcements(db: Database, publisher: ChatPublisher, *, now: datetime) -> int:
    """Post every campaign launch and closing summary not posted yet; return how many."""
    posted = 0
    for campaign, kind in campaigns.pending_announcements(db):
        if not campaigns.claim_announcement(db, campaign.id, kind=kind, now=now):
            continue
        try:
            if kind == "launch":
                message_id = publisher.post_launch(campaign)
            else:
                message_id = publisher.post_summary(campaign_summary(db, campaign.id))
        except DeliveryFailed as error:
            logger.warning("Campaign %s %s message not posted: %s", campaign.id, kind, error.reason)
            continue
        campaigns.record_announcement(db, campaign.id, kind=kind, message_id=message_id)
        logger.info("Posted campaign %s %s message %s", campaign.id, kind, message_id)
        posted += 1
    return posted
