"""Campaigns: creation, listing, and the open and close transitions the scheduler drives."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, object_session

from bot.core import roles
from bot.core.errors import InvalidInput, NotFound
from bot.core.records import CampaignRecord, Person, TopicRecord
from bot.core.reminder_schedule import (
    DEFAULT_FINAL_REMINDER_HOURS,
    DEFAULT_REMINDER_DAYS,
    format_reminder_days,
    parse_reminder_days,
)
from bot.core.schedule import end_of_campaign, format_local, parse_start
from storage import campaigns as campaign_store
from storage import reminders as reminder_store
from storage import topics as topic_store
from storage.database import Database
from storage.models import Campaign

logger = logging.getLogger(__name__)

DEFAULT_DAYS = 20
MAX_DAYS = 366
MAX_TITLE_LENGTH = 200
MAX_TOPICS = 10
MAX_TOPIC_LENGTH = 300
# A process that claimed an announcement but did not record it within this
# time is taken to have failed, and another attempt may post it.
ANNOUNCEMENT_RETRY_AFTER = timedelta(minutes=2)


def campaign_record(campaign: Campaign) -> CampaignRecord:
    """Copy a campaign row and its topics into a detached record.

    The topics are read through the row's session, so a row detached from its
    session gives a record with no topics.
    """
    session = object_session(campaign)
    topics = topic_store.list_topics(session, campaign.id) if session is not None else []
    return CampaignRecord(
        id=campaign.id,
        title=campaign.title,
        platform=campaign.platform,
        channel_id=campaign.channel_id,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        status=campaign.status,
        topics=tuple(
            TopicRecord(id=topic.id, position=topic.position, question=topic.question)
            for topic in topics
        ),
        hide_counts=bool(campaign.hide_counts),
        repeat_quarterly=bool(campaign.repeat_quarterly),
        created_by=campaign.created_by,
        reminder_days=parse_reminder_days(campaign.reminder_days or ""),
        final_reminder_hours=int(campaign.final_reminder_hours),
        planned_ends_at=campaign.planned_ends_at or campaign.ends_at,
        channels=(
            tuple(campaign_store.campaign_channels(session, campaign).items())
            if session is not None
            else ((campaign.platform, campaign.channel_id),)
        ),
    )


def validate_title(title: str) -> str:
    """Return the title stripped, raising InvalidInput when it is empty or too long."""
    cleaned = title.strip()
    if not cleaned:
        raise InvalidInput(
            "The campaign title is empty: give it a title staff will recognise.", field="title"
        )
    if len(cleaned) > MAX_TITLE_LENGTH:
        raise InvalidInput(
            f"The campaign title has {len(cleaned)} characters, but the maximum is "
            f"{MAX_TITLE_LENGTH}. Shorten it.",
            field="title",
        )
    return cleaned


def validate_topics(topics: Sequence[str]) -> list[str]:
    """Return the questions stripped, raising InvalidInput for too many, too long or repeated ones.

    An empty sequence is valid here: a campaign created without topics has none.
    """
    if isinstance(topics, str):
        raise TypeError("topics must be a sequence of questions, not one string")
    cleaned = [topic.strip() for topic in topics]
    if len(cleaned) > MAX_TOPICS:
        raise InvalidInput(
            f"The campaign has {len(cleaned)} topics, but the maximum is {MAX_TOPICS}. "
            "Remove some or run them in a later campaign.",
            field="topics",
        )
    seen: set[str] = set()
    for number, question in enumerate(cleaned, start=1):
        if not question:
            raise InvalidInput(
                f"Topic {number} is empty: write a question or remove it.", field="topics"
            )
        if len(question) > MAX_TOPIC_LENGTH:
            raise InvalidInput(
                f"Topic {number} has {len(question)} characters, but the maximum is "
                f"{MAX_TOPIC_LENGTH}. Shorten the question.",
                field="topics",
            )
        # Case-insensitive, because "Pay?" and "pay?" would read as the same question.
        key = question.casefold()
        if key in seen:
            raise InvalidInput(
                f"Topic {number} repeats an earlier question: remove one of the two.",
                field="topics",
            )
        seen.add(key)
    return cleaned


def validate_days(days: int) -> int:
    """Return the length in days, raising InvalidInput unless it is 1 to MAX_DAYS."""
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(
            f"A campaign lasts 1 to {MAX_DAYS} days, not {days}: "
            "give a whole number of days in that range.",
            field="days",
        )
    return days


def validate_reminders(
    reminder_days: Sequence[int] | None,
    final_reminder_hours: int | None,
    *,
    days: int,
    length: timedelta,
) -> tuple[tuple[int, ...], int]:
    """Return the reminder days and final reminder hours, raising InvalidInput when one is invalid.

    None takes the default: day 10 and 48 hours before the close. A default
    that does not fit the campaign, such as day 10 of a 5-day campaign, is
    dropped, but a value given explicitly that does not fit raises.
    """
    if reminder_days is None:
        chosen = tuple(day for day in DEFAULT_REMINDER_DAYS if 2 <= day <= days)
    else:
        if isinstance(reminder_days, str):
            raise TypeError("reminder_days must be a sequence of day numbers, not one string")
        chosen = tuple(reminder_days)
        for day in chosen:
            if days < 2:
                raise InvalidInput(
                    "A campaign of 1 day has no day after the opening for a reminder: leave "
                    "out the reminder days, or make the campaign longer.",
                    field="reminder_days",
                )
            if not 2 <= day <= days:
                raise InvalidInput(
                    f"Reminder day {day} is outside the campaign, which lasts {days} days: "
                    f"give day numbers from 2 to {days}, counting the opening day as day 1.",
                    field="reminder_days",
                )
        repeated = sorted({day for day in chosen if chosen.count(day) > 1})
        if repeated:
            raise InvalidInput(
                f"Reminder day {repeated[0]} is given twice: list each day once.",
                field="reminder_days",
            )
    length_hours = int(length.total_seconds() // 3600)
    if final_reminder_hours is None:
        hours = DEFAULT_FINAL_REMINDER_HOURS if DEFAULT_FINAL_REMINDER_HOURS < length_hours else 0
    else:
        hours = final_reminder_hours
        if hours < 0:
            raise InvalidInput(
                f"The final reminder is set {hours} hours before the close: give 0 for no "
                "final reminder, or a whole number of hours.",
                field="final_reminder_hours",
            )
        if hours > 0 and hours >= length_hours:
            raise InvalidInput(
                f"The final reminder is set {hours} hours before the close, but the campaign "
                f"lasts only {length_hours} hours: give fewer than {length_hours} hours, "
                "or 0 for no final reminder.",
                field="final_reminder_hours",
            )
    return tuple(sorted(chosen)), hours


def create_campaign(
    db: Database,
    *,
    title: str,
    channel_id: str,
    starts: str,
    days: int = DEFAULT_DAYS,
    timezone: ZoneInfo,
    now: datetime,
    platform: str = "slack",
    topics: Sequence[str] = (),
    hide_counts: bool = False,
    repeat_quarterly: bool = False,
    created_by: str | None = None,
    reminder_days: Sequence[int] | None = None,
    final_reminder_hours: int | None = None,
) -> CampaignRecord:
    """Validate and store a scheduled campaign and its topics, for the scheduler to open.

    Every input is checked before the one transaction that stores the campaign
    and its topics, so invalid input stores nothing. reminder_days and
    final_reminder_hours are checked by validate_reminders; None takes the
    defaults that fit the campaign.
    """
    plan = _validated_plan(
        title=title,
        channel_id=channel_id,
        starts=starts,
        days=days,
        timezone=timezone,
        now=now,
        topics=topics,
        reminder_days=reminder_days,
        final_reminder_hours=final_reminder_hours,
    )
    with db.transaction() as session:
        _reject_overlap(
            session,
            platform=platform,
            channel_id=plan.channel_id,
            starts_at=plan.starts_at,
            ends_at=plan.ends_at,
            timezone=timezone,
        )
        campaign = campaign_store.add_campaign(
            session,
            title=plan.title,
            platform=platform,
            channel_id=plan.channel_id,
            starts_at=plan.starts_at,
            ends_at=plan.ends_at,
            created_at=now,
            hide_counts=hide_counts,
            repeat_quarterly=repeat_quarterly,
            created_by=created_by,
        )
        reminder_store.set_reminder_settings(
            session,
            campaign.id,
            reminder_days=format_reminder_days(plan.reminder_days),
            final_reminder_hours=plan.final_reminder_hours,
        )
        topic_store.add_topics(session, campaign.id, questions=plan.questions)
        record = campaign_record(campaign)
    logger.info(
        "Created campaign %s in channel %s with %s topics, %s to %s",
        record.id,
        plan.channel_id,
        len(plan.questions),
        plan.starts_at,
        plan.ends_at,
    )
    return record


@dataclass(frozen=True)
class _Plan:
    """A campaign's checked settings, ready to store."""

    title: str
    channel_id: str
    questions: list[str]
    starts_at: datetime
    ends_at: datetime
    reminder_days: tuple[int, ...]
    final_reminder_hours: int


def _validated_plan(
    *,
    title: str,
    channel_id: str,
    starts: str,
    days: int,
    timezone: ZoneInfo,
    now: datetime,
    topics: Sequence[str],
    reminder_days: Sequence[int] | None,
    final_reminder_hours: int | None,
) -> _Plan:
    """Check a campaign's settings, raising InvalidInput naming the first field at fault."""
    title = validate_title(title)
    questions = validate_topics(topics)
    channel_id = channel_id.strip()
    if not channel_id:
        raise InvalidInput(
            "The channel is missing: give the id of the channel to run it in.", field="channel"
        )
    days = validate_days(days)
    try:
        starts_at = parse_start(starts, timezone=timezone, now=now)
    except InvalidInput as error:
        raise InvalidInput(error.user_message, field="starts") from None
    ends_at = end_of_campaign(starts_at, days=days, timezone=timezone)
    chosen_days, chosen_hours = validate_reminders(
        reminder_days, final_reminder_hours, days=days, length=ends_at - starts_at
    )
    return _Plan(
        title=title,
        channel_id=channel_id,
        questions=questions,
        starts_at=starts_at,
        ends_at=ends_at,
        reminder_days=tuple(chosen_days),
        final_reminder_hours=chosen_hours,
    )


def update_campaign(
    db: Database,
    campaign_id: int,
    *,
    by: Person | None,
    title: str,
    channel_id: str,
    starts: str,
    days: int,
    timezone: ZoneInfo,
    now: datetime,
    topics: Sequence[str],
    hide_counts: bool,
    repeat_quarterly: bool,
    reminder_days: Sequence[int] | None = None,
    final_reminder_hours: int | None = None,
) -> CampaignRecord:
    """Replace a scheduled campaign's settings and topics, as create_campaign checks them.

    Only a campaign that has not opened can change, so no idea refers to its old
    topics. by is the manager asking; None means an administrator at the command line.
    """
    if by is not None:
        roles.require_manager(db, by, action="edit campaigns")
    current = get_campaign(db, campaign_id)
    if current.status != "scheduled":
        raise _not_editable(campaign_id, current.status)
    if not any(question.strip() for question in topics):
        raise InvalidInput(
            "The campaign needs at least one question: give one to ten topics.", field="topics"
        )
    plan = _validated_plan(
        title=title,
        channel_id=channel_id,
        starts=starts,
        days=days,
        timezone=timezone,
        now=now,
        topics=topics,
        reminder_days=reminder_days,
        final_reminder_hours=final_reminder_hours,
    )
    with db.transaction() as session:
        campaign = _get_or_raise(session, campaign_id)
        if campaign.status != "scheduled":
            raise _not_editable(campaign_id, campaign.status)
        _reject_overlap(
            session,
            platform=campaign.platform,
            channel_id=plan.channel_id,
            starts_at=plan.starts_at,
            ends_at=plan.ends_at,
            timezone=timezone,
            campaign_id=campaign_id,
            advice="Choose times that do not overlap it, or another channel.",
        )
        if not campaign_store.update_scheduled_campaign(
            session,
            campaign_id,
            title=plan.title,
            channel_id=plan.channel_id,
            starts_at=plan.starts_at,
            ends_at=plan.ends_at,
            hide_counts=hide_counts,
            repeat_quarterly=repeat_quarterly,
        ):
            raise InvalidInput(
                f"Campaign {campaign_id} opened meanwhile, so it can no longer be edited.",
                field="campaign",
            )
        reminder_store.set_reminder_settings(
            session,
            campaign_id,
            reminder_days=format_reminder_days(plan.reminder_days),
            final_reminder_hours=plan.final_reminder_hours,
        )
        topic_store.replace_topics(session, campaign_id, questions=plan.questions)
        session.refresh(campaign)
        record = campaign_record(campaign)
    logger.info("Campaign %s edited, by %s", campaign_id, _actor(by))
    return record


def _not_editable(campaign_id: int, status: str) -> InvalidInput:
    """Return the error for editing a campaign that is no longer scheduled."""
    advice = "Extend or close it instead." if status == "open" else "Create a new one instead."
    return InvalidInput(
        f"Campaign {campaign_id} is {status} already, so it can no longer be edited. {advice}",
        field="campaign",
    )


def _reject_overlap(
    session: Session,
    *,
    platform: str,
    channel_id: str,
    starts_at: datetime,
    ends_at: datetime,
    timezone: ZoneInfo,
    campaign_id: int | None = None,
    field: str = "starts",
    advice: str = "Start this one after it closes, or choose another channel.",
) -> None:
    """Raise InvalidInput when another scheduled or open campaign in the channel overlaps.

    Ideas posted in a channel go to the campaign open there, so two at once would
    leave staff unsure which questions they are replying to. campaign_id is left
    out of the check, and advice ends the message with what to do.
    """
    for other in campaign_store.list_campaigns(session, statuses=("scheduled", "open")):
        if other.id == campaign_id or other.platform != platform:
            continue
        if other.channel_id != channel_id:
            continue
        if other.starts_at < ends_at and starts_at < other.ends_at:
            raise InvalidInput(
                f"Campaign {other.id}, {other.title}, runs in this channel from "
                f"{format_local(other.starts_at, timezone)} to "
                f"{format_local(other.ends_at, timezone)}, and two campaigns in one channel "
                f"cannot overlap. {advice}",
                field=field,
            )


def list_campaigns(
    db: Database, *, statuses: tuple[str, ...] | None = None
) -> list[CampaignRecord]:
    """Return campaigns by start time, optionally only those in the given statuses."""
    with db.transaction() as session:
        return [
            campaign_record(c) for c in campaign_store.list_campaigns(session, statuses=statuses)
        ]


def get_campaign(db: Database, campaign_id: int) -> CampaignRecord:
    """Return one campaign, raising NotFound when there is none with this id."""
    with db.transaction() as session:
        campaign = campaign_store.get_campaign(session, campaign_id)
        if campaign is None:
            raise NotFound(f"There is no campaign {campaign_id}.")
        return campaign_record(campaign)


def open_campaign(db: Database, campaign_id: int, *, now: datetime) -> CampaignRecord | None:
    """Open a scheduled campaign whose start has come.

    Returns the campaign when this call opened it, and None when it is not
    due yet or was opened or closed already, by this process or another.
    """
    with db.transaction() as session:
        campaign = campaign_store.get_campaign(session, campaign_id)
        if campaign is None or campaign.status != "scheduled" or campaign.starts_at > now:
            return None
        if not campaign_store.mark_campaign_open(session, campaign_id, now=now):
            return None
        session.refresh(campaign)
        record = campaign_record(campaign)
    logger.info("Opened campaign %s", campaign_id)
    return record


def close_campaign(db: Database, campaign_id: int, *, now: datetime) -> CampaignRecord | None:
    """Close an open campaign whose end has come.

    Returns the campaign when this call closed it, and None when it is not
    due yet or not open, so a repeated or concurrent call changes nothing.
    """
    with db.transaction() as session:
        campaign = campaign_store.get_campaign(session, campaign_id)
        if campaign is None or campaign.status != "open" or campaign.ends_at > now:
            return None
        if not campaign_store.mark_campaign_closed(session, campaign_id, now=now):
            return None
        session.refresh(campaign)
        record = campaign_record(campaign)
    logger.info("Closed campaign %s", campaign_id)
    return record


def close_campaign_early(
    db: Database, campaign_id: int, *, by: Person | None, now: datetime
) -> CampaignRecord:
    """Move an open campaign's end to now, so the scheduler's next sync closes it.

    by is the manager asking; None means an administrator at the command line,
    and skips the role check. The close itself, with its summary, runs on the
    scheduler's normal path.
    """
    if by is not None:
        roles.require_manager(db, by, action="close campaigns early")
    with db.transaction() as session:
        campaign = _get_or_raise(session, campaign_id)
        if campaign.status == "scheduled":
            raise InvalidInput(
                f"Campaign {campaign_id} has not opened yet, so it cannot be closed early. "
                "To call it off, cancel it instead.",
                field="campaign",
            )
        if not campaign_store.set_campaign_end(
            session,
            campaign_id,
            ends_at=min(now, campaign.ends_at),
            statuses=("open",),
            planned=False,
        ):
            raise _already_closed(campaign_id)
        session.refresh(campaign)
        record = campaign_record(campaign)
    logger.info("Campaign %s set to close now, by %s", campaign_id, _actor(by))
    return record


def cancel_campaign(
    db: Database, campaign_id: int, *, by: Person | None, now: datetime
) -> CampaignRecord:
    """Cancel a scheduled campaign, so it never opens; raise InvalidInput once it has opened.

    by is the manager asking; None means an administrator at the command line,
    and skips the role check. The scheduler drops the campaign's opening job at
    its next sync, and people who asked to be reminded get no message.
    """
    if by is not None:
        roles.require_manager(db, by, action="cancel campaigns")
    with db.transaction() as session:
        campaign = _get_or_raise(session, campaign_id)
        if campaign.status == "open":
            raise InvalidInput(
                f"Campaign {campaign_id} is open already, so it cannot be cancelled. "
                "Close it early instead.",
                field="campaign",
            )
        if not campaign_store.mark_campaign_cancelled(session, campaign_id, now=now):
            raise InvalidInput(
                f"Campaign {campaign_id} is {campaign.status} already, so there is nothing "
                "to cancel.",
                field="campaign",
            )
        session.refresh(campaign)
        record = campaign_record(campaign)
    logger.info("Cancelled campaign %s, by %s", campaign_id, _actor(by))
    return record


def extend_campaign(
    db: Database,
    campaign_id: int,
    *,
    days: int,
    by: Person | None,
    now: datetime,
    timezone: ZoneInfo,
) -> CampaignRecord:
    """Move a scheduled or open campaign's end later by whole days at the same local time.

    by is the manager asking; None means an administrator at the command line,
    and skips the role check.
    """
    if by is not None:
        roles.require_manager(db, by, action="extend campaigns")
    if days < 1:
        raise InvalidInput(
            f"The extension is {days} days: give a whole number of days of 1 or more.",
            field="days",
        )
    with db.transaction() as session:
        campaign = _get_or_raise(session, campaign_id)
        if campaign.status not in ("scheduled", "open"):
            raise _already_closed(campaign_id, status=campaign.status)
        ends_at = end_of_campaign(campaign.ends_at, days=days, timezone=timezone)
        start_date = campaign.starts_at.astimezone(timezone).date()
        length = (ends_at.astimezone(timezone).date() - start_date).days
        if length > MAX_DAYS:
            room = MAX_DAYS - (campaign.ends_at.astimezone(timezone).date() - start_date).days
            raise InvalidInput(
                f"Extending campaign {campaign_id} by {days} days would make it last {length} "
                f"days, but the maximum is {MAX_DAYS}. Extend it by at most {max(room, 0)} days.",
                field="days",
            )
        if ends_at <= now:
            raise InvalidInput(
                f"Extending campaign {campaign_id} by {days} days would still end it in the past, "
                f"at {format_local(ends_at, timezone)}. Give more days.",
                field="days",
            )
        _reject_overlap(
            session,
            platform=campaign.platform,
            channel_id=campaign.channel_id,
            starts_at=campaign.starts_at,
            ends_at=ends_at,
            timezone=timezone,
            campaign_id=campaign_id,
            field="days",
            advice="Extend it by fewer days, so it closes before the other opens.",
        )
        if not campaign_store.set_campaign_end(
            session, campaign_id, ends_at=ends_at, statuses=("scheduled", "open"), planned=True
        ):
            raise _already_closed(campaign_id)
        session.refresh(campaign)
        record = campaign_record(campaign)
    logger.info(
        "Campaign %s extended by %s days to %s, by %s", campaign_id, days, ends_at, _actor(by)
    )
    return record


def _get_or_raise(session: Session, campaign_id: int) -> Campaign:
    campaign = campaign_store.get_campaign(session, campaign_id)
    if campaign is None:
        raise NotFound(
            f"There is no campaign {campaign_id}. List the campaigns to find its id.",
        )
    return campaign


def _already_closed(campaign_id: int, *, status: str = "closed") -> InvalidInput:
    return InvalidInput(
        f"Campaign {campaign_id} is {status} already, so it cannot be changed. "
        "Create a new campaign instead.",
        field="campaign",
    )


def _actor(by: Person | None) -> str:
    return "an administrator (CLI)" if by is None else f"{by.platform} user {by.user_id}"


def claim_announcement(db: Database, campaign_id: int, *, kind: str, now: datetime) -> bool:
    """Claim the posting of a campaign's "launch" or "summary" message for this process."""
    with db.transaction() as session:
        return campaign_store.claim_announcement(
            session, campaign_id, kind=kind, now=now, retry_after=ANNOUNCEMENT_RETRY_AFTER
        )


def record_announcement(db: Database, campaign_id: int, *, kind: str, message_id: str) -> None:
    """Store the id of a posted "launch" or "summary" message."""
    with db.transaction() as session:
        campaign_store.set_announcement_message(
            session, campaign_id, kind=kind, message_id=message_id
        )


def pending_announcements(db: Database) -> list[tuple[CampaignRecord, str]]:
    """Return (campaign, kind) for launch and summary messages not posted yet."""
    pending: list[tuple[CampaignRecord, str]] = []
    with db.transaction() as session:
        for campaign in campaign_store.list_campaigns(session, statuses=("open", "closed")):
            if campaign.launch_message_id is None and campaign.status == "open":
                pending.append((campaign_record(campaign), "launch"))
            if campaign.summary_message_id is None and campaign.status == "closed":
                pending.append((campaign_record(campaign), "summary"))
    return pending


# How far apart the starts of the campaigns of a quarterly series are.
QUARTER_MONTHS = 3


def _quarters_later(local_start: datetime, quarters: int, *, timezone: ZoneInfo) -> datetime:
    """Return the instant `quarters` times three calendar months after a naive local time.

    The day is moved to the month's last day when the month is shorter, such
    as 30 April for 31 January. The local time is kept, converted as
    schedule.to_local_instant does, so a clock change between the two dates
    does not move it.
    """
    month_index = local_start.month - 1 + QUARTER_MONTHS * quarters
    year = local_start.year + month_index // 12
    month = month_index % 12 + 1
    following = datetime(year + month // 12, month % 12 + 1, 1)
    last_day = (following - timedelta(days=1)).day
    wall_time = local_start.replace(year=year, month=month, day=min(local_start.day, last_day))
    return wall_time.replace(tzinfo=timezone, fold=0).astimezone(ZoneInfo("UTC"))


def repeat_key(campaign_id: int) -> str:
    """Return the ScheduledRun key that records a campaign's quarterly repeat as done."""
    return f"repeat:{campaign_id}"


def schedule_next_in_series(
    db: Database, campaign_id: int, *, timezone: ZoneInfo, now: datetime
) -> CampaignRecord | None:
    """Schedule the next quarterly campaign of a closed campaign's series, once only.

    The next campaign copies the title, channel, platform, topics, length in
    local calendar days, hide_counts, repeat_quarterly and reminder settings.
    It starts three calendar months after this one at the same local time, or
    a whole number of quarters later when that start has passed. It joins the
    series of this campaign, whose id is series_id or, for the first, its own.
    Returns None when the campaign is not closed, does not repeat, or was
    repeated already. A ScheduledRun row written in the same transaction as
    the new campaign guards the repeat, also across processes.
    """
    with db.transaction() as session:
        campaign = campaign_store.get_campaign(session, campaign_id)
        if campaign is None or campaign.status != "closed" or not campaign.repeat_quarterly:
            return None
        if not campaign_store.claim_scheduled_run(session, key=repeat_key(campaign_id), now=now):
            return None

        local_start = campaign.starts_at.astimezone(timezone).replace(tzinfo=None)
        # A campaign closed early keeps its planned end, so the next one is as
        # long as this one was planned to be, not as long as it ran.
        planned_end = campaign.planned_ends_at or campaign.ends_at
        local_end = planned_end.astimezone(timezone).replace(tzinfo=None)
        days = min(max((local_end.date() - local_start.date()).days, 1), MAX_DAYS)
        quarters = 1
        next_start = _quarters_later(local_start, quarters, timezone=timezone)
        while next_start <= now:
            quarters += 1
            next_start = _quarters_later(local_start, quarters, timezone=timezone)
        questions = [topic.question for topic in topic_store.list_topics(session, campaign_id)]

        next_campaign = campaign_store.add_campaign(
            session,
            title=campaign.title,
            platform=campaign.platform,
            channel_id=campaign.channel_id,
            starts_at=next_start,
            ends_at=end_of_campaign(next_start, days=days, timezone=timezone),
            created_at=now,
            hide_counts=bool(campaign.hide_counts),
            repeat_quarterly=True,
            created_by=campaign.created_by,
        )
        campaign_store.set_series_settings(
            session,
            next_campaign.id,
            series_id=campaign.series_id or campaign.id,
            reminder_days=campaign.reminder_days,
            final_reminder_hours=campaign.final_reminder_hours,
        )
        topic_store.add_topics(session, next_campaign.id, questions=questions)
        session.refresh(next_campaign)
        record = campaign_record(next_campaign)
    logger.info(
        "Scheduled campaign %s as the next of the series of campaign %s, from %s for %s days",
        record.id,
        campaign_id,
        record.starts_at,
        days,
    )
    return record
