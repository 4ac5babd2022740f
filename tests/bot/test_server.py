"""The HTTP front's waitress set-up: the queue backlog logged once an interval."""

from __future__ import annotations

import logging

import pytest
from slack_bolt import App

from bot.server import BotWsgiApp, QueueDepthLog, create_http_server
from storage.database import Database


def _records(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "bot.server"]


def test_queue_depth_log_waits_for_interval(caplog: pytest.LogCaptureFixture) -> None:
    log = QueueDepthLog(interval=3600)

    with caplog.at_level(logging.WARNING):
        for depth in (1, 5, 2):
            log.warning("Task queue depth is %d", depth)

    assert _records(caplog) == []


def test_queue_depth_log_reports_deepest(caplog: pytest.LogCaptureFixture) -> None:
    log = QueueDepthLog(interval=0)

    with caplog.at_level(logging.WARNING):
        log.warning("Task queue depth is %d", 4)

    messages = _records(caplog)
    assert len(messages) == 1
    assert messages[0].startswith("1 requests waited for a free server thread")
    assert messages[0].endswith("at most 4 at once")


def test_server_uses_queue_depth_log() -> None:
    bolt = App(token="xoxb-test", signing_secret="secret", token_verification_enabled=False)
    wsgi = BotWsgiApp(bolt, db=Database("sqlite://"), signing_secret="secret")
    server = create_http_server(wsgi, host="127.0.0.1", port=0, threads=1)
    try:
        # waitress's dispatcher reads its queue logger from this attribute.
        assert hasattr(type(server.task_dispatcher), "queue_logger")
        assert isinstance(server.task_dispatcher.queue_logger, QueueDepthLog)
    finally:
        server.close()
