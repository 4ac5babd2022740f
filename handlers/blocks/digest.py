"""Block Kit of the daily digest sent to managers by direct message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.digest import Digest
from bot.core.schedule import format_local
from handlers.blocks.campaigns import comment_label
from handlers.blocks.ideas import vote_label
from handlers.mrkdwn import escape, excerpt

Blocks = list[dict[str, Any]]


def idea_label(count: int) -> str:
    """Return "1 new idea" or "N new ideas"."""
    return "1 new idea" if count == 1 else f"{count} new ideas"


# The reason given for an unknown share of staff when counting the workspace's members failed.
COUNT_FAILED = "the bot could not count the workspace's members today."


def participation_line(digest: Digest, *, count_missing: str = COUNT_FAILED) -> str:
    """Return the participants so far and their share of staff, or a note that it is unknown."""
    people = "1 person" if digest.participant_count == 1 else f"{digest.participant_count} people"
    share = digest.participant_share
    if share is None or digest.staff_count is None:
        return (
            f"*Participants so far:* {people}. Their share of staff is unknown because "
            + count_missing
        )
    return f"*Participants so far:* {people} of {digest.staff_count} staff ({share * 100:.0f}%)."


def days_left_line(digest: Digest, *, timezone: ZoneInfo) -> str:
    """Return how many days are left and when the campaign closes."""
    closes = format_local(digest.campaign.ends_at, timezone)
    if digest.days_left == 0:
        return f"*Closes today* at {closes}."
    days = "1 day" if digest.days_left == 1 else f"{digest.days_left} days"
    return f"*{days} left:* closes {closes}."


def digest_message(
    digest: Digest,
    *,
    permalinks: Mapping[int, str],
    timezone: ZoneInfo,
    count_missing: str = COUNT_FAILED,
) -> tuple[str, Blocks]:
    """Build the digest: the last 24 hours' activity, top vote gains, participation, days left."""
    title = escape(digest.campaign.title)
    activity = digest.activity
    counts = (
        f"{idea_label(activity.idea_count)} · {comment_label(activity.comment_count)} · "
        f"{vote_label(activity.vote_count)}"
    )
    blocks: Blocks = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": f"Daily digest: {digest.campaign.title}"[:150]},
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*{title}*, {digest.day.strftime('%A %-d %B')}\n*Last 24 hours:* {counts}",
                "verbatim": True,
            },
        },
    ]
    heading = "*Most votes gained in the last 24 hours*"
    if not digest.top_gainers:
        heading += "\nNo idea gained votes."
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": heading}})
    # One section per idea keeps each within Slack's 3,000-character section
    # limit, whatever escaping does to the excerpt's length.
    for rank, gain in enumerate(digest.top_gainers, start=1):
        label = escape(excerpt(gain.text, length=120))
        link = permalinks.get(gain.idea_id)
        shown = f"<{link}|{label}>" if link else label
        line = f"{rank}. {shown} · +{gain.gained} ({vote_label(gain.vote_count)} in all)"
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": line, "verbatim": True}}
        )
    blocks.append(
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": participation_line(digest, count_missing=count_missing)
                + "\n"
                + days_left_line(digest, timezone=timezone),
            },
        }
    )
    if digest.campaign.hide_counts:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": "Vote counts stay hidden from staff until the campaign closes.",
                    }
                ],
            }
        )
    text = f"Daily digest for {title}: {counts} in the last 24 hours."
    return text, blocks
