"""Throttled updates of the vote count shown on idea messages."""

from __future__ import annotations

import heapq
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core import display, ideas
from bot.core.errors import NotFound
from handlers.blocks.ideas import idea_message
from storage.database import Database

logger = logging.getLogger(__name__)


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class VoteCountRefresher:
    """Updates idea messages with chat.update at most once per idea per 5 seconds.

    The stored count is exact at once; the message catches up. A request that
    falls inside an idea's 5-second window is deferred to the window's end, so
    the last update of a burst shows the final count.
    """

    def __init__(
        self,
        *,
        db: Database,
        client: WebClient,
        now: Callable[[], datetime] = _wall_clock,
    ) -> None:
        self._db = db
        self._client = client
        self._now = now
        self._due: list[tuple[datetime, int]] = []
        self._pending: dict[int, datetime] = {}
        self._condition = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(
            target=self._run_deferred, name="vote-count-refresher", daemon=True
        )
        self._thread.start()

    def request(self, idea_id: int) -> None:
        """Update the idea message now if its window allows, else at the window's end."""
        with self._condition:
            if idea_id in self._pending:
                # The deferred update reads the count when it runs, so it will
                # show this vote too.
                return
        claim = display.claim_refresh(self._db, idea_id, now=self._now())
        if claim.refresh_now:
            if claim.vote_count != claim.shown_vote_count:
                self._update(idea_id)
        elif claim.retry_at is not None:
            self._defer(idea_id, claim.retry_at)

    def pending(self) -> int:
        """Return how many deferred updates are waiting."""
        with self._condition:
            return len(self._pending)

    def stop(self) -> None:
        """Stop the deferred-update thread; deferred updates not yet due are dropped."""
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        self._thread.join(timeout=5)

    def _defer(self, idea_id: int, due: datetime) -> None:
        with self._condition:
            if idea_id in self._pending:
                return
            self._pending[idea_id] = due
            heapq.heappush(self._due, (due, idea_id))
            self._condition.notify_all()

    def _run_deferred(self) -> None:
        while True:
            with self._condition:
                while not self._stopping:
                    if self._due:
                        wait = (self._due[0][0] - self._now()).total_seconds()
                        if wait <= 0:
                            break
                        self._condition.wait(timeout=min(wait, 1.0))
                    else:
                        self._condition.wait(timeout=1.0)
                if self._stopping:
                    return
                _, idea_id = heapq.heappop(self._due)
                self._pending.pop(idea_id, None)
            try:
                self.request(idea_id)
            except Exception:
                logger.exception("Deferred refresh of idea %s failed", idea_id)

    def _update(self, idea_id: int) -> None:
        try:
            idea = ideas.get_idea(self._db, idea_id)
        except NotFound:
            return
        if idea.channel_id is None or idea.message_id is None:
            return
        text, blocks = idea_message(idea, vote_count=idea.vote_count)
        try:
            self._client.chat_update(
                channel=idea.channel_id, ts=idea.message_id, text=text, blocks=blocks
            )
        except SlackApiError as error:
            logger.warning(
                "chat.update of idea %s failed: %s", idea_id, error.response.get("error")
            )
            return
        display.record_shown(self._db, idea_id, vote_count=idea.vote_count, now=self._now())
