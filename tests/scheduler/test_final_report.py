"""The close of a campaign: the final report in its channel and to each manager, once."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.core import campaigns, outbox, roles
from bot.core.clock import ManualClock
from bot.core.records import CampaignRecord
from bot.simulate.campaign import TOTALS_PATTERN
from bot.simulate.local_bot import BOT_TOKEN, LocalBot
from bot.simulate.slack_standin import SlackStandIn
from scheduler import jobs
from storage.database import Database
from storage.models import Campaign

LONDON = ZoneInfo("Europe/London")
CHANNEL = "C0REPORT"
MANAGERS = ("U0MANAGER1", "U0MANAGER2")
LEAD = "U0LEAD1"
REPORT_HEADER = "Campaign closed"


def wait_for(predicate: Callable[[], object], *, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def status_of(db: Database, campaign_id: int) -> str:
    return campaigns.get_campaign(db, campaign_id).status


def reports_in(bot: LocalBot, conversation: str) -> list[dict[str, Any]]:
    """Return the messages with the final report's header posted to a channel or user."""
    found: list[dict[str, Any]] = []
    for message in bot.standin.messages(conversation):
        blocks = message.get("blocks") or []
        if blocks and blocks[0].get("text", {}).get("text") == REPORT_HEADER:
            found.append(message)
    return found


def outbox_settled(db: Database) -> bool:
    return outbox.outbox_counts(db, platform="slack", now=datetime.now(UTC)).pending == 0


def grant_roles(db: Database, *, now: datetime) -> None:
    for user_id in MANAGERS:
        roles.grant_role(
            db, platform="slack", user_id=user_id, role="manager", granted_by="test", now=now
        )
    roles.grant_role(db, platform="slack", user_id=LEAD, role="lead", granted_by="test", now=now)


def create_open_campaign(db: Database, *, clock: ManualClock, title: str) -> CampaignRecord:
    return campaigns.create_campaign(
        db,
        title=title,
        channel_id=CHANNEL,
        starts="now",
        days=1,
        timezone=LONDON,
        now=clock.now(),
    )


def test_close_sends_report_once(database_url: str) -> None:
    clock = ManualClock(datetime.now(UTC))
    with LocalBot(database_url=database_url, clock=clock) as bot:
        assert bot.process is not None
        db = bot.process.db
        grant_roles(db, now=clock.now())
        record = create_open_campaign(db, clock=clock, title="Report once")
        bot.process.scheduler.sync()
        wait_for(lambda: status_of(db, record.id) == "open")

        clock.set(record.ends_at)
        wait_for(lambda: status_of(db, record.id) == "closed")
        wait_for(lambda: all(len(reports_in(bot, user)) >= 1 for user in MANAGERS))
        # The job running again, as after a restart, posts and sends nothing more.
        jobs.close_campaign(record.id)
        jobs.close_campaign(record.id)
        wait_for(lambda: outbox_settled(db))
        sent = outbox.outbox_counts(db, platform="slack", now=datetime.now(UTC)).sent

        channel_reports = reports_in(bot, CHANNEL)
        manager_reports = {user: reports_in(bot, user) for user in MANAGERS}
        lead_reports = reports_in(bot, LEAD)

    assert sent == len(MANAGERS)
    assert len(channel_reports) == 1
    text = str(channel_reports[0]["text"])
    assert "Report once has closed" in text
    assert TOTALS_PATTERN.search(text) is not None
    assert "Ideas: 0 · Comments: 0 · Votes: 0 · Participants: 0" in text
    for user, messages in manager_reports.items():
        assert len(messages) == 1, user
        assert messages[0]["text"] == text
    assert lead_reports == []


def test_two_processes_send_report_once(database_url: str) -> None:
    clock = ManualClock(datetime.now(UTC))
    # One stand-in for both, as two processes of one deployment share one Slack.
    standin = SlackStandIn(bot_token=BOT_TOKEN)
    with (
        LocalBot(database_url=database_url, clock=clock, standin=standin) as first,
        LocalBot(database_url=database_url, clock=clock, standin=standin) as second,
    ):
        assert first.process is not None and second.process is not None
        db = first.process.db
        grant_roles(db, now=clock.now())
        record = create_open_campaign(db, clock=clock, title="Two processes")
        first.process.scheduler.sync()
        second.process.scheduler.sync()
        wait_for(lambda: status_of(db, record.id) == "open")

        clock.set(record.ends_at)
        wait_for(lambda: status_of(db, record.id) == "closed")
        wait_for(lambda: all(len(reports_in(first, user)) >= 1 for user in MANAGERS))
        wait_for(lambda: outbox_settled(db))
        sent = outbox.outbox_counts(db, platform="slack", now=datetime.now(UTC)).sent

        channel_reports = reports_in(first, CHANNEL)
        manager_reports = {user: reports_in(first, user) for user in MANAGERS}

    assert sent == len(MANAGERS)
    assert len(channel_reports) == 1
    for user, messages in manager_reports.items():
        assert len(messages) == 1, user


def scheduled_in_series(db: Database, series_id: int) -> list[CampaignRecord]:
    with db.transaction() as session:
        ids = list(
            session.scalars(
                select(Campaign.id).where(
                    Campaign.series_id == series_id, Campaign.status == "scheduled"
                )
            )
        )
    return [campaigns.get_campaign(db, campaign_id) for campaign_id in ids]


def test_close_repeats_quarterly_once(database_url: str) -> None:
    clock = ManualClock(datetime.now(UTC))
    with LocalBot(database_url=database_url, clock=clock) as bot:
        assert bot.process is not None
        db = bot.process.db
        record = campaigns.create_campaign(
            db,
            title="Every quarter",
            channel_id=CHANNEL,
            starts="now",
            days=1,
            timezone=LONDON,
            now=clock.now(),
            topics=["What slows you down?"],
            repeat_quarterly=True,
        )
        bot.process.scheduler.sync()
        wait_for(lambda: status_of(db, record.id) == "open")

        clock.set(record.ends_at)
        wait_for(lambda: status_of(db, record.id) == "closed")
        wait_for(lambda: len(scheduled_in_series(db, record.id)) >= 1)
        jobs.close_campaign(record.id)
        jobs.retry_deliveries()
        following = scheduled_in_series(db, record.id)

    assert len(following) == 1
    assert following[0].title == "Every quarter"
    assert [topic.question for topic in following[0].topics] == ["What slows you down?"]
    assert following[0].starts_at > record.ends_at


def test_retry_finishes_cut_short_close(database_url: str) -> None:
    clock = ManualClock(datetime.now(UTC))
    with LocalBot(database_url=database_url, clock=clock) as bot:
        assert bot.process is not None
        db = bot.process.db
        grant_roles(db, now=clock.now())
        record = campaigns.create_campaign(
            db,
            title="Cut short",
            channel_id=CHANNEL,
            starts="now",
            days=1,
            timezone=LONDON,
            now=clock.now(),
            repeat_quarterly=True,
        )
        bot.process.scheduler.sync()
        wait_for(lambda: status_of(db, record.id) == "open")
        # The close happens without its job, as when a process dies straight after it.
        bot.process.scheduler.shutdown()
        assert campaigns.close_campaign(db, record.id, now=record.ends_at) is not None
        assert reports_in(bot, CHANNEL) == []

        jobs.retry_deliveries()
        wait_for(lambda: all(len(reports_in(bot, user)) >= 1 for user in MANAGERS))
        wait_for(lambda: outbox_settled(db))
        channel_reports = reports_in(bot, CHANNEL)
        following = scheduled_in_series(db, record.id)

    assert len(channel_reports) == 1
    assert len(following) == 1
