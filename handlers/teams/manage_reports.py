"""Final reports for managers in Teams: `report ID` sends a closed campaign's report card."""

from __future__ import annotations

import logging
from typing import Any

from bot.core import campaigns, roles
from bot.core.delivery import final_report
from bot.core.records import CampaignRecord
from bot.core.schedule import format_local
from handlers.teams.activity import conversation_kind, sender
from handlers.teams.cards import Card
from handlers.teams.cards_report import report_card
from handlers.teams.command_args import whole_number
from handlers.teams.context import TeamsContext
from handlers.teams.front import TeamsFront

logger = logging.getLogger(__name__)

USAGE = "report ID"
PERSONAL_ONLY = (
    "Send **report** in your personal chat with staffvoice: the report shows participation "
    "by group, which is for managers only, so the bot does not post it here."
)


def register(front: TeamsFront) -> None:
    """Add the report command to the front."""
    front.add_command(report_command)


def _latest_closed(ctx: TeamsContext) -> CampaignRecord | None:
    closed = campaigns.list_campaigns(ctx.db, statuses=("closed",))
    return max(closed, key=lambda campaign: (campaign.ends_at, campaign.id), default=None)


def report_command(ctx: TeamsContext, activity: dict[str, Any], text: str) -> Card | str | None:
    """Return a closed campaign's final report card, with participation by group, for a manager.

    `report` alone reports the campaign that closed last. Raises PermissionDenied
    for anyone but a manager, and NotFound for an unknown campaign.
    """
    words = text.split()
    if not words or words[0].lower() != "report":
        return None
    manager = sender(activity)
    roles.require_manager(ctx.db, manager, action="see campaign reports")
    if conversation_kind(activity) != "personal":
        return PERSONAL_ONLY
    if len(words) > 2:
        return f"Write it as **{USAGE}**, with the ID that **campaigns** lists."
    if len(words) == 2:
        campaign_id = whole_number(words[1], name="campaign ID", usage=USAGE)
        campaign = campaigns.get_campaign(ctx.db, campaign_id)
    else:
        latest = _latest_closed(ctx)
        if latest is None:
            return (
                "No campaign has closed yet, so there is no final report. "
                "**campaigns** lists the open and scheduled ones."
            )
        campaign = latest
    if campaign.status == "open":
        return (
            f"Campaign {campaign.id} is open until "
            f"{format_local(campaign.ends_at, ctx.timezone)}, and its final report is ready "
            f"when it closes. To close it now, send **campaign close {campaign.id}**."
        )
    if campaign.status != "closed":
        return (
            f"Campaign {campaign.id} is {campaign.status}, so no one has taken part and "
            "there is no report."
        )
    report = final_report(
        ctx.db,
        campaign.id,
        publisher=ctx.publisher,
        now=ctx.clock.now(),
        min_group_size=ctx.min_group_size,
    )
    logger.info("Sent the report of campaign %s to %s in Teams", campaign.id, manager.user_id)
    return report_card(report, by_group=True)
