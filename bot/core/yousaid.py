"""'You said, we did' updates: the answers given to a campaign's ideas since the last update.

An update lists the campaign's ideas whose status changed after the previous
update's last status change (every change, for the first update). Each idea
appears once, with its status, reply and owner as of its latest change in
that range, grouped by status in the order of statuses.STATUS_LABELS.
Hidden and withdrawn ideas are left out. The update is stored and its
channel message enqueued in the outbox in one transaction, under a
ScheduledRun key, so a double press, a retried request or a second scheduler
process posts it once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.core import audit, roles
from bot.core.campaigns import campaign_record
from bot.core.errors import InvalidInput, NotFound
from bot.core.outbox import OutboundMessage, enqueue_in
from bot.core.records import CampaignRecord, Person
from bot.core.statuses import STATUS_LABELS, status_label
from storage import campaigns as campaign_store
from storage import yousaid as store
from storage.database import Database
from storage.models import Campaign, Idea, IdeaStatusChange

logger = logging.getLogger(__name__)

# Campaigns whose ideas can be answered: updates are posted only for these.
POSTABLE_STATUSES = ("open", "closed")
# The monthly update falls due on the first day of each month from this local time.
MONTHLY_TIME = time(9, 0)
# The created_by of a monthly update.
SCHEDULER = audit.SCHEDULER
AUDIT_MONTHLY = "yousaid_monthly"


@dataclass(frozen=True)
class UpdateIdea:
    """An idea as an update lists it, with its answer as of its latest change in the update."""

    idea_id: int
    text: str
    anonymous: bool
    # The name shown for a named idea; None when the idea stores none.
    author_name: str | None
    status: str
    reply: str | None
    owner: str | None
    vote_count: int
    # The location of the idea's message; both are None for an idea not posted in the chat.
    channel_id: str | None
    message_id: str | None
    # The chat platform the idea was posted from, which its message is on.
    platform: str


@dataclass(frozen=True)
class StatusGroup:
    """The ideas of an update that have one status."""

    status: str
    label: str
    ideas: tuple[UpdateIdea, ...]


@dataclass(frozen=True)
class YouSaidDraft:
    """The content of an update: the changed ideas by status, and the change ids it covers."""

    campaign: CampaignRecord
    groups: tuple[StatusGroup, ...]
    # The update covers status changes with ids after after_change_id, up to last_change_id.
    after_change_id: int
    last_change_id: int
    # When the previous update was posted; None when this is the first.
    previous_at: datetime | None

    @property
    def idea_count(self) -> int:
        """Return how many ideas the update lists."""
        return sum(len(group.ideas) for group in self.groups)

    @property
    def ideas(self) -> tuple[UpdateIdea, ...]:
        """Return every listed idea, in the order the update shows them."""
        return tuple(idea for group in self.groups for idea in group.ideas)


class PostOutcome(StrEnum):
    """The result of a request to post an update."""

    POSTED = "posted"
    # No idea's status changed since the last update, so nothing was posted.
    NOTHING_NEW = "nothing_new"
    # The request's key was claimed already, by an earlier press or scheduler run.
    ALREADY_POSTED = "already_posted"


@dataclass(frozen=True)
class PostResult:
    """The outcome of post_update, with the update's content when one was posted or checked."""

    outcome: PostOutcome
    campaign: CampaignRecord
    draft: YouSaidDraft | None = None
    update_id: int | None = None


@dataclass(frozen=True)
class MonthlySetting:
    """A campaign's monthly update setting after a change, and whether it changed."""

    campaign: CampaignRecord
    enabled: bool
    changed: bool


@runtime_checkable
class YouSaidNotifier(Protocol):
    """Links to idea messages and builds an update's channel message, for the outbox."""

    @property
    def timezone(self) -> ZoneInfo:
        """Return the time zone that the monthly update's day and time are counted in."""
        ...

    def idea_links(self, draft: YouSaidDraft) -> dict[int, str]:
        """Return a link to the message of each idea the update shows, by idea id.

        It is called before the transaction that stores the update, so it may call the platform.
        """
        ...

    def yousaid_messages(
        self, draft: YouSaidDraft, *, links: dict[int, str], dedupe_key: str
    ) -> list[OutboundMessage]:
        """Build an update as messages, one to each channel the campaign runs in.

        It runs inside the transaction that stores the update, so it must not call the platform.
        """
        ...


def request_key(token: str) -> str:
    """Return the ScheduledRun key of a manager's request to post, from its preview's token."""
    return f"yousaid-request:{token}"


def monthly_key(campaign_id: int, day: date) -> str:
    """Return the ScheduledRun key of a campaign's monthly update in the month of a local date."""
    return f"yousaid:{campaign_id}:{day:%Y-%m}"


def message_key(update_id: int) -> str:
    """Return the outbox key of an update's channel message."""
    return f"yousaid:{update_id}"


def _postable_campaign(session: Session, campaign_id: int, *, lock: bool = False) -> Campaign:
    """Return the campaign, raising NotFound or InvalidInput unless it is open or closed."""
    if lock:
        campaign = store.lock_campaign(session, campaign_id)
    else:
        campaign = campaign_store.get_campaign(session, campaign_id)
    if campaign is None:
        raise NotFound(
            f"There is no campaign {campaign_id}. Send `/campaign list` to see the campaign IDs."
        )
    if campaign.status == "scheduled":
        raise InvalidInput(
            f"Campaign {campaign_id} has not opened yet, so none of its ideas has an answer to "
            "post. Post an update once its ideas have a status.",
            field="campaign",
        )
    if campaign.status == "cancelled":
        raise InvalidInput(
            f"Campaign {campaign_id} was cancelled, so it has no ideas to post an update about.",
            field="campaign",
        )
    if campaign.status not in POSTABLE_STATUSES:
        raise InvalidInput(
            f"Campaign {campaign_id} is {campaign.status}, so no update can be posted for it.",
            field="campaign",
        )
    return campaign


def _update_idea(idea: Idea, change: IdeaStatusChange) -> UpdateIdea:
    return UpdateIdea(
        idea_id=idea.id,
        text=idea.text,
        anonymous=bool(idea.anonymous),
        author_name=None if idea.anonymous else idea.author_name,
        status=change.status,
        reply=change.reply,
        owner=change.owner,
        vote_count=idea.vote_count,
        channel_id=idea.channel_id,
        message_id=idea.message_id,
        platform=idea.platform,
    )


def _grouped(rows: Sequence[tuple[Idea, IdeaStatusChange]]) -> tuple[StatusGroup, ...]:
    """Group ideas by status: known statuses in STATUS_LABELS order, then any other by name."""
    by_status: dict[str, list[UpdateIdea]] = {}
    for idea, change in rows:
        by_status.setdefault(change.status, []).append(_update_idea(idea, change))
    order = list(STATUS_LABELS)
    order += sorted(status for status in by_status if status not in STATUS_LABELS)
    return tuple(
        StatusGroup(status=status, label=status_label(status), ideas=tuple(by_status[status]))
        for status in order
        if by_status.get(status)
    )


def _draft(session: Session, campaign: Campaign, *, up_to_change_id: int) -> YouSaidDraft:
    previous = store.latest_update(session, campaign.id)
    after = previous.last_change_id if previous is not None else 0
    rows: list[tuple[Idea, IdeaStatusChange]] = []
    if up_to_change_id > after:
        rows = store.list_changed_ideas(
            session, campaign.id, after_change_id=after, up_to_change_id=up_to_change_id
        )
    return YouSaidDraft(
        campaign=campaign_record(campaign),
        groups=_grouped(rows),
        after_change_id=after,
        last_change_id=max(up_to_change_id, after),
        previous_at=previous.created_at if previous is not None else None,
    )


def preview_update(db: Database, campaign_id: int) -> YouSaidDraft:
    """Return what an update of the campaign posted now would list.

    Raises NotFound for an unknown campaign and InvalidInput for one that is
    scheduled or cancelled.
    """
    with db.transaction() as session:
        campaign = _postable_campaign(session, campaign_id)
        return _draft(session, campaign, up_to_change_id=store.last_change_id(session, campaign_id))


def post_update(
    db: Database,
    notifier: YouSaidNotifier,
    campaign_id: int,
    *,
    by: Person | None,
    now: datetime,
    claim_key: str,
) -> PostResult:
    """Store an update of the campaign and enqueue its channel message, once per claim_key.

    by is the manager posting, whose role is checked, or None for the
    scheduler. The ideas are read first, so their links are looked up outside
    the transaction. The transaction then locks the campaign and covers the
    changes up to the last one that first read saw, so a change made in
    between waits for the next update. Nothing is stored when no listed idea
    changed (NOTHING_NEW) or claim_key was claimed before (ALREADY_POSTED).

    Raises PermissionDenied for a person without the manager role, and
    NotFound or InvalidInput as preview_update does.
    """
    if by is not None:
        roles.require_manager(db, by, action='post "You said, we did" updates')
    first = preview_update(db, campaign_id)
    links = notifier.idea_links(first) if first.idea_count else {}

    with db.transaction() as session:
        campaign = _postable_campaign(session, campaign_id, lock=True)
        record = campaign_record(campaign)
        if campaign_store.existing_run_keys(session, keys=[claim_key]):
            return PostResult(outcome=PostOutcome.ALREADY_POSTED, campaign=record)
        draft = _draft(session, campaign, up_to_change_id=first.last_change_id)
        if draft.idea_count == 0:
            return PostResult(outcome=PostOutcome.NOTHING_NEW, campaign=record, draft=draft)
        if not campaign_store.claim_scheduled_run(session, key=claim_key, now=now):
            return PostResult(outcome=PostOutcome.ALREADY_POSTED, campaign=record)
        row = store.add_update(
            session,
            campaign_id=campaign_id,
            created_by=by.user_id if by is not None else SCHEDULER,
            created_at=now,
            last_change_id=draft.last_change_id,
            idea_count=draft.idea_count,
        )
        messages = notifier.yousaid_messages(draft, links=links, dedupe_key=message_key(row.id))
        enqueue_in(session, messages, now=now)
        update_id = row.id
    logger.info(
        "Update %s of campaign %s by %s lists %d ideas, changes %d to %d",
        update_id,
        campaign_id,
        by.user_id if by is not None else SCHEDULER,
        draft.idea_count,
        draft.after_change_id + 1,
        draft.last_change_id,
    )
    return PostResult(outcome=PostOutcome.POSTED, campaign=record, draft=draft, update_id=update_id)


def set_monthly_updates(
    db: Database, person: Person, campaign_id: int, *, enabled: bool, now: datetime
) -> MonthlySetting:
    """Turn a campaign's monthly update on or off, with an audit entry when it changes.

    Raises PermissionDenied for a person without the manager role, NotFound
    for an unknown campaign, and InvalidInput for a cancelled one.
    """
    roles.require_manager(db, person, action='schedule "You said, we did" updates')
    with db.transaction() as session:
        campaign = campaign_store.get_campaign(session, campaign_id)
        if campaign is None:
            raise NotFound(
                f"There is no campaign {campaign_id}. Send `/campaign list` to see the "
                "campaign IDs."
            )
        if campaign.status == "cancelled":
            raise InvalidInput(
                f"Campaign {campaign_id} was cancelled, so it gets no monthly update.",
                field="campaign",
            )
        changed = bool(campaign.yousaid_monthly) != enabled
        if changed:
            store.set_monthly(session, campaign_id, enabled=enabled)
            audit.record(
                session,
                actor=person.user_id,
                action=AUDIT_MONTHLY,
                subject=f"campaign:{campaign_id}",
                detail={"enabled": enabled},
                now=now,
            )
            session.refresh(campaign)
        record = campaign_record(campaign)
    if changed:
        logger.info(
            "Monthly update of campaign %s turned %s by %s",
            campaign_id,
            "on" if enabled else "off",
            person.user_id,
        )
    return MonthlySetting(campaign=record, enabled=enabled, changed=changed)


def monthly_day(now: datetime, *, timezone: ZoneInfo) -> date | None:
    """Return the local date when now is on the first of a month from MONTHLY_TIME, else None."""
    local = now.astimezone(timezone)
    if local.day != 1 or local.time() < MONTHLY_TIME:
        return None
    return local.date()


def post_monthly_updates(db: Database, notifier: YouSaidNotifier, *, now: datetime) -> list[int]:
    """Post the monthly update of each campaign that has it on, when one is due; return their ids.

    An update is due on the first day of each month from MONTHLY_TIME local
    time, for an open or closed campaign with at least one change since its
    last update. The key monthly_key(campaign, day) is claimed with the post,
    so each campaign gets at most one monthly update a month, however many
    processes run the job. A campaign with nothing new is checked again on
    the job's next run that day. One campaign's failure is logged and the
    others still get theirs.
    """
    day = monthly_day(now, timezone=notifier.timezone)
    if day is None:
        return []
    with db.transaction() as session:
        campaign_ids = store.list_monthly_campaign_ids(session, statuses=POSTABLE_STATUSES)
        keys = {campaign_id: monthly_key(campaign_id, day) for campaign_id in campaign_ids}
        done = campaign_store.existing_run_keys(session, keys=list(keys.values()))
    posted: list[int] = []
    for campaign_id, key in keys.items():
        if key in done:
            continue
        try:
            result = post_update(db, notifier, campaign_id, by=None, now=now, claim_key=key)
        except Exception:
            logger.exception("Monthly update of campaign %s failed", campaign_id)
            continue
        if result.outcome is PostOutcome.POSTED:
            posted.append(campaign_id)
    return posted
