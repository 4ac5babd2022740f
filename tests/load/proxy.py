"""A round-robin HTTP proxy on 127.0.0.1 that puts several bot processes behind one address.

Each request goes to the next backend in turn. A backend that refuses the connection
is skipped and the next one tried, as a load balancer does with a stopped upstream,
because no byte of the request reached it. A backend that fails after the request
was sent (killed, reset, timed out) makes the proxy respond with 502, since the request may
have had an effect, and the sender decides whether to retry.
"""

from __future__ import annotations

import http.client
import itertools
import logging
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

logger = logging.getLogger(__name__)

# Longer than any wait the bot's HTTP front makes, so a slow response still comes through.
BACKEND_TIMEOUT_SECONDS = 30.0
# Closes a client's kept-alive connection after this long without a request.
IDLE_TIMEOUT_SECONDS = 60.0
# Headers that concern one hop only and are not forwarded.
_HOP_HEADERS = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length"})


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, proxy: RoundRobinProxy) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.proxy = proxy


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_SECONDS
    server: _ProxyServer

    def do_POST(self) -> None:
        self._forward()

    def do_GET(self) -> None:
        self._forward()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s", format % args)

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {
            name: value for name, value in self.headers.items() if name.lower() not in _HOP_HEADERS
        }
        status, response_headers, payload = self.server.proxy.forward(
            self.command, self.path, body=body, headers=headers
        )
        self.send_response(status)
        for name, value in response_headers:
            if name.lower() not in _HOP_HEADERS:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class RoundRobinProxy:
    """Forwards each request to the next of the backend ports; start() before use."""

    def __init__(self, backend_ports: Sequence[int]) -> None:
        if not backend_ports:
            raise ValueError("the proxy needs at least one backend port")
        self._ports = list(backend_ports)
        self._turn = itertools.count()
        self._lock = threading.Lock()
        self._server: _ProxyServer | None = None
        self._thread: threading.Thread | None = None
        self.skipped = 0
        self._in_flight = dict.fromkeys(self._ports, 0)

    @property
    def port(self) -> int:
        """Return the port the proxy listens on."""
        if self._server is None:
            raise RuntimeError("the proxy is not running; call start() first")
        return int(self._server.server_address[1])

    def in_flight(self, port: int) -> int:
        """Return how many requests the backend on port is handling for the proxy now."""
        with self._lock:
            return self._in_flight[port]

    def start(self) -> RoundRobinProxy:
        """Listen on a free 127.0.0.1 port and serve from a daemon thread."""
        self._server = _ProxyServer(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="load-proxy",
            daemon=True,
        )
        self._thread.start()
        logger.info("Proxy on port %d in front of ports %s", self.port, self._ports)
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None

    def forward(
        self, method: str, path: str, *, body: bytes, headers: dict[str, str]
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """Send one request to the next backend that accepts a connection; return its answer."""
        with self._lock:
            first = next(self._turn)
        for offset in range(len(self._ports)):
            port = self._ports[(first + offset) % len(self._ports)]
            connection = http.client.HTTPConnection(
                "127.0.0.1", port, timeout=BACKEND_TIMEOUT_SECONDS
            )
            try:
                connection.connect()
            except OSError:
                connection.close()
                with self._lock:
                    self.skipped += 1
                continue
            with self._lock:
                self._in_flight[port] += 1
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                return response.status, response.getheaders(), response.read()
            except (OSError, http.client.HTTPException) as error:
                logger.info("Backend on port %d failed during a request: %r", port, error)
                return 502, [("Content-Type", "text/plain")], b"Backend failed"
            finally:
                connection.close()
                with self._lock:
                    self._in_flight[port] -= 1
        return 502, [("Content-Type", "text/plain")], b"No backend accepted the connection"
