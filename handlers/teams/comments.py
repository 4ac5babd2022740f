"""Comments from Teams: replies in an idea card's reply chain."""

from __future__ import annotations

import logging
from typing import Any

from bot.core.checks.explain import describe_findings, speak_up_guidance
from bot.core.comments import add_comment
from bot.core.held_posts import hide_thread_reply
from bot.core.ideas import find_idea_by_message
from bot.core.records import IdeaRecord
from handlers.teams.activity import PLATFORM, channel_and_thread, plain_text, sender
from handlers.teams.context import TeamsContext

logger = logging.getLogger(__name__)


def idea_of_thread(ctx: TeamsContext, activity: dict[str, Any]) -> IdeaRecord | None:
    """Return the idea whose reply chain a channel message is in, or None."""
    channel, root = channel_and_thread(activity)
    if root is None:
        return None
    return find_idea_by_message(ctx.db, platform=PLATFORM, channel_id=channel, message_id=root)


def reply(ctx: TeamsContext, activity: dict[str, Any], idea: IdeaRecord) -> str | None:
    """Store a reply to an idea as a comment; return a note for its author, or None."""
    text = plain_text(activity)
    message_id = str(activity.get("id") or "")
    if not text or not message_id:
        return None
    commenter = sender(activity)
    now = ctx.clock.now()
    findings = ctx.checks.scan(text)
    personal = tuple(finding for finding in findings if finding.is_personal_data)
    if personal:
        hide_thread_reply(
            ctx.db,
            commenter,
            idea_id=idea.id,
            message_id=message_id,
            author_message=(
                f"Your reply to idea {idea.id} contains {describe_findings(personal)}, so "
                "staffvoice has not counted it. Please delete it: hover over your reply, "
                "choose More options (...), then Delete. The managers have been told."
            ),
            manager_message=(
                f"A reply to idea {idea.id} in Teams contains {describe_findings(personal)}. "
                "It is hidden from reports, and its author has been asked to delete it."
            ),
            now=now,
            event_id=activity.get("id"),
        )
        return None
    added = add_comment(
        ctx.db,
        commenter,
        idea_id=idea.id,
        message_id=message_id,
        text=text,
        now=now,
        event_id=activity.get("id"),
    )
    if added:
        ctx.publisher.refresh_idea(idea.id)
    if added and findings:
        return speak_up_guidance(ctx.checks.speak_up_contact)
    return None
