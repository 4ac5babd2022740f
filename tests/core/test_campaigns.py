"""Tests of campaign creation, listing, the open and close transitions, and announcements."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.core.campaigns import (
    ANNOUNCEMENT_RETRY_AFTER,
    MAX_DAYS,
    MAX_TITLE_LENGTH,
    claim_announcement,
    close_campaign,
    create_campaign,
    extend_campaign,
    get_campaign,
    list_campaigns,
    open_campaign,
    pending_announcements,
    record_announcement,
)
from bot.core.clock import ManualClock
from bot.core.errors import InvalidInput, NotFound
from bot.core.records import CampaignRecord
from storage.database import Database
from storage.models import Campaign

LONDON = ZoneInfo("Europe/London")
Result = TypeVar("Result")


def new_campaign(
    db: Database,
    clock: ManualClock,
    *,
    title: str = "Ideas for spring",
    channel_id: str = "C1",
    starts: str = "now",
    days: int = 20,
) -> CampaignRecord:
    return create_campaign(
        db,
        title=title,
        channel_id=channel_id,
        starts=starts,
        days=days,
        timezone=LONDON,
        now=clock.now(),
    )


def open_new_campaign(
    db: Database,
    clock: ManualClock,
    *,
    title: str = "Ideas for spring",
    channel_id: str = "C1",
    days: int = 20,
) -> CampaignRecord:
    campaign = new_campaign(db, clock, title=title, channel_id=channel_id, days=days)
    opened = open_campaign(db, campaign.id, now=clock.now())
    assert opened is not None
    return opened


def campaign_rows(db: Database) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(Campaign)) or 0)


def campaign_row(db: Database, campaign_id: int) -> Campaign:
    with db.transaction() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        return campaign


def run_together(count: int, action: Callable[[int], Result]) -> list[Result]:
    """Run action(0) .. action(count - 1) in threads released at the same moment."""
    barrier = threading.Barrier(count)

    def run(index: int) -> Result:
        barrier.wait(timeout=30)
        return action(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_create_stores_scheduled(db: Database, clock: ManualClock) -> None:
    campaign = new_campaign(db, clock, title="  Ideas for spring ", channel_id=" C1 ", days=20)

    assert campaign.title == "Ideas for spring"
    assert campaign.channel_id == "C1"
    assert campaign.platform == "slack"
    assert campaign.status == "scheduled"
    assert campaign.starts_at == clock.now()
    assert campaign.ends_at == datetime(2027, 1, 31, 9, 0, tzinfo=UTC)
    assert get_campaign(db, campaign.id) == campaign
    row = campaign_row(db, campaign.id)
    assert row.created_at == clock.now()
    assert row.opened_at is None


def test_create_local_start(db: Database, clock: ManualClock) -> None:
    campaign = new_campaign(db, clock, starts="2027-03-15 09:00", days=20)

    assert campaign.starts_at == datetime(2027, 3, 15, 9, 0, tzinfo=UTC)
    assert campaign.ends_at == datetime(2027, 4, 4, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("title", ["", "   ", "\n\t"])
def test_create_empty_title(db: Database, clock: ManualClock, title: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        new_campaign(db, clock, title=title)

    assert "title is empty" in raised.value.user_message
    assert campaign_rows(db) == 0


def test_create_title_at_limit(db: Database, clock: ManualClock) -> None:
    campaign = new_campaign(db, clock, title="t" * MAX_TITLE_LENGTH)

    assert len(get_campaign(db, campaign.id).title) == MAX_TITLE_LENGTH


def test_create_long_title(db: Database, clock: ManualClock) -> None:
    with pytest.raises(InvalidInput) as raised:
        new_campaign(db, clock, title="t" * (MAX_TITLE_LENGTH + 1))

    assert str(MAX_TITLE_LENGTH + 1) in raised.value.user_message
    assert str(MAX_TITLE_LENGTH) in raised.value.user_message
    assert campaign_rows(db) == 0


@pytest.mark.parametrize("channel_id", ["", "  "])
def test_create_empty_channel(db: Database, clock: ManualClock, channel_id: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        new_campaign(db, clock, channel_id=channel_id)

    assert "channel is missing" in raised.value.user_message
    assert campaign_rows(db) == 0


@pytest.mark.parametrize("days", [0, -1, MAX_DAYS + 1])
def test_create_days_out_of_range(db: Database, clock: ManualClock, days: int) -> None:
    with pytest.raises(InvalidInput) as raised:
        new_campaign(db, clock, days=days)

    assert f"not {days}" in raised.value.user_message
    assert campaign_rows(db) == 0


@pytest.mark.parametrize("days", [1, MAX_DAYS])
def test_create_days_at_limits(db: Database, clock: ManualClock, days: int) -> None:
    campaign = new_campaign(db, clock, days=days)

    assert campaign.ends_at - campaign.starts_at == timedelta(days=days)


def test_create_bad_start(db: Database, clock: ManualClock) -> None:
    with pytest.raises(InvalidInput):
        new_campaign(db, clock, starts="next week")

    assert campaign_rows(db) == 0


def test_create_past_start(db: Database, clock: ManualClock) -> None:
    with pytest.raises(InvalidInput):
        new_campaign(db, clock, starts="2026-12-01 09:00")

    assert campaign_rows(db) == 0


def test_get_campaign_unknown(db: Database) -> None:
    with pytest.raises(NotFound):
        get_campaign(db, 12345)


def test_list_campaigns_by_start(db: Database, clock: ManualClock) -> None:
    later = new_campaign(db, clock, title="Later", starts="2027-02-01 09:00", channel_id="C3")
    sooner = new_campaign(db, clock, title="Sooner", starts="2027-01-20 09:00", channel_id="C2")
    running = open_new_campaign(db, clock, title="Running")

    assert [c.id for c in list_campaigns(db)] == [running.id, sooner.id, later.id]
    assert [c.id for c in list_campaigns(db, statuses=("open",))] == [running.id]
    assert [c.id for c in list_campaigns(db, statuses=("scheduled",))] == [sooner.id, later.id]
    assert list_campaigns(db, statuses=("closed",)) == []


def test_overlap_in_channel_rejected(db: Database, clock: ManualClock) -> None:
    first = new_campaign(db, clock, title="First", starts="2027-02-01 09:00")

    with pytest.raises(InvalidInput) as raised:
        new_campaign(db, clock, title="Second", starts="2027-02-20 09:00")

    assert raised.value.user_message.startswith(f"Campaign {first.id}, First, runs in this channel")
    assert raised.value.field == "starts"
    assert [campaign.id for campaign in list_campaigns(db)] == [first.id]


def test_back_to_back_and_other_channel_accepted(db: Database, clock: ManualClock) -> None:
    first = new_campaign(db, clock, starts="2027-02-01 09:00", days=20)
    # The first closes at 09:00 on 21 February, when the next one may open.
    following = new_campaign(db, clock, starts="2027-02-21 09:00")
    elsewhere = new_campaign(db, clock, starts="2027-02-10 09:00", channel_id="C2")

    assert [c.id for c in list_campaigns(db)] == [first.id, elsewhere.id, following.id]


def test_extension_into_next_campaign_rejected(db: Database, clock: ManualClock) -> None:
    first = new_campaign(db, clock, starts="2027-02-01 09:00", days=20)
    following = new_campaign(db, clock, starts="2027-02-21 09:00")

    with pytest.raises(InvalidInput) as raised:
        extend_campaign(db, first.id, days=1, by=None, now=clock.now(), timezone=LONDON)

    assert f"Campaign {following.id}" in raised.value.user_message
    assert "Extend it by fewer days" in raised.value.user_message
    assert raised.value.field == "days"
    assert get_campaign(db, first.id).ends_at == first.ends_at


def test_open_not_due(db: Database, clock: ManualClock) -> None:
    campaign = new_campaign(db, clock, starts="2027-01-11 10:00")

    assert open_campaign(db, campaign.id, now=clock.now()) is None
    assert get_campaign(db, campaign.id).status == "scheduled"


def test_open_when_due(db: Database, clock: ManualClock) -> None:
    campaign = new_campaign(db, clock, starts="2027-01-11 10:00")
    clock.advance(timedelta(hours=1))

    opened = open_campaign(db, campaign.id, now=clock.now())

    assert opened is not None
    assert opened.id == campaign.id
    assert opened.status == "open"
    assert get_campaign(db, campaign.id).status == "open"
    assert campaign_row(db, campaign.id).opened_at == clock.now()


def test_open_only_once(db: Database, clock: ManualClock) -> None:
    campaign = new_campaign(db, clock)
    first_open = clock.now()

    assert open_campaign(db, campaign.id, now=first_open) is not None
    clock.advance(timedelta(minutes=1))
    assert open_campaign(db, campaign.id, now=clock.now()) is None
    assert campaign_row(db, campaign.id).opened_at == first_open


def test_open_unknown(db: Database, clock: ManualClock) -> None:
    assert open_campaign(db, 12345, now=clock.now()) is None


def test_open_closed(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock, days=1)
    clock.advance(timedelta(days=1))
    assert close_campaign(db, campaign.id, now=clock.now()) is not None

    assert open_campaign(db, campaign.id, now=clock.now()) is None
    assert get_campaign(db, campaign.id).status == "closed"


def test_open_concurrent(db: Database, clock: ManualClock) -> None:
    campaign = new_campaign(db, clock)

    results = run_together(2, lambda _: open_campaign(db, campaign.id, now=clock.now()))

    opened = [result for result in results if result is not None]
    assert len(opened) == 1
    assert opened[0].status == "open"
    assert get_campaign(db, campaign.id).status == "open"


def test_open_concurrent_many(db: Database, clock: ManualClock) -> None:
    campaign = new_campaign(db, clock)

    results = run_together(8, lambda _: open_campaign(db, campaign.id, now=clock.now()))

    assert sum(result is not None for result in results) == 1


def test_close_not_due(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock, days=20)
    clock.advance(timedelta(days=20) - timedelta(seconds=1))

    assert close_campaign(db, campaign.id, now=clock.now()) is None
    assert get_campaign(db, campaign.id).status == "open"


def test_close_when_due(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock, days=20)
    clock.set(campaign.ends_at)

    closed = close_campaign(db, campaign.id, now=clock.now())

    assert closed is not None
    assert closed.status == "closed"
    assert get_campaign(db, campaign.id).status == "closed"
    assert campaign_row(db, campaign.id).closed_at == clock.now()


def test_close_only_once(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock, days=1)
    clock.advance(timedelta(days=1))

    assert close_campaign(db, campaign.id, now=clock.now()) is not None
    assert close_campaign(db, campaign.id, now=clock.now()) is None


def test_close_scheduled(db: Database, clock: ManualClock) -> None:
    # A campaign that never opened is not closed by the close job.
    campaign = new_campaign(db, clock, days=1)
    clock.advance(timedelta(days=2))

    assert close_campaign(db, campaign.id, now=clock.now()) is None
    assert get_campaign(db, campaign.id).status == "scheduled"


def test_close_unknown(db: Database, clock: ManualClock) -> None:
    assert close_campaign(db, 12345, now=clock.now()) is None


def test_close_concurrent(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock, days=1)
    clock.advance(timedelta(days=1))

    results = run_together(2, lambda _: close_campaign(db, campaign.id, now=clock.now()))

    assert sum(result is not None for result in results) == 1
    assert get_campaign(db, campaign.id).status == "closed"


def test_claim_announcement_once(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock)

    assert claim_announcement(db, campaign.id, kind="launch", now=clock.now())
    assert not claim_announcement(db, campaign.id, kind="launch", now=clock.now())
    clock.advance(ANNOUNCEMENT_RETRY_AFTER)
    assert not claim_announcement(db, campaign.id, kind="launch", now=clock.now())


def test_claim_announcement_after_retry(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock)
    assert claim_announcement(db, campaign.id, kind="launch", now=clock.now())

    clock.advance(ANNOUNCEMENT_RETRY_AFTER + timedelta(seconds=1))

    assert claim_announcement(db, campaign.id, kind="launch", now=clock.now())
    assert not claim_announcement(db, campaign.id, kind="launch", now=clock.now())


def test_claim_announcement_after_record(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock)
    assert claim_announcement(db, campaign.id, kind="launch", now=clock.now())
    record_announcement(db, campaign.id, kind="launch", message_id="1700000000.000100")

    clock.advance(ANNOUNCEMENT_RETRY_AFTER * 10)

    assert not claim_announcement(db, campaign.id, kind="launch", now=clock.now())
    assert campaign_row(db, campaign.id).launch_message_id == "1700000000.000100"


def test_claim_announcement_kinds_apart(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock)

    assert claim_announcement(db, campaign.id, kind="launch", now=clock.now())
    assert claim_announcement(db, campaign.id, kind="summary", now=clock.now())
    assert not claim_announcement(db, campaign.id, kind="summary", now=clock.now())


def test_claim_announcement_unknown_kind(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock)

    with pytest.raises(ValueError, match="reminder"):
        claim_announcement(db, campaign.id, kind="reminder", now=clock.now())


def test_claim_announcement_concurrent(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock)

    results = run_together(
        8, lambda _: claim_announcement(db, campaign.id, kind="launch", now=clock.now())
    )

    assert results.count(True) == 1


def test_pending_announcements_flow(db: Database, clock: ManualClock) -> None:
    scheduled = new_campaign(db, clock, starts="2027-02-01 09:00")
    assert pending_announcements(db) == []

    running = open_new_campaign(db, clock, days=1)
    assert [(c.id, kind) for c, kind in pending_announcements(db)] == [(running.id, "launch")]

    record_announcement(db, running.id, kind="launch", message_id="launch-1")
    assert pending_announcements(db) == []

    clock.advance(timedelta(days=1))
    assert close_campaign(db, running.id, now=clock.now()) is not None
    pending = pending_announcements(db)
    assert [(c.id, kind) for c, kind in pending] == [(running.id, "summary")]
    assert pending[0][0].status == "closed"

    record_announcement(db, running.id, kind="summary", message_id="summary-1")
    assert pending_announcements(db) == []
    assert get_campaign(db, scheduled.id).status == "scheduled"


def test_pending_announcements_several(db: Database, clock: ManualClock) -> None:
    first = open_new_campaign(db, clock, channel_id="C1", days=1)
    clock.advance(timedelta(hours=1))
    second = open_new_campaign(db, clock, channel_id="C2", days=5)
    clock.advance(timedelta(days=1))
    assert close_campaign(db, first.id, now=clock.now()) is not None

    pending = {(c.id, kind) for c, kind in pending_announcements(db)}

    # The first campaign closed before its launch was posted, so only its summary is due.
    assert pending == {(first.id, "summary"), (second.id, "launch")}
