"""`staffvoice run`: serve Slack over HTTP or Socket Mode, with the scheduler, until stopped."""

from __future__ import annotations

import logging
import signal
from types import FrameType
from typing import Any

from bot.app import BotProcess, build_process
from bot.config import ConfigError, Settings
from bot.server import BotWsgiApp, create_http_server

logger = logging.getLogger(__name__)


class _StopServing(KeyboardInterrupt):
    """SIGTERM arrived: stop serving and shut down cleanly.

    It derives from KeyboardInterrupt because waitress (3.0) catches ordinary
    exceptions raised while it handles a connection and keeps serving, but
    re-raises KeyboardInterrupt.
    """


def _raise_stop(signum: int, _frame: FrameType | None) -> None:
    # Raising leaves the blocking serve call; closing sockets from inside the
    # handler would break the select() call it interrupted.
    raise _StopServing(signum)


def serve(settings: Settings, *, host: str, port: int) -> int:
    """Apply migrations, start the scheduler and serve until SIGTERM or Ctrl-C; return 0."""
    process = build_process(settings)
    process.start_background()
    signal.signal(signal.SIGTERM, _raise_stop)
    try:
        if settings.socket_mode and process.teams is None:
            _serve_socket_mode(process)
        elif settings.socket_mode:
            # Teams needs the HTTP server; Slack's Socket Mode connection runs beside it.
            handler = _start_socket_mode(process)
            try:
                _serve_http(process, host=host, port=port)
            finally:
                handler.close()
        else:
            _serve_http(process, host=host, port=port)
    finally:
        process.stop()
    return 0


def _start_socket_mode(process: BotProcess) -> Any:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    app_token = process.settings.slack_app_token
    assert app_token is not None and process.bolt is not None
    handler = SocketModeHandler(process.bolt, app_token.get_secret_value())
    logger.info("Connecting to Slack in Socket Mode")
    handler.connect()
    return handler


def _serve_socket_mode(process: BotProcess) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    app_token = process.settings.slack_app_token
    assert app_token is not None and process.bolt is not None
    handler = SocketModeHandler(process.bolt, app_token.get_secret_value())
    logger.info("Connecting to Slack in Socket Mode")
    try:
        handler.start()
    except (KeyboardInterrupt, _StopServing):
        logger.info("Closing the Socket Mode connection")
    finally:
        handler.close()


def _serve_http(process: BotProcess, *, host: str, port: int) -> None:
    signing_secret = process.settings.slack_signing_secret
    wsgi = BotWsgiApp(
        process.bolt if not process.settings.socket_mode else None,
        db=process.db,
        signing_secret=signing_secret.get_secret_value() if signing_secret else None,
        listeners=process.listeners,
        teams=process.teams,
    )
    try:
        server = create_http_server(wsgi, host=host, port=port)
    except (OSError, ValueError) as error:
        raise ConfigError(
            f"Cannot listen on {host}:{port} ({error}): choose another --port or --host"
        ) from None
    base = f"http://{host}:{server.effective_port}"
    if process.bolt is not None and not process.settings.socket_mode:
        logger.info("Serving Slack requests on %s/slack/events", base)
    if process.teams is not None:
        logger.info("Serving Teams activities on %s/api/messages", base)
    try:
        server.run()
    except (KeyboardInterrupt, _StopServing):
        logger.info("Stopping the HTTP server")
    finally:
        server.close()
