"""Votes: one per person per idea, however cast, counted only while the campaign is open."""

from __future__ import annotations

import logging
from datetime import datetime
from enum import Enum

from sqlalchemy.orm import Session

from bot.core.errors import NotFound
from bot.core.events import claim_event
from bot.core.participation import record_contribution
from bot.core.records import Person, VoteResult
from storage import boards as board_store
from storage import ideas as idea_store
from storage import votes as vote_store
from storage.database import Database
from storage.models import Campaign, Idea

logger = logging.getLogger(__name__)


class VoteChange(Enum):
    """The change a voter requests: add a vote, remove it, or flip it."""

    CAST = "cast"
    WITHDRAW = "withdraw"
    TOGGLE = "toggle"


def _voting_state(
    session: Session, idea: Idea, campaign: Campaign | None, now: datetime
) -> tuple[bool, bool]:
    """Return whether voting on the idea has closed, and whether its counts are hidden now."""
    if idea.board_id is not None:
        board = board_store.get_board(session, idea.board_id)
        return board is not None and board.status != "open", False
    if campaign is None:
        return False, False
    closed = campaign.status == "closed" or campaign.ends_at <= now
    # The same rule as storage.ideas.counts_hidden, on the campaign already read.
    return closed, campaign.hide_counts and campaign.status != "closed"


def change_vote(
    db: Database,
    voter: Person,
    *,
    idea_id: int,
    change: VoteChange,
    now: datetime,
    event_id: str | None = None,
) -> VoteResult:
    """Apply a vote change and return the idea's exact count afterwards.

    On a hidden or withdrawn idea nothing changes and the result's
    rejected_hidden says so.
    On an idea whose campaign or board has closed nothing changes; the result
    says so, and says whether this voter has yet to be told (they are told
    once per campaign or board).
    A redelivered event (same event_id) changes nothing. The result's
    counts_hidden is True while the campaign hides its counts.
    """
    with db.transaction() as session:
        found = idea_store.get_idea_for_vote(session, idea_id=idea_id)
        if found is None:
            raise NotFound(f"There is no idea {idea_id}; it may have been removed.")
        idea, campaign = found
        result = _apply(session, voter, idea, campaign, change=change, now=now, event_id=event_id)
    _log_change(result, change)
    return result


def change_vote_on_message(
    db: Database,
    voter: Person,
    *,
    channel_id: str,
    message_id: str,
    change: VoteChange,
    now: datetime,
    event_id: str | None = None,
) -> VoteResult | None:
    """Apply a vote change to the idea a chat message shows, as change_vote does.

    Finding the idea and changing the vote take one transaction. Returns None,
    changing nothing, when no idea has that message yet.
    """
    with db.transaction() as session:
        found = idea_store.get_idea_for_vote(
            session, platform=voter.platform, channel_id=channel_id, message_id=message_id
        )
        if found is None:
            return None
        idea, campaign = found
        result = _apply(session, voter, idea, campaign, change=change, now=now, event_id=event_id)
    _log_change(result, change)
    return result


def _log_change(result: VoteResult, change: VoteChange) -> None:
    if result.changed:
        logger.debug(
            "Vote %s on idea %s, count now %s", change.value, result.idea_id, result.vote_count
        )


def _apply(
    session: Session,
    voter: Person,
    idea: Idea,
    campaign: Campaign | None,
    *,
    change: VoteChange,
    now: datetime,
    event_id: str | None,
) -> VoteResult:
    idea_id = idea.id
    if not claim_event(session, platform=voter.platform, event_id=event_id, now=now):
        return VoteResult(idea_id=idea_id, counted=False, changed=False, vote_count=idea.vote_count)
    if idea.hidden_at is not None or idea.withdrawn_at is not None:
        return VoteResult(
            idea_id=idea_id,
            counted=False,
            changed=False,
            vote_count=idea.vote_count,
            rejected_hidden=True,
        )
    closed, counts_hidden = _voting_state(session, idea, campaign, now)
    if closed:
        if idea.campaign_id is not None:
            first_notice = vote_store.add_closed_vote_notice(
                session,
                idea.campaign_id,
                platform=voter.platform,
                team_id=voter.team_id,
                user_id=voter.user_id,
                now=now,
            )
        else:
            assert idea.board_id is not None
            first_notice = board_store.add_vote_notice(
                session,
                idea.board_id,
                platform=voter.platform,
                team_id=voter.team_id,
                user_id=voter.user_id,
                now=now,
            )
        return VoteResult(
            idea_id=idea_id,
            counted=False,
            changed=False,
            vote_count=idea.vote_count,
            rejected_closed=True,
            notify_closed=first_notice,
        )

    identity = {"platform": voter.platform, "team_id": voter.team_id, "user_id": voter.user_id}
    if change is VoteChange.CAST:
        changed = vote_store.add_vote(session, idea_id, now=now, **identity)
        counted, delta = True, 1
    elif change is VoteChange.WITHDRAW:
        changed = vote_store.remove_vote(session, idea_id, **identity)
        counted, delta = False, -1
    else:
        changed = vote_store.remove_vote(session, idea_id, **identity)
        if changed:
            counted, delta = False, -1
        else:
            changed = vote_store.add_vote(session, idea_id, now=now, **identity)
            counted, delta = True, 1

    vote_count = idea.vote_count
    if changed:
        vote_count = idea_store.change_vote_count(session, idea_id, delta=delta)
    if changed and counted:
        record_contribution(
            session, voter, campaign_id=idea.campaign_id, board_id=idea.board_id, now=now
        )
    return VoteResult(
        idea_id=idea_id,
        counted=counted,
        changed=changed,
        vote_count=vote_count,
        counts_hidden=counts_hidden,
    )
