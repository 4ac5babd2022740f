"""Arguments of the Teams text commands: whole numbers, and channels named by name or id."""

from __future__ import annotations

from typing import Any

from bot.core.conversations import ConversationRef, find_conversation, known_channels
from bot.core.errors import InvalidInput
from handlers.teams.activity import PLATFORM, channel_and_thread, conversation_kind
from storage.database import Database

# Channel names listed in the error for a channel the bot has not seen.
MAX_NAMES_LISTED = 10
NOT_SEEN_HINT = (
    "Add the staffvoice app to the channel's team in Teams, then try again, "
    "because the bot can post only in channels of teams it is in."
)


def whole_number(text: str, *, name: str, usage: str) -> int:
    """Return text as an int, raising InvalidInput that names the argument and the usage."""
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not a valid {name}: give a whole number, as in {usage}."
        ) from None


def command_channel(activity: dict[str, Any]) -> str | None:
    """Return the channel a command was sent in, or None for a personal or group chat."""
    if conversation_kind(activity) != "channel":
        return None
    channel, _root = channel_and_thread(activity)
    return channel or None


def channel_choices(db: Database) -> list[tuple[str, str]]:
    """Return (channel id, name) of each Teams channel the bot has seen, for a form's choice."""
    return [(ref.conversation_id, ref.name or ref.conversation_id) for ref in known_channels(db)]


def known_channel(db: Database, channel_id: str) -> ConversationRef:
    """Return a Teams channel the bot has seen, raising InvalidInput for any other id."""
    ref = find_conversation(db, channel_id)
    if ref is None or ref.kind != "channel":
        raise InvalidInput(
            f"The bot has not seen the Teams channel {channel_id}. {NOT_SEEN_HINT}",
            field="channel",
        )
    return ref


def resolve_channel(db: Database, text: str) -> ConversationRef:
    """Return the Teams channel a command names by id or by name, ignoring case and a leading #.

    Raises InvalidInput when no seen channel matches, or when several have the name.
    """
    requested = text.strip()
    channels = known_channels(db)
    for ref in channels:
        if ref.conversation_id == requested:
            return ref
    name = requested.removeprefix("#").strip().casefold()
    named = [ref for ref in channels if (ref.name or "").casefold() == name]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        ids = ", ".join(ref.conversation_id for ref in named)
        raise InvalidInput(
            f"{len(named)} channels are named {requested!r}, in different teams: give the "
            f"channel id instead, one of {ids}.",
            field="channel",
        )
    names = [ref.name for ref in channels if ref.name][:MAX_NAMES_LISTED]
    seen = f" The channels it has seen are: {', '.join(names)}." if names else ""
    raise InvalidInput(
        f"The bot has not seen a Teams channel named {requested!r}.{seen} {NOT_SEEN_HINT}",
        field="channel",
    )


def channel_label(db: Database, *, platform: str, channel_id: str) -> str:
    """Return how a campaign's or board's channel reads in a message, such as "Teams: Ward 5"."""
    if platform == PLATFORM:
        ref = find_conversation(db, channel_id)
        name = ref.name if ref is not None and ref.name else channel_id
        return f"Teams: {name}"
    return f"{platform.capitalize()}: {channel_id}"
