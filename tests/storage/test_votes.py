"""Tests of the vote storage functions."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import votes as store
from storage.campaigns import add_campaign
from storage.database import Database
from storage.ideas import add_idea
from storage.models import ClosedVoteNotice, Vote

NOW = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
BOB = {"platform": "slack", "team_id": "T1", "user_id": "U_BOB"}


def add_campaign_with_idea(session: Session) -> tuple[int, int]:
    campaign = add_campaign(
        session,
        title="Ideas",
        platform="slack",
        channel_id="C1",
        starts_at=NOW,
        ends_at=NOW + timedelta(days=1),
        created_at=NOW,
    )
    idea = add_idea(
        session,
        campaign_id=campaign.id,
        platform="slack",
        team_id="T1",
        author_id=None,
        author_name=None,
        anonymous=True,
        text="An idea",
        detail=None,
        channel_id="C1",
        created_at=NOW,
    )
    return campaign.id, idea.id


def vote_rows(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Vote)) or 0)


def test_add_vote_once(db: Database) -> None:
    with db.transaction() as session:
        _, idea_id = add_campaign_with_idea(session)

        assert store.add_vote(session, idea_id, now=NOW, **BOB)
        assert not store.add_vote(session, idea_id, now=NOW, **BOB)
        assert store.add_vote(session, idea_id, now=NOW, **{**BOB, "team_id": "T2"})
        assert vote_rows(session) == 2


def test_remove_vote(db: Database) -> None:
    with db.transaction() as session:
        _, idea_id = add_campaign_with_idea(session)
        store.add_vote(session, idea_id, now=NOW, **BOB)

        assert store.remove_vote(session, idea_id, **BOB)
        assert not store.remove_vote(session, idea_id, **BOB)
        assert vote_rows(session) == 0


def test_remove_vote_only_own(db: Database) -> None:
    with db.transaction() as session:
        _, idea_id = add_campaign_with_idea(session)
        store.add_vote(session, idea_id, now=NOW, **BOB)

        assert not store.remove_vote(session, idea_id, **{**BOB, "user_id": "U_CAT"})
        assert vote_rows(session) == 1


def test_closed_vote_notice_once(db: Database) -> None:
    with db.transaction() as session:
        campaign_id, _ = add_campaign_with_idea(session)

        assert store.add_closed_vote_notice(session, campaign_id, now=NOW, **BOB)
        assert not store.add_closed_vote_notice(session, campaign_id, now=NOW, **BOB)
        assert store.add_closed_vote_notice(
            session, campaign_id, now=NOW, **{**BOB, "user_id": "U_CAT"}
        )
        notices = session.scalar(select(func.count()).select_from(ClosedVoteNotice))
        assert notices == 2
