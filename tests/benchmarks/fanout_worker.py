"""The outbox worker of a bot process on its own, as the fan-out benchmark's child process.

Run as `python -m tests.benchmarks.fanout_worker --database-url URL --api-url URL
--rate N --lease-seconds S`. It builds the Slack outbox client, sender and worker
as a bot process does (bot.app), with STAFFVOICE_OUTBOX_RATE set to --rate,
prints "ready" once the worker runs, and drains the outbox until it is killed or
stopped with SIGTERM.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from datetime import timedelta
from types import FrameType

from bot.app import build_outbox_client
from bot.config import load_settings
from bot.core.clock import SystemClock
from handlers.outbox_sender import PLATFORM, SlackOutboxSender
from scheduler.outbox import OutboxWorker
from storage.database import Database

BOT_TOKEN = "xoxb-fanout-benchmark"


def main() -> int:
    """Run the outbox worker until SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--api-url", required=True, help="the Slack stand-in's /api/ URL")
    parser.add_argument("--rate", type=float, required=True, help="STAFFVOICE_OUTBOX_RATE")
    parser.add_argument("--lease-seconds", type=float, required=True)
    parser.add_argument("--batch-size", type=int, default=20)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    settings = load_settings(
        slack_bot_token=BOT_TOKEN,
        slack_api_url=args.api_url,
        database_url=args.database_url,
        staffvoice_outbox_rate=args.rate,
        _env_file=None,
    )
    db = Database(settings.database_url)
    sender = SlackOutboxSender(
        build_outbox_client(settings), messages_per_second=settings.staffvoice_outbox_rate
    )
    worker = OutboxWorker(
        db=db,
        sender=sender,
        clock=SystemClock(),
        platform=PLATFORM,
        batch_size=args.batch_size,
        lease=timedelta(seconds=args.lease_seconds),
        idle_seconds=0.2,
    )
    stopping = threading.Event()

    def stop(_signal: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    worker.start()
    print("ready", flush=True)
    stopping.wait()
    worker.stop()
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
