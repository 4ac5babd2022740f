"""Block Kit for a campaign's questions, listed in its announcement, launch and opening messages."""

from __future__ import annotations

from typing import Any

from bot.core.records import CampaignRecord
from handlers.mrkdwn import escape

# Slack's limit on the text of a section block.
SECTION_LIMIT = 3000


def topic_sections(campaign: CampaignRecord, *, heading: str) -> list[dict[str, Any]]:
    """Return the campaign's questions as numbered lines in as few sections as Slack allows.

    Each question stays whole in one section. Escaping at most quintuples a
    question of MAX_TOPIC_LENGTH characters, to 1,500, well within the limit.
    """
    if not campaign.topics:
        return []
    pieces = [f"*{heading}*"]
    for topic in campaign.topics:
        line = f"{topic.position}. {escape(topic.question)}"
        if len(pieces[-1]) + 1 + len(line) > SECTION_LIMIT:
            pieces.append(line)
        else:
            pieces[-1] += "\n" + line
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": piece, "verbatim": True}}
        for piece in pieces
    ]
