"""Block Kit for the announcement before a campaign opens, and the direct message at opening."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.core.records import CampaignRecord
from bot.core.schedule import format_local
from handlers.blocks.topics import topic_sections
from handlers.ids import AnnouncementIds
from handlers.mrkdwn import escape, split_for_sections

Blocks = list[dict[str, Any]]

REMIND_LABEL = "Remind me when it's live"
# Slack's limit on the text of a header block.
HEADER_LIMIT = 150


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def _header(text: str) -> dict[str, Any]:
    if len(text) > HEADER_LIMIT:
        text = text[: HEADER_LIMIT - 1].rstrip() + "…"
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def announcement_message(campaign: CampaignRecord, *, timezone: ZoneInfo) -> tuple[str, Blocks]:
    """Build the announcement of a scheduled campaign, with its "Remind me" button."""
    title = escape(campaign.title)
    opens = format_local(campaign.starts_at, timezone)
    closes = format_local(campaign.ends_at, timezone)
    text = f"Coming soon: {title}, open from {opens} to {closes}."
    blocks: Blocks = [
        _header(f"Coming soon: {campaign.title}"),
        _section(
            f"*{title}* opens in <#{campaign.channel_id}> on *{opens}* and closes on *{closes}*."
        ),
        *topic_sections(campaign, heading="The questions"),
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "Press the button to get a direct message when it opens. "
                    "Press it again if you change your mind.",
                }
            ],
        },
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": AnnouncementIds.REMIND_ACTION.value,
                    "text": {"type": "plain_text", "text": REMIND_LABEL, "emoji": True},
                    "value": str(campaign.id),
                    "style": "primary",
                }
            ],
        },
    ]
    return text, blocks


def opening_message(campaign: CampaignRecord, *, timezone: ZoneInfo) -> tuple[str, Blocks]:
    """Build the direct message sent at opening to a person who pressed "Remind me"."""
    title = escape(campaign.title)
    closes = format_local(campaign.ends_at, timezone)
    text = f"{title} is open now in <#{campaign.channel_id}>, until {closes}."
    blocks: Blocks = [
        _header(f"Now open: {campaign.title}"),
        _section(
            f"*{title}* is open now in <#{campaign.channel_id}> until *{closes}*. "
            "You asked to be told when it started."
        ),
        *topic_sections(campaign, heading="The questions"),
        _section(
            f"Share an idea by sending `/idea` followed by your idea in <#{campaign.channel_id}>, "
            "vote with :+1: or the Vote button, and comment in an idea's thread."
        ),
    ]
    return text, blocks


def created_confirmation(text: str, *, campaign: CampaignRecord) -> Blocks:
    """Build the manager's confirmation of a new campaign, with a "Post announcement" button.

    text is the confirmation as mrkdwn, already escaped.
    """
    return [
        *(_section(piece) for piece in split_for_sections(text)),
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": AnnouncementIds.POST_ACTION.value,
                    "text": {"type": "plain_text", "text": "Post announcement"},
                    "value": str(campaign.id),
                }
            ],
        },
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"The announcement goes in <#{campaign.channel_id}> with a "
                    f'"{REMIND_LABEL}" button. You can also post it later with '
                    f"`/campaign announce {campaign.id}`.",
                }
            ],
        },
    ]


# Private replies about announcements and the "Remind me" button.


def announcement_posted(campaign: CampaignRecord, *, permalink: str | None) -> str:
    """Confirm that a campaign's announcement is posted."""
    link = f" <{permalink}|View it>." if permalink else ""
    return (
        f"The announcement of campaign {campaign.id}, {escape(campaign.title)}, is posted in "
        f'<#{campaign.channel_id}>.{link} Everyone who presses "{REMIND_LABEL}" gets a '
        "direct message when it opens."
    )


def announcement_exists(campaign: CampaignRecord, *, permalink: str | None) -> str:
    """Tell a manager that a campaign's announcement was posted before, so nothing was posted."""
    link = f" <{permalink}|View it>." if permalink else ""
    return (
        f"The announcement of campaign {campaign.id}, {escape(campaign.title)}, is already "
        f"posted in <#{campaign.channel_id}>, so nothing new was posted.{link}"
    )


def announcement_in_progress(campaign: CampaignRecord) -> str:
    """Tell a manager that another request is posting the announcement right now."""
    return (
        f"The announcement of campaign {campaign.id}, {escape(campaign.title)}, is being posted "
        f"in <#{campaign.channel_id}> right now, so nothing more was posted."
    )


def people_label(count: int) -> str:
    """Return "1 person" or "N people"."""
    return "1 person" if count == 1 else f"{count} people"


def interest_registered(campaign: CampaignRecord, *, count: int, timezone: ZoneInfo) -> str:
    """Confirm that the presser will get a direct message when the campaign opens."""
    return (
        f"You're on the list: you'll get a direct message when {escape(campaign.title)} opens "
        f"on {format_local(campaign.starts_at, timezone)}. {people_label(count)} asked so far. "
        "Press the button again to take your name off."
    )


def interest_withdrawn(campaign: CampaignRecord) -> str:
    """Confirm that the presser is no longer on the list for the opening message."""
    return (
        f"You're off the list, so you won't get a message when {escape(campaign.title)} opens. "
        "Press the button again if you change your mind."
    )


def interest_already_open(campaign: CampaignRecord) -> str:
    """Tell the presser that the campaign is open now, with a link to its channel."""
    return (
        f"{escape(campaign.title)} is live already! Join in at <#{campaign.channel_id}>: "
        "share an idea with `/idea`, and vote for the ones you support."
    )


def interest_closed(campaign: CampaignRecord) -> str:
    """Tell the presser that the campaign has closed."""
    return (
        f"{escape(campaign.title)} has closed, so there is nothing to remind you of. "
        f"Its final report is in <#{campaign.channel_id}>."
    )


def stale_button() -> str:
    """Tell the presser that a button's value is not a campaign id."""
    return "This button is out of date, so nothing was changed. Ask the engagement team about it."


def bot_not_in_channel(campaign: CampaignRecord) -> str:
    """Tell a manager to invite the bot to the campaign's channel before announcing."""
    return (
        f"The bot is not a member of <#{campaign.channel_id}>, so it cannot post the "
        f"announcement there, and nothing was posted. Invite it by sending /invite @staffvoice "
        f"in that channel, then send `/campaign announce {campaign.id}` again."
    )
