"""Slack's side of OutboxSender: chat.postMessage, paced under Slack's rate limit for it.

Slack puts chat.postMessage in its "Special" rate-limit tier: "generally allows
posting one message per second per channel, while also maintaining a
workspace-wide limit", and "short bursts >1 allowed" with no guarantee that
they are delivered (https://api.slack.com/docs/rate-limits, also at
https://docs.slack.dev/apis/web-api/rate-limits).
Slack does not publish the workspace-wide number. The sender therefore keeps
to one message per second per channel and, by default, to the same
documented rate of one message per second in all, because direct messages to
many people go to many channels and meet only the workspace limit. At that
rate 5,000 direct messages take about 83 minutes. Each process paces itself,
so two bot processes together may send twice the rate.

Each message goes out with Slack message metadata naming its outbox id
(event type OUTBOX_EVENT_TYPE). After a crash, the outbox asks find_sent
whether a message it may have sent is in the recipient's conversation, and
the sender reads the newest HISTORY_LOOKBACK messages there with
conversations.history (Tier 3, about 50 calls a minute), opening the direct
message with conversations.open first. That needs the im:history scope for
direct messages and channels:history or groups:history for channels.

An HTTP 429 response is raised as RateLimited with the Retry-After seconds,
and this sender sends nothing more until they have passed. The WebClient must
not retry 429 responses itself, or it would wait and resend behind the outbox's back.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from http.client import HTTPException
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.core.errors import DeliveryFailed, RateLimited
from bot.core.outbox import OutboundMessage
from handlers.files import upload_to_direct_message
from handlers.pacing import Pacer
from handlers.platform import PLATFORM
from handlers.publisher import post_failure_hint

logger = logging.getLogger(__name__)

# NOTE: Slack publishes no workspace-wide number for chat.postMessage, so this
# default follows its documented one message per second. Raise it only after
# watching how often Slack responds with 429 in the workspace.
DEFAULT_MESSAGES_PER_SECOND = 1.0
DEFAULT_BURST = 1
# Slack's documented limit for posts to one channel, or to one person's direct messages.
CHANNEL_INTERVAL_SECONDS = 1.0
# The wait when a 429 response lacks a usable Retry-After header, because Slack's
# published limits are per minute.
DEFAULT_RETRY_AFTER_SECONDS = 60.0
# chat.postMessage errors (from Slack's reference for the method) that the same
# message meets again on every retry. Token and scope errors are left out: they
# affect every message and go away once the app is fixed, so those messages retry.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "invalid_arguments",
        "invalid_blocks",
        "invalid_blocks_format",
        "is_archived",
        "messages_tab_disabled",
        "msg_too_long",
        "no_text",
        "not_in_channel",
        "restricted_action",
        "restricted_action_read_only_channel",
        "too_many_attachments",
        "wrong_platform",
    }
)
# The metadata event type that marks a message sent from the outbox. Its payload
# contains the outbox id.
OUTBOX_EVENT_TYPE = "staffvoice_outbox_message"
# How many of a conversation's newest messages find_sent reads. A message looked
# for was sent at most a few lease lengths before, and the bot sends few
# messages to one person's direct messages in that time.
HISTORY_LOOKBACK = 100
# A conversation id (public or private channel, or direct message), as opposed to a user id.
CONVERSATION_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
# Channels whose pacing slot is older than this are forgotten, to bound memory.
_MAX_TRACKED_CHANNELS = 10_000


def retry_after_seconds(headers: dict[str, Any] | None) -> float:
    """Return the Retry-After seconds in a response's headers, or DEFAULT_RETRY_AFTER_SECONDS."""
    for name, value in (headers or {}).items():
        if name.lower() != "retry-after":
            continue
        if isinstance(value, list):
            value = value[0] if value else None
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            break
        if seconds >= 0:
            return seconds
        break
    return DEFAULT_RETRY_AFTER_SECONDS


class SlackOutboxSender:
    """Sends outbox messages with chat.postMessage; a user id as recipient opens the app DM."""

    def __init__(
        self,
        client: WebClient,
        *,
        messages_per_second: float | None = None,
        burst: int | None = None,
        channel_interval_seconds: float = CHANNEL_INTERVAL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        handlers = client.retry_handlers
        if any(isinstance(handler, RateLimitErrorRetryHandler) for handler in handlers):
            raise ValueError(
                "the outbox's WebClient retries HTTP 429 responses itself; build it with"
                " retry_handlers=[] so the outbox alone waits out Retry-After"
            )
        # The defaults are read here, not bound at import, so tests can change them.
        rate = DEFAULT_MESSAGES_PER_SECOND if messages_per_second is None else messages_per_second
        self._client = client
        self._pacer = Pacer(
            per_second=rate,
            burst=DEFAULT_BURST if burst is None else burst,
            monotonic=monotonic,
            sleep=sleep,
        )
        self._channel_interval = channel_interval_seconds
        self._monotonic = monotonic
        self._sleep = sleep
        self._channel_lock = threading.Lock()
        # The monotonic time from which each channel may take its next message.
        self._channel_free_at: dict[str, float] = {}

    @property
    def permanent_reasons(self) -> frozenset[str]:
        """Return the chat.postMessage errors that retrying cannot fix."""
        return PERMANENT_ERRORS

    def send(self, message: OutboundMessage) -> str:
        """Post a message once its pacing slots come; return its ts, or a file's id.

        A message with a file is uploaded to the recipient's direct message
        (see handlers.files), and any other is posted with chat.postMessage.
        """
        return self._send(message, outbox_id=None)

    def send_traced(self, message: OutboundMessage, *, outbox_id: int) -> str:
        """Post a message as send() does, with metadata naming its outbox id.

        A file upload carries no metadata, so find_sent cannot find it.
        """
        return self._send(message, outbox_id=outbox_id)

    def find_sent(self, message: OutboundMessage, *, outbox_id: int) -> str | None:
        """Return the ts of the message posted earlier with this outbox id, or None.

        A file message is never found, because its upload carries no metadata.
        When Slack responds with an error other than 429 the message is taken
        as not sent, so it is sent (perhaps a second time) rather than lost.
        """
        if message.file is not None:
            # TODO: a file message whose upload finished before a crash is uploaded again.
            return None
        try:
            channel = message.recipient
            if not CONVERSATION_ID.match(channel):
                opened = self._client.conversations_open(users=channel)
                channel = str(opened["channel"]["id"])
            history = self._client.conversations_history(
                channel=channel, limit=HISTORY_LOOKBACK, include_all_metadata=True
            )
        except SlackApiError as error:
            if error.response.status_code == 429:
                seconds = retry_after_seconds(error.response.headers)
                self._pacer.hold_off(seconds)
                raise RateLimited(seconds) from error
            logger.warning(
                "Looking for outbox message %s in Slack failed (%s); sending it",
                outbox_id,
                error.response.get("error"),
            )
            return None
        except (SlackClientError, HTTPException, OSError) as error:
            raise DeliveryFailed(
                f"Looking for a message to {message.recipient} failed: Slack could not be reached.",
                reason="connection_error",
            ) from error
        for earlier in history.get("messages") or []:
            metadata = earlier.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if (
                metadata.get("event_type") == OUTBOX_EVENT_TYPE
                and payload.get("outbox_id") == outbox_id
            ):
                return str(earlier["ts"])
        return None

    def _send(self, message: OutboundMessage, *, outbox_id: int | None) -> str:
        if message.platform != PLATFORM or message.card is not None:
            raise DeliveryFailed(
                f"Outbox message {message.dedupe_key} is not a Slack message.",
                reason="wrong_platform",
            )
        wait = max(self._reserve_channel(message.recipient), self._pacer.reserve())
        if wait > 0:
            self._sleep(wait)
        if message.file is not None:
            try:
                return upload_to_direct_message(
                    self._client,
                    message.recipient,
                    filename=message.file.name,
                    title=message.file.title,
                    content=message.file.content,
                    comment=message.text,
                )
            except RateLimited as error:
                self._pacer.hold_off(error.retry_after_seconds)
                raise
        arguments: dict[str, Any] = {"channel": message.recipient, "text": message.text}
        if message.blocks is not None:
            arguments["blocks"] = message.blocks
        if outbox_id is not None:
            arguments["metadata"] = {
                "event_type": OUTBOX_EVENT_TYPE,
                "event_payload": {"outbox_id": outbox_id},
            }
        try:
            response = self._client.chat_postMessage(
                **arguments, unfurl_links=False, unfurl_media=False
            )
        except SlackApiError as error:
            if error.response.status_code == 429:
                seconds = retry_after_seconds(error.response.headers)
                self._pacer.hold_off(seconds)
                raise RateLimited(seconds) from error
            reason = str(error.response.get("error") or "unknown_error")
            raise DeliveryFailed(
                f"Sending a message to {message.recipient} failed: {post_failure_hint(reason)}.",
                reason=reason,
            ) from error
        except (SlackClientError, HTTPException, OSError) as error:
            # Timeouts are OSErrors too. Slack may have posted the message before
            # the connection failed, so a retry can repeat it.
            logger.warning("chat.postMessage to %s failed to connect: %s", message.recipient, error)
            raise DeliveryFailed(
                f"Sending a message to {message.recipient} failed: Slack could not be reached.",
                reason="connection_error",
            ) from error
        return str(response["ts"])

    def _reserve_channel(self, channel: str) -> float:
        with self._channel_lock:
            now = self._monotonic()
            if len(self._channel_free_at) >= _MAX_TRACKED_CHANNELS:
                self._channel_free_at = {
                    key: free_at for key, free_at in self._channel_free_at.items() if free_at > now
                }
            free_at = max(self._channel_free_at.get(channel, now), now)
            self._channel_free_at[channel] = free_at + self._channel_interval
            return free_at - now
