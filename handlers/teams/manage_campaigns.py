"""Campaigns for managers in Teams: the campaign form, and the campaign text commands.

`campaign` sends the form, which createCampaign submits. `campaigns` lists them,
and `campaign add|close|extend|cancel ID ...` change one. Each calls the core
function that Slack's /campaign calls, after the same manager check.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, time, timedelta
from typing import Any

from bot.core import campaigns, roles
from bot.core.campaign_channels import add_campaign_channel, record_channel_message
from bot.core.conversations import find_conversation
from bot.core.errors import DeliveryFailed, InvalidInput
from bot.core.records import CampaignRecord
from bot.core.schedule import START_FORMAT, format_local, is_past_wall_time
from handlers.teams.activity import PLATFORM, sender
from handlers.teams.cards import Card, notice_card
from handlers.teams.cards_campaigns import campaign_list_card
from handlers.teams.cards_ids import TOGGLE_ON, CampaignInput, CardVerb
from handlers.teams.cards_manage import DEFAULT_DAYS, DEFAULT_START_TIME, campaign_form
from handlers.teams.command_args import (
    channel_choices,
    channel_label,
    command_channel,
    known_channel,
    resolve_channel,
    whole_number,
)
from handlers.teams.context import TeamsContext
from handlers.teams.front import TeamsFront
from handlers.teams.responses import Response, card_response, notice_response, with_action_data

logger = logging.getLogger(__name__)

CAMPAIGN_HELP = (
    "**campaign** sends the form that creates a campaign. **campaigns** lists them. "
    "**campaign add ID CHANNEL** runs a campaign in a Teams channel as well, named by its "
    "name or id. **campaign close ID** closes an open campaign now, **campaign extend ID DAYS** "
    "moves its close later by whole days, and **campaign cancel ID** calls off a scheduled "
    "one. **report ID** shows a closed campaign's final report. These commands are for "
    "engagement managers."
)
# The words after "campaign" each subcommand takes, and how to write it.
USAGE = {
    "close": (1, "campaign close ID"),
    "cancel": (1, "campaign cancel ID"),
    "extend": (2, "campaign extend ID DAYS"),
}
ADD_USAGE = "campaign add ID CHANNEL"
NO_CHANNELS = (
    "The bot has not seen a Teams channel yet, so there is none to run a campaign in. "
    "Add the staffvoice app to a team in Teams, then send campaign again."
)
# Input.Time sends HH:MM. Seconds, should a client add them, are dropped.
TIME_PATTERN = re.compile(r"(\d{2}:\d{2})(:\d{2})?")


def register(front: TeamsFront) -> None:
    """Add the campaign commands and the campaign form's action to the front."""
    front.add_command(campaign_command)
    front.add_card_handler(CardVerb.CREATE_CAMPAIGN, create_from_card)


def campaign_command(ctx: TeamsContext, activity: dict[str, Any], text: str) -> Card | str | None:
    """Run a campaign command for a manager; return None for text that is not one.

    Raises PermissionDenied for anyone else, and InvalidInput or NotFound for a
    command the core rejects. The front sends their message, and nothing changes.
    """
    words = text.split()
    if not words:
        return None
    head = words[0].lower()
    if head == "campaigns":
        action, arguments = "list", words[1:]
    elif head == "campaign":
        action = words[1].lower() if len(words) > 1 else "new"
        arguments = words[2:]
    else:
        return None
    if action in {"help", "?"}:
        return CAMPAIGN_HELP
    manager = sender(activity)
    roles.require_manager(ctx.db, manager, action="run campaigns")
    now = ctx.clock.now()

    if action == "new" and not arguments:
        return _form(ctx, activity)
    if action == "list" and not arguments:
        return _list(ctx)
    if action == "add":
        return _add_channel(ctx, arguments)
    if action not in USAGE:
        return f"**{text}** is not a campaign command. {CAMPAIGN_HELP}"
    count, usage = USAGE[action]
    if len(arguments) != count:
        return f"Write it as **{usage}**, with the ID that **campaigns** lists."
    campaign_id = whole_number(arguments[0], name="campaign ID", usage=usage)
    if action == "close":
        record = campaigns.close_campaign_early(ctx.db, campaign_id, by=manager, now=now)
        return (
            f"Campaign {record.id} closes now. The bot posts its closing message within a "
            f"minute; then **report {record.id}** shows its final report."
        )
    if action == "cancel":
        record = campaigns.cancel_campaign(ctx.db, campaign_id, by=manager, now=now)
        return f"Campaign {record.id} is cancelled and will not open."
    days = whole_number(arguments[1], name="number of days", usage=usage)
    record = campaigns.extend_campaign(
        ctx.db, campaign_id, days=days, by=manager, now=now, timezone=ctx.timezone
    )
    return f"Campaign {record.id} now closes {format_local(record.ends_at, ctx.timezone)}."


def _form(
    ctx: TeamsContext,
    activity: dict[str, Any],
    *,
    values: dict[str, str] | None = None,
    error: str | None = None,
    error_field: str | None = None,
) -> Card | str:
    """Return the campaign form: for the channel it is sent in, or with a channel choice."""
    local_now = ctx.clock.now().astimezone(ctx.timezone)
    today = local_now.date()
    if values is None and local_now.time() >= time.fromisoformat(DEFAULT_START_TIME):
        # The form's default start is 09:00; once that has passed, it offers tomorrow.
        values = {
            CampaignInput.START_DATE.value: (today + timedelta(days=1)).isoformat(),
            CampaignInput.DAYS.value: str(DEFAULT_DAYS),
        }
    channel = command_channel(activity)
    if channel is not None:
        card = campaign_form(
            values=values,
            error=error,
            error_field=error_field,
            today=today,
            timezone_name=ctx.timezone.key,
        )
        return with_action_data(card, {CampaignInput.CHANNEL.value: channel})
    choices = channel_choices(ctx.db)
    if not choices:
        return NO_CHANNELS
    return campaign_form(
        values=values,
        error=error,
        error_field=error_field,
        channels=choices,
        today=today,
        timezone_name=ctx.timezone.key,
    )


def _list(ctx: TeamsContext) -> Card | str:
    listed = campaigns.list_campaigns(ctx.db)
    if not listed:
        return "There are no campaigns yet. Send **campaign** to create one."
    return campaign_list_card(
        listed,
        timezone=ctx.timezone,
        channel_label=lambda platform, channel: channel_label(
            ctx.db, platform=platform, channel_id=channel
        ),
    )


def _add_channel(ctx: TeamsContext, arguments: list[str]) -> Card | str:
    """Run a campaign in a Teams channel as well; post its opening card there if it is open."""
    if len(arguments) < 2:
        return (
            f"Write it as **{ADD_USAGE}**, with the ID that **campaigns** lists and the Teams "
            "channel's name or id."
        )
    campaign_id = whole_number(arguments[0], name="campaign ID", usage=ADD_USAGE)
    channel = resolve_channel(ctx.db, " ".join(arguments[1:]))
    before = campaigns.get_campaign(ctx.db, campaign_id).channel_on(PLATFORM)
    record = add_campaign_channel(
        ctx.db, campaign_id, platform=PLATFORM, channel_id=channel.conversation_id
    )
    where = channel.name or channel.conversation_id
    done = f"Campaign {record.id}, {record.title}, now runs in the Teams channel {where} as well."
    if before and before != channel.conversation_id:
        # A campaign has one channel per platform, so this moved it.
        previous = find_conversation(ctx.db, before)
        done += f" It no longer runs in {previous.name if previous and previous.name else before}."
    if record.status != "open":
        return notice_card(
            "Channel added", f"{done} Its opening card is posted there when it opens."
        )
    try:
        message_id = ctx.publisher.post_launch(record)
    except DeliveryFailed as error:
        logger.warning("Campaign %s opening card not posted in Teams (%s)", record.id, error.reason)
        return notice_card(
            "Channel added",
            f"{done} Its opening card could not be posted there: {error.user_message}",
        )
    record_channel_message(
        ctx.db, record.id, platform=PLATFORM, kind="launch", message_id=message_id
    )
    return notice_card("Channel added", f"{done} Its opening card is posted there.")


def _form_values(data: dict[str, Any]) -> dict[str, str]:
    return {
        key.value: str(data[key.value]).strip()
        for key in CampaignInput
        if data.get(key.value) is not None
    }


def _whole_days(text: str) -> int | None:
    """Return the days an Input.Number sent, "20" or "20.0", or None when not a whole number."""
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _checked_form(ctx: TeamsContext, values: dict[str, str]) -> tuple[str, int, list[str]]:
    """Return the form's start ("YYYY-MM-DD HH:MM"), days and questions, checked as on Slack.

    Raises InvalidInput naming the first field at fault. The core checks the
    rest when it creates the campaign.
    """
    topics = [line.strip() for line in values.get(CampaignInput.TOPICS, "").splitlines()]
    topics = [topic for topic in topics if topic]
    if not topics:
        raise InvalidInput("Write at least one question, one per line.", field="topics")

    channel = values.get(CampaignInput.CHANNEL)
    if not channel:
        raise InvalidInput("Choose the channel to run the campaign in.", field="channel")
    known_channel(ctx.db, channel)

    start_date = values.get(CampaignInput.START_DATE)
    if not start_date:
        raise InvalidInput("Choose the start date.", field="starts")
    start_time = values.get(CampaignInput.START_TIME, "").strip()
    if not start_time:
        raise InvalidInput("Choose the start time, as HH:MM.", field=CampaignInput.START_TIME.value)
    match = TIME_PATTERN.fullmatch(start_time)
    if match is None:
        raise InvalidInput(
            f"{start_time} is not a time in the form HH:MM: write it as, for example, 09:00.",
            field=CampaignInput.START_TIME.value,
        )
    starts = f"{start_date} {match.group(1)}"
    try:
        datetime.strptime(match.group(1), "%H:%M")
    except ValueError:
        raise InvalidInput(
            f"{match.group(1)} is not a time of day: choose the start time as HH:MM, such as "
            "09:00.",
            field=CampaignInput.START_TIME.value,
        ) from None
    try:
        wall_time = datetime.strptime(starts, START_FORMAT)
    except ValueError:
        raise InvalidInput(
            f"{start_date} is not a date: choose the start date in the calendar.", field="starts"
        ) from None
    if is_past_wall_time(wall_time, timezone=ctx.timezone, now=ctx.clock.now()):
        raise InvalidInput(
            f"{starts} ({ctx.timezone.key}) has passed: choose a later date or time.",
            field="starts",
        )

    days = _whole_days(values.get(CampaignInput.DAYS, ""))
    if days is None:
        raise InvalidInput(
            f"Give the length as a whole number of days, 1 to {campaigns.MAX_DAYS}.",
            field="days",
        )
    return starts, days, topics


def create_from_card(ctx: TeamsContext, activity: dict[str, Any], data: dict[str, Any]) -> Response:
    """Create a campaign from the form; show the form again, with the error, on bad input.

    Nothing is stored unless every check passes, because create_campaign stores
    the campaign and its topics in one transaction after validating them.
    """
    manager = sender(activity)
    # Checked again because the role may have been revoked while the form was open.
    roles.require_manager(ctx.db, manager, action="create campaigns")
    values = _form_values(data)
    try:
        starts, days, topics = _checked_form(ctx, values)
        record = campaigns.create_campaign(
            ctx.db,
            title=values.get(CampaignInput.NAME, ""),
            channel_id=values[CampaignInput.CHANNEL],
            platform=PLATFORM,
            starts=starts,
            days=days,
            timezone=ctx.timezone,
            now=ctx.clock.now(),
            topics=topics,
            hide_counts=values.get(CampaignInput.HIDE_COUNTS) == TOGGLE_ON,
            created_by=manager.user_id,
        )
    except InvalidInput as error:
        logger.info("Campaign form of user %s rejected at %s", manager.user_id, error.field)
        form = _form(
            ctx, activity, values=values, error=error.user_message, error_field=error.field
        )
        if isinstance(form, str):
            return notice_response("Not created", form, style="attention")
        return card_response(form)
    logger.info("User %s created campaign %s from the Teams form", manager.user_id, record.id)
    return notice_response("Campaign created", created_text(ctx, record), style="good")


def created_text(ctx: TeamsContext, record: CampaignRecord) -> str:
    """Return the confirmation of a new campaign: where, when, and its questions."""
    where = channel_label(ctx.db, platform=record.platform, channel_id=record.channel_id)
    questions = " ".join(f"{topic.position}. {topic.question}" for topic in record.topics)
    return (
        f"Campaign {record.id}, {record.title}, is scheduled in {where}. It opens "
        f"{format_local(record.starts_at, ctx.timezone)}, when its opening card is posted "
        f"there, and closes {format_local(record.ends_at, ctx.timezone)}. Questions: {questions}"
    )
