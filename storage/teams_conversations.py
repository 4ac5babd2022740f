"""Storage functions for the Teams conversations the bot has seen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import TeamsConversation


def remember(
    session: Session,
    *,
    conversation_id: str,
    kind: str,
    tenant_id: str,
    service_url: str,
    now: datetime,
    user_id: str | None = None,
    member_id: str | None = None,
    team_id: str | None = None,
    name: str | None = None,
) -> None:
    """Store or refresh a conversation; values not given keep what was stored."""
    row = session.get(TeamsConversation, conversation_id)
    if row is None:
        row = TeamsConversation(
            conversation_id=conversation_id, kind=kind, tenant_id=tenant_id, seen_at=now
        )
        session.add(row)
    row.kind = kind
    row.tenant_id = tenant_id
    row.service_url = service_url
    row.seen_at = now
    row.user_id = user_id or row.user_id
    row.member_id = member_id or row.member_id
    row.team_id = team_id or row.team_id
    row.name = name or row.name
    session.flush()


def get(session: Session, conversation_id: str) -> TeamsConversation | None:
    """Return a conversation by id, or None."""
    return session.get(TeamsConversation, conversation_id)


def personal_chat(session: Session, user_id: str) -> TeamsConversation | None:
    """Return the newest-seen personal chat of a user, or None."""
    query = (
        select(TeamsConversation)
        .where(TeamsConversation.user_id == user_id, TeamsConversation.kind == "personal")
        .order_by(TeamsConversation.seen_at.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def any_in_tenant(session: Session, tenant_id: str) -> TeamsConversation | None:
    """Return the newest-seen conversation of a tenant, for its service URL."""
    query = (
        select(TeamsConversation)
        .where(TeamsConversation.tenant_id == tenant_id)
        .order_by(TeamsConversation.seen_at.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def channels(session: Session) -> list[TeamsConversation]:
    """Return the channels the bot has seen, by name."""
    query = (
        select(TeamsConversation)
        .where(TeamsConversation.kind == "channel")
        .order_by(TeamsConversation.name, TeamsConversation.conversation_id)
    )
    return list(session.scalars(query))
