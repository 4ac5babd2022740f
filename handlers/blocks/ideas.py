"""Block Kit for idea messages, the idea modal and the topic menu sent to an idea's author."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from bot.core.ideas import MAX_DETAIL_LENGTH, MAX_IDEA_LENGTH
from bot.core.records import IdeaRecord, TopicRecord
from handlers.blocks.statuses import answer_blocks, status_menu
from handlers.ids import IdeaIds, IdeaTopicIds
from handlers.mrkdwn import escape, excerpt, split_for_sections

Blocks = list[dict[str, Any]]

# Slack's option object allows at most 75 characters of text (Block Kit reference).
MAX_OPTION_TEXT = 75


def vote_label(count: int) -> str:
    """Return "1 vote" or "N votes"."""
    return "1 vote" if count == 1 else f"{count} votes"


# The whole message of an idea a moderator hid: no text, no author and no Vote button.
HIDDEN_IDEA_NOTICE = "This idea was hidden by a moderator."
WITHDRAWN_IDEA_NOTICE = "This idea was withdrawn by its author."

# The source shown after "from" on an idea entered from a paper form or an email.
SOURCE_LABELS = {"paper": "a paper form", "email": "an email"}


def author_label(idea: IdeaRecord) -> str:
    """Return how the idea's author is shown: their name, Anonymous, or the idea's source."""
    if idea.anonymous:
        return "Anonymous"
    if idea.source in SOURCE_LABELS:
        return SOURCE_LABELS[idea.source]
    return escape(idea.author_name or "A colleague")


def idea_message(idea: IdeaRecord, *, vote_count: int, closed: bool = False) -> tuple[str, Blocks]:
    """Build the channel message that shows an idea: (notification text, blocks).

    With closed, the message shows the final count in place of the Vote button.
    While open, an idea of a campaign that hides counts shows no count at all.
    Every idea shows its answer (status, owner and reply) once it has one, and
    the status menu, open or closed, because ideas are mostly answered after
    voting closes. A withdrawn or hidden idea shows only a notice, so every
    redraw keeps it so.
    """
    notice = (
        WITHDRAWN_IDEA_NOTICE if idea.withdrawn else HIDDEN_IDEA_NOTICE if idea.hidden else None
    )
    if notice is not None:
        return notice, [
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"_{notice}_"}],
            }
        ]
    counts_hidden = idea.hide_counts and not closed
    blocks: Blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": piece, "verbatim": True}}
        for piece in split_for_sections(escape(idea.text))
    ]
    if idea.detail:
        blocks.extend(
            {"type": "section", "text": {"type": "mrkdwn", "text": piece, "verbatim": True}}
            for piece in split_for_sections(escape(idea.detail))
        )
    if idea.topic_question:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"Topic: {escape(idea.topic_question)}",
                        "verbatim": True,
                    }
                ],
            }
        )
    if closed:
        status = f"Voting closed · *{vote_label(vote_count)}*"
    elif counts_hidden:
        # Slack shows a count beside every reaction, so the message invites
        # votes by button only; a :+1: reaction still counts as a vote.
        status = (
            "Vote with the button · counts stay hidden until the campaign closes · "
            "comment in the thread"
        )
    else:
        status = f"*{vote_label(vote_count)}* · vote with :+1: or the button, comment in the thread"
    blocks.extend(answer_blocks(idea))
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
    actions: Blocks = []
    if not closed:
        actions.append(
            {
                "type": "button",
                "action_id": IdeaIds.VOTE_ACTION,
                "text": {
                    "type": "plain_text",
                    "text": "Vote" if counts_hidden else f"Vote ({vote_count})",
                    "emoji": True,
                },
                "value": str(idea.id),
            }
        )
    # Ideas are answered after voting closes too, so the menu stays.
    actions.append(status_menu(idea.id))
    blocks.append({"type": "actions", "elements": actions})
    fallback = f"Idea from {author_label(idea)}: {escape(excerpt(idea.text, length=150))}"
    return fallback, blocks


def shows_voting_closed(idea: IdeaRecord) -> bool:
    """Return whether an idea's message shows voting closed: its campaign or board is closed."""
    return idea.voting_closed


def topic_option(topic: TopicRecord, *, value: str) -> dict[str, Any]:
    """Build a menu option for a topic, its question cut to Slack's 75-character limit."""
    return {
        "text": {
            "type": "plain_text",
            "text": excerpt(f"{topic.position}. {topic.question}", length=MAX_OPTION_TEXT),
        },
        "value": value,
    }


def _topic_list_text(topics: Sequence[TopicRecord]) -> str:
    return "\n".join(f"{topic.position}. {escape(topic.question)}" for topic in topics)


def _questions_cut(topics: Sequence[TopicRecord]) -> bool:
    return any(len(f"{topic.position}. {topic.question}") > MAX_OPTION_TEXT for topic in topics)


def _topic_input(topics: Sequence[TopicRecord]) -> Blocks:
    """Build the modal's required topic menu, preceded by the full questions when any is cut."""
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": IdeaTopicIds.MODAL_ACTION,
        "placeholder": {"type": "plain_text", "text": "Choose the question it answers"},
        "options": [topic_option(topic, value=str(topic.id)) for topic in topics],
    }
    if len(topics) == 1:
        element["initial_option"] = element["options"][0]
    blocks: Blocks = []
    if _questions_cut(topics):
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*Topics*\n{_topic_list_text(topics)}"},
            }
        )
    blocks.append(
        {
            "type": "input",
            "block_id": IdeaTopicIds.MODAL_BLOCK,
            "label": {"type": "plain_text", "text": "Topic"},
            "element": element,
        }
    )
    return blocks


def topic_choice_blocks(text: str, *, idea_id: int, topics: Sequence[TopicRecord]) -> Blocks:
    """Build a private reply: text, then a menu asking which topic the idea answers.

    Each option's value is "IDEA_ID:TOPIC_ID", so the choice names its idea.
    """
    blocks: Blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    if _questions_cut(topics):
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": _topic_list_text(topics)}}
        )
    blocks.append(
        {
            "type": "section",
            "block_id": IdeaTopicIds.CHOICE_BLOCK,
            "text": {
                "type": "mrkdwn",
                "text": "*Which topic does your idea answer?* Until you choose, it is listed "
                "as not assigned to a topic.",
            },
            "accessory": {
                "type": "static_select",
                "action_id": IdeaTopicIds.CHOICE_ACTION,
                "placeholder": {"type": "plain_text", "text": "Choose a topic"},
                "options": [topic_option(topic, value=f"{idea_id}:{topic.id}") for topic in topics],
            },
        }
    )
    return blocks


_ANONYMOUS_INPUT: dict[str, Any] = {
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
}


def idea_modal(
    *, channel_id: str, topics: Sequence[TopicRecord] = (), allow_anonymous: bool = True
) -> dict[str, Any]:
    """Build the modal /idea opens when it is sent without text, with a topic menu if topics.

    The "post anonymously" box is left out when anonymous posting is off.
    """
    topic_blocks = _topic_input(topics) if topics else []
    anonymous_blocks = [copy.deepcopy(_ANONYMOUS_INPUT)] if allow_anonymous else []
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
            *topic_blocks,
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
            *anonymous_blocks,
        ],
    }
