"""Storage functions for campaigns."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from storage.models import Campaign, CampaignChannel, ScheduledRun
from storage.upsert import insert_if_absent


def add_campaign(
    session: Session,
    *,
    title: str,
    platform: str,
    channel_id: str,
    starts_at: datetime,
    ends_at: datetime,
    created_at: datetime,
    hide_counts: bool = False,
    repeat_quarterly: bool = False,
    created_by: str | None = None,
) -> Campaign:
    """Add a scheduled campaign and return it with its id."""
    campaign = Campaign(
        title=title,
        platform=platform,
        channel_id=channel_id,
        starts_at=starts_at,
        ends_at=ends_at,
        planned_ends_at=ends_at,
        status="scheduled",
        created_at=created_at,
        hide_counts=hide_counts,
        repeat_quarterly=repeat_quarterly,
        created_by=created_by,
    )
    session.add(campaign)
    session.flush()
    return campaign


def get_campaign(session: Session, campaign_id: int) -> Campaign | None:
    """Return the campaign with this id, or None."""
    return session.get(Campaign, campaign_id)


def list_campaigns(session: Session, *, statuses: Sequence[str] | None = None) -> list[Campaign]:
    """Return campaigns by start time, optionally only those in the given statuses."""
    query = select(Campaign).order_by(Campaign.starts_at, Campaign.id)
    if statuses is not None:
        query = query.where(Campaign.status.in_(statuses))
    return list(session.scalars(query))


def list_open_campaigns(session: Session, *, platform: str) -> list[Campaign]:
    """Return the open campaigns run on a platform, most recently opened first.

    A campaign runs on its own platform and on those of its other channels.
    """
    also_here = select(CampaignChannel.campaign_id).where(CampaignChannel.platform == platform)
    query = (
        select(Campaign)
        .where(
            Campaign.status == "open",
            or_(Campaign.platform == platform, Campaign.id.in_(also_here)),
        )
        .order_by(Campaign.opened_at.desc(), Campaign.id.desc())
    )
    return list(session.scalars(query))


def campaign_channels(session: Session, campaign: Campaign) -> dict[str, str]:
    """Return a campaign's channel on each platform it runs on, its own first."""
    channels = {campaign.platform: campaign.channel_id}
    rows = session.execute(
        select(CampaignChannel.platform, CampaignChannel.channel_id)
        .where(CampaignChannel.campaign_id == campaign.id)
        .order_by(CampaignChannel.platform)
    )
    for platform, channel_id in rows:
        channels.setdefault(platform, channel_id)
    return channels


def get_campaign_channel(
    session: Session, campaign_id: int, *, platform: str
) -> CampaignChannel | None:
    """Return a campaign's channel on a platform other than its own, or None."""
    return session.get(CampaignChannel, (campaign_id, platform))


def set_campaign_channel(
    session: Session, campaign_id: int, *, platform: str, channel_id: str
) -> CampaignChannel:
    """Add or move a campaign's channel on a platform other than its own."""
    row = session.get(CampaignChannel, (campaign_id, platform))
    if row is None:
        row = CampaignChannel(campaign_id=campaign_id, platform=platform, channel_id=channel_id)
        session.add(row)
    else:
        row.channel_id = channel_id
    session.flush()
    return row


def mark_campaign_open(session: Session, campaign_id: int, *, now: datetime) -> bool:
    """Move a scheduled campaign to open; return False if it was not scheduled."""
    result = session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status == "scheduled")
        .values(status="open", opened_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_campaign_closed(session: Session, campaign_id: int, *, now: datetime) -> bool:
    """Move an open campaign to closed; return False if it was not open."""
    result = session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status == "open")
        .values(status="closed", closed_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_campaign_cancelled(session: Session, campaign_id: int, *, now: datetime) -> bool:
    """Move a scheduled campaign to cancelled; return False if it was not scheduled."""
    result = session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status == "scheduled")
        .values(status="cancelled", closed_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def update_scheduled_campaign(
    session: Session,
    campaign_id: int,
    *,
    title: str,
    channel_id: str,
    starts_at: datetime,
    ends_at: datetime,
    hide_counts: bool,
    repeat_quarterly: bool,
) -> bool:
    """Change a scheduled campaign's settings; return False if it is no longer scheduled."""
    result = session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status == "scheduled")
        .values(
            title=title,
            channel_id=channel_id,
            starts_at=starts_at,
            ends_at=ends_at,
            planned_ends_at=ends_at,
            hide_counts=hide_counts,
            repeat_quarterly=repeat_quarterly,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def set_campaign_end(
    session: Session,
    campaign_id: int,
    *,
    ends_at: datetime,
    statuses: Sequence[str],
    planned: bool,
) -> bool:
    """Move a campaign's end; return False if its status is not one of statuses.

    With planned, the planned end moves too, as for an extension; without it,
    as for an early close, the planned end stays.
    """
    values: dict[str, datetime] = {"ends_at": ends_at}
    if planned:
        values["planned_ends_at"] = ends_at
    result = session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status.in_(statuses))
        .values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def claim_announcement(
    session: Session, campaign_id: int, *, kind: str, now: datetime, retry_after: timedelta
) -> bool:
    """Claim the right to post a campaign's launch or summary message.

    A claim succeeds when the message is not posted yet and no other claim was
    made within retry_after, so only one process posts it at a time.
    """
    if kind == "launch":
        posted, claimed = Campaign.launch_message_id, Campaign.launch_claimed_at
        values = {"launch_claimed_at": now}
    elif kind == "summary":
        posted, claimed = Campaign.summary_message_id, Campaign.summary_claimed_at
        values = {"summary_claimed_at": now}
    else:
        raise ValueError(f"unknown announcement kind {kind!r}")
    result = session.execute(
        update(Campaign)
        .where(
            Campaign.id == campaign_id,
            posted.is_(None),
            or_(claimed.is_(None), claimed < now - retry_after),
        )
        .values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def set_announcement_message(
    session: Session, campaign_id: int, *, kind: str, message_id: str
) -> None:
    """Record the id of a posted launch or summary message."""
    columns = {"launch": "launch_message_id", "summary": "summary_message_id"}
    if kind not in columns:
        raise ValueError(f"unknown announcement kind {kind!r}")
    column = columns[kind]
    session.execute(update(Campaign).where(Campaign.id == campaign_id).values({column: message_id}))


def set_series_settings(
    session: Session,
    campaign_id: int,
    *,
    series_id: int,
    reminder_days: str,
    final_reminder_hours: int,
) -> None:
    """Put a campaign in a series and set its reminder schedule."""
    session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id)
        .values(
            series_id=series_id,
            reminder_days=reminder_days,
            final_reminder_hours=final_reminder_hours,
        )
    )


def claim_scheduled_run(session: Session, *, key: str, now: datetime) -> bool:
    """Record a once-only effect under key; return False when it was recorded already.

    On PostgreSQL a concurrent transaction inserting the same key waits for
    this one, and then inserts nothing if this one commits.
    """
    return insert_if_absent(session, ScheduledRun, key=key, ran_at=now)


def existing_run_keys(session: Session, *, keys: Sequence[str]) -> set[str]:
    """Return which of the keys have a ScheduledRun row."""
    if not keys:
        return set()
    query = select(ScheduledRun.key).where(ScheduledRun.key.in_(list(keys)))
    return set(session.scalars(query))
