"""A bot process reduced to its outbox worker, for the multi-process outbox tests.

Run as `python -m tests.e2e.outbox_drainer --database-url URL --api-url URL`. It
prints "ready" once its worker runs, drains the Slack outbox until at least
--expect messages are sent or given up and none is pending, prints "sent N"
with the number of messages this process sent, and exits 0. It exits 1 if
that has not happened by --timeout seconds.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient

from bot.core import outbox
from bot.core.clock import SystemClock
from bot.core.outbox import OutboundMessage
from handlers.outbox_sender import PLATFORM, SlackOutboxSender
from scheduler.outbox import OutboxWorker
from storage.database import Database

TOKEN = "xoxb-outbox-test"


class CountingSender:
    """Counts the messages a SlackOutboxSender sent successfully."""

    def __init__(self, sender: SlackOutboxSender) -> None:
        self._sender = sender
        self._lock = threading.Lock()
        self.sent = 0

    @property
    def permanent_reasons(self) -> frozenset[str]:
        return self._sender.permanent_reasons

    def send(self, message: OutboundMessage) -> str:
        message_id = self._sender.send(message)
        with self._lock:
            self.sent += 1
        return message_id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--api-url", required=True, help="the Slack stand-in's /api/ URL")
    parser.add_argument("--rate", type=float, default=1000.0, help="messages per second")
    parser.add_argument("--lease-seconds", type=float, default=2.0)
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument(
        "--expect", type=int, required=True, help="messages sent or given up before exiting"
    )
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait before exiting 1"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    db = Database(args.database_url)
    client = WebClient(token=TOKEN, base_url=args.api_url, retry_handlers=[])
    sender = CountingSender(SlackOutboxSender(client, messages_per_second=args.rate))
    lease = timedelta(seconds=args.lease_seconds)
    worker = OutboxWorker(
        db=db,
        sender=sender,
        clock=SystemClock(),
        platform=PLATFORM,
        batch_size=args.batch_size,
        lease=lease,
        idle_seconds=0.1,
    )
    worker.start()
    print("ready", flush=True)
    deadline = time.monotonic() + args.timeout
    try:
        while True:
            counts = outbox.outbox_counts(db, platform=PLATFORM, now=datetime.now(UTC), lease=lease)
            if counts.pending == 0 and counts.sent + counts.failed >= args.expect:
                break
            if time.monotonic() > deadline:
                print(f"timed out with {counts.pending} messages pending", file=sys.stderr)
                return 1
            time.sleep(0.05)
    finally:
        worker.stop()
        db.dispose()
    print(f"sent {sender.sent}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
