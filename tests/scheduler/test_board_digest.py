"""Weekly board digests sent by the scheduler through the outbox, once each, on a moved clock."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.core import boards, ideas, roles
from bot.core.clock import ManualClock
from bot.core.records import BoardRecord, Person
from bot.simulate.local_bot import BOT_TOKEN, LocalBot
from bot.simulate.slack_standin import TEAM_ID, SlackStandIn
from scheduler.boards import digest_job_id
from scheduler.service import CAMPAIGN_JOB_STORE
from storage.database import Database
from tests.scheduler.test_reminders import SETTLE_SECONDS, message_text, wait_for

LEAD = Person(platform="slack", team_id=TEAM_ID, user_id="U0LEAD")
STAFF = Person(platform="slack", team_id=TEAM_ID, user_id="U0NURSE")
CHANNEL = "C0WARD7"
PRIVATE_CHANNEL = "G0THEATRE7"
# Monday 4 January 2027, 10:00 GMT, and the board's first Monday 09:00 digest.
CREATED = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)
FIRST_DIGEST = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


def start_board(
    db: Database, clock: ManualClock, *, channel: str = CHANNEL, private: bool = False
) -> BoardRecord:
    roles.grant_role(
        db, platform="slack", user_id=LEAD.user_id, role="lead", granted_by="cli", now=clock.now()
    )
    return boards.start_board(
        db,
        LEAD,
        channel_id=channel,
        question="What would make night shifts safer?",
        private=private,
        now=clock.now(),
    ).board


def digests(*bots: LocalBot) -> list[str]:
    return [
        message_text(message)
        for bot in bots
        for message in bot.standin.messages(LEAD.user_id)
        if str(message.get("text", "")).startswith("Your Shout weekly digest")
    ]


def job_ids(bot: LocalBot) -> set[str]:
    assert bot.process is not None
    scheduler = bot.process.scheduler._scheduler  # noqa: SLF001 - inspecting the job store
    return {job.id for job in scheduler.get_jobs(jobstore=CAMPAIGN_JOB_STORE)}


def test_digest_once_then_moved_and_dropped(database_url: str) -> None:
    clock = ManualClock(CREATED)
    with LocalBot(database_url=database_url, clock=clock) as bot:
        assert bot.process is not None
        db = bot.process.db
        board = start_board(db, clock)
        ideas.submit_idea(
            db, STAFF, text="Two people on every night round", channel_id=CHANNEL, now=clock.now()
        )
        bot.process.scheduler.sync()
        assert digest_job_id(board.id) in job_ids(bot)

        clock.set(FIRST_DIGEST - timedelta(minutes=1))
        time.sleep(SETTLE_SECONDS)
        assert digests(bot) == []

        clock.set(FIRST_DIGEST)
        wait_for(lambda: digests(bot), what="the first board digest")
        bot.process.scheduler.sync()
        bot.process.scheduler.sync()
        time.sleep(SETTLE_SECONDS)
        [first] = digests(bot)
        assert "*Week to Monday 11 January 09:00:* 1 new idea · 0 comments · 0 votes" in first
        assert "Two people on every night round" in first

        # The lead moves the digest to Wednesday 12:00; the next sync picks it up.
        boards.set_digest_time(db, LEAD, channel_id=CHANNEL, weekday=2, minute=12 * 60)
        wednesday = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)
        clock.set(wednesday - timedelta(minutes=1))
        time.sleep(SETTLE_SECONDS)
        assert len(digests(bot)) == 1

        clock.set(wednesday)
        wait_for(lambda: len(digests(bot)) == 2, what="the digest at its new time")
        assert "*Week to Wednesday 13 January 12:00:*" in digests(bot)[1]
        assert "A quiet week" not in digests(bot)[1]

        boards.close_board(db, LEAD, channel_id=CHANNEL, now=clock.now())
        bot.process.scheduler.sync()
        assert digest_job_id(board.id) not in job_ids(bot)
        clock.set(wednesday + timedelta(days=7))
        time.sleep(SETTLE_SECONDS)
        assert len(digests(bot)) == 2


def test_restart_sends_latest_missed_only(database_url: str) -> None:
    clock = ManualClock(CREATED)
    with LocalBot(database_url=database_url, clock=clock) as first:
        assert first.process is not None
        start_board(first.process.db, clock)
        first.process.scheduler.sync()
    # Down from before the first digest until Wednesday of the fourth week.
    clock.set(datetime(2027, 1, 27, 15, 0, tzinfo=UTC))

    with LocalBot(database_url=database_url, clock=clock) as second:
        wait_for(lambda: digests(second), what="the latest missed digest")
        time.sleep(SETTLE_SECONDS)
        [sent] = digests(second)

    assert "*Week to Monday 25 January 09:00:*" in sent
    assert "A quiet week" in sent


def test_two_bots_digest_once(database_url: str) -> None:
    clock = ManualClock(CREATED)
    # One stand-in for both, as two processes of one deployment share one Slack.
    standin = SlackStandIn(bot_token=BOT_TOKEN)
    with (
        LocalBot(database_url=database_url, clock=clock, standin=standin) as first,
        LocalBot(database_url=database_url, clock=clock, standin=standin) as second,
    ):
        assert first.process is not None and second.process is not None
        start_board(first.process.db, clock)
        first.process.scheduler.sync()
        second.process.scheduler.sync()
        clock.set(FIRST_DIGEST)
        wait_for(lambda: digests(first), what="the board digest")
        time.sleep(SETTLE_SECONDS)

        assert len(digests(first)) == 1


def test_sync_during_running_digest(database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    clock = ManualClock(CREATED)
    # Every Slack call takes a second, so the private board's digest job is
    # still running, in its check of the lead's membership, when sync() runs.
    standin = SlackStandIn(bot_token=BOT_TOKEN, latency_seconds=1.0)
    caplog.set_level(logging.WARNING, logger="apscheduler")
    with LocalBot(database_url=database_url, clock=clock, standin=standin) as bot:
        assert bot.process is not None
        scheduler = bot.process.scheduler
        board = start_board(bot.process.db, clock, channel=PRIVATE_CHANNEL, private=True)
        scheduler.sync()

        clock.set(FIRST_DIGEST)
        wait_for(
            lambda: standin.calls("conversations.members"), what="the digest job's member check"
        )
        scheduler.sync()

        assert digest_job_id(board.id) not in job_ids(bot)
        wait_for(lambda: digests(bot), what="the board digest")
        wait_for(lambda: digest_job_id(board.id) in job_ids(bot), what="the next digest job")
        next_job = scheduler._scheduler.get_job(  # noqa: SLF001 - inspecting the job store
            digest_job_id(board.id), jobstore=CAMPAIGN_JOB_STORE
        )
        assert next_job.next_run_time - datetime.now(UTC) > timedelta(days=6)
        assert len(digests(bot)) == 1

    skipped = [
        record
        for record in caplog.records
        if "maximum number of running instances" in record.message
    ]
    assert skipped == []
