"""Listeners for /campaign and the campaign modal: create, list, close early and extend."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core import campaigns, roles
from bot.core.errors import InvalidInput
from bot.core.records import Person
from bot.core.schedule import START_FORMAT, is_past_wall_time
from handlers import (
    announcements,
    errors,
    group_reminders,
    moderation,
    participation,
    replies,
    report_files,
    yousaid,
)
from handlers.blocks.announcement import created_confirmation
from handlers.blocks.campaigns_modal import (
    FINAL_REMINDER_ACTION,
    FINAL_REMINDER_BLOCK,
    REMINDER_DAYS_ACTION,
    REMINDER_DAYS_BLOCK,
    campaign_modal,
)
from handlers.context import PLATFORM, HandlerContext
from handlers.ids import CampaignIds

logger = logging.getLogger(__name__)

# Core validation fields and the modal blocks that show their errors.
FIELD_BLOCKS = {
    "title": CampaignIds.TITLE_BLOCK,
    "topics": CampaignIds.TOPICS_BLOCK,
    "channel": CampaignIds.CHANNEL_BLOCK,
    "starts": CampaignIds.DATE_BLOCK,
    "days": CampaignIds.DAYS_BLOCK,
    "reminder_days": REMINDER_DAYS_BLOCK,
    "final_reminder_hours": FINAL_REMINDER_BLOCK,
}


def register(app: App, ctx: HandlerContext) -> None:
    """Register the /campaign command and the campaign modal's submission."""

    @app.command("/campaign")
    def handle_campaign_command(
        ack: Ack,
        body: dict[str, Any],
        command: dict[str, Any],
        client: WebClient,
        respond: Respond,
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            campaign_command(ctx, ack=ack, command=command, client=client, respond=respond)

    @app.view(CampaignIds.MODAL_CALLBACK.value)
    def handle_campaign_submission(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            campaign_submission(ctx, ack=ack, body=body, view=view, client=client)


# The words each subcommand takes, and how to write it, for the reply to a wrong count.
USAGE = {
    "edit": (2, "one campaign ID: `/campaign edit ID`"),
    "cancel": (2, "one campaign ID: `/campaign cancel ID`"),
    "close": (2, "one campaign ID: `/campaign close ID`"),
    "extend": (3, "a campaign ID and a number of days: `/campaign extend ID DAYS`"),
    "remind": (2, "one campaign ID: `/campaign remind ID`"),
}


def campaign_command(
    ctx: HandlerContext,
    *,
    ack: Ack,
    command: dict[str, Any],
    client: WebClient,
    respond: Respond,
) -> None:
    """Open the campaign modal, or list, announce, close or extend campaigns, for managers only.

    A PermissionDenied or InvalidInput raised here reaches errors.reported,
    which replies privately, so a refused request changes nothing.
    """
    manager = Person(platform=PLATFORM, team_id=command["team_id"], user_id=command["user_id"])
    words = (command.get("text") or "").split()
    action = words[0].lower() if words else ""
    if action in {"help", "?"}:
        ack(text=replies.CAMPAIGN_HELP)
        return
    roles.require_manager(ctx.db, manager, action="run campaigns")
    now = ctx.clock.now()
    if not words:
        ack()
        today = now.astimezone(ctx.timezone).date()
        client.views_open(
            trigger_id=command["trigger_id"],
            view=campaign_modal(today=today, timezone=ctx.timezone),
        )
        return
    if action == "list" and len(words) == 1:
        ack(text=replies.campaign_list(campaigns.list_campaigns(ctx.db), timezone=ctx.timezone))
        return
    if action == "announce":
        if len(words) != 2:
            ack(text="Give one campaign ID: `/campaign announce ID`, as `/campaign list` shows.")
            return
        campaign_id = _whole_number(words[1], name="campaign ID", field="campaign")
        # Posting calls Slack twice, so the reply goes to the response URL after the ack.
        ack()
        reply = announcements.announce(ctx, campaign_id=campaign_id, manager=manager, client=client)
        respond(text=reply, response_type="ephemeral")
        return
    if action == "report":
        report = participation.campaign_report_command(
            ctx, ack=ack, respond=respond, manager=manager, arguments=words[1:]
        )
        if report is not None:
            report_files.send_report_chart(client, respond, manager=manager, report=report)
        return
    if action == "yousaid":
        yousaid.yousaid_command(ctx, ack=ack, manager=manager, arguments=words[1:])
        return
    if action == "moderate" and len(words) == 1:
        moderation.show_queue(ctx, ack=ack, respond=respond, manager=manager)
        return
    if action == "export":
        report_files.campaign_export_command(
            ctx, ack=ack, respond=respond, client=client, manager=manager, arguments=words[1:]
        )
        return
    if action in USAGE and len(words) != USAGE[action][0]:
        ack(text=f"Give {USAGE[action][1]}, as `/campaign list` shows.")
        return
    if action == "edit":
        campaign_id = _whole_number(words[1], name="campaign ID", field="campaign")
        campaign = campaigns.get_campaign(ctx.db, campaign_id)
        if campaign.status != "scheduled":
            advice = "Extend or close it instead." if campaign.status == "open" else ""
            ack(
                text=f"Campaign {campaign_id} is {campaign.status} already, so it can no longer "
                f"be edited. {advice}".rstrip()
            )
            return
        ack()
        today = now.astimezone(ctx.timezone).date()
        client.views_open(
            trigger_id=command["trigger_id"],
            view=campaign_modal(today=today, timezone=ctx.timezone, campaign=campaign),
        )
        return
    if action == "remind":
        campaign_id = _whole_number(words[1], name="campaign ID", field="campaign")
        group_reminders.open_form(
            ctx, ack=ack, campaign_id=campaign_id, trigger_id=command["trigger_id"], client=client
        )
        return
    if action == "cancel":
        campaign_id = _whole_number(words[1], name="campaign ID", field="campaign")
        record = campaigns.cancel_campaign(ctx.db, campaign_id, by=manager, now=now)
        ack(text=replies.campaign_cancelled(record))
        return
    if action == "close":
        campaign_id = _whole_number(words[1], name="campaign ID", field="campaign")
        record = campaigns.close_campaign_early(ctx.db, campaign_id, by=manager, now=now)
        ack(text=replies.campaign_closing(record))
        return
    if action == "extend":
        campaign_id = _whole_number(words[1], name="campaign ID", field="campaign")
        days = _whole_number(words[2], name="number of days", field="days")
        record = campaigns.extend_campaign(
            ctx.db, campaign_id, days=days, by=manager, now=now, timezone=ctx.timezone
        )
        ack(text=replies.campaign_extended(record, timezone=ctx.timezone))
        return
    ack(
        text=f"`/campaign {command.get('text', '').strip()}` is not a campaign command. "
        + replies.CAMPAIGN_HELP
    )


def campaign_submission(
    ctx: HandlerContext, *, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Create a campaign from the modal; invalid input is shown beside the field at fault."""
    user_id = body["user"]["id"]
    manager = Person(platform=PLATFORM, team_id=body["user"].get("team_id", ""), user_id=user_id)
    # The role is checked again because it may have been revoked while the modal was open.
    editing = str(view.get("private_metadata") or "")
    roles.require_manager(
        ctx.db, manager, action="edit campaigns" if editing else "create campaigns"
    )
    values = view["state"]["values"]
    title = _value(values, CampaignIds.TITLE_BLOCK, CampaignIds.TITLE_ACTION, "value") or ""
    topics_text = _value(values, CampaignIds.TOPICS_BLOCK, CampaignIds.TOPICS_ACTION, "value")
    channel_id = _value(
        values, CampaignIds.CHANNEL_BLOCK, CampaignIds.CHANNEL_ACTION, "selected_conversation"
    )
    start_date = _value(values, CampaignIds.DATE_BLOCK, CampaignIds.DATE_ACTION, "selected_date")
    start_time = _value(values, CampaignIds.TIME_BLOCK, CampaignIds.TIME_ACTION, "selected_time")
    days_text = _value(values, CampaignIds.DAYS_BLOCK, CampaignIds.DAYS_ACTION, "value")
    selected = (
        values.get(CampaignIds.OPTIONS_BLOCK, {})
        .get(CampaignIds.OPTIONS_ACTION, {})
        .get("selected_options")
        or []
    )
    options = {option.get("value") for option in selected}

    topics = [line.strip() for line in (topics_text or "").splitlines() if line.strip()]
    field_errors: dict[str, str] = {}
    if not topics:
        field_errors[CampaignIds.TOPICS_BLOCK.value] = "Write at least one question, one per line."
    if not start_date:
        field_errors[CampaignIds.DATE_BLOCK.value] = "Choose the start date."
    if not start_time:
        field_errors[CampaignIds.TIME_BLOCK.value] = "Choose the start time."
    if start_date and start_time and _start_is_past(ctx, f"{start_date} {start_time}"):
        field_errors[CampaignIds.DATE_BLOCK.value] = (
            f"{start_date} {start_time} ({ctx.timezone.key}) has passed: choose a later date "
            "or time."
        )
    days = _modal_days(days_text, field_errors)
    reminder_days = _modal_reminder_days(values, field_errors)
    final_reminder_hours = _modal_final_reminder_hours(values, field_errors)
    if not channel_id:
        field_errors[CampaignIds.CHANNEL_BLOCK.value] = "Choose the channel to run it in."
    else:
        channel_error = _membership_error(client, channel_id)
        if channel_error:
            field_errors[CampaignIds.CHANNEL_BLOCK.value] = channel_error
    if field_errors:
        ack(response_action="errors", errors=field_errors)
        return

    assert channel_id is not None and days is not None
    if editing.isdigit():
        _save_edit(
            ctx,
            ack=ack,
            client=client,
            manager=manager,
            campaign_id=int(editing),
            changes={
                "title": title,
                "channel_id": channel_id,
                "starts": f"{start_date} {start_time}",
                "days": days,
                "topics": topics,
                "hide_counts": CampaignIds.HIDE_COUNTS_OPTION.value in options,
                "repeat_quarterly": CampaignIds.QUARTERLY_OPTION.value in options,
                "reminder_days": reminder_days,
                "final_reminder_hours": final_reminder_hours,
            },
        )
        return
    try:
        record = campaigns.create_campaign(
            ctx.db,
            title=title,
            channel_id=channel_id,
            starts=f"{start_date} {start_time}",
            days=days,
            timezone=ctx.timezone,
            now=ctx.clock.now(),
            topics=topics,
            hide_counts=CampaignIds.HIDE_COUNTS_OPTION.value in options,
            repeat_quarterly=CampaignIds.QUARTERLY_OPTION.value in options,
            created_by=user_id,
            reminder_days=reminder_days,
            final_reminder_hours=final_reminder_hours,
        )
    except InvalidInput as error:
        block = FIELD_BLOCKS.get(error.field or "", CampaignIds.TITLE_BLOCK)
        ack(response_action="errors", errors={str(block): error.user_message})
        return
    ack()
    logger.info("User %s created campaign %s from the modal", user_id, record.id)
    # A direct message, because the user may not be a member of the campaign's channel.
    text = replies.campaign_created(record, timezone=ctx.timezone)
    client.chat_postMessage(
        channel=user_id, text=text, blocks=created_confirmation(text, campaign=record)
    )


def _save_edit(
    ctx: HandlerContext,
    *,
    ack: Ack,
    client: WebClient,
    manager: Person,
    campaign_id: int,
    changes: dict[str, Any],
) -> None:
    """Apply the edit modal's values to a scheduled campaign and confirm it by direct message."""
    try:
        record = campaigns.update_campaign(
            ctx.db,
            campaign_id,
            by=manager,
            timezone=ctx.timezone,
            now=ctx.clock.now(),
            **changes,
        )
    except InvalidInput as error:
        block = FIELD_BLOCKS.get(error.field or "", CampaignIds.TITLE_BLOCK)
        ack(response_action="errors", errors={str(block): error.user_message})
        return
    ack()
    logger.info("User %s edited campaign %s from the modal", manager.user_id, record.id)
    text = replies.campaign_edited(record, timezone=ctx.timezone)
    client.chat_postMessage(channel=manager.user_id, text=text)


def _start_is_past(ctx: HandlerContext, text: str) -> bool:
    try:
        wall_time = datetime.strptime(text, START_FORMAT)
    except ValueError:
        # An unreadable start is reported by create_campaign beside the date.
        return False
    return is_past_wall_time(wall_time, timezone=ctx.timezone, now=ctx.clock.now())


def _value(values: dict[str, Any], block: CampaignIds, action: CampaignIds, key: str) -> Any:
    return values.get(block.value, {}).get(action.value, {}).get(key)


def _modal_days(text: str | None, field_errors: dict[str, str]) -> int | None:
    try:
        return int((text or "").strip())
    except ValueError:
        field_errors[CampaignIds.DAYS_BLOCK.value] = (
            f"Give the length as a whole number of days, 1 to {campaigns.MAX_DAYS}."
        )
        return None


def _modal_reminder_days(values: dict[str, Any], field_errors: dict[str, str]) -> list[int] | None:
    """Parse the reminder days field, "10, 15"; None when the modal has no such field.

    An empty field means no day reminders.
    """
    if REMINDER_DAYS_BLOCK not in values:
        return None
    text = values[REMINDER_DAYS_BLOCK].get(REMINDER_DAYS_ACTION, {}).get("value") or ""
    days: list[int] = []
    for part in text.replace(",", " ").split():
        try:
            days.append(int(part))
        except ValueError:
            field_errors[REMINDER_DAYS_BLOCK] = (
                f"{part!r} is not a day number: give whole numbers separated by commas, "
                "such as 10, 15."
            )
            return None
    return days


def _modal_final_reminder_hours(values: dict[str, Any], field_errors: dict[str, str]) -> int | None:
    """Parse the final reminder field; None when the modal has no such field, 0 when empty."""
    if FINAL_REMINDER_BLOCK not in values:
        return None
    text = (values[FINAL_REMINDER_BLOCK].get(FINAL_REMINDER_ACTION, {}).get("value") or "").strip()
    if not text:
        return 0
    try:
        return int(text)
    except ValueError:
        field_errors[FINAL_REMINDER_BLOCK] = (
            "Give the hours before the close as a whole number, or 0 for no final reminder."
        )
        return None


def _membership_error(client: WebClient, channel_id: str) -> str | None:
    """Return the modal error when the bot is not in the channel, or None when it is."""
    try:
        response = client.conversations_info(channel=channel_id)
    except SlackApiError as error:
        reason = error.response.get("error") if error.response is not None else None
        logger.warning("conversations.info failed for channel %s: %s", channel_id, reason)
        if reason == "channel_not_found":
            return replies.CHANNEL_NOT_FOUND
        raise
    if not response["channel"].get("is_member"):
        return replies.BOT_NOT_IN_CHANNEL
    return None


def _whole_number(text: str, *, name: str, field: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not a {name}: give a whole number, as `/campaign list` shows.",
            field=field,
        ) from None
