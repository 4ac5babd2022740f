"""Queries behind the managers' daily digest: a campaign's activity within a period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Comment, Idea, Vote
from storage.visibility import visible_comment, visible_idea


@dataclass(frozen=True)
class ActivityCounts:
    """New ideas, comments and standing votes of a campaign within a period."""

    idea_count: int
    comment_count: int
    vote_count: int


@dataclass(frozen=True)
class VoteGain:
    """An idea and the standing votes it gained within a period."""

    idea_id: int
    text: str
    anonymous: bool
    author_name: str | None
    channel_id: str | None
    message_id: str | None
    gained: int
    vote_count: int
    # The chat platform the idea was posted from, which its message is on.
    platform: str


def activity_counts(
    session: Session, campaign_id: int, *, start: datetime, end: datetime
) -> ActivityCounts:
    """Count a campaign's ideas, comments and votes created at or after start and before end.

    Hidden or withdrawn ideas, hidden or deleted comments and withdrawn
    votes are not counted, because a withdrawn
    vote leaves no row and a deleted comment keeps only a tombstone.
    """
    campaign_ideas = select(Idea.id).where(Idea.campaign_id == campaign_id, visible_idea())
    ideas = session.scalar(
        select(func.count(Idea.id)).where(
            Idea.campaign_id == campaign_id,
            visible_idea(),
            Idea.created_at >= start,
            Idea.created_at < end,
        )
    )
    comments = session.scalar(
        select(func.count(Comment.id)).where(
            Comment.idea_id.in_(campaign_ideas),
            visible_comment(),
            Comment.created_at >= start,
            Comment.created_at < end,
        )
    )
    votes = session.scalar(
        select(func.count(Vote.id)).where(
            Vote.idea_id.in_(campaign_ideas), Vote.created_at >= start, Vote.created_at < end
        )
    )
    return ActivityCounts(
        idea_count=int(ideas or 0), comment_count=int(comments or 0), vote_count=int(votes or 0)
    )


def top_vote_gains(
    session: Session, campaign_id: int, *, start: datetime, end: datetime, limit: int
) -> list[VoteGain]:
    """Return the ideas that gained most standing votes in a period, most first.

    Ties are broken by the larger total, then by the earlier idea.
    """
    gained = func.count(Vote.id).label("gained")
    query = (
        select(Idea, gained)
        .join(Vote, Vote.idea_id == Idea.id)
        .where(
            Idea.campaign_id == campaign_id,
            visible_idea(),
            Vote.created_at >= start,
            Vote.created_at < end,
        )
        .group_by(Idea.id)
        .order_by(gained.desc(), Idea.vote_count.desc(), Idea.id)
        .limit(limit)
    )
    return [
        VoteGain(
            idea_id=idea.id,
            text=idea.text,
            anonymous=bool(idea.anonymous),
            author_name=None if idea.anonymous else idea.author_name,
            channel_id=idea.channel_id,
            message_id=idea.message_id,
            gained=int(count),
            vote_count=int(idea.vote_count),
            platform=idea.platform,
        )
        for idea, count in session.execute(query)
    ]
