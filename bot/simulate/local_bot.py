"""The real bot served over HTTP on 127.0.0.1 against Slack and Teams stand-ins, in this process.

Used by the end-to-end tests and `staffvoice simulate`. The Bolt app, the Teams
front, listeners, storage and scheduler are the ones `staffvoice run` serves. Only
the Slack Web API and Teams' Bot Connector API are local stand-ins, and the clock
may be a ManualClock.
"""

from __future__ import annotations

import http.client
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from bot.app import BotProcess, build_process
from bot.config import Settings, load_settings
from bot.core.clock import Clock
from bot.server import BotWsgiApp, create_http_server
from bot.simulate.signing import sign_request
from bot.simulate.slack_standin import SlackStandIn
from bot.simulate.teams_activities import TeamsActivityClient
from bot.simulate.teams_standin import TeamsStandIn
from handlers.teams.connector import ConversationPacer

logger = logging.getLogger(__name__)

BOT_TOKEN = "xoxb-0000-local-stand-in"
SIGNING_SECRET = "local-signing-secret-for-tests"
# STAFFVOICE_ANON_KEY of the local bot unless a test turns anonymous posting off.
ANON_KEY = "local-anonymity-key-for-tests-0123456789"
SERVER_POLL_SECONDS = 0.05
# TEAMS_APP_ID of the local bot: a GUID that names no real app registration.
TEAMS_APP_ID = "00000000-0000-4000-8000-000000000001"


@dataclass(frozen=True)
class HttpResult:
    """The status and body of one request to the bot."""

    status: int
    body: str


class LocalBot:
    """Start a Slack stand-in and the bot's HTTP server on free ports; stop both on exit."""

    def __init__(
        self,
        *,
        database_url: str,
        clock: Clock | None = None,
        standin: SlackStandIn | None = None,
        threads: int = 16,
        outbox_rate: float | None = None,
        updates_per_minute: float | None = None,
        managers: Sequence[str] = (),
        anon_key: str | None = ANON_KEY,
        slack: bool = True,
        teams: TeamsStandIn | bool = False,
        teams_managers: Sequence[str] = (),
        teams_sends_per_second: float | None = None,
    ) -> None:
        """updates_per_minute, when given, replaces the refresher's chat.update pace.

        slack and teams choose the platforms served; teams is True for a Bot Connector
        stand-in without rate limits, or the stand-in to use. Teams activities are
        accepted without a token, as TEAMS_AUTH_DISABLED does. teams_sends_per_second,
        when given, replaces Teams' limits on the bot's sends to one conversation.
        """
        self._teams_sends_per_second = teams_sends_per_second
        self._slack = slack
        self.teams_standin: TeamsStandIn | None = (
            teams
            if isinstance(teams, TeamsStandIn)
            else TeamsStandIn(limits=False)
            if teams
            else None
        )
        self._teams_managers = tuple(teams_managers)
        self.database_url = database_url
        self._updates_per_minute = updates_per_minute
        self._anon_key = anon_key
        self._outbox_rate = outbox_rate
        self._managers = tuple(managers)
        self.standin = standin or SlackStandIn(bot_token=BOT_TOKEN)
        # Bots that stand for processes of one deployment share a running stand-in, as
        # they share Slack; the bot that started it stops it.
        self._owns_standin = False
        self._clock = clock
        self._threads = threads
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.process: BotProcess | None = None

    def start(self) -> LocalBot:
        """Start the stand-in unless it runs already, then the bot, scheduler and HTTP server."""
        if not self.standin.running:
            self.standin.start()
            self._owns_standin = True
        if self.teams_standin is not None:
            self.teams_standin.start()
        settings = self.settings()
        self.process = build_process(
            settings, clock=self._clock, updates_per_minute=self._updates_per_minute
        )
        if self._teams_sends_per_second is not None and self.process.teams is not None:
            per_second = max(1, int(self._teams_sends_per_second))
            self.process.teams.connector.use_pacer(ConversationPacer(((per_second, 1.0),)))
        self.process.start_background()
        wsgi = BotWsgiApp(
            self.process.bolt,
            db=self.process.db,
            signing_secret=SIGNING_SECRET,
            listeners=self.process.listeners,
            teams=self.process.teams,
        )
        # A short loop timeout lets stop() return soon after closing the server.
        self._server = create_http_server(
            wsgi, host="127.0.0.1", port=0, threads=self._threads, loop_timeout=0.05
        )
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._serve, args=(self._server,), name="local-bot", daemon=True
        )
        self._thread.start()
        logger.info("Local bot serving on port %s", self.port)
        return self

    def settings(self) -> Settings:
        """Return the settings the local bot runs with."""
        overrides: dict[str, object] = {}
        if self._outbox_rate is not None:
            overrides["staffvoice_outbox_rate"] = self._outbox_rate
        if self._managers:
            overrides["staffvoice_managers"] = ",".join(self._managers)
        if self.teams_standin is not None:
            overrides.update(
                teams_app_id=TEAMS_APP_ID,
                teams_auth_disabled=True,
                staffvoice_allow_unauthenticated_teams=True,
                staffvoice_teams_managers=",".join(self._teams_managers),
            )
        return load_settings(
            slack_bot_token=BOT_TOKEN if self._slack else None,
            slack_signing_secret=SIGNING_SECRET if self._slack else None,
            slack_app_token=None,
            slack_api_url=self.standin.api_url,
            database_url=self.database_url,
            staffvoice_anon_key=self._anon_key,
            _env_file=None,
            **overrides,
        )

    def _serve(self, server: Any) -> None:
        try:
            server.run()
        except (OSError, ValueError):
            # stop() closes the sockets while the server's loop may be waiting in select(),
            # which then fails on the closed descriptors. Only that failure is expected.
            if not self._stopping.is_set():
                raise

    def stop(self) -> None:
        """Stop the HTTP server, the bot and the stand-in."""
        if self._server is not None:
            self._stopping.set()
            self._server.close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self.process is not None:
            self.process.stop()
            self.process = None
        if self._owns_standin:
            self.standin.stop()
            self._owns_standin = False
        if self.teams_standin is not None:
            self.teams_standin.stop()

    def __enter__(self) -> LocalBot:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """Return the port the bot's HTTP server listens on."""
        assert self._server is not None, "LocalBot is not running"
        return int(self._server.effective_port)

    def client(self) -> SlackRequestClient:
        """Return a client that sends signed requests to this bot over one connection."""
        return SlackRequestClient(port=self.port, signing_secret=SIGNING_SECRET)

    def teams_client(self) -> TeamsActivityClient:
        """Return a client that sends Teams activities to this bot over one connection."""
        return TeamsActivityClient(port=self.port)


class SlackRequestClient:
    """Sends requests to the bot as Slack does: signed, to POST /slack/events, kept alive."""

    def __init__(self, *, port: int, signing_secret: str, timeout: float = 30.0) -> None:
        self._port = port
        self._signing_secret = signing_secret
        self._timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def send(
        self,
        body: bytes,
        content_type: str,
        *,
        retry_num: int | None = None,
        timestamp: int | None = None,
        signing_secret: str | None = None,
    ) -> HttpResult:
        """Sign and send one request; return the bot's status and body."""
        headers = sign_request(
            body, signing_secret=signing_secret or self._signing_secret, timestamp=timestamp
        )
        headers["Content-Type"] = content_type
        if retry_num is not None:
            # Slack marks redeliveries of an event it thinks went unanswered.
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        return self.raw("POST", "/slack/events", body=body, headers=headers)

    def raw(
        self, method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> HttpResult:
        """Send a request as given, without signing; for health checks and bad input."""
        for attempt in (1, 2):
            connection = self._connect()
            try:
                connection.request(method, path, body=body, headers=headers or {})
                response = connection.getresponse()
                return HttpResult(response.status, response.read().decode("utf-8", "replace"))
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection; reconnect once.
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close the kept-alive connection."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            self._connection = http.client.HTTPConnection(
                "127.0.0.1", self._port, timeout=self._timeout
            )
        return self._connection
