"""Listener for thread replies to idea messages, stored as comments."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext

from bot.core.comments import add_comment, delete_comment, edit_comment
from bot.core.records import Person
from handlers.context import PLATFORM, HandlerContext
from handlers.lookup import find_idea_for_message

logger = logging.getLogger(__name__)

# Message subtypes that are a person's new reply; others (joins, topic changes,
# bot_message and so on) are not comments.
NEW_REPLY_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})


def register(app: App, ctx: HandlerContext) -> None:
    """Register the message event listener."""

    @app.event("message")
    def handle_message_event(
        event: dict[str, Any], body: dict[str, Any], context: BoltContext
    ) -> None:
        message_event(ctx, event=event, body=body, bot_user_id=context.bot_user_id)


def message_event(
    ctx: HandlerContext,
    *,
    event: dict[str, Any],
    body: dict[str, Any],
    bot_user_id: str | None = None,
) -> None:
    """Store, update or remove the comment a thread reply event stands for."""
    subtype = event.get("subtype")
    if subtype in NEW_REPLY_SUBTYPES:
        message, action = event, "add"
    elif subtype == "message_changed":
        message, action = event.get("message") or {}, "edit"
    elif subtype == "message_deleted":
        message, action = event.get("previous_message") or {}, "delete"
    else:
        return
    if message.get("bot_id") or message.get("subtype") == "bot_message":
        return
    thread_ts = message.get("thread_ts")
    ts = message.get("ts") or event.get("deleted_ts")
    user_id = message.get("user")
    if not thread_ts or not ts or ts == thread_ts or not user_id:
        return
    idea = find_idea_for_message(
        ctx,
        channel_id=event.get("channel", ""),
        message_id=thread_ts,
        posted_by_bot=bot_user_id is not None and message.get("parent_user_id") == bot_user_id,
    )
    if idea is None:
        return
    event_id = body.get("event_id")
    now = ctx.clock.now()
    commenter = Person(platform=PLATFORM, team_id=body.get("team_id", ""), user_id=user_id)
    if action == "delete":
        delete_comment(
            ctx.db, commenter, idea_id=idea.id, message_id=ts, now=now, event_id=event_id
        )
        return
    text = message.get("text") or ""
    if action == "add":
        add_comment(
            ctx.db, commenter, idea_id=idea.id, message_id=ts, text=text, now=now, event_id=event_id
        )
    else:
        edit_comment(
            ctx.db, commenter, idea_id=idea.id, message_id=ts, text=text, now=now, event_id=event_id
        )
