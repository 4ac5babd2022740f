"""Tests of the idea storage functions."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import ideas as store
from storage import statuses as status_store
from storage.database import Database
from storage.models import Idea

NOW = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
INTERVAL = timedelta(seconds=5)


def add(session: Session, *, channel_id: str | None = "C1", created_at: datetime = NOW) -> Idea:
    return store.add_idea(
        session,
        campaign_id=None,
        platform="slack",
        team_id="T1",
        author_id="U1",
        author_name="Ann",
        anonymous=False,
        text="An idea",
        detail=None,
        channel_id=channel_id,
        created_at=created_at,
    )


def test_add_idea_zero_counts(db: Database) -> None:
    with db.transaction() as session:
        idea_id = add(session).id

    with db.transaction() as session:
        idea = store.get_idea(session, idea_id)
        assert idea is not None
        assert idea.vote_count == 0
        assert idea.comment_count == 0
        assert idea.shown_vote_count is None
        assert store.get_idea(session, idea_id + 1) is None


def test_change_vote_count(db: Database) -> None:
    with db.transaction() as session:
        idea_id = add(session).id

    with db.transaction() as session:
        assert store.change_vote_count(session, idea_id, delta=1) == 1
        assert store.change_vote_count(session, idea_id, delta=1) == 2
        assert store.change_vote_count(session, idea_id, delta=-1) == 1

    with db.transaction() as session:
        idea = store.get_idea(session, idea_id)
        assert idea is not None
        assert idea.vote_count == 1


def test_change_comment_count(db: Database) -> None:
    with db.transaction() as session:
        idea_id = add(session).id
        store.change_comment_count(session, idea_id, delta=1)
        store.change_comment_count(session, idea_id, delta=1)
        store.change_comment_count(session, idea_id, delta=-1)

    with db.transaction() as session:
        idea = store.get_idea(session, idea_id)
        assert idea is not None
        assert idea.comment_count == 1


def test_list_ideas_filter(db: Database) -> None:
    with db.transaction() as session:
        first = add(session).id
        second = add(session).id

    with db.transaction() as session:
        assert [idea.id for idea in store.list_ideas(session)] == [first, second]
        assert store.list_ideas(session, campaign_id=12345) == []


def test_list_unposted_before(db: Database) -> None:
    with db.transaction() as session:
        early = add(session, created_at=NOW).id
        add(session, created_at=NOW + timedelta(minutes=1))
        add(session, channel_id=None, created_at=NOW)
        posted = add(session, created_at=NOW).id
        store.set_idea_message(session, posted, message_id="M1", vote_count=0)

    with db.transaction() as session:
        before = NOW + timedelta(minutes=1)
        unposted = store.list_unposted_ideas(session, before=before, limit=10)
        assert [idea.id for idea in unposted] == [early]
        assert store.list_unposted_ideas(session, before=NOW, limit=10) == []


def test_get_idea_by_message(db: Database) -> None:
    with db.transaction() as session:
        idea_id = add(session).id
        store.set_idea_message(session, idea_id, message_id="M1", vote_count=4)

    with db.transaction() as session:
        found = store.get_idea_by_message(
            session, platform="slack", channel_id="C1", message_id="M1"
        )
        assert found is not None
        assert found.id == idea_id
        assert found.shown_vote_count == 4
        missing = store.get_idea_by_message(
            session, platform="slack", channel_id="C2", message_id="M1"
        )
        assert missing is None


def test_message_unique(db: Database) -> None:
    with db.transaction() as session:
        first = add(session).id
        second = add(session).id
        store.set_idea_message(session, first, message_id="M1", vote_count=0)

    with pytest.raises(IntegrityError):
        with db.transaction() as session:
            store.set_idea_message(session, second, message_id="M1", vote_count=0)


def test_claim_idea_post(db: Database) -> None:
    retry_after = timedelta(minutes=1)
    with db.transaction() as session:
        idea_id = add(session).id

    with db.transaction() as session:
        claim = store.claim_idea_post
        assert claim(session, idea_id, now=NOW, retry_after=retry_after)
        assert not claim(session, idea_id, now=NOW + retry_after, retry_after=retry_after)
        later = NOW + retry_after + timedelta(microseconds=1)
        assert claim(session, idea_id, now=later, retry_after=retry_after)
        store.set_idea_message(session, idea_id, message_id="M1", vote_count=0)
        much_later = NOW + timedelta(days=1)
        assert not claim(session, idea_id, now=much_later, retry_after=retry_after)


def test_claim_refresh_needs_message(db: Database) -> None:
    with db.transaction() as session:
        idea_id = add(session).id
        claim = store.claim_vote_count_refresh
        assert not claim(session, idea_id, now=NOW, min_interval=INTERVAL)
        store.set_idea_message(session, idea_id, message_id="M1", vote_count=0)
        assert claim(session, idea_id, now=NOW, min_interval=INTERVAL)


def test_claim_refresh_interval(db: Database) -> None:
    with db.transaction() as session:
        idea_id = add(session).id
        store.set_idea_message(session, idea_id, message_id="M1", vote_count=0)

    with db.transaction() as session:
        claim = store.claim_vote_count_refresh
        assert claim(session, idea_id, now=NOW, min_interval=INTERVAL)
        almost = NOW + INTERVAL - timedelta(microseconds=1)
        assert not claim(session, idea_id, now=almost, min_interval=INTERVAL)
        assert claim(session, idea_id, now=NOW + INTERVAL, min_interval=INTERVAL)

    with db.transaction() as session:
        idea = store.get_idea(session, idea_id)
        assert idea is not None
        assert idea.shown_at == NOW + INTERVAL


def test_set_shown_vote_count(db: Database) -> None:
    with db.transaction() as session:
        idea_id = add(session).id
        store.set_shown_vote_count(session, idea_id, vote_count=7, shown_at=NOW)

    with db.transaction() as session:
        idea = store.get_idea(session, idea_id)
        assert idea is not None
        assert idea.shown_vote_count == 7
        assert idea.shown_at == NOW


def test_marked_idea_is_stale_within_the_interval(db: Database) -> None:
    with db.transaction() as session:
        idea_id = add(session).id
        store.set_idea_message(session, idea_id, message_id="M1", vote_count=0)
        # The message was updated later than the job's cut-off, as a closed campaign's
        # redraw dated at its close can be.
        store.set_shown_vote_count(session, idea_id, vote_count=0, shown_at=NOW)

    with db.transaction() as session:
        assert store.list_stale_idea_ids(session, before=NOW - INTERVAL, limit=10) == []
        status_store.mark_for_redraw(session, [idea_id])

    with db.transaction() as session:
        assert store.list_stale_idea_ids(session, before=NOW - INTERVAL, limit=10) == [idea_id]
