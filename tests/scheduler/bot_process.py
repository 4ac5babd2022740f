"""A whole bot process whose clock the test moves, for the multi-process scheduler tests.

Run as `python -m tests.scheduler.bot_process --database-url URL --api-url URL
--start ISO`. It builds the bot as `staffvoice run` does (migrations, managers
from STAFFVOICE_MANAGERS, Bolt app, scheduler, outbox worker) with a ManualClock
set to --start, starts the scheduler and the outbox worker, and prints "ready".
Then it reads commands from stdin, one a line, and prints "ok" after each:

    clock ISO   move the clock to ISO (never backwards), which syncs the scheduler
    stop        stop the scheduler and the outbox worker and exit 0
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import datetime

from bot.app import build_process
from bot.config import load_settings
from bot.core.clock import ManualClock
from bot.simulate.local_bot import BOT_TOKEN, SIGNING_SECRET


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--api-url", required=True, help="the Slack stand-in's /api/ URL")
    parser.add_argument("--start", required=True, help="the clock's first time, ISO 8601")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s"
    )

    clock = ManualClock(datetime.fromisoformat(args.start))
    settings = load_settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_app_token=None,
        slack_api_url=args.api_url,
        database_url=args.database_url,
        _env_file=None,
    )
    process = build_process(settings, clock=clock)
    process.start_background()
    print("ready", flush=True)
    try:
        for line in sys.stdin:
            command, _, argument = line.strip().partition(" ")
            if command == "clock":
                clock.set(datetime.fromisoformat(argument))
            elif command == "stop":
                break
            else:
                print(f"unknown command {command!r}", flush=True)
                return 2
            print("ok", flush=True)
    finally:
        process.stop()
    print("ok", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
