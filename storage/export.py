"""Streaming reads of a campaign's ideas and comments for exports, from one snapshot.

Rows are fetched in batches of FETCH_SIZE with yield_per, which on
PostgreSQL reads through a server-side cursor, so memory stays flat however
large the campaign is. Every query of an export runs in one read
transaction, so the files agree with each other even while people vote.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from storage.database import SQLITE_BUSY_TIMEOUT_SECONDS, Database
from storage.models import Board, Comment, Idea, IdeaStatusChange, Topic
from storage.visibility import visible_comment, visible_idea

FETCH_SIZE = 1000


@contextmanager
def read_snapshot(db: Database) -> Iterator[Session]:
    """Yield a session whose queries all read one consistent snapshot, and write nothing.

    The bot's own SQLite engine starts every transaction with BEGIN IMMEDIATE,
    which takes the write lock, so a long export through it would stall every
    vote. This session uses an engine of its own with a deferred BEGIN
    instead. In WAL mode such a reader sees a snapshot, and writers go on while it reads.
    On PostgreSQL the transaction is REPEATABLE READ, which gives the same snapshot.
    """
    if db.dialect == "sqlite":
        engine = _sqlite_reader(db.url)
        try:
            with Session(engine) as session, session.begin():
                yield session
        finally:
            engine.dispose()
        return
    engine = db.engine.execution_options(isolation_level="REPEATABLE READ")
    with Session(engine) as session, session.begin():
        session.connection().exec_driver_sql("SET TRANSACTION READ ONLY")
        yield session


def _sqlite_reader(url: str) -> Engine:
    engine = create_engine(
        url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}, poolclass=NullPool
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The sqlite3 module would start no transaction before a SELECT, so each
        # query would see a different state; SQLAlchemy's begin event does it instead.
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


def _visible_ideas(campaign_id: int) -> Any:
    """Return the condition for a campaign's ideas that an export may show.

    Ideas on boards in private channels are left out, because only the
    channel's members may read them and an export has no member to check.
    Hidden and withdrawn ideas are left out too.
    """
    private_boards = select(Board.id).where(Board.private.is_(True))
    return (
        (Idea.campaign_id == campaign_id)
        & visible_idea()
        & or_(Idea.board_id.is_(None), Idea.board_id.not_in(private_boards))
    )


def count_ideas(session: Session, campaign_id: int) -> int:
    """Count the ideas of a campaign that stream_ideas returns."""
    return int(session.scalar(select(func.count(Idea.id)).where(_visible_ideas(campaign_id))) or 0)


def stream_ideas(session: Session, campaign_id: int) -> Iterator[Any]:
    """Yield a campaign's ideas oldest first, with their topic's question, in batches.

    Each row has first_answer_at: the time of the idea's first status change, or None.
    """
    first_answer_at = (
        select(func.min(IdeaStatusChange.changed_at))
        .where(IdeaStatusChange.idea_id == Idea.id)
        .correlate(Idea)
        .scalar_subquery()
        .label("first_answer_at")
    )
    query = (
        select(
            Idea.id,
            Idea.created_at,
            Topic.question,
            Idea.text,
            Idea.detail,
            Idea.anonymous,
            Idea.author_name,
            Idea.author_id,
            Idea.source,
            Idea.status,
            Idea.status_reply,
            Idea.status_owner,
            first_answer_at,
            Idea.vote_count,
            Idea.comment_count,
        )
        .outerjoin(Topic, Topic.id == Idea.topic_id)
        .where(_visible_ideas(campaign_id))
        .order_by(Idea.id)
        .execution_options(yield_per=FETCH_SIZE)
    )
    yield from session.execute(query)


def _comments_query(campaign_id: int) -> Any:
    idea_ids = select(Idea.id).where(_visible_ideas(campaign_id))
    return (Comment.idea_id.in_(idea_ids)) & visible_comment()


def count_comments(session: Session, campaign_id: int) -> int:
    """Count the comments stream_comments returns."""
    return int(
        session.scalar(select(func.count(Comment.id)).where(_comments_query(campaign_id))) or 0
    )


def stream_comments(session: Session, campaign_id: int) -> Iterator[Any]:
    """Yield the comments on a campaign's ideas that are neither deleted nor hidden, oldest first,
    in batches."""
    query = (
        select(Comment.id, Comment.idea_id, Comment.created_at, Comment.user_id, Comment.text)
        .where(_comments_query(campaign_id))
        .order_by(Comment.id)
        .execution_options(yield_per=FETCH_SIZE)
    )
    yield from session.execute(query)
