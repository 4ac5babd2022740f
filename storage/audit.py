"""Storage functions for the audit log of moderation actions, role changes, exports and erasures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import AuditEntry


def add_entry(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    detail: str | None,
) -> AuditEntry:
    """Add an entry in the session's transaction and return it with its id."""
    entry = AuditEntry(at=at, actor=actor, action=action, subject=subject, detail=detail)
    session.add(entry)
    session.flush()
    return entry


def list_entries(
    session: Session,
    *,
    since: datetime | None = None,
    action: str | None = None,
    actor: str | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    """Return entries newest first, optionally from a time on, of one action or one actor."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def list_entries_about(session: Session, *, user_id: str, subject: str) -> list[AuditEntry]:
    """Return entries whose actor is user_id or whose subject is subject, oldest first."""
    query = (
        select(AuditEntry)
        .where((AuditEntry.actor == user_id) | (AuditEntry.subject == subject))
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    return list(session.scalars(query))


def replace_person(
    session: Session, *, user_id: str, subject: str, actor_label: str, subject_label: str
) -> int:
    """Replace user_id as actor, and subject as subject, by the labels; return the rows changed."""
    actors = session.execute(
        update(AuditEntry).where(AuditEntry.actor == user_id).values(actor=actor_label)
    )
    subjects = session.execute(
        update(AuditEntry).where(AuditEntry.subject == subject).values(subject=subject_label)
    )
    return int(actors.rowcount) + int(subjects.rowcount)  # type: ignore[attr-defined]
