"""Keeps the vote counts on Teams idea cards current by updating the cards' messages."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from bot.core.delivery import claim_closed_display, ideas_to_show_closed, record_closed_display
from bot.core.errors import NotFound, StaffvoiceError
from bot.core.ideas import get_idea
from bot.core.records import IdeaRecord
from handlers.teams.activity import PLATFORM
from handlers.teams.cards_ideas import idea_card
from handlers.teams.connector import TeamsConnector, card_activity
from storage.database import Database

logger = logging.getLogger(__name__)

# An idea card is updated at most once in this many seconds; votes in between are
# shown by the next update. Teams allows a bot 7 messages a second per conversation.
REFRESH_INTERVAL_SECONDS = 2.0


def counts_hidden(idea: IdeaRecord) -> bool:
    """Return whether the idea's card must not show counts yet."""
    return idea.hide_counts and not idea.voting_closed


class CardRefresher:
    """Updates idea cards from a thread of its own, coalescing requests for one idea."""

    def __init__(
        self,
        connector: TeamsConnector,
        db: Database,
        *,
        service_url: Callable[[str], str],
        interval: float = REFRESH_INTERVAL_SECONDS,
    ) -> None:
        """service_url returns the service URL of a channel, raising DeliveryFailed."""
        self._connector = connector
        self._db = db
        self._service_url = service_url
        self._refresh_interval = interval
        self._due: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._wake = threading.Condition()
        self._stopped = False
        self._worker = threading.Thread(
            target=self._refresh_loop, name="teams-refresh", daemon=True
        )
        self._worker.start()

    def show_voting_closed(self, campaign_id: int) -> None:
        """Update the Teams cards of a closed campaign's ideas to show voting closed."""
        threading.Thread(
            target=self._show_closed, args=(campaign_id,), name="teams-closed", daemon=True
        ).start()

    def _show_closed(self, campaign_id: int) -> None:
        for idea_id in ideas_to_show_closed(self._db, campaign_id=campaign_id, platform=PLATFORM):
            if self._stopped:
                # The claims not made yet are left for the close job's next pass.
                return
            if not claim_closed_display(self._db, idea_id, now=datetime.now(UTC)):
                continue
            try:
                idea = self.show_current(idea_id)
            except StaffvoiceError as error:
                logger.warning("Could not show idea %s closed (%s)", idea_id, error.code)
                continue
            except RuntimeError:
                # The process stopped its event loop while this thread was sending.
                logger.info("Stopped showing campaign %s closed at shutdown", campaign_id)
                return
            if idea is not None:
                record_closed_display(self._db, idea_id, vote_count=idea.vote_count, drawn=idea)

    def request(self, idea_id: int) -> None:
        """Update the idea's card soon, at most once per refresh interval."""
        now = time.monotonic()
        with self._wake:
            due = max(now, self._last.get(idea_id, 0.0) + self._refresh_interval)
            if idea_id not in self._due or due < self._due[idea_id]:
                self._due[idea_id] = due
            self._wake.notify()

    def show_current(self, idea_id: int) -> IdeaRecord | None:
        """Update the idea's card now, from this thread; return the idea as drawn."""
        try:
            idea = get_idea(self._db, idea_id)
        except NotFound:
            return None
        if idea.channel_id is None or idea.message_id is None:
            return None
        card = idea_card(idea, counts_hidden=counts_hidden(idea))
        self._connector.update(
            self._service_url(idea.channel_id),
            idea.channel_id,
            idea.message_id,
            card_activity(card),
        )
        return idea

    def _refresh_loop(self) -> None:
        while True:
            with self._wake:
                while not self._stopped:
                    now = time.monotonic()
                    ready = [idea for idea, due in self._due.items() if due <= now]
                    if ready:
                        break
                    wait = min(self._due.values(), default=now + 60.0) - now
                    self._wake.wait(timeout=max(wait, 0.01))
                if self._stopped:
                    return
                for idea_id in ready:
                    del self._due[idea_id]
                    self._last[idea_id] = now
            for idea_id in ready:
                try:
                    self.show_current(idea_id)
                except StaffvoiceError as error:
                    logger.warning("Could not update the card of idea %s (%s)", idea_id, error.code)
                except Exception:
                    logger.exception("Could not update the card of idea %s", idea_id)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until no update is due; return False when some are still due after timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._wake:
                if not self._due:
                    return True
            time.sleep(0.02)
        return False

    def stop(self) -> None:
        """Stop the refresh thread."""
        with self._wake:
            self._stopped = True
            self._wake.notify()
        self._worker.join(timeout=5)
