"""Storage functions for "You said, we did" updates and the status changes they cover."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.models import Campaign, Idea, IdeaStatusChange, YouSaidUpdate
from storage.visibility import visible_idea


def lock_campaign(session: Session, campaign_id: int) -> Campaign | None:
    """Return the campaign with this id, locking its row on PostgreSQL, or None.

    Posting an update holds this lock, so two posts of one campaign's update
    cannot both cover the same status changes.
    """
    return session.scalar(select(Campaign).where(Campaign.id == campaign_id).with_for_update())


def latest_update(session: Session, campaign_id: int) -> YouSaidUpdate | None:
    """Return the campaign's most recent update, or None before its first."""
    query = (
        select(YouSaidUpdate)
        .where(YouSaidUpdate.campaign_id == campaign_id)
        .order_by(YouSaidUpdate.last_change_id.desc(), YouSaidUpdate.id.desc())
        .limit(1)
    )
    return session.scalar(query)


def last_change_id(session: Session, campaign_id: int) -> int:
    """Return the highest status change id among the campaign's ideas, or 0 when there is none.

    Hidden and withdrawn ideas count too, so an update moves past their changes.
    """
    query = (
        select(func.max(IdeaStatusChange.id))
        .join(Idea, Idea.id == IdeaStatusChange.idea_id)
        .where(Idea.campaign_id == campaign_id)
    )
    return int(session.scalar(query) or 0)


def list_changed_ideas(
    session: Session, campaign_id: int, *, after_change_id: int, up_to_change_id: int
) -> list[tuple[Idea, IdeaStatusChange]]:
    """Return each visible idea of the campaign with its latest change in the id range.

    The range is after_change_id (excluded) to up_to_change_id (included).
    Ideas come with the most votes first, then in the order they were posted.
    """
    latest = (
        select(
            IdeaStatusChange.idea_id.label("idea_id"),
            func.max(IdeaStatusChange.id).label("change_id"),
        )
        .join(Idea, Idea.id == IdeaStatusChange.idea_id)
        .where(
            Idea.campaign_id == campaign_id,
            IdeaStatusChange.id > after_change_id,
            IdeaStatusChange.id <= up_to_change_id,
        )
        .group_by(IdeaStatusChange.idea_id)
        .subquery()
    )
    query = (
        select(Idea, IdeaStatusChange)
        .join(latest, latest.c.idea_id == Idea.id)
        .join(IdeaStatusChange, IdeaStatusChange.id == latest.c.change_id)
        .where(visible_idea())
        .order_by(Idea.vote_count.desc(), Idea.id)
    )
    return [(idea, change) for idea, change in session.execute(query)]


def add_update(
    session: Session,
    *,
    campaign_id: int,
    created_by: str,
    created_at: datetime,
    last_change_id: int,
    idea_count: int,
) -> YouSaidUpdate:
    """Add an update row and return it with its id."""
    row = YouSaidUpdate(
        campaign_id=campaign_id,
        created_by=created_by,
        created_at=created_at,
        last_change_id=last_change_id,
        idea_count=idea_count,
    )
    session.add(row)
    session.flush()
    return row


def set_monthly(session: Session, campaign_id: int, *, enabled: bool) -> None:
    """Turn the campaign's monthly update on or off."""
    session.execute(
        update(Campaign).where(Campaign.id == campaign_id).values(yousaid_monthly=enabled)
    )


def list_monthly_campaign_ids(session: Session, *, statuses: tuple[str, ...]) -> list[int]:
    """Return the ids of campaigns in these statuses with the monthly update on, in id order."""
    query = (
        select(Campaign.id)
        .where(Campaign.yousaid_monthly.is_(True), Campaign.status.in_(statuses))
        .order_by(Campaign.id)
    )
    return list(session.scalars(query))
