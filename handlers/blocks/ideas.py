"""Block Kit for idea messages and the idea modal."""

from __future__ import annotations

from typing import Any

from bot.core.ideas import MAX_DETAIL_LENGTH, MAX_IDEA_LENGTH
from bot.core.records import IdeaRecord
from handlers.ids import IdeaIds
from handlers.mrkdwn import escape, excerpt, split_for_sections

Blocks = list[dict[str, Any]]


def vote_label(count: int) -> str:
    """Return "1 vote" or "N votes"."""
    return "1 vote" if count == 1 else f"{count} votes"


def author_label(idea: IdeaRecord) -> str:
    """Return how the idea's author is shown: their name, or Anonymous."""
    if idea.anonymous:
        return "Anonymous"
    return escape(idea.author_name or "A colleague")


def idea_message(idea: IdeaRecord, *, vote_count: int, closed: bool = False) -> tuple[str, Blocks]:
    """Build the channel message that shows an idea: (notification text, blocks).

    With closed, the message shows the final count in place of the Vote button.
    """
    blocks: Blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": piece, "verbatim": True}}
        for piece in split_for_sections(escape(idea.text))
    ]
    if idea.detail:
        blocks.extend(
            {"type": "section", "text": {"type": "mrkdwn", "text": piece, "verbatim": True}}
            for piece in split_for_sections(escape(idea.detail))
        )
    if closed:
        status = f"Voting closed · *{vote_label(vote_count)}*"
    else:
        status = f"*{vote_label(vote_count)}* · vote with :+1: or the button, comment in the thread"
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"Idea {idea.id} from {author_label(idea)} · {status}",
                    "verbatim": True,
                }
            ],
        }
    )
    if not closed:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": IdeaIds.VOTE_ACTION,
                        "text": {
                            "type": "plain_text",
                            "text": f"Vote ({vote_count})",
                            "emoji": True,
                        },
                        "value": str(idea.id),
                    }
                ],
            }
        )
    fallback = f"Idea from {author_label(idea)}: {escape(excerpt(idea.text, length=150))}"
    return fallback, blocks


def shows_voting_closed(idea: IdeaRecord) -> bool:
    """Return whether an idea's message shows voting closed: its campaign is no longer open."""
    return idea.campaign_id is not None and not idea.campaign_open


def idea_modal(*, channel_id: str) -> dict[str, Any]:
    """Build the modal /idea opens when it is sent without text."""
    return {
        "type": "modal",
        "callback_id": IdeaIds.MODAL_CALLBACK,
        "private_metadata": channel_id,
        "title": {"type": "plain_text", "text": "Share an idea"},
        "submit": {"type": "plain_text", "text": "Post idea"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": IdeaIds.TEXT_BLOCK,
                "label": {"type": "plain_text", "text": "Your idea"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": IdeaIds.TEXT_ACTION,
                    "max_length": MAX_IDEA_LENGTH,
                    "placeholder": {"type": "plain_text", "text": "One idea, in a sentence or two"},
                },
            },
            {
                "type": "input",
                "block_id": IdeaIds.DETAIL_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Detail"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": IdeaIds.DETAIL_ACTION,
                    "multiline": True,
                    "max_length": MAX_DETAIL_LENGTH,
                },
            },
            {
                "type": "input",
                "block_id": IdeaIds.ANONYMOUS_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Anonymity"},
                "element": {
                    "type": "checkboxes",
                    "action_id": IdeaIds.ANONYMOUS_ACTION,
                    "options": [
                        {
                            "text": {"type": "plain_text", "text": "Post anonymously"},
                            "description": {
                                "type": "plain_text",
                                "text": "Your name is not shown or stored with the idea.",
                            },
                            "value": IdeaIds.ANONYMOUS_OPTION,
                        }
                    ],
                },
            },
        ],
    }
