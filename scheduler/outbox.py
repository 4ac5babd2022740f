"""The outbox worker: one thread per bot process that sends due outbox messages.

It is a dedicated thread, not an APScheduler job and never a Bolt listener.
Sending is paced to the platform's rate limit, so a large batch takes a long
time: 5,000 direct messages at one a second take over an hour. That would
hold one of APScheduler's pool threads, or a thread Bolt needs for staff
requests, for as long. An interval job also cannot be woken when a message
is enqueued. The thread sleeps while nothing is due and wakes on enqueue in this
process, on wake(), or when the next message falls due.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from bot.core import outbox
from bot.core.clock import Clock
from bot.core.ports import OutboxSender
from storage.database import Database

logger = logging.getLogger(__name__)

# The maximum sleep between looks at the database, which bounds how late the
# worker finds messages that another process enqueued.
IDLE_SECONDS = 5.0
# The wait after a drain failed, such as while the database is unreachable.
ERROR_SECONDS = 5.0
# The minimum sleep, so that a message that is due but not claimable yet
# cannot make the worker poll in a tight loop.
MIN_SLEEP_SECONDS = 0.05
STOP_TIMEOUT_SECONDS = 10.0


class OutboxWorker:
    """Drains one platform's outbox in a background thread until stopped."""

    def __init__(
        self,
        *,
        db: Database,
        sender: OutboxSender,
        clock: Clock,
        platform: str,
        batch_size: int = outbox.DEFAULT_BATCH_SIZE,
        lease: timedelta = outbox.DEFAULT_LEASE,
        idle_seconds: float = IDLE_SECONDS,
        error_seconds: float = ERROR_SECONDS,
    ) -> None:
        self._db = db
        self._sender = sender
        self._clock = clock
        self._platform = platform
        self._batch_size = batch_size
        self._lease = lease
        self._idle_seconds = idle_seconds
        self._error_seconds = error_seconds
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Return whether the worker thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the worker thread and listen for messages enqueued in this process."""
        if self._thread is not None:
            raise RuntimeError("OutboxWorker is already started")
        outbox.add_enqueue_listener(self._on_enqueue)
        self._thread = threading.Thread(
            target=self._run, name=f"outbox-worker-{self._platform}", daemon=True
        )
        self._thread.start()

    def wake(self) -> None:
        """Make an idle worker look for due messages now."""
        self._wake.set()

    def stop(self, *, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """Stop the worker after the send in progress; its unsent claimed messages are put back."""
        outbox.remove_enqueue_listener(self._on_enqueue)
        self._stopping.set()
        self._wake.set()
        if self._thread is None:
            return
        self._thread.join(timeout=timeout)
        if self._thread.is_alive():
            logger.warning("Outbox worker for %s did not stop within %s s", self._platform, timeout)

    def _on_enqueue(self, platform: str) -> None:
        if platform == self._platform:
            self._wake.set()

    def _run(self) -> None:
        logger.info("Outbox worker for %s started", self._platform)
        while not self._stopping.is_set():
            # Cleared before the drain, so an enqueue during it wakes the next sleep.
            self._wake.clear()
            try:
                result = outbox.drain(
                    self._db,
                    self._sender,
                    platform=self._platform,
                    clock=self._clock,
                    limit=self._batch_size,
                    lease=self._lease,
                    should_stop=self._stopping.is_set,
                )
            except Exception:
                logger.exception(
                    "Outbox drain for %s failed; retrying in %s s",
                    self._platform,
                    self._error_seconds,
                )
                self._stopping.wait(self._error_seconds)
                continue
            if result.claimed:
                logger.debug(
                    "Outbox batch for %s: %d sent, %d failed, %d put back",
                    self._platform,
                    result.sent,
                    result.failed,
                    result.deferred,
                )
            if result.retry_after_seconds is not None:
                # Only the end of the wait or a stop ends it, never an enqueue.
                self._stopping.wait(result.retry_after_seconds)
            elif not result.claimed:
                self._sleep_until_due()
        logger.info("Outbox worker for %s stopped", self._platform)

    def _sleep_until_due(self) -> None:
        timeout = self._idle_seconds
        try:
            now = self._clock.now()
            due = outbox.next_due(self._db, platform=self._platform, now=now, lease=self._lease)
        except Exception:
            logger.exception("Reading the next due outbox message for %s failed", self._platform)
            due = None
        if due is not None:
            timeout = min(timeout, max((due - now).total_seconds(), MIN_SLEEP_SECONDS))
        self._wake.wait(timeout)
