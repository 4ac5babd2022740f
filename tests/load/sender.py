"""Sends signed requests to the bot as Slack does, with Slack's retries for the Events API.

Slack waits 3 seconds for a response. When an Events API delivery fails (no connection,
no response within 3 seconds, or a status other than 2xx), Slack sends it again up to 3
times with the x-slack-retry-num and x-slack-retry-reason headers: at once, after 1
minute and after 5 minutes. The sender divides those waits by the run's speed. Slack
does not send slash commands or interactions again, so each of those gets one attempt.
NOTE: the retry schedule comes from a secondary summary of Slack's Events API page.
"""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from dataclasses import dataclass, field

from bot.simulate.signing import sign_request

SLACK_TIMEOUT_SECONDS = 3.0
SLACK_RETRY_DELAYS_SECONDS = (0.0, 60.0, 300.0)
# The shortest wait between attempts, so a retry never lands in the same instant.
MIN_RETRY_DELAY_SECONDS = 0.1
EVENTS_PATH = "/slack/events"


@dataclass(frozen=True)
class Delivery:
    """The outcome of one request with its retries: acknowledged means an HTTP 200 came back."""

    acknowledged: bool
    attempts: int
    status: int
    detail: str = ""


@dataclass
class SenderStats:
    """Counts and acknowledgement times of every attempt sent so far."""

    requests: int = 0
    attempts: int = 0
    acknowledged: int = 0
    retries: int = 0
    failed: int = 0
    ack_seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def percentile(self, share: float) -> float | None:
        """Return the acknowledgement time at a share (0.5 for the median), or None."""
        if len(self.ack_seconds) < 2:
            return self.ack_seconds[0] if self.ack_seconds else None
        cuts = statistics.quantiles(self.ack_seconds, n=100, method="inclusive")
        return cuts[round(share * 100) - 1]


class SlackSender:
    """Sends requests to one address from many threads, each thread over its own connection."""

    def __init__(self, *, port: int, signing_secret: str, speed: float) -> None:
        self._port = port
        self._signing_secret = signing_secret
        self._speed = speed
        self._local = threading.local()
        self._lock = threading.Lock()
        self.stats = SenderStats()

    def send(self, label: str, body: bytes, content_type: str, *, retried: bool) -> Delivery:
        """Send one request; with retried, as an Events API delivery that Slack retries."""
        with self._lock:
            self.stats.requests += 1
        retry_num: int | None = None
        reason = ""
        delays = SLACK_RETRY_DELAYS_SECONDS if retried else ()
        attempt = 0
        while True:
            attempt += 1
            status, detail = self._attempt(body, content_type, retry_num=retry_num, reason=reason)
            if 200 <= status < 300:
                return Delivery(acknowledged=status == 200, attempts=attempt, status=status)
            if retry_num is not None and retry_num >= len(delays) or not delays:
                break
            retry_num = 1 if retry_num is None else retry_num + 1
            reason = "http_error" if status else detail
            with self._lock:
                self.stats.retries += 1
            time.sleep(max(delays[retry_num - 1] / self._speed, MIN_RETRY_DELAY_SECONDS))
        with self._lock:
            self.stats.failed += 1
            self.stats.failures.append(f"{label}: {status or detail} after {attempt} attempts")
        return Delivery(acknowledged=False, attempts=attempt, status=status, detail=detail)

    def _attempt(
        self, body: bytes, content_type: str, *, retry_num: int | None, reason: str
    ) -> tuple[int, str]:
        """Send once; return the status, or 0 and Slack's retry reason when none came."""
        headers = sign_request(body, signing_secret=self._signing_secret)
        headers["Content-Type"] = content_type
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = reason
        started = time.monotonic()
        status, detail = self._exchange(body, headers)
        elapsed = time.monotonic() - started
        with self._lock:
            self.stats.attempts += 1
            if status == 200:
                self.stats.acknowledged += 1
                self.stats.ack_seconds.append(elapsed)
        return status, detail

    def _exchange(self, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        for fresh in (False, True):
            connection, reused = self._connection(fresh=fresh)
            try:
                connection.request("POST", EVENTS_PATH, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                return response.status, ""
            except TimeoutError:
                self._drop()
                return 0, "http_timeout"
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self._drop()
                # A kept-alive connection closed while idle never carried the request.
                if reused and not fresh:
                    continue
                return 0, "connection_failed"
            except (OSError, http.client.HTTPException):
                self._drop()
                return 0, "connection_failed"
        return 0, "connection_failed"

    def _connection(self, *, fresh: bool) -> tuple[http.client.HTTPConnection, bool]:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is not None and not fresh:
            return connection, True
        self._drop()
        connection = http.client.HTTPConnection(
            "127.0.0.1", self._port, timeout=SLACK_TIMEOUT_SECONDS
        )
        self._local.connection = connection
        return connection, False

    def _drop(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None
