"""The monthly recognition summary sent to managers: cards given, by value and by directorate.

It names and ranks nobody. Directorates smaller than the minimum group size
are folded into "Other groups" by the participation report's rule, with the
directorate's headcount on the staff list as its size.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.core import outbox
from bot.core.participation import DEFAULT_MIN_GROUP_SIZE
from bot.core.participation_records import NOT_RECORDED, DimensionBreakdown
from bot.core.participation_report import dimension_breakdown
from bot.core.ports import RecognitionNotifier
from bot.core.roles import MANAGER
from storage import campaigns as campaign_store
from storage import participation as participation_store
from storage import roles as role_store
from storage import thanks as store
from storage.database import Database

logger = logging.getLogger(__name__)

# Summaries fall due at this local time on the first day of each month.
SEND_AT = time(9, 0)
DIRECTORATE = "directorate"


@dataclass(frozen=True)
class RecognitionSummary:
    """One workspace's recognition in one calendar month, without names."""

    platform: str
    team_id: str
    # The first day of the month summarised.
    month: date
    cards: int
    colleagues_thanked: int
    # (value, cards) for each value given at least once, in the configured order,
    # then values no longer configured by name.
    by_value: tuple[tuple[str, int], ...]
    cards_without_value: int
    # Cards per directorate of the colleagues thanked; a card thanking people of
    # two directorates counts in each.
    by_directorate: DimensionBreakdown
    min_group_size: int

    @property
    def title(self) -> str:
        """Return the month as a title, such as "March 2027"."""
        return f"{self.month:%B %Y}"


def summary_run_key(platform: str, team_id: str, month: date) -> str:
    """Return the ScheduledRun key that records a month's summary as sent."""
    return f"recognition-summary:{platform}:{team_id}:{month:%Y-%m}"


def summary_dedupe_key(platform: str, team_id: str, month: date, user_id: str) -> str:
    """Return the outbox key of a month's summary for one manager."""
    return f"{summary_run_key(platform, team_id, month)}:{user_id}"


def due_month(now: datetime, timezone: ZoneInfo) -> date:
    """Return the first day of the latest month whose summary is due at now.

    A month's summary falls due at SEND_AT on the first day of the next month.
    """
    local = now.astimezone(timezone)
    this_month = local.date().replace(day=1)
    previous = _add_months(this_month, -1)
    if local.day == 1 and local.time() < SEND_AT:
        return _add_months(previous, -1)
    return previous


def _add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _month_bounds(month: date, timezone: ZoneInfo) -> tuple[datetime, datetime]:
    starts = datetime.combine(month, time(0), tzinfo=timezone)
    ends = datetime.combine(_add_months(month, 1), time(0), tzinfo=timezone)
    return starts, ends


def build_summary(
    db: Database,
    *,
    platform: str,
    team_id: str,
    month: date,
    timezone: ZoneInfo,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> RecognitionSummary:
    """Count a workspace's cards in a local calendar month."""
    with db.transaction() as session:
        return _summary(
            session,
            platform=platform,
            team_id=team_id,
            month=month,
            timezone=timezone,
            min_group_size=min_group_size,
        )


def _summary(
    session: Session,
    *,
    platform: str,
    team_id: str,
    month: date,
    timezone: ZoneInfo,
    min_group_size: int,
) -> RecognitionSummary:
    starts_at, ends_at = _month_bounds(month.replace(day=1), timezone)
    cards = store.thanks_in_period(
        session, platform=platform, team_id=team_id, starts_at=starts_at, ends_at=ends_at
    )
    settings = store.get_settings(session, platform=platform, team_id=team_id)
    configured = [
        line for line in ((settings.values_text or "") if settings else "").splitlines() if line
    ]

    given: Counter[str] = Counter()
    without_value = 0
    for _, values_text in cards:
        values = [line for line in (values_text or "").splitlines() if line]
        given.update(values)
        if not values:
            without_value += 1
    ordered = [value for value in configured if given[value]]
    ordered += sorted(value for value in given if value not in configured)

    headcounts = {
        name if name is not None else NOT_RECORDED: count
        for dimension, name, count in participation_store.live_headcounts(session)
        if dimension == DIRECTORATE
    }
    by_directorate = store.cards_by_directorate(
        session, platform=platform, team_id=team_id, starts_at=starts_at, ends_at=ends_at
    )
    # NOTE: a colleague on the staff list with a blank directorate is stored with
    # none, like one outside the list, so both count as "Not in directory".
    breakdown = dimension_breakdown(
        DIRECTORATE,
        headcounts=headcounts,
        participants={name: count for name, count in by_directorate if name is not None},
        not_in_directory=sum(count for name, count in by_directorate if name is None),
        anonymous={},
        min_group_size=min_group_size,
    )
    return RecognitionSummary(
        platform=platform,
        team_id=team_id,
        month=month.replace(day=1),
        cards=len(cards),
        colleagues_thanked=store.recipients_in_period(
            session, platform=platform, team_id=team_id, starts_at=starts_at, ends_at=ends_at
        ),
        by_value=tuple((value, given[value]) for value in ordered),
        cards_without_value=without_value,
        by_directorate=breakdown,
        min_group_size=min_group_size,
    )


def send_due_summaries(
    db: Database,
    notifier: RecognitionNotifier,
    *,
    now: datetime,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> int:
    """Enqueue the due month's summary for each workspace's managers; return messages added.

    Each workspace's summary is claimed with a ScheduledRun key in the
    transaction that enqueues it, so it goes once however many processes run
    this. A month without cards is claimed and sends nothing.
    """
    month = due_month(now, notifier.timezone)
    added = 0
    with db.transaction() as session:
        workspaces = [(row.platform, row.team_id) for row in store.list_settings(session)]
    for platform, team_id in workspaces:
        key = summary_run_key(platform, team_id, month)
        with db.transaction() as session:
            if campaign_store.existing_run_keys(session, keys=[key]):
                continue
            if not campaign_store.claim_scheduled_run(session, key=key, now=now):
                continue
            summary = _summary(
                session,
                platform=platform,
                team_id=team_id,
                month=month,
                timezone=notifier.timezone,
                min_group_size=min_group_size,
            )
            managers = sorted(
                {
                    role.user_id
                    for role in role_store.list_roles(session, platform=platform, role=MANAGER)
                }
            )
            if summary.cards == 0 or not managers:
                logger.info(
                    "Recognition summary %s: %s cards, %s managers; nothing sent",
                    key,
                    summary.cards,
                    len(managers),
                )
                continue
            messages = notifier.recognition_summary_messages(
                summary,
                dedupe_keys={
                    user_id: summary_dedupe_key(platform, team_id, month, user_id)
                    for user_id in managers
                },
            )
            count = outbox.enqueue_in(session, messages, now=now)
        added += count
        logger.info("Recognition summary %s enqueued for %s managers", key, count)
    return added
