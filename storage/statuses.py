"""Storage functions for idea statuses and their history of changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Idea, IdeaStatusChange, Vote


def lock_idea(session: Session, idea_id: int) -> Idea | None:
    """Return the idea with this id, locking its row on PostgreSQL, or None."""
    return session.scalar(select(Idea).where(Idea.id == idea_id).with_for_update())


def add_status_change(
    session: Session,
    idea: Idea,
    *,
    status: str,
    reply: str | None,
    changed_by: str,
    changed_at: datetime,
) -> IdeaStatusChange:
    """Set the idea's status and reply, append the change to its history, and return the row."""
    idea.status = status
    idea.status_reply = reply
    idea.status_changed_at = changed_at
    idea.status_changed_by = changed_by
    change = IdeaStatusChange(
        idea_id=idea.id,
        status=status,
        reply=reply,
        changed_by=changed_by,
        changed_at=changed_at,
    )
    session.add(change)
    session.flush()
    return change


def list_voter_ids(session: Session, idea_id: int, *, platform: str) -> list[str]:
    """Return the user ids with a vote on the idea on this platform, sorted."""
    query = (
        select(Vote.user_id)
        .where(Vote.idea_id == idea_id, Vote.platform == platform)
        .distinct()
        .order_by(Vote.user_id)
    )
    return list(session.scalars(query))
