"""Storage functions for idea statuses and their history of changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from storage.models import Idea, IdeaStatusChange, Vote
from storage.visibility import visible_idea


def lock_idea(session: Session, idea_id: int) -> Idea | None:
    """Return the idea with this id, locking its row on PostgreSQL, or None."""
    return session.scalar(select(Idea).where(Idea.id == idea_id).with_for_update())


def add_status_change(
    session: Session,
    idea: Idea,
    *,
    status: str,
    reply: str | None,
    owner: str | None,
    changed_by: str,
    changed_at: datetime,
) -> IdeaStatusChange:
    """Set the idea's status, reply and owner, append the change to its history, return the row."""
    idea.status = status
    idea.status_reply = reply
    idea.status_owner = owner
    idea.status_changed_at = changed_at
    idea.status_changed_by = changed_by
    change = IdeaStatusChange(
        idea_id=idea.id,
        status=status,
        reply=reply,
        owner=owner,
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


def lock_ideas(session: Session, idea_ids: list[int]) -> dict[int, Idea]:
    """Return the ideas with these ids by id, locking their rows on PostgreSQL."""
    if not idea_ids:
        return {}
    query = select(Idea).where(Idea.id.in_(idea_ids)).order_by(Idea.id).with_for_update()
    return {idea.id: idea for idea in session.scalars(query)}


def mark_for_redraw(session: Session, idea_ids: list[int]) -> None:
    """Clear the shown vote count of posted ideas, so a running bot redraws their messages.

    The bot's stale-message job redraws every posted idea whose shown count is
    unknown, and the redraw shows the idea's answer as stored. The time of the
    last update is cleared too, so the job's minimum interval between two
    updates of one message does not hold this redraw back: an answer given from
    the command line is rare, and it is shown at the job's next run.
    """
    if not idea_ids:
        return
    session.execute(
        update(Idea)
        .where(Idea.id.in_(idea_ids), Idea.message_id.is_not(None))
        .values(shown_vote_count=None, shown_at=None)
        .execution_options(synchronize_session=False)
    )


def count_campaign_answers(
    session: Session, *, campaign_id: int, done_status: str
) -> tuple[int, int, int]:
    """Count a campaign's visible ideas, those with a status, and those with done_status."""
    idea_count, answered_count, done_count = session.execute(
        select(
            func.count(Idea.id),
            func.count(Idea.status),
            func.coalesce(func.sum(case((Idea.status == done_status, 1), else_=0)), 0),
        ).where(Idea.campaign_id == campaign_id, visible_idea())
    ).one()
    return int(idea_count), int(answered_count), int(done_count)


def list_first_answer_times(
    session: Session, *, campaign_id: int
) -> list[tuple[datetime, datetime]]:
    """Return (created_at, first status change time) of a campaign's visible ideas ever answered.

    Ideas never answered have no status change and are left out, so a large
    campaign with few answers reads few rows.
    """
    query = (
        select(Idea.created_at, func.min(IdeaStatusChange.changed_at))
        .join(IdeaStatusChange, IdeaStatusChange.idea_id == Idea.id)
        .where(Idea.campaign_id == campaign_id, visible_idea())
        .group_by(Idea.id, Idea.created_at)
        .order_by(Idea.id)
    )
    return [(row[0], row[1]) for row in session.execute(query)]
