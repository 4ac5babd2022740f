"""The outbox worker in threads and real processes: waking, stopping, crashes and load."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.config import MAX_OUTBOX_RATE
from bot.core import outbox
from bot.core.clock import ManualClock, SystemClock
from bot.core.errors import RateLimited
from bot.core.outbox import OutboundMessage
from bot.simulate.local_bot import BOT_TOKEN, LocalBot
from bot.simulate.slack_standin import SlackStandIn
from scheduler.outbox import OutboxWorker
from storage.database import Database
from tests.e2e.outbox_drainer import TOKEN as DRAINER_TOKEN
from tests.e2e.support import SlackSender, idea_rows, open_campaign_now, wait_until

ROOT = Path(__file__).resolve().parents[2]


def dm(key: str, recipient: str = "U0ALICE") -> OutboundMessage:
    return OutboundMessage(
        platform="slack", recipient=recipient, text=f"Message {key}", dedupe_key=key
    )


def reminders(count: int) -> list[OutboundMessage]:
    return [dm(f"reminder:1:U{index:05d}", f"U{index:05d}") for index in range(count)]


def delivered_keys(standin: SlackStandIn) -> Counter[str]:
    """Count the accepted chat.postMessage calls per outbox dedupe_key."""
    return Counter(
        str(call.params["text"]).removeprefix("Message ")
        for call in standin.calls("chat.postMessage")
        if call.status == 200 and call.error is None
    )


class RecordingSender:
    """An OutboxSender that records when each message was sent."""

    def __init__(self, *, delay: float = 0.0) -> None:
        self.delay = delay
        self.sent: list[tuple[str, float]] = []
        self.before_send: Callable[[OutboundMessage], None] | None = None
        self._lock = threading.Lock()

    @property
    def permanent_reasons(self) -> frozenset[str]:
        return frozenset()

    def send(self, message: OutboundMessage) -> str:
        if self.before_send is not None:
            self.before_send(message)
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self.sent.append((message.dedupe_key, time.monotonic()))
            return str(len(self.sent))

    def keys(self) -> list[str]:
        with self._lock:
            return [key for key, _ in self.sent]


def pending(db: Database) -> int:
    return outbox.outbox_counts(db, platform="slack", now=datetime.now(UTC)).pending


# The worker in a thread


def test_worker_wakes_on_enqueue(db: Database) -> None:
    sender = RecordingSender()
    worker = OutboxWorker(
        db=db, sender=sender, clock=SystemClock(), platform="slack", idle_seconds=30
    )
    worker.start()
    try:
        time.sleep(0.3)
        enqueued_at = time.monotonic()
        outbox.enqueue(db, dm("a"), now=datetime.now(UTC))
        wait_until(sender.keys, timeout=5, what="the enqueued message to be sent")
    finally:
        worker.stop()

    assert sender.sent[0][1] - enqueued_at < 2.0


def test_worker_stop_puts_back_batch(db: Database) -> None:
    outbox.enqueue_many(db, reminders(100), now=datetime.now(UTC))
    sender = RecordingSender(delay=0.02)
    worker = OutboxWorker(
        db=db, sender=sender, clock=SystemClock(), platform="slack", batch_size=50
    )
    worker.start()
    wait_until(lambda: len(sender.keys()) >= 5, what="the worker to start sending")

    stop_started = time.monotonic()
    worker.stop()
    stop_took = time.monotonic() - stop_started

    assert stop_took < 1.0
    assert not worker.running
    sent_first = sender.keys()
    counts = outbox.outbox_counts(db, platform="slack", now=datetime.now(UTC))
    assert counts.claimed == 0
    assert counts.pending == 100 - len(sent_first)
    assert outbox.drain(db, sender, platform="slack", clock=SystemClock(), limit=100).sent == (
        100 - len(sent_first)
    )
    assert sorted(sender.keys()) == sorted(message.dedupe_key for message in reminders(100))


def test_worker_waits_retry_after(db: Database) -> None:
    outbox.enqueue_many(db, [dm("a"), dm("b")], now=datetime.now(UTC))
    sender = RecordingSender()
    limited_at: list[float] = []

    def limit_first_call(message: OutboundMessage) -> None:
        if not limited_at:
            limited_at.append(time.monotonic())
            raise RateLimited(0.5)

    sender.before_send = limit_first_call
    worker = OutboxWorker(db=db, sender=sender, clock=SystemClock(), platform="slack")
    worker.start()
    try:
        wait_until(lambda: len(sender.keys()) == 2, what="both messages to be sent")
    finally:
        worker.stop()

    assert sender.keys() == ["a", "b"]
    assert sender.sent[0][1] - limited_at[0] >= 0.5


# Real processes


class Drainer:
    """A tests.e2e.outbox_drainer subprocess; its stderr goes to a file to keep the pipe clear."""

    def __init__(
        self, database_url: str, standin: SlackStandIn, *, expect: int, log_path: Path
    ) -> None:
        self.log_path = log_path
        with log_path.open("w") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.e2e.outbox_drainer",
                    "--database-url",
                    database_url,
                    "--api-url",
                    standin.api_url,
                    "--expect",
                    str(expect),
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )

    def wait_ready(self) -> None:
        """Wait for the drainer to print ready."""
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        assert line == "ready", f"the drainer printed {line!r}: {self.log_path.read_text()}"

    def finish(self, *, timeout: float = 120) -> int:
        """Wait for the drainer to exit 0 and return how many messages it sent."""
        assert self.process.stdout is not None
        self.process.wait(timeout=timeout)
        output = self.process.stdout.read().strip()
        assert self.process.returncode == 0, (
            f"the drainer exited {self.process.returncode}: {self.log_path.read_text()}"
        )
        last_line = output.splitlines()[-1] if output else ""
        assert last_line.startswith("sent "), output
        return int(last_line.removeprefix("sent "))

    def kill(self) -> None:
        """Send SIGKILL unless the drainer has exited, and reap it."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()


def test_two_processes_send_each_once(database_url: str, tmp_path: Path) -> None:
    messages = reminders(500)
    with SlackStandIn(bot_token=DRAINER_TOKEN, latency_seconds=0.004) as standin:
        first = Drainer(database_url, standin, expect=500, log_path=tmp_path / "first.log")
        second = Drainer(database_url, standin, expect=500, log_path=tmp_path / "second.log")
        try:
            first.wait_ready()
            second.wait_ready()
            db = Database(database_url)
            try:
                outbox.enqueue_many(db, messages, now=datetime.now(UTC))
            finally:
                db.dispose()
            sent_by_first = first.finish()
            sent_by_second = second.finish()
        finally:
            first.kill()
            second.kill()

        delivered = delivered_keys(standin)

    assert set(delivered) == {message.dedupe_key for message in messages}
    assert max(delivered.values()) == 1
    assert sent_by_first + sent_by_second == 500
    # Both processes took part, so the test exercised concurrent claims.
    assert sent_by_first > 0
    assert sent_by_second > 0


def test_killed_process_resumes(database_url: str, tmp_path: Path) -> None:
    messages = reminders(400)
    db = Database(database_url)
    try:
        outbox.enqueue_many(db, messages, now=datetime.now(UTC))
    finally:
        db.dispose()

    with SlackStandIn(bot_token=DRAINER_TOKEN, latency_seconds=0.004) as standin:
        first = Drainer(database_url, standin, expect=400, log_path=tmp_path / "first.log")
        try:
            wait_until(
                lambda: sum(delivered_keys(standin).values()) >= 100,
                timeout=60,
                interval=0.005,
                what="the first drainer to send 100 messages",
            )
            first.process.kill()
        finally:
            first.kill()
        delivered_before_restart = sum(delivered_keys(standin).values())

        second = Drainer(database_url, standin, expect=400, log_path=tmp_path / "second.log")
        try:
            second.finish()
        finally:
            second.kill()
        delivered = delivered_keys(standin)

    assert first.process.returncode == -9
    assert delivered_before_restart < 400
    assert set(delivered) == {message.dedupe_key for message in messages}
    # Only the message in flight when the process died may go out twice.
    repeated = [key for key, count in delivered.items() if count > 1]
    assert len(repeated) <= 1, repeated
    assert max(delivered.values()) <= 2


# Staff requests while the outbox drains


def test_requests_prompt_while_draining(database_url: str) -> None:
    # The default pace of one a second would take over eight minutes for 500 messages.
    standin = SlackStandIn(bot_token=BOT_TOKEN, latency_seconds=0.001)
    with LocalBot(
        database_url=database_url,
        clock=ManualClock(datetime.now(UTC)),
        standin=standin,
        outbox_rate=MAX_OUTBOX_RATE,
    ) as bot:
        assert bot.process is not None
        db = bot.process.db
        open_campaign_now(bot)
        messages = reminders(500)
        outbox.enqueue_many(db, messages, now=bot.process.clock.now())
        wait_until(
            lambda: sum(delivered_keys(standin).values()) >= 50,
            timeout=30,
            what="the outbox to start draining",
        )
        slack = SlackSender(bot)
        try:
            results = [slack.command(f"Idea number {index}") for index in range(5)]
        finally:
            slack.close()
        # The listeners' work, not only the acknowledgement, goes on beside the drain.
        wait_until(
            lambda: len([idea for idea in idea_rows(db) if idea.message_id]) == 5,
            timeout=3,
            what="the five ideas to be posted",
        )
        pending_after_requests = pending(db)
        wait_until(lambda: pending(db) == 0, timeout=60, what="the outbox to drain")
        delivered = delivered_keys(standin)

    assert [result.http.status for result in results] == [200] * 5
    # Each response follows the idea's storing and posting (bot.server waits for the
    # listener), and Slack allows 3 seconds: the drain must not hold requests up.
    assert max(result.elapsed for result in results) < 1.5
    assert pending_after_requests > 0, "the outbox finished before the ideas were posted"
    reminder_keys = {message.dedupe_key for message in messages}
    assert {
        key: count for key, count in delivered.items() if key in reminder_keys
    } == dict.fromkeys(reminder_keys, 1)
