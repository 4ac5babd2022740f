"""Bot Framework activities as Teams sends them to a bot, and a client that posts them.

The shapes follow Microsoft's Bot Framework and Teams documentation: message,
invoke (adaptiveCard/action, composeExtension/fetchTask and submitAction),
messageReaction, conversationUpdate and installationUpdate. The tests and the
simulation use them to drive the bot's POST /api/messages.
"""

from __future__ import annotations

import http.client
import itertools
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

TENANT_ID = "00000000-0000-4000-8000-00000000aaaa"
BOT_ID = "28:00000000-0000-4000-8000-000000000001"
TEAMS_CHANNEL = "msteams"
_ids = itertools.count(1_700_000_000_000)


@dataclass(frozen=True)
class TeamsUser:
    """A Teams user: Entra object id, Teams account id and display name."""

    aad_id: str
    member_id: str
    name: str

    @classmethod
    def numbered(cls, number: int, name: str | None = None) -> TeamsUser:
        """Return a user with ids made from a number, for tests and the simulation."""
        return cls(
            aad_id=f"00000000-0000-4000-9000-{number:012d}",
            member_id=f"29:1member{number:08d}",
            name=name or f"Teams user {number}",
        )

    def account(self) -> dict[str, Any]:
        """Return the user as an activity's from field."""
        return {"id": self.member_id, "name": self.name, "aadObjectId": self.aad_id}


@dataclass(frozen=True)
class TeamsChannel:
    """A channel of a team."""

    channel_id: str
    name: str
    team_id: str
    team_name: str = "Trust staff"


def next_id() -> str:
    """Return a new activity id, unique in this process."""
    return str(next(_ids))


def _base(
    kind: str,
    user: TeamsUser,
    conversation: dict[str, Any],
    *,
    service_url: str,
    channel_data: dict[str, Any],
    activity_id: str | None = None,
) -> dict[str, Any]:
    return {
        "type": kind,
        "id": activity_id or next_id(),
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "serviceUrl": service_url,
        "channelId": TEAMS_CHANNEL,
        "from": user.account(),
        "conversation": conversation,
        "recipient": {"id": BOT_ID, "name": "staffvoice"},
        "channelData": {"tenant": {"id": TENANT_ID}, **channel_data},
        "locale": "en-GB",
    }


def personal(user: TeamsUser) -> dict[str, Any]:
    """Return the conversation of a user's personal chat with the bot."""
    return {
        "id": f"a:1personal{user.member_id.split(':')[-1]}",
        "conversationType": "personal",
        "tenantId": TENANT_ID,
    }


def in_channel(channel: TeamsChannel, *, root: str | None = None) -> dict[str, Any]:
    """Return a channel's conversation, or a reply chain's when root names its first message."""
    conversation_id = channel.channel_id + (f";messageid={root}" if root else "")
    return {
        "id": conversation_id,
        "conversationType": "channel",
        "tenantId": TENANT_ID,
        "isGroup": True,
    }


def _channel_data(channel: TeamsChannel | None) -> dict[str, Any]:
    if channel is None:
        return {}
    return {
        "team": {"id": channel.team_id, "name": channel.team_name},
        "channel": {"id": channel.channel_id, "name": channel.name},
    }


def message(
    user: TeamsUser,
    text: str,
    *,
    service_url: str,
    channel: TeamsChannel | None = None,
    root: str | None = None,
    activity_id: str | None = None,
    mention: bool | None = None,
) -> dict[str, Any]:
    """Return a message: in the user's personal chat, or in a channel (a reply with root).

    A message in a channel that is not a reply @mentions the bot unless mention is False,
    as a command to the bot in a channel does.
    """
    activity_id = activity_id or next_id()
    # A new post in a channel starts a reply chain of its own, and Teams gives its
    # conversation id with the post's own id as the chain's root.
    conversation = (
        personal(user) if channel is None else in_channel(channel, root=root or activity_id)
    )
    activity = _base(
        "message",
        user,
        conversation,
        service_url=service_url,
        channel_data=_channel_data(channel),
        activity_id=activity_id,
    )
    if mention is None:
        mention = channel is not None and root is None
    if mention:
        activity["text"] = f"<at>staffvoice</at> {text}"
        activity["entities"] = [
            {
                "type": "mention",
                "mentioned": {"id": BOT_ID, "name": "staffvoice"},
                "text": "<at>staffvoice</at>",
            }
        ]
    else:
        activity["text"] = text
    activity["textFormat"] = "plain"
    if root is not None:
        activity["replyToId"] = root
    return activity


def card_action(
    user: TeamsUser,
    verb: str,
    data: dict[str, Any],
    *,
    service_url: str,
    channel: TeamsChannel | None = None,
    message_id: str | None = None,
    activity_id: str | None = None,
) -> dict[str, Any]:
    """Return the adaptiveCard/action invoke of an Action.Execute press, inputs in data."""
    conversation = personal(user) if channel is None else in_channel(channel)
    activity = _base(
        "invoke",
        user,
        conversation,
        service_url=service_url,
        channel_data=_channel_data(channel),
        activity_id=activity_id,
    )
    activity["name"] = "adaptiveCard/action"
    activity["value"] = {
        "action": {"type": "Action.Execute", "verb": verb, "data": data},
        "trigger": "manual",
    }
    if message_id is not None:
        activity["replyToId"] = message_id
    return activity


def fetch_task(
    user: TeamsUser,
    *,
    service_url: str,
    channel: TeamsChannel | None = None,
    message_text: str | None = None,
) -> dict[str, Any]:
    """Return the composeExtension/fetchTask invoke of the "Post an idea" action."""
    conversation = personal(user) if channel is None else in_channel(channel)
    activity = _base(
        "invoke", user, conversation, service_url=service_url, channel_data=_channel_data(channel)
    )
    activity["name"] = "composeExtension/fetchTask"
    value: dict[str, Any] = {
        "commandId": "newIdea",
        "commandContext": "message" if message_text else "compose",
        "context": {"theme": "default"},
    }
    if message_text:
        value["messagePayload"] = {
            "id": next_id(),
            "body": {"contentType": "html", "content": f"<p>{message_text}</p>"},
        }
    activity["value"] = value
    return activity


def submit_action(
    user: TeamsUser,
    data: dict[str, Any],
    *,
    service_url: str,
    channel: TeamsChannel | None = None,
) -> dict[str, Any]:
    """Return the composeExtension/submitAction invoke of the idea dialog's form."""
    conversation = personal(user) if channel is None else in_channel(channel)
    activity = _base(
        "invoke", user, conversation, service_url=service_url, channel_data=_channel_data(channel)
    )
    activity["name"] = "composeExtension/submitAction"
    activity["value"] = {
        "commandId": "newIdea",
        "commandContext": "compose",
        "context": {"theme": "default"},
        "data": data,
    }
    return activity


def reaction(
    user: TeamsUser,
    channel: TeamsChannel,
    message_id: str,
    *,
    service_url: str,
    added: bool = True,
    kind: str = "like",
    activity_id: str | None = None,
) -> dict[str, Any]:
    """Return a messageReaction activity: a reaction added to or removed from a message."""
    activity = _base(
        "messageReaction",
        user,
        in_channel(channel, root=message_id),
        service_url=service_url,
        channel_data=_channel_data(channel),
        activity_id=activity_id,
    )
    activity["replyToId"] = message_id
    activity["reactionsAdded" if added else "reactionsRemoved"] = [{"type": kind}]
    return activity


def reply_edited(
    user: TeamsUser,
    channel: TeamsChannel,
    root: str,
    message_id: str,
    text: str,
    *,
    service_url: str,
) -> dict[str, Any]:
    """Return the messageUpdate Teams sends when a reply in a channel's reply chain is edited."""
    activity = _base(
        "messageUpdate",
        user,
        in_channel(channel, root=root),
        service_url=service_url,
        channel_data={**_channel_data(channel), "eventType": "editMessage"},
        activity_id=message_id,
    )
    activity["text"] = text
    activity["replyToId"] = root
    return activity


def reply_deleted(
    user: TeamsUser, channel: TeamsChannel, root: str, message_id: str, *, service_url: str
) -> dict[str, Any]:
    """Return the messageDelete Teams sends when a reply in a reply chain is deleted."""
    activity = _base(
        "messageDelete",
        user,
        in_channel(channel, root=root),
        service_url=service_url,
        channel_data={**_channel_data(channel), "eventType": "softDeleteMessage"},
        activity_id=message_id,
    )
    activity["replyToId"] = root
    return activity


def bot_added_to_team(
    installer: TeamsUser, channel: TeamsChannel, *, service_url: str
) -> dict[str, Any]:
    """Return the conversationUpdate Teams sends when the bot is added to a team."""
    activity = _base(
        "conversationUpdate",
        installer,
        in_channel(channel),
        service_url=service_url,
        channel_data={**_channel_data(channel), "eventType": "teamMemberAdded"},
    )
    activity["membersAdded"] = [{"id": BOT_ID}]
    return activity


def channel_created(
    user: TeamsUser, team_channel: TeamsChannel, new_channel: TeamsChannel, *, service_url: str
) -> dict[str, Any]:
    """Return the conversationUpdate Teams sends when a channel is created in the bot's team."""
    activity = _base(
        "conversationUpdate",
        user,
        in_channel(team_channel),
        service_url=service_url,
        channel_data={**_channel_data(new_channel), "eventType": "channelCreated"},
    )
    return activity


def installed_personally(user: TeamsUser, *, service_url: str) -> dict[str, Any]:
    """Return the installationUpdate Teams sends when a user adds the bot for themselves."""
    activity = _base(
        "installationUpdate", user, personal(user), service_url=service_url, channel_data={}
    )
    activity["action"] = "add"
    return activity


@dataclass(frozen=True)
class TeamsResult:
    """The status and JSON body (None when empty) of one activity sent to the bot."""

    status: int
    body: Any


class TeamsActivityClient:
    """Posts activities to the bot's POST /api/messages over one kept-alive connection."""

    def __init__(self, *, port: int, timeout: float = 30.0) -> None:
        self._port = port
        self._timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def send(self, activity: dict[str, Any]) -> TeamsResult:
        """Post one activity and return the bot's response."""
        return self.raw(json.dumps(activity).encode("utf-8"))

    def raw(self, body: bytes, *, content_type: str = "application/json") -> TeamsResult:
        """Post a body as given, for bad input."""
        headers = {"Content-Type": content_type}
        for attempt in (1, 2):
            if self._connection is None:
                self._connection = http.client.HTTPConnection(
                    "127.0.0.1", self._port, timeout=self._timeout
                )
            try:
                self._connection.request("POST", "/api/messages", body=body, headers=headers)
                response = self._connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                try:
                    parsed = json.loads(text) if text else None
                except ValueError:
                    parsed = text
                return TeamsResult(response.status, parsed)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close the kept-alive connection."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
