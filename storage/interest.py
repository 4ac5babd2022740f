"""Storage functions for campaign interest: the people who requested a message at opening."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storage.models import Campaign, CampaignInterest
from storage.upsert import insert_if_absent


def lock_campaign(session: Session, campaign_id: int) -> Campaign | None:
    """Return the campaign with this id, locked until the transaction ends, or None.

    On PostgreSQL this is SELECT ... FOR UPDATE, so opening the campaign waits
    for a registration in progress, and the opening messages include it.
    SQLite transactions start with BEGIN IMMEDIATE, which serialises writers already.
    """
    query = select(Campaign).where(Campaign.id == campaign_id).with_for_update()
    return session.scalars(query).first()


def add_interest(
    session: Session,
    *,
    campaign_id: int,
    platform: str,
    team_id: str,
    user_id: str,
    now: datetime,
) -> bool:
    """Register interest in a campaign, returning False when it was registered already."""
    return insert_if_absent(
        session,
        CampaignInterest,
        campaign_id=campaign_id,
        platform=platform,
        team_id=team_id,
        user_id=user_id,
        created_at=now,
    )


def remove_interest(
    session: Session, *, campaign_id: int, platform: str, team_id: str, user_id: str
) -> bool:
    """Withdraw a person's interest in a campaign, returning False when there was none."""
    result = session.execute(
        delete(CampaignInterest).where(
            CampaignInterest.campaign_id == campaign_id,
            CampaignInterest.platform == platform,
            CampaignInterest.team_id == team_id,
            CampaignInterest.user_id == user_id,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def count_interest(session: Session, campaign_id: int) -> int:
    """Return how many people are registered for a campaign's opening."""
    query = (
        select(func.count())
        .select_from(CampaignInterest)
        .where(CampaignInterest.campaign_id == campaign_id)
    )
    return int(session.scalar(query) or 0)


def list_interested_user_ids(session: Session, campaign_id: int, *, platform: str) -> list[str]:
    """Return the distinct user ids registered for a campaign's opening on a platform, sorted."""
    query = (
        select(CampaignInterest.user_id)
        .where(CampaignInterest.campaign_id == campaign_id, CampaignInterest.platform == platform)
        .distinct()
        .order_by(CampaignInterest.user_id)
    )
    return list(session.scalars(query))
