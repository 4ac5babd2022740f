"""Comments from Teams: replies in an idea card's reply chain."""

from __future__ import annotations

import logging
from typing import Any

from bot.core.checks.explain import describe_findings, speak_up_guidance
from bot.core.comments import add_comment, delete_comment, edit_comment
from bot.core.held_posts import hide_thread_reply
from bot.core.ideas import find_idea_by_message
from bot.core.records import IdeaRecord
from handlers.teams.activity import PLATFORM, channel_and_thread, plain_text, sender
from handlers.teams.context import TeamsContext

logger = logging.getLogger(__name__)


def idea_of_thread(ctx: TeamsContext, activity: dict[str, Any]) -> IdeaRecord | None:
    """Return the idea whose reply chain a channel message is in, or None."""
    channel, root = channel_and_thread(activity)
    root = root or activity.get("replyToId")
    if root is None or channel_and_thread(activity)[0] == "":
        return None
    return find_idea_by_message(ctx.db, platform=PLATFORM, channel_id=channel, message_id=root)


def from_bot(activity: dict[str, Any]) -> bool:
    """Return whether a bot or another app sent the activity; Teams gives bots 28: ids."""
    return str((activity.get("from") or {}).get("id") or "").startswith("28:")


def _event_id(activity: dict[str, Any]) -> str:
    # An edit or deletion keeps the message's id, so the kind and time set it apart.
    return f"{activity.get('type')}:{activity.get('id')}:{activity.get('timestamp')}"


def _hide_if_personal(
    ctx: TeamsContext, activity: dict[str, Any], idea: IdeaRecord, text: str
) -> bool:
    """Store a reply with personal data hidden, without its text; return whether it had any."""
    personal = tuple(finding for finding in ctx.checks.scan(text) if finding.is_personal_data)
    if not personal:
        return False
    hide_thread_reply(
        ctx.db,
        sender(activity),
        idea_id=idea.id,
        message_id=str(activity.get("id")),
        author_message=(
            f"Your reply to idea {idea.id} contains {describe_findings(personal)}, so "
            "staffvoice has not counted it. Please delete it: hover over your reply, "
            "choose More options (...), then Delete. The managers have been told."
        ),
        manager_message=(
            f"A reply to idea {idea.id} in Teams contains {describe_findings(personal)}. "
            "It is hidden from reports, and its author has been asked to delete it."
        ),
        now=ctx.clock.now(),
        event_id=_event_id(activity),
    )
    return True


def reply(ctx: TeamsContext, activity: dict[str, Any], idea: IdeaRecord) -> str | None:
    """Store a reply to an idea as a comment; return a note for its author, or None."""
    text = plain_text(activity)
    message_id = str(activity.get("id") or "")
    if not text or not message_id or from_bot(activity):
        return None
    commenter = sender(activity)
    now = ctx.clock.now()
    findings = ctx.checks.scan(text)
    if _hide_if_personal(ctx, activity, idea, text):
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


def edited(ctx: TeamsContext, activity: dict[str, Any]) -> None:
    """Store the new text of an edited reply to an idea."""
    idea = idea_of_thread(ctx, activity)
    text = plain_text(activity)
    if idea is None or not text or from_bot(activity):
        return
    if _hide_if_personal(ctx, activity, idea, text):
        return
    edit_comment(
        ctx.db,
        sender(activity),
        idea_id=idea.id,
        message_id=str(activity.get("id")),
        text=text,
        now=ctx.clock.now(),
        event_id=_event_id(activity),
    )


def deleted(ctx: TeamsContext, activity: dict[str, Any]) -> None:
    """Remove the comment of a deleted reply to an idea."""
    idea = idea_of_thread(ctx, activity)
    if idea is None:
        return
    removed = delete_comment(
        ctx.db,
        sender(activity),
        idea_id=idea.id,
        message_id=str(activity.get("id")),
        now=ctx.clock.now(),
        event_id=_event_id(activity),
    )
    if removed:
        ctx.publisher.refresh_idea(idea.id)
