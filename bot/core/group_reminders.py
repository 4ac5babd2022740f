"""Reminders by direct message to the staff of chosen groups who have not taken part yet.

A manager picks groups of one dimension (such as two directorates) of an open
campaign. The recipients are current staff in those groups who are matched to
a chat account and have no participation row for the campaign. Each gets one
outbox message per reminder, and the manager learns how many, never who.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from bot.core.campaigns import campaign_record
from bot.core.directory import merge_small_groups
from bot.core.errors import InvalidInput, NotFound
from bot.core.outbox import OutboundMessage, enqueue_in
from bot.core.participation_records import (
    DIMENSION_LABELS,
    DIMENSIONS,
    NOT_RECORDED,
    OTHER_GROUPS,
)
from bot.core.records import CampaignRecord, Person
from storage import campaigns as campaign_store
from storage import staff as store
from storage.database import Database
from storage.models import Campaign, ScheduledRun
from storage.upsert import insert_if_absent

logger = logging.getLogger(__name__)

# The manager's own words added to the reminder, in characters.
MAX_NOTE_LENGTH = 300


@dataclass(frozen=True)
class ReminderGroup:
    """A group a reminder can go to: its name, headcount and how many of it took part."""

    name: str
    headcount: int
    participants: int


@dataclass(frozen=True)
class ReminderRequest:
    """The groups of one dimension and the optional note a manager chose for a reminder."""

    campaign_id: int
    dimension: str
    groups: tuple[str, ...]
    note: str | None = None
    # Made once per preview, so a second press of Send (a double click, a retried
    # request) sends nothing more.
    request_key: str | None = None


@dataclass(frozen=True)
class ReminderSent:
    """A stored reminder and how many direct messages it enqueued."""

    reminder_id: int
    recipients: int


class GroupReminderNotifier(Protocol):
    """Builds the direct messages of a reminder to groups, for the outbox."""

    def group_reminder_messages(
        self, campaign: CampaignRecord, *, note: str | None, dedupe_keys: Mapping[str, str]
    ) -> list[OutboundMessage]:
        """Build one direct message per recipient user id in dedupe_keys.

        It runs inside the transaction that stores the reminder, so it must not call the platform.
        """
        ...


def participation_scope(campaign_id: int) -> str:
    """Return the ParticipantGroup scope of a campaign."""
    return f"campaign:{campaign_id}"


def dedupe_key(reminder_id: int, user_id: str) -> str:
    """Return the outbox key of one person's message of a reminder."""
    return f"group-reminder:{reminder_id}:{user_id}"


def reminder_groups(
    db: Database, campaign_id: int, *, min_group_size: int
) -> dict[str, list[ReminderGroup]]:
    """Return, for each dimension, its groups of at least min_group_size current staff.

    Groups come largest first, with NOT_RECORDED (people with no value) last.
    Smaller groups are left out, so no reminder can aim at a handful of people.
    """
    scope = participation_scope(campaign_id)
    with db.transaction() as session:
        _open_campaign(session, campaign_id)
        options: dict[str, list[ReminderGroup]] = {}
        for dimension in DIMENSIONS:
            rows = store.headcounts(session, dimension, participation_scope=scope)
            named = _named_groups(
                [(group, count) for group, count, _ in rows], min_group_size=min_group_size
            )
            groups = [
                ReminderGroup(
                    name=group or NOT_RECORDED, headcount=count, participants=participants
                )
                for group, count, participants in rows
                if (group or NOT_RECORDED) in named
            ]
            groups.sort(key=lambda item: (item.name == NOT_RECORDED, -item.headcount, item.name))
            options[dimension] = groups
    return options


def count_recipients(
    db: Database, request: ReminderRequest, *, platform: str, min_group_size: int
) -> int:
    """Return how many people a reminder would reach now.

    Raises InvalidInput when the campaign is not open, a group is unknown or
    too small, the note is too long, or no one would receive it (with the reason).
    """
    with db.transaction() as session:
        recipients = _recipients(session, request, platform=platform, min_group_size=min_group_size)
    return len(recipients)


def send_group_reminder(
    db: Database,
    notifier: GroupReminderNotifier,
    request: ReminderRequest,
    *,
    by: Person,
    now: datetime,
    min_group_size: int,
) -> ReminderSent:
    """Store a reminder and enqueue one direct message to each of its recipients.

    The recipients are worked out again here, so people who took part since
    the preview are left out. Raises InvalidInput as count_recipients does.
    """
    with db.transaction() as session:
        if request.request_key is not None and not insert_if_absent(
            session, ScheduledRun, key=f"group-reminder-request:{request.request_key}", ran_at=now
        ):
            raise InvalidInput(
                "This reminder was sent already, so nothing more was sent. Send "
                f"`/campaign remind {request.campaign_id}` for another one."
            )
        recipients = _recipients(
            session, request, platform=by.platform, min_group_size=min_group_size
        )
        campaign = campaign_record(_open_campaign(session, request.campaign_id))
        reminder_id = store.add_group_reminder(
            session,
            campaign_id=request.campaign_id,
            dimension=request.dimension,
            group_names=json.dumps(list(request.groups), ensure_ascii=False),
            created_by=by.user_id,
            created_at=now,
            recipient_count=len(recipients),
        )
        keys = {user_id: dedupe_key(reminder_id, user_id) for user_id in recipients}
        messages = notifier.group_reminder_messages(campaign, note=request.note, dedupe_keys=keys)
        enqueue_in(session, messages, now=now)
    logger.info(
        "Group reminder %s of campaign %s by %s: %d recipients",
        reminder_id,
        request.campaign_id,
        by.user_id,
        len(recipients),
    )
    return ReminderSent(reminder_id=reminder_id, recipients=len(recipients))


def _open_campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = campaign_store.get_campaign(session, campaign_id)
    if campaign is None:
        raise NotFound(
            f"There is no campaign {campaign_id}. Send `/campaign list` to see the campaign IDs."
        )
    if campaign.status != "open":
        raise InvalidInput(
            f"Campaign {campaign_id} is {campaign.status}, not open, so there is nobody to "
            "remind. Reminders go to groups while their campaign is open.",
            field="campaign",
        )
    return campaign


def _recipients(
    session: Session, request: ReminderRequest, *, platform: str, min_group_size: int
) -> list[str]:
    _open_campaign(session, request.campaign_id)
    if request.dimension not in DIMENSIONS:
        raise InvalidInput(
            f"Invalid dimension {request.dimension!r}: use one of {', '.join(DIMENSIONS)}."
        )
    if not request.groups:
        raise InvalidInput("Choose at least one group to remind.", field="groups")
    if request.note is not None and len(request.note) > MAX_NOTE_LENGTH:
        raise InvalidInput(
            f"The message has {len(request.note)} characters: shorten it to "
            f"{MAX_NOTE_LENGTH} or fewer.",
            field="note",
        )
    scope = participation_scope(request.campaign_id)
    named = _named_groups(
        [(group, count) for group, count, _ in store.headcounts(session, request.dimension)],
        min_group_size=min_group_size,
    )
    stored = [None if name == NOT_RECORDED else name for name in request.groups]
    small = [name for name in request.groups if name not in named]
    if small:
        raise InvalidInput(
            f"{', '.join(small)}: no longer a group of at least {min_group_size} people on the "
            "staff list, so it cannot get a reminder. Open the form again to see the groups.",
            field="groups",
        )
    recipients = store.reminder_recipients(
        session,
        platform=platform,
        dimension=request.dimension,
        groups=stored,
        participation_scope=scope,
    )
    if not recipients:
        raise InvalidInput(
            _nobody_reason(session, request, stored=stored, platform=platform), field="groups"
        )
    return recipients


def _named_groups(counts: list[tuple[str | None, int]], *, min_group_size: int) -> set[str]:
    """Return the groups reports name, as merge_small_groups folds the rest into Other groups.

    The form offers only these, so a reminder's reach cannot be compared with a
    report to work out the figures of a group the report keeps within Other groups.
    """
    return {
        group.name
        for group in merge_small_groups(counts, min_group_size=min_group_size)
        if group.name != OTHER_GROUPS
    }


def _nobody_reason(
    session: Session, request: ReminderRequest, *, stored: Sequence[str | None], platform: str
) -> str:
    staff, matched, _ = store.reminder_reach(
        session,
        platform=platform,
        dimension=request.dimension,
        groups=stored,
        participation_scope=participation_scope(request.campaign_id),
    )
    label = DIMENSION_LABELS[request.dimension].lower()
    if matched == 0:
        return (
            f"Nobody to remind: none of the {staff} people in the chosen {label} groups is "
            "matched to a chat account yet. Run `staffvoice staff match` first."
        )
    return (
        f"Nobody to remind: all {matched} people in the chosen {label} groups who have a chat "
        "account have taken part already."
    )
