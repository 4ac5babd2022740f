"""Request bodies shaped like those Slack sends to an app's Request URL.

Each builder returns ``(body, content_type)``: slash commands and interactions are
form-encoded (interactions as a single ``payload`` field holding JSON), Events API
requests are JSON. Field lists follow the examples in Slack's reference pages for
slash commands, the Events API envelope, reaction_added, message_changed,
message_deleted, block_actions and view_submission. IDs of the team, app and bot user
match the SlackStandIn workspace.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from typing import Any, Literal
from urllib.parse import urlencode

from bot.simulate.slack_standin import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    VERIFICATION_TOKEN,
    channel_name,
    channel_type,
)

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"

ReactionKind = Literal["reaction_added", "reaction_removed"]


def _json_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode("utf-8")


def _interaction_body(payload: dict[str, Any]) -> tuple[bytes, str]:
    form = urlencode({"payload": json.dumps(payload, separators=(",", ":"))})
    return form.encode("utf-8"), FORM_CONTENT_TYPE


def _now_ts() -> str:
    return f"{time.time():.6f}"


def _trigger_id(*parts: str) -> str:
    """Return an ID shaped like Slack's trigger_id, derived from the given parts."""
    digest = hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()
    return f"{int(time.time())}.{int(digest[:8], 16)}.{digest[8:40]}"


def _user_ref(*, user_id: str, user_name: str, team_id: str) -> dict[str, str]:
    return {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id}


def _team_ref(team_id: str) -> dict[str, str]:
    return {"id": team_id, "domain": TEAM_DOMAIN}


def slash_command(
    *,
    command: str = "/idea",
    text: str,
    user_id: str,
    user_name: str,
    channel_id: str,
    team_id: str = TEAM_ID,
    response_url: str,
    trigger_id: str,
) -> tuple[bytes, str]:
    """Build the form body Slack posts when a user runs a slash command."""
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name(channel_id),
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    return urlencode(fields).encode("utf-8"), FORM_CONTENT_TYPE


def _event_context(event: dict[str, Any], team_id: str) -> str:
    # Slack documents event_context as opaque. Captured payloads carry "4-" plus unpadded
    # base64 JSON naming the event type, team, app and channel, so this builds the same.
    channel = event.get("channel") or event.get("item", {}).get("channel", "")
    context = {"et": event["type"], "tid": team_id, "aid": APP_ID, "cid": channel}
    encoded = base64.urlsafe_b64encode(json.dumps(context, separators=(",", ":")).encode())
    return "4-" + encoded.decode("ascii").rstrip("=")


def event_callback(
    event: dict[str, Any],
    *,
    team_id: str = TEAM_ID,
    event_id: str,
    event_time: int,
) -> tuple[bytes, str]:
    """Build the Events API envelope that wraps one event."""
    if not isinstance(event.get("type"), str):
        raise ValueError(f"event must have a string 'type', got {event.get('type')!r}")
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": _event_context(event, team_id),
    }
    return _json_body(envelope), JSON_CONTENT_TYPE


def url_verification(challenge: str) -> tuple[bytes, str]:
    """Build the url_verification request Slack sends when a Request URL is saved."""
    payload = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
    return _json_body(payload), JSON_CONTENT_TYPE


def reaction_event(
    kind: ReactionKind,
    *,
    user: str,
    reaction: str,
    channel: str,
    ts: str,
    item_user: str | None,
    event_ts: str,
) -> dict[str, Any]:
    """Build a reaction_added or reaction_removed event on a message.

    item_user is the author of the message. Slack leaves it out for messages that no
    user wrote, such as those from incoming webhooks, and None does the same.
    """
    if kind not in ("reaction_added", "reaction_removed"):
        raise ValueError(f"kind must be reaction_added or reaction_removed, got {kind!r}")
    event: dict[str, Any] = {
        "type": kind,
        "user": user,
        "reaction": reaction,
    }
    if item_user is not None:
        event["item_user"] = item_user
    event["item"] = {
        "type": "message",
        "channel": channel,
        "ts": ts,
        "channel_type": channel_type(channel),
    }
    event["event_ts"] = event_ts
    return event


def _rich_text_blocks(text: str, *, ts: str) -> list[dict[str, Any]]:
    """Return the rich_text block Slack clients attach to a typed message."""
    return [
        {
            "type": "rich_text",
            "block_id": hashlib.sha256(ts.encode()).hexdigest()[:5],
            "elements": [
                {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
            ],
        }
    ]


def thread_reply_event(
    *,
    user: str,
    text: str,
    channel: str,
    ts: str,
    thread_ts: str,
    bot_id: str | None = None,
    parent_user_id: str | None = None,
) -> dict[str, Any]:
    """Build the message event for a reply in a thread.

    With bot_id the reply looks like one an app posted, which carries bot_id in place of
    the client_msg_id and rich_text blocks of a typed message.
    """
    event: dict[str, Any] = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "thread_ts": thread_ts,
        "team": TEAM_ID,
        "channel": channel,
        "channel_type": channel_type(channel),
        "event_ts": ts,
    }
    if parent_user_id is not None:
        event["parent_user_id"] = parent_user_id
    if bot_id is None:
        event["client_msg_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{channel}/{ts}"))
        event["blocks"] = _rich_text_blocks(text, ts=ts)
    else:
        event["bot_id"] = bot_id
    return event


def _previous_message(*, user: str, text: str, ts: str, thread_ts: str | None) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "message", "user": user, "text": text, "ts": ts}
    if thread_ts is not None:
        message["thread_ts"] = thread_ts
    return message


def message_changed_event(
    *,
    channel: str,
    ts: str,
    thread_ts: str | None,
    user: str,
    new_text: str,
    event_ts: str,
    old_text: str = "",
) -> dict[str, Any]:
    """Build the message_changed event for an edit of the message at ts.

    thread_ts is None for a top-level message. event_ts is the time of the edit, which
    Slack also uses as the event's own ts and as message.edited.ts.
    """
    message = _previous_message(user=user, text=new_text, ts=ts, thread_ts=thread_ts)
    message["edited"] = {"user": user, "ts": event_ts}
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": channel,
        "channel_type": channel_type(channel),
        "ts": event_ts,
        "event_ts": event_ts,
        "message": message,
        "previous_message": _previous_message(user=user, text=old_text, ts=ts, thread_ts=thread_ts),
    }


def message_deleted_event(
    *,
    channel: str,
    deleted_ts: str,
    thread_ts: str | None,
    user: str,
    event_ts: str,
    old_text: str = "",
) -> dict[str, Any]:
    """Build the message_deleted event for the message at deleted_ts."""
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": channel,
        "channel_type": channel_type(channel),
        "ts": event_ts,
        "deleted_ts": deleted_ts,
        "event_ts": event_ts,
        "previous_message": _previous_message(
            user=user, text=old_text, ts=deleted_ts, thread_ts=thread_ts
        ),
    }


def block_actions(
    *,
    user_id: str,
    user_name: str,
    team_id: str = TEAM_ID,
    channel_id: str,
    message_ts: str,
    action_id: str,
    value: str,
    block_id: str,
    response_url: str,
    trigger_id: str,
    message_text: str = "",
    message_blocks: list[dict[str, Any]] | None = None,
    action_ts: str | None = None,
    selected_option: dict[str, Any] | None = None,
    action_type: str = "static_select",
    is_ephemeral: bool = False,
) -> tuple[bytes, str]:
    """Build the block_actions interaction for a click on a bot message's button or menu.

    With selected_option, the action is a choice in a menu of action_type, such as
    static_select or overflow, rather than a button click, and value is unused. An
    ephemeral message carries no message object.
    """
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "action_ts": action_ts or _now_ts(),
    }
    if selected_option is None:
        action.update(type="button", value=value)
    else:
        action.update(type=action_type, selected_option=selected_option)
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user_ref(user_id=user_id, user_name=user_name, team_id=team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": is_ephemeral,
        },
        "trigger_id": trigger_id,
        "team": _team_ref(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": channel_name(channel_id)},
        "message": {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": team_id,
            "ts": message_ts,
            "text": message_text,
            "blocks": message_blocks or [],
        },
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }
    if is_ephemeral:
        del payload["message"]
    return _interaction_body(payload)


def view_submission(
    *,
    user_id: str,
    user_name: str,
    team_id: str = TEAM_ID,
    callback_id: str,
    values: dict[str, Any],
    private_metadata: str = "",
    view_id: str = "V0001",
    trigger_id: str | None = None,
    view_hash: str | None = None,
) -> tuple[bytes, str]:
    """Build the view_submission interaction for a submitted modal.

    values is the view's state.values: block_id to action_id to the element's state.
    """
    payload: dict[str, Any] = {
        "type": "view_submission",
        "team": _team_ref(team_id),
        "user": _user_ref(user_id=user_id, user_name=user_name, team_id=team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or _trigger_id(view_id, callback_id, user_id),
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "blocks": [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": values},
            "hash": view_hash or f"{int(time.time())}.{view_id.lower()}",
            "title": {"type": "plain_text", "text": "StaffVoice", "emoji": True},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": APP_ID,
            "external_id": "",
            "app_installed_team_id": team_id,
            "bot_id": BOT_ID,
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return _interaction_body(payload)
