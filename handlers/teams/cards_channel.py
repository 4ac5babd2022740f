"""The Adaptive Cards a campaign posts in its Teams channel while it is open."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.core.records import CampaignRecord
from bot.core.reminders import Reminder
from bot.core.schedule import format_local
from handlers.blocks.reminder import format_time_left, so_far_line
from handlers.teams.cards import Card, Element, adaptive_card, plain_text, text_block

HOW_TO_TAKE_PART = (
    "Send the bot a message saying idea, or use the staffvoice message action, to post an "
    "idea. Vote with the Vote button or a like; reply to an idea to comment."
)


def _questions(campaign: CampaignRecord) -> list[Element]:
    return [plain_text(f"{topic.position}. {topic.question}") for topic in campaign.topics]


def launch_card(campaign: CampaignRecord, *, timezone: ZoneInfo) -> Card:
    """Build the card that opens a campaign: its questions, its close and how to take part."""
    body = [plain_text(f"{campaign.title} is open", weight="Bolder")]
    body += _questions(campaign)
    body += [
        text_block(f"Closes {format_local(campaign.ends_at, timezone)}.", subtle=True),
        text_block(HOW_TO_TAKE_PART, subtle=True),
    ]
    return adaptive_card(body)


def reminder_card(reminder: Reminder, *, timezone: ZoneInfo) -> tuple[str, Card]:
    """Build a campaign reminder and its notification text: time left, questions, totals."""
    campaign = reminder.campaign
    left = format_time_left(campaign.ends_at - reminder.now)
    closes = format_local(campaign.ends_at, timezone)
    if reminder.slot.is_final:
        opening = f"Last call: {campaign.title} closes in {left}, at {closes}."
    else:
        opening = f"{campaign.title} is still open: {left} left, until {closes}."
    body = [plain_text(f"Reminder: {campaign.title}", weight="Bolder"), plain_text(opening)]
    body += _questions(campaign)
    body.append(text_block(HOW_TO_TAKE_PART, subtle=True))
    so_far = so_far_line(reminder)
    if so_far is not None:
        body.append(text_block(so_far, subtle=True))
    text = f"Reminder: {campaign.title} closes in {left}, at {closes}."
    return text, adaptive_card(body)
