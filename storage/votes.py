"""Storage functions for votes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from storage.models import ClosedVoteNotice, Vote
from storage.upsert import insert_if_absent


def add_vote(
    session: Session, idea_id: int, *, platform: str, team_id: str, user_id: str, now: datetime
) -> bool:
    """Add a vote unless this person already voted; return whether it was added."""
    return insert_if_absent(
        session,
        Vote,
        idea_id=idea_id,
        platform=platform,
        team_id=team_id,
        user_id=user_id,
        created_at=now,
    )


def remove_vote(
    session: Session, idea_id: int, *, platform: str, team_id: str, user_id: str
) -> bool:
    """Remove a person's vote; return whether there was one."""
    result = session.execute(
        delete(Vote).where(
            Vote.idea_id == idea_id,
            Vote.platform == platform,
            Vote.team_id == team_id,
            Vote.user_id == user_id,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def add_closed_vote_notice(
    session: Session, campaign_id: int, *, platform: str, team_id: str, user_id: str, now: datetime
) -> bool:
    """Record that a voter was told the campaign is closed; return False if already told."""
    return insert_if_absent(
        session,
        ClosedVoteNotice,
        campaign_id=campaign_id,
        platform=platform,
        team_id=team_id,
        user_id=user_id,
        created_at=now,
    )
