"""Ranking of ideas: most votes first, then most comments, then the earliest posted."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.records import RankedIdea
from storage.models import Idea
from storage.visibility import visible_idea


def top_ideas(session: Session, campaign_id: int, *, limit: int = 10) -> tuple[RankedIdea, ...]:
    """Return a campaign's leading ideas in rank order; ties share no rank."""
    query = (
        select(Idea)
        .where(Idea.campaign_id == campaign_id, visible_idea())
        .order_by(Idea.vote_count.desc(), Idea.comment_count.desc(), Idea.id)
        .limit(limit)
    )
    return tuple(
        RankedIdea(
            rank=position,
            idea_id=idea.id,
            text=idea.text,
            author_name=None if idea.anonymous else idea.author_name,
            anonymous=idea.anonymous,
            vote_count=idea.vote_count,
            comment_count=idea.comment_count,
            channel_id=idea.channel_id,
            message_id=idea.message_id,
        )
        for position, idea in enumerate(session.scalars(query), start=1)
    )
