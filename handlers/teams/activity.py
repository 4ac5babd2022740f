"""Reading Bot Framework activities: who sent them, from which conversation, saying what."""

from __future__ import annotations

import html
import re
from typing import Any

from bot.core.conversations import ConversationRef
from bot.core.records import Person

PLATFORM = "teams"
# A channel message's reply chain is the channel's conversation id with the root
# message's id appended, as "19:...@thread.tacv2;messageid=1712345678901".
THREAD_MARK = ";messageid="
_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def tenant_of(activity: dict[str, Any]) -> str:
    """Return the activity's tenant id, from the conversation or the channel data."""
    conversation = activity.get("conversation") or {}
    tenant = conversation.get("tenantId")
    if not tenant:
        tenant = ((activity.get("channelData") or {}).get("tenant") or {}).get("id")
    return str(tenant or "")


def sender(activity: dict[str, Any], *, with_name: bool = True) -> Person:
    """Return the person who sent the activity.

    The user id is the person's Entra object id, the same in every conversation and
    the one STAFFVOICE_TEAMS_MANAGERS lists. The Teams account id is used when it is missing.
    """
    account = activity.get("from") or {}
    user_id = account.get("aadObjectId") or account.get("id") or ""
    return Person(
        platform=PLATFORM,
        team_id=tenant_of(activity),
        user_id=str(user_id).lower() if account.get("aadObjectId") else str(user_id),
        display_name=(account.get("name") or None) if with_name else None,
    )


def conversation_id(activity: dict[str, Any]) -> str:
    """Return the activity's conversation id as sent, reply-chain mark included."""
    return str((activity.get("conversation") or {}).get("id") or "")


def channel_and_thread(activity: dict[str, Any]) -> tuple[str, str | None]:
    """Return the conversation id without a reply-chain mark, and the chain's root id."""
    channel, _, root = conversation_id(activity).partition(THREAD_MARK)
    return channel, root or None


def conversation_kind(activity: dict[str, Any]) -> str:
    """Return "personal", "channel" or "groupChat"."""
    return str((activity.get("conversation") or {}).get("conversationType") or "personal")


def conversation_ref(activity: dict[str, Any]) -> ConversationRef:
    """Return where the activity came from, to send to it later."""
    kind = conversation_kind(activity)
    channel_data = activity.get("channelData") or {}
    account = activity.get("from") or {}
    channel, _root = channel_and_thread(activity)
    personal = kind == "personal"
    return ConversationRef(
        conversation_id=channel,
        kind=kind,
        tenant_id=tenant_of(activity),
        service_url=str(activity.get("serviceUrl") or ""),
        user_id=sender(activity).user_id if personal else None,
        member_id=account.get("id") if personal else None,
        team_id=(channel_data.get("team") or {}).get("id"),
        name=_channel_name(channel_data, channel),
    )


def _channel_name(channel_data: dict[str, Any], conversation_id: str) -> str | None:
    # A channelCreated or channelRenamed update names another channel than the one
    # it arrives in, so a name is taken only for the conversation's own channel.
    channel = channel_data.get("channel") or {}
    return channel.get("name") if channel.get("id") == conversation_id else None


def plain_text(activity: dict[str, Any]) -> str:
    """Return the message text without @mentions of the bot and without HTML tags."""
    text = str(activity.get("text") or "")
    text = _MENTION.sub(" ", text)
    text = _TAG.sub(" ", text)
    return " ".join(html.unescape(text).split())


def action_of(activity: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return an adaptiveCard/action invoke's verb and data (inputs included)."""
    value = activity.get("value") or {}
    action = value.get("action") or {}
    data = action.get("data") or {}
    return str(action.get("verb") or ""), dict(data) if isinstance(data, dict) else {}


def mentions_bot(activity: dict[str, Any]) -> bool:
    """Return whether a message @mentions the bot it was sent to."""
    bot_id = (activity.get("recipient") or {}).get("id")
    for entity in activity.get("entities") or []:
        if entity.get("type") == "mention" and (entity.get("mentioned") or {}).get("id") == bot_id:
            return True
    return "<at>" in str(activity.get("text") or "").lower()
