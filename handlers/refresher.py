"""Throttled updates of the vote count shown on idea messages."""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core import delivery, display, ideas
from bot.core.errors import NotFound
from handlers.blocks.ideas import idea_message, shows_voting_closed
from handlers.pacing import Pacer
from handlers.platform import PLATFORM
from storage.database import Database

logger = logging.getLogger(__name__)


# Pause between the paced chat.update calls: those that show a closed campaign's
# ideas and those queued by redraw_paced, such as a closed board's ideas.
# chat.update is in Slack's Tier 3 (about 50 calls a minute), and vote-count
# refreshes share that budget, so this leaves room for them.
# NOTE: the budget is per workspace, and each bot process paces itself alone.
# Two processes updating one closing campaign together may reach the limit.
# The Web client of bot.app waits out a 429 response and retries at most twice.
CLOSED_UPDATE_INTERVAL_SECONDS = 1.5
# Every chat.update the refresher makes, of any kind, keeps to this many a
# minute, under Tier 3's 50 and leaving a few for the bot's other chat.update
# calls. Votes spread over many ideas then wait in the queue, not at Slack.
# NOTE: like the pause above, this is per process, and two processes together
# may exceed the workspace's budget.
UPDATES_PER_MINUTE = 45.0
CLOSED_BATCH_SIZE = 100
CLOSED_ERROR_PAUSE_SECONDS = 5.0


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class VoteCountRefresher:
    """Updates the vote count of idea messages with chat.update, at most once per idea per 15 s.

    The stored count is exact at once; the message catches up. A request that
    falls inside an idea's window (display.MIN_REFRESH_INTERVAL) is deferred
    to the window's end, so the last update of a burst shows the final count.
    All its chat.update calls together keep to UPDATES_PER_MINUTE.
    """

    def __init__(
        self,
        *,
        db: Database,
        client: WebClient,
        now: Callable[[], datetime] = _wall_clock,
        closed_update_interval: float = CLOSED_UPDATE_INTERVAL_SECONDS,
        updates_per_minute: float = UPDATES_PER_MINUTE,
    ) -> None:
        self._db = db
        self._update_pacer = Pacer(per_second=updates_per_minute / 60)
        # Held from reading an idea until its chat.update is recorded, by every thread.
        self._draw_lock = threading.Lock()
        # Set only by stop(), to cut short a wait for the pacer.
        self._stopped = threading.Event()
        self._client = client
        self._now = now
        self._due: list[tuple[datetime, int]] = []
        self._pending: dict[int, datetime] = {}
        self._condition = threading.Condition()
        self._stopping = False
        self._closed_interval = closed_update_interval
        self._closing_campaigns: set[int] = set()
        # Ideas queued by redraw, in order, and the same ids as a set.
        self._redraws: deque[int] = deque()
        self._redraw_ids: set[int] = set()
        # Ideas queued by redraw_paced, in order, and the same ids as a set.
        self._paced_redraws: deque[int] = deque()
        self._paced_redraw_ids: set[int] = set()
        self._closing_wake = threading.Event()
        # Set only by stop(), to cut short the pause between paced updates.
        self._closing_pause = threading.Event()
        # time.monotonic() of the last closed-display update, for the pacing.
        self._last_closed_update = 0.0
        self._thread = threading.Thread(
            target=self._run_deferred, name="vote-count-refresher", daemon=True
        )
        self._thread.start()
        self._closing_thread = threading.Thread(
            target=self._run_closing, name="closed-idea-updater", daemon=True
        )
        self._closing_thread.start()

    def request(self, idea_id: int) -> None:
        """Queue an update of the idea message: now if its window allows, else at the window's end.

        The background thread claims and makes the update, so a vote's listener
        returns without waiting for the database claim or for chat.update.
        """
        # A queued update reads the count when it runs, so it shows this vote too.
        self._defer(idea_id, self._now())

    def _refresh(self, idea_id: int) -> None:
        """Update the idea message now if its window allows, else queue it for the window's end."""
        claim = display.claim_refresh(self._db, idea_id, now=self._now())
        if claim.refresh_now:
            if claim.vote_count != claim.shown_vote_count:
                self._update(idea_id)
        elif claim.retry_at is not None:
            self._defer(idea_id, claim.retry_at)

    def redraw(self, idea_id: int) -> None:
        """Queue an update of the idea message for a change other than its vote count, such as
        its topic, to be made by the background thread before any vote-count refresh.

        This skips the idea's refresh window, so callers use it for changes an idea
        gets once, not for every vote. The listener that calls it does not wait for
        the pacing of chat.update, which under a burst would hold its thread for seconds.
        """
        with self._condition:
            if idea_id not in self._redraw_ids:
                self._redraw_ids.add(idea_id)
                self._redraws.append(idea_id)
                self._condition.notify_all()

    def pending(self) -> int:
        """Return how many queued redraws and deferred updates are waiting."""
        with self._condition:
            return len(self._pending) + len(self._redraws)

    def show_voting_closed(self, campaign_id: int) -> None:
        """Queue the update of a closed campaign's idea messages to their final counts.

        A background thread makes the updates one at a time, paced under
        chat.update's rate limit. Each idea is claimed in the database first,
        so ideas shown closed already, by this process or another, are skipped.
        """
        with self._condition:
            self._closing_campaigns.add(campaign_id)
        self._closing_wake.set()

    def redraw_paced(self, idea_ids: Iterable[int]) -> None:
        """Queue idea messages to be redrawn one at a time, paced like a closed campaign's.

        It suits a change that reaches many ideas at once, such as a board
        closing or reopening. Each redraw reads the idea when it runs, so it
        shows the state of that moment, and an idea queued again before its
        redraw is redrawn once.
        """
        # TODO: the queue lives in memory, so redraws not made before the process
        # stops are lost, and those messages keep showing the old state.
        with self._condition:
            for idea_id in idea_ids:
                if idea_id not in self._paced_redraw_ids:
                    self._paced_redraw_ids.add(idea_id)
                    self._paced_redraws.append(idea_id)
        self._closing_wake.set()

    def redraws_pending(self) -> int:
        """Return how many ideas queued by redraw_paced are not redrawn yet."""
        with self._condition:
            return len(self._paced_redraws)

    def closing_pending(self) -> int:
        """Return how many campaigns have idea messages queued to be shown closed."""
        with self._condition:
            return len(self._closing_campaigns)

    def stop(self) -> None:
        """Stop the background threads; deferred and queued updates not yet made are dropped."""
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        self._stopped.set()
        self._closing_wake.set()
        self._closing_pause.set()
        self._thread.join(timeout=5)
        self._closing_thread.join(timeout=5)

    def _run_closing(self) -> None:
        while True:
            self._closing_wake.wait()
            with self._condition:
                if self._stopping:
                    return
                self._closing_wake.clear()
                campaign_ids = sorted(self._closing_campaigns)
            for campaign_id in campaign_ids:
                try:
                    finished = self._show_campaign_closed(campaign_id)
                except Exception:
                    logger.exception("Showing the ideas of campaign %s closed failed", campaign_id)
                    # The campaign stays queued, and the pause keeps a lasting fault,
                    # such as an unreachable database, from looping without a break.
                    self._closing_pause.wait(CLOSED_ERROR_PAUSE_SECONDS)
                    finished = False
                with self._condition:
                    if self._stopping:
                        return
                    if finished:
                        self._closing_campaigns.discard(campaign_id)
            if not self._run_paced_redraws():
                return
            with self._condition:
                if self._closing_campaigns or self._paced_redraws:
                    self._closing_wake.set()

    def _run_paced_redraws(self) -> bool:
        """Redraw the ideas queued by redraw_paced; return False when stopping."""
        while True:
            with self._condition:
                if self._stopping:
                    return False
                if not self._paced_redraws:
                    return True
            pause = self._last_closed_update + self._closed_interval - time.monotonic()
            if pause > 0 and self._closing_pause.wait(pause):
                return False
            with self._condition:
                idea_id = self._paced_redraws.popleft()
                # Removed before the update, so a request queued during it redraws again.
                self._paced_redraw_ids.discard(idea_id)
            try:
                self._update(idea_id)
            except Exception:
                logger.exception("Paced redraw of idea %s failed", idea_id)
            self._last_closed_update = time.monotonic()

    def _show_campaign_closed(self, campaign_id: int) -> bool:
        """Update one batch of the campaign's idea messages; return True when none is left."""
        idea_ids = delivery.ideas_to_show_closed(
            self._db, campaign_id=campaign_id, platform=PLATFORM, limit=CLOSED_BATCH_SIZE
        )
        updated = 0
        for idea_id in idea_ids:
            with self._condition:
                if self._stopping:
                    return False
            # The pause comes before the claim, so a claimed idea is updated straight away.
            # An Event wait, so that stop() ends the pause at once.
            pause = self._last_closed_update + self._closed_interval - time.monotonic()
            if pause > 0 and self._closing_pause.wait(pause):
                return False
            if not delivery.claim_closed_display(self._db, idea_id, now=self._now()):
                continue
            self._update_closed(idea_id)
            self._last_closed_update = time.monotonic()
            updated += 1
        if updated:
            logger.info("Showed %s idea messages of campaign %s closed", updated, campaign_id)
        return len(idea_ids) < CLOSED_BATCH_SIZE

    def _update_closed(self, idea_id: int) -> None:
        if not self._pace():
            return
        # Read, update and record under one lock, after the pacing wait, so that no other
        # update of this process reaches Slack between this read and this update.
        with self._draw_lock:
            try:
                idea = ideas.get_idea(self._db, idea_id)
            except NotFound:
                return
            if idea.channel_id is None or idea.message_id is None:
                return
            text, blocks = idea_message(idea, vote_count=idea.vote_count, closed=True)
            try:
                self._client.chat_update(
                    channel=idea.channel_id, ts=idea.message_id, text=text, blocks=blocks
                )
            except SlackApiError as error:
                # NOTE: the claim stays, so a failed update is not tried again, and an
                # update cut short by a crash after its claim is lost the same way.
                logger.warning(
                    "chat.update showing idea %s closed failed: %s",
                    idea_id,
                    error.response.get("error"),
                )
                return
            delivery.record_closed_display(
                self._db, idea_id, vote_count=idea.vote_count, drawn=idea
            )

    def _pace(self) -> bool:
        """Wait for the next chat.update slot; return False when stop() cut the wait short."""
        wait = self._update_pacer.reserve()
        return wait <= 0 or not self._stopped.wait(wait)

    def _defer(self, idea_id: int, due: datetime) -> None:
        with self._condition:
            queued = self._pending.get(idea_id)
            # An earlier due time replaces a later one. A window measured from a shown_at
            # in the future, such as a campaign's closed_at from the scheduler's clock,
            # must not hold back a redraw that became due since.
            if queued is not None and queued <= due:
                return
            self._pending[idea_id] = due
            heapq.heappush(self._due, (due, idea_id))
            self._condition.notify_all()

    def _run_deferred(self) -> None:
        while True:
            with self._condition:
                while not self._stopping:
                    if self._redraws:
                        break
                    if self._due:
                        wait = (self._due[0][0] - self._now()).total_seconds()
                        if wait <= 0:
                            break
                        self._condition.wait(timeout=min(wait, 1.0))
                    else:
                        self._condition.wait(timeout=1.0)
                if self._stopping:
                    return
                redraw = bool(self._redraws)
                if redraw:
                    idea_id = self._redraws.popleft()
                    # Removed before the update, so a redraw queued during it runs again.
                    self._redraw_ids.discard(idea_id)
                else:
                    due, idea_id = heapq.heappop(self._due)
                    if self._pending.get(idea_id) != due:
                        # Replaced by an earlier due time, already run.
                        continue
                    del self._pending[idea_id]
            try:
                if redraw:
                    self._update(idea_id)
                else:
                    self._refresh(idea_id)
            except Exception:
                logger.exception("Update of idea %s failed", idea_id)

    def _update(self, idea_id: int) -> None:
        if not self._pace():
            return
        # As in _update_closed: the drawing is read after the wait, under the lock.
        with self._draw_lock:
            try:
                idea = ideas.get_idea(self._db, idea_id)
            except NotFound:
                return
            if idea.channel_id is None or idea.message_id is None:
                return
            # A refresh that runs after the close must not bring the Vote button back.
            text, blocks = idea_message(
                idea, vote_count=idea.vote_count, closed=shows_voting_closed(idea)
            )
            try:
                self._client.chat_update(
                    channel=idea.channel_id, ts=idea.message_id, text=text, blocks=blocks
                )
            except SlackApiError as error:
                logger.warning(
                    "chat.update of idea %s failed: %s", idea_id, error.response.get("error")
                )
                return
            display.record_shown(
                self._db, idea_id, vote_count=idea.vote_count, now=self._now(), drawn=idea
            )
