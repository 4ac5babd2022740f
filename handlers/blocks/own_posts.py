"""Block Kit for anonymous comments and the author's list of their anonymous posts."""

from __future__ import annotations

from typing import Any

from bot.core.own_posts import MAX_COMMENT_LENGTH, OwnPosts
from handlers.ids import OwnPostIds
from handlers.mrkdwn import escape, excerpt

Blocks = list[dict[str, Any]]

# Slack allows at most 50 blocks in a message (Block Kit reference). The list keeps room
# for its heading and the note on what was left out.
MAX_LISTED_POSTS = 45
ANONYMOUS_COMMENT_LABEL = "Anonymous"
WITHDRAWN_COMMENT_NOTICE = "This comment was withdrawn by its author."
HIDDEN_COMMENT_NOTICE = "This comment was hidden by a moderator."


def comment_modal(*, idea_id: int) -> dict[str, Any]:
    """Build the modal that takes an anonymous comment on an idea."""
    return {
        "type": "modal",
        "callback_id": OwnPostIds.COMMENT_CALLBACK,
        "private_metadata": str(idea_id),
        "title": {"type": "plain_text", "text": "Comment anonymously"},
        "submit": {"type": "plain_text", "text": "Post comment"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"The bot posts your comment in the thread of idea {idea_id} "
                        'as "Anonymous". Send "my posts" to the bot in a direct message '
                        "to see or withdraw it later.",
                    }
                ],
            },
            {
                "type": "input",
                "block_id": OwnPostIds.COMMENT_BLOCK,
                "label": {"type": "plain_text", "text": "Your comment"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": OwnPostIds.COMMENT_ACTION,
                    "multiline": True,
                    "max_length": MAX_COMMENT_LENGTH,
                },
            },
        ],
    }


def anonymous_comment_message(text: str) -> tuple[str, Blocks]:
    """Build the thread message that shows an anonymous comment: (notification text, blocks)."""
    body = f"*{ANONYMOUS_COMMENT_LABEL}:* {escape(text)}"
    return f"{ANONYMOUS_COMMENT_LABEL}: {text}", [
        {"type": "section", "text": {"type": "mrkdwn", "text": body, "verbatim": True}}
    ]


def hidden_comment_message() -> tuple[str, Blocks]:
    """Build the thread message that replaces an anonymous comment a moderator hid."""
    return withdrawn_message(HIDDEN_COMMENT_NOTICE)


def withdrawn_message(notice: str) -> tuple[str, Blocks]:
    """Build the message that replaces a withdrawn idea or comment: the notice alone."""
    return notice, [
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"_{notice}_"}],
        }
    ]


def own_posts_message(posts: OwnPosts) -> tuple[str, Blocks]:
    """Build the direct message that lists a person's anonymous posts with Withdraw buttons."""
    total = len(posts.ideas) + len(posts.comments)
    if total == 0:
        text = (
            "You have no anonymous ideas or comments to withdraw. Only posts made "
            "anonymously are listed here; named ones show your name on their message."
        )
        return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    heading = (
        f"Your anonymous posts ({total}). Withdrawing one removes its text from the "
        "channel; it cannot be undone."
    )
    blocks: Blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": heading}}]
    rows = [
        (
            f"Idea {idea.id}: {excerpt(idea.text, length=200)}",
            OwnPostIds.WITHDRAW_IDEA_ACTION,
            idea.id,
        )
        for idea in posts.ideas
    ] + [
        (
            f"Comment on idea {comment.idea_id}: {excerpt(comment.text, length=200)}",
            OwnPostIds.WITHDRAW_COMMENT_ACTION,
            comment.id,
        )
        for comment in posts.comments
    ]
    for label, action_id, post_id in rows[:MAX_LISTED_POSTS]:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": escape(label), "verbatim": True},
                "accessory": {
                    "type": "button",
                    "action_id": action_id,
                    "value": str(post_id),
                    "style": "danger",
                    "text": {"type": "plain_text", "text": "Withdraw"},
                    "confirm": {
                        "title": {"type": "plain_text", "text": "Withdraw this post?"},
                        "text": {
                            "type": "plain_text",
                            "text": "Its text is removed from the channel and cannot be restored.",
                        },
                        "confirm": {"type": "plain_text", "text": "Withdraw"},
                        "deny": {"type": "plain_text", "text": "Keep it"},
                    },
                },
            }
        )
    if len(rows) > MAX_LISTED_POSTS:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"{len(rows) - MAX_LISTED_POSTS} more posts are not shown; "
                        'withdraw some and send "my posts" again.',
                    }
                ],
            }
        )
    return heading, blocks
