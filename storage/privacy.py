"""Storage functions that find and replace one person's data across the tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.orm import Session

from storage.models import (
    Board,
    BoardVoteNotice,
    Campaign,
    CampaignInterest,
    ClosedVoteNotice,
    Comment,
    GroupReminder,
    HeldPost,
    Idea,
    IdeaStatusChange,
    ModerationItem,
    OutboxMessage,
    ParticipantGroup,
    RelayMessage,
    Role,
    StaffMember,
    Vote,
)


def named_ideas(session: Session, *, platform: str, user_id: str) -> list[Idea]:
    """Return the ideas the person posted under their name, oldest first."""
    query = (
        select(Idea)
        .where(Idea.platform == platform, Idea.author_id == user_id)
        .order_by(Idea.created_at, Idea.id)
    )
    return list(session.scalars(query))


def named_comments(session: Session, *, platform: str, user_id: str) -> list[Comment]:
    """Return the comments the person posted under their name, oldest first."""
    query = (
        select(Comment)
        .where(Comment.platform == platform, Comment.user_id == user_id)
        .order_by(Comment.created_at, Comment.id)
    )
    return list(session.scalars(query))


def votes(session: Session, *, platform: str, user_id: str) -> list[Vote]:
    """Return the person's votes, oldest first."""
    query = (
        select(Vote)
        .where(Vote.platform == platform, Vote.user_id == user_id)
        .order_by(Vote.created_at, Vote.id)
    )
    return list(session.scalars(query))


def rows_of(session: Session, model: type[Any], *conditions: Any) -> list[Any]:
    """Return the rows of model that meet every condition."""
    return list(session.scalars(select(model).where(*conditions)))


def staff_rows(
    session: Session, *, platform: str, user_id: str, email: str | None
) -> list[StaffMember]:
    """Return staff list rows matched to the person's account or with their email."""
    matches: list[ColumnElement[bool]] = [
        (StaffMember.platform == platform) & (StaffMember.user_id == user_id)
    ]
    if email:
        matches.append(func.lower(StaffMember.email) == email.strip().lower())
    return list(session.scalars(select(StaffMember).where(or_(*matches)).order_by(StaffMember.id)))


def outbox_to(session: Session, *, platform: str, user_id: str) -> list[OutboxMessage]:
    """Return the outbox messages addressed to the person, oldest first."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.platform == platform, OutboxMessage.recipient == user_id)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    )
    return list(session.scalars(query))


def replace_user_id(
    session: Session, *, platform: str, user_id: str, pseudonym: str, now: datetime
) -> dict[str, int]:
    """Replace the person's user id with pseudonym in every column that keeps who did what.

    Returns the rows changed per table and column, such as {"votes": 3}.
    """
    changes: dict[str, int] = {}

    def run(name: str, statement: Any) -> None:
        changes[name] = changes.get(name, 0) + _rowcount(session.execute(statement))

    on_platform = (Idea.platform == platform,)
    run(
        "ideas",
        update(Idea).where(*on_platform, Idea.author_id == user_id).values(author_id=pseudonym),
    )
    run(
        "ideas.status_changed_by",
        update(Idea)
        .where(*on_platform, Idea.status_changed_by == user_id)
        .values(status_changed_by=pseudonym),
    )
    run(
        "ideas.hidden_by",
        update(Idea).where(*on_platform, Idea.hidden_by == user_id).values(hidden_by=pseudonym),
    )
    run(
        "idea_status_changes",
        update(IdeaStatusChange)
        .where(
            IdeaStatusChange.changed_by == user_id,
            IdeaStatusChange.idea_id.in_(select(Idea.id).where(*on_platform)),
        )
        .values(changed_by=pseudonym),
    )
    run(
        "comments",
        update(Comment)
        .where(Comment.platform == platform, Comment.user_id == user_id)
        .values(user_id=pseudonym),
    )
    run(
        "comments.hidden_by",
        update(Comment)
        .where(Comment.platform == platform, Comment.hidden_by == user_id)
        .values(hidden_by=pseudonym),
    )
    run(
        "votes",
        update(Vote)
        .where(Vote.platform == platform, Vote.user_id == user_id)
        .values(user_id=pseudonym),
    )
    run(
        "participant_groups",
        update(ParticipantGroup)
        .where(ParticipantGroup.platform == platform, ParticipantGroup.user_id == user_id)
        .values(user_id=pseudonym),
    )
    run(
        "roles.granted_by",
        update(Role)
        .where(Role.platform == platform, Role.granted_by == user_id)
        .values(granted_by=pseudonym),
    )
    run(
        "campaigns.created_by",
        update(Campaign)
        .where(Campaign.platform == platform, Campaign.created_by == user_id)
        .values(created_by=pseudonym),
    )
    # An open board that loses its lead is marked as such until a new lead is named.
    run(
        "boards.lead_id",
        update(Board)
        .where(Board.platform == platform, Board.lead_id == user_id)
        .values(lead_id=pseudonym, lead_departed_at=func.coalesce(Board.lead_departed_at, now)),
    )
    run(
        "boards.created_by",
        update(Board)
        .where(Board.platform == platform, Board.created_by == user_id)
        .values(created_by=pseudonym),
    )
    run(
        "group_reminders",
        update(GroupReminder)
        .where(GroupReminder.created_by == user_id)
        .values(created_by=pseudonym),
    )
    run(
        "moderation_items",
        update(ModerationItem)
        .where(ModerationItem.resolved_by == user_id)
        .values(resolved_by=pseudonym),
    )
    run(
        "relay_messages",
        update(RelayMessage).where(RelayMessage.manager_id == user_id).values(manager_id=pseudonym),
    )
    return {name: count for name, count in changes.items() if count}


def delete_person_rows(session: Session, *, platform: str, user_id: str) -> dict[str, int]:
    """Delete the rows that exist only for the person; return the rows deleted per table."""
    statements = {
        "roles": delete(Role).where(Role.platform == platform, Role.user_id == user_id),
        "campaign_interest": delete(CampaignInterest).where(
            CampaignInterest.platform == platform, CampaignInterest.user_id == user_id
        ),
        "closed_vote_notices": delete(ClosedVoteNotice).where(
            ClosedVoteNotice.platform == platform, ClosedVoteNotice.user_id == user_id
        ),
        "board_vote_notices": delete(BoardVoteNotice).where(
            BoardVoteNotice.platform == platform, BoardVoteNotice.user_id == user_id
        ),
        "held_posts": delete(HeldPost).where(
            HeldPost.platform == platform, HeldPost.user_id == user_id
        ),
        "outbox": delete(OutboxMessage).where(
            OutboxMessage.platform == platform,
            OutboxMessage.recipient == user_id,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
        ),
    }
    deleted = {
        name: _rowcount(session.execute(statement)) for name, statement in statements.items()
    }
    return {name: count for name, count in deleted.items() if count}


def _rowcount(result: Any) -> int:
    return int(result.rowcount)
