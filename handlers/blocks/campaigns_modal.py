"""Block Kit of the modal that creates a campaign."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.campaigns import DEFAULT_DAYS, MAX_DAYS, MAX_TITLE_LENGTH, MAX_TOPICS
from bot.core.records import CampaignRecord
from bot.core.reminder_schedule import (
    DEFAULT_FINAL_REMINDER_HOURS,
    DEFAULT_REMINDER_DAYS,
    format_reminder_days,
)
from handlers.ids import CampaignIds

DEFAULT_START_TIME = "09:00"

# The reminder fields' block and action ids.
REMINDER_DAYS_BLOCK = "campaign-reminder-days"
REMINDER_DAYS_ACTION = "campaign-reminder-days-input"
FINAL_REMINDER_BLOCK = "campaign-final-reminder"
FINAL_REMINDER_ACTION = "campaign-final-reminder-input"


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": _plain(text), "value": value}


def campaign_modal(
    *, today: date, timezone: ZoneInfo, campaign: CampaignRecord | None = None
) -> dict[str, Any]:
    """Build the campaign modal, with the start date defaulting to today's local date.

    With a campaign, the modal edits it: every field starts with its current
    value, and private_metadata carries its id to the submission.
    """
    blocks: list[dict[str, Any]] = [
        {
            "type": "input",
            "block_id": CampaignIds.TITLE_BLOCK.value,
            "label": _plain("Title"),
            "element": {
                "type": "plain_text_input",
                "action_id": CampaignIds.TITLE_ACTION.value,
                "max_length": MAX_TITLE_LENGTH,
                "placeholder": _plain("Spring ideas"),
            },
        },
        {
            "type": "input",
            "block_id": CampaignIds.TOPICS_BLOCK.value,
            "label": _plain("Topics"),
            "hint": _plain(f"One question per line, 1 to {MAX_TOPICS} questions."),
            "element": {
                "type": "plain_text_input",
                "action_id": CampaignIds.TOPICS_ACTION.value,
                "multiline": True,
                "placeholder": _plain("How could we recognise each other's work better?"),
            },
        },
        {
            "type": "input",
            "block_id": CampaignIds.CHANNEL_BLOCK.value,
            "label": _plain("Channel"),
            "hint": _plain("The bot must be a member: invite it with /invite @staffvoice."),
            "element": {
                "type": "conversations_select",
                "action_id": CampaignIds.CHANNEL_ACTION.value,
                "default_to_current_conversation": True,
                "filter": {"include": ["public", "private"], "exclude_bot_users": True},
            },
        },
        {
            "type": "input",
            "block_id": CampaignIds.DATE_BLOCK.value,
            "label": _plain("Start date"),
            "element": {
                "type": "datepicker",
                "action_id": CampaignIds.DATE_ACTION.value,
                "initial_date": today.isoformat(),
            },
        },
        {
            "type": "input",
            "block_id": CampaignIds.TIME_BLOCK.value,
            "label": _plain(f"Start time ({timezone.key})"),
            "element": {
                "type": "timepicker",
                "action_id": CampaignIds.TIME_ACTION.value,
                "initial_time": DEFAULT_START_TIME,
            },
        },
        {
            "type": "input",
            "block_id": CampaignIds.DAYS_BLOCK.value,
            "label": _plain("Length in days"),
            "element": {
                "type": "number_input",
                "action_id": CampaignIds.DAYS_ACTION.value,
                "is_decimal_allowed": False,
                "initial_value": str(DEFAULT_DAYS),
                "min_value": "1",
                "max_value": str(MAX_DAYS),
            },
        },
        {
            "type": "input",
            "block_id": REMINDER_DAYS_BLOCK,
            "optional": True,
            "label": _plain("Reminder days"),
            "hint": _plain(
                "Campaign days that start with a reminder in the channel, comma-separated; "
                "the opening day is day 1. Leave empty for none."
            ),
            "element": {
                "type": "plain_text_input",
                "action_id": REMINDER_DAYS_ACTION,
                "initial_value": format_reminder_days(DEFAULT_REMINDER_DAYS),
                "placeholder": _plain("10, 15"),
            },
        },
        {
            "type": "input",
            "block_id": FINAL_REMINDER_BLOCK,
            "optional": True,
            "label": _plain("Final reminder, hours before close"),
            "hint": _plain("0 for no final reminder."),
            "element": {
                "type": "number_input",
                "action_id": FINAL_REMINDER_ACTION,
                "is_decimal_allowed": False,
                "initial_value": str(DEFAULT_FINAL_REMINDER_HOURS),
                "min_value": "0",
            },
        },
        {
            "type": "input",
            "block_id": CampaignIds.OPTIONS_BLOCK.value,
            "optional": True,
            "label": _plain("Options"),
            "element": {
                "type": "checkboxes",
                "action_id": CampaignIds.OPTIONS_ACTION.value,
                "options": [
                    _option(
                        "Hide vote counts until it closes",
                        CampaignIds.HIDE_COUNTS_OPTION.value,
                    ),
                    _option("Run again every quarter", CampaignIds.QUARTERLY_OPTION.value),
                ],
            },
        },
    ]
    modal: dict[str, Any] = {
        "type": "modal",
        "callback_id": CampaignIds.MODAL_CALLBACK.value,
        "title": _plain("New campaign"),
        "submit": _plain("Create"),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }
    if campaign is not None:
        _fill_in(modal, campaign, timezone=timezone)
    return modal


def _fill_in(modal: dict[str, Any], campaign: CampaignRecord, *, timezone: ZoneInfo) -> None:
    """Set the modal's fields to a campaign's current settings, for editing it."""
    local_start = campaign.starts_at.astimezone(timezone)
    planned_end = (campaign.planned_ends_at or campaign.ends_at).astimezone(timezone)
    options = [
        option
        for option in _element(modal, CampaignIds.OPTIONS_BLOCK.value)["options"]
        if (option["value"] == CampaignIds.HIDE_COUNTS_OPTION.value and campaign.hide_counts)
        or (option["value"] == CampaignIds.QUARTERLY_OPTION.value and campaign.repeat_quarterly)
    ]

    values: dict[str, tuple[str, Any]] = {
        CampaignIds.TITLE_BLOCK.value: ("initial_value", campaign.title),
        CampaignIds.TOPICS_BLOCK.value: (
            "initial_value",
            "\n".join(topic.question for topic in campaign.topics),
        ),
        CampaignIds.CHANNEL_BLOCK.value: ("initial_conversation", campaign.channel_id),
        CampaignIds.DATE_BLOCK.value: ("initial_date", local_start.date().isoformat()),
        CampaignIds.TIME_BLOCK.value: ("initial_time", local_start.strftime("%H:%M")),
        CampaignIds.DAYS_BLOCK.value: (
            "initial_value",
            str((planned_end.date() - local_start.date()).days),
        ),
        REMINDER_DAYS_BLOCK: ("initial_value", format_reminder_days(campaign.reminder_days)),
        FINAL_REMINDER_BLOCK: ("initial_value", str(campaign.final_reminder_hours)),
    }

    for block_id, (key, value) in values.items():
        element = _element(modal, block_id)
        if value:
            element[key] = value
        else:
            # Slack rejects an empty initial value, so an empty field is left blank.
            element.pop(key, None)

    channel = _element(modal, CampaignIds.CHANNEL_BLOCK.value)
    channel.pop("default_to_current_conversation", None)
    if options:
        _element(modal, CampaignIds.OPTIONS_BLOCK.value)["initial_options"] = options
    modal["title"] = _plain("Edit campaign")
    modal["submit"] = _plain("Save")
    modal["private_metadata"] = str(campaign.id)


def _element(modal: dict[str, Any], block_id: str) -> dict[str, Any]:
    for block in modal["blocks"]:
        if block.get("block_id") == block_id:
            element: dict[str, Any] = block["element"]
            return element
    raise KeyError(block_id)
