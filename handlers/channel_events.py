"""Listeners for channel renames and archives and for deactivated users, which affect boards."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.core import board_events
from handlers.context import PLATFORM, HandlerContext

logger = logging.getLogger(__name__)


def register(app: App, ctx: HandlerContext) -> None:
    """Register the listeners of channel and group renames and archives, and of user changes."""

    @app.event("channel_rename")
    def handle_channel_rename(event: dict[str, Any], body: dict[str, Any]) -> None:
        channel_renamed(ctx, event=event, body=body)

    @app.event("group_rename")
    def handle_group_rename(event: dict[str, Any], body: dict[str, Any]) -> None:
        channel_renamed(ctx, event=event, body=body)

    @app.event("channel_archive")
    def handle_channel_archive(event: dict[str, Any], body: dict[str, Any]) -> None:
        channel_archived(ctx, event=event, body=body)

    @app.event("group_archive")
    def handle_group_archive(event: dict[str, Any], body: dict[str, Any]) -> None:
        channel_archived(ctx, event=event, body=body)

    @app.event("user_change")
    def handle_user_change(event: dict[str, Any], body: dict[str, Any]) -> None:
        user_changed(ctx, event=event, body=body)


def channel_renamed(ctx: HandlerContext, *, event: dict[str, Any], body: dict[str, Any]) -> None:
    """Record a renamed channel's new name on its boards, which stay keyed by channel id."""
    channel = event.get("channel")
    if not isinstance(channel, dict) or not channel.get("id") or not channel.get("name"):
        logger.warning("Rename event %s has no channel id or name", body.get("event_id"))
        return
    changed = board_events.rename_channel(
        ctx.db,
        platform=PLATFORM,
        channel_id=str(channel["id"]),
        name=str(channel["name"]),
        event_id=body.get("event_id"),
        now=ctx.clock.now(),
    )
    if changed:
        logger.info("Channel %s renamed; %s boards updated", channel["id"], changed)


def channel_archived(ctx: HandlerContext, *, event: dict[str, Any], body: dict[str, Any]) -> None:
    """Close the open board of an archived channel and tell its lead through the outbox.

    Nothing is posted in the channel, because Slack rejects posts and updates there.
    """
    channel_id = event.get("channel")
    if not isinstance(channel_id, str) or not channel_id:
        logger.warning("Archive event %s has no channel id", body.get("event_id"))
        return
    board_events.close_archived_channel_board(
        ctx.db,
        ctx.publisher,
        platform=PLATFORM,
        channel_id=channel_id,
        event_id=body.get("event_id"),
        now=ctx.clock.now(),
    )


def user_changed(ctx: HandlerContext, *, event: dict[str, Any], body: dict[str, Any]) -> None:
    """Forget the user's cached account, and handle a deactivation.

    The boards of a deactivated user are marked as needing a new lead, and the
    managers are told. Other changes, such as a new display name, only clear
    the cache, so the next lookup reads them.
    """
    user = event.get("user")
    if not isinstance(user, dict) or not user.get("id"):
        return
    ctx.names.forget(str(user["id"]))
    if user.get("deleted") is not True:
        return
    board_events.mark_lead_departed(
        ctx.db,
        ctx.publisher,
        platform=PLATFORM,
        user_id=str(user["id"]),
        event_id=body.get("event_id"),
        now=ctx.clock.now(),
    )
