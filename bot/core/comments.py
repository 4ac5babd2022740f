"""Comments: thread replies to an idea message, following their edits and deletions."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from bot.core.events import claim_event
from bot.core.participation import record_contribution
from bot.core.records import Person
from storage import comments as comment_store
from storage import ideas as idea_store
from storage.database import Database

logger = logging.getLogger(__name__)


def _store_reply(
    session: Session,
    commenter: Person,
    *,
    idea_id: int,
    message_id: str,
    text: str,
    now: datetime,
    deleted: bool = False,
) -> bool:
    added = comment_store.add_comment(
        session,
        idea_id,
        platform=commenter.platform,
        team_id=commenter.team_id,
        user_id=commenter.user_id,
        message_id=message_id,
        text=text,
        now=now,
        deleted=deleted,
    )
    if added and not deleted:
        idea_store.change_comment_count(session, idea_id, delta=1)
        idea = idea_store.get_idea(session, idea_id)
        if idea is not None:
            record_contribution(
                session, commenter, campaign_id=idea.campaign_id, board_id=idea.board_id, now=now
            )
    return added


def add_comment(
    db: Database,
    commenter: Person,
    *,
    idea_id: int,
    message_id: str,
    text: str,
    now: datetime,
    event_id: str | None = None,
) -> bool:
    """Store a reply as a comment; return False when it was stored before."""
    with db.transaction() as session:
        if not claim_event(session, platform=commenter.platform, event_id=event_id, now=now):
            return False
        added = _store_reply(
            session, commenter, idea_id=idea_id, message_id=message_id, text=text, now=now
        )
    if added:
        logger.debug("Stored comment %s on idea %s", message_id, idea_id)
    return added


def edit_comment(
    db: Database,
    commenter: Person,
    *,
    idea_id: int,
    message_id: str,
    text: str,
    now: datetime,
    event_id: str | None = None,
) -> bool:
    """Replace a comment's text after its author edited the reply; return whether it changed.

    An edit of a reply the bot never stored, because it arrived while the bot
    was down, stores the reply. An edit of a deleted reply is ignored.
    """
    with db.transaction() as session:
        if not claim_event(session, platform=commenter.platform, event_id=event_id, now=now):
            return False
        comment = comment_store.get_comment(session, idea_id=idea_id, message_id=message_id)
        if comment is None:
            return _store_reply(
                session, commenter, idea_id=idea_id, message_id=message_id, text=text, now=now
            )
        return comment_store.set_comment_text(session, comment.id, text=text, now=now)


def delete_comment(
    db: Database,
    commenter: Person,
    *,
    idea_id: int,
    message_id: str,
    now: datetime,
    event_id: str | None = None,
) -> bool:
    """Clear a deleted reply's text and stop counting it; return whether anything changed.

    Deleting a reply the bot never stored leaves a tombstone, so an edit
    event that arrives after the deletion cannot bring the reply back.
    """
    with db.transaction() as session:
        if not claim_event(session, platform=commenter.platform, event_id=event_id, now=now):
            return False
        comment = comment_store.get_comment(session, idea_id=idea_id, message_id=message_id)
        if comment is None:
            _store_reply(
                session,
                commenter,
                idea_id=idea_id,
                message_id=message_id,
                text="",
                now=now,
                deleted=True,
            )
            return False
        if not comment_store.mark_comment_deleted(session, comment.id, now=now):
            return False
        # A hidden comment stopped counting when it was hidden. The refresh
        # reads the row after the UPDATE above locked it, so a hide cannot slip in between.
        session.refresh(comment)
        if comment.hidden_at is None:
            idea_store.change_comment_count(session, idea_id, delta=-1)
    logger.debug("Deleted comment %s on idea %s", message_id, idea_id)
    return True
