"""Tests of idea ranking: votes first, then comments, then the earliest posted."""

from zoneinfo import ZoneInfo

from bot.core.campaigns import create_campaign, open_campaign
from bot.core.clock import ManualClock
from bot.core.comments import add_comment
from bot.core.ideas import record_idea_message, submit_idea
from bot.core.ranking import top_ideas
from bot.core.records import CampaignRecord, Person, RankedIdea
from bot.core.votes import VoteChange, change_vote
from storage.database import Database

LONDON = ZoneInfo("Europe/London")
ANN = Person("slack", "T1", "U_ANN", "Ann")


def open_new_campaign(
    db: Database, clock: ManualClock, *, channel_id: str = "C1"
) -> CampaignRecord:
    campaign = create_campaign(
        db,
        title=f"Ideas in {channel_id}",
        channel_id=channel_id,
        starts="now",
        timezone=LONDON,
        now=clock.now(),
    )
    opened = open_campaign(db, campaign.id, now=clock.now())
    assert opened is not None
    return opened


def idea_with(
    db: Database,
    clock: ManualClock,
    *,
    votes: int,
    comments: int,
    channel_id: str = "C1",
    anonymous: bool = False,
) -> int:
    idea_id = submit_idea(
        db, ANN, text="An idea", channel_id=channel_id, anonymous=anonymous, now=clock.now()
    ).idea.id
    for n in range(votes):
        voter = Person("slack", "T1", f"U_VOTER{n}")
        change_vote(db, voter, idea_id=idea_id, change=VoteChange.CAST, now=clock.now())
    for n in range(comments):
        add_comment(
            db,
            Person("slack", "T1", f"U_COMMENTER{n}"),
            idea_id=idea_id,
            message_id=f"{idea_id}.{n}",
            text="Agreed",
            now=clock.now(),
        )
    return idea_id


def ranking(db: Database, campaign_id: int, *, limit: int = 10) -> tuple[RankedIdea, ...]:
    with db.transaction() as session:
        return top_ideas(session, campaign_id, limit=limit)


def test_top_ideas_order(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock)
    two_votes = idea_with(db, clock, votes=2, comments=0)
    three_votes = idea_with(db, clock, votes=3, comments=0)
    two_votes_comment = idea_with(db, clock, votes=2, comments=1)
    same_again = idea_with(db, clock, votes=2, comments=1)
    no_votes_comments = idea_with(db, clock, votes=0, comments=2)
    nothing = idea_with(db, clock, votes=0, comments=0)

    ranked = ranking(db, campaign.id)

    assert [idea.idea_id for idea in ranked] == [
        three_votes,
        two_votes_comment,
        same_again,
        two_votes,
        no_votes_comments,
        nothing,
    ]
    assert [idea.rank for idea in ranked] == [1, 2, 3, 4, 5, 6]
    assert [idea.vote_count for idea in ranked] == [3, 2, 2, 2, 0, 0]
    assert [idea.comment_count for idea in ranked] == [0, 1, 1, 0, 2, 0]


def test_top_ideas_limit(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock)
    ids = [idea_with(db, clock, votes=0, comments=0) for _ in range(12)]

    ranked = ranking(db, campaign.id)

    assert len(ranked) == 10
    assert [idea.idea_id for idea in ranked] == ids[:10]
    assert [idea.rank for idea in ranked] == list(range(1, 11))
    assert len(ranking(db, campaign.id, limit=3)) == 3


def test_top_ideas_one_campaign(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock, channel_id="C1")
    mine = idea_with(db, clock, votes=1, comments=0, channel_id="C1")
    open_new_campaign(db, clock, channel_id="C2")
    idea_with(db, clock, votes=3, comments=0, channel_id="C2")

    assert [idea.idea_id for idea in ranking(db, campaign.id)] == [mine]


def test_top_ideas_fields(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock)
    named = idea_with(db, clock, votes=1, comments=0)
    hidden = idea_with(db, clock, votes=0, comments=0, anonymous=True)
    record_idea_message(db, named, message_id="1700000000.000900", vote_count=1)

    first, second = ranking(db, campaign.id)

    assert first.idea_id == named
    assert first.text == "An idea"
    assert first.author_name == "Ann"
    assert not first.anonymous
    assert first.channel_id == "C1"
    assert first.message_id == "1700000000.000900"
    assert second.idea_id == hidden
    assert second.author_name is None
    assert second.anonymous
    assert second.message_id is None
