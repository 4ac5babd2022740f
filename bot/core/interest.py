"""Interest in a campaign before it opens, and the direct messages sent at opening."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.core import outbox
from bot.core.campaigns import campaign_record
from bot.core.errors import NotFound
from bot.core.ports import AnnouncementPublisher
from bot.core.records import CampaignRecord, Person
from storage import campaigns as campaign_store
from storage import interest as interest_store
from storage.database import Database

logger = logging.getLogger(__name__)


class InterestState(StrEnum):
    """The state of a person's interest after pressing the "Remind me" button."""

    REGISTERED = "registered"
    WITHDRAWN = "withdrawn"
    # The campaign opened or closed already, so nothing was changed.
    ALREADY_OPEN = "already_open"
    CLOSED = "closed"


@dataclass(frozen=True)
class InterestResult:
    """The outcome of a toggle, with the number of people registered afterwards."""

    campaign: CampaignRecord
    state: InterestState
    registered_count: int


def toggle_interest(
    db: Database, person: Person, campaign_id: int, *, now: datetime
) -> InterestResult:
    """Register a person for a message when a scheduled campaign opens, or withdraw them.

    The campaign row is locked for the transaction, so a registration either
    commits before the campaign opens, and gets its message, or finds the
    campaign open and changes nothing. Raises NotFound for an unknown campaign.
    """
    with db.transaction() as session:
        campaign = interest_store.lock_campaign(session, campaign_id)
        if campaign is None:
            raise NotFound(
                f"There is no campaign {campaign_id}. It may have been removed, so ask the "
                "engagement team about it."
            )
        record = campaign_record(campaign)
        if campaign.status == "open":
            state = InterestState.ALREADY_OPEN
        elif campaign.status != "scheduled":
            state = InterestState.CLOSED
        else:
            if interest_store.add_interest(
                session,
                campaign_id=campaign_id,
                platform=person.platform,
                team_id=person.team_id,
                user_id=person.user_id,
                now=now,
            ):
                state = InterestState.REGISTERED
            else:
                interest_store.remove_interest(
                    session,
                    campaign_id=campaign_id,
                    platform=person.platform,
                    team_id=person.team_id,
                    user_id=person.user_id,
                )
                state = InterestState.WITHDRAWN
        count = interest_store.count_interest(session, campaign_id)
    logger.info(
        "Interest of user %s in campaign %s: %s (%s registered)",
        person.user_id,
        campaign_id,
        state,
        count,
    )
    return InterestResult(campaign=record, state=state, registered_count=count)


def interested_user_ids(db: Database, campaign_id: int, *, platform: str) -> list[str]:
    """Return the user ids registered for a campaign's opening message, sorted."""
    with db.transaction() as session:
        return interest_store.list_interested_user_ids(session, campaign_id, platform=platform)


def opening_dedupe_key(campaign_id: int, user_id: str) -> str:
    """Return the outbox key of one person's opening message for a campaign."""
    return f"opening:{campaign_id}:{user_id}"


def opening_enqueued_key(campaign_id: int) -> str:
    """Return the ScheduledRun key that records a campaign's opening messages as enqueued."""
    return f"opening-enqueued:{campaign_id}"


def send_opening_messages(
    db: Database, publisher: AnnouncementPublisher, campaign_id: int, *, now: datetime
) -> int:
    """Enqueue one direct message for each person registered for an open campaign.

    Returns how many messages were newly enqueued. Each person's message has
    its own dedupe key, so running this again, or in two processes at once,
    enqueues nothing more. Once it has run, a ScheduledRun row makes later
    calls return 0 at once. A campaign that is not open gets no messages.
    """
    with db.transaction() as session:
        campaign = campaign_store.get_campaign(session, campaign_id)
        if campaign is None or campaign.status != "open":
            return 0
        if campaign_store.existing_run_keys(session, keys=[opening_enqueued_key(campaign_id)]):
            return 0
        record = campaign_record(campaign)
        user_ids = interest_store.list_interested_user_ids(
            session, campaign_id, platform=campaign.platform
        )
    added = 0
    if user_ids:
        messages = publisher.opening_messages(
            record,
            dedupe_keys={user_id: opening_dedupe_key(campaign_id, user_id) for user_id in user_ids},
        )
        added = outbox.enqueue_many(db, messages, now=now)
    # Recorded after the enqueue, so a crash in between only repeats the
    # enqueue, which the per-person keys make harmless.
    with db.transaction() as session:
        campaign_store.claim_scheduled_run(session, key=opening_enqueued_key(campaign_id), now=now)
    logger.info(
        "Enqueued the opening message of campaign %s for %s of %s registered people",
        campaign_id,
        added,
        len(user_ids),
    )
    return added


def openings_to_finish(db: Database) -> list[int]:
    """Return open campaigns whose opening messages are not recorded as enqueued.

    The opening job runs once, so these are openings cut short, such as by a
    restart, for a periodic job to finish.
    """
    with db.transaction() as session:
        opened = campaign_store.list_campaigns(session, statuses=("open",))
        expected = {campaign.id: opening_enqueued_key(campaign.id) for campaign in opened}
        done = campaign_store.existing_run_keys(session, keys=list(expected.values()))
    return [campaign_id for campaign_id, key in expected.items() if key not in done]
