"""Queries behind a Your Shout board's weekly digest to its lead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Idea, ScheduledRun
from storage.visibility import visible_idea


@dataclass(frozen=True)
class BoardTotals:
    """Counts of a board's ideas, those without a status, and their votes and comments."""

    idea_count: int
    # Ideas with no status yet.
    waiting_count: int
    vote_count: int
    comment_count: int

    @property
    def answered_count(self) -> int:
        """Return how many ideas have a status."""
        return self.idea_count - self.waiting_count


def list_new_ideas(
    session: Session, board_id: int, *, start: datetime, end: datetime, limit: int
) -> list[Idea]:
    """Return up to limit of a board's ideas created in [start, end), oldest first."""
    return list(
        session.scalars(
            select(Idea)
            .where(
                Idea.board_id == board_id,
                visible_idea(),
                Idea.created_at >= start,
                Idea.created_at < end,
            )
            .order_by(Idea.created_at, Idea.id)
            .limit(limit)
        )
    )


def list_waiting_ideas(
    session: Session, board_id: int, *, before: datetime, limit: int
) -> list[Idea]:
    """Return up to limit of a board's unanswered ideas created before a moment, oldest first."""
    return list(
        session.scalars(
            select(Idea)
            .where(
                Idea.board_id == board_id,
                visible_idea(),
                Idea.status.is_(None),
                Idea.created_at < before,
            )
            .order_by(Idea.created_at, Idea.id)
            .limit(limit)
        )
    )


def board_totals(session: Session, board_id: int, *, before: datetime) -> BoardTotals:
    """Count a board's ideas created before a moment, those without a status, and their votes
    and comments."""
    row = session.execute(
        select(
            func.count(Idea.id),
            func.count(Idea.id).filter(Idea.status.is_(None)),
            func.coalesce(func.sum(Idea.vote_count), 0),
            func.coalesce(func.sum(Idea.comment_count), 0),
        ).where(Idea.board_id == board_id, visible_idea(), Idea.created_at < before)
    ).one()
    return BoardTotals(
        idea_count=int(row[0]),
        waiting_count=int(row[1]),
        vote_count=int(row[2]),
        comment_count=int(row[3]),
    )


def latest_run_at(session: Session, *, key_prefix: str) -> datetime | None:
    """Return when the latest ScheduledRun whose key starts with key_prefix was recorded, or None.

    The prefix must not contain the LIKE wildcards % and _.
    """
    return session.scalar(
        select(func.max(ScheduledRun.ran_at)).where(ScheduledRun.key.like(f"{key_prefix}%"))
    )
