"""Block Kit of the reminder posted in an open campaign's channel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.reminders import Reminder
from bot.core.schedule import format_local
from handlers.blocks.campaigns import format_totals
from handlers.mrkdwn import escape

Blocks = list[dict[str, Any]]

# Below this, the time left is given in hours, so "36 hours" is not rounded to "2 days".
HOURS_BEFORE_DAYS = 48


def format_time_left(left: timedelta) -> str:
    """Return the time until the close in words: "11 days", "36 hours" or "less than an hour".

    Days are rounded to the nearest whole day, so a clock change in between
    does not turn 11 days into "10 days and 23 hours".
    """
    hours = round(left.total_seconds() / 3600)
    if hours < 1:
        return "less than an hour"
    if hours < HOURS_BEFORE_DAYS:
        return "1 hour" if hours == 1 else f"{hours} hours"
    return f"{round(hours / 24)} days"


def so_far_line(reminder: Reminder) -> str | None:
    """Return the reminder's "So far: ..." totals line, or None when the counts are hidden."""
    totals = reminder.totals
    if totals is None:
        return None
    line = format_totals(
        idea_count=totals.idea_count,
        comment_count=totals.comment_count,
        vote_count=totals.vote_count,
        participant_count=totals.participant_count,
    )
    return f"So far: {line}"


def reminder_message(reminder: Reminder, *, timezone: ZoneInfo) -> tuple[str, Blocks]:
    """Build a campaign reminder: time left, the topics, how to take part and the totals."""
    campaign = reminder.campaign
    title = escape(campaign.title)
    left = format_time_left(campaign.ends_at - reminder.now)
    closes = format_local(campaign.ends_at, timezone)
    if reminder.slot.is_final:
        opening = f"Last call: *{title}* closes in {left}, at *{closes}*."
    else:
        opening = f"*{title}* is still open: {left} left, until *{closes}*."
    blocks: Blocks = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": f"Reminder: {campaign.title}"[:150]},
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": opening, "verbatim": True}},
    ]
    if campaign.topics:
        questions = "\n".join(f"• {escape(topic.question)}" for topic in campaign.topics)
        heading = "*The question*" if len(campaign.topics) == 1 else "*The questions*"
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"{heading}\n{questions}", "verbatim": True},
            }
        )
    blocks.append(
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*How to take part*\n"
                "• Share an idea with `/idea` followed by your idea, or `/idea` alone for a form"
                " where you can post anonymously.\n"
                "• Vote for ideas you support with :+1: or the Vote button.\n"
                "• Comment by replying in an idea's thread.",
                "verbatim": True,
            },
        }
    )
    so_far = so_far_line(reminder)
    if so_far is not None:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": so_far}]})
    text = f"Reminder: {title} closes in {left}, at {closes}."
    return text, blocks
