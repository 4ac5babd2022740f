"""Moderation for managers in Teams: the queue as cards, and their Hide and Restore actions.

`moderation`, in the personal chat, sends one card per queued Teams idea or
comment. Hide and Restore call the core's moderation functions, which check
the manager role, and the idea's card in its channel is redrawn.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bot.core import ideas, moderation, roles
from bot.core.errors import NotFound
from bot.core.moderation import COMMENT, IDEA, ItemRef, ModeratedItem, ModerationResult
from bot.core.records import Person
from handlers.teams.activity import PLATFORM, channel_and_thread, conversation_kind, sender
from handlers.teams.cards import Card
from handlers.teams.cards_ids import CardData, CardVerb
from handlers.teams.cards_manage import moderation_card
from handlers.teams.connector import card_activity, text_activity
from handlers.teams.context import TeamsContext
from handlers.teams.front import TeamsFront
from handlers.teams.responses import Response, card_response, notice_response

logger = logging.getLogger(__name__)

QUEUE_WORDS = ("moderation", "moderate")
# Cards sent for one `moderation` message. The connector paces a conversation to
# 8 messages in 2 seconds (CONVERSATION_LIMITS), so more would keep the manager waiting.
MAX_QUEUE_CARDS = 10
PERSONAL_ONLY = (
    "Send **moderation** in your personal chat with staffvoice: the queue shows reported "
    "posts and why they were reported, so the bot does not post it here."
)

Action = Callable[..., ModerationResult]


def register(front: TeamsFront) -> None:
    """Add the moderation command and the Hide and Restore actions to the front."""
    front.add_command(moderation_command)
    front.add_card_handler(CardVerb.HIDE_IDEA, hide_idea)
    front.add_card_handler(CardVerb.RESTORE_IDEA, restore_idea)
    front.add_card_handler(CardVerb.HIDE_COMMENT, hide_comment)
    front.add_card_handler(CardVerb.RESTORE_COMMENT, restore_comment)


def _platform_of(ctx: TeamsContext, item: ModeratedItem) -> str | None:
    try:
        return ideas.get_idea(ctx.db, item.idea_id).platform
    except NotFound:
        return None


def _send(ctx: TeamsContext, activity: dict[str, Any], message: Card | str) -> None:
    """Send a message to the conversation the activity came from."""
    conversation, _root = channel_and_thread(activity)
    service_url = str(activity.get("serviceUrl") or "")
    outgoing = text_activity(message) if isinstance(message, str) else card_activity(message)
    ctx.connector.send(service_url, conversation, outgoing)


def moderation_command(ctx: TeamsContext, activity: dict[str, Any], text: str) -> Card | str | None:
    """Send the moderation queue's Teams items as cards; return None for other text.

    The introduction and every card but the last are sent here, and the last is
    returned for the front to send, so they arrive in order. Raises
    PermissionDenied for anyone but a manager.
    """
    if text.lower() not in QUEUE_WORDS:
        return None
    entries = moderation.moderation_queue(ctx.db, sender(activity))
    if conversation_kind(activity) != "personal":
        return PERSONAL_ONLY
    teams_entries = [entry for entry in entries if _platform_of(ctx, entry.item) == PLATFORM]
    elsewhere = len(entries) - len(teams_entries)
    others = (
        f" {elsewhere} more from another platform, such as Slack, are moderated there."
        if elsewhere
        else ""
    )
    if not teams_entries:
        return f"The moderation queue has no Teams ideas or comments.{others}"
    shown = teams_entries[:MAX_QUEUE_CARDS]
    left_out = len(teams_entries) - len(shown)
    posts = "1 Teams post" if len(teams_entries) == 1 else f"{len(teams_entries)} Teams posts"
    intro = f"The moderation queue has {posts}, the one flagged first at the top."
    if left_out:
        intro += f" The first {len(shown)} follow; send **moderation** again for the rest."
    _send(ctx, activity, intro + others)
    for entry in shown[:-1]:
        _send(ctx, activity, moderation_card(entry))
    logger.info("Sent %s moderation cards of %s", len(shown), len(teams_entries))
    return moderation_card(shown[-1])


def _act(
    ctx: TeamsContext,
    activity: dict[str, Any],
    data: dict[str, Any],
    *,
    kind: str,
    action: Action,
) -> Response:
    """Hide or restore the card's item, redraw its idea's card, and show the item as it is now."""
    key = CardData.IDEA_ID if kind == IDEA else CardData.COMMENT_ID
    try:
        item_id = int(data[key.value])
    except (KeyError, TypeError, ValueError):
        return notice_response(
            "Not done", f"This card names no {kind}. Send moderation again.", style="attention"
        )
    manager: Person = sender(activity)
    roles.require_manager(ctx.db, manager, action="hide or restore ideas and comments")
    ref = ItemRef(kind, item_id)
    current = moderation.get_item(ctx.db, ref)
    if _platform_of(ctx, current) != PLATFORM:
        return notice_response(
            "Not done",
            f"{kind.capitalize()} {item_id} was not posted in Teams, so moderate it in the app "
            "it was posted in, where its message is redrawn.",
            style="attention",
        )
    result = action(ctx.db, manager, ref, now=ctx.clock.now())
    if result.changed:
        # A hidden idea's card shows a notice, and a hidden comment lowers the count on it.
        ctx.publisher.refresh_idea(result.item.idea_id)
    return card_response(moderation_card(result.item))


def hide_idea(ctx: TeamsContext, activity: dict[str, Any], data: dict[str, Any]) -> Response:
    """Hide the idea of a moderation card."""
    return _act(ctx, activity, data, kind=IDEA, action=moderation.hide_item)


def restore_idea(ctx: TeamsContext, activity: dict[str, Any], data: dict[str, Any]) -> Response:
    """Show a hidden idea of a moderation card again."""
    return _act(ctx, activity, data, kind=IDEA, action=moderation.restore_item)


def hide_comment(ctx: TeamsContext, activity: dict[str, Any], data: dict[str, Any]) -> Response:
    """Hide the comment of a moderation card."""
    return _act(ctx, activity, data, kind=COMMENT, action=moderation.hide_item)


def restore_comment(ctx: TeamsContext, activity: dict[str, Any], data: dict[str, Any]) -> Response:
    """Show a hidden comment of a moderation card again."""
    return _act(ctx, activity, data, kind=COMMENT, action=moderation.restore_item)
