"""The recognition jobs: posting thank-you cards whose post failed, and the monthly summary."""

from __future__ import annotations

import logging

from bot.core import ports, recognition_summary, thanks
from scheduler import runtime

logger = logging.getLogger(__name__)

# The summary falls due at 09:00 on the first of the month, so checking every 10
# minutes sends it by 09:10. Each check costs one query per workspace.
SUMMARY_SECONDS = 600


def retry_thanks_cards() -> None:
    """Post the cards of the last day whose posting failed or was cut short."""
    context = runtime.current()
    publisher = context.publisher
    if not isinstance(publisher, ports.CardPublisher):
        # Peer recognition is Slack's only; a process serving Teams alone has no cards.
        logger.debug("No platform served here posts thank-you cards")
        return
    posted = thanks.retry_unposted_cards(context.db, publisher, now=context.clock.now())
    if posted:
        logger.info("Posted %s thank-you cards on retry", posted)


def send_recognition_summaries() -> None:
    """Enqueue the due monthly recognition summary for each workspace's managers, once."""
    context = runtime.current()
    notifier = context.publisher
    if not isinstance(notifier, ports.RecognitionNotifier):
        logger.debug("No platform served here sends recognition summaries")
        return
    recognition_summary.send_due_summaries(
        context.db, notifier, now=context.clock.now(), min_group_size=context.min_group_size
    )
