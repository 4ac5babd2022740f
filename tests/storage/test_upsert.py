"""Tests of insert_if_absent on both backends."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from storage.campaigns import add_campaign
from storage.database import Database
from storage.ideas import add_idea
from storage.models import ProcessedEvent, Vote
from storage.upsert import insert_if_absent

NOW = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


def test_insert_then_conflict(db: Database) -> None:
    with db.transaction() as session:
        first = insert_if_absent(
            session, ProcessedEvent, platform="slack", event_id="Ev1", received_at=NOW
        )
        second = insert_if_absent(
            session, ProcessedEvent, platform="slack", event_id="Ev1", received_at=NOW
        )

    assert first
    assert not second
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedEvent)) == 1


def test_conflict_on_unique_constraint(db: Database) -> None:
    # Votes have a surrogate key, so here the conflict comes from the unique constraint.
    with db.transaction() as session:
        campaign = add_campaign(
            session,
            title="Ideas",
            platform="slack",
            channel_id="C1",
            starts_at=NOW,
            ends_at=NOW,
            created_at=NOW,
        )
        idea = add_idea(
            session,
            campaign_id=campaign.id,
            platform="slack",
            team_id="T1",
            author_id="U0",
            author_name="Ann",
            anonymous=False,
            text="An idea",
            detail=None,
            channel_id="C1",
            created_at=NOW,
        )
        values = {
            "idea_id": idea.id,
            "platform": "slack",
            "team_id": "T1",
            "user_id": "U1",
            "created_at": NOW,
        }

        assert insert_if_absent(session, Vote, **values)
        assert not insert_if_absent(session, Vote, **values)
        assert insert_if_absent(session, Vote, **{**values, "user_id": "U2"})

    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Vote)) == 2
