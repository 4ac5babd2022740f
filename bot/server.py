"""The HTTP front of the bot: POST /slack/events for Slack, POST /api/messages for Teams,
GET /healthz for monitoring."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text
from waitress import create_server

from bot.listener_pool import ListenerPool
from handlers.teams.front import MESSAGES_PATH, TeamsFront
from storage.database import Database

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
TEAMS_PATH = MESSAGES_PATH
# The activity types the Teams front acts on; it responds 200 to others and ignores them.
TEAMS_ACTIVITY_TYPES = frozenset(
    {
        "message",
        "invoke",
        "messageReaction",
        "messageUpdate",
        "messageDelete",
        "conversationUpdate",
        "installationUpdate",
    }
)
HEALTH_PATH = "/healthz"
# Slack's largest request bodies (view submissions with big forms) stay far below this.
MAX_BODY_BYTES = 1_000_000
# Slack counts a request as failed when no response arrives within 3 seconds. The front
# waits for an event's listeners until this long after the request arrived, then
# responds whether or not they have returned.
LISTENER_WAIT_SECONDS = 2.5
# How often a backlog of requests waiting for a server thread is logged, at most.
QUEUE_LOG_INTERVAL_SECONDS = 10.0

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def _reply(
    start_response: StartResponse, status: str, body: str, content_type: str = "text/plain"
) -> Iterable[bytes]:
    payload = body.encode("utf-8")
    start_response(
        status,
        [("Content-Type", f"{content_type}; charset=utf-8"), ("Content-Length", str(len(payload)))],
    )
    return [payload]


class BotWsgiApp:
    """A WSGI application that checks Slack and Teams requests before handing them on."""

    def __init__(
        self,
        bolt: App | None,
        *,
        db: Database,
        signing_secret: str | None,
        listeners: ListenerPool | None = None,
        teams: TeamsFront | None = None,
    ) -> None:
        """Serve `bolt` for Slack (with its signing secret) and `teams` for Teams, either
        or both. With `listeners` (the app's listener_executor), the response to a Slack
        event waits for its listeners, see bot.listener_pool."""
        self._bolt = bolt
        self._db = db
        self._verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self._listeners = listeners
        self._teams = teams

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            return self._health(start_response)
        if path == EVENTS_PATH and self._bolt is not None:
            if method != "POST":
                return _reply(start_response, "405 Method Not Allowed", "Use POST")
            return self._slack(environ, start_response)
        if path == TEAMS_PATH and self._teams is not None:
            if method != "POST":
                return _reply(start_response, "405 Method Not Allowed", "Use POST")
            return self._teams_request(environ, start_response)
        return _reply(start_response, "404 Not Found", "Not found")

    def _teams_request(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        assert self._teams is not None
        raw, error = _read_body(environ)
        if error is not None:
            return _reply(start_response, *error)
        try:
            activity = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return _reply(start_response, "400 Bad Request", "Body is not JSON")
        if not isinstance(activity, dict) or not isinstance(activity.get("type"), str):
            return _reply(start_response, "400 Bad Request", "Body is not an activity")
        if activity["type"] not in TEAMS_ACTIVITY_TYPES:
            # Teams expects 200 for an activity a bot does not act on, such as typing.
            logger.debug("Ignored a Teams activity of another type")
            return _reply(start_response, "200 OK", "")
        problem = _activity_problem(activity)
        if problem is not None:
            logger.warning("Rejected a Teams activity: %s", problem)
            return _reply(start_response, "400 Bad Request", f"Invalid activity: {problem}")
        headers = _headers(environ)
        try:
            status, body = self._teams.handle(activity, headers)
        except TimeoutError:
            logger.warning("A Teams activity was still being handled after the wait")
            return _reply(start_response, "503 Service Unavailable", "Busy, try again")
        payload = "" if body is None else json.dumps(body)
        content_type = "application/json" if body is not None else "text/plain"
        return _reply(start_response, f"{status} {_reason(status)}", payload, content_type)

    def _health(self, start_response: StartResponse) -> Iterable[bytes]:
        try:
            with self._db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            logger.exception("Health check could not reach the database")
            body = json.dumps({"status": "error", "database": "unreachable"})
            return _reply(start_response, "503 Service Unavailable", body, "application/json")
        return _reply(start_response, "200 OK", json.dumps({"status": "ok"}), "application/json")

    def _has_valid_signature(self, body: str, headers: dict[str, str]) -> bool:
        if self._verifier is None:
            return False
        try:
            return self._verifier.is_valid_request(body, headers)
        except (ValueError, TypeError):
            # slack_sdk parses the timestamp header with int(), so "abc" raises.
            return False

    def _slack(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        arrived = time.monotonic()
        raw, error = _read_body(environ)
        if error is not None:
            return _reply(start_response, *error)
        headers = _headers(environ)
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _reply(start_response, "400 Bad Request", "Body is not UTF-8")
        # The signature and its 5-minute timestamp window are checked before
        # the body is parsed, so no handler sees an unsigned or replayed request.
        if not self._has_valid_signature(body, headers):
            logger.warning("Rejected a request with an invalid or expired signature")
            return _reply(start_response, "401 Unauthorized", "Invalid signature")
        if not _is_parsable(body, headers.get("content-type", "")):
            logger.warning("Rejected a signed request with a malformed body")
            return _reply(start_response, "400 Bad Request", "Malformed body")
        query = environ.get("QUERY_STRING", "")
        try:
            bolt_headers: dict[str, str | Sequence[str]] = dict(headers)
            request = BoltRequest(body=body, query=query, headers=bolt_headers)
            response = self._dispatch(request, arrived=arrived)
        except (KeyError, TypeError, ValueError, AttributeError):
            # Bolt indexes payload fields it expects (a view's type, say) before
            # any listener runs, so a signed but incomplete payload fails here.
            logger.warning(
                "Rejected a signed request whose payload Bolt could not route", exc_info=True
            )
            return _reply(start_response, "400 Bad Request", "Malformed payload")
        status = f"{response.status} {_reason(response.status)}"
        payload = (response.body or "").encode("utf-8")
        response_headers = [
            (name, value) for name, values in response.headers.items() for value in values
        ]
        response_headers = [(n, v) for n, v in response_headers if n.lower() != "content-length"]
        response_headers.append(("Content-Length", str(len(payload))))
        start_response(status, response_headers)
        return [payload]

    def _dispatch(self, request: BoltRequest, *, arrived: float) -> BoltResponse:
        # Bolt acknowledges an event before its listener runs, so the front waits for the
        # listener. Listeners of commands and interactions call ack() themselves, those
        # that store something after storing it, and need no wait.
        assert self._bolt is not None
        if self._listeners is None or request.body.get("type") != "event_callback":
            return self._bolt.dispatch(request)
        with self._listeners.track() as listeners:
            response = self._bolt.dispatch(request)
        deadline = arrived + LISTENER_WAIT_SECONDS
        if not listeners.wait(deadline - time.monotonic()):
            logger.info(
                "Responded to a request whose listener was still running after %.1f s",
                LISTENER_WAIT_SECONDS,
            )
        return response


def _activity_problem(activity: dict[str, Any]) -> str | None:
    """Return what makes an activity unusable, or None when the Teams SDK can take it."""
    service_url = activity.get("serviceUrl")
    if not isinstance(service_url, str) or not service_url.startswith(("https://", "http://")):
        return "serviceUrl is missing or not an http(s) URL"
    for field in ("from", "conversation"):
        value = activity.get(field)
        if not isinstance(value, dict) or not isinstance(value.get("id"), str):
            return f"{field} is missing or has no id"
    if "text" in activity and not isinstance(activity["text"], str | None):
        return "text is not a string"
    if activity["type"] == "invoke" and not isinstance(activity.get("value"), dict | None):
        return "value of an invoke is not an object"
    return None


def _read_body(environ: dict[str, Any]) -> tuple[bytes, tuple[str, str] | None]:
    """Return the request body, or the status and text of the error response."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return b"", ("400 Bad Request", "Invalid Content-Length")
    if length > MAX_BODY_BYTES:
        return b"", ("413 Content Too Large", "Request body too large")
    return (environ["wsgi.input"].read(length) if length > 0 else b""), None


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {
        key[5:].replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    return headers


def _is_parsable(body: str, content_type: str) -> bool:
    """Return whether Bolt can parse and route the body.

    A JSON body must be an object, and an event callback's "event" an object
    with a type. A form body's "payload" field (interactions), when present,
    must be a JSON object with a type.
    """
    try:
        if content_type.startswith("application/json") or body.startswith("{"):
            envelope = json.loads(body)
            if not isinstance(envelope, dict):
                return False
            if envelope.get("type") == "event_callback":
                return _has_type(envelope.get("event"))
            return True
        form = parse_qs(body, keep_blank_values=True, strict_parsing=bool(body))
        if "payload" in form:
            return _has_type(json.loads(form["payload"][0]))
        return True
    except ValueError:
        return False


def _has_type(value: object) -> bool:
    return isinstance(value, dict) and isinstance(value.get("type"), str)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class QueueDepthLog:
    """A replacement for waitress's queue logger that logs a backlog once per interval.

    waitress 3.0 logs "Task queue depth is N" at WARNING for every request that
    arrives while all its threads are busy, from its I/O thread and holding its
    task queue's lock. Under load that is a line per request, and building and
    writing them took about 4% of the server's CPU time in tests.benchmarks.http_load
    (2 cores). This logs the number of such requests and the deepest queue instead.
    """

    def __init__(self, *, interval: float = QUEUE_LOG_INTERVAL_SECONDS) -> None:
        self._interval = interval
        self._since = time.monotonic()
        self._queued = 0
        self._deepest = 0

    def warning(self, _message: str, depth: int, *_args: object) -> None:
        """Count a request queued behind depth others, and log the counts after each interval."""
        self._queued += 1
        self._deepest = max(self._deepest, depth)
        now = time.monotonic()
        if now - self._since < self._interval:
            return
        logger.warning(
            "%d requests waited for a free server thread in the last %.0f s, at most %d at once",
            self._queued,
            now - self._since,
            self._deepest,
        )
        self._since, self._queued, self._deepest = now, 0, 0


def create_http_server(
    wsgi_app: BotWsgiApp,
    *,
    host: str,
    port: int,
    threads: int = 16,
    loop_timeout: float = 1.0,
) -> Any:
    """Create a waitress server for the app; call run() to serve and close() to stop.

    loop_timeout is how long waitress's loop waits for socket activity before it checks
    whether it was closed (its asyncore_loop_timeout), so close() can take that long.
    """
    server = create_server(
        wsgi_app,
        host=host,
        port=port,
        threads=threads,
        ident="staffvoice",
        asyncore_loop_timeout=loop_timeout,
    )
    # waitress calls queue_logger.warning(...) only while holding the dispatcher's lock,
    # so QueueDepthLog needs no lock of its own.
    server.task_dispatcher.queue_logger = QueueDepthLog()
    return server
