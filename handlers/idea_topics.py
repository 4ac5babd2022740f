"""Listeners and replies for choosing the topic an idea answers after it was posted.

An idea sent as `/idea TEXT` in a campaign with several topics is posted at once with
no topic, and its author gets a private menu of the topics. Only a named idea can be
assigned this way: the choice is checked against the stored author, and an anonymous
idea stores none. An anonymous idea therefore stays unassigned, and its author is told
so. The modal asks for the topic before posting, so this happens only when a modal
opened before the campaign had topics is sent afterwards.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.core.ideas import choose_idea_topic
from bot.core.records import Person, SubmittedIdea
from handlers import errors
from handlers.blocks.ideas import Blocks, topic_choice_blocks
from handlers.context import PLATFORM, HandlerContext
from handlers.ids import IdeaTopicIds
from handlers.mrkdwn import escape

logger = logging.getLogger(__name__)

OUT_OF_DATE_MENU = (
    "This topic menu is out of date, so nothing changed. Your idea stays listed as not "
    "assigned to a topic."
)


def register(app: App, ctx: HandlerContext) -> None:
    """Register the topic menu sent privately to an idea's author."""

    @app.action(IdeaTopicIds.CHOICE_ACTION.value)
    def handle_topic_choice(
        ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            topic_choice(ctx, ack=ack, body=body, respond=respond)


def needs_topic_choice(submitted: SubmittedIdea) -> bool:
    """Return whether the idea went to a campaign with several topics and has none yet."""
    return (
        submitted.campaign is not None
        and len(submitted.campaign.topics) > 1
        and submitted.idea.topic_id is None
    )


def reply_with_topic_choice(
    submitted: SubmittedIdea, text: str, *, anonymity_on: bool = False
) -> tuple[str, Blocks | None]:
    """Return the author's private reply (text, blocks): with a topic menu when one is needed.

    blocks is None when the reply is the text alone. An anonymous idea gets the
    menu only with anonymity_on, when its author is known again by keyed hash.
    """
    if not needs_topic_choice(submitted):
        return text, None
    assert submitted.campaign is not None
    if submitted.idea.anonymous and not anonymity_on:
        note = (
            f"{text}\n\nThe campaign asks which topic each idea answers, but this idea is "
            "anonymous, so the bot has no record of who wrote it and cannot let you choose "
            "later. It is listed as not assigned to a topic. Next time, choose the topic in "
            "the form."
        )
        return note, None
    return text, topic_choice_blocks(
        text, idea_id=submitted.idea.id, topics=submitted.campaign.topics
    )


def topic_choice(ctx: HandlerContext, *, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
    """Set the idea's topic from the author's menu choice, update its message, and confirm."""
    ack()
    action = body["actions"][0]
    value = str((action.get("selected_option") or {}).get("value", ""))
    idea_part, _, topic_part = value.partition(":")
    if not (idea_part.isdigit() and topic_part.isdigit()):
        logger.warning("Topic menu with an unreadable value %r", value)
        respond(text=OUT_OF_DATE_MENU, response_type="ephemeral", replace_original=False)
        return
    user = body["user"]
    team_id = (body.get("team") or {}).get("id") or user.get("team_id", "")
    chooser = Person(platform=PLATFORM, team_id=team_id, user_id=user["id"])
    idea = choose_idea_topic(
        ctx.db,
        chooser,
        idea_id=int(idea_part),
        topic_id=int(topic_part),
        now=ctx.clock.now(),
        anon_key=ctx.anon_key,
    )
    ctx.publisher.redraw_idea(idea.id)
    respond(
        text=f"Thanks, idea {idea.id} is now listed under the topic "
        f"“{escape(idea.topic_question or '')}”.",
        response_type="ephemeral",
        replace_original=True,
    )
