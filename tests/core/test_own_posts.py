"""Anonymous posts managed by their authors: hash stored, listing, comments, withdrawal."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.core.anonymity import author_hash
from bot.core.campaigns import create_campaign, open_campaign
from bot.core.clock import ManualClock
from bot.core.errors import NotFound, PermissionDenied
from bot.core.ideas import choose_idea_topic, record_idea_message, submit_idea
from bot.core.own_posts import (
    add_anonymous_comment,
    comment_target,
    list_own_posts,
    withdraw_comment,
    withdraw_idea,
)
from bot.core.participation_records import NOT_IN_DIRECTORY
from bot.core.records import Person
from storage.database import Database
from storage.models import AnonymousContribution, Comment, Idea, ParticipantGroup
from storage.topics import list_topics

LONDON = ZoneInfo("Europe/London")
KEY = "a-test-key-that-is-long-enough-0123456789"
ANN = Person("slack", "T1", "U_ANN", "Ann")
BOB = Person("slack", "T1", "U_BOB", "Bob")


@pytest.fixture
def idea_id(db: Database, clock: ManualClock) -> int:
    """Ann's anonymous idea, posted in an open campaign with two topics in channel C1."""
    campaign = create_campaign(
        db,
        title="Ideas",
        channel_id="C1",
        starts="now",
        timezone=LONDON,
        now=clock.now(),
        topics=["Rotas?", "Breaks?"],
    )
    assert open_campaign(db, campaign.id, now=clock.now()) is not None
    submitted = submit_idea(
        db, ANN, text="Quiet room", anonymous=True, channel_id="C1", now=clock.now(), anon_key=KEY
    )
    record_idea_message(db, submitted.idea.id, message_id="1700000000.000100", vote_count=0)
    return submitted.idea.id


def test_anonymous_idea_stores_hash_only(db: Database, idea_id: int) -> None:
    with db.transaction() as session:
        idea = session.get(Idea, idea_id)
        assert idea is not None
        assert idea.author_id is None
        assert idea.author_name is None
        assert idea.author_hash == author_hash(KEY, ANN)
        assert session.scalars(select(ParticipantGroup)).all() == []


def test_author_chooses_topic_by_hash(db: Database, clock: ManualClock, idea_id: int) -> None:
    with db.transaction() as session:
        idea = session.get(Idea, idea_id)
        assert idea is not None and idea.campaign_id is not None
        topic_id = list_topics(session, idea.campaign_id)[0].id
    with pytest.raises(PermissionDenied):
        choose_idea_topic(
            db, BOB, idea_id=idea_id, topic_id=topic_id, now=clock.now(), anon_key=KEY
        )
    with pytest.raises(PermissionDenied):
        choose_idea_topic(db, ANN, idea_id=idea_id, topic_id=topic_id, now=clock.now())

    record = choose_idea_topic(
        db, ANN, idea_id=idea_id, topic_id=topic_id, now=clock.now(), anon_key=KEY
    )

    assert record.topic_id == topic_id


def test_comment_listed_and_withdrawn(db: Database, clock: ManualClock, idea_id: int) -> None:
    target = comment_target(db, idea_id=idea_id)
    assert target.thread_id == "1700000000.000100"
    reply = "1700000000.000200"

    assert add_anonymous_comment(
        db, BOB, key=KEY, idea_id=idea_id, message_id=reply, text="Yes", now=clock.now()
    )

    with db.transaction() as session:
        comment = session.scalars(select(Comment)).one()
        assert comment.user_id is None
        assert comment.anonymous
        assert session.get(Idea, idea_id).comment_count == 1  # type: ignore[union-attr]
        assert session.scalars(select(ParticipantGroup)).all() == []
    assert list_own_posts(db, ANN, key=KEY).comments == ()
    listed = list_own_posts(db, BOB, key=KEY)
    assert [own.message_id for own in listed.comments] == [reply]
    assert listed.ideas == ()
    with pytest.raises(PermissionDenied):
        withdraw_comment(db, ANN, key=KEY, comment_id=comment.id, now=clock.now())

    withdrawn = withdraw_comment(db, BOB, key=KEY, comment_id=comment.id, now=clock.now())

    assert withdrawn is not None
    assert withdrawn.channel_id == "C1"
    assert withdraw_comment(db, BOB, key=KEY, comment_id=comment.id, now=clock.now()) is None
    assert list_own_posts(db, BOB, key=KEY).comments == ()
    with db.transaction() as session:
        assert session.get(Idea, idea_id).comment_count == 0  # type: ignore[union-attr]
        assert session.get(Comment, comment.id).text == ""  # type: ignore[union-attr]


def anonymous_counts(db: Database) -> dict[tuple[str, str], int]:
    with db.transaction() as session:
        rows = session.scalars(select(AnonymousContribution))
        return {(row.dimension, row.group_name): row.count for row in rows}


def test_idea_withdrawn_by_author_only(db: Database, clock: ManualClock, idea_id: int) -> None:
    assert [own.id for own in list_own_posts(db, ANN, key=KEY).ideas] == [idea_id]
    assert anonymous_counts(db)[("directorate", NOT_IN_DIRECTORY)] == 1
    with pytest.raises(PermissionDenied):
        withdraw_idea(db, BOB, key=KEY, idea_id=idea_id, now=clock.now())
    with pytest.raises(NotFound):
        withdraw_idea(db, ANN, key=KEY, idea_id=idea_id + 1, now=clock.now())

    withdrawn = withdraw_idea(db, ANN, key=KEY, idea_id=idea_id, now=clock.now())

    assert withdrawn is not None
    assert withdrawn.message_id == "1700000000.000100"
    assert withdraw_idea(db, ANN, key=KEY, idea_id=idea_id, now=clock.now()) is None
    assert list_own_posts(db, ANN, key=KEY).ideas == ()
    # The withdrawn idea leaves the group counts too, once, however often it is withdrawn.
    assert set(anonymous_counts(db).values()) == {0}
    with db.transaction() as session:
        idea = session.get(Idea, idea_id)
        assert idea is not None
        assert idea.text == ""
        assert idea.withdrawn_at is not None
    with pytest.raises(NotFound):
        comment_target(db, idea_id=idea_id)
