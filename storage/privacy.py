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
    RecognitionSettings,
    RelayMessage,
    Role,
    StaffMember,
    Thanks,
    ThanksRecipient,
    Vote,
    YouSaidUpdate,
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

    # Each column that names who acted, with the platform column of its row where it has one.
    columns: list[tuple[str, Any, Any]] = [
        ("ideas", Idea.author_id, Idea.platform),
        ("ideas.status_changed_by", Idea.status_changed_by, Idea.platform),
        ("ideas.hidden_by", Idea.hidden_by, Idea.platform),
        ("comments", Comment.user_id, Comment.platform),
        ("comments.hidden_by", Comment.hidden_by, Comment.platform),
        ("votes", Vote.user_id, Vote.platform),
        ("participant_groups", ParticipantGroup.user_id, ParticipantGroup.platform),
        ("roles.granted_by", Role.granted_by, Role.platform),
        ("campaigns.created_by", Campaign.created_by, Campaign.platform),
        ("boards.created_by", Board.created_by, Board.platform),
        ("group_reminders", GroupReminder.created_by, None),
        ("moderation_items", ModerationItem.resolved_by, None),
        ("relay_messages", RelayMessage.manager_id, None),
        ("yousaid_updates", YouSaidUpdate.created_by, None),
        ("thanks", Thanks.giver_id, Thanks.platform),
        ("recognition_settings", RecognitionSettings.updated_by, RecognitionSettings.platform),
    ]
    for name, column, platform_column in columns:
        statement = update(column.class_).where(column == user_id)
        if platform_column is not None:
            statement = statement.where(platform_column == platform)
        run(name, statement.values({column.key: pseudonym}))
    run(
        "idea_status_changes",
        update(IdeaStatusChange)
        .where(
            IdeaStatusChange.changed_by == user_id,
            IdeaStatusChange.idea_id.in_(select(Idea.id).where(Idea.platform == platform)),
        )
        .values(changed_by=pseudonym),
    )
    run(
        "thanks_recipients",
        update(ThanksRecipient)
        .where(
            ThanksRecipient.user_id == user_id,
            ThanksRecipient.thanks_id.in_(select(Thanks.id).where(Thanks.platform == platform)),
        )
        .values(user_id=pseudonym),
    )
    # An open board that loses its lead is marked as such until a new lead is named.
    run(
        "boards.lead_id",
        update(Board)
        .where(Board.platform == platform, Board.lead_id == user_id)
        .values(lead_id=pseudonym, lead_departed_at=func.coalesce(Board.lead_departed_at, now)),
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
