"""A local HTTP stand-in for the Slack Web API and for response URLs.

Point slack_sdk's ``WebClient(base_url=standin.api_url)`` at it. For the Web API methods
the bot uses it returns JSON shaped like Slack's. It keeps the state of posted messages and
opened views, applies per-method rate limits, and records every request for tests to read.
"""

from __future__ import annotations

import base64
import binascii
import copy
import dataclasses
import json
import logging
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from bot.simulate.standin_server import ServedStandIn, StandInRequestHandler

logger = logging.getLogger(__name__)

# Identity of the simulated workspace. The payload builders use the same values, so
# events and interactions look as if they came from the workspace this stand-in serves.
TEAM_ID = "T0001"
TEAM_NAME = "Example Workspace"
TEAM_DOMAIN = "example"
APP_ID = "A0001"
BOT_ID = "B0001"
BOT_USER_ID = "U0BOT0001"
BOT_USER_NAME = "staffvoice"
SLACKBOT_USER_ID = "USLACKBOT"
# Slack still sends this deprecated verification token in payloads, and Bolt ignores it.
VERIFICATION_TOKEN = "verification-token-test"

# Slack's published limits are per minute and per method.
RATE_LIMIT_WINDOW_SECONDS = 60.0

# Slack's published Web API limits, in calls per minute per method, app and workspace:
# the tiers of https://docs.slack.dev/apis/web-api/rate-limits ("Tier 1: 1+ per minute"
# up to "Tier 4: 100+ per minute"), and each method's tier from its reference page. A
# tier's figure is its floor: Slack allows at least that many.
TIER_1 = 1
TIER_2 = 20
TIER_3 = 50
TIER_4 = 100
SLACK_RATE_LIMITS: dict[str, int] = {
    "chat.update": TIER_3,
    "chat.postEphemeral": TIER_4,
    # chat.getPermalink is in the special tier: "hundreds of requests per minute".
    "chat.getPermalink": TIER_4,
    "users.info": TIER_4,
    "users.list": TIER_2,
    "users.lookupByEmail": TIER_3,
    "views.open": TIER_4,
    "views.update": TIER_4,
    "views.publish": TIER_4,
    "conversations.info": TIER_3,
    "conversations.members": TIER_4,
    "conversations.open": TIER_3,
    "conversations.history": TIER_3,
    "files.getUploadURLExternal": TIER_4,
    "files.completeUploadExternal": TIER_4,
    "pins.add": TIER_2,
}
# chat.postMessage is in the special tier: "one message per second per channel" with
# "short bursts >1 allowed", counted here as 3 calls in any 3 seconds in one channel.
SLACK_CHANNEL_RATE_LIMITS: dict[str, int] = {"chat.postMessage": 3}
CHANNEL_RATE_WINDOW_SECONDS = 3.0
# Slack also keeps a workspace-wide limit on chat.postMessage without publishing its
# number. The one figure it gives for posting messages is "1 per second" (the same
# page, "Posting messages"); a benchmark that wants that limit enforced passes this in
# rate_limits, which the stand-in does not do by default.
POST_MESSAGE_WORKSPACE_PER_MINUTE = 60

# Form-encoded requests carry these arguments as JSON text, JSON requests as values.
JSON_ENCODED_PARAMS = ("blocks", "attachments", "view", "metadata")
# A modal or Home tab view contains at most 100 blocks (Block Kit reference, view objects).
MAX_VIEW_BLOCKS = 100

RESPONSE_URL_METHOD = "response_url"
# The path of the upload URLs files.getUploadURLExternal hands out, followed by the file id.
UPLOAD_PATH = "/upload/"
# files.completeUploadExternal accepts only conversation ids in channel_id, not user ids.
# Slack's error message quotes this pattern.
CONVERSATION_ID = re.compile(r"^[CGDZ][A-Z0-9]{8,}$")

# conversations.history returns 100 messages unless asked, and at most 999.
HISTORY_DEFAULT_LIMIT = 100
HISTORY_MAX_LIMIT = 999


def channel_name(channel_id: str) -> str:
    """Return the name the simulated workspace gives a conversation ID."""
    if channel_id.startswith("D"):
        return "directmessage"
    if channel_id.startswith("G"):
        return "privategroup"
    return f"channel-{channel_id.lower()}"


def direct_message_channel(user_id: str) -> str:
    """Return the id of the bot's direct message conversation with a user, as conversations.open.

    The user id is padded so that the id has the length Slack's conversation ids have.
    """
    return "D" + user_id.upper().rjust(10, "0")


def channel_type(channel_id: str) -> str:
    """Return the Events API channel_type ("channel", "group" or "im") for a conversation ID."""
    if channel_id.startswith("D"):
        return "im"
    if channel_id.startswith("G"):
        return "group"
    return "channel"


@dataclass(frozen=True)
class RecordedCall:
    """One request the stand-in received: a Web API call or a post to a response URL.

    ``at`` is ``time.monotonic()`` on arrival, ``status`` the HTTP status returned and
    ``error`` the Slack error name of a response that was not ok. ``token`` is the response
    URL token, and None for Web API calls, whose bot token is not recorded.
    """

    method: str
    params: dict[str, Any]
    at: float
    status: int
    error: str | None = None
    token: str | None = None


@dataclass(frozen=True)
class UploadedFile:
    """A file uploaded with files.getUploadURLExternal and shared by files.completeUploadExternal.

    ``length`` is the size the client announced and ``content`` the bytes it sent.
    """

    file_id: str
    name: str
    title: str
    length: int
    channel: str
    content: bytes
    initial_comment: str | None


class _ApiError(Exception):
    """A Slack error name to return as {"ok": false, "error": ...}."""

    def __init__(self, error: str, *, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": list(self.messages)}
        return body


def _require(params: dict[str, Any], name: str, *, error: str) -> str:
    value = params.get(name)
    if value is None or str(value).strip() == "":
        raise _ApiError(error)
    return str(value)


def _decode_json_params(params: dict[str, Any]) -> None:
    """Decode JSON-text arguments in place. Text that is not valid JSON stays a string."""
    for name in JSON_ENCODED_PARAMS:
        value = params.get(name)
        if isinstance(value, str):
            try:
                params[name] = json.loads(value)
            except json.JSONDecodeError:
                pass


def _parse_params(query: str, body: bytes, content_type: str) -> dict[str, Any]:
    """Merge query-string and body arguments the way the Web API accepts them."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    media_type = content_type.split(";", 1)[0].strip().lower()
    if body:
        if media_type == "application/json":
            try:
                decoded = json.loads(body)
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                raise _ApiError("invalid_json") from error
            if not isinstance(decoded, dict):
                raise _ApiError("invalid_json")
            params.update(decoded)
        elif media_type in ("application/x-www-form-urlencoded", ""):
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as error:
                raise _ApiError("invalid_charset") from error
            params.update(parse_qsl(text, keep_blank_values=True))
        else:
            raise _ApiError("invalid_post_type")
    _decode_json_params(params)
    return params


def _bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


def _message_content(params: dict[str, Any]) -> dict[str, Any]:
    """Return the text, blocks and attachments of a chat.* request, or raise no_text."""
    content: dict[str, Any] = {}
    if "text" in params and params["text"] is not None:
        content["text"] = str(params["text"])
    if "blocks" in params and params["blocks"] is not None:
        if not isinstance(params["blocks"], list):
            raise _ApiError("invalid_blocks_format")
        content["blocks"] = copy.deepcopy(params["blocks"])
    if "attachments" in params and params["attachments"] is not None:
        if not isinstance(params["attachments"], list):
            raise _ApiError("invalid_attachments")
        content["attachments"] = copy.deepcopy(params["attachments"])
    if not content.get("text") and not content.get("blocks") and not content.get("attachments"):
        raise _ApiError("no_text")
    return content


class _Workspace:
    """Messages, views and users of the simulated workspace, and the Web API methods over them.

    It is not thread-safe, so SlackStandIn calls it only while holding its lock.
    """

    def __init__(self, users: dict[str, dict[str, Any]] | None) -> None:
        self.users = {user_id: dict(fields) for user_id, fields in (users or {}).items()}
        self.channels: dict[str, dict[str, dict[str, Any]]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        # The Home tab view published to each user, by user id.
        self.home_views: dict[str, dict[str, Any]] = {}
        # Conversations the bot is not a member of; conversations.info returns is_member false.
        self.non_member_channels: set[str] = set()
        # Members of a conversation for conversations.members; an unset one lists every user.
        self.channel_members: dict[str, list[str]] = {}
        # Names and archived flags set by tests, over the names channel_name() derives.
        self.channel_names: dict[str, str] = {}
        self.archived_channels: set[str] = set()
        # Pinned message timestamps by conversation, from pins.add.
        self.pins: dict[str, list[str]] = {}
        # Uploads started by files.getUploadURLExternal: file id to name, announced length
        # and the bytes posted to the upload URL (None until posted).
        self.pending_uploads: dict[str, dict[str, Any]] = {}
        self.uploaded_files: list[UploadedFile] = []
        # The base of upload URLs, set when the server starts.
        self.upload_base_url = ""
        self._file_count = 0
        self._last_ts_micros = 0
        self._view_count = 0
        self._view_hash_count = 0
        self.methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self.auth_test,
            "chat.postMessage": self.chat_post_message,
            "chat.update": self.chat_update,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.getPermalink": self.chat_get_permalink,
            "users.info": self.users_info,
            "users.list": self.users_list,
            "users.lookupByEmail": self.users_lookup_by_email,
            "views.open": self.views_open,
            "views.update": self.views_update,
            "views.publish": self.views_publish,
            "conversations.info": self.conversations_info,
            "conversations.members": self.conversations_members,
            "conversations.open": self.conversations_open,
            "conversations.history": self.conversations_history,
            "files.getUploadURLExternal": self.files_get_upload_url_external,
            "files.completeUploadExternal": self.files_complete_upload_external,
            "pins.add": self.pins_add,
        }

    def next_ts(self) -> str:
        """Return a message timestamp from the wall clock, unique and increasing."""
        now_micros = time.time_ns() // 1000
        self._last_ts_micros = max(now_micros, self._last_ts_micros + 1)
        seconds, micros = divmod(self._last_ts_micros, 1_000_000)
        return f"{seconds}.{micros:06d}"

    def auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": TEAM_NAME,
            "user": BOT_USER_NAME,
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = _require(params, "channel", error="channel_not_found")
        content = _message_content(params)
        ts = self.next_ts()
        message: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "ts": ts,
            "text": "",
            **content,
        }
        thread_ts = params.get("thread_ts")
        if thread_ts:
            message["thread_ts"] = str(thread_ts)
        if isinstance(params.get("metadata"), dict):
            message["metadata"] = copy.deepcopy(params["metadata"])
        self.channels.setdefault(channel, {})[ts] = message
        return {"channel": channel, "ts": ts, "message": copy.deepcopy(message)}

    def chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = _require(params, "channel", error="channel_not_found")
        ts = _require(params, "ts", error="message_not_found")
        message = self.channels.get(channel, {}).get(ts)
        if message is None:
            raise _ApiError("message_not_found")
        # Slack keeps the previous blocks and attachments when an update leaves them out.
        message.update(_message_content(params))
        if isinstance(params.get("metadata"), dict):
            message["metadata"] = copy.deepcopy(params["metadata"])
        message["edited"] = {"user": BOT_USER_ID, "ts": self.next_ts()}
        return {
            "channel": channel,
            "ts": ts,
            "text": message.get("text", ""),
            "message": copy.deepcopy(message),
        }

    def chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        _require(params, "channel", error="channel_not_found")
        # The stand-in keeps no channel membership, so a missing user is the only way
        # to fail the recipient check that Slack reports as user_not_in_channel.
        _require(params, "user", error="user_not_in_channel")
        _message_content(params)
        return {"message_ts": self.next_ts()}

    def chat_get_permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = _require(params, "channel", error="channel_not_found")
        message_ts = _require(params, "message_ts", error="message_not_found")
        # NOTE: unknown timestamps still get a permalink, because messages that users post
        # reach the bot as events and never pass through this stand-in.
        permalink = (
            f"https://{TEAM_DOMAIN}.slack.com/archives/{channel}/p{message_ts.replace('.', '')}"
        )
        message = self.channels.get(channel, {}).get(message_ts)
        thread_ts = message.get("thread_ts") if message else None
        if thread_ts and thread_ts != message_ts:
            permalink += f"?thread_ts={thread_ts}&cid={channel}"
        return {"channel": channel, "permalink": permalink}

    def users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = str(params.get("user") or "").strip()
        if not user_id or user_id[0] not in "UW":
            raise _ApiError("user_not_found")
        return {"user": self._user_object(user_id)}

    def users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        """List the configured users, the bot user and Slackbot, a page at a time by cursor.

        As in Slack, the cursor is opaque (here the base64 of "user:ID" of the next
        member), next_cursor is empty on the last page, and no limit returns everyone.
        """
        member_ids = sorted({*self.users, BOT_USER_ID, SLACKBOT_USER_ID})
        try:
            limit = int(params.get("limit") or 0)
        except ValueError as error:
            raise _ApiError("invalid_arguments") from error
        if limit < 0:
            raise _ApiError("invalid_arguments")
        start = 0
        cursor = str(params.get("cursor") or "")
        if cursor:
            try:
                decoded = base64.b64decode(cursor, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError) as error:
                raise _ApiError("invalid_cursor") from error
            prefix, _, next_id = decoded.partition(":")
            if prefix != "user" or next_id not in member_ids:
                raise _ApiError("invalid_cursor")
            start = member_ids.index(next_id)
        end = min(start + (limit or len(member_ids)), len(member_ids))
        page = member_ids[start:end]
        next_cursor = ""
        if end < len(member_ids):
            next_cursor = base64.b64encode(f"user:{member_ids[end]}".encode()).decode("ascii")
        return {
            "members": [self._user_object(user_id) for user_id in page],
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def users_lookup_by_email(self, params: dict[str, Any]) -> dict[str, Any]:
        """Return the configured user whose profile email matches, ignoring case."""
        email = str(params.get("email") or "").strip().lower()
        if not email:
            raise _ApiError("invalid_arguments")
        for user_id, fields in self.users.items():
            profile_email = str(fields.get("profile", {}).get("email", "")).lower()
            if profile_email == email:
                return {"user": self._user_object(user_id)}
        raise _ApiError("users_not_found")

    def _user_object(self, user_id: str) -> dict[str, Any]:
        if user_id == BOT_USER_ID:
            name, real_name, display_name, is_bot = BOT_USER_NAME, "StaffVoice", "StaffVoice", True
        elif user_id == SLACKBOT_USER_ID:
            # Slack lists Slackbot with is_bot false, so clients leave it out by its id.
            name, real_name, display_name, is_bot = "slackbot", "Slackbot", "Slackbot", False
        else:
            real_name = f"Staff Member {user_id}"
            name, display_name, is_bot = f"staff.{user_id.lower()}", real_name, False
        configured = dict(self.users.get(user_id, {}))
        name = configured.pop("name", name)
        real_name = configured.pop("real_name", real_name)
        display_name = configured.pop("display_name", display_name)
        profile = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": display_name,
            "display_name_normalized": display_name,
            "team": TEAM_ID,
            **configured.pop("profile", {}),
        }
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "deleted": False,
            "real_name": real_name,
            "tz": "Europe/London",
            "is_admin": False,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "profile": profile,
        }
        # Remaining configured fields (for example is_admin or deleted) override the defaults.
        user.update(copy.deepcopy(configured))
        return user

    def conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel_id = _require(params, "channel", error="channel_not_found")
        if channel_id[0] not in "CGD":
            raise _ApiError("channel_not_found")
        kind = channel_type(channel_id)
        channel: dict[str, Any] = {
            "id": channel_id,
            "name": self.channel_names.get(channel_id, channel_name(channel_id)),
            "name_normalized": self.channel_names.get(channel_id, channel_name(channel_id)),
            "is_channel": kind == "channel",
            "is_group": kind == "group",
            "is_im": kind == "im",
            "is_mpim": False,
            "is_private": kind != "channel",
            "is_archived": channel_id in self.archived_channels,
            "is_general": False,
            "is_member": channel_id not in self.non_member_channels,
            "created": 1700000000,
        }
        return {"channel": channel}

    def conversations_members(self, params: dict[str, Any]) -> dict[str, Any]:
        """List a conversation's member ids, a page at a time by cursor (an index here)."""
        channel_id = _require(params, "channel", error="channel_not_found")
        if channel_id[0] not in "CGD":
            raise _ApiError("channel_not_found")
        members = self.channel_members.get(channel_id)
        if members is None:
            members = sorted({*self.users, BOT_USER_ID})
        try:
            limit = int(params.get("limit") or 100)
            start = int(params.get("cursor") or 0)
        except ValueError as error:
            raise _ApiError("invalid_cursor") from error
        end = min(start + max(limit, 1), len(members))
        next_cursor = str(end) if end < len(members) else ""
        return {
            "members": list(members[start:end]),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        """Open the bot's direct message with one user; group conversations are not simulated."""
        users = [user for user in str(params.get("users") or "").split(",") if user.strip()]
        if not users:
            raise _ApiError("users_list_not_supplied")
        if len(users) > 1:
            raise _ApiError("not_implemented")
        user_id = users[0].strip()
        if user_id[0] not in "UW":
            raise _ApiError("user_not_found")
        channel_id = direct_message_channel(user_id)
        return {"channel": {"id": channel_id}, "no_op": channel_id in self.channels}

    def conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Return a conversation's top-level messages, newest first, a page of `limit` at most.

        As in Slack, message metadata is returned only when include_all_metadata is
        true. A direct message conversation also holds the messages the bot posted
        with the user's id as the channel, since Slack posts those there too.
        """
        channel = _require(params, "channel", error="channel_not_found")
        try:
            limit = int(params.get("limit") or HISTORY_DEFAULT_LIMIT)
        except ValueError as error:
            raise _ApiError("invalid_arguments") from error
        if limit < 1:
            raise _ApiError("invalid_arguments")
        limit = min(limit, HISTORY_MAX_LIMIT)
        oldest = float(params.get("oldest") or 0)
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        stored = list(self.channels.get(channel, {}).values())
        if channel.startswith("D"):
            user_id = channel[1:].lstrip("0")
            stored += list(self.channels.get(user_id, {}).values())
        top_level = [
            message
            for message in stored
            if message.get("thread_ts") in (None, message["ts"]) and float(message["ts"]) > oldest
        ]
        top_level.sort(key=lambda message: float(message["ts"]), reverse=True)
        page = []
        for message in top_level[:limit]:
            shown = copy.deepcopy(message)
            if not with_metadata:
                shown.pop("metadata", None)
            page.append(shown)
        return {
            "messages": page,
            "has_more": len(top_level) > limit,
            "pin_count": 0,
            "response_metadata": {"next_cursor": ""},
        }

    def files_get_upload_url_external(self, params: dict[str, Any]) -> dict[str, Any]:
        """Start an upload: return a file id and the URL to post the file's bytes to."""
        filename = str(params.get("filename") or "").strip()
        try:
            length = int(params.get("length") or 0)
        except ValueError as error:
            raise _ApiError("invalid_arguments") from error
        if not filename or length < 1:
            raise _ApiError("invalid_arguments")
        self._file_count += 1
        file_id = f"F{self._file_count:010d}"
        self.pending_uploads[file_id] = {"name": filename, "length": length, "content": None}
        return {"upload_url": f"{self.upload_base_url}{file_id}", "file_id": file_id}

    def receive_upload(self, file_id: str, content: bytes) -> bool:
        """Store the bytes posted to an upload URL; return False for an unknown file id."""
        pending = self.pending_uploads.get(file_id)
        if pending is None:
            return False
        pending["content"] = content
        return True

    def files_complete_upload_external(self, params: dict[str, Any]) -> dict[str, Any]:
        """Finish uploads and share the files in channel_id, with initial_comment as a message."""
        try:
            requested = json.loads(str(params.get("files") or ""))
        except json.JSONDecodeError as error:
            raise _ApiError("invalid_arguments") from error
        if not isinstance(requested, list) or not requested:
            raise _ApiError("invalid_arguments")
        channel = str(params.get("channel_id") or "")
        if channel and not CONVERSATION_ID.match(channel):
            raise _ApiError(
                "invalid_arguments",
                messages=[
                    f"input must match regex pattern: {CONVERSATION_ID.pattern} "
                    "[json-pointer:/channel_id]"
                ],
            )
        for item in requested:
            file_id = item.get("id") if isinstance(item, dict) else None
            pending = self.pending_uploads.get(str(file_id))
            if pending is None or pending["content"] is None:
                raise _ApiError("file_not_found")
        shared: list[dict[str, Any]] = []
        comment = params.get("initial_comment")
        for item in requested:
            pending = self.pending_uploads.pop(str(item["id"]))
            title = str(item.get("title") or pending["name"])
            self.uploaded_files.append(
                UploadedFile(
                    file_id=str(item["id"]),
                    name=pending["name"],
                    title=title,
                    length=pending["length"],
                    channel=channel,
                    content=pending["content"],
                    initial_comment=str(comment) if comment is not None else None,
                )
            )
            shared.append(
                {
                    "id": item["id"],
                    "name": pending["name"],
                    "title": title,
                    "size": len(pending["content"]),
                }
            )
        if channel:
            ts = self.next_ts()
            self.channels.setdefault(channel, {})[ts] = {
                "type": "message",
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "ts": ts,
                "text": str(comment or ""),
                "files": copy.deepcopy(shared),
            }
        return {"files": [{"id": item["id"], "title": item["title"]} for item in shared]}

    def pins_add(self, params: dict[str, Any]) -> dict[str, Any]:
        """Pin a message the stand-in holds; Slack answers already_pinned for a repeat."""
        channel_id = _require(params, "channel", error="channel_not_found")
        ts = _require(params, "timestamp", error="no_item_specified")
        if ts not in self.channels.get(channel_id, {}):
            raise _ApiError("message_not_found")
        pinned = self.pins.setdefault(channel_id, [])
        if ts in pinned:
            raise _ApiError("already_pinned")
        pinned.append(ts)
        return {}

    def views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if not str(params.get("trigger_id") or "").strip():
            raise _ApiError("invalid_arguments", messages=["invalid `trigger_id`"])
        spec = self._view_spec(params, view_id=None)
        self._view_count += 1
        view_id = f"V{self._view_count:04d}"
        view = self._build_view(spec, view_id=view_id, root_view_id=view_id)
        self.views[view_id] = view
        return {"view": copy.deepcopy(view)}

    def views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id = params.get("view_id")
        external_id = params.get("external_id")
        if view_id:
            current = self.views.get(str(view_id))
        elif external_id:
            current = next(
                (view for view in self.views.values() if view["external_id"] == external_id), None
            )
        else:
            raise _ApiError(
                "invalid_arguments", messages=["either `view_id` or `external_id` is required"]
            )
        if current is None:
            raise _ApiError("not_found")
        spec = self._view_spec(params, view_id=current["id"])
        expected_hash = params.get("hash")
        if expected_hash and expected_hash != current["hash"]:
            raise _ApiError("hash_conflict")
        view = self._build_view(
            spec,
            view_id=current["id"],
            root_view_id=current["root_view_id"],
            previous_view_id=current["previous_view_id"],
        )
        self.views[current["id"]] = view
        return {"view": copy.deepcopy(view)}

    def views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        """Store a user's Home tab view, checked as Slack checks type, blocks and hash."""
        user_id = str(params.get("user_id") or "").strip()
        if not user_id:
            raise _ApiError("invalid_arguments", messages=["invalid `user_id`"])
        spec = params.get("view")
        if not isinstance(spec, dict):
            raise _ApiError("invalid_arguments", messages=["invalid `view`"])
        if spec.get("type") != "home":
            raise _ApiError("invalid_arguments", messages=["`view.type` must be home"])
        blocks = spec.get("blocks")
        if not isinstance(blocks, list):
            raise _ApiError("invalid_arguments", messages=["`view.blocks` is required"])
        if len(blocks) > MAX_VIEW_BLOCKS:
            raise _ApiError(
                "invalid_arguments",
                messages=[f"must provide no more than {MAX_VIEW_BLOCKS} items at /view/blocks"],
            )
        current = self.home_views.get(user_id)
        expected_hash = params.get("hash")
        if expected_hash and current is not None and expected_hash != current["hash"]:
            raise _ApiError("hash_conflict")
        if current is None:
            self._view_count += 1
            view_id = f"V{self._view_count:04d}"
        else:
            view_id = current["id"]
        view = self._build_view(spec, view_id=view_id, root_view_id=view_id, view_type="home")
        self.home_views[user_id] = view
        return {"view": copy.deepcopy(view)}

    def _view_spec(self, params: dict[str, Any], *, view_id: str | None) -> dict[str, Any]:
        """Return the validated view argument. view_id names the view being replaced, if any."""
        spec = params.get("view")
        if not isinstance(spec, dict):
            raise _ApiError("invalid_arguments", messages=["invalid `view`"])
        if spec.get("type") != "modal":
            raise _ApiError("invalid_arguments", messages=["`view.type` must be modal"])
        external_id = spec.get("external_id")
        if external_id and any(
            view["external_id"] == external_id and view["id"] != view_id
            for view in self.views.values()
        ):
            raise _ApiError("duplicate_external_id")
        return spec

    def _build_view(
        self,
        spec: dict[str, Any],
        *,
        view_id: str,
        root_view_id: str,
        previous_view_id: str | None = None,
        view_type: str = "modal",
    ) -> dict[str, Any]:
        # Each stored version gets a new hash, so a views.update that sends an old hash
        # fails with hash_conflict as it does on Slack.
        self._view_hash_count += 1
        return {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": view_type,
            "title": copy.deepcopy(spec.get("title")),
            "submit": copy.deepcopy(spec.get("submit")),
            "close": copy.deepcopy(spec.get("close")),
            "blocks": copy.deepcopy(spec.get("blocks", [])),
            "private_metadata": spec.get("private_metadata", ""),
            "callback_id": spec.get("callback_id", ""),
            "external_id": spec.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{self._view_hash_count:08x}",
            "clear_on_close": bool(spec.get("clear_on_close", False)),
            "notify_on_close": bool(spec.get("notify_on_close", False)),
            "root_view_id": root_view_id,
            "previous_view_id": previous_view_id,
            "app_id": APP_ID,
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }


class _RequestHandler(StandInRequestHandler):
    """Routes /api/<method> and /response/<token> requests to the SlackStandIn."""

    def do_POST(self) -> None:
        self._route()

    def do_GET(self) -> None:
        self._route()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # One line per request would flood test output.

    def log_error(self, format: str, *args: Any) -> None:
        logger.debug("Slack stand-in HTTP error: %s", format % args)

    def _route(self) -> None:
        try:
            body = self._read_body()
        except ValueError as error:
            logger.debug("Slack stand-in rejected a request body: %s", error)
            self.close_connection = True
            self._send(HTTPStatus.BAD_REQUEST, b"invalid request body", "text/plain; charset=utf-8")
            return

        split = urlsplit(self.path)
        standin = self.server.standin
        content_type = self.headers.get("Content-Type", "")
        if split.path.startswith("/api/") and len(split.path) > len("/api/"):
            status, payload, headers = standin._handle_api_request(
                method=split.path[len("/api/") :],
                query=split.query,
                body=body,
                content_type=content_type,
                authorization=self.headers.get("Authorization"),
            )
            encoded = json.dumps(payload).encode("utf-8")
            self._send(status, encoded, "application/json; charset=utf-8", headers)
        elif split.path.startswith(UPLOAD_PATH) and len(split.path) > len(UPLOAD_PATH):
            status, text = standin._handle_upload(
                file_id=unquote(split.path[len(UPLOAD_PATH) :]), body=body
            )
            self._send(status, text.encode("utf-8"), "text/plain; charset=utf-8")
        elif split.path.startswith("/response/") and len(split.path) > len("/response/"):
            status, text = standin._handle_response_url(
                token=unquote(split.path[len("/response/") :]),
                body=body,
            )
            self._send(status, text.encode("utf-8"), "text/plain; charset=utf-8")
        else:
            self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain; charset=utf-8")

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class SlackStandIn(ServedStandIn):
    """A local HTTP server that responds like the Slack Web API and records every request.

    ``rate_limits`` maps a method name to the calls it accepts per sliding window of
    ``rate_limit_window_seconds`` (Slack's window is one minute). ``channel_rate_limits``
    maps a method name to the calls it accepts in one conversation per sliding window of
    ``channel_rate_window_seconds``; a user id as the channel counts as that user's
    direct message conversation. Past either limit the stand-in answers HTTP 429 with a
    Retry-After header, as Slack does. SLACK_RATE_LIMITS and SLACK_CHANNEL_RATE_LIMITS
    are Slack's published limits. Shorter windows run the same limits faster.
    ``latency_seconds`` delays every answer, to imitate the network round trip.
    """

    server_name = "Slack stand-in"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        return _RequestHandler

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-test",
        users: dict[str, dict[str, Any]] | None = None,
        rate_limits: dict[str, int] | None = None,
        latency_seconds: float = 0.0,
        rate_limit_window_seconds: float = RATE_LIMIT_WINDOW_SECONDS,
        channel_rate_limits: dict[str, int] | None = None,
        channel_rate_window_seconds: float = CHANNEL_RATE_WINDOW_SECONDS,
        app_token: str | None = None,
        socket_mode_url: str | None = None,
    ) -> None:
        if not bot_token:
            raise ValueError("bot_token must not be empty")
        for method, limit in {**(rate_limits or {}), **(channel_rate_limits or {})}.items():
            if not isinstance(limit, int) or limit < 1:
                raise ValueError(
                    f"rate limit for {method} must be a positive integer, got {limit!r}"
                )
        if latency_seconds < 0:
            raise ValueError(f"latency_seconds must not be negative, got {latency_seconds}")
        if rate_limit_window_seconds <= 0 or channel_rate_window_seconds <= 0:
            raise ValueError(
                "rate_limit_window_seconds and channel_rate_window_seconds must be positive, "
                f"got {rate_limit_window_seconds} and {channel_rate_window_seconds}"
            )
        self._bot_token = bot_token
        # apps.connections.open takes the app-level token and returns this WebSocket URL.
        self._app_token = app_token
        self.socket_mode_url = socket_mode_url
        self._failures: dict[str, str] = {}
        self._rate_limits = dict(rate_limits or {})
        self._latency_seconds = latency_seconds
        self._rate_limit_window_seconds = rate_limit_window_seconds
        self._channel_rate_limits = dict(channel_rate_limits or {})
        self._channel_rate_window_seconds = channel_rate_window_seconds
        self._lock = threading.Lock()
        self._workspace = _Workspace(users)
        self._calls: list[RecordedCall] = []
        self._responses: list[RecordedCall] = []
        self._accepted_at: dict[str, deque[float]] = {}
        self._channel_accepted_at: dict[tuple[str, str], deque[float]] = {}
        ServedStandIn.__init__(self)

    # Lifecycle

    def _on_start(self) -> None:
        with self._lock:
            self._workspace.upload_base_url = f"http://127.0.0.1:{self.port}{UPLOAD_PATH}"

    @property
    def api_url(self) -> str:
        """Base URL for slack_sdk's WebClient(base_url=...), ending in "/api/"."""
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, token: str) -> str:
        """Return the local URL that replaces hooks.slack.com as one interaction's response_url."""
        if not token:
            raise ValueError("response URL token must not be empty")
        return f"http://127.0.0.1:{self.port}/response/{quote(token, safe='')}"

    # Records and state

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        """Return the recorded Web API calls in arrival order, optionally for one method."""
        with self._lock:
            selected = [call for call in self._calls if method is None or call.method == method]
        return [dataclasses.replace(call, params=copy.deepcopy(call.params)) for call in selected]

    def responses(self, token: str | None = None) -> list[RecordedCall]:
        """Return the JSON bodies posted to response URLs, optionally for one token."""
        with self._lock:
            selected = [call for call in self._responses if token is None or call.token == token]
        return [dataclasses.replace(call, params=copy.deepcopy(call.params)) for call in selected]

    def count(self, method: str) -> int:
        """Return how many calls of a method were recorded, whatever their status."""
        with self._lock:
            return sum(1 for call in self._calls if call.method == method)

    def rejected_for_rate(self) -> int:
        """Return how many recorded calls got an HTTP 429 response."""
        with self._lock:
            return sum(1 for call in self._calls if call.status == HTTPStatus.TOO_MANY_REQUESTS)

    def reset(self) -> None:
        """Clear recorded calls and responses.

        Messages, views and rate-limit windows are workspace state and stay as they are.
        """
        with self._lock:
            self._calls.clear()
            self._responses.clear()

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Return the messages the bot posted to a channel, oldest first, with updates applied.

        Thread replies are included and carry thread_ts.
        """
        with self._lock:
            return copy.deepcopy(list(self._workspace.channels.get(channel, {}).values()))

    # Request handling, called from the server's handler threads

    def _handle_api_request(
        self,
        *,
        method: str,
        query: str,
        body: bytes,
        content_type: str,
        authorization: str | None,
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        received_at = time.monotonic()
        parse_error: str | None = None
        try:
            params = _parse_params(query, body, content_type)
        except _ApiError as error:
            params, parse_error = {}, error.error
        # The Web API also accepts the token as a form argument.
        form_token = params.pop("token", None)
        token = _bearer_token(authorization) or (str(form_token) if form_token else None)

        status = int(HTTPStatus.OK)
        headers: dict[str, str] = {}
        with self._lock:
            api_method = self._workspace.methods.get(method)
            expected_token: str | None = self._bot_token
            if method == "apps.connections.open":
                api_method, expected_token = self._connections_open, self._app_token
            if api_method is None or expected_token is None:
                response = _ApiError("unknown_method").body()
            elif parse_error is not None:
                response = _ApiError(parse_error).body()
            elif token is None:
                response = _ApiError("not_authed").body()
            elif token != expected_token:
                response = _ApiError("invalid_auth").body()
            elif method in self._failures:
                response = _ApiError(self._failures[method]).body()
            else:
                retry_after = self._take_rate_slot(method, params.get("channel"))
                if retry_after is not None:
                    status = int(HTTPStatus.TOO_MANY_REQUESTS)
                    headers["Retry-After"] = str(retry_after)
                    response = _ApiError("ratelimited").body()
                    logger.debug("Slack stand-in rate-limited %s for %d s", method, retry_after)
                else:
                    try:
                        response = {"ok": True, **api_method(params)}
                    except _ApiError as error:
                        response = error.body()
            self._calls.append(
                RecordedCall(
                    method=method,
                    params=copy.deepcopy(params),
                    at=received_at,
                    status=status,
                    error=response.get("error"),
                )
            )
        if response.get("error") and status != HTTPStatus.TOO_MANY_REQUESTS:
            logger.debug("Slack stand-in returned %s for %s", response["error"], method)
        self._delay()
        return status, response, headers

    def set_bot_member(self, channel_id: str, *, is_member: bool) -> None:
        """Set whether conversations.info reports the bot as a member of a conversation."""
        with self._lock:
            if is_member:
                self._workspace.non_member_channels.discard(channel_id)
            else:
                self._workspace.non_member_channels.add(channel_id)

    def set_channel_members(self, channel_id: str, user_ids: list[str]) -> None:
        """Set the member ids conversations.members returns for a conversation."""
        with self._lock:
            self._workspace.channel_members[channel_id] = list(user_ids)

    def set_user(self, user_id: str, **fields: Any) -> None:
        """Set fields users.info returns for a user, such as deleted=True or is_bot=True."""
        with self._lock:
            self._workspace.users.setdefault(user_id, {}).update(fields)

    def set_channel(
        self, channel_id: str, *, name: str | None = None, archived: bool | None = None
    ) -> None:
        """Set the name or the archived flag conversations.info reports for a conversation."""
        with self._lock:
            if name is not None:
                self._workspace.channel_names[channel_id] = name
            if archived is True:
                self._workspace.archived_channels.add(channel_id)
            elif archived is False:
                self._workspace.archived_channels.discard(channel_id)

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """Return the Home tab view last published to a user, or None."""
        with self._lock:
            view = self._workspace.home_views.get(user_id)
            return copy.deepcopy(view) if view is not None else None

    def uploaded_files(self) -> list[UploadedFile]:
        """Return the files shared with files.completeUploadExternal, in upload order."""
        with self._lock:
            return list(self._workspace.uploaded_files)

    def pinned(self, channel_id: str) -> list[str]:
        """Return the timestamps of the messages pinned in a conversation, in pin order."""
        with self._lock:
            return list(self._workspace.pins.get(channel_id, []))

    def fail(self, method: str, error: str) -> None:
        """Answer every later call of a method with {"ok": false, "error": error}."""
        with self._lock:
            self._failures[method] = error

    def clear_failures(self) -> None:
        """Answer every method normally again."""
        with self._lock:
            self._failures.clear()

    def _connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.socket_mode_url is None:
            raise _ApiError("invalid_auth")
        return {"url": self.socket_mode_url}

    def clear_rate_windows(self) -> None:
        """Forget the calls counted against rate limits, as if their window had passed."""
        with self._lock:
            self._accepted_at.clear()
            self._channel_accepted_at.clear()

    def _take_rate_slot(self, method: str, channel: Any = None) -> int | None:
        """Count a call against its method's limits, or return Retry-After seconds if one is full.

        A call refused by one limit is counted against none.
        """
        now = time.monotonic()
        windows: list[tuple[deque[float], int, float]] = []
        limit = self._rate_limits.get(method)
        if limit is not None:
            accepted_at = self._accepted_at.setdefault(method, deque())
            windows.append((accepted_at, limit, self._rate_limit_window_seconds))
        channel_limit = self._channel_rate_limits.get(method)
        if channel_limit is not None and channel:
            conversation = str(channel)
            if conversation[0] in "UW":
                conversation = direct_message_channel(conversation)
            accepted_at = self._channel_accepted_at.setdefault((method, conversation), deque())
            windows.append((accepted_at, channel_limit, self._channel_rate_window_seconds))
        waits = []
        for accepted_at, calls, window in windows:
            while accepted_at and accepted_at[0] <= now - window:
                accepted_at.popleft()
            if len(accepted_at) >= calls:
                waits.append(accepted_at[0] + window - now)
        if waits:
            return max(1, math.ceil(max(waits)))
        for accepted_at, _calls, _window in windows:
            accepted_at.append(now)
        return None

    def _handle_upload(self, *, file_id: str, body: bytes) -> tuple[int, str]:
        """Store the bytes posted to an upload URL; return the status and body Slack sends."""
        with self._lock:
            known = self._workspace.receive_upload(file_id, body)
            self._calls.append(
                RecordedCall(
                    method="upload",
                    params={"file_id": file_id, "size": len(body)},
                    at=time.monotonic(),
                    status=int(HTTPStatus.OK if known else HTTPStatus.NOT_FOUND),
                    error=None if known else "file_not_found",
                )
            )
        self._delay()
        if not known:
            return int(HTTPStatus.NOT_FOUND), "file_not_found"
        return int(HTTPStatus.OK), f"OK - {len(body)}"

    def _handle_response_url(self, *, token: str, body: bytes) -> tuple[int, str]:
        received_at = time.monotonic()
        try:
            payload = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            payload = None
        if isinstance(payload, dict):
            # Slack's incoming webhooks return the plain text "ok", as slack_sdk's own test
            # server for WebhookClient does.
            status, text, error = int(HTTPStatus.OK), "ok", None
        else:
            # Slack's incoming webhooks reject an unreadable body with HTTP 400 "invalid_payload".
            status, text, error = int(HTTPStatus.BAD_REQUEST), "invalid_payload", "invalid_payload"
            payload = {}
        with self._lock:
            self._responses.append(
                RecordedCall(
                    method=RESPONSE_URL_METHOD,
                    params=payload,
                    at=received_at,
                    status=status,
                    error=error,
                    token=token,
                )
            )
        self._delay()
        return status, text

    def _delay(self) -> None:
        if self._latency_seconds > 0:
            time.sleep(self._latency_seconds)
