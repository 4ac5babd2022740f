"""The one place listener errors become messages: domain errors as written, others as an apology."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.core.errors import InvalidInput, NotFound, PermissionDenied, StaffvoiceError
from handlers import replies

logger = logging.getLogger(__name__)


def request_ids(body: dict[str, Any]) -> dict[str, str | None]:
    """Pick the ids that identify a request in the logs, whatever its kind."""
    event = body.get("event") or {}
    user = body.get("user")
    user_id = user.get("id") if isinstance(user, dict) else body.get("user_id") or event.get("user")
    team = body.get("team")
    team_id = team.get("id") if isinstance(team, dict) else body.get("team_id")
    channel = body.get("channel")
    channel_id = (
        channel.get("id")
        if isinstance(channel, dict)
        else body.get("channel_id")
        or event.get("channel")
        or (event.get("item") or {}).get("channel")
    )
    return {
        "type": event.get("type") or body.get("command") or body.get("type"),
        "team": team_id,
        "user": user_id,
        "channel": channel_id,
        "event": body.get("event_id"),
    }


@contextmanager
def reported(*, ack: Ack, body: dict[str, Any], client: WebClient) -> Iterator[None]:
    """Turn an error in a command, action or view listener into a logged error and a reply.

    Bolt (1.30) withdraws the acknowledgement of a listener that raises after
    calling ack(), so Slack would get a 404 instead of the 200 already due;
    catching the error here keeps the acknowledgement. A listener that fails
    before acknowledging is acknowledged here, so Slack does not wait 3 seconds.
    """
    try:
        yield
    except Exception as error:
        if ack.response is None:
            ack()
        listener_error(error, body=body, client=client)


def register(app: App) -> None:
    """Register the error handler for every listener."""

    @app.error
    def handle_listener_error(error: Exception, body: dict[str, Any], client: WebClient) -> None:
        listener_error(error, body=body, client=client)


def listener_error(error: Exception, *, body: dict[str, Any], client: WebClient) -> None:
    """Log a listener's error with the request's ids and tell the user what happened."""
    ids = request_ids(body)
    # The user id stays out of the log, because beside a request on an anonymous post it
    # would identify the author. The reference in the reply lets the person point to the entry.
    logged = {key: value for key, value in ids.items() if key != "user"}
    if isinstance(error, (InvalidInput, NotFound, PermissionDenied)):
        # The reply says what to change, so this is expected input, not a fault of the bot.
        logger.info("Request %s rejected with %s", logged, error.code)
        text = error.user_message
    elif isinstance(error, StaffvoiceError):
        logger.warning("Request %s failed with %s", logged, error.code)
        text = error.user_message
    else:
        reference = uuid.uuid4().hex[:8]
        logger.error("Request %s failed, reference %s", logged, reference, exc_info=error)
        text = replies.apology(reference)
    try:
        _tell_user(body, ids, client=client, text=text)
    except (SlackApiError, OSError):
        logger.exception("Could not tell the user about the failed request %s", logged)


def _tell_user(
    body: dict[str, Any], ids: dict[str, str | None], *, client: WebClient, text: str
) -> None:
    response_url = body.get("response_url")
    if response_url:
        WebhookClient(response_url).send(
            text=text, response_type="ephemeral", replace_original=False
        )
    elif ids["channel"] and ids["user"]:
        client.chat_postEphemeral(channel=ids["channel"], user=ids["user"], text=text)
    elif ids["user"] and body.get("type") in ("view_submission", "block_actions"):
        # A modal, or a button on the Home tab, has neither a response URL nor a channel.
        client.chat_postMessage(channel=ids["user"], text=text)
