"""Tests of an idea's topic in the core: at submission, chosen later, and the hidden-count flag."""

from collections.abc import Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.core.campaigns import close_campaign, create_campaign, open_campaign
from bot.core.clock import ManualClock
from bot.core.display import claim_refresh, stale_idea_ids
from bot.core.errors import InvalidInput, PermissionDenied
from bot.core.ideas import (
    choose_idea_topic,
    get_idea,
    record_idea_message,
    submit_idea,
    validate_new_idea_topic,
)
from bot.core.records import CampaignRecord, Person
from bot.core.votes import VoteChange, change_vote
from storage.database import Database
from storage.models import Idea

LONDON = ZoneInfo("Europe/London")
ANN = Person("slack", "T1", "U_ANN", "Ann Smith")
BOB = Person("slack", "T1", "U_BOB", "Bob Jones")
QUESTIONS = ("How could we recognise good work?", "What would make handovers safer?")


def open_new_campaign(
    db: Database,
    clock: ManualClock,
    *,
    topics: Sequence[str] = QUESTIONS,
    channel_id: str = "C1",
    hide_counts: bool = False,
) -> CampaignRecord:
    campaign = create_campaign(
        db,
        title=f"Ideas in {channel_id}",
        channel_id=channel_id,
        starts="now",
        timezone=LONDON,
        now=clock.now(),
        topics=topics,
        hide_counts=hide_counts,
    )
    opened = open_campaign(db, campaign.id, now=clock.now())
    assert opened is not None
    return opened


def idea_count(db: Database) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(Idea)) or 0)


def test_submit_with_topic(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock)
    second = campaign.topics[1]

    submitted = submit_idea(
        db, ANN, text="Read back", channel_id="C1", topic_id=second.id, now=clock.now()
    )

    assert submitted.idea.topic_id == second.id
    assert submitted.idea.topic_question == QUESTIONS[1]
    assert get_idea(db, submitted.idea.id).topic_question == QUESTIONS[1]


def test_submit_without_topic_unassigned(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock)

    submitted = submit_idea(db, ANN, text="Read back", channel_id="C1", now=clock.now())

    assert submitted.idea.topic_id is None
    assert submitted.idea.topic_question is None


def test_submit_single_topic_assigned(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock, topics=QUESTIONS[:1])

    submitted = submit_idea(db, ANN, text="Read back", channel_id="C1", now=clock.now())

    assert submitted.idea.topic_id == campaign.topics[0].id


def test_submit_other_campaign_topic(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock)
    later = create_campaign(
        db,
        title="Later",
        channel_id="C2",
        starts="2099-01-05 09:00",
        timezone=LONDON,
        now=clock.now(),
        topics=["Another question"],
    )
    foreign = later.topics[0].id

    with pytest.raises(InvalidInput) as raised:
        submit_idea(db, ANN, text="Read back", channel_id="C1", topic_id=foreign, now=clock.now())
    assert raised.value.field == "topic"
    with pytest.raises(InvalidInput):
        validate_new_idea_topic(
            db, platform="slack", channel_id="C1", topic_id=foreign, now=clock.now()
        )
    assert idea_count(db) == 0


def test_choose_topic_by_author(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock)
    idea_id = submit_idea(db, ANN, text="Read back", channel_id="C1", now=clock.now()).idea.id

    chosen = choose_idea_topic(
        db, ANN, idea_id=idea_id, topic_id=campaign.topics[0].id, now=clock.now()
    )

    assert chosen.topic_id == campaign.topics[0].id
    assert chosen.topic_question == QUESTIONS[0]
    assert get_idea(db, idea_id).topic_id == campaign.topics[0].id


def test_choose_topic_rejections(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock)
    topic_id = campaign.topics[0].id
    named = submit_idea(db, ANN, text="Read back", channel_id="C1", now=clock.now()).idea.id
    anonymous = submit_idea(
        db, ANN, text="Quiet room", channel_id="C1", anonymous=True, now=clock.now()
    ).idea.id
    other_team = Person("slack", "T2", ANN.user_id)

    for chooser, idea_id in ((BOB, named), (other_team, named), (ANN, anonymous)):
        with pytest.raises(PermissionDenied):
            choose_idea_topic(db, chooser, idea_id=idea_id, topic_id=topic_id, now=clock.now())

    clock.advance(timedelta(days=21))
    assert close_campaign(db, campaign.id, now=clock.now()) is not None
    with pytest.raises(InvalidInput) as raised:
        choose_idea_topic(db, ANN, idea_id=named, topic_id=topic_id, now=clock.now())
    assert "closed" in raised.value.user_message
    assert get_idea(db, named).topic_id is None
    assert get_idea(db, anonymous).topic_id is None


def test_hidden_counts_not_refreshed(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock, hide_counts=True)
    idea_id = submit_idea(db, ANN, text="Read back", channel_id="C1", now=clock.now()).idea.id
    record_idea_message(db, idea_id, message_id="1700000000.000100", vote_count=0)

    result = change_vote(db, BOB, idea_id=idea_id, change=VoteChange.TOGGLE, now=clock.now())

    assert result.counted is True
    assert result.counts_hidden is True
    assert get_idea(db, idea_id).hide_counts is True
    assert claim_refresh(db, idea_id, now=clock.now()).refresh_now is False
    assert stale_idea_ids(db, now=clock.now() + timedelta(minutes=1)) == []

    clock.advance(timedelta(days=21))
    assert close_campaign(db, campaign.id, now=clock.now()) is not None
    assert stale_idea_ids(db, now=clock.now()) == [idea_id]


def test_visible_counts_refreshed(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock)
    idea_id = submit_idea(db, ANN, text="Read back", channel_id="C1", now=clock.now()).idea.id
    record_idea_message(db, idea_id, message_id="1700000000.000100", vote_count=0)

    result = change_vote(db, BOB, idea_id=idea_id, change=VoteChange.TOGGLE, now=clock.now())

    assert result.counts_hidden is False
    claim = claim_refresh(db, idea_id, now=clock.now())
    assert claim.refresh_now is True
    assert claim.vote_count == 1
