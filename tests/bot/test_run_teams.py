"""`staffvoice run` as a process serving Teams only, at POST /api/messages."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bot.simulate import teams_activities as act
from bot.simulate.teams_activities import TeamsActivityClient, TeamsChannel, TeamsUser
from bot.simulate.teams_standin import TeamsStandIn

APP_ID = "00000000-0000-4000-8000-0000000000a1"
CHANNEL = TeamsChannel(
    channel_id="19:run0000000000000000@thread.tacv2", name="Ideas", team_id="19:team@thread.tacv2"
)
ANN = TeamsUser.numbered(7, "Ann Lee")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_health(port: int, server: subprocess.Popen[str]) -> None:
    # Generous, because a loaded 2-core machine can take long to start Python.
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as response:
                assert json.load(response) == {"status": "ok"}
            return
        except OSError:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, "the bot did not start serving in 60 s"
            time.sleep(0.2)


def test_run_serves_teams_only(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "TEAMS_", "STAFFVOICE_", "DATABASE_URL"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'teams.db'}",
        TEAMS_APP_ID=APP_ID,
        TEAMS_AUTH_DISABLED="true",
        STAFFVOICE_ALLOW_UNAUTHENTICATED_TEAMS="true",
    )
    port = _free_port()
    with TeamsStandIn(limits=False) as standin:
        server = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            _wait_for_health(port, server)
            client = TeamsActivityClient(port=port)
            added = client.send(
                act.bot_added_to_team(ANN, CHANNEL, service_url=standin.service_url)
            )
            assert added.status == 200
            asked = client.send(act.message(ANN, "idea", service_url=standin.service_url))
            assert asked.status == 200
            # The form went to Ann's personal chat through the Bot Connector stand-in.
            assert standin.wait_for(lambda: standin.last_card(act.personal(ANN)["id"]) is not None)
            # An activity that is not JSON gets 400.
            assert client.raw(b"{").status == 400
            client.close()
            # Slack's endpoint is not served when Slack is not set up.
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/slack/events", data=b"{}", method="POST"
            )
            try:
                urllib.request.urlopen(request)
                raise AssertionError("/slack/events answered without Slack set up")
            except urllib.error.HTTPError as error:
                assert error.code == 404
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                _, stderr = server.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.communicate()
                raise
    assert server.returncode == 0, stderr
    assert "Serving Teams activities on" in stderr
    assert "accepted without a token check" in stderr
