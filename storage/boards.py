"""Storage functions for Your Shout boards and the notices of votes refused on closed boards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.models import Board, BoardVoteNotice, Comment, Idea, Vote
from storage.upsert import insert_if_absent
from storage.visibility import visible_comment, visible_idea


def add_board(session: Session, **values: Any) -> Board:
    """Add a board and return it with its id."""
    board = Board(**values)
    session.add(board)
    session.flush()
    return board


def get_board(session: Session, board_id: int, *, for_update: bool = False) -> Board | None:
    """Return the board with this id, or None; for_update locks its row on PostgreSQL."""
    if not for_update:
        return session.get(Board, board_id)
    return session.scalar(select(Board).where(Board.id == board_id).with_for_update())


def open_board_in_channel(session: Session, *, platform: str, channel_id: str) -> Board | None:
    """Return the channel's open board, or None."""
    return session.scalar(
        select(Board).where(
            Board.platform == platform, Board.channel_id == channel_id, Board.status == "open"
        )
    )


def latest_board_in_channel(session: Session, *, platform: str, channel_id: str) -> Board | None:
    """Return the channel's open board, else its most recently created closed one, or None."""
    return session.scalar(
        select(Board)
        .where(Board.platform == platform, Board.channel_id == channel_id)
        .order_by((Board.status == "open").desc(), Board.id.desc())
        .limit(1)
    )


def list_boards(
    session: Session,
    *,
    platform: str | None = None,
    statuses: tuple[str, ...] | None = None,
    lead_id: str | None = None,
    channel_id: str | None = None,
) -> list[Board]:
    """Return boards by id, optionally only those matching each given filter."""
    query = select(Board).order_by(Board.id)
    if platform is not None:
        query = query.where(Board.platform == platform)
    if statuses is not None:
        query = query.where(Board.status.in_(statuses))
    if lead_id is not None:
        query = query.where(Board.lead_id == lead_id)
    if channel_id is not None:
        query = query.where(Board.channel_id == channel_id)
    return list(session.scalars(query))


def update_board(session: Session, board_id: int, *, where: Any = None, **values: Any) -> bool:
    """Set columns of a board, only if the extra condition holds; return whether a row changed."""
    statement = update(Board).where(Board.id == board_id)
    if where is not None:
        statement = statement.where(where)
    result = session.execute(
        statement.values(**values).execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def board_ideas(session: Session, board_id: int) -> list[Idea]:
    """Return a board's visible ideas in the order they were posted."""
    return list(
        session.scalars(
            select(Idea).where(Idea.board_id == board_id, visible_idea()).order_by(Idea.id)
        )
    )


def count_board_activity(
    session: Session, board_id: int, *, since: datetime, until: datetime
) -> tuple[int, int, int]:
    """Return the ideas, comments (not deleted) and standing votes a board got in [since, until)."""
    ideas = session.scalar(
        select(func.count(Idea.id)).where(
            Idea.board_id == board_id,
            visible_idea(),
            Idea.created_at >= since,
            Idea.created_at < until,
        )
    )
    comments = session.scalar(
        select(func.count(Comment.id))
        .join(Idea, Idea.id == Comment.idea_id)
        .where(
            Idea.board_id == board_id,
            visible_idea(),
            visible_comment(),
            Comment.created_at >= since,
            Comment.created_at < until,
        )
    )
    votes = session.scalar(
        select(func.count(Vote.id))
        .join(Idea, Idea.id == Vote.idea_id)
        .where(
            Idea.board_id == board_id,
            visible_idea(),
            Vote.created_at >= since,
            Vote.created_at < until,
        )
    )
    return int(ideas or 0), int(comments or 0), int(votes or 0)


def add_vote_notice(
    session: Session, board_id: int, *, platform: str, team_id: str, user_id: str, now: datetime
) -> bool:
    """Record that a voter was told the board is closed; return False if already told."""
    return insert_if_absent(
        session,
        BoardVoteNotice,
        board_id=board_id,
        platform=platform,
        team_id=team_id,
        user_id=user_id,
        created_at=now,
    )
