"""Logging set-up, done once at start-up."""

from __future__ import annotations

import logging

# Per-request debug lines from these libraries would drown the bot's own, and they
# carry whole request bodies: idea texts and user ids.
QUIET_LIBRARIES = ("slack_bolt", "slack_sdk", "apscheduler", "waitress", "alembic")


def configure_logging(level: str) -> None:
    """Send log records to stderr with time, level and logger name."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in QUIET_LIBRARIES:
        logging.getLogger(noisy).setLevel(max(logging.getLevelName(level), logging.WARNING))
