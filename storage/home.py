"""Queries behind the App Home tab: a person's campaigns, boards, ideas and thanks, and the
managers' sections. Each function is one query, so the Home tab costs a fixed number of them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from storage.models import (
    Board,
    Campaign,
    Idea,
    ModerationItem,
    Thanks,
    ThanksRecipient,
    Topic,
)
from storage.visibility import visible_idea

OPEN = "open"
CLOSED = "closed"


def list_open_campaigns(session: Session, *, platform: str) -> list[Campaign]:
    """Return the platform's open campaigns, closing soonest first."""
    query = (
        select(Campaign)
        .where(Campaign.platform == platform, Campaign.status == OPEN)
        .order_by(Campaign.ends_at, Campaign.id)
    )
    return list(session.scalars(query))


def list_topics(session: Session, campaign_ids: Sequence[int]) -> list[Topic]:
    """Return the topics of these campaigns, by campaign and position."""
    if not campaign_ids:
        return []
    query = (
        select(Topic)
        .where(Topic.campaign_id.in_(campaign_ids))
        .order_by(Topic.campaign_id, Topic.position)
    )
    return list(session.scalars(query))


def list_open_boards(session: Session, *, platform: str, user_id: str) -> list[Board]:
    """Return the platform's open boards in public channels, and private ones the user leads.

    Only members of a private channel may read its board, and membership is
    known to the chat platform only, so a private board is listed to its lead alone.
    """
    query = (
        select(Board)
        .where(
            Board.platform == platform,
            Board.status == OPEN,
            or_(Board.private.is_(false()), Board.lead_id == user_id),
        )
        .order_by(Board.id)
    )
    return list(session.scalars(query))


def _own_ideas(platform: str, user_id: str, author_hash: str | None) -> ColumnElement[bool]:
    """Return the condition for a person's shown ideas: named ones, and anonymous ones by hash."""
    named = and_(Idea.platform == platform, Idea.author_id == user_id, Idea.anonymous.is_(false()))
    mine = named if author_hash is None else or_(named, Idea.author_hash == author_hash)
    return and_(mine, visible_idea())


def list_own_ideas(
    session: Session, *, platform: str, user_id: str, author_hash: str | None, limit: int
) -> list[tuple[Idea, str | None, str | None]]:
    """Return up to limit of a person's ideas, newest first, with campaign title and board channel.

    Hidden and withdrawn ideas are left out.
    """
    query = (
        select(Idea, Campaign.title, Board.channel_id)
        .outerjoin(Campaign, Idea.campaign_id == Campaign.id)
        .outerjoin(Board, Idea.board_id == Board.id)
        .where(_own_ideas(platform, user_id, author_hash))
        .order_by(Idea.created_at.desc(), Idea.id.desc())
        .limit(limit)
    )
    return [(idea, title, channel) for idea, title, channel in session.execute(query)]


def count_own_ideas(
    session: Session, *, platform: str, user_id: str, author_hash: str | None
) -> int:
    """Return how many ideas list_own_ideas would return without a limit."""
    query = select(func.count()).select_from(Idea).where(_own_ideas(platform, user_id, author_hash))
    return int(session.scalar(query) or 0)


def _received(platform: str, user_id: str) -> ColumnElement[bool]:
    return and_(Thanks.platform == platform, ThanksRecipient.user_id == user_id)


def count_thanks_received(session: Session, *, platform: str, user_id: str) -> int:
    """Return how many thank-you cards name the user as a recipient."""
    query = (
        select(func.count())
        .select_from(ThanksRecipient)
        .join(Thanks, ThanksRecipient.thanks_id == Thanks.id)
        .where(_received(platform, user_id))
    )
    return int(session.scalar(query) or 0)


def list_thanks_received(
    session: Session, *, platform: str, user_id: str, limit: int
) -> list[Thanks]:
    """Return up to limit thank-you cards to the user, newest first."""
    query = (
        select(Thanks)
        .join(ThanksRecipient, ThanksRecipient.thanks_id == Thanks.id)
        .where(_received(platform, user_id))
        .order_by(Thanks.created_at.desc(), Thanks.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def count_open_moderation_items(session: Session) -> int:
    """Return how many ideas and comments have at least one open moderation queue entry."""
    items = (
        select(ModerationItem.item_kind, ModerationItem.item_id)
        .where(ModerationItem.status == OPEN)
        .distinct()
        .subquery()
    )
    return int(session.scalar(select(func.count()).select_from(items)) or 0)


def latest_closed_campaign(session: Session, *, platform: str) -> Campaign | None:
    """Return the platform's campaign that closed last, or None."""
    query = (
        select(Campaign)
        .where(Campaign.platform == platform, Campaign.status == CLOSED)
        .order_by(func.coalesce(Campaign.closed_at, Campaign.ends_at).desc(), Campaign.id.desc())
        .limit(1)
    )
    return session.scalar(query)


def count_answered_ideas(session: Session, campaign_id: int) -> tuple[int, int]:
    """Return (shown ideas, shown ideas with a status) of a campaign."""
    query = select(func.count(), func.count(Idea.status)).where(
        Idea.campaign_id == campaign_id, visible_idea()
    )
    row = session.execute(query).one()
    return int(row[0] or 0), int(row[1] or 0)


def _campaign_idea(platform: str) -> ColumnElement[bool]:
    return and_(
        Idea.campaign_id.is_not(None),
        visible_idea(),
        Campaign.platform == platform,
        Campaign.status.in_((OPEN, CLOSED)),
    )


def _awaiting(platform: str) -> ColumnElement[bool]:
    return and_(_campaign_idea(platform), Idea.status.is_(None))


def list_awaiting_answer(
    session: Session, *, platform: str, limit: int
) -> list[tuple[Idea, int, str]]:
    """Return up to limit campaign ideas without a status, most votes first, with their campaign.

    Each row is (idea, campaign id, campaign title).

    Ties go to more comments, then to the earlier idea. Ideas of cancelled
    campaigns are left out, and so are hidden and withdrawn ones.
    """
    query = (
        select(Idea, Campaign.id, Campaign.title)
        .join(Campaign, Idea.campaign_id == Campaign.id)
        .where(_awaiting(platform))
        .order_by(Idea.vote_count.desc(), Idea.comment_count.desc(), Idea.created_at, Idea.id)
        .limit(limit)
    )
    return [(idea, campaign_id, title) for idea, campaign_id, title in session.execute(query)]


def count_awaiting_answer(session: Session, *, platform: str) -> int:
    """Return how many ideas list_awaiting_answer would return without a limit."""
    query = (
        select(func.count())
        .select_from(Idea)
        .join(Campaign, Idea.campaign_id == Campaign.id)
        .where(_awaiting(platform))
    )
    return int(session.scalar(query) or 0)


def count_campaign_ideas(session: Session, *, platform: str) -> int:
    """Return how many ideas of open and closed campaigns are shown, answered or not."""
    query = (
        select(func.count())
        .select_from(Idea)
        .join(Campaign, Idea.campaign_id == Campaign.id)
        .where(_campaign_idea(platform))
    )
    return int(session.scalar(query) or 0)
