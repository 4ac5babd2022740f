"""Listener for thread replies to idea messages, stored as comments."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.comments import add_comment, delete_comment, edit_comment
from bot.core.held_posts import hide_thread_reply
from bot.core.records import Person
from handlers import held_posts
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
        event: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
    ) -> None:
        message_event(ctx, event=event, body=body, bot_user_id=context.bot_user_id, client=client)


def message_event(
    ctx: HandlerContext,
    *,
    event: dict[str, Any],
    body: dict[str, Any],
    bot_user_id: str | None = None,
    client: WebClient | None = None,
) -> None:
    """Store, update or remove the comment a thread reply event stands for.

    A reply with personal data is stored hidden without its text, and its
    author and the managers are asked to have it deleted. A new reply that
    reads like a concern is stored as usual, and its author gets a private
    note on where such concerns go.
    """
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
    findings = ctx.checks.scan(text)
    personal = tuple(finding for finding in findings if finding.is_personal_data)
    if personal:
        hide_thread_reply(
            ctx.db,
            commenter,
            idea_id=idea.id,
            message_id=ts,
            author_message=held_posts.thread_reply_author_message(personal, idea_id=idea.id),
            manager_message=held_posts.thread_reply_manager_message(personal, idea_id=idea.id),
            now=now,
            event_id=event_id,
        )
        return
    if action == "add":
        added = add_comment(
            ctx.db, commenter, idea_id=idea.id, message_id=ts, text=text, now=now, event_id=event_id
        )
        if added and findings and client is not None:
            _send_concern_note(
                client,
                channel_id=event.get("channel", ""),
                thread_ts=thread_ts,
                user_id=user_id,
                text=held_posts.concern_note(findings, contact=ctx.checks.speak_up_contact),
            )
    else:
        edit_comment(
            ctx.db, commenter, idea_id=idea.id, message_id=ts, text=text, now=now, event_id=event_id
        )


def _send_concern_note(
    client: WebClient, *, channel_id: str, thread_ts: str, user_id: str, text: str
) -> None:
    """Tell the author of a reply, visible to them alone, where concerns go; forward nothing."""
    try:
        client.chat_postEphemeral(channel=channel_id, user=user_id, thread_ts=thread_ts, text=text)
    except SlackApiError as error:
        logger.warning(
            "Concern note for a reply in %s failed: %s", channel_id, error.response.get("error")
        )
