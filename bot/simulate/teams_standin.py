"""A local HTTP stand-in for the Bot Framework Bot Connector REST API as Microsoft Teams serves it.

Point the Teams SDK's ``ApiClient(standin.service_url)`` at it, or put ``standin.service_url``
in the serviceUrl of the activities a test sends to the bot. It returns JSON shaped like Teams'
responses to the conversation and member operations, keeps the activities the bot posted,
applies Teams' published rate limits, and records every request for tests to read.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote, urlsplit

from bot.simulate.standin_server import ServedStandIn, StandInRequestHandler

logger = logging.getLogger(__name__)

# Identity of the simulated tenant and bot. Activity builders use the same values, so the
# activities a test sends look as if they came from the tenant this stand-in serves.
TENANT_ID = "8c2f6a3e-5b1d-4e7a-9f0c-2d4b6e8a1c3f"
BOT_APP_ID = "3f9e1b7c-2a4d-4c6e-8b0f-1a3c5e7d9b2a"
# Teams addresses a bot as "28:" followed by its app id.
BOT_ID = f"28:{BOT_APP_ID}"
BOT_NAME = "StaffVoice"

# Teams service URLs have a path after the host (https://smba.trafficmanager.net/teams/), so
# the stand-in serves under one too. A client that joins URLs in a way that drops the path
# gets 404 here as it would from Teams.
SERVICE_PATH = "/teams/"

ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

# Rate limits as (window in seconds, maximum operations in the window), from Microsoft's
# "Optimize your bot with rate limiting in Teams" (learn.microsoft.com/microsoftteams/platform/
# bots/how-to/rate-limit). The page calls them estimates that are subject to change.
RateLimits = tuple[tuple[float, int], ...]
# Per bot per thread, where a thread is a personal chat, a group chat or a team channel.
SEND_LIMITS: RateLimits = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))
CREATE_CONVERSATION_LIMITS: RateLimits = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))
GET_MEMBERS_LIMITS: RateLimits = ((1.0, 14), (2.0, 16), (30.0, 120), (3600.0, 3600))
# The same page gives a global limit of 50 requests per second per app per tenant (earlier
# versions of the page gave 30). The stand-in serves one app in one tenant, so it applies to
# every call.
APP_LIMITS: RateLimits = ((1.0, 50),)

# Teams rejects a bot message over about 100 KB, counted in UTF-16, with 413 MessageSizeTooBig
# (the message size limit in Microsoft's Teams platform docs).
# NOTE: Teams leaves base64 images out of that count and the stand-in does not.
MAX_MESSAGE_BYTES_UTF16 = 100 * 1024

# The error codes Teams documents for each status, in the "Status codes from bot conversational
# APIs" table of its page on sending and receiving messages. Teams documents no code for 503
# and 504, so those two names are the stand-in's own.
ERROR_CODES: dict[int, str] = {
    400: "BadArgument",
    401: "BotNotRegistered",
    403: "BotNotInConversationRoster",
    404: "ConversationNotFound",
    412: "PreconditionFailed",
    413: "MessageSizeTooBig",
    429: "Throttled",
    500: "ServiceError",
    502: "ServiceError",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}

_MESSAGE_ID_SUFFIX = ";messageid="


class Operation(StrEnum):
    """A Bot Connector operation, as recorded for each request."""

    CREATE_CONVERSATION = "create_conversation"
    SEND = "send"
    REPLY = "reply"
    UPDATE = "update"
    DELETE = "delete"
    GET_MEMBERS = "get_members"
    GET_MEMBER = "get_member"
    UNKNOWN = "unknown"


# Operations that post a new activity to a conversation.
POSTING_OPERATIONS = frozenset({Operation.SEND, Operation.REPLY, Operation.CREATE_CONVERSATION})


@dataclass(frozen=True)
class ConnectorCall:
    """One request the stand-in received.

    ``conversation_id`` is the conversation without any ";messageid=" suffix, and
    ``thread_id`` the root message id of the channel reply chain the activity went to
    (taken from that suffix), or None for a top-level message. ``activity_id`` is the id of
    the activity posted, replied to with the reply route, updated or deleted. ``activity`` is
    the JSON body as received. ``at`` is ``time.monotonic()`` on arrival and ``status`` the
    HTTP status returned, with ``error_code`` the code of an error response.
    ``bearer_token`` is whether an ``Authorization: Bearer`` header came; the stand-in never
    checks or stores the token itself.
    """

    operation: Operation
    method: str
    conversation_id: str | None
    activity_id: str | None
    reply_to_id: str | None
    thread_id: str | None
    activity: dict[str, Any] | None
    at: float
    status: int
    error_code: str | None
    bearer_token: bool

    @property
    def accepted(self) -> bool:
        """Whether the stand-in returned a 2xx status."""
        return 200 <= self.status < 300


class _ConnectorError(Exception):
    """An error to return as Bot Connector's ErrorResponse: {"error": {"code", "message"}}."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or ERROR_CODES.get(
            status, "ServiceError" if status >= 500 else "BadArgument"
        )
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


def split_conversation_id(conversation_id: str) -> tuple[str, str | None]:
    """Split a channel conversation id into the channel id and the reply chain's root message id.

    "19:abc@thread.tacv2;messageid=1712" becomes ("19:abc@thread.tacv2", "1712"); an id
    without the suffix comes back unchanged with None.
    """
    base, separator, message_id = conversation_id.partition(_MESSAGE_ID_SUFFIX)
    if not separator or not message_id:
        return base, None
    return base, message_id


def personal_conversation_id(user_id: str, *, tenant_id: str = TENANT_ID) -> str:
    """Return the id of the bot's personal chat with a user, the same on every call as in Teams.

    Teams personal conversation ids start with "a:" followed by an opaque string.
    """
    digest = hashlib.sha256(f"{tenant_id}|{user_id}".encode()).digest()
    return "a:1" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _unknown_route(path: str) -> _ConnectorError:
    return _ConnectorError(
        404,
        f"No Bot Connector resource at {path}. Routes start with {SERVICE_PATH}v3/conversations.",
        code="NotFound",
    )


@dataclass(frozen=True)
class _Route:
    operation: Operation
    conversation_id: str | None = None
    activity_id: str | None = None
    member_id: str | None = None


def _route(method: str, path: str) -> _Route:
    """Match a request path under SERVICE_PATH to an operation, or raise 404 or 405.

    Teams documents no error code for unknown routes, so NotFound and MethodNotAllowed are
    the stand-in's own.
    """
    if not path.startswith(SERVICE_PATH):
        raise _unknown_route(path)
    parts = [unquote(part) for part in path[len(SERVICE_PATH) :].split("/")]
    if parts and parts[-1] == "":
        parts.pop()
    if len(parts) < 2 or parts[0] != "v3" or parts[1] != "conversations" or "" in parts:
        raise _unknown_route(path)

    rest = parts[2:]
    allowed: dict[str, _Route]
    if not rest:
        allowed = {"POST": _Route(Operation.CREATE_CONVERSATION)}
    elif len(rest) == 2 and rest[1] == "activities":
        allowed = {"POST": _Route(Operation.SEND, rest[0])}
    elif len(rest) == 3 and rest[1] == "activities":
        allowed = {
            "POST": _Route(Operation.REPLY, rest[0], activity_id=rest[2]),
            "PUT": _Route(Operation.UPDATE, rest[0], activity_id=rest[2]),
            "DELETE": _Route(Operation.DELETE, rest[0], activity_id=rest[2]),
        }
    elif len(rest) == 2 and rest[1] == "members":
        allowed = {"GET": _Route(Operation.GET_MEMBERS, rest[0])}
    elif len(rest) == 3 and rest[1] == "members":
        allowed = {"GET": _Route(Operation.GET_MEMBER, rest[0], member_id=rest[2])}
    else:
        raise _unknown_route(path)

    if method not in allowed:
        raise _ConnectorError(
            405,
            f"{method} is not supported on {path}. Use {', '.join(sorted(allowed))}.",
            code="MethodNotAllowed",
            headers={"Allow": ", ".join(sorted(allowed))},
        )
    return allowed[method]


def _parse_json_object(body: bytes) -> dict[str, Any]:
    try:
        decoded = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise _ConnectorError(
            400, f"The request body is not valid JSON: {error}.", code="BadSyntax"
        ) from error
    if not isinstance(decoded, dict):
        raise _ConnectorError(400, "The request body must be a JSON object.", code="BadSyntax")
    return decoded


def _validate_activity(activity: dict[str, Any]) -> None:
    """Reject an activity Teams would reject: no type, an empty message, or over the size limit."""
    activity_type = activity.get("type")
    if not isinstance(activity_type, str) or not activity_type.strip():
        raise _ConnectorError(400, "The activity has no type.", code="BadSyntax")
    attachments = activity.get("attachments")
    if attachments is not None and not isinstance(attachments, list):
        raise _ConnectorError(400, "The activity's attachments must be a list.")
    text = activity.get("text")
    if (
        activity_type == "message"
        and not (isinstance(text, str) and text.strip())
        and not attachments
    ):
        raise _ConnectorError(
            400, "A message activity needs non-empty text or at least one attachment."
        )
    size = len(json.dumps(activity, ensure_ascii=False).encode("utf-16-le"))
    if size > MAX_MESSAGE_BYTES_UTF16:
        raise _ConnectorError(
            413, f"The message is {size} bytes in UTF-16, over {MAX_MESSAGE_BYTES_UTF16}."
        )


def _adaptive_card(activity: dict[str, Any]) -> dict[str, Any] | None:
    attachments = activity.get("attachments")
    if not isinstance(attachments, list):
        return None
    for attachment in attachments:
        if (
            isinstance(attachment, dict)
            and attachment.get("contentType") == ADAPTIVE_CARD_CONTENT_TYPE
            and isinstance(attachment.get("content"), dict)
        ):
            return attachment["content"]
    return None


@dataclass
class _StoredActivity:
    activity: dict[str, Any]
    thread_id: str | None
    deleted: bool = False


@dataclass(frozen=True)
class _CreateRequest:
    """A validated create-conversation body and the conversation it creates or reuses."""

    conversation_id: str
    tenant_id: str
    member: dict[str, Any] | None
    channel_id: str | None
    activity: dict[str, Any] | None


@dataclass
class _Outcome:
    """The result of an operation: the response status and body, and the ids to record."""

    status: int
    body: dict[str, Any] | list[Any] | None
    conversation_id: str | None = None
    activity_id: str | None = None


class _Conversations:
    """Activities, members and personal chats of the simulated tenant.

    It is not thread-safe, so TeamsStandIn calls it only while holding its lock.
    """

    def __init__(self) -> None:
        # Activities by conversation id (without ";messageid="), then by activity id, in
        # the order they were posted.
        self.activities: dict[str, dict[str, _StoredActivity]] = {}
        self.members: dict[str, dict[str, dict[str, Any]]] = {}
        # Personal chat ids by (tenant id, user id).
        self.personal: dict[tuple[str, str], str] = {}
        self._last_activity_id = 0

    def next_activity_id(self) -> str:
        """Return an activity id: milliseconds since the epoch, as Teams uses, unique and rising."""
        self._last_activity_id = max(time.time_ns() // 1_000_000, self._last_activity_id + 1)
        return str(self._last_activity_id)

    def parse_create(self, body: dict[str, Any]) -> _CreateRequest:
        """Validate a create-conversation body and resolve the conversation it addresses."""
        channel_data = body.get("channelData")
        if channel_data is not None and not isinstance(channel_data, dict):
            raise _ConnectorError(400, "channelData must be an object.")
        channel_data = channel_data or {}
        tenant = channel_data.get("tenant")
        tenant_id = body.get("tenantId") or (tenant.get("id") if isinstance(tenant, dict) else None)
        if not isinstance(tenant_id, str) or not tenant_id:
            raise _ConnectorError(
                400, "A tenant id is required. Set tenantId or channelData.tenant.id."
            )

        activity = body.get("activity")
        if activity is not None:
            if not isinstance(activity, dict):
                raise _ConnectorError(400, "activity must be an object.", code="BadSyntax")
            _validate_activity(activity)

        channel = channel_data.get("channel")
        channel_id = channel.get("id") if isinstance(channel, dict) else None
        if body.get("isGroup"):
            # Teams cannot create group chats or channels this way, only a new post in a
            # channel the bot is installed in.
            if not isinstance(channel_id, str) or not channel_id:
                raise _ConnectorError(
                    400, "A group conversation needs channelData.channel.id of a team channel."
                )
            if activity is None:
                raise _ConnectorError(400, "A new channel post needs an activity to post.")
            return _CreateRequest(channel_id, tenant_id, None, channel_id, activity)

        members = body.get("members")
        if not isinstance(members, list) or len(members) != 1:
            raise _ConnectorError(400, "A personal conversation needs exactly one member.")
        member = members[0]
        member_id = member.get("id") if isinstance(member, dict) else None
        if not isinstance(member_id, str) or not member_id:
            raise _ConnectorError(400, "Each member needs a non-empty id.")
        conversation_id = personal_conversation_id(member_id, tenant_id=tenant_id)
        return _CreateRequest(conversation_id, tenant_id, member, None, activity)

    def create(self, request: _CreateRequest) -> _Outcome:
        response: dict[str, Any]
        if request.channel_id is not None:
            assert request.activity is not None
            post_id = self.post(request.channel_id, None, request.activity)
            response = {
                "id": f"{request.channel_id}{_MESSAGE_ID_SUFFIX}{post_id}",
                "activityId": post_id,
            }
            return _Outcome(201, response, request.channel_id, post_id)

        assert request.member is not None
        self.personal[(request.tenant_id, request.member["id"])] = request.conversation_id
        self.members.setdefault(request.conversation_id, {}).setdefault(
            request.member["id"], copy.deepcopy(request.member)
        )
        response = {"id": request.conversation_id}
        activity_id: str | None = None
        if request.activity is not None:
            activity_id = self.post(request.conversation_id, None, request.activity)
            response["activityId"] = activity_id
        return _Outcome(201, response, request.conversation_id, activity_id)

    def post(self, conversation_id: str, thread_id: str | None, activity: dict[str, Any]) -> str:
        activity_id = self.next_activity_id()
        stored = copy.deepcopy(activity)
        stored["id"] = activity_id
        self.activities.setdefault(conversation_id, {})[activity_id] = _StoredActivity(
            stored, thread_id
        )
        return activity_id

    def find(self, conversation_id: str, activity_id: str) -> _StoredActivity:
        stored = self.activities.get(conversation_id, {}).get(activity_id)
        if stored is None or stored.deleted:
            raise _ConnectorError(
                404,
                f"Activity {activity_id} was not found in the conversation.",
                code="ActivityNotFoundInConversation",
            )
        return stored

    def update(self, conversation_id: str, activity_id: str, activity: dict[str, Any]) -> None:
        stored = self.find(conversation_id, activity_id)
        replaced = copy.deepcopy(activity)
        replaced["id"] = activity_id
        stored.activity = replaced

    def delete(self, conversation_id: str, activity_id: str) -> None:
        self.find(conversation_id, activity_id).deleted = True

    def list_members(self, conversation_id: str) -> list[dict[str, Any]]:
        members = self.members.get(conversation_id)
        if members is None:
            raise _ConnectorError(404, f"Conversation {conversation_id} was not found.")
        return [copy.deepcopy(member) for member in members.values()]

    def get_member(self, conversation_id: str, member_id: str) -> dict[str, Any]:
        members = self.members.get(conversation_id)
        if members is None:
            raise _ConnectorError(404, f"Conversation {conversation_id} was not found.")
        member = members.get(member_id)
        if member is None:
            raise _ConnectorError(
                404,
                f"Member {member_id} was not found in the conversation.",
                code="MemberNotFoundInConversation",
            )
        return copy.deepcopy(member)


class _RateLimiter:
    """Sliding-window counters of accepted calls per scope, with windows divided by ``speed``."""

    def __init__(self, *, speed: float, clock: Callable[[], float]) -> None:
        self._speed = speed
        self._clock = clock
        self._accepted_at: dict[tuple[str, str, float], deque[float]] = {}

    def take(self, scopes: list[tuple[str, str, RateLimits]]) -> float | None:
        """Count a call in every scope, or return the simulated seconds to wait if one is full.

        A call refused by one limit is counted against none.
        """
        now = self._clock()
        windows: list[tuple[deque[float], int, float]] = []
        for kind, key, limits in scopes:
            for seconds, maximum in limits:
                accepted_at = self._accepted_at.setdefault((kind, key, seconds), deque())
                windows.append((accepted_at, maximum, seconds / self._speed))
        waits = []
        for accepted_at, maximum, window in windows:
            while accepted_at and accepted_at[0] <= now - window:
                accepted_at.popleft()
            if len(accepted_at) >= maximum:
                waits.append(accepted_at[0] + window - now)
        if waits:
            return max(waits) * self._speed
        for accepted_at, _maximum, _window in windows:
            accepted_at.append(now)
        return None

    def clear(self) -> None:
        self._accepted_at.clear()


def _bearer_token_sent(authorization: str | None) -> bool:
    scheme, _, credentials = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and bool(credentials.strip())


@dataclass
class _PendingFailure:
    status: int
    code: str | None
    remaining: int


class TeamsStandIn(ServedStandIn):
    """A local HTTP server that responds like Teams' Bot Connector API and records every request.

    With ``limits`` on, it applies SEND_LIMITS to sends, replies, updates and deletes in one
    conversation, CREATE_CONVERSATION_LIMITS to creating or reusing one conversation,
    GET_MEMBERS_LIMITS to member reads in one conversation, and APP_LIMITS to all calls.
    Updates and deletes count as sends, because Teams applies the same policy to every
    request. Over a limit it returns 429 Throttled with a Retry-After header in whole seconds.
    ``speed`` divides every window, for simulations that run faster than real time, and
    Retry-After stays in simulated seconds, so a client at that speed waits
    Retry-After / speed real seconds. ``clock`` returns monotonic seconds for the limits;
    tests may pass a fake one.
    """

    server_name = "Teams stand-in"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        return _RequestHandler

    def __init__(
        self,
        *,
        limits: bool = True,
        speed: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not math.isfinite(speed) or speed <= 0:
            raise ValueError(f"speed must be a positive number, got {speed!r}")
        self._limits = limits
        self._speed = speed
        self._lock = threading.Lock()
        # Notified after each recorded call, so wait_for() wakes without polling.
        self._recorded = threading.Condition(self._lock)
        self._conversations = _Conversations()
        self._rate_limiter = _RateLimiter(speed=speed, clock=clock)
        self._calls: list[ConnectorCall] = []
        self._failures: deque[_PendingFailure] = deque()
        self._throttled_count = 0
        ServedStandIn.__init__(self)

    # Lifecycle

    @property
    def service_url(self) -> str:
        """Base URL for activities' serviceUrl and the SDK's ApiClient, ending in "/teams/"."""
        return f"http://127.0.0.1:{self.port}{SERVICE_PATH}"

    # Set-up and fault injection

    def add_member(self, conversation_id: str, member: dict[str, Any]) -> None:
        """Register a member (a TeamsChannelAccount object) that the members routes return.

        A member with the same id replaces the earlier one. A ";messageid=" suffix on the
        conversation id is ignored, because members belong to the whole channel.
        """
        member_id = member.get("id")
        if not isinstance(member_id, str) or not member_id:
            raise ValueError(f"member needs a non-empty string id, got {member_id!r}")
        base_id, _ = split_conversation_id(conversation_id)
        with self._lock:
            self._conversations.members.setdefault(base_id, {})[member_id] = copy.deepcopy(member)

    def fail_next(self, count: int, status: int = 500, *, code: str | None = None) -> None:
        """Fail the next ``count`` calls to known routes with readable bodies with ``status``.

        The failure comes before validation and rate limits, so failed calls are not counted
        against the limits. The error body carries ``code``, or the code Teams documents for
        the status, and a 429 also carries Retry-After: 1. Calls fail in the order the
        failures were added.
        """
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        if not 400 <= status <= 599:
            raise ValueError(f"status must be an HTTP error status from 400 to 599, got {status}")
        with self._lock:
            self._failures.append(_PendingFailure(status, code, count))

    def clear_rate_windows(self) -> None:
        """Forget the calls counted against rate limits, as if their windows had passed."""
        with self._lock:
            self._rate_limiter.clear()

    # Records and state

    @property
    def throttled_count(self) -> int:
        """Number of calls that got 429 because a rate limit was full."""
        with self._lock:
            return self._throttled_count

    def calls(self, operation: Operation | None = None) -> list[ConnectorCall]:
        """Return every recorded call in arrival order, rejected ones included."""
        with self._lock:
            return [
                _copy_call(call)
                for call in self._calls
                if operation is None or call.operation == operation
            ]

    def sent(self, conversation_id: str | None = None) -> list[ConnectorCall]:
        """Return the accepted calls that posted an activity, oldest first.

        These are sends, replies and conversation creations that carried an activity. A
        conversation id with ";messageid=" selects that reply chain: its root and replies.
        """
        return self._accepted(POSTING_OPERATIONS, conversation_id)

    def updates(
        self, conversation_id: str | None = None, activity_id: str | None = None
    ) -> list[ConnectorCall]:
        """Return the accepted activity updates, oldest first, optionally for one activity."""
        return [
            call
            for call in self._accepted(frozenset({Operation.UPDATE}), conversation_id)
            if activity_id is None or call.activity_id == activity_id
        ]

    def deletes(self, conversation_id: str | None = None) -> list[ConnectorCall]:
        """Return the accepted activity deletions, oldest first."""
        return self._accepted(frozenset({Operation.DELETE}), conversation_id)

    def activities(self, conversation_id: str) -> list[dict[str, Any]]:
        """Return the bot's activities in a conversation as they stand now, oldest first.

        Updates are applied and deleted activities left out. A conversation id with
        ";messageid=" selects that reply chain.
        """
        base_id, thread_id = split_conversation_id(conversation_id)
        with self._lock:
            stored = list(self._conversations.activities.get(base_id, {}).items())
            return [
                copy.deepcopy(item.activity)
                for activity_id, item in stored
                if not item.deleted
                and (thread_id is None or thread_id in (activity_id, item.thread_id))
            ]

    def last_card(self, conversation_id: str) -> dict[str, Any] | None:
        """Return the Adaptive Card content of the newest activity in a conversation that has one.

        Updates are applied, deleted activities skipped, and the card is the first attachment
        whose contentType is ADAPTIVE_CARD_CONTENT_TYPE. None if no activity carries a card.
        """
        for activity in reversed(self.activities(conversation_id)):
            card = _adaptive_card(activity)
            if card is not None:
                return card
        return None

    def conversation_for(self, user_id: str, *, tenant_id: str | None = None) -> str | None:
        """Return the id of the personal chat the bot created with a user, or None if none."""
        with self._lock:
            for (tenant, user), conversation_id in self._conversations.personal.items():
                if user == user_id and tenant_id in (None, tenant):
                    return conversation_id
        return None

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 2.0) -> bool:
        """Wait until ``predicate()`` is true, checking after each recorded call.

        Returns whether it became true within ``timeout`` seconds. The predicate runs without
        the stand-in's lock held, so it may call the stand-in's methods.
        """
        deadline = time.monotonic() + timeout
        with self._recorded:
            seen = len(self._calls)
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._recorded:
                if len(self._calls) == seen:
                    self._recorded.wait(remaining)
                seen = len(self._calls)
        return True

    def reset(self) -> None:
        """Clear the recorded calls and the throttled count. Activities and members stay."""
        with self._lock:
            self._calls.clear()
            self._throttled_count = 0

    def _accepted(
        self, operations: frozenset[Operation], conversation_id: str | None
    ) -> list[ConnectorCall]:
        base_id, thread_id = (None, None)
        if conversation_id is not None:
            base_id, thread_id = split_conversation_id(conversation_id)
        with self._lock:
            return [
                _copy_call(call)
                for call in self._calls
                if call.accepted
                and call.operation in operations
                and (base_id is None or call.conversation_id == base_id)
                and (thread_id is None or thread_id in (call.activity_id, call.thread_id))
            ]

    # Request handling, called from the server's handler threads

    def _handle_request(
        self, *, method: str, path: str, body: bytes, authorization: str | None
    ) -> tuple[int, dict[str, Any] | list[Any] | None, dict[str, str]]:
        received_at = time.monotonic()
        operation = Operation.UNKNOWN
        activity: dict[str, Any] | None = None
        conversation_id: str | None = None
        thread_id: str | None = None
        activity_id: str | None = None
        reply_to_id: str | None = None
        error_code: str | None = None
        headers: dict[str, str] = {}
        response: dict[str, Any] | list[Any] | None
        with self._lock:
            try:
                route = _route(method, path)
                operation = route.operation
                if route.conversation_id is not None:
                    conversation_id, thread_id = split_conversation_id(route.conversation_id)
                activity_id = route.activity_id
                if operation == Operation.REPLY:
                    reply_to_id = route.activity_id
                if method in ("POST", "PUT"):
                    activity = _parse_json_object(body)
                # The SDK replies by sending to the conversation with replyToId in the body.
                if operation == Operation.SEND and activity and activity.get("replyToId"):
                    operation = Operation.REPLY
                    reply_to_id = str(activity["replyToId"])
                self._take_pending_failure()
                outcome = self._execute(route, activity, conversation_id, thread_id)
            except _ConnectorError as error:
                status, response, headers = error.status, error.body(), error.headers
                error_code = error.code
            else:
                status, response = outcome.status, outcome.body
                conversation_id = outcome.conversation_id or conversation_id
                activity_id = outcome.activity_id or activity_id

            self._calls.append(
                ConnectorCall(
                    operation=operation,
                    method=method,
                    conversation_id=conversation_id,
                    activity_id=activity_id,
                    reply_to_id=reply_to_id,
                    thread_id=thread_id,
                    activity=copy.deepcopy(activity),
                    at=received_at,
                    status=status,
                    error_code=error_code,
                    bearer_token=_bearer_token_sent(authorization),
                )
            )
            self._recorded.notify_all()
        if error_code is not None:
            logger.debug(
                "Teams stand-in returned %d %s for %s %s", status, error_code, method, operation
            )
        return status, response, headers

    def _take_pending_failure(self) -> None:
        if not self._failures:
            return
        failure = self._failures[0]
        failure.remaining -= 1
        if failure.remaining == 0:
            self._failures.popleft()
        headers = {"Retry-After": "1"} if failure.status == 429 else {}
        raise _ConnectorError(
            failure.status,
            f"Injected failure: {HTTPStatus(failure.status).phrase}.",
            code=failure.code,
            headers=headers,
        )

    def _execute(
        self,
        route: _Route,
        activity: dict[str, Any] | None,
        conversation_id: str | None,
        thread_id: str | None,
    ) -> _Outcome:
        conversations = self._conversations
        if route.operation == Operation.CREATE_CONVERSATION:
            assert activity is not None
            request = conversations.parse_create(activity)
            self._take_rate_slot("create", request.conversation_id, CREATE_CONVERSATION_LIMITS)
            return conversations.create(request)

        assert conversation_id is not None
        if route.operation in (Operation.GET_MEMBERS, Operation.GET_MEMBER):
            self._take_rate_slot("members", conversation_id, GET_MEMBERS_LIMITS)
            if route.member_id is not None:
                return _Outcome(200, conversations.get_member(conversation_id, route.member_id))
            return _Outcome(200, conversations.list_members(conversation_id))

        if route.operation == Operation.DELETE:
            assert route.activity_id is not None
            self._take_rate_slot("send", conversation_id, SEND_LIMITS)
            conversations.delete(conversation_id, route.activity_id)
            return _Outcome(200, None)

        assert activity is not None
        _validate_activity(activity)
        self._take_rate_slot("send", conversation_id, SEND_LIMITS)
        if route.operation == Operation.UPDATE:
            assert route.activity_id is not None
            conversations.update(conversation_id, route.activity_id, activity)
            return _Outcome(200, {"id": route.activity_id})
        # The stand-in takes a message's reply chain only from the ";messageid=" suffix of the
        # conversation id, which is how Teams addresses a channel thread.
        # NOTE: whether Teams also threads a message sent to the bare channel id with a
        # replyToId is not modelled, so such a message is recorded as top-level.
        new_id = conversations.post(conversation_id, thread_id, activity)
        return _Outcome(200, {"id": new_id}, activity_id=new_id)

    def _take_rate_slot(self, kind: str, key: str, limits: RateLimits) -> None:
        if not self._limits:
            return
        wait_seconds = self._rate_limiter.take([(kind, key, limits), ("app", "", APP_LIMITS)])
        if wait_seconds is None:
            return
        self._throttled_count += 1
        retry_after = max(1, math.ceil(wait_seconds))
        raise _ConnectorError(
            429,
            f"Too many requests; retry after {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )


def _copy_call(call: ConnectorCall) -> ConnectorCall:
    if call.activity is None:
        return call
    return ConnectorCall(
        operation=call.operation,
        method=call.method,
        conversation_id=call.conversation_id,
        activity_id=call.activity_id,
        reply_to_id=call.reply_to_id,
        thread_id=call.thread_id,
        activity=copy.deepcopy(call.activity),
        at=call.at,
        status=call.status,
        error_code=call.error_code,
        bearer_token=call.bearer_token,
    )


class _RequestHandler(StandInRequestHandler):
    """Passes every request to the TeamsStandIn and writes its JSON response."""

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # One line per request would flood test output.

    def log_error(self, format: str, *args: Any) -> None:
        logger.debug("Teams stand-in HTTP error: %s", format % args)

    def _handle(self) -> None:
        try:
            body = self._read_body()
        except ValueError as error:
            logger.debug("Teams stand-in rejected a request body: %s", error)
            self.close_connection = True
            rejected = _ConnectorError(400, f"Unreadable request body: {error}.", code="BadSyntax")
            self._send(400, rejected.body(), {})
            return
        status, payload, headers = self.server.standin._handle_request(
            method=self.command,
            path=urlsplit(self.path).path,
            body=body,
            authorization=self.headers.get("Authorization"),
        )
        self._send(status, payload, headers)

    def _send(
        self, status: int, payload: dict[str, Any] | list[Any] | None, headers: dict[str, str]
    ) -> None:
        body = b"" if payload is None else json.dumps(payload).encode("utf-8")
        self.send_response(status)
        if payload is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
