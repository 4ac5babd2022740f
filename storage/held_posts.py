"""Storage functions for posts held back by a check, and the flags on posts published past one."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.models import Comment, HeldPost, Idea, ModerationItem

# hidden_by of a comment hidden by a check rather than by a manager.
CHECK_ACTOR = "check"
# Held draft ids are drawn from 2**30 up to 2**31 - 1, the largest a PostgreSQL integer holds.
HELD_ID_FLOOR = 2**30
HELD_ID_SPAN = 2**31 - 1 - HELD_ID_FLOOR


def add_held_post(
    session: Session,
    *,
    kind: str,
    platform: str,
    team_id: str,
    user_id: str,
    payload: str,
    findings: str,
    now: datetime,
    expires_at: datetime,
) -> HeldPost:
    """Add a held draft and return it with its id.

    The id is random rather than the next in sequence: SQLite gives a deleted
    row's id to the next row, so a stale button or form of a decided draft
    could otherwise act on its author's next one.
    """
    held = HeldPost(
        id=_random_id(session),
        kind=kind,
        platform=platform,
        team_id=team_id,
        user_id=user_id,
        payload=payload,
        findings=findings,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(held)
    session.flush()
    return held


def _random_id(session: Session) -> int:
    """Return an id no held draft has, from the top half of a 32-bit integer column."""
    while True:
        candidate = secrets.randbelow(HELD_ID_SPAN) + HELD_ID_FLOOR
        if session.get(HeldPost, candidate) is None:
            return candidate


def get_held_post(session: Session, held_id: int) -> HeldPost | None:
    """Return a held draft, or None."""
    return session.get(HeldPost, held_id)


def remove_held_post(session: Session, held_id: int) -> bool:
    """Delete a held draft; return False when it was gone already.

    The DELETE decides, so of two concurrent decisions on one draft only one returns True.
    """
    result = session.execute(delete(HeldPost).where(HeldPost.id == held_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def remove_expired_held_posts(session: Session, *, now: datetime) -> int:
    """Delete drafts whose time has passed; return how many."""
    result = session.execute(delete(HeldPost).where(HeldPost.expires_at <= now))
    return int(result.rowcount)  # type: ignore[attr-defined]


def set_checks_overridden(session: Session, *, item_kind: str, item_id: int, checks: str) -> None:
    """Record on an idea or comment which checks its author posted past."""
    model: type[Idea] | type[Comment] = Idea if item_kind == "idea" else Comment
    session.execute(update(model).where(model.id == item_id).values(checks_overridden=checks))


def add_check_flag(
    session: Session, *, item_kind: str, item_id: int, source: str, now: datetime
) -> bool:
    """Add an open moderation item for a post flagged by a check, once per item and source.

    Returns False when the item already has one from this source. The table's
    unique constraint does not cover these rows, because their reporter_hash
    is null, so the query checks first.
    """
    exists = session.scalar(
        select(ModerationItem.id).where(
            ModerationItem.item_kind == item_kind,
            ModerationItem.item_id == item_id,
            ModerationItem.source == source,
        )
    )
    if exists is not None:
        return False
    session.add(
        ModerationItem(
            item_kind=item_kind, item_id=item_id, source=source, created_at=now, status="open"
        )
    )
    session.flush()
    return True


def hide_reply_for_check(
    session: Session,
    *,
    idea_id: int,
    platform: str,
    team_id: str,
    user_id: str,
    message_id: str,
    now: datetime,
) -> tuple[Comment, bool]:
    """Store a thread reply as a hidden comment without its text, or hide the stored one.

    Returns the comment and whether it was visible before, so the caller can
    stop counting it.
    """
    comment = session.scalar(
        select(Comment).where(Comment.idea_id == idea_id, Comment.message_id == message_id)
    )
    if comment is None:
        comment = Comment(
            idea_id=idea_id,
            platform=platform,
            team_id=team_id,
            user_id=user_id,
            message_id=message_id,
            text="",
            created_at=now,
            hidden_at=now,
            hidden_by=CHECK_ACTOR,
        )
        session.add(comment)
        session.flush()
        return comment, False
    was_visible = comment.hidden_at is None and comment.deleted_at is None
    comment.text = ""
    if comment.hidden_at is None:
        comment.hidden_at = now
        comment.hidden_by = CHECK_ACTOR
    session.flush()
    return comment, was_visible


def list_held_posts(
    session: Session, *, kind: str, platform: str, team_id: str, user_id: str, now: datetime
) -> list[HeldPost]:
    """Return one author's unexpired drafts of a kind, oldest first."""
    return list(
        session.scalars(
            select(HeldPost)
            .where(
                HeldPost.kind == kind,
                HeldPost.platform == platform,
                HeldPost.team_id == team_id,
                HeldPost.user_id == user_id,
                HeldPost.expires_at > now,
            )
            .order_by(HeldPost.id)
        )
    )
