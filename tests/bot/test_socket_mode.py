"""`staffvoice run` in Socket Mode, against a local WebSocket server standing in for Slack's."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from websockets.asyncio.server import ServerConnection, serve

from bot.simulate import payloads
from bot.simulate.slack_standin import SlackStandIn

BOT_TOKEN = "xoxb-socket-test"
APP_TOKEN = "xapp-1-A0SOCKET-socket-test"


class SocketModeServer:
    """Sends one envelope after Slack's hello message and records what the client sends back."""

    def __init__(self, envelope: dict[str, Any]) -> None:
        self.envelope = envelope
        self.received: list[dict[str, Any]] = []
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Future[None] | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SocketModeServer:
        self._thread.start()
        assert self._ready.wait(10), "the WebSocket server did not start"
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set_result, None)
        self._thread.join(10)

    def _run(self) -> None:
        try:
            self._loop.run_until_complete(self._serve())
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._stop = self._loop.create_future()
        async with serve(self._handle, "127.0.0.1", 0) as server:
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            await self._stop

    async def _handle(self, connection: ServerConnection) -> None:
        hello = {
            "type": "hello",
            "num_connections": 1,
            "debug_info": {"host": "local-stand-in", "approximate_connection_time": 18060},
            "connection_info": {"app_id": "A0SOCKET"},
        }
        await connection.send(json.dumps(hello))
        await connection.send(json.dumps(self.envelope))
        async for message in connection:
            self.received.append(json.loads(message))


def wait_until(predicate: Any, *, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, message
        time.sleep(0.1)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_socket_mode_idea_command(database_url: str, tmp_path: Path) -> None:
    with SlackStandIn(bot_token=BOT_TOKEN, app_token=APP_TOKEN) as standin:
        body, _ = payloads.slash_command(
            text="Quiet room for breaks on every site",
            user_id="U0SOCKET",
            user_name="socket.user",
            channel_id="C0SOCKET",
            response_url=standin.response_url("socket"),
            trigger_id="socket-trigger",
        )
        envelope = {
            "envelope_id": "57d6a792-4d35-4d0b-b6aa-3361493e1caf",
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": dict(parse_qsl(body.decode())),
        }
        with SocketModeServer(envelope) as socket_server:
            standin.socket_mode_url = f"ws://127.0.0.1:{socket_server.port}/link"
            env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE"))}
            env.update(
                SLACK_BOT_TOKEN=BOT_TOKEN,
                SLACK_APP_TOKEN=APP_TOKEN,
                SLACK_API_URL=standin.api_url,
                DATABASE_URL=database_url,
            )
            created = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bot",
                    "campaign",
                    "create",
                    "--title",
                    "Socket",
                    "--topic",
                    "What slows you down?",
                    "--channel",
                    "C0SOCKET",
                    "--starts",
                    "now",
                ],
                env=env,
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert created.returncode == 0, created.stderr
            bot = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                env=env,
                cwd=tmp_path,
                stderr=subprocess.PIPE,
                text=True,
            )
            try:
                wait_until(
                    lambda: any(
                        m.get("envelope_id") == envelope["envelope_id"]
                        for m in socket_server.received
                    ),
                    timeout=20,
                    message="the bot never acknowledged the envelope",
                )
                # Launch message, then the idea.
                wait_until(
                    lambda: len(standin.messages("C0SOCKET")) >= 2,
                    timeout=10,
                    message="the idea was not posted",
                )
            finally:
                bot.send_signal(signal.SIGTERM)
                try:
                    _, stderr = bot.communicate(timeout=60)
                except subprocess.TimeoutExpired:
                    bot.kill()
                    bot.communicate()
                    raise
            assert bot.returncode == 0, stderr
    idea_message = standin.messages("C0SOCKET")[-1]
    assert "Quiet room for breaks on every site" in json.dumps(idea_message["blocks"])
    assert standin.count("apps.connections.open") >= 1
    assert "Closing the Socket Mode connection" in stderr
