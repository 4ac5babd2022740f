"""Finding the idea a reaction or thread reply belongs to, including one still being posted."""

from __future__ import annotations

import logging
import time

from bot.core.ideas import find_idea_by_message, is_posting_idea
from bot.core.records import IdeaRecord
from handlers.context import PLATFORM, HandlerContext

logger = logging.getLogger(__name__)

# The bot stores an idea's message ts only after chat.postMessage returns, so
# a quick reaction or reply can arrive first. These waits, about 3 seconds in
# all, cover that gap even when the bot is busy.
WAIT_SECONDS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6)


def find_idea_for_message(
    ctx: HandlerContext, *, channel_id: str, message_id: str, posted_by_bot: bool
) -> IdeaRecord | None:
    """Return the idea a message shows, waiting while an idea in the channel is being posted.

    Only messages the bot posted can be ideas, so for others the lookup is done once.
    """
    idea = find_idea_by_message(
        ctx.db, platform=PLATFORM, channel_id=channel_id, message_id=message_id
    )
    if idea is not None or not posted_by_bot:
        return idea
    for wait in WAIT_SECONDS:
        # Checking for a post in progress before looking again means a post
        # that completes between the two is still found.
        posting = is_posting_idea(
            ctx.db, platform=PLATFORM, channel_id=channel_id, now=ctx.clock.now()
        )
        idea = find_idea_by_message(
            ctx.db, platform=PLATFORM, channel_id=channel_id, message_id=message_id
        )
        if idea is not None or not posting:
            return idea
        time.sleep(wait)
    logger.warning(
        "No idea found for bot message %s in %s after waiting for a post in progress",
        message_id,
        channel_id,
    )
    return None
