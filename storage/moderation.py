"""Storage functions for the moderation queue, hidden ideas and comments, and relayed messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import Comment, Idea, ModerationItem, RelayMessage
from storage.upsert import insert_if_absent

IDEA = "idea"
COMMENT = "comment"
OPEN = "open"


def add_item(
    session: Session,
    *,
    item_kind: str,
    item_id: int,
    source: str,
    reason: str | None,
    reporter_hash: str | None,
    now: datetime,
) -> bool:
    """Add a queue entry unless this reporter already flagged the item; return whether added."""
    return insert_if_absent(
        session,
        ModerationItem,
        item_kind=item_kind,
        item_id=item_id,
        source=source,
        reason=reason,
        reporter_hash=reporter_hash,
        created_at=now,
        status=OPEN,
    )


def list_open_items(session: Session, *, limit: int) -> list[ModerationItem]:
    """Return up to limit open queue entries, oldest first."""
    query = (
        select(ModerationItem)
        .where(ModerationItem.status == OPEN)
        .order_by(ModerationItem.created_at, ModerationItem.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def list_items_of(session: Session, *, item_kind: str, item_id: int) -> list[ModerationItem]:
    """Return every queue entry of one idea or comment, oldest first."""
    query = (
        select(ModerationItem)
        .where(ModerationItem.item_kind == item_kind, ModerationItem.item_id == item_id)
        .order_by(ModerationItem.created_at, ModerationItem.id)
    )
    return list(session.scalars(query))


def resolve_items(
    session: Session,
    *,
    item_kind: str,
    item_id: int,
    from_statuses: tuple[str, ...],
    status: str,
    resolved_by: str,
    now: datetime,
) -> int:
    """Move an item's entries in from_statuses to status; return how many changed."""
    result = session.execute(
        update(ModerationItem)
        .where(
            ModerationItem.item_kind == item_kind,
            ModerationItem.item_id == item_id,
            ModerationItem.status.in_(from_statuses),
        )
        .values(status=status, resolved_by=resolved_by, resolved_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def set_idea_hidden(session: Session, idea_id: int, *, hidden_by: str, now: datetime) -> bool:
    """Mark an idea hidden unless it is already; return whether it changed."""
    result = session.execute(
        update(Idea)
        .where(Idea.id == idea_id, Idea.hidden_at.is_(None))
        .values(hidden_at=now, hidden_by=hidden_by)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def clear_idea_hidden(session: Session, idea_id: int) -> bool:
    """Show a hidden idea again; return False when it was not hidden."""
    result = session.execute(
        update(Idea)
        .where(Idea.id == idea_id, Idea.hidden_at.is_not(None))
        .values(hidden_at=None, hidden_by=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def set_comment_hidden(session: Session, comment_id: int, *, hidden_by: str, now: datetime) -> bool:
    """Mark a comment hidden unless it is already; return whether it changed."""
    result = session.execute(
        update(Comment)
        .where(Comment.id == comment_id, Comment.hidden_at.is_(None))
        .values(hidden_at=now, hidden_by=hidden_by)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def clear_comment_hidden(session: Session, comment_id: int) -> bool:
    """Show a hidden comment again; return False when it was not hidden."""
    result = session.execute(
        update(Comment)
        .where(Comment.id == comment_id, Comment.hidden_at.is_not(None))
        .values(hidden_at=None, hidden_by=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def get_comment_by_id(session: Session, comment_id: int) -> Comment | None:
    """Return the comment with this id, or None."""
    return session.get(Comment, comment_id)


def add_relay_message(
    session: Session,
    *,
    item_kind: str,
    item_id: int,
    manager_id: str,
    direction: str,
    text: str,
    now: datetime,
) -> RelayMessage:
    """Store a message relayed between a manager and an item's author, and return it."""
    message = RelayMessage(
        item_kind=item_kind,
        item_id=item_id,
        manager_id=manager_id,
        direction=direction,
        text=text,
        created_at=now,
    )
    session.add(message)
    session.flush()
    return message


def get_relay_message(session: Session, message_id: int) -> RelayMessage | None:
    """Return the relayed message with this id, or None."""
    return session.get(RelayMessage, message_id)
