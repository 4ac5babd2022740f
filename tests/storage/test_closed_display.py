"""Tests of the storage functions that find and claim idea messages to show closed."""

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from storage import campaigns as campaign_store
from storage import ideas as store
from storage.database import Database

NOW = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
CLOSED_AT = NOW + timedelta(days=20)


def add_campaign(session: Session) -> int:
    campaign = campaign_store.add_campaign(
        session,
        title="Winter",
        platform="slack",
        channel_id="C1",
        starts_at=NOW,
        ends_at=CLOSED_AT,
        created_at=NOW,
    )
    assert campaign_store.mark_campaign_open(session, campaign.id, now=NOW)
    return campaign.id


def add_posted_idea(session: Session, campaign_id: int, *, message_id: str | None) -> int:
    idea = store.add_idea(
        session,
        campaign_id=campaign_id,
        platform="slack",
        team_id="T1",
        author_id="U1",
        author_name="Ann",
        anonymous=False,
        text="An idea",
        detail=None,
        channel_id="C1",
        created_at=NOW,
    )
    if message_id is not None:
        store.set_idea_message(session, idea.id, message_id=message_id, vote_count=0)
    return idea.id


def close(db: Database, campaign_id: int) -> None:
    with db.transaction() as session:
        assert campaign_store.mark_campaign_closed(session, campaign_id, now=CLOSED_AT)


def test_open_campaign_ideas_not_listed(db: Database) -> None:
    with db.transaction() as session:
        campaign_id = add_campaign(session)
        idea_id = add_posted_idea(session, campaign_id, message_id="1.0")

    with db.transaction() as session:
        assert store.list_ideas_to_show_closed(session, limit=10) == []
        assert store.list_campaign_ids_with_ideas_to_show_closed(session, limit=10) == []
        assert not store.claim_closed_display(session, idea_id, now=CLOSED_AT)


def test_closed_campaign_ideas_listed(db: Database) -> None:
    with db.transaction() as session:
        campaign_id = add_campaign(session)
        first = add_posted_idea(session, campaign_id, message_id="1.0")
        second = add_posted_idea(session, campaign_id, message_id="2.0")
        add_posted_idea(session, campaign_id, message_id=None)
        # Shown before the close: still shows its Vote button.
        store.set_shown_vote_count(
            session, second, vote_count=0, shown_at=CLOSED_AT - timedelta(minutes=1)
        )
    close(db, campaign_id)

    with db.transaction() as session:
        assert store.list_ideas_to_show_closed(session, limit=10) == [first, second]
        assert store.list_ideas_to_show_closed(session, campaign_id=campaign_id, limit=1) == [first]
        assert store.list_ideas_to_show_closed(session, campaign_id=campaign_id + 1, limit=10) == []
        assert store.list_campaign_ids_with_ideas_to_show_closed(session, limit=10) == [campaign_id]


def test_claim_closed_display_once(db: Database) -> None:
    with db.transaction() as session:
        campaign_id = add_campaign(session)
        first = add_posted_idea(session, campaign_id, message_id="1.0")
        second = add_posted_idea(session, campaign_id, message_id="2.0")
    close(db, campaign_id)

    with db.transaction() as session:
        assert store.claim_closed_display(session, first, now=CLOSED_AT + timedelta(seconds=5))
    with db.transaction() as session:
        assert not store.claim_closed_display(session, first, now=CLOSED_AT + timedelta(seconds=9))
        assert store.list_ideas_to_show_closed(session, limit=10) == [second]
        idea = store.get_idea(session, first)
        assert idea is not None
        assert idea.shown_at == CLOSED_AT + timedelta(seconds=5)


def test_claim_with_clock_behind_close(db: Database) -> None:
    with db.transaction() as session:
        campaign_id = add_campaign(session)
        idea_id = add_posted_idea(session, campaign_id, message_id="1.0")
    close(db, campaign_id)

    # A wall clock behind the scheduler's clock still marks the idea as shown closed.
    with db.transaction() as session:
        assert store.claim_closed_display(session, idea_id, now=NOW)
    with db.transaction() as session:
        idea = store.get_idea(session, idea_id)
        assert idea is not None
        assert idea.shown_at == CLOSED_AT
        assert store.list_ideas_to_show_closed(session, limit=10) == []
        assert store.list_campaign_ids_with_ideas_to_show_closed(session, limit=10) == []


def test_shown_vote_count_only_keeps_time(db: Database) -> None:
    with db.transaction() as session:
        campaign_id = add_campaign(session)
        idea_id = add_posted_idea(session, campaign_id, message_id="1.0")
        store.set_shown_vote_count(session, idea_id, vote_count=1, shown_at=NOW)

    with db.transaction() as session:
        store.set_shown_vote_count_only(session, idea_id, vote_count=4)
    with db.transaction() as session:
        idea = store.get_idea(session, idea_id)
        assert idea is not None
        assert idea.shown_vote_count == 4
        assert idea.shown_at == NOW
