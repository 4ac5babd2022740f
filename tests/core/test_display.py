"""Tests of the shared throttle on refreshing the vote count an idea message shows."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.campaigns import create_campaign, open_campaign
from bot.core.clock import ManualClock
from bot.core.display import (
    MIN_REFRESH_INTERVAL,
    RefreshClaim,
    claim_refresh,
    record_shown,
    stale_idea_ids,
)
from bot.core.ideas import get_idea, record_idea_message, submit_idea
from bot.core.records import Person
from bot.core.votes import VoteChange, change_vote
from storage.database import Database
from storage.models import Idea

LONDON = ZoneInfo("Europe/London")
ANN = Person("slack", "T1", "U_ANN", "Ann")


@pytest.fixture
def idea_id(db: Database, clock: ManualClock) -> int:
    """An idea in an open campaign, not posted yet."""
    campaign = create_campaign(
        db, title="Ideas", channel_id="C1", starts="now", timezone=LONDON, now=clock.now()
    )
    assert open_campaign(db, campaign.id, now=clock.now()) is not None
    return submit_idea(db, ANN, text="An idea", channel_id="C1", now=clock.now()).idea.id


def cast(db: Database, clock: ManualClock, idea_id: int, user_id: str) -> None:
    voter = Person("slack", "T1", user_id)
    change_vote(db, voter, idea_id=idea_id, change=VoteChange.CAST, now=clock.now())


def test_claim_refresh_unposted(db: Database, clock: ManualClock, idea_id: int) -> None:
    cast(db, clock, idea_id, "U1")

    assert claim_refresh(db, idea_id, now=clock.now()) == RefreshClaim(False, 0, None, None)


def test_claim_refresh_unknown(db: Database, clock: ManualClock) -> None:
    assert claim_refresh(db, 12345, now=clock.now()) == RefreshClaim(False, 0, None, None)


def test_claim_refresh_first(db: Database, clock: ManualClock, idea_id: int) -> None:
    record_idea_message(db, idea_id, message_id="1700000000.000100", vote_count=0)
    cast(db, clock, idea_id, "U1")

    claim = claim_refresh(db, idea_id, now=clock.now())

    assert claim.refresh_now
    assert claim.vote_count == 1
    assert claim.shown_vote_count == 0
    assert claim.retry_at is None


def test_claim_refresh_window(db: Database, clock: ManualClock, idea_id: int) -> None:
    record_idea_message(db, idea_id, message_id="1700000000.000100", vote_count=0)
    granted_at = clock.now()
    assert claim_refresh(db, idea_id, now=granted_at).refresh_now

    clock.advance(timedelta(seconds=1))
    cast(db, clock, idea_id, "U1")
    cast(db, clock, idea_id, "U2")
    throttled = claim_refresh(db, idea_id, now=clock.now())

    assert not throttled.refresh_now
    assert throttled.retry_at == granted_at + MIN_REFRESH_INTERVAL
    assert throttled.vote_count == 2
    assert throttled.shown_vote_count == 0

    clock.set(granted_at + MIN_REFRESH_INTERVAL - timedelta(milliseconds=1))
    assert not claim_refresh(db, idea_id, now=clock.now()).refresh_now

    clock.set(granted_at + MIN_REFRESH_INTERVAL)
    again = claim_refresh(db, idea_id, now=clock.now())
    assert again.refresh_now
    assert again.retry_at is None


def test_record_shown(db: Database, clock: ManualClock, idea_id: int) -> None:
    record_idea_message(db, idea_id, message_id="1700000000.000100", vote_count=0)
    cast(db, clock, idea_id, "U1")
    claim = claim_refresh(db, idea_id, now=clock.now())
    assert claim.refresh_now

    clock.advance(timedelta(seconds=1))
    sent_at = clock.now()
    record_shown(db, idea_id, vote_count=claim.vote_count, now=sent_at)
    clock.advance(timedelta(seconds=4.5))
    later = claim_refresh(db, idea_id, now=clock.now())

    assert later.shown_vote_count == 1
    assert later.vote_count == 1
    # The window restarts when the update went out, not when it was claimed.
    assert not later.refresh_now
    assert later.retry_at == sent_at + MIN_REFRESH_INTERVAL


def test_claim_refresh_concurrent(db: Database, clock: ManualClock, idea_id: int) -> None:
    record_idea_message(db, idea_id, message_id="1700000000.000100", vote_count=0)
    barrier = threading.Barrier(8)

    def claim(_: int) -> bool:
        barrier.wait(timeout=30)
        return claim_refresh(db, idea_id, now=clock.now()).refresh_now

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(claim, range(8)))

    assert results.count(True) == 1


def test_record_shown_marks_an_idea_changed_meanwhile(
    db: Database, clock: ManualClock, idea_id: int
) -> None:
    record_idea_message(db, idea_id, message_id="1700000000.000100", vote_count=0)
    drawn = get_idea(db, idea_id)
    # An answer given after the update read the idea, and before it was recorded.
    with db.transaction() as session:
        idea = session.get(Idea, idea_id)
        assert idea is not None
        idea.status = "planned"

    record_shown(db, idea_id, vote_count=0, now=clock.now(), drawn=drawn)

    assert stale_idea_ids(db, now=clock.now()) == [idea_id]


def test_record_shown_leaves_an_unchanged_idea(
    db: Database, clock: ManualClock, idea_id: int
) -> None:
    record_idea_message(db, idea_id, message_id="1700000000.000100", vote_count=0)

    record_shown(db, idea_id, vote_count=0, now=clock.now(), drawn=get_idea(db, idea_id))

    assert stale_idea_ids(db, now=clock.now() + MIN_REFRESH_INTERVAL) == []
