"""The announcement a manager posts in a campaign's channel before it opens, once per campaign."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core import roles
from bot.core.campaigns import campaign_record
from bot.core.errors import DeliveryFailed, InvalidInput, NotFound
from bot.core.ports import AnnouncementPublisher
from bot.core.records import CampaignRecord, Person
from storage import announcements as announcement_store
from storage import campaigns as campaign_store
from storage.database import Database

logger = logging.getLogger(__name__)

# A claim on an announcement that was not recorded within this time is taken
# to belong to a request that died, and another request may post it.
CLAIM_RETRY_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class AnnouncementResult:
    """The outcome of an announce request.

    posted is False when the announcement was posted before, and message_id is
    then the earlier message, or None while another request is still posting it.
    """

    campaign: CampaignRecord
    posted: bool
    message_id: str | None


def announce_campaign(
    db: Database,
    publisher: AnnouncementPublisher,
    campaign_id: int,
    *,
    by: Person | None,
    now: datetime,
) -> AnnouncementResult:
    """Post a scheduled campaign's announcement in its channel unless it is posted already.

    by is the manager asking; None means an administrator, and skips the role
    check. The claim is committed before the post, so two requests at once
    post one announcement. Raises NotFound for an unknown campaign,
    InvalidInput for one that is open or closed, and DeliveryFailed when the
    platform rejects the post, after releasing the claim so it can be tried again.
    """
    if by is not None:
        roles.require_manager(db, by, action="announce campaigns")
    with db.transaction() as session:
        campaign = campaign_store.get_campaign(session, campaign_id)
        if campaign is None:
            raise NotFound(
                f"There is no campaign {campaign_id}. List the campaigns to find its id."
            )
        record = campaign_record(campaign)
        if campaign.announcement_message_id is not None:
            return AnnouncementResult(
                campaign=record, posted=False, message_id=campaign.announcement_message_id
            )
        _require_scheduled(record)
        if not announcement_store.claim_announcement(
            session, campaign_id, now=now, retry_after=CLAIM_RETRY_AFTER
        ):
            return AnnouncementResult(campaign=record, posted=False, message_id=None)

    try:
        message_id = publisher.post_announcement(record)
    except DeliveryFailed as error:
        with db.transaction() as session:
            announcement_store.release_announcement(session, campaign_id)
        logger.warning("Announcement of campaign %s not posted: %s", campaign_id, error.reason)
        raise

    with db.transaction() as session:
        recorded = announcement_store.set_announcement_message(
            session, campaign_id, message_id=message_id
        )
    if not recorded:
        # NOTE: only a request that outlived CLAIM_RETRY_AFTER while another took
        # its claim over gets here, and the channel then shows two announcements.
        logger.warning(
            "Campaign %s was announced twice, again as message %s", campaign_id, message_id
        )
    logger.info("Posted the announcement of campaign %s as message %s", campaign_id, message_id)
    return AnnouncementResult(campaign=record, posted=True, message_id=message_id)


def _require_scheduled(campaign: CampaignRecord) -> None:
    if campaign.status == "open":
        raise InvalidInput(
            f"Campaign {campaign.id} is open already, so there is nothing to announce "
            "ahead of it. Its launch message in the campaign's channel tells staff how "
            "to take part.",
            field="campaign",
        )
    if campaign.status != "scheduled":
        raise InvalidInput(
            f"Campaign {campaign.id} has closed, so it cannot be announced. "
            "Create a new campaign and announce that one.",
            field="campaign",
        )


def announcement_message_id(db: Database, campaign_id: int) -> str | None:
    """Return the message id of a campaign's posted announcement, or None when there is none."""
    with db.transaction() as session:
        campaign = campaign_store.get_campaign(session, campaign_id)
        return campaign.announcement_message_id if campaign is not None else None
