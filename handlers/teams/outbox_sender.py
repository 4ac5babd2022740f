"""Sends outbox messages to Teams: direct messages to people and messages to channels."""

from __future__ import annotations

import logging

from bot.core.conversations import ConversationRef, find_conversation, personal_chat
from bot.core.errors import DeliveryFailed
from bot.core.outbox import OutboundMessage
from handlers.teams.activity import PLATFORM
from handlers.teams.connector import TeamsConnector, card_activity, text_activity
from handlers.teams.converted import card_from_blocks
from storage.database import Database

logger = logging.getLogger(__name__)

# Failures no retry can fix: no conversation with the recipient, or Teams rejected it.
PERMANENT_REASONS = frozenset(
    {"no_conversation", "ConversationNotFound", "BotNotInConversationRoster", "http_403"}
)


class TeamsOutboxSender:
    """The OutboxSender of Teams: a recipient is a person's user id or a conversation id."""

    def __init__(self, connector: TeamsConnector, db: Database) -> None:
        self._connector = connector
        self._db = db

    @property
    def permanent_reasons(self) -> frozenset[str]:
        """Return the DeliveryFailed reasons that no retry can fix."""
        return PERMANENT_REASONS

    def _conversation(self, recipient: str) -> ConversationRef:
        conversation = find_conversation(self._db, recipient) or personal_chat(self._db, recipient)
        if conversation is None:
            raise DeliveryFailed(
                "The bot has no chat with this person: they have to open staffvoice in Teams once.",
                reason="no_conversation",
            )
        return conversation

    def send(self, message: OutboundMessage) -> str:
        """Send a message and return its activity id; raises RateLimited or DeliveryFailed."""
        if message.platform != PLATFORM:
            raise DeliveryFailed("Not a Teams message.", reason="wrong_platform")
        conversation = self._conversation(message.recipient)
        if message.card is not None:
            activity = card_activity(message.card)
        elif message.blocks:
            activity = card_activity(card_from_blocks(message.blocks, fallback=message.text))
        else:
            # A file (a chart) is not sent to Teams. Its text describes what the file showed.
            activity = text_activity(message.text)
        return self._connector.send(
            conversation.service_url, conversation.conversation_id, activity
        )
