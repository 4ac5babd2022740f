"""The scheduler opening and closing campaigns, across restarts, clock changes and processes."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core import campaigns
from bot.core.clock import ManualClock
from bot.simulate.local_bot import BOT_TOKEN, LocalBot
from bot.simulate.slack_standin import SlackStandIn
from scheduler.service import CampaignScheduler, close_job_id, open_job_id
from storage.database import Database

LONDON = ZoneInfo("Europe/London")
CHANNEL = "C0JOBS"


def wait_for(predicate: Callable[[], object], *, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def status_of(db: Database, campaign_id: int) -> str:
    return campaigns.get_campaign(db, campaign_id).status


def channel_texts(bot: LocalBot) -> list[str]:
    return [str(message.get("text", "")) for message in bot.standin.messages(CHANNEL)]


def test_due_campaign_opens_at_start(database_url: str) -> None:
    clock = ManualClock(datetime.now(UTC))
    db = Database(database_url)
    # Created while no bot runs, with a start that passes before the bot starts.
    record = campaigns.create_campaign(
        db,
        title="Missed start",
        channel_id=CHANNEL,
        starts="now",
        timezone=LONDON,
        now=clock.now(),
    )
    db.dispose()
    clock.advance(timedelta(hours=3))

    with LocalBot(database_url=database_url, clock=clock) as bot:
        assert bot.process is not None
        wait_for(lambda: status_of(bot.process.db, record.id) == "open")
        wait_for(lambda: len(channel_texts(bot)) == 1)
        assert "Missed start is open until" in channel_texts(bot)[0]
        # Later syncs find nothing to do: still exactly one launch message.
        bot.process.scheduler.sync()
        time.sleep(0.3)
        assert len(channel_texts(bot)) == 1


def test_close_waits_for_end(database_url: str) -> None:
    clock = ManualClock(datetime.now(UTC))
    with LocalBot(database_url=database_url, clock=clock) as bot:
        assert bot.process is not None
        db = bot.process.db
        record = campaigns.create_campaign(
            db,
            title="Spring",
            channel_id=CHANNEL,
            starts="now",
            days=20,
            timezone=LONDON,
            now=clock.now(),
        )
        bot.process.scheduler.sync()
        wait_for(lambda: status_of(db, record.id) == "open")

        clock.set(record.ends_at - timedelta(minutes=1))
        time.sleep(0.3)
        assert status_of(db, record.id) == "open"

        clock.set(record.ends_at)
        wait_for(lambda: status_of(db, record.id) == "closed")
        wait_for(lambda: any("has closed" in text for text in channel_texts(bot)))
        summary = [text for text in channel_texts(bot) if "has closed" in text]
        assert len(summary) == 1
        assert "Ideas: 0 · Comments: 0 · Votes: 0 · Participants: 0" in summary[0]


def test_end_keeps_local_time_across_clock_change(database_url: str) -> None:
    db = Database(database_url)
    try:
        now = datetime(2031, 3, 1, 12, 0, tzinfo=UTC)
        record = campaigns.create_campaign(
            db,
            title="Across BST",
            channel_id=CHANNEL,
            starts="2031-03-20 09:00",
            days=20,
            timezone=LONDON,
            now=now,
        )
    finally:
        db.dispose()
    assert record.starts_at == datetime(2031, 3, 20, 9, 0, tzinfo=UTC)
    # 09:00 BST on 9 April is 08:00 UTC: 20 calendar days, one hour short of 480 hours.
    assert record.ends_at == datetime(2031, 4, 9, 8, 0, tzinfo=UTC)


def test_two_processes_announce_once(database_url: str) -> None:
    clock = ManualClock(datetime.now(UTC))
    # One stand-in for both, as two processes of one deployment share one Slack.
    standin = SlackStandIn(bot_token=BOT_TOKEN)
    with (
        LocalBot(database_url=database_url, clock=clock, standin=standin) as first,
        LocalBot(database_url=database_url, clock=clock, standin=standin) as second,
    ):
        assert first.process is not None and second.process is not None
        record = campaigns.create_campaign(
            first.process.db,
            title="Shared",
            channel_id=CHANNEL,
            starts="now",
            days=1,
            timezone=LONDON,
            now=clock.now(),
        )
        first.process.scheduler.sync()
        second.process.scheduler.sync()
        wait_for(lambda: status_of(first.process.db, record.id) == "open")
        wait_for(lambda: len(channel_texts(first)) >= 1)

        clock.set(record.ends_at)
        wait_for(lambda: status_of(first.process.db, record.id) == "closed")
        wait_for(lambda: sum("has closed" in t for t in channel_texts(first)) >= 1)
        time.sleep(0.5)
        texts = channel_texts(first)
    assert sum("is open until" in text for text in texts) == 1
    assert sum("has closed" in text for text in texts) == 1


def test_sync_schedules_fixed_job_ids(database_url: str) -> None:
    clock = ManualClock(datetime.now(UTC))
    db = Database(database_url)
    scheduler = CampaignScheduler(db=db, clock=clock, timezone=LONDON)
    try:
        later = campaigns.create_campaign(
            db,
            title="Later",
            channel_id=CHANNEL,
            starts=(clock.now() + timedelta(days=2)).astimezone(LONDON).strftime("%Y-%m-%d %H:%M"),
            timezone=LONDON,
            now=clock.now(),
        )
        scheduler.start()
        scheduler.sync()
        scheduler.sync()
        jobs = scheduler._scheduler.get_jobs()  # noqa: SLF001 - inspecting the job store
        campaign_jobs = [
            job for job in jobs if job.id.startswith(("campaign-open-", "campaign-close-"))
        ]
        assert [job.id for job in campaign_jobs] == [open_job_id(later.id)]
        expected = datetime.now(UTC) + timedelta(days=2)
        assert abs(campaign_jobs[0].next_run_time - expected) < timedelta(seconds=90)
        assert close_job_id(later.id) not in {job.id for job in jobs}
    finally:
        scheduler.shutdown()
        db.dispose()
