"""The direct messages sent at opening to those who pressed "Remind me when it's live"."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.core import campaigns, outbox
from bot.core.clock import ManualClock
from bot.core.interest import openings_to_finish, toggle_interest
from bot.core.records import CampaignRecord, Person
from bot.simulate.local_bot import BOT_TOKEN, LocalBot
from bot.simulate.slack_standin import SlackStandIn
from scheduler import jobs
from storage.database import Database
from storage.models import OutboxMessage

LONDON = ZoneInfo("Europe/London")
CHANNEL = "C0OPENING"
REGISTERED = ("U0ANNA", "U0BEN")
WITHDRAWN = "U0CARL"
OPENING_HEADER = "Now open: Summer ideas"


def wait_for(predicate: Callable[[], object], *, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def person(user_id: str) -> Person:
    return Person(platform="slack", team_id="T0TEAM", user_id=user_id)


def scheduled_campaign(db: Database, clock: ManualClock) -> CampaignRecord:
    starts = (clock.now().astimezone(LONDON) + timedelta(days=1)).strftime("%Y-%m-%d 09:00")
    return campaigns.create_campaign(
        db,
        title="Summer ideas",
        channel_id=CHANNEL,
        starts=starts,
        days=10,
        timezone=LONDON,
        now=clock.now(),
        topics=["What would make handovers smoother?", "What slows you down?"],
    )


def register_people(db: Database, campaign_id: int, *, now: datetime) -> None:
    """Register everyone, then withdraw one person again."""
    for user_id in (*REGISTERED, WITHDRAWN):
        toggle_interest(db, person(user_id), campaign_id, now=now)
    toggle_interest(db, person(WITHDRAWN), campaign_id, now=now)


def opening_messages_to(bot: LocalBot, user_id: str) -> list[dict[str, Any]]:
    return [
        message
        for message in bot.standin.messages(user_id)
        if (message.get("blocks") or [{}])[0].get("text", {}).get("text") == OPENING_HEADER
    ]


def opening_rows(db: Database) -> list[str]:
    with db.transaction() as session:
        query = select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like("opening:%"))
        return sorted(session.scalars(query))


def outbox_settled(db: Database) -> bool:
    return outbox.outbox_counts(db, platform="slack", now=datetime.now(UTC)).pending == 0


def status_of(db: Database, campaign_id: int) -> str:
    return campaigns.get_campaign(db, campaign_id).status


def test_opening_messages_each_person_once(database_url: str) -> None:
    clock = ManualClock(datetime.now(UTC))
    with LocalBot(database_url=database_url, clock=clock) as bot:
        assert bot.process is not None
        db = bot.process.db
        record = scheduled_campaign(db, clock)
        register_people(db, record.id, now=clock.now())
        bot.process.scheduler.sync()

        clock.set(record.starts_at)
        wait_for(lambda: status_of(db, record.id) == "open")
        wait_for(lambda: all(opening_messages_to(bot, user) for user in REGISTERED))
        # The job running again, as after a restart, and the retry job enqueue nothing more.
        jobs.open_campaign(record.id)
        jobs.retry_deliveries()
        wait_for(lambda: outbox_settled(db))

        received = {user: opening_messages_to(bot, user) for user in REGISTERED}
        withdrawn = opening_messages_to(bot, WITHDRAWN)
        rows = opening_rows(db)

    assert rows == [f"opening:{record.id}:{user}" for user in REGISTERED]
    assert withdrawn == []
    for user, messages in received.items():
        assert len(messages) == 1, user
        body = str(messages[0]["blocks"])
        assert f"<#{CHANNEL}>" in messages[0]["text"]
        assert "Summer ideas" in messages[0]["text"]
        assert "1. What would make handovers smoother?" in body
        assert "2. What slows you down?" in body


def test_retry_finishes_cut_short_opening(database_url: str) -> None:
    clock = ManualClock(datetime.now(UTC))
    with LocalBot(database_url=database_url, clock=clock) as bot:
        assert bot.process is not None
        db = bot.process.db
        record = scheduled_campaign(db, clock)
        register_people(db, record.id, now=clock.now())
        # The opening happens without its job, as when a process dies straight after it.
        bot.process.scheduler.shutdown()
        clock.set(record.starts_at)
        assert campaigns.open_campaign(db, record.id, now=clock.now()) is not None
        assert opening_rows(db) == []

        jobs.retry_deliveries()
        wait_for(lambda: all(opening_messages_to(bot, user) for user in REGISTERED))
        jobs.retry_deliveries()
        wait_for(lambda: outbox_settled(db))

        received = {user: opening_messages_to(bot, user) for user in REGISTERED}
        rows = opening_rows(db)

    assert rows == [f"opening:{record.id}:{user}" for user in REGISTERED]
    for user, messages in received.items():
        assert len(messages) == 1, user


def test_campaign_without_interest_sends_nothing(database_url: str) -> None:
    clock = ManualClock(datetime.now(UTC))
    with LocalBot(database_url=database_url, clock=clock) as bot:
        assert bot.process is not None
        db = bot.process.db
        record = scheduled_campaign(db, clock)
        bot.process.scheduler.sync()

        clock.set(record.starts_at)
        wait_for(lambda: status_of(db, record.id) == "open")
        jobs.retry_deliveries()
        rows = opening_rows(db)
        unfinished = openings_to_finish(db)

    assert rows == []
    assert unfinished == []


def test_two_bots_message_each_person_once(database_url: str) -> None:
    clock = ManualClock(datetime.now(UTC))
    # One stand-in for both, as two processes of one deployment share one Slack.
    standin = SlackStandIn(bot_token=BOT_TOKEN)
    with (
        LocalBot(database_url=database_url, clock=clock, standin=standin) as first,
        LocalBot(database_url=database_url, clock=clock, standin=standin) as second,
    ):
        assert first.process is not None and second.process is not None
        db = first.process.db
        record = scheduled_campaign(db, clock)
        register_people(db, record.id, now=clock.now())
        first.process.scheduler.sync()
        second.process.scheduler.sync()

        clock.set(record.starts_at)
        wait_for(lambda: status_of(db, record.id) == "open")
        wait_for(lambda: all(opening_messages_to(first, user) for user in REGISTERED))
        wait_for(lambda: outbox_settled(db))

        received = {user: len(opening_messages_to(first, user)) for user in REGISTERED}
        withdrawn = len(opening_messages_to(first, WITHDRAWN))
        rows = opening_rows(db)

    assert rows == [f"opening:{record.id}:{user}" for user in REGISTERED]
    assert received == {user: 1 for user in REGISTERED}
    assert withdrawn == 0
