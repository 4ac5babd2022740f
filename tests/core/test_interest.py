"""Registering and withdrawing interest in a campaign's opening."""

from __future__ import annotations

import threading
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.core import campaigns
from bot.core.clock import ManualClock
from bot.core.errors import NotFound
from bot.core.interest import InterestState, interested_user_ids, toggle_interest
from bot.core.records import CampaignRecord, Person
from storage.database import Database
from storage.models import CampaignInterest

LONDON = ZoneInfo("Europe/London")
ALICE = Person(platform="slack", team_id="T0TEAM", user_id="U0ALICE")
BOB = Person(platform="slack", team_id="T0TEAM", user_id="U0BOB")


@pytest.fixture
def scheduled(db: Database, clock: ManualClock) -> CampaignRecord:
    return campaigns.create_campaign(
        db,
        title="Spring ideas",
        channel_id="C0IDEAS",
        starts="2027-01-18 09:00",
        days=20,
        timezone=LONDON,
        now=clock.now(),
        topics=["What slows you down?"],
    )


def interest_rows(db: Database) -> list[tuple[int, str, str, str]]:
    with db.transaction() as session:
        rows = session.scalars(select(CampaignInterest).order_by(CampaignInterest.user_id))
        return [(row.campaign_id, row.platform, row.team_id, row.user_id) for row in rows]


def test_toggle_registers_then_withdraws(
    db: Database, clock: ManualClock, scheduled: CampaignRecord
) -> None:
    registered = toggle_interest(db, ALICE, scheduled.id, now=clock.now())

    assert registered.state is InterestState.REGISTERED
    assert registered.registered_count == 1
    assert interest_rows(db) == [(scheduled.id, "slack", "T0TEAM", "U0ALICE")]

    withdrawn = toggle_interest(db, ALICE, scheduled.id, now=clock.now())

    assert withdrawn.state is InterestState.WITHDRAWN
    assert withdrawn.registered_count == 0
    assert interest_rows(db) == []


def test_toggle_counts_each_person(
    db: Database, clock: ManualClock, scheduled: CampaignRecord
) -> None:
    toggle_interest(db, ALICE, scheduled.id, now=clock.now())
    second = toggle_interest(db, BOB, scheduled.id, now=clock.now())

    assert second.state is InterestState.REGISTERED
    assert second.registered_count == 2
    assert interested_user_ids(db, scheduled.id, platform="slack") == ["U0ALICE", "U0BOB"]
    assert interested_user_ids(db, scheduled.id, platform="teams") == []


def test_even_concurrent_presses_cancel_out(
    db: Database, clock: ManualClock, scheduled: CampaignRecord
) -> None:
    start = threading.Barrier(4)
    states: list[InterestState] = []

    def press() -> None:
        start.wait()
        states.append(toggle_interest(db, ALICE, scheduled.id, now=clock.now()).state)

    threads = [threading.Thread(target=press) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(states) == [InterestState.REGISTERED] * 2 + [InterestState.WITHDRAWN] * 2
    assert interest_rows(db) == []


def test_open_campaign_changes_nothing(
    db: Database, clock: ManualClock, scheduled: CampaignRecord
) -> None:
    toggle_interest(db, ALICE, scheduled.id, now=clock.now())
    clock.set(scheduled.starts_at)
    assert campaigns.open_campaign(db, scheduled.id, now=clock.now()) is not None

    for person in (ALICE, BOB):
        result = toggle_interest(db, person, scheduled.id, now=clock.now())
        assert result.state is InterestState.ALREADY_OPEN
        assert result.campaign.channel_id == "C0IDEAS"
    assert interest_rows(db) == [(scheduled.id, "slack", "T0TEAM", "U0ALICE")]


def test_closed_campaign_changes_nothing(
    db: Database, clock: ManualClock, scheduled: CampaignRecord
) -> None:
    clock.set(scheduled.starts_at)
    campaigns.open_campaign(db, scheduled.id, now=clock.now())
    clock.set(scheduled.ends_at)
    assert campaigns.close_campaign(db, scheduled.id, now=clock.now()) is not None

    result = toggle_interest(db, BOB, scheduled.id, now=clock.now())

    assert result.state is InterestState.CLOSED
    assert interest_rows(db) == []


def test_unknown_campaign_not_found(db: Database, clock: ManualClock) -> None:
    with pytest.raises(NotFound, match="There is no campaign 404"):
        toggle_interest(db, ALICE, 404, now=clock.now())

    assert interest_rows(db) == []
