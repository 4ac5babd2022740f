"""Block Kit for campaign launch and closing messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.records import CampaignRecord, CampaignSummary
from bot.core.schedule import format_local
from handlers.blocks.ideas import vote_label
from handlers.blocks.topics import topic_sections
from handlers.mrkdwn import escape, excerpt

Blocks = list[dict[str, Any]]


def launch_message(campaign: CampaignRecord, *, timezone: ZoneInfo) -> tuple[str, Blocks]:
    """Build the message that opens a campaign in its channel."""
    title = escape(campaign.title)
    closes = format_local(campaign.ends_at, timezone)
    text = f"{title} is open until {closes}."
    blocks: Blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": campaign.title[:150]}},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*{title}* is open until *{closes}*.\n"
                "• Share an idea with `/idea` followed by your idea, or `/idea` alone for a form"
                " where you can post anonymously.\n"
                "• Vote for ideas you support with :+1: or the Vote button.\n"
                "• Comment by replying in an idea's thread.",
                "verbatim": True,
            },
        },
        *topic_sections(campaign, heading="The questions"),
    ]
    return text, blocks


def comment_label(count: int) -> str:
    """Return "1 comment" or "N comments"."""
    return "1 comment" if count == 1 else f"{count} comments"


def format_totals(
    *, idea_count: int, comment_count: int, vote_count: int, participant_count: int
) -> str:
    """Return a campaign's totals in one line of a fixed form that scripts parse.

    The numbers have no thousands separators, so each matches the pattern \\d+.
    """
    return (
        f"Ideas: {idea_count} · Comments: {comment_count} · "
        f"Votes: {vote_count} · Participants: {participant_count}"
    )


def totals_line(summary: CampaignSummary) -> str:
    """Return the one-line totals of a campaign summary, in the form of format_totals."""
    return format_totals(
        idea_count=summary.idea_count,
        comment_count=summary.comment_count,
        vote_count=summary.vote_count,
        participant_count=summary.participant_count,
    )


def summary_message(
    summary: CampaignSummary, *, permalinks: Mapping[int, str]
) -> tuple[str, Blocks]:
    """Build the closing summary: totals and the top ideas, linked where a permalink is known."""
    title = escape(summary.campaign.title)
    blocks: Blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Campaign closed"}},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*{title}* has closed. Thank you to everyone who took part.\n"
                + totals_line(summary),
                "verbatim": True,
            },
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*Top ideas*" if summary.top_ideas else "No ideas were posted.",
            },
        },
    ]
    # One section per idea keeps each within Slack's 3,000-character section
    # limit, whatever escaping does to the excerpt's length.
    for ranked in summary.top_ideas:
        author = "Anonymous" if ranked.anonymous else escape(ranked.author_name or "A colleague")
        label = escape(excerpt(ranked.text, length=140))
        link = permalinks.get(ranked.idea_id)
        shown = f"<{link}|{label}>" if link else label
        line = (
            f"{ranked.rank}. {shown} ({author}) · {vote_label(ranked.vote_count)}, "
            f"{comment_label(ranked.comment_count)}"
        )
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": line, "verbatim": True}}
        )
    return f"{title} has closed. {totals_line(summary)}", blocks
