"""The daily digest sent to every manager while a campaign is open, once a day."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.core import outbox, roles
from bot.core.campaigns import campaign_record
from bot.core.ports import CampaignNotifier
from bot.core.records import CampaignRecord
from bot.core.reminder_schedule import DIGEST_PERIOD, digest_day_due, next_digest_time
from bot.core.summary import count_participants
from storage import campaigns as campaign_store
from storage.database import Database
from storage.digest import ActivityCounts, VoteGain, activity_counts, top_vote_gains

logger = logging.getLogger(__name__)

MANAGER_ROLE = "manager"
TOP_GAINERS = 5


@dataclass(frozen=True)
class Digest:
    """One day's digest of a campaign, for a CampaignNotifier to turn into direct messages."""

    campaign: CampaignRecord
    # The local date the digest is for.
    day: date
    # The activity counted is from period_start up to, not including, period_end.
    period_start: datetime
    period_end: datetime
    activity: ActivityCounts
    # At most TOP_GAINERS ideas with the most votes gained in the period, most first.
    top_gainers: tuple[VoteGain, ...]
    participant_count: int
    # Human members of the workspace, or None when counting them failed.
    staff_count: int | None
    # Local calendar days from the digest's date to the closing date.
    days_left: int

    @property
    def participant_share(self) -> float | None:
        """Return participants as a fraction of staff, or None when the staff count is unknown."""
        if not self.staff_count:
            return None
        return self.participant_count / self.staff_count


def digest_run_key(campaign_id: int, day: date) -> str:
    """Return the ScheduledRun key that records a campaign's digest for a local date as sent."""
    return f"digest:{campaign_id}:{day.isoformat()}"


def digest_dedupe_key(campaign_id: int, day: date, user_id: str) -> str:
    """Return the outbox key of one manager's copy of a campaign's digest for a local date."""
    return f"digest:{campaign_id}:{day.isoformat()}:{user_id}"


def next_digest_due(
    db: Database, campaign_id: int, *, now: datetime, timezone: ZoneInfo
) -> datetime | None:
    """Return when an open campaign's next digest is due, or None when it gets no more.

    Today's digest, when due and not sent, is due now; otherwise the next
    digest time before the close.
    """
    campaign = _open_campaign(db, campaign_id)
    if campaign is None:
        return None
    today = digest_day_due(
        now, starts_at=campaign.starts_at, ends_at=campaign.ends_at, timezone=timezone
    )
    if today is not None and not _run_recorded(db, digest_run_key(campaign_id, today)):
        return now
    return next_digest_time(
        now, starts_at=campaign.starts_at, ends_at=campaign.ends_at, timezone=timezone
    )


def build_digest(
    db: Database,
    campaign_id: int,
    *,
    day: date,
    now: datetime,
    staff_count: int | None,
    timezone: ZoneInfo,
) -> Digest:
    """Count a campaign's activity in the DIGEST_PERIOD before now into a digest for a date."""
    start = now - DIGEST_PERIOD
    with db.transaction() as session:
        campaign = campaign_store.get_campaign(session, campaign_id)
        if campaign is None:
            raise ValueError(f"there is no campaign {campaign_id}")
        record = campaign_record(campaign)
        activity = activity_counts(session, campaign_id, start=start, end=now)
        gainers = top_vote_gains(session, campaign_id, start=start, end=now, limit=TOP_GAINERS)
        participants = count_participants(session, campaign_id)
    closing_day = record.ends_at.astimezone(timezone).date()
    return Digest(
        campaign=record,
        day=day,
        period_start=start,
        period_end=now,
        activity=activity,
        top_gainers=tuple(gainers),
        participant_count=participants,
        staff_count=staff_count,
        days_left=max((closing_day - day).days, 0),
    )


def send_due_digest(
    db: Database, notifier: CampaignNotifier, campaign_id: int, *, now: datetime
) -> int:
    """Enqueue today's digest of an open campaign for every manager; return how many were new.

    The digest is due from DIGEST_TIME local time; a day missed while no
    process ran is skipped. A ScheduledRun row claimed in the same transaction
    as the enqueue makes it happen once a day, also when two processes race.
    A failed staff count still sends the digest, with the share unknown.
    """
    timezone = notifier.timezone
    campaign = _open_campaign(db, campaign_id)
    if campaign is None or campaign.ends_at <= now:
        return 0
    day = digest_day_due(
        now, starts_at=campaign.starts_at, ends_at=campaign.ends_at, timezone=timezone
    )
    if day is None:
        return 0
    run_key = digest_run_key(campaign_id, day)
    if _run_recorded(db, run_key):
        return 0
    managers = sorted(
        {
            role.user_id
            for role in roles.list_roles(db, platform=campaign.platform)
            if role.role == MANAGER_ROLE
        }
    )
    messages = []
    if managers:
        digest = build_digest(
            db,
            campaign_id,
            day=day,
            now=now,
            staff_count=notifier.count_staff(),
            timezone=timezone,
        )
        messages = notifier.digest_messages(
            digest,
            dedupe_keys={user: digest_dedupe_key(campaign_id, day, user) for user in managers},
        )
    with db.transaction() as session:
        if not campaign_store.claim_scheduled_run(session, key=run_key, now=now):
            return 0
        added = outbox.enqueue_in(session, messages, now=now) if messages else 0
    logger.info(
        "Enqueued the %s digest of campaign %s for %s of %s managers",
        day.isoformat(),
        campaign_id,
        added,
        len(managers),
    )
    return added


def _open_campaign(db: Database, campaign_id: int) -> CampaignRecord | None:
    with db.transaction() as session:
        campaign = campaign_store.get_campaign(session, campaign_id)
        if campaign is None or campaign.status != "open":
            return None
        return campaign_record(campaign)


def _run_recorded(db: Database, key: str) -> bool:
    with db.transaction() as session:
        return bool(campaign_store.existing_run_keys(session, keys=[key]))
