"""Storage functions for ideas."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from storage.models import Campaign, Idea
from storage.visibility import visible_idea


def add_idea(
    session: Session,
    *,
    campaign_id: int | None,
    board_id: int | None = None,
    platform: str,
    team_id: str,
    author_id: str | None,
    author_name: str | None,
    anonymous: bool,
    text: str,
    detail: str | None,
    channel_id: str | None,
    created_at: datetime,
    topic_id: int | None = None,
) -> Idea:
    """Add an idea and return it with its id."""
    idea = Idea(
        campaign_id=campaign_id,
        board_id=board_id,
        topic_id=topic_id,
        platform=platform,
        team_id=team_id,
        author_id=author_id,
        author_name=author_name,
        anonymous=anonymous,
        text=text,
        detail=detail,
        channel_id=channel_id,
        created_at=created_at,
        vote_count=0,
        comment_count=0,
    )
    session.add(idea)
    session.flush()
    return idea


def get_idea(session: Session, idea_id: int) -> Idea | None:
    """Return the idea with this id, or None."""
    return session.get(Idea, idea_id)


def get_idea_by_message(
    session: Session, *, platform: str, channel_id: str, message_id: str
) -> Idea | None:
    """Return the idea shown by a chat message, or None when the message is not an idea."""
    return session.scalar(
        select(Idea).where(
            Idea.platform == platform,
            Idea.channel_id == channel_id,
            Idea.message_id == message_id,
        )
    )


def get_idea_for_vote(
    session: Session,
    *,
    idea_id: int | None = None,
    platform: str | None = None,
    channel_id: str | None = None,
    message_id: str | None = None,
) -> tuple[Idea, Campaign | None] | None:
    """Return an idea, by id or by its chat message, and its campaign, read in one query.

    A vote needs both, and a round trip fewer counts there.
    """
    query = select(Idea, Campaign).outerjoin(Campaign, Idea.campaign_id == Campaign.id)
    if idea_id is not None:
        query = query.where(Idea.id == idea_id)
    else:
        query = query.where(
            Idea.platform == platform,
            Idea.channel_id == channel_id,
            Idea.message_id == message_id,
        )
    row = session.execute(query).first()
    return None if row is None else (row[0], row[1])


def list_ideas(
    session: Session, *, campaign_id: int | None = None, visible_only: bool = False
) -> list[Idea]:
    """Return ideas in the order they were posted, optionally of one campaign or visible only."""
    query = select(Idea).order_by(Idea.id)
    if visible_only:
        query = query.where(visible_idea())
    if campaign_id is not None:
        query = query.where(Idea.campaign_id == campaign_id)
    return list(session.scalars(query))


def list_unposted_ideas(session: Session, *, before: datetime, limit: int) -> list[Idea]:
    """Return ideas that have a channel but no message yet, created before the given time."""
    query = (
        select(Idea)
        .where(
            Idea.channel_id.is_not(None),
            Idea.message_id.is_(None),
            Idea.created_at < before,
        )
        .order_by(Idea.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def claim_idea_post(
    session: Session, idea_id: int, *, now: datetime, retry_after: timedelta
) -> bool:
    """Claim the right to post an idea's message, unless posted or claimed recently."""
    result = session.execute(
        update(Idea)
        .where(
            Idea.id == idea_id,
            Idea.message_id.is_(None),
            or_(Idea.post_claimed_at.is_(None), Idea.post_claimed_at < now - retry_after),
        )
        .values(post_claimed_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def set_idea_message(session: Session, idea_id: int, *, message_id: str, vote_count: int) -> None:
    """Record the chat message that shows an idea and the vote count it shows."""
    session.execute(
        update(Idea)
        .where(Idea.id == idea_id)
        .values(message_id=message_id, shown_vote_count=vote_count)
    )


def change_vote_count(session: Session, idea_id: int, *, delta: int) -> int:
    """Add delta to an idea's stored vote count and return the new count."""
    count = session.scalar(
        update(Idea)
        .where(Idea.id == idea_id)
        .values(vote_count=Idea.vote_count + delta)
        .returning(Idea.vote_count)
    )
    return int(count or 0)


def set_idea_topic(session: Session, idea_id: int, *, topic_id: int) -> None:
    """Record the campaign topic an idea answers."""
    session.execute(update(Idea).where(Idea.id == idea_id).values(topic_id=topic_id))


def _counts_shown() -> ColumnElement[bool]:
    """Return a condition true for ideas whose message may show a vote count now.

    A campaign with hide_counts keeps counts off its idea messages until its
    status is closed. Ideas outside any campaign always show their count.
    """
    hidden_campaigns = select(Campaign.id).where(
        Campaign.hide_counts.is_(True), Campaign.status != "closed"
    )
    return or_(Idea.campaign_id.is_(None), Idea.campaign_id.not_in(hidden_campaigns))


def counts_hidden(session: Session, idea_id: int) -> bool:
    """Return whether the idea's campaign hides vote counts and has not closed yet."""
    query = (
        select(Campaign.id)
        .join(Idea, Idea.campaign_id == Campaign.id)
        .where(Idea.id == idea_id, Campaign.hide_counts.is_(True), Campaign.status != "closed")
    )
    return session.scalar(query) is not None


def shown_count_known(session: Session, idea_id: int) -> bool:
    """Return whether the idea's message has a recorded shown vote count."""
    query = select(Idea.id).where(Idea.id == idea_id, Idea.shown_vote_count.is_not(None))
    return session.scalar(query) is not None


def change_comment_count(session: Session, idea_id: int, *, delta: int) -> None:
    """Add delta to an idea's stored comment count."""
    session.execute(
        update(Idea).where(Idea.id == idea_id).values(comment_count=Idea.comment_count + delta)
    )


def claim_vote_count_refresh(
    session: Session, idea_id: int, *, now: datetime, min_interval: timedelta
) -> bool:
    """Claim the right to refresh an idea message now, at most once per min_interval."""
    result = session.execute(
        update(Idea)
        .where(
            Idea.id == idea_id,
            Idea.message_id.is_not(None),
            or_(Idea.shown_at.is_(None), Idea.shown_at <= now - min_interval),
        )
        .values(shown_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def set_shown_vote_count(
    session: Session, idea_id: int, *, vote_count: int, shown_at: datetime
) -> None:
    """Record the vote count an idea message now shows and when the update went out."""
    session.execute(
        update(Idea)
        .where(Idea.id == idea_id)
        .values(shown_vote_count=vote_count, shown_at=shown_at)
    )


def list_stale_idea_ids(session: Session, *, before: datetime, limit: int) -> list[int]:
    """Return ids of posted ideas whose shown vote count is unknown or differs from the stored one.

    An unknown (null) shown count is the signal to redraw a message, such as
    after an erasure or a status change made without the bot. Ideas of a
    campaign that hides counts until it closes are left out while it is open
    unless their shown count is unknown, because their message shows no count.
    """
    query = (
        select(Idea.id)
        .where(
            Idea.message_id.is_not(None),
            or_(
                Idea.shown_vote_count.is_(None),
                and_(_counts_shown(), Idea.shown_vote_count != Idea.vote_count),
            ),
            or_(Idea.shown_at.is_(None), Idea.shown_at <= before),
        )
        .order_by(Idea.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def has_idea_being_posted(
    session: Session, *, platform: str, channel_id: str, claimed_after: datetime
) -> bool:
    """Return whether an idea in the channel was claimed for posting and has no message id yet."""
    query = (
        select(Idea.id)
        .where(
            Idea.platform == platform,
            Idea.channel_id == channel_id,
            Idea.message_id.is_(None),
            Idea.post_claimed_at > claimed_after,
        )
        .limit(1)
    )
    return session.scalar(query) is not None


def list_ideas_to_show_closed(
    session: Session, *, campaign_id: int | None = None, platform: str | None = None, limit: int
) -> list[int]:
    """Return ids of posted ideas of closed campaigns whose message was not updated since the close.

    An idea message counts as updated since the close when its shown_at is at
    or after its campaign's closed_at.
    """
    query = (
        select(Idea.id)
        .join(Campaign, Campaign.id == Idea.campaign_id)
        .where(
            Campaign.status == "closed",
            Campaign.closed_at.is_not(None),
            Idea.message_id.is_not(None),
            or_(Idea.shown_at.is_(None), Idea.shown_at < Campaign.closed_at),
        )
        .order_by(Idea.id)
        .limit(limit)
    )
    if campaign_id is not None:
        query = query.where(Idea.campaign_id == campaign_id)
    if platform is not None:
        query = query.where(Idea.platform == platform)
    return list(session.scalars(query))


def claim_closed_display(session: Session, idea_id: int, *, now: datetime) -> bool:
    """Claim the one update of an idea message that shows its campaign closed.

    Sets shown_at to now, or to the campaign's closed_at when that is later
    (a clock behind the scheduler's), so list_ideas_to_show_closed no longer
    returns the idea. Returns False when the campaign is not closed or another
    process claimed the update already.
    """
    closed_at = (
        select(Campaign.closed_at)
        .where(Campaign.id == Idea.campaign_id, Campaign.status == "closed")
        .scalar_subquery()
    )
    result = session.execute(
        update(Idea)
        .where(
            Idea.id == idea_id,
            Idea.message_id.is_not(None),
            closed_at.is_not(None),
            or_(Idea.shown_at.is_(None), Idea.shown_at < closed_at),
        )
        .values(shown_at=case((closed_at > now, closed_at), else_=now))
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def set_shown_vote_count_only(session: Session, idea_id: int, *, vote_count: int) -> None:
    """Record the vote count an idea message now shows, keeping its shown_at."""
    session.execute(update(Idea).where(Idea.id == idea_id).values(shown_vote_count=vote_count))


def list_campaign_ids_with_ideas_to_show_closed(session: Session, *, limit: int) -> list[int]:
    """Return ids of closed campaigns that have idea messages not yet updated since the close."""
    query = (
        select(Idea.campaign_id)
        .join(Campaign, Campaign.id == Idea.campaign_id)
        .where(
            Campaign.status == "closed",
            Campaign.closed_at.is_not(None),
            Idea.message_id.is_not(None),
            or_(Idea.shown_at.is_(None), Idea.shown_at < Campaign.closed_at),
        )
        .distinct()
        .order_by(Idea.campaign_id)
        .limit(limit)
    )
    return [campaign_id for campaign_id in session.scalars(query) if campaign_id is not None]
