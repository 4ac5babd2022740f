"""The HTTP server under the local stand-ins of Slack's and Teams' APIs."""

from __future__ import annotations

import logging
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

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


class StandInRequestHandler(BaseHTTPRequestHandler):
    """The request handler base of the stand-ins: HTTP/1.1 keep-alive and body reading."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes, and Nagle's algorithm would delay the
    # second one on keep-alive connections.
    disable_nagle_algorithm = True
    timeout = IDLE_CONNECTION_TIMEOUT_SECONDS
    server: StandInServer

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked_body()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError(f"negative Content-Length: {length}")
        return self.rfile.read(length) if length else b""

    def _read_chunked_body(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size_line = self.rfile.readline(1024)
            size = int(size_line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                # Skip optional trailers up to the blank line that ends the body.
                while self.rfile.readline(1024).strip():
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)


class ServedStandIn:
    """Start, stop and port of a stand-in served by a StandInServer in a daemon thread.

    A subclass sets `server_name` (for logs and errors), returns its request handler
    class from _handler(), and calls ServedStandIn.__init__ before it is started.
    """

    server_name = "stand-in"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def __init__(self) -> None:
        self._server: StandInServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Return whether the stand-in is serving: started and not stopped."""
        return self._server is not None

    def start(self) -> Self:
        """Start serving on a free 127.0.0.1 port in a daemon thread."""
        if self._server is not None:
            raise RuntimeError(f"The {self.server_name} is already running")
        self._server = StandInServer(self, self._handler(), name=self.server_name)
        self._on_start()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self.server_name.replace(' ', '-').lower()}-{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.info("%s started on port %d", self.server_name, self.port)
        return self

    def _on_start(self) -> None:
        """Run once the server has its port, before it serves; for subclasses."""

    def stop(self) -> None:
        """Stop serving and close open connections. Recorded calls stay readable."""
        server, thread = self._server, self._thread
        if server is None:
            return
        port = self.port
        server.shutdown()
        server.server_close()
        server.close_open_connections()
        if thread is not None:
            thread.join()
        self._server = None
        self._thread = None
        logger.info("%s on port %d stopped", self.server_name, port)

    def __enter__(self) -> Self:
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
        """TCP port the running server listens on."""
        if self._server is None:
            raise RuntimeError(f"The {self.server_name} is not running; call start() first")
        return int(self._server.server_address[1])
