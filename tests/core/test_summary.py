"""Tests of campaign summaries: totals against direct counts, and who counts as a participant."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.core.campaigns import close_campaign, create_campaign, open_campaign
from bot.core.clock import ManualClock
from bot.core.comments import add_comment, delete_comment
from bot.core.errors import NotFound
from bot.core.ideas import submit_idea
from bot.core.records import CampaignRecord, Person
from bot.core.summary import TOP_IDEAS, campaign_summary, count_participants
from bot.core.votes import VoteChange, change_vote
from storage.database import Database
from storage.models import Comment, Idea, Vote

LONDON = ZoneInfo("Europe/London")


def person(name: str, team_id: str = "T1") -> Person:
    return Person("slack", team_id, f"U_{name.upper()}", name)


def open_new_campaign(
    db: Database, clock: ManualClock, *, channel_id: str = "C1", days: int = 20
) -> CampaignRecord:
    campaign = create_campaign(
        db,
        title=f"Ideas in {channel_id}",
        channel_id=channel_id,
        starts="now",
        days=days,
        timezone=LONDON,
        now=clock.now(),
    )
    opened = open_campaign(db, campaign.id, now=clock.now())
    assert opened is not None
    return opened


def post(
    db: Database,
    clock: ManualClock,
    author: Person,
    *,
    channel_id: str = "C1",
    anonymous: bool = False,
) -> int:
    submitted = submit_idea(
        db, author, text="An idea", channel_id=channel_id, anonymous=anonymous, now=clock.now()
    )
    return submitted.idea.id


def cast(db: Database, clock: ManualClock, voter: Person, idea_id: int) -> None:
    result = change_vote(db, voter, idea_id=idea_id, change=VoteChange.CAST, now=clock.now())
    assert result.changed


def comment(
    db: Database, clock: ManualClock, commenter: Person, idea_id: int, message_id: str
) -> None:
    assert add_comment(
        db, commenter, idea_id=idea_id, message_id=message_id, text="Yes", now=clock.now()
    )


def participants(db: Database, campaign_id: int) -> int:
    with db.transaction() as session:
        return count_participants(session, campaign_id)


def test_summary_totals_match_counts(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock, channel_id="C1")
    first = post(db, clock, person("Ann"))
    second = post(db, clock, person("Dan"), anonymous=True)
    third = post(db, clock, person("Eve"))
    for voter in ("Bob", "Cat", "Eve"):
        cast(db, clock, person(voter), first)
    cast(db, clock, person("Bob"), second)
    comment(db, clock, person("Fay"), first, "1700000000.000001")
    comment(db, clock, person("Gus"), second, "1700000000.000002")
    comment(db, clock, person("Cat"), third, "1700000000.000003")
    assert delete_comment(
        db, person("Gus"), idea_id=second, message_id="1700000000.000002", now=clock.now()
    )
    other = open_new_campaign(db, clock, channel_id="C2")
    elsewhere = post(db, clock, person("Hal"), channel_id="C2")
    cast(db, clock, person("Ivy"), elsewhere)
    comment(db, clock, person("Ivy"), elsewhere, "1700000000.000004")

    summary = campaign_summary(db, campaign.id)

    with db.transaction() as session:
        ideas = select(Idea.id).where(Idea.campaign_id == campaign.id)
        idea_count = session.scalar(
            select(func.count()).select_from(Idea).where(Idea.campaign_id == campaign.id)
        )
        vote_count = session.scalar(
            select(func.count()).select_from(Vote).where(Vote.idea_id.in_(ideas))
        )
        comment_count = session.scalar(
            select(func.count())
            .select_from(Comment)
            .where(Comment.idea_id.in_(ideas), Comment.deleted_at.is_(None))
        )
    assert summary.campaign.id == campaign.id
    assert summary.idea_count == idea_count == 3
    assert summary.vote_count == vote_count == 4
    assert summary.comment_count == comment_count == 2
    assert campaign_summary(db, other.id).vote_count == 1


def test_summary_participants(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock)
    named = post(db, clock, person("Ann"))
    post(db, clock, person("Dan"), anonymous=True)
    hidden_voter_idea = post(db, clock, person("Eve"), anonymous=True)
    cast(db, clock, person("Bob"), named)
    cast(db, clock, person("Eve"), named)
    cast(db, clock, person("Ann"), hidden_voter_idea)
    comment(db, clock, person("Fay"), named, "1700000000.000001")
    comment(db, clock, person("Bob"), named, "1700000000.000002")
    comment(db, clock, person("Gus"), named, "1700000000.000003")
    assert delete_comment(
        db, person("Gus"), idea_id=named, message_id="1700000000.000003", now=clock.now()
    )

    # Ann, Bob, Eve and Fay take part. Eve counts as a voter because her idea is
    # anonymous. Dan only posted anonymously, and Gus's only comment was deleted.
    assert campaign_summary(db, campaign.id).participant_count == 4
    assert participants(db, campaign.id) == 4


def test_participants_empty(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock)

    summary = campaign_summary(db, campaign.id)

    assert summary.participant_count == 0
    assert summary.idea_count == 0
    assert summary.vote_count == 0
    assert summary.comment_count == 0
    assert summary.top_ideas == ()


def test_participants_anonymous_only(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock)
    post(db, clock, person("Dan"), anonymous=True)

    assert participants(db, campaign.id) == 0


def test_participants_by_team(db: Database, clock: ManualClock) -> None:
    # The same user id in two workspaces is two people.
    campaign = open_new_campaign(db, clock)
    idea_id = post(db, clock, person("Ann"))
    cast(db, clock, person("Bob", "T1"), idea_id)
    cast(db, clock, person("Bob", "T2"), idea_id)

    assert participants(db, campaign.id) == 3


def test_participants_other_campaign(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock, channel_id="C1")
    open_new_campaign(db, clock, channel_id="C2")
    elsewhere = post(db, clock, person("Hal"), channel_id="C2")
    cast(db, clock, person("Ivy"), elsewhere)
    post(db, clock, person("Ann"), channel_id="C1")

    assert participants(db, campaign.id) == 1


def test_summary_after_close(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock, days=1)
    idea_id = post(db, clock, person("Ann"))
    cast(db, clock, person("Bob"), idea_id)
    clock.advance(timedelta(days=1))
    assert close_campaign(db, campaign.id, now=clock.now()) is not None
    change_vote(db, person("Cat"), idea_id=idea_id, change=VoteChange.CAST, now=clock.now())

    summary = campaign_summary(db, campaign.id)

    assert summary.campaign.status == "closed"
    assert summary.vote_count == 1
    assert summary.participant_count == 2


def test_summary_top_ideas(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock)
    ids = [post(db, clock, person(f"Author{n}")) for n in range(TOP_IDEAS + 2)]
    cast(db, clock, person("Bob"), ids[-1])

    top = campaign_summary(db, campaign.id).top_ideas

    assert len(top) == TOP_IDEAS
    assert [idea.idea_id for idea in top] == [ids[-1], *ids[: TOP_IDEAS - 1]]
    assert [idea.rank for idea in top] == list(range(1, TOP_IDEAS + 1))


def test_summary_unknown(db: Database) -> None:
    with pytest.raises(NotFound):
        campaign_summary(db, 12345)
