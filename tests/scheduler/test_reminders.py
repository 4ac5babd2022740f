"""Channel reminders posted by the scheduler through the outbox, once each, on a moved clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.core import campaigns
from bot.core.clock import ManualClock
from bot.core.records import CampaignRecord
from bot.simulate.local_bot import BOT_TOKEN, LocalBot
from bot.simulate.slack_standin import SlackStandIn
from storage.database import Database
from storage.models import ScheduledRun

LONDON = ZoneInfo("Europe/London")
CHANNEL = "C0REMIND"
# 09:00 GMT on Monday 11 January 2027.
OPENS = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
# Day 10 starts nine days after the opening day, at the same local time.
DAY_10 = datetime(2027, 1, 20, 9, 0, tzinfo=UTC)
# The close after 20 days, and 48 hours before it.
CLOSES = datetime(2027, 1, 31, 9, 0, tzinfo=UTC)
FINAL = CLOSES - timedelta(hours=48)
# Long enough for a job that a clock move made due to run and its message to be sent.
SETTLE_SECONDS = 0.5


def wait_for(predicate: Callable[[], object], *, timeout: float = 10.0, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def message_text(message: dict[str, Any]) -> str:
    """Return a message's fallback text and the text of its blocks, joined."""
    parts = [str(message.get("text", ""))]
    for block in message.get("blocks") or []:
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(str(text.get("text", "")))
        for element in block.get("elements") or []:
            parts.append(str(element.get("text", "")))
    return "\n".join(parts)


def reminders(*bots: LocalBot) -> list[str]:
    return [
        message_text(message)
        for bot in bots
        for message in bot.standin.messages(CHANNEL)
        if str(message.get("text", "")).startswith("Reminder:")
    ]


def create(db: Database, clock: ManualClock, **options: Any) -> CampaignRecord:
    return campaigns.create_campaign(
        db,
        title="Winter ideas",
        channel_id=CHANNEL,
        starts="now",
        days=20,
        timezone=LONDON,
        now=clock.now(),
        topics=["How could we recognise each other's work?", "What slows you down?"],
        **options,
    )


def open_now(bot: LocalBot, clock: ManualClock, **options: Any) -> CampaignRecord:
    assert bot.process is not None
    record = create(bot.process.db, clock, **options)
    bot.process.scheduler.sync()
    wait_for(
        lambda: campaigns.get_campaign(bot.process.db, record.id).status == "open",
        what="the campaign to open",
    )
    return record


def run_keys(db: Database) -> set[str]:
    with db.transaction() as session:
        return set(session.scalars(select(ScheduledRun.key)))


def test_day_and_final_reminders_once(database_url: str) -> None:
    clock = ManualClock(OPENS)
    with LocalBot(database_url=database_url, clock=clock) as bot:
        open_now(bot, clock)

        clock.set(DAY_10 - timedelta(minutes=1))
        time.sleep(SETTLE_SECONDS)
        assert reminders(bot) == []

        clock.set(DAY_10)
        wait_for(lambda: len(reminders(bot)) == 1, what="the day 10 reminder")
        [day_10] = reminders(bot)
        assert "*Winter ideas* is still open: 11 days left, until *2027-01-31 09:00 GMT*" in day_10
        assert "How could we recognise each other's work?" in day_10
        assert "What slows you down?" in day_10
        assert "`/idea`" in day_10
        assert ":+1:" in day_10
        assert "So far: Ideas: 0 · Comments: 0 · Votes: 0 · Participants: 0" in day_10

        clock.set(FINAL - timedelta(minutes=1))
        time.sleep(SETTLE_SECONDS)
        assert len(reminders(bot)) == 1

        clock.set(FINAL)
        wait_for(lambda: len(reminders(bot)) == 2, what="the final reminder")
        assert "Last call: *Winter ideas* closes in 2 days" in reminders(bot)[1]

        assert bot.process is not None
        bot.process.scheduler.sync()
        time.sleep(SETTLE_SECONDS)
        assert len(reminders(bot)) == 2


def test_hidden_counts_leave_totals_out(database_url: str) -> None:
    clock = ManualClock(OPENS)
    with LocalBot(database_url=database_url, clock=clock) as bot:
        open_now(bot, clock, hide_counts=True)
        clock.set(DAY_10)
        wait_for(lambda: len(reminders(bot)) == 1, what="the day 10 reminder")

    assert "So far" not in reminders(bot)[0]
    assert "11 days left" in reminders(bot)[0]


def test_overdue_reminders_send_latest_once(database_url: str) -> None:
    clock = ManualClock(OPENS)
    with LocalBot(database_url=database_url, clock=clock) as first:
        record = open_now(first, clock)
    # Every process is down while both day 10 and the final reminder fall due.
    clock.set(FINAL + timedelta(hours=3))

    with LocalBot(database_url=database_url, clock=clock) as second:
        wait_for(lambda: len(reminders(second)) == 1, what="the overdue reminder")
        time.sleep(SETTLE_SECONDS)
        assert second.process is not None
        keys = run_keys(second.process.db)

    [sent] = reminders(second)
    assert "Last call" in sent
    assert "closes in 45 hours" in sent
    assert f"reminder:{record.id}:day-10" in keys
    assert f"reminder:{record.id}:final:20270131T090000Z" in keys

    # A restart later sends nothing again.
    with LocalBot(database_url=database_url, clock=clock) as third:
        time.sleep(SETTLE_SECONDS)
    assert reminders(third) == []


def test_no_reminder_after_close(database_url: str) -> None:
    clock = ManualClock(OPENS)
    with LocalBot(database_url=database_url, clock=clock) as first:
        open_now(first, clock)
    clock.set(CLOSES + timedelta(hours=1))

    with LocalBot(database_url=database_url, clock=clock) as second:
        wait_for(
            lambda: any("has closed" in message_text(m) for m in second.standin.messages(CHANNEL)),
            what="the closing report",
        )
        time.sleep(SETTLE_SECONDS)

    assert reminders(second) == []


def test_extension_sends_final_again(database_url: str) -> None:
    clock = ManualClock(OPENS)
    with LocalBot(database_url=database_url, clock=clock) as bot:
        assert bot.process is not None
        record = open_now(bot, clock, reminder_days=[])
        clock.set(FINAL)
        wait_for(lambda: len(reminders(bot)) == 1, what="the first final reminder")

        campaigns.extend_campaign(
            bot.process.db, record.id, days=3, by=None, now=clock.now(), timezone=LONDON
        )
        bot.process.scheduler.sync()
        clock.set(FINAL + timedelta(days=3) - timedelta(minutes=1))
        time.sleep(SETTLE_SECONDS)
        assert len(reminders(bot)) == 1

        clock.set(FINAL + timedelta(days=3))
        wait_for(lambda: len(reminders(bot)) == 2, what="the final reminder for the new close")

    assert "2027-02-03 09:00 GMT" in reminders(bot)[1]


def test_two_bots_remind_once(database_url: str) -> None:
    clock = ManualClock(OPENS)
    # One stand-in for both, as two processes of one deployment share one Slack.
    standin = SlackStandIn(bot_token=BOT_TOKEN)
    with (
        LocalBot(database_url=database_url, clock=clock, standin=standin) as first,
        LocalBot(database_url=database_url, clock=clock, standin=standin) as second,
    ):
        assert second.process is not None
        open_now(first, clock)
        second.process.scheduler.sync()

        clock.set(DAY_10)
        wait_for(lambda: len(reminders(first)) >= 1, what="the day 10 reminder")
        clock.set(FINAL)
        wait_for(lambda: len(reminders(first)) >= 2, what="the final reminder")
        time.sleep(SETTLE_SECONDS)

    texts = reminders(first)
    assert len(texts) == 2
    assert sum("Last call" in text for text in texts) == 1
