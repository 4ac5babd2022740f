"""A campaign's channels on other platforms, so one campaign runs in Slack and Teams at once."""

from __future__ import annotations

import logging

from bot.core.campaigns import campaign_record
from bot.core.errors import InvalidInput, NotFound
from bot.core.records import CampaignRecord
from storage import campaigns as campaign_store
from storage.database import Database

logger = logging.getLogger(__name__)

PLATFORMS = ("slack", "teams")
# The platform names that messages show.
_DISPLAY_NAMES = {"slack": "Slack", "teams": "Teams"}


def add_campaign_channel(
    db: Database, campaign_id: int, *, platform: str, channel_id: str
) -> CampaignRecord:
    """Run a scheduled or open campaign in a channel of another platform as well.

    The campaign keeps its own channel; ideas sent from the new platform are posted in
    the new channel, and the campaign's report counts both. Setting the channel again
    moves it. Raises InvalidInput for the campaign's own platform, an unknown platform,
    an empty channel, a closed campaign, or a channel another campaign runs in.
    """
    channel_id = channel_id.strip()
    if platform not in PLATFORMS:
        raise InvalidInput(
            f"{platform!r} is not a platform staffvoice serves: use slack or teams.",
            field="platform",
        )
    if not channel_id:
        raise InvalidInput("Name the channel the campaign should also run in.", field="channel")
    with db.transaction() as session:
        campaign = campaign_store.get_campaign(session, campaign_id)
        if campaign is None:
            raise NotFound(
                f"There is no campaign {campaign_id}. List the campaigns to find its id."
            )
        if campaign.status not in ("scheduled", "open"):
            raise InvalidInput(
                f"Campaign {campaign_id} is {campaign.status}, so it cannot take another channel.",
                field="campaign",
            )
        if platform == campaign.platform:
            other_platform = "Slack" if platform == "teams" else "Teams"
            raise InvalidInput(
                f"Campaign {campaign_id} runs in {_DISPLAY_NAMES.get(platform, platform)} "
                f"already, in its own channel. To run it in a {other_platform} channel as well, "
                f"run `staffvoice campaign add-channel {campaign_id} --channel CHANNEL_ID`.",
                field="platform",
            )
        for other in campaign_store.list_campaigns(session, statuses=("scheduled", "open")):
            if other.id != campaign_id and (
                campaign_store.campaign_channels(session, other).get(platform) == channel_id
            ):
                raise InvalidInput(
                    f"Campaign {other.id} runs in that channel already; choose another channel.",
                    field="channel",
                )
        campaign_store.set_campaign_channel(
            session, campaign_id, platform=platform, channel_id=channel_id
        )
        record = campaign_record(campaign)
    logger.info("Campaign %s also runs on %s", campaign_id, platform)
    return record


def record_channel_message(
    db: Database, campaign_id: int, *, platform: str, kind: str, message_id: str
) -> None:
    """Store the id of a campaign's "launch" or "summary" message in its other channel."""
    with db.transaction() as session:
        row = campaign_store.get_campaign_channel(session, campaign_id, platform=platform)
        if row is None:
            return
        if kind == "launch":
            row.launch_message_id = message_id
        else:
            row.summary_message_id = message_id


def channel_message(db: Database, campaign_id: int, *, platform: str, kind: str) -> str | None:
    """Return the id of a campaign's "launch" or "summary" message in its other channel."""
    with db.read() as session:
        row = campaign_store.get_campaign_channel(session, campaign_id, platform=platform)
        if row is None:
            return None
        return row.launch_message_id if kind == "launch" else row.summary_message_id
