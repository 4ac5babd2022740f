"""The monthly "You said, we did" job: post the updates due on the first day of a month."""

from __future__ import annotations

import logging

from bot.core import yousaid
from scheduler import runtime

logger = logging.getLogger(__name__)

# The job runs every 10 minutes, so a monthly update is posted within 10
# minutes of 09:00 local time on the first day of the month.
YOUSAID_SECONDS = 600


def post_monthly_yousaid_updates() -> list[int]:
    """Post each due monthly update; return the ids of the campaigns that got one in this run."""
    context = runtime.current()
    publisher = context.publisher
    if not isinstance(publisher, yousaid.YouSaidNotifier):
        raise TypeError(
            f"{type(publisher).__name__} cannot post updates: it needs timezone, idea_links "
            "and yousaid_messages"
        )
    posted = yousaid.post_monthly_updates(context.db, publisher, now=context.clock.now())
    if posted:
        logger.info("Posted the monthly update of %d campaigns", len(posted))
    return posted
