"""Throttling of the vote count shown on idea messages, shared by every bot process."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.core.records import IdeaRecord
from storage import ideas as idea_store
from storage import statuses as status_store
from storage.database import Database
from storage.models import Idea

logger = logging.getLogger(__name__)

# Slack rate-limits chat.update (Tier 3, about 50 calls a minute). Refreshing each
# idea message at most every 15 seconds holds a burst of votes on one idea to 4
# updates a minute.
MIN_REFRESH_INTERVAL = timedelta(seconds=15)


@dataclass(frozen=True)
class RefreshClaim:
    """Whether to refresh an idea message now, and what it should show."""

    refresh_now: bool
    vote_count: int
    shown_vote_count: int | None
    retry_at: datetime | None


def claim_refresh(db: Database, idea_id: int, *, now: datetime) -> RefreshClaim:
    """Claim a refresh of an idea message, or return when the next one may happen.

    Uses the database so that several processes together refresh an idea at
    most once per MIN_REFRESH_INTERVAL; `now` is wall-clock time, because the
    limit is Slack's. An idea whose campaign hides counts until it closes is
    claimed only when its shown count is unknown, which asks for a redraw,
    because its message shows no count to refresh.
    """
    with db.transaction() as session:
        if idea_store.counts_hidden(session, idea_id) and idea_store.shown_count_known(
            session, idea_id
        ):
            return RefreshClaim(False, 0, None, None)
        claimed = idea_store.claim_vote_count_refresh(
            session, idea_id, now=now, min_interval=MIN_REFRESH_INTERVAL
        )
        idea = idea_store.get_idea(session, idea_id)
        if idea is None or idea.message_id is None:
            return RefreshClaim(False, 0, None, None)
        retry_at = None
        if not claimed and idea.shown_at is not None:
            retry_at = idea.shown_at + MIN_REFRESH_INTERVAL
        return RefreshClaim(claimed, idea.vote_count, idea.shown_vote_count, retry_at)


def _drawn_state(
    idea: Idea | IdeaRecord,
) -> tuple[str | None, str | None, str | None, int | None, bool, bool]:
    """Return what an idea message shows besides its vote count: answer, topic, notices."""
    if isinstance(idea, IdeaRecord):
        hidden, withdrawn = idea.hidden, idea.withdrawn
    else:
        hidden, withdrawn = idea.hidden_at is not None, idea.withdrawn_at is not None
    return (idea.status, idea.status_reply, idea.status_owner, idea.topic_id, hidden, withdrawn)


def mark_if_changed_since(session: Session, idea_id: int, drawn: IdeaRecord) -> bool:
    """Mark the idea for a redraw when it changed after `drawn` was read; return whether it did.

    Two updates of one message can overlap, such as the one showing a closed
    campaign and the one showing a new answer, and the one that reached Slack
    last may have been drawn from the older state. The stale-message job
    redraws a marked message from the state stored then.
    """
    idea = idea_store.get_idea(session, idea_id)
    if idea is None or _drawn_state(idea) == _drawn_state(drawn):
        return False
    status_store.mark_for_redraw(session, [idea_id])
    logger.info(
        "Idea %s changed while its message was being updated, so it is marked to redraw", idea_id
    )
    return True


def record_shown(
    db: Database,
    idea_id: int,
    *,
    vote_count: int,
    now: datetime,
    drawn: IdeaRecord | None = None,
) -> None:
    """Store the vote count an idea message now shows, and restart its window at `now`.

    Restarting the window when the update has gone out, not when it was
    claimed, keeps two updates at least MIN_REFRESH_INTERVAL apart at Slack
    however long the first request took. drawn is the idea as the update drew
    it: when the idea changed since, it is marked for a redraw.
    """
    with db.transaction() as session:
        idea_store.set_shown_vote_count(session, idea_id, vote_count=vote_count, shown_at=now)
        if drawn is not None:
            mark_if_changed_since(session, idea_id, drawn)


def stale_idea_ids(db: Database, *, now: datetime, limit: int = 200) -> list[int]:
    """Return ideas whose message shows an old vote count and may be refreshed now."""
    with db.transaction() as session:
        return idea_store.list_stale_idea_ids(
            session, before=now - MIN_REFRESH_INTERVAL, limit=limit
        )
