"""Storage functions for comments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import Comment
from storage.upsert import insert_if_absent


def get_comment(session: Session, *, idea_id: int, message_id: str) -> Comment | None:
    """Return the comment posted as this thread reply, or None."""
    return session.scalar(
        select(Comment).where(Comment.idea_id == idea_id, Comment.message_id == message_id)
    )


def add_comment(
    session: Session,
    idea_id: int,
    *,
    platform: str,
    team_id: str,
    user_id: str,
    message_id: str,
    text: str,
    now: datetime,
    deleted: bool = False,
) -> bool:
    """Add a comment unless this reply is stored already; return whether it was added.

    With deleted=True it adds a tombstone: no text, marked deleted at `now`.
    """
    return insert_if_absent(
        session,
        Comment,
        idea_id=idea_id,
        platform=platform,
        team_id=team_id,
        user_id=user_id,
        message_id=message_id,
        text="" if deleted else text,
        created_at=now,
        deleted_at=now if deleted else None,
    )


def set_comment_text(session: Session, comment_id: int, *, text: str, now: datetime) -> bool:
    """Replace a comment's text unless it is deleted or has this text; return whether it changed.

    The check is part of the UPDATE, so an edit that races a deletion cannot
    write text back into the deleted comment.
    """
    result = session.execute(
        update(Comment)
        .where(Comment.id == comment_id, Comment.deleted_at.is_(None), Comment.text != text)
        .values(text=text, edited_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_comment_deleted(session: Session, comment_id: int, *, now: datetime) -> bool:
    """Clear a comment's text and mark it deleted; return False when it was deleted already.

    The check is part of the UPDATE, so of two concurrent deletions only one returns True.
    """
    result = session.execute(
        update(Comment)
        .where(Comment.id == comment_id, Comment.deleted_at.is_(None))
        .values(text="", deleted_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
