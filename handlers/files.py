"""File uploads to a person's direct message with the bot, with Slack's external upload API.

WebClient.files_upload_v2 calls files.getUploadURLExternal, posts the bytes to
the URL it returns, and shares the file with files.completeUploadExternal.
That last method takes only a conversation id (C, G, D or Z) as channel_id,
so the direct message is opened first with conversations.open. Opening it
needs the im:write scope, and the upload needs files:write.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.core.errors import DeliveryFailed, RateLimited

logger = logging.getLogger(__name__)


def open_direct_message(client: WebClient, user_id: str) -> str:
    """Return the id of the bot's direct message conversation with a user, opening it if needed.

    Raises DeliveryFailed or RateLimited as upload_to_direct_message does.
    """
    try:
        response = client.conversations_open(users=user_id)
    except SlackApiError as error:
        raise _failure(error, action=f"Opening a direct message with {user_id}") from error
    return str(response["channel"]["id"])


def upload_to_direct_message(
    client: WebClient,
    user_id: str,
    *,
    filename: str,
    title: str,
    content: bytes,
    comment: str | None = None,
) -> str:
    """Upload a file to a user's direct message with the bot and return the file id.

    comment is posted with the file as its message text. Raises RateLimited on
    an HTTP 429 response, and DeliveryFailed with Slack's error code as reason
    on any other failure.
    """
    channel_id = open_direct_message(client, user_id)
    try:
        response = client.files_upload_v2(
            channel=channel_id,
            filename=filename,
            title=title,
            content=content,
            initial_comment=comment,
        )
    except SlackApiError as error:
        raise _failure(error, action=f"Uploading {filename} to {user_id}") from error
    except (SlackClientError, OSError) as error:
        # A failed post of the bytes to the upload URL raises SlackRequestError
        # (a SlackClientError) or an HTTPError from urllib (an OSError).
        logger.warning("Uploading a file to %s failed: %s", user_id, error)
        raise DeliveryFailed(
            f"Uploading {filename} to {user_id} failed: Slack could not be reached.",
            reason="connection_error",
        ) from error
    file_id = str(response["file"]["id"])
    logger.info(
        "Uploaded file %s (%d bytes) to the direct message of %s", file_id, len(content), user_id
    )
    return file_id


def _failure(error: SlackApiError, *, action: str) -> DeliveryFailed | RateLimited:
    if error.response.status_code == 429:
        # Imported here because handlers.outbox_sender imports this module.
        from handlers.outbox_sender import retry_after_seconds

        return RateLimited(retry_after_seconds(error.response.headers))
    reason = str(error.response.get("error") or "unknown_error")
    return DeliveryFailed(f"{action} failed: Slack answered {reason}.", reason=reason)
