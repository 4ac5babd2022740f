"""Logging set-up, done once at start-up."""

from __future__ import annotations

import logging


def configure_logging(level: str) -> None:
    """Send log records to stderr with time, level and logger name."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Per-request debug lines from these libraries would drown the bot's own.
    for noisy in ("slack_bolt", "slack_sdk", "apscheduler", "waitress", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.getLevelName(level), logging.WARNING))
