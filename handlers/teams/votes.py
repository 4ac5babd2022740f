"""Votes from Teams: the Vote button on an idea card, and the like reaction on it."""

from __future__ import annotations

import logging
from typing import Any

from bot.core.errors import NotFound
from bot.core.ideas import get_idea
from bot.core.votes import VoteChange, change_vote, change_vote_on_message
from handlers.teams.activity import channel_and_thread, sender
from handlers.teams.cards_ideas import idea_card
from handlers.teams.cards_ids import CardData
from handlers.teams.context import TeamsContext
from handlers.teams.refresher import counts_hidden
from handlers.teams.responses import Response, card_response, notice_response

logger = logging.getLogger(__name__)

LIKE = "like"


def _idea_id(data: dict[str, Any]) -> int | None:
    try:
        return int(data[CardData.IDEA_ID])
    except (KeyError, TypeError, ValueError):
        return None


def vote_from_card(ctx: TeamsContext, activity: dict[str, Any], data: dict[str, Any]) -> Response:
    """Turn the presser's vote on or off and show them the card with the new count."""
    idea_id = _idea_id(data)
    if idea_id is None:
        return notice_response("Not counted", "This card names no idea.", style="attention")
    try:
        result = change_vote(
            ctx.db,
            sender(activity, with_name=False),
            idea_id=idea_id,
            change=VoteChange.TOGGLE,
            now=ctx.clock.now(),
            event_id=activity.get("id"),
        )
    except NotFound as error:
        return notice_response("Not counted", error.user_message, style="attention")
    if result.changed:
        ctx.publisher.refresh_idea(idea_id)
    return current_card(ctx, data)


def current_card(ctx: TeamsContext, data: dict[str, Any]) -> Response:
    """Return the idea card as it is now, for a refresh or after a vote."""
    idea_id = _idea_id(data)
    if idea_id is None:
        return notice_response("Not found", "This card names no idea.", style="attention")
    try:
        idea = get_idea(ctx.db, idea_id)
    except NotFound as error:
        return notice_response("Not found", error.user_message, style="attention")
    return card_response(idea_card(idea, counts_hidden=counts_hidden(idea)))


def reaction(ctx: TeamsContext, activity: dict[str, Any]) -> None:
    """Count a like on an idea card as a vote, and its removal as taking the vote back."""
    message_id = activity.get("replyToId")
    if not message_id:
        return
    added = any(r.get("type") == LIKE for r in activity.get("reactionsAdded") or [])
    removed = any(r.get("type") == LIKE for r in activity.get("reactionsRemoved") or [])
    if added == removed:
        return
    channel, _root = channel_and_thread(activity)
    result = change_vote_on_message(
        ctx.db,
        sender(activity, with_name=False),
        channel_id=channel,
        message_id=str(message_id),
        change=VoteChange.CAST if added else VoteChange.WITHDRAW,
        now=ctx.clock.now(),
        event_id=activity.get("id"),
    )
    if result is not None and result.changed:
        ctx.publisher.refresh_idea(result.idea_id)
