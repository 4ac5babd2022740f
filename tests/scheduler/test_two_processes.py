"""Two real bot processes on one database run each campaign's scheduled effects once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.core import campaigns, interest, outbox
from bot.core.records import Person
from bot.simulate.local_bot import BOT_TOKEN
from bot.simulate.slack_standin import SlackStandIn
from storage.database import Database

ROOT = Path(__file__).resolve().parents[2]
LONDON = ZoneInfo("Europe/London")
CHANNEL = "C0TWOPROC"
MANAGERS = ("U0MGRONE", "U0MGRTWO")
INTERESTED = ("U0STAFFA", "U0STAFFB", "U0STAFFC")
# A Monday in January, when London time is UTC.
OPENS = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
DAYS = 20
# Long enough for both processes to run what a clock move made due.
SETTLE_SECONDS = 1.5


def wait_for(predicate: Callable[[], object], *, timeout: float = 30.0, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


class BotProcess:
    """A tests.scheduler.bot_process subprocess, moved by writing commands to its stdin."""

    def __init__(self, database_url: str, api_url: str, *, start: datetime, log: Path) -> None:
        self.log = log
        env = dict(os.environ, STAFFVOICE_MANAGERS=",".join(MANAGERS))
        with log.open("w") as stderr:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.scheduler.bot_process",
                    "--database-url",
                    database_url,
                    "--api-url",
                    api_url,
                    "--start",
                    start.isoformat(),
                ],
                cwd=ROOT,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        self._expect("ready")

    def _expect(self, wanted: str) -> None:
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        assert line == wanted, f"the bot process printed {line!r}: {self.log.read_text()}"

    def command(self, text: str) -> None:
        """Send one command and wait for the process to acknowledge it."""
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()
        self._expect("ok")

    def stop(self) -> None:
        """Stop the process, or kill it when it does not stop within 30 s."""
        if self.process.poll() is None:
            try:
                self.command("stop")
                self.process.wait(timeout=30)
            except (AssertionError, BrokenPipeError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(timeout=10)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


@contextmanager
def two_processes(
    database_url: str, standin: SlackStandIn, *, start: datetime, logs: Path
) -> Iterator[list[BotProcess]]:
    with ExitStack() as stack:
        processes = []
        for name in ("first", "second"):
            process = BotProcess(
                database_url, standin.api_url, start=start, log=logs / f"{name}.log"
            )
            stack.callback(process.stop)
            processes.append(process)
        yield processes


def move_clocks(processes: list[BotProcess], moment: datetime) -> None:
    for process in processes:
        process.command(f"clock {moment.isoformat()}")


def texts_to(standin: SlackStandIn, conversation: str) -> list[str]:
    return [str(message.get("text", "")) for message in standin.messages(conversation)]


def count_containing(standin: SlackStandIn, conversation: str, fragment: str) -> int:
    return sum(fragment in text for text in texts_to(standin, conversation))


def outbox_pending(db: Database) -> int:
    return outbox.outbox_counts(db, platform="slack", now=datetime.now(UTC)).pending


def settle(db: Database) -> None:
    """Wait until the outbox has stayed empty for SETTLE_SECONDS.

    A job may enqueue after a first empty check. A message still being sent when
    the test moves the clocks by days would look abandoned to the other process,
    because its lease is measured on its own clock. So the quiet period must hold.
    """
    deadline = time.monotonic() + 30.0
    while True:
        wait_for(lambda: outbox_pending(db) == 0, what="the outbox to empty")
        time.sleep(SETTLE_SECONDS)
        if outbox_pending(db) == 0:
            return
        assert time.monotonic() < deadline, "the outbox did not stay empty"


def register_interest(db: Database, campaign_id: int, *, now: datetime) -> None:
    for user_id in INTERESTED:
        person = Person(platform="slack", team_id="T0TWOPROC", user_id=user_id)
        interest.toggle_interest(db, person, campaign_id, now=now)


# Several bot processes share a PostgreSQL database in production; SQLite's
# multi-writer behaviour is covered by the two-bot tests of each job.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_processes_run_lifecycle_once(database_url: str, tmp_path: Path) -> None:
    db = Database(database_url)
    standin = SlackStandIn(bot_token=BOT_TOKEN)
    created_at = OPENS - timedelta(days=1)
    record = campaigns.create_campaign(
        db,
        title="Twice the processes",
        channel_id=CHANNEL,
        starts=OPENS.astimezone(LONDON).strftime("%Y-%m-%d %H:%M"),
        days=DAYS,
        timezone=LONDON,
        now=created_at,
        topics=["What slows you down?", "What should we stop doing?"],
    )
    register_interest(db, record.id, now=created_at)
    # The day-10 reminder falls at the opening's time of day, nine days after it,
    # and the final one 48 hours before the close.
    day_ten = OPENS + timedelta(days=9)
    final_reminder = record.ends_at - timedelta(hours=48)
    observed: dict[str, Any] = {}
    try:
        with (
            standin,
            two_processes(database_url, standin, start=created_at, logs=tmp_path) as processes,
        ):
            move_clocks(processes, OPENS + timedelta(seconds=30))
            wait_for(
                lambda: campaigns.get_campaign(db, record.id).status == "open",
                what="the campaign to open",
            )
            wait_for(
                lambda: all(
                    count_containing(standin, user, "is open now") >= 1 for user in INTERESTED
                ),
                what="the opening messages",
            )
            settle(db)
            observed["launch"] = count_containing(standin, CHANNEL, "is open")
            observed["opening"] = [
                count_containing(standin, user, "is open now") for user in INTERESTED
            ]

            # 08:00 the next morning: the first daily digest.
            move_clocks(processes, OPENS + timedelta(hours=23, seconds=30))
            wait_for(
                lambda: all(
                    count_containing(standin, user, "Daily digest") >= 1 for user in MANAGERS
                ),
                what="the first digest",
            )
            settle(db)
            observed["first_digest"] = [
                count_containing(standin, user, "Daily digest") for user in MANAGERS
            ]

            for moment in (day_ten, final_reminder):
                move_clocks(processes, moment + timedelta(seconds=30))
                expected = 1 + len(observed.get("reminders", []))
                wait_for(
                    lambda expected=expected: (
                        count_containing(standin, CHANNEL, "Reminder:") >= expected
                    ),
                    what=f"the reminder due at {moment.isoformat()}",
                )
                settle(db)
                observed.setdefault("reminders", []).append(
                    count_containing(standin, CHANNEL, "Reminder:")
                )

            move_clocks(processes, record.ends_at + timedelta(seconds=30))
            wait_for(
                lambda: campaigns.get_campaign(db, record.id).status == "closed",
                what="the campaign to close",
            )
            wait_for(
                lambda: all(
                    count_containing(standin, user, "has closed") >= 1 for user in MANAGERS
                ),
                what="the report to reach both managers",
            )
            settle(db)
            observed["channel_reports"] = count_containing(standin, CHANNEL, "has closed")
            observed["manager_reports"] = [
                count_containing(standin, user, "has closed") for user in MANAGERS
            ]
            observed["digest_days"] = [
                [
                    str(message["blocks"][1]["text"]["text"]).split("\n")[0]
                    for message in standin.messages(user)
                    if "Daily digest" in str(message.get("text", ""))
                ]
                for user in MANAGERS
            ]
            observed["digests"] = [
                count_containing(standin, user, "Daily digest") for user in MANAGERS
            ]
    finally:
        db.dispose()

    assert observed["launch"] == 1
    assert observed["opening"] == [1, 1, 1]
    assert observed["first_digest"] == [1, 1]
    # Each reminder once: one in the channel after day 10, two after the final one.
    assert observed["reminders"] == [1, 2]
    assert observed["channel_reports"] == 1
    assert observed["manager_reports"] == [1, 1]
    # No manager got two digests for one day.
    assert observed["digests"][0] == observed["digests"][1], observed["digest_days"]
