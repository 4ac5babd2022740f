"""The HTTP front waits for a request's Bolt listeners, up to its deadline."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import App
from slack_sdk import WebClient

from bot import server
from bot.listener_pool import ListenerPool
from bot.server import BotWsgiApp
from bot.simulate.local_bot import BOT_TOKEN
from bot.simulate.signing import sign_request
from bot.simulate.slack_standin import SlackStandIn
from storage.database import Database

SECRET = "listener-pool-test-secret"


@pytest.fixture
def pool() -> Iterator[ListenerPool]:
    listeners = ListenerPool(4)
    yield listeners
    listeners.shutdown(wait=True)


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=BOT_TOKEN) as running:
        yield running


def _app(
    standin: SlackStandIn,
    pool: ListenerPool,
    *,
    sleep_seconds: float,
    finished: threading.Event,
) -> App:
    app = App(
        client=WebClient(token=BOT_TOKEN, base_url=standin.api_url),
        signing_secret=SECRET,
        process_before_response=False,
        listener_executor=pool,
    )

    @app.event("reaction_added")
    def slow_listener(event: dict[str, Any]) -> None:
        time.sleep(sleep_seconds)
        finished.set()

    return app


def _call(wsgi: BotWsgiApp) -> tuple[str, float]:
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0TEST",
            "api_app_id": "A0TEST",
            "event_id": "Ev0TEST",
            "event": {"type": "reaction_added", "user": "U0A", "reaction": "+1", "item": {}},
        }
    ).encode("utf-8")
    headers = sign_request(body, signing_secret=SECRET)
    environ: dict[str, Any] = {
        "PATH_INFO": "/slack/events",
        "REQUEST_METHOD": "POST",
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
        "wsgi.input": io.BytesIO(body),
    }
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    statuses: list[str] = []
    started = time.monotonic()
    list(wsgi(environ, lambda status, _headers: statuses.append(status)))
    return statuses[0], time.monotonic() - started


def test_answer_waits_for_listener(
    standin: SlackStandIn, pool: ListenerPool, tmp_path: Any
) -> None:
    finished = threading.Event()
    app = _app(standin, pool, sleep_seconds=0.3, finished=finished)
    db = Database(f"sqlite:///{tmp_path / 'unused.db'}")
    wsgi = BotWsgiApp(app, db=db, signing_secret=SECRET, listeners=pool)

    status, elapsed = _call(wsgi)

    assert status.startswith("200")
    assert finished.is_set()
    assert elapsed >= 0.3


def test_answer_leaves_slow_listener(
    standin: SlackStandIn, pool: ListenerPool, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server, "LISTENER_WAIT_SECONDS", 0.2)
    finished = threading.Event()
    app = _app(standin, pool, sleep_seconds=1.5, finished=finished)
    db = Database(f"sqlite:///{tmp_path / 'unused.db'}")
    wsgi = BotWsgiApp(app, db=db, signing_secret=SECRET, listeners=pool)

    status, elapsed = _call(wsgi)

    assert status.startswith("200")
    assert not finished.is_set()
    assert elapsed < 1.0
    assert finished.wait(5)
