"""Storage functions for anonymous posts, found by their author hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import Comment, Idea
from storage.upsert import insert_if_absent


def list_ideas_by_author_hash(session: Session, author_hash: str) -> list[Idea]:
    """Return the ideas with this author hash that are not withdrawn, oldest first."""
    query = (
        select(Idea)
        .where(Idea.author_hash == author_hash, Idea.withdrawn_at.is_(None))
        .order_by(Idea.id)
    )
    return list(session.scalars(query))


def list_comments_by_author_hash(session: Session, author_hash: str) -> list[Comment]:
    """Return the comments with this author hash that are not deleted, oldest first."""
    query = (
        select(Comment)
        .where(Comment.author_hash == author_hash, Comment.deleted_at.is_(None))
        .order_by(Comment.id)
    )
    return list(session.scalars(query))


def get_comment_by_id(session: Session, comment_id: int) -> Comment | None:
    """Return the comment with this id, or None."""
    return session.get(Comment, comment_id)


def add_anonymous_comment(
    session: Session,
    idea_id: int,
    *,
    platform: str,
    team_id: str,
    author_hash: str,
    message_id: str,
    text: str,
    now: datetime,
) -> bool:
    """Add a comment the bot posted for an anonymous author; return whether it was added."""
    return insert_if_absent(
        session,
        Comment,
        idea_id=idea_id,
        platform=platform,
        team_id=team_id,
        user_id=None,
        anonymous=True,
        author_hash=author_hash,
        message_id=message_id,
        text=text,
        created_at=now,
    )


def mark_idea_withdrawn(session: Session, idea_id: int, *, now: datetime) -> bool:
    """Clear an idea's text and detail and mark it withdrawn; return False if it was already.

    The check is part of the UPDATE, so of two concurrent withdrawals only one returns True.
    """
    result = session.execute(
        update(Idea)
        .where(Idea.id == idea_id, Idea.withdrawn_at.is_(None))
        .values(text="", detail=None, withdrawn_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
