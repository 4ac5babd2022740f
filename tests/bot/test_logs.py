"""Library loggers stay quiet at DEBUG, since their lines carry whole request bodies."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from slack_bolt import App

from bot.app import BOLT_LOGGER
from bot.logs import configure_logging


@pytest.fixture
def debug_root() -> Iterator[None]:
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", "slack_bolt")}
    configure_logging("DEBUG")
    # basicConfig leaves the root alone when pytest has given it handlers already.
    root.setLevel(logging.DEBUG)
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    assert root is logging.getLogger()


def test_bolt_request_lines_quiet_at_debug(debug_root: None) -> None:
    app = App(
        token="xoxb-test",
        signing_secret="secret",
        token_verification_enabled=False,
        logger=logging.getLogger(BOLT_LOGGER),
    )

    assert logging.getLogger().isEnabledFor(logging.DEBUG)
    assert not app.logger.isEnabledFor(logging.DEBUG)
    assert not app.logger.isEnabledFor(logging.INFO)
