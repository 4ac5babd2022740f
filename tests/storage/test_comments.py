"""Tests of the comment storage functions."""

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from storage import comments as store
from storage.database import Database
from storage.ideas import add_idea

NOW = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


def add_standing_idea(session: Session) -> int:
    return add_idea(
        session,
        campaign_id=None,
        platform="slack",
        team_id="T1",
        author_id="U1",
        author_name="Ann",
        anonymous=False,
        text="An idea",
        detail=None,
        channel_id=None,
        created_at=NOW,
    ).id


def add(session: Session, idea_id: int, *, message_id: str = "R1", text: str = "Yes") -> bool:
    return store.add_comment(
        session,
        idea_id,
        platform="slack",
        team_id="T1",
        user_id="U2",
        message_id=message_id,
        text=text,
        now=NOW,
    )


def comment_id_of(session: Session, idea_id: int, message_id: str = "R1") -> int:
    comment = store.get_comment(session, idea_id=idea_id, message_id=message_id)
    assert comment is not None
    return comment.id


def test_add_comment_once(db: Database) -> None:
    with db.transaction() as session:
        idea_id = add_standing_idea(session)

        assert add(session, idea_id)
        assert not add(session, idea_id, text="Other")
        assert add(session, idea_id, message_id="R2")

        comment = store.get_comment(session, idea_id=idea_id, message_id="R1")
        assert comment is not None
        assert comment.text == "Yes"
        assert store.get_comment(session, idea_id=idea_id, message_id="R3") is None


def test_set_comment_text(db: Database) -> None:
    later = NOW + timedelta(minutes=1)
    with db.transaction() as session:
        idea_id = add_standing_idea(session)
        add(session, idea_id)
        comment_id = comment_id_of(session, idea_id)

        assert store.set_comment_text(session, comment_id, text="Yes!", now=later)
        assert not store.set_comment_text(session, comment_id, text="Yes!", now=later)

    with db.transaction() as session:
        comment = store.get_comment(session, idea_id=idea_id, message_id="R1")
        assert comment is not None
        assert comment.text == "Yes!"
        assert comment.edited_at == later


def test_mark_comment_deleted(db: Database) -> None:
    later = NOW + timedelta(minutes=1)
    with db.transaction() as session:
        idea_id = add_standing_idea(session)
        add(session, idea_id)
        comment_id = comment_id_of(session, idea_id)

        assert store.mark_comment_deleted(session, comment_id, now=later)
        assert not store.mark_comment_deleted(session, comment_id, now=later)
        assert not store.set_comment_text(session, comment_id, text="Back", now=later)

    with db.transaction() as session:
        comment = store.get_comment(session, idea_id=idea_id, message_id="R1")
        assert comment is not None
        assert comment.text == ""
        assert comment.deleted_at == later
