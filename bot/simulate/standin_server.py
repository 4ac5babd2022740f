"""The HTTP server under the local stand-ins of Slack's and Teams' APIs."""

from __future__ import annotations

import logging
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

logger = logging.getLogger(__name__)

# socketserver's default backlog of 5 drops connections when many clients connect at once.
LISTEN_BACKLOG = 256
IDLE_CONNECTION_TIMEOUT_SECONDS = 60.0


class StandInServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that tracks open connections so stop() can close idle keep-alive ones.

    `standin` is the stand-in object its request handlers serve.
    """

    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, standin: Any, handler: type[BaseHTTPRequestHandler], *, name: str) -> None:
        self.standin = standin
        self._name = name
        self._open_connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._open_connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._open_connections.discard(request)
        super().shutdown_request(request)

    def close_open_connections(self) -> None:
        """Shut down every open connection, so idle keep-alive clients do not hold stop()."""
        with self._connections_lock:
            connections = list(self._open_connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # The client already closed it.

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The default handler prints a traceback to stderr, but clients that hang up are routine.
        error = sys.exc_info()[1]
        logger.debug("%s connection from %s failed: %r", self._name, client_address, error)
