"""Tests of casting, withdrawing and toggling votes, closed campaigns and concurrent voters."""

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.core.campaigns import close_campaign, create_campaign, open_campaign
from bot.core.clock import ManualClock
from bot.core.errors import NotFound
from bot.core.ideas import submit_idea
from bot.core.records import CampaignRecord, Person, VoteResult
from bot.core.votes import VoteChange, change_vote
from storage.database import Database
from storage.models import Idea, Vote

LONDON = ZoneInfo("Europe/London")
ANN = Person("slack", "T1", "U_ANN", "Ann")
BOB = Person("slack", "T1", "U_BOB", "Bob")
CAT = Person("slack", "T1", "U_CAT", "Cat")
Result = TypeVar("Result")


def open_new_campaign(
    db: Database, clock: ManualClock, *, channel_id: str = "C1", days: int = 20
) -> CampaignRecord:
    campaign = create_campaign(
        db,
        title=f"Ideas in {channel_id}",
        channel_id=channel_id,
        starts="now",
        days=days,
        timezone=LONDON,
        now=clock.now(),
    )
    opened = open_campaign(db, campaign.id, now=clock.now())
    assert opened is not None
    return opened


def new_idea(db: Database, clock: ManualClock, *, channel_id: str | None = "C1") -> int:
    return submit_idea(db, ANN, text="An idea", channel_id=channel_id, now=clock.now()).idea.id


def vote(
    db: Database,
    clock: ManualClock,
    voter: Person,
    idea_id: int,
    change: VoteChange = VoteChange.CAST,
    event_id: str | None = None,
) -> VoteResult:
    return change_vote(
        db, voter, idea_id=idea_id, change=change, now=clock.now(), event_id=event_id
    )


def stored_count(db: Database, idea_id: int) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(Idea.vote_count).where(Idea.id == idea_id)) or 0)


def vote_rows(db: Database, idea_id: int) -> int:
    with db.transaction() as session:
        query = select(func.count()).select_from(Vote).where(Vote.idea_id == idea_id)
        return int(session.scalar(query) or 0)


def run_together(count: int, action: Callable[[int], Result]) -> list[Result]:
    """Run action(0) .. action(count - 1) in threads released at the same moment."""
    barrier = threading.Barrier(count)

    def run(index: int) -> Result:
        barrier.wait(timeout=30)
        return action(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_cast_once(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock)
    idea_id = new_idea(db, clock)

    result = vote(db, clock, BOB, idea_id)

    assert result.idea_id == idea_id
    assert result.counted
    assert result.changed
    assert result.vote_count == 1
    assert not result.rejected_closed
    assert not result.notify_closed
    assert vote_rows(db, idea_id) == 1


def test_cast_twice_counts_once(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock)
    idea_id = new_idea(db, clock)
    vote(db, clock, BOB, idea_id)

    again = vote(db, clock, BOB, idea_id)

    assert again.counted
    assert not again.changed
    assert again.vote_count == 1
    assert stored_count(db, idea_id) == 1
    assert vote_rows(db, idea_id) == 1


def test_withdraw_without_vote(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock)
    idea_id = new_idea(db, clock)
    vote(db, clock, CAT, idea_id)

    result = vote(db, clock, BOB, idea_id, VoteChange.WITHDRAW)

    assert not result.counted
    assert not result.changed
    assert result.vote_count == 1
    assert stored_count(db, idea_id) == 1
    assert vote_rows(db, idea_id) == 1


def test_withdraw_after_cast(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock)
    idea_id = new_idea(db, clock)
    vote(db, clock, BOB, idea_id)

    result = vote(db, clock, BOB, idea_id, VoteChange.WITHDRAW)

    assert not result.counted
    assert result.changed
    assert result.vote_count == 0
    assert vote_rows(db, idea_id) == 0


def test_toggle_on_off(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock)
    idea_id = new_idea(db, clock)

    on = vote(db, clock, BOB, idea_id, VoteChange.TOGGLE)
    off = vote(db, clock, BOB, idea_id, VoteChange.TOGGLE)
    on_again = vote(db, clock, BOB, idea_id, VoteChange.TOGGLE)

    assert (on.counted, on.changed, on.vote_count) == (True, True, 1)
    assert (off.counted, off.changed, off.vote_count) == (False, True, 0)
    assert (on_again.counted, on_again.changed, on_again.vote_count) == (True, True, 1)
    assert vote_rows(db, idea_id) == 1


def test_several_voters(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock)
    idea_id = new_idea(db, clock)

    counts = [vote(db, clock, voter, idea_id).vote_count for voter in (ANN, BOB, CAT)]

    assert counts == [1, 2, 3]
    assert stored_count(db, idea_id) == 3
    assert vote_rows(db, idea_id) == 3


def test_same_user_other_team(db: Database, clock: ManualClock) -> None:
    # A user id is unique only within its workspace.
    open_new_campaign(db, clock)
    idea_id = new_idea(db, clock)
    vote(db, clock, Person("slack", "T1", "U1"), idea_id)

    result = vote(db, clock, Person("slack", "T2", "U1"), idea_id)

    assert result.changed
    assert result.vote_count == 2


def test_votes_per_idea(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock)
    first = new_idea(db, clock)
    second = new_idea(db, clock)

    vote(db, clock, BOB, first)
    vote(db, clock, BOB, second)
    vote(db, clock, CAT, second)

    assert stored_count(db, first) == 1
    assert stored_count(db, second) == 2


def test_vote_standing_idea(db: Database, clock: ManualClock) -> None:
    idea_id = new_idea(db, clock)

    result = vote(db, clock, BOB, idea_id)

    assert result.changed
    assert result.vote_count == 1


def test_vote_unknown_idea(db: Database, clock: ManualClock) -> None:
    with pytest.raises(NotFound):
        vote(db, clock, BOB, 12345)


def test_closed_not_counted(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock, days=1)
    idea_id = new_idea(db, clock)
    vote(db, clock, CAT, idea_id)
    clock.advance(timedelta(days=1))
    assert close_campaign(db, campaign.id, now=clock.now()) is not None

    result = vote(db, clock, BOB, idea_id)

    assert result.rejected_closed
    assert not result.counted
    assert not result.changed
    assert result.vote_count == 1
    assert result.notify_closed
    assert vote_rows(db, idea_id) == 1


@pytest.mark.parametrize("change", [VoteChange.WITHDRAW, VoteChange.TOGGLE])
def test_closed_keeps_vote(db: Database, clock: ManualClock, change: VoteChange) -> None:
    campaign = open_new_campaign(db, clock, days=1)
    idea_id = new_idea(db, clock)
    vote(db, clock, BOB, idea_id)
    clock.advance(timedelta(days=1))
    assert close_campaign(db, campaign.id, now=clock.now()) is not None

    result = vote(db, clock, BOB, idea_id, change)

    assert result.rejected_closed
    assert result.vote_count == 1
    assert stored_count(db, idea_id) == 1
    assert vote_rows(db, idea_id) == 1


def test_ended_not_closed_rejected(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock, days=1)
    idea_id = new_idea(db, clock)
    clock.set(campaign.ends_at)

    result = vote(db, clock, BOB, idea_id)

    assert result.rejected_closed
    assert not result.counted
    assert result.notify_closed
    assert stored_count(db, idea_id) == 0
    assert vote_rows(db, idea_id) == 0


def test_before_end_counted(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock, days=1)
    idea_id = new_idea(db, clock)
    clock.set(campaign.ends_at - timedelta(seconds=1))

    result = vote(db, clock, BOB, idea_id)

    assert not result.rejected_closed
    assert result.vote_count == 1


def test_closed_notice_once_per_voter(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock, days=1)
    first_idea = new_idea(db, clock)
    second_idea = new_idea(db, clock)
    clock.advance(timedelta(days=1))
    assert close_campaign(db, campaign.id, now=clock.now()) is not None

    first = vote(db, clock, BOB, first_idea)
    same_idea = vote(db, clock, BOB, first_idea, VoteChange.TOGGLE)
    other_idea = vote(db, clock, BOB, second_idea)
    other_voter = vote(db, clock, CAT, first_idea)

    assert first.notify_closed
    assert not same_idea.notify_closed
    assert not other_idea.notify_closed
    assert other_voter.notify_closed
    for result in (first, same_idea, other_idea, other_voter):
        assert result.rejected_closed


def test_closed_notice_per_campaign(db: Database, clock: ManualClock) -> None:
    first_campaign = open_new_campaign(db, clock, channel_id="C1", days=1)
    first_idea = new_idea(db, clock, channel_id="C1")
    second_campaign = open_new_campaign(db, clock, channel_id="C2", days=1)
    second_idea = new_idea(db, clock, channel_id="C2")
    clock.advance(timedelta(days=1))
    assert close_campaign(db, first_campaign.id, now=clock.now()) is not None
    assert close_campaign(db, second_campaign.id, now=clock.now()) is not None

    assert vote(db, clock, BOB, first_idea).notify_closed
    assert vote(db, clock, BOB, second_idea).notify_closed
    assert not vote(db, clock, BOB, second_idea).notify_closed


def test_redelivered_event_ignored(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock)
    idea_id = new_idea(db, clock)

    first = vote(db, clock, BOB, idea_id, VoteChange.TOGGLE, event_id="Ev1")
    redelivered = vote(db, clock, BOB, idea_id, VoteChange.TOGGLE, event_id="Ev1")

    assert first.changed
    assert not redelivered.changed
    assert redelivered.vote_count == 1
    assert vote_rows(db, idea_id) == 1


def test_count_matches_rows(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock)
    ideas = [new_idea(db, clock) for _ in range(3)]
    voters = [Person("slack", "T1", f"U{n}") for n in range(6)]
    changes = list(VoteChange)
    rng = random.Random(20270111)

    for _ in range(100):
        idea_id = rng.choice(ideas)
        result = vote(db, clock, rng.choice(voters), idea_id, rng.choice(changes))

        assert result.vote_count == vote_rows(db, idea_id)
    for idea_id in ideas:
        assert stored_count(db, idea_id) == vote_rows(db, idea_id)


def test_concurrent_voters(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock)
    idea_id = new_idea(db, clock)

    results = run_together(
        20, lambda n: vote(db, clock, Person("slack", "T1", f"U{n:02d}"), idea_id)
    )

    assert all(result.changed for result in results)
    assert sorted(result.vote_count for result in results) == list(range(1, 21))
    assert stored_count(db, idea_id) == 20
    assert vote_rows(db, idea_id) == 20


def test_concurrent_same_voter(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock)
    idea_id = new_idea(db, clock)

    results = run_together(10, lambda _: vote(db, clock, BOB, idea_id))

    assert sum(result.changed for result in results) == 1
    assert stored_count(db, idea_id) == 1
    assert vote_rows(db, idea_id) == 1


def test_concurrent_toggles(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock)
    idea_id = new_idea(db, clock)
    voters = [Person("slack", "T1", f"U{n % 5}") for n in range(20)]

    run_together(20, lambda n: vote(db, clock, voters[n], idea_id, VoteChange.TOGGLE))

    assert stored_count(db, idea_id) == vote_rows(db, idea_id)
