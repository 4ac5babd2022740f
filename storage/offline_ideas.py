"""Storage functions for ideas entered from paper forms or emails."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Idea, StaffMember

# The staff columns whose values an imported idea's contributor groups are checked against.
GROUP_COLUMNS = {
    "directorate": StaffMember.directorate,
    "band": StaffMember.band,
    "staff_group": StaffMember.staff_group,
    "locality": StaffMember.locality,
}


def add_offline_idea(
    session: Session,
    *,
    campaign_id: int,
    topic_id: int | None,
    platform: str,
    source: str,
    author_name: str,
    text: str,
    detail: str | None,
    channel_id: str | None,
    created_at: datetime,
) -> Idea:
    """Add an idea with no author, marked with its source, and return it with its id."""
    idea = Idea(
        campaign_id=campaign_id,
        topic_id=topic_id,
        platform=platform,
        # An idea from paper or email belongs to no chat workspace.
        team_id="",
        author_id=None,
        author_name=author_name,
        anonymous=False,
        text=text,
        detail=detail,
        channel_id=channel_id,
        created_at=created_at,
        vote_count=0,
        comment_count=0,
        source=source,
    )
    session.add(idea)
    session.flush()
    return idea


def list_offline_ideas(session: Session, *, campaign_id: int, source: str) -> list[Idea]:
    """Return a campaign's ideas entered from one source ("paper" or "email"), oldest first."""
    query = (
        select(Idea).where(Idea.campaign_id == campaign_id, Idea.source == source).order_by(Idea.id)
    )
    return list(session.scalars(query))


def list_staff_group_names(session: Session) -> dict[str, set[str]]:
    """Return the distinct group names of current staff, by dimension."""
    names: dict[str, set[str]] = {}
    for dimension, column in GROUP_COLUMNS.items():
        query = select(column).where(StaffMember.left_at.is_(None), column.is_not(None)).distinct()
        names[dimension] = {str(value) for value in session.scalars(query)}
    return names
