"""Campaigns: creation, listing, and the open and close transitions the scheduler drives."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.errors import InvalidInput, NotFound
from bot.core.records import CampaignRecord
from bot.core.schedule import end_of_campaign, parse_start
from storage import campaigns as campaign_store
from storage.database import Database
from storage.models import Campaign

logger = logging.getLogger(__name__)

DEFAULT_DAYS = 20
MAX_DAYS = 366
MAX_TITLE_LENGTH = 200
# A process that claimed an announcement but did not record it within this
# time is taken to have failed, and another attempt may post it.
ANNOUNCEMENT_RETRY_AFTER = timedelta(minutes=2)


def campaign_record(campaign: Campaign) -> CampaignRecord:
    """Copy a campaign row into a detached record."""
    return CampaignRecord(
        id=campaign.id,
        title=campaign.title,
        platform=campaign.platform,
        channel_id=campaign.channel_id,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        status=campaign.status,
    )


def create_campaign(
    db: Database,
    *,
    title: str,
    channel_id: str,
    starts: str,
    days: int = DEFAULT_DAYS,
    timezone: ZoneInfo,
    now: datetime,
    platform: str = "slack",
) -> CampaignRecord:
    """Validate and store a scheduled campaign; the scheduler opens it at its start."""
    title = title.strip()
    if not title:
        raise InvalidInput("The campaign title is empty: give it a title staff will recognise.")
    if len(title) > MAX_TITLE_LENGTH:
        raise InvalidInput(
            f"The campaign title has {len(title)} characters; the maximum is {MAX_TITLE_LENGTH}."
        )
    channel_id = channel_id.strip()
    if not channel_id:
        raise InvalidInput("The channel is missing: give the id of the channel to run it in.")
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"A campaign lasts 1 to {MAX_DAYS} days, not {days}.")
    starts_at = parse_start(starts, timezone=timezone, now=now)
    ends_at = end_of_campaign(starts_at, days=days, timezone=timezone)
    with db.transaction() as session:
        campaign = campaign_store.add_campaign(
            session,
            title=title,
            platform=platform,
            channel_id=channel_id,
            starts_at=starts_at,
            ends_at=ends_at,
            created_at=now,
        )
        record = campaign_record(campaign)
    logger.info(
        "Created campaign %s in channel %s, %s to %s", record.id, channel_id, starts_at, ends_at
    )
    return record


def list_campaigns(
    db: Database, *, statuses: tuple[str, ...] | None = None
) -> list[CampaignRecord]:
    """Return campaigns by start time, optionally only those in the given statuses."""
    with db.transaction() as session:
        return [
            campaign_record(c) for c in campaign_store.list_campaigns(session, statuses=statuses)
        ]


def get_campaign(db: Database, campaign_id: int) -> CampaignRecord:
    """Return one campaign, raising NotFound when there is none with this id."""
    with db.transaction() as session:
        campaign = campaign_store.get_campaign(session, campaign_id)
        if campaign is None:
            raise NotFound(f"There is no campaign {campaign_id}.")
        return campaign_record(campaign)


def open_campaign(db: Database, campaign_id: int, *, now: datetime) -> CampaignRecord | None:
    """Open a scheduled campaign whose start has come.

    Returns the campaign when this call opened it, and None when it is not
    due yet or was opened or closed already, by this process or another.
    """
    with db.transaction() as session:
        campaign = campaign_store.get_campaign(session, campaign_id)
        if campaign is None or campaign.status != "scheduled" or campaign.starts_at > now:
            return None
        if not campaign_store.mark_campaign_open(session, campaign_id, now=now):
            return None
        session.refresh(campaign)
        record = campaign_record(campaign)
    logger.info("Opened campaign %s", campaign_id)
    return record


def close_campaign(db: Database, campaign_id: int, *, now: datetime) -> CampaignRecord | None:
    """Close an open campaign whose end has come.

    Returns the campaign when this call closed it, and None when it is not
    due yet or not open, so a repeated or concurrent call changes nothing.
    """
    with db.transaction() as session:
        campaign = campaign_store.get_campaign(session, campaign_id)
        if campaign is None or campaign.status != "open" or campaign.ends_at > now:
            return None
        if not campaign_store.mark_campaign_closed(session, campaign_id, now=now):
            return None
        session.refresh(campaign)
        record = campaign_record(campaign)
    logger.info("Closed campaign %s", campaign_id)
    return record


def claim_announcement(db: Database, campaign_id: int, *, kind: str, now: datetime) -> bool:
    """Claim the posting of a campaign's "launch" or "summary" message for this process."""
    with db.transaction() as session:
        return campaign_store.claim_announcement(
            session, campaign_id, kind=kind, now=now, retry_after=ANNOUNCEMENT_RETRY_AFTER
        )


def record_announcement(db: Database, campaign_id: int, *, kind: str, message_id: str) -> None:
    """Store the id of a posted "launch" or "summary" message."""
    with db.transaction() as session:
        campaign_store.set_announcement_message(
            session, campaign_id, kind=kind, message_id=message_id
        )


def pending_announcements(db: Database) -> list[tuple[CampaignRecord, str]]:
    """Return (campaign, kind) for launch and summary messages not posted yet."""
    pending: list[tuple[CampaignRecord, str]] = []
    with db.transaction() as session:
        for campaign in campaign_store.list_campaigns(session, statuses=("open", "closed")):
            if campaign.launch_message_id is None and campaign.status == "open":
                pending.append((campaign_record(campaign), "launch"))
            if campaign.summary_message_id is None and campaign.status == "closed":
                pending.append((campaign_record(campaign), "summary"))
    return pending
