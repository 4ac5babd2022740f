"""Stopping the scheduler while a campaign job is still running."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.core import campaigns
from bot.core.clock import ManualClock
from bot.simulate.local_bot import BOT_TOKEN, LocalBot
from bot.simulate.slack_standin import SlackStandIn

LONDON = ZoneInfo("Europe/London")
CHANNEL = "C0STOP"


def wait_for(predicate: Callable[[], object], *, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_shutdown_during_open_job_returns(database_url: str) -> None:
    # Every Web API response is delayed by a second, so the opening job is still
    # posting its launch message when shutdown starts. The job's listener then
    # schedules the closing job, which must not wait for the shutdown.
    standin = SlackStandIn(bot_token=BOT_TOKEN, latency_seconds=1.0)
    clock = ManualClock(datetime.now(UTC))
    with LocalBot(database_url=database_url, clock=clock, standin=standin) as bot:
        assert bot.process is not None
        db = bot.process.db
        record = campaigns.create_campaign(
            db,
            title="Stopped mid-job",
            channel_id=CHANNEL,
            starts="now",
            days=1,
            timezone=LONDON,
            now=clock.now(),
        )
        bot.process.scheduler.sync()
        wait_for(lambda: campaigns.get_campaign(db, record.id).status == "open")

        stopper = threading.Thread(target=bot.process.scheduler.shutdown, daemon=True)
        stopper.start()
        stopper.join(timeout=20)
        stopped = not stopper.is_alive()

        assert stopped, "scheduler.shutdown() did not return while a job was finishing"
        assert not bot.process.scheduler.running
