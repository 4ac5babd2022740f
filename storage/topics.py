"""Storage functions for the topics (questions) of a campaign."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import Topic


def add_topics(session: Session, campaign_id: int, *, questions: Sequence[str]) -> list[Topic]:
    """Add questions to a campaign at positions 1, 2, ... and return them with their ids."""
    topics = [
        Topic(campaign_id=campaign_id, position=position, question=question)
        for position, question in enumerate(questions, start=1)
    ]
    session.add_all(topics)
    session.flush()
    return topics


def list_topics(session: Session, campaign_id: int) -> list[Topic]:
    """Return a campaign's topics by position."""
    query = select(Topic).where(Topic.campaign_id == campaign_id).order_by(Topic.position)
    return list(session.scalars(query))


def get_topic(session: Session, topic_id: int) -> Topic | None:
    """Return the topic with this id, or None."""
    return session.get(Topic, topic_id)


def replace_topics(session: Session, campaign_id: int, *, questions: Sequence[str]) -> list[Topic]:
    """Replace a campaign's questions with new ones at positions 1, 2, ...; return them."""
    session.execute(delete(Topic).where(Topic.campaign_id == campaign_id))
    session.flush()
    return add_topics(session, campaign_id, questions=questions)
