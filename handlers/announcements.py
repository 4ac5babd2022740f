"""Listeners for campaign announcements: posting one, and its "Remind me when it's live" button."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core import announcements, campaigns, interest, roles
from bot.core.errors import DeliveryFailed, NotFound
from bot.core.interest import InterestState
from bot.core.records import CampaignRecord, Person
from handlers import errors
from handlers.blocks import announcement as texts
from handlers.context import PLATFORM, HandlerContext
from handlers.ids import AnnouncementIds

logger = logging.getLogger(__name__)

# chat.postMessage errors that mean the bot cannot post in the campaign's channel.
NOT_IN_CHANNEL_REASONS = frozenset({"not_in_channel", "channel_not_found"})


def register(app: App, ctx: HandlerContext) -> None:
    """Register the "Post announcement" and "Remind me when it's live" buttons."""

    @app.action(AnnouncementIds.POST_ACTION.value)
    def handle_post_button(
        ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            ack()
            post_button(ctx, body=body, respond=respond, client=client)

    @app.action(AnnouncementIds.REMIND_ACTION.value)
    def handle_remind_button(
        ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            ack()
            remind_button(ctx, body=body, respond=respond)


def _presser(body: dict[str, Any]) -> Person:
    user = body["user"]
    team_id = (body.get("team") or {}).get("id") or user.get("team_id", "")
    return Person(platform=PLATFORM, team_id=team_id, user_id=user["id"])


def _button_campaign_id(body: dict[str, Any]) -> int | None:
    value = body["actions"][0].get("value", "")
    try:
        return int(value)
    except ValueError:
        logger.warning("Announcement button with a non-numeric value %r", value)
        return None


def _reply(respond: Respond, text: str) -> None:
    respond(text=text, response_type="ephemeral", replace_original=False)


def post_button(
    ctx: HandlerContext, *, body: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    """Post the announcement of the campaign whose creation confirmation carries the button."""
    campaign_id = _button_campaign_id(body)
    if campaign_id is None:
        _reply(respond, texts.stale_button())
        return
    _reply(respond, announce(ctx, campaign_id=campaign_id, manager=_presser(body), client=client))


def announce(ctx: HandlerContext, *, campaign_id: int, manager: Person, client: WebClient) -> str:
    """Post a campaign's announcement for a manager and return the private reply.

    Domain errors (not a manager, unknown campaign, open or closed campaign)
    propagate to errors.reported, which replies with their message.
    """
    roles.require_manager(ctx.db, manager, action="announce campaigns")
    try:
        campaign = campaigns.get_campaign(ctx.db, campaign_id)
    except NotFound:
        raise NotFound(
            f"There is no campaign {campaign_id}. Send `/campaign list` to see the campaign IDs."
        ) from None
    unannounced = announcements.announcement_message_id(ctx.db, campaign_id) is None
    if campaign.status == "scheduled" and unannounced:
        guidance = _membership_guidance(client, campaign)
        if guidance is not None:
            return guidance
    try:
        result = announcements.announce_campaign(
            ctx.db, ctx.publisher, campaign_id, by=manager, now=ctx.clock.now()
        )
    except DeliveryFailed as error:
        if error.reason in NOT_IN_CHANNEL_REASONS:
            logger.info("Announcement of campaign %s rejected: %s", campaign_id, error.reason)
            return texts.bot_not_in_channel(campaign)
        raise
    if result.message_id is None:
        return texts.announcement_in_progress(result.campaign)
    permalink = ctx.publisher.permalink(
        channel=result.campaign.channel_id, message_id=result.message_id
    )
    if result.posted:
        return texts.announcement_posted(result.campaign, permalink=permalink)
    return texts.announcement_exists(result.campaign, permalink=permalink)


def _membership_guidance(client: WebClient, campaign: CampaignRecord) -> str | None:
    """Return the invitation guidance when the bot is not in the campaign's channel."""
    try:
        response = client.conversations_info(channel=campaign.channel_id)
    except SlackApiError as error:
        reason = error.response.get("error") if error.response is not None else None
        logger.warning("conversations.info failed for channel %s: %s", campaign.channel_id, reason)
        if reason == "channel_not_found":
            return texts.bot_not_in_channel(campaign)
        raise
    if not response["channel"].get("is_member"):
        logger.info("The bot is not in channel %s of campaign %s", campaign.channel_id, campaign.id)
        return texts.bot_not_in_channel(campaign)
    return None


def remind_button(ctx: HandlerContext, *, body: dict[str, Any], respond: Respond) -> None:
    """Register or withdraw the presser's request for a message when the campaign opens."""
    campaign_id = _button_campaign_id(body)
    if campaign_id is None:
        _reply(respond, texts.stale_button())
        return
    result = interest.toggle_interest(ctx.db, _presser(body), campaign_id, now=ctx.clock.now())
    if result.state is InterestState.REGISTERED:
        text = texts.interest_registered(
            result.campaign, count=result.registered_count, timezone=ctx.timezone
        )
    elif result.state is InterestState.WITHDRAWN:
        text = texts.interest_withdrawn(result.campaign)
    elif result.state is InterestState.ALREADY_OPEN:
        text = texts.interest_already_open(result.campaign)
    else:
        text = texts.interest_closed(result.campaign)
    _reply(respond, text)
