"""Listeners for votes: the :+1: reaction on an idea message and the Vote button."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.core.campaigns import get_campaign
from bot.core.ideas import get_idea
from bot.core.records import Person, VoteResult
from bot.core.votes import VoteChange, change_vote, change_vote_on_message
from handlers import errors, replies
from handlers.context import PLATFORM, HandlerContext
from handlers.ids import IdeaIds
from handlers.lookup import find_idea_for_message

logger = logging.getLogger(__name__)

# Slack names the thumbs-up reaction "+1" (older clients "thumbsup"), and adds
# "::skin-tone-N" for a skin tone; every variant is the same vote.
VOTE_REACTIONS = frozenset({"+1", "thumbsup"})

# Replies to the Vote button in a campaign that hides counts until it closes.
# They state only the presser's own vote, never the total.
HIDDEN_VOTE_COUNTED = (
    "Your vote counts. Vote totals stay hidden until the campaign closes. "
    "Press Vote again to withdraw it."
)
HIDDEN_VOTE_WITHDRAWN = f"Your vote is withdrawn. {replies.REACTION_AFTER_WITHDRAWAL}"


def is_vote_reaction(name: str) -> bool:
    """Return whether a reaction name is a thumbs-up of any skin tone."""
    return name.split("::", 1)[0] in VOTE_REACTIONS


def register(app: App, ctx: HandlerContext) -> None:
    """Register the reaction events and the Vote button."""

    @app.event("reaction_added")
    def handle_reaction_added(
        event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        reaction_event(
            ctx,
            event=event,
            body=body,
            client=client,
            change=VoteChange.CAST,
            bot_user_id=context.bot_user_id,
        )

    @app.event("reaction_removed")
    def handle_reaction_removed(
        event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        reaction_event(
            ctx,
            event=event,
            body=body,
            client=client,
            change=VoteChange.WITHDRAW,
            bot_user_id=context.bot_user_id,
        )

    @app.action(IdeaIds.VOTE_ACTION.value)
    def handle_vote_button(
        ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            vote_button(ctx, ack=ack, body=body, respond=respond)


def reaction_event(
    ctx: HandlerContext,
    *,
    event: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    change: VoteChange,
    bot_user_id: str | None = None,
) -> None:
    """Cast or withdraw a vote for a thumbs-up added to or removed from an idea message.

    A reaction gets no private reply, whether or not counts are hidden,
    because the voter sees their own reaction on the message.
    """
    item = event.get("item") or {}
    if item.get("type") != "message" or not is_vote_reaction(event.get("reaction", "")):
        return
    channel_id, message_id = item.get("channel", ""), item.get("ts", "")
    posted_by_bot = bot_user_id is not None and event.get("item_user") == bot_user_id
    voter = Person(platform=PLATFORM, team_id=body.get("team_id", ""), user_id=event["user"])
    now = ctx.clock.now()
    result = None
    if posted_by_bot:
        # The usual case, an idea message already stored, takes one transaction.
        result = change_vote_on_message(
            ctx.db,
            voter,
            channel_id=channel_id,
            message_id=message_id,
            change=change,
            now=now,
            event_id=body.get("event_id"),
        )
    if result is None:
        idea = find_idea_for_message(
            ctx, channel_id=channel_id, message_id=message_id, posted_by_bot=posted_by_bot
        )
        if idea is None:
            return
        result = change_vote(
            ctx.db, voter, idea_id=idea.id, change=change, now=now, event_id=body.get("event_id")
        )
    if result.notify_closed:
        client.chat_postEphemeral(
            channel=channel_id, user=event["user"], text=_closed_text(ctx, result.idea_id)
        )
    _after_vote(ctx, result)


def vote_button(ctx: HandlerContext, *, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
    """Toggle the presser's vote on the idea the button belongs to.

    The acknowledgement follows the stored vote, so a bot killed after it has lost nothing.
    """
    action = body["actions"][0]
    try:
        idea_id = int(action.get("value", ""))
    except ValueError:
        ack()
        logger.warning("Vote button with a non-numeric value %r", action.get("value"))
        respond(
            text="This Vote button is out of date. Vote with :+1: on the idea instead.",
            response_type="ephemeral",
            replace_original=False,
        )
        return
    user = body["user"]
    team_id = (body.get("team") or {}).get("id") or user.get("team_id", "")
    voter = Person(platform=PLATFORM, team_id=team_id, user_id=user["id"])
    result = change_vote(
        ctx.db, voter, idea_id=idea_id, change=VoteChange.TOGGLE, now=ctx.clock.now()
    )
    ack()
    if result.rejected_hidden:
        respond(
            text=(
                "This idea was withdrawn by its author, so it takes no votes."
                if get_idea(ctx.db, idea_id).withdrawn
                else "This idea was hidden by a moderator, so it takes no votes."
            ),
            response_type="ephemeral",
            replace_original=False,
        )
    elif result.notify_closed:
        respond(
            text=_closed_text(ctx, idea_id),
            response_type="ephemeral",
            replace_original=False,
        )
    elif result.changed:
        # The button toggles, so the presser is told which way it went: the
        # count on the message may lag by up to 15 seconds, or be hidden.
        if result.counts_hidden:
            text = HIDDEN_VOTE_COUNTED if result.counted else HIDDEN_VOTE_WITHDRAWN
        else:
            text = replies.vote_toggled(counted=result.counted, vote_count=result.vote_count)
        respond(text=text, response_type="ephemeral", replace_original=False)
    _after_vote(ctx, result)


def _after_vote(ctx: HandlerContext, result: VoteResult) -> None:
    if result.changed:
        ctx.publisher.refresh_idea(result.idea_id)


def _closed_text(ctx: HandlerContext, idea_id: int) -> str:
    idea = get_idea(ctx.db, idea_id)
    campaign = get_campaign(ctx.db, idea.campaign_id) if idea.campaign_id else None
    return replies.campaign_closed_for_votes(campaign, timezone=ctx.timezone)
