"""Where the bot can reach a Teams conversation: its service URL, and people's personal chats.

Teams gives a bot the service URL of a conversation only in activities from it, and
a bot can start a chat with a person only through an account id it has received.
This module stores both, so proactive messages (ideas posted to a channel, digests
and direct messages) can be sent later from any process.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from storage import teams_conversations as store
from storage.database import Database
from storage.models import TeamsConversation

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConversationRef:
    """A Teams conversation the bot can send to."""

    conversation_id: str
    kind: str
    tenant_id: str
    service_url: str
    user_id: str | None = None
    member_id: str | None = None
    team_id: str | None = None
    name: str | None = None


def remember_conversation(db: Database, ref: ConversationRef, *, now: datetime) -> None:
    """Store or refresh a conversation seen in an incoming activity."""
    with db.transaction() as session:
        store.remember(
            session,
            conversation_id=ref.conversation_id,
            kind=ref.kind,
            tenant_id=ref.tenant_id,
            service_url=ref.service_url,
            now=now,
            user_id=ref.user_id,
            member_id=ref.member_id,
            team_id=ref.team_id,
            name=ref.name,
        )


def _ref(row: TeamsConversation) -> ConversationRef:
    return ConversationRef(
        conversation_id=row.conversation_id,
        kind=row.kind,
        tenant_id=row.tenant_id,
        service_url=row.service_url,
        user_id=row.user_id,
        member_id=row.member_id,
        team_id=row.team_id,
        name=row.name,
    )


def find_conversation(db: Database, conversation_id: str) -> ConversationRef | None:
    """Return a conversation the bot has seen, or None."""
    with db.read() as session:
        row = store.get(session, conversation_id)
        return _ref(row) if row is not None else None


def personal_chat(db: Database, user_id: str) -> ConversationRef | None:
    """Return a person's chat with the bot, or None when the bot has not seen one."""
    with db.read() as session:
        row = store.personal_chat(session, user_id)
        return _ref(row) if row is not None else None


def known_channels(db: Database) -> list[ConversationRef]:
    """Return the Teams channels the bot has seen, by name."""
    with db.read() as session:
        return [_ref(row) for row in store.channels(session)]
