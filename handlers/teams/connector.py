"""The Bot Connector API for threads: send, reply, update and start chats, paced and retried.

Calls go through the Teams SDK's API client, on the LoopRunner's event loop. Teams
limits how fast a bot may send to one conversation, so the connector waits before a
send that would pass a published limit. On a 429 it waits for the Retry-After time and
tries again, up to MAX_ATTEMPTS times, before raising RateLimited.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from microsoft_teams.api import Account, ApiClient
from microsoft_teams.api.activities.message.message import MessageActivityInput
from microsoft_teams.api.clients.conversation.params import CreateConversationParams
from microsoft_teams.api.models.attachment.attachment import Attachment

from bot.core.errors import DeliveryFailed, RateLimited
from handlers.teams.runner import LoopRunner

logger = logging.getLogger(__name__)

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
# Teams' limits for one bot sending to one conversation: (messages, seconds).
CONVERSATION_LIMITS = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
MAX_ATTEMPTS = 4
# The wait after a 429 that names none, doubled after each further 429.
DEFAULT_RETRY_SECONDS = 1.0
REQUEST_TIMEOUT_SECONDS = 30.0


class ConversationPacer:
    """Waits before a send that would pass one of a conversation's rate limits."""

    def __init__(
        self,
        limits: tuple[tuple[int, float], ...] = CONVERSATION_LIMITS,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._limits = limits
        self._window = max(seconds for _count, seconds in limits) if limits else 0.0
        self._sent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._monotonic = monotonic
        self._sleep = sleep

    def wait_turn(self, conversation_id: str) -> float:
        """Block until a message to the conversation keeps within its limits; return the wait."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._monotonic()
                sent = self._sent.setdefault(conversation_id, deque())
                while sent and now - sent[0] >= self._window:
                    sent.popleft()
                delay = self._delay(sent, now)
                if delay <= 0:
                    sent.append(now)
                    return waited
            self._sleep(delay)
            waited += delay

    def _delay(self, sent: deque[float], now: float) -> float:
        delay = 0.0
        for count, seconds in self._limits:
            recent = [at for at in sent if now - at < seconds]
            if len(recent) >= count:
                delay = max(delay, recent[-count] + seconds - now)
        return delay


def card_activity(card: Mapping[str, Any]) -> MessageActivityInput:
    """Return a message activity that shows an Adaptive Card."""
    return MessageActivityInput(
        attachments=[Attachment(content_type=ADAPTIVE_CARD, content=dict(card))]
    )


def text_activity(text: str) -> MessageActivityInput:
    """Return a plain message activity."""
    return MessageActivityInput(text=text)


class TeamsConnector:
    """Sends to Teams conversations from any thread."""

    def __init__(
        self,
        runner: LoopRunner,
        client_for: Callable[[str], ApiClient],
        *,
        bot_id: str,
        pacer: ConversationPacer | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """client_for returns the SDK's API client for a service URL."""
        self._runner = runner
        self._client_for = client_for
        self._bot_id = bot_id
        self._pacer = pacer or ConversationPacer()
        self._sleep = sleep

    def use_pacer(self, pacer: ConversationPacer) -> None:
        """Pace the sends from now on with another pacer, such as one with other limits."""
        self._pacer = pacer

    def send(self, service_url: str, conversation_id: str, activity: MessageActivityInput) -> str:
        """Post a new message in a conversation and return its activity id."""
        client = self._client_for(service_url)
        sent = self._call(
            conversation_id,
            lambda: client.conversations.create_activity(conversation_id, activity),
            what="send",
        )
        return str(sent.id)

    def reply(
        self,
        service_url: str,
        conversation_id: str,
        activity_id: str,
        activity: MessageActivityInput,
    ) -> str:
        """Post a message in the reply chain of a channel message and return its id."""
        client = self._client_for(service_url)
        sent = self._call(
            conversation_id,
            lambda: client.conversations.reply_to_activity(conversation_id, activity_id, activity),
            what="reply",
        )
        return str(sent.id)

    def update(
        self,
        service_url: str,
        conversation_id: str,
        activity_id: str,
        activity: MessageActivityInput,
    ) -> None:
        """Replace a message the bot posted."""
        client = self._client_for(service_url)
        self._call(
            conversation_id,
            lambda: client.conversations.update_activity(conversation_id, activity_id, activity),
            what="update",
        )

    def start_personal_chat(self, service_url: str, *, tenant_id: str, member_id: str) -> str:
        """Start (or find) the bot's chat with a person and return its conversation id."""
        client = self._client_for(service_url)
        params = CreateConversationParams(
            members=[Account(id=member_id)],
            tenant_id=tenant_id,
            channel_data={"tenant": {"id": tenant_id}},
        )
        resource = self._call(
            f"create:{member_id}", lambda: client.conversations.create(params), what="create"
        )
        return str(resource.id)

    def _call(self, conversation_id: str, make: Callable[[], Any], *, what: str) -> Any:
        delay = DEFAULT_RETRY_SECONDS
        for attempt in range(1, MAX_ATTEMPTS + 1):
            self._pacer.wait_turn(conversation_id)
            try:
                return self._runner.run(make(), timeout=REQUEST_TIMEOUT_SECONDS)
            except httpx.HTTPStatusError as error:
                status = error.response.status_code
                if status == 429 or status >= 500:
                    wait = _retry_after(error.response) or delay
                    if attempt == MAX_ATTEMPTS:
                        if status == 429:
                            raise RateLimited(wait) from None
                        raise DeliveryFailed(
                            "Teams did not accept the message; it will be tried again.",
                            reason=f"http_{status}",
                        ) from None
                    logger.info(
                        "Teams returned %s to a %s; trying again in %.1f s (attempt %d)",
                        status,
                        what,
                        wait,
                        attempt,
                    )
                    self._sleep(wait)
                    delay *= 2
                    continue
                raise DeliveryFailed(
                    f"Teams rejected the {what} ({status}).", reason=_error_code(error.response)
                ) from None
            except (httpx.TransportError, TimeoutError) as error:
                if attempt == MAX_ATTEMPTS:
                    raise DeliveryFailed(
                        "Could not reach Teams; the message will be tried again.",
                        reason="connection_failed",
                    ) from error
                self._sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _error_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"http_{response.status_code}"
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return str(code) if code else f"http_{response.status_code}"
