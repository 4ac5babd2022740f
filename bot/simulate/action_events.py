"""What Slack would send for a planned action: its Events API event, or its idea form values."""

from __future__ import annotations

import threading
from typing import Any

from bot.simulate import payloads
from bot.simulate.common import MessageTimestamps
from bot.simulate.slack_standin import BOT_USER_ID
from bot.simulate.traffic import OTHER_BOT_ID, Action, ActionKind
from handlers.ids import IdeaIds, IdeaTopicIds


def action_event(
    action: Action,
    *,
    channel_id: str,
    idea_ts: str,
    comment_ts: dict[int, str],
    timestamps: MessageTimestamps,
    lock: threading.Lock,
) -> dict[str, Any]:
    """Return the event of a reaction, a reply, or a reply's edit or deletion on an idea.

    A new reply's timestamp is stored in comment_ts under `lock`, so its later edit or
    deletion, built by another thread, names the same message.
    """
    kind = action.kind
    if kind in (ActionKind.REACTION_ADDED, ActionKind.REACTION_REMOVED):
        return payloads.reaction_event(
            "reaction_added" if kind is ActionKind.REACTION_ADDED else "reaction_removed",
            user=action.user_id,
            reaction=action.reaction or "+1",
            channel=channel_id,
            ts=idea_ts,
            item_user=BOT_USER_ID,
            event_ts=timestamps.next(),
        )
    if kind is ActionKind.BOT_REPLY:
        return payloads.thread_reply_event(
            user=action.user_id,
            text=action.text,
            channel=channel_id,
            ts=timestamps.next(),
            thread_ts=idea_ts,
            bot_id=OTHER_BOT_ID,
            parent_user_id=BOT_USER_ID,
        )
    assert action.comment is not None
    if kind is ActionKind.THREAD_REPLY:
        reply_ts = timestamps.next()
        with lock:
            comment_ts[action.comment] = reply_ts
        return payloads.thread_reply_event(
            user=action.user_id,
            text=action.text,
            channel=channel_id,
            ts=reply_ts,
            thread_ts=idea_ts,
            parent_user_id=BOT_USER_ID,
        )
    reply_ts = comment_ts[action.comment]
    if kind is ActionKind.REPLY_EDITED:
        return payloads.message_changed_event(
            channel=channel_id,
            ts=reply_ts,
            thread_ts=idea_ts,
            user=action.user_id,
            new_text=action.text,
            old_text=action.old_text,
            event_ts=timestamps.next(),
        )
    return payloads.message_deleted_event(
        channel=channel_id,
        deleted_ts=reply_ts,
        thread_ts=idea_ts,
        user=action.user_id,
        old_text=action.old_text,
        event_ts=timestamps.next(),
    )


def idea_form_values(action: Action, *, topic_id: int | None = None) -> dict[str, Any]:
    """Return the idea form's state values for a planned form submission, with its topic if any."""
    selected = []
    if action.anonymous:
        selected = [
            {
                "text": {"type": "plain_text", "text": "Post anonymously"},
                "value": IdeaIds.ANONYMOUS_OPTION.value,
            }
        ]
    values: dict[str, Any] = {
        IdeaIds.TEXT_BLOCK.value: {
            IdeaIds.TEXT_ACTION.value: {"type": "plain_text_input", "value": action.text}
        },
        IdeaIds.DETAIL_BLOCK.value: {
            IdeaIds.DETAIL_ACTION.value: {"type": "plain_text_input", "value": action.detail}
        },
        IdeaIds.ANONYMOUS_BLOCK.value: {
            IdeaIds.ANONYMOUS_ACTION.value: {"type": "checkboxes", "selected_options": selected}
        },
    }
    if topic_id is not None:
        values[IdeaTopicIds.MODAL_BLOCK.value] = {
            IdeaTopicIds.MODAL_ACTION.value: {
                "type": "static_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": f"Topic {topic_id}"},
                    "value": str(topic_id),
                },
            }
        }
    return values
