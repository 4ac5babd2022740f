"""`staffvoice run`: serve Slack over HTTP or Socket Mode, with the scheduler, until stopped."""

from __future__ import annotations

import logging
import signal
from types import FrameType

from bot.app import BotProcess, build_process
from bot.config import ConfigError, Settings
from bot.server import SlackWsgiApp, create_http_server

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
        if settings.socket_mode:
            _serve_socket_mode(process)
        else:
            _serve_http(process, host=host, port=port)
    finally:
        process.stop()
    return 0


def _serve_socket_mode(process: BotProcess) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    app_token = process.settings.slack_app_token
    assert app_token is not None
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
    assert signing_secret is not None
    wsgi = SlackWsgiApp(
        process.bolt,
        db=process.db,
        signing_secret=signing_secret.get_secret_value(),
        listeners=process.listeners,
    )
    try:
        server = create_http_server(wsgi, host=host, port=port)
    except (OSError, ValueError) as error:
        raise ConfigError(
            f"Cannot listen on {host}:{port} ({error}): choose another --port or --host"
        ) from None
    logger.info("Serving Slack requests on http://%s:%s/slack/events", host, server.effective_port)
    try:
        server.run()
    except (KeyboardInterrupt, _StopServing):
        logger.info("Stopping the HTTP server")
    finally:
        server.close()
