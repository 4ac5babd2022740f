"""Tests of a campaign's activity read once for both parts of its closing report."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.core.campaign_activity import read_campaign_activity
from bot.core.campaigns import close_campaign
from bot.core.clock import ManualClock
from bot.core.participation_report import participation_report
from bot.core.records import DayActivity
from bot.core.report import campaign_report
from storage.database import Database
from storage.models import Idea
from tests.core.test_report import (
    LONDON,
    cast,
    comment,
    counted_statements,
    open_new_campaign,
    person,
    post,
    withdraw,
)


def _run_campaign(db: Database, clock: ManualClock) -> int:
    """Run a five-day campaign across London's change to summer time and return its id.

    It has a hidden idea with a vote, a withdrawn vote, activity on both sides
    of a day's start and comments after the close.
    """
    start = clock.now()
    campaign = open_new_campaign(db, clock, days=5)
    first = post(db, clock, person("Ann"))
    hidden = post(db, clock, person("Hal"))
    cast(db, clock, person("V1"), hidden)
    clock.set(start + timedelta(hours=1))
    cast(db, clock, person("V6"), first)
    # One second before the second day starts, and at its start.
    clock.set(start + timedelta(days=1, seconds=-1))
    cast(db, clock, person("V1"), first)
    clock.set(start + timedelta(days=1))
    cast(db, clock, person("V2"), first)
    comment(db, clock, person("Cat"), first, "1700000000.000001")
    # Day 3 starts at 09:00 BST, 08:00 UTC, once the clocks have gone forward.
    clock.set(datetime(2027, 3, 28, 8, 0, tzinfo=UTC))
    second = post(db, clock, person("Bob"))
    for name in ("V3", "V4", "V5"):
        cast(db, clock, person(name), second)
    withdraw(db, clock, person("V5"), second)
    clock.set(start + timedelta(days=5))
    assert close_campaign(db, campaign.id, now=clock.now()) is not None
    clock.set(start + timedelta(days=9, hours=3))
    for index in range(4):
        comment(db, clock, person(f"Late{index}"), second, f"1700000001.00000{index}")
    with db.transaction() as session:
        session.execute(update(Idea).where(Idea.id == hidden).values(hidden_at=clock.now()))
    return campaign.id


def _day_counts(statements: list[str]) -> list[str]:
    """Return the statements that count activity per campaign day in the database."""
    return [statement for statement in statements if "GROUP BY CASE WHEN" in statement]


def test_busiest_days_from_activity(db: Database, clock: ManualClock) -> None:
    # The campaign opens at 09:00 GMT, on a bucket boundary, so every day starts on one.
    clock.set(datetime(2027, 3, 26, 9, 0, tzinfo=UTC))
    campaign_id = _run_campaign(db, clock)
    activity = read_campaign_activity(db, campaign_id)

    with counted_statements(db) as shared_statements:
        shared = campaign_report(db, campaign_id, timezone=LONDON, activity=activity)
    with counted_statements(db) as alone_statements:
        alone = campaign_report(db, campaign_id, timezone=LONDON)

    # The hidden idea and its vote, and the withdrawn vote, do not count. The
    # vote a second before day 2 starts is on day 1, which ties with day 3.
    assert shared.busiest_days == (
        DayActivity(date(2027, 4, 4), 10, idea_count=0, comment_count=4, vote_count=0),
        DayActivity(date(2027, 3, 26), 1, idea_count=1, comment_count=0, vote_count=2),
        DayActivity(date(2027, 3, 28), 3, idea_count=1, comment_count=0, vote_count=2),
    )
    assert shared == alone
    # The busiest days came from the activity, without the queries counting per day.
    assert _day_counts(alone_statements)
    assert not _day_counts(shared_statements)


def test_busiest_days_from_activity_counted_when_day_starts_inside_bucket(
    db: Database, clock: ManualClock
) -> None:
    # Opening at 09:07:30, each day starts inside a 15-minute bucket.
    clock.set(datetime(2027, 3, 26, 9, 7, 30, tzinfo=UTC))
    campaign_id = _run_campaign(db, clock)
    activity = read_campaign_activity(db, campaign_id)

    with counted_statements(db) as shared_statements:
        shared = campaign_report(db, campaign_id, timezone=LONDON, activity=activity)
    with counted_statements(db) as alone_statements:
        alone = campaign_report(db, campaign_id, timezone=LONDON)

    # Day 3 starts at 08:07:30 UTC on 28 March, so the idea posted at 08:00 is on day 2.
    assert [(day.day_number, day.activity_count) for day in shared.busiest_days] == [
        (2, 5),
        (10, 4),
        (1, 3),
    ]
    assert shared == alone
    # The database counted the days, as without the activity.
    assert _day_counts(shared_statements) == _day_counts(alone_statements) != []


def test_participation_from_activity(db: Database, clock: ManualClock) -> None:
    clock.set(datetime(2027, 3, 26, 9, 0, tzinfo=UTC))
    campaign_id = _run_campaign(db, clock)
    activity = read_campaign_activity(db, campaign_id)

    shared = participation_report(
        db, campaign_id=campaign_id, timezone=LONDON, now=clock.now(), activity=activity
    )
    alone = participation_report(db, campaign_id=campaign_id, timezone=LONDON, now=clock.now())

    assert shared == alone
    assert sum(day.votes for day in shared.daily) == 5
    assert sum(day.comments for day in shared.daily) == 5


def test_activity_of_another_campaign_refused(db: Database, clock: ManualClock) -> None:
    first = open_new_campaign(db, clock, channel_id="C1")
    second = open_new_campaign(db, clock, channel_id="C2")
    activity = read_campaign_activity(db, first.id)

    with pytest.raises(ValueError, match="campaign"):
        campaign_report(db, second.id, timezone=LONDON, activity=activity)
    with pytest.raises(ValueError, match="campaign"):
        participation_report(
            db, campaign_id=second.id, timezone=LONDON, now=clock.now(), activity=activity
        )
