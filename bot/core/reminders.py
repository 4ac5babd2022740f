"""Reminders posted in an open campaign's channel, each once across every bot process."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core import outbox
from bot.core.campaigns import campaign_record
from bot.core.ports import CampaignNotifier
from bot.core.records import CampaignRecord, CampaignTotals
from bot.core.reminder_schedule import ReminderSlot, parse_reminder_days, reminder_slots
from bot.core.summary import count_participants
from storage import campaigns as campaign_store
from storage import reminders as reminder_store
from storage.database import Database
from storage.digest import activity_counts

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reminder:
    """The content of one channel reminder, for a CampaignNotifier to turn into a message."""

    campaign: CampaignRecord
    slot: ReminderSlot
    # The time the reminder was built, which "time left" is measured from.
    now: datetime
    # The campaign's totals so far, or None when vote counts are hidden until the close.
    totals: CampaignTotals | None


def _slots(settings: reminder_store.ReminderSettings, timezone: ZoneInfo) -> list[ReminderSlot]:
    return reminder_slots(
        campaign_id=settings.campaign_id,
        starts_at=settings.starts_at,
        ends_at=settings.ends_at,
        reminder_days=parse_reminder_days(settings.reminder_days),
        final_reminder_hours=settings.final_reminder_hours,
        timezone=timezone,
    )


def next_reminder_time(db: Database, campaign_id: int, *, timezone: ZoneInfo) -> datetime | None:
    """Return when an open campaign's earliest reminder not yet sent falls due, or None.

    The time may be in the past, for a reminder missed while no process ran.
    """
    with db.transaction() as session:
        settings = reminder_store.get_reminder_settings(session, campaign_id)
        if settings is None or settings.status != "open":
            return None
        slots = _slots(settings, timezone)
        done = campaign_store.existing_run_keys(session, keys=[slot.key for slot in slots])
    pending = [slot for slot in slots if slot.key not in done]
    return pending[0].due_at if pending else None


def send_due_reminder(
    db: Database, notifier: CampaignNotifier, campaign_id: int, *, now: datetime
) -> int:
    """Enqueue the campaign's latest due reminder for its channels; return 1 if this call did.

    Only an open campaign before its close gets reminders. When several are
    due, such as after the bot was down, only the latest is sent and the
    older ones are recorded as done, as are reminders older than one already
    sent. A ScheduledRun row claimed in the same transaction as the enqueue
    makes each reminder happen once, also when two processes race.
    """
    timezone = notifier.timezone
    with db.transaction() as session:
        settings = reminder_store.get_reminder_settings(session, campaign_id)
        if settings is None or settings.status != "open" or settings.ends_at <= now:
            return 0
        slots = _slots(settings, timezone)
        done = campaign_store.existing_run_keys(session, keys=[slot.key for slot in slots])
    latest_done = max((slot.due_at for slot in slots if slot.key in done), default=None)
    due = [slot for slot in slots if slot.due_at <= now and slot.key not in done]
    if not due:
        return 0
    candidates = [slot for slot in due if latest_done is None or slot.due_at > latest_done]
    if not candidates:
        _mark_done(db, [slot.key for slot in due], now=now)
        logger.info(
            "Skipped %s reminders of campaign %s older than one sent", len(due), campaign_id
        )
        return 0

    chosen = candidates[-1]
    reminder = _build_reminder(db, campaign_id, chosen, now=now)
    messages = notifier.reminder_messages(reminder, dedupe_key=chosen.key)
    with db.transaction() as session:
        if not campaign_store.claim_scheduled_run(session, key=chosen.key, now=now):
            return 0
        for slot in due:
            if slot is not chosen:
                campaign_store.claim_scheduled_run(session, key=slot.key, now=now)
        outbox.enqueue_in(session, messages, now=now)
    logger.info(
        "Enqueued reminder %s of campaign %s, skipping %s older ones",
        chosen.key,
        campaign_id,
        len(due) - 1,
    )
    return 1


def _mark_done(db: Database, keys: list[str], *, now: datetime) -> None:
    with db.transaction() as session:
        for key in keys:
            campaign_store.claim_scheduled_run(session, key=key, now=now)


def _build_reminder(
    db: Database, campaign_id: int, slot: ReminderSlot, *, now: datetime
) -> Reminder:
    with db.transaction() as session:
        campaign = campaign_store.get_campaign(session, campaign_id)
        assert campaign is not None, "the campaign was read in the previous transaction"
        record = campaign_record(campaign)
        totals: CampaignTotals | None = None
        if not record.hide_counts:
            counts = activity_counts(
                session, campaign_id, start=record.starts_at, end=max(now, record.ends_at)
            )
            totals = CampaignTotals(
                idea_count=counts.idea_count,
                comment_count=counts.comment_count,
                vote_count=counts.vote_count,
                participant_count=count_participants(session, campaign_id),
            )
    return Reminder(campaign=record, slot=slot, now=now, totals=totals)
