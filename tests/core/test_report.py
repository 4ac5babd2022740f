"""Tests of the final campaign report: fair ranking, topics, busiest days and series comparison."""

import random
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select, update

from bot.core.campaigns import close_campaign, create_campaign, open_campaign
from bot.core.clock import ManualClock
from bot.core.comments import add_comment, delete_comment
from bot.core.errors import NotFound
from bot.core.fair_rank import wilson_lower_bound
from bot.core.ideas import submit_idea
from bot.core.records import (
    CampaignRecord,
    CampaignReport,
    CampaignTotals,
    DayActivity,
    FairRankedIdea,
    Person,
)
from bot.core.report import METHOD, TOP_IDEAS, campaign_report
from bot.core.votes import VoteChange, change_vote
from storage import ideas as idea_store
from storage import votes as vote_store
from storage.database import Database
from storage.models import Campaign, Idea, Topic, Vote

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
    text: str = "An idea",
    channel_id: str = "C1",
    anonymous: bool = False,
) -> int:
    submitted = submit_idea(
        db, author, text=text, channel_id=channel_id, anonymous=anonymous, now=clock.now()
    )
    return submitted.idea.id


def cast(db: Database, clock: ManualClock, voter: Person, idea_id: int) -> None:
    result = change_vote(db, voter, idea_id=idea_id, change=VoteChange.CAST, now=clock.now())
    assert result.changed


def withdraw(db: Database, clock: ManualClock, voter: Person, idea_id: int) -> None:
    result = change_vote(db, voter, idea_id=idea_id, change=VoteChange.WITHDRAW, now=clock.now())
    assert result.changed


def comment(
    db: Database, clock: ManualClock, commenter: Person, idea_id: int, message_id: str
) -> None:
    assert add_comment(
        db, commenter, idea_id=idea_id, message_id=message_id, text="Yes", now=clock.now()
    )


def add_topics(db: Database, campaign_id: int, questions: dict[int, str]) -> dict[int, int]:
    """Store topics by position and return their ids by position."""
    with db.transaction() as session:
        topics = {
            position: Topic(campaign_id=campaign_id, position=position, question=question)
            for position, question in questions.items()
        }
        session.add_all(topics.values())
        session.flush()
        return {position: topic.id for position, topic in topics.items()}


def assign_topic(db: Database, idea_id: int, topic_id: int) -> None:
    with db.transaction() as session:
        session.execute(update(Idea).where(Idea.id == idea_id).values(topic_id=topic_id))


def set_campaign(db: Database, campaign_id: int, **values: Any) -> None:
    with db.transaction() as session:
        session.execute(update(Campaign).where(Campaign.id == campaign_id).values(**values))


def ranked_by_id(report: CampaignReport) -> dict[int, FairRankedIdea]:
    return {idea.idea_id: idea for topic in report.topics for idea in topic.top_ideas}


def ranked_ids(report: CampaignReport, *, group: int = 0) -> list[int]:
    return [idea.idea_id for idea in report.topics[group].top_ideas]


@contextmanager
def counted_statements(db: Database) -> Iterator[list[str]]:
    """Collect every SQL statement the engine sends while the block runs."""
    statements: list[str] = []

    def record(
        _connection: Any,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_report_late_idea_outranks_early(db: Database, clock: ManualClock) -> None:
    start = clock.now()
    campaign = open_new_campaign(db, clock)
    early = post(db, clock, person("Ann"))
    fillers = [post(db, clock, person(f"Filler{n}")) for n in range(4)]
    clock.advance(timedelta(hours=1))
    early_voters = [person(f"V{n:02}") for n in range(20)]
    for voter in early_voters[:8]:
        cast(db, clock, voter, early)
    for index, voter in enumerate(early_voters[8:]):
        cast(db, clock, voter, fillers[index % 4])

    clock.set(start + timedelta(days=17))
    late = post(db, clock, person("Bob"))
    clock.advance(timedelta(hours=1))
    # V00 voted on day 1 and comes back, so V00 is active since the late idea too.
    cast(db, clock, early_voters[0], late)
    cast(db, clock, person("W1"), late)
    cast(db, clock, person("W2"), late)
    cast(db, clock, person("W3"), fillers[0])

    report = campaign_report(db, campaign.id, timezone=LONDON)

    ranked = ranked_by_id(report)
    assert ranked_ids(report) == [late, early, fillers[0], *fillers[1:]]
    assert ranked[late].rank == 1
    assert ranked[late].vote_count == 3
    assert ranked[late].active_voter_count == 4
    assert ranked[late].posted_day == 18
    assert ranked[late].score == pytest.approx(wilson_lower_bound(3, 4))
    assert ranked[early].rank == 2
    assert ranked[early].vote_count == 8
    assert ranked[early].active_voter_count == 23
    assert ranked[early].posted_day == 1
    assert ranked[early].score == pytest.approx(wilson_lower_bound(8, 23))
    assert ranked[fillers[0]].vote_count == 4
    assert report.method == METHOD


def test_report_early_idea_keeps_lead(db: Database, clock: ManualClock) -> None:
    start = clock.now()
    campaign = open_new_campaign(db, clock)
    early = post(db, clock, person("Ann"))
    filler = post(db, clock, person("Cat"))
    clock.advance(timedelta(hours=1))
    early_voters = [person(f"V{n:02}") for n in range(20)]
    for voter in early_voters[:18]:
        cast(db, clock, voter, early)
    for voter in early_voters[18:]:
        cast(db, clock, voter, filler)

    clock.set(start + timedelta(days=17, hours=3))
    late = post(db, clock, person("Bob"))
    clock.advance(timedelta(hours=1))
    for name in ("W1", "W2"):
        cast(db, clock, person(name), late)
    for name in ("W3", "W4"):
        cast(db, clock, person(name), filler)

    report = campaign_report(db, campaign.id, timezone=LONDON)

    ranked = ranked_by_id(report)
    # 18 of 24 active voters is a larger share than 2 of 4.
    assert ranked_ids(report) == [early, late, filler]
    assert ranked[early].active_voter_count == 24
    assert ranked[late].active_voter_count == 4
    assert ranked[late].vote_count == 2
    assert ranked[filler].vote_count == 4
    assert ranked[filler].active_voter_count == 24


def test_report_withdrawn_vote_not_active(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock)
    early = post(db, clock, person("Ann"))
    cast(db, clock, person("Bob"), early)
    clock.advance(timedelta(days=2))
    late = post(db, clock, person("Cat"))
    clock.advance(timedelta(hours=1))
    cast(db, clock, person("Dan"), late)
    # Eve's only vote after the late idea is withdrawn, so she is not active since it.
    cast(db, clock, person("Eve"), early)
    withdraw(db, clock, person("Eve"), early)

    ranked = ranked_by_id(campaign_report(db, campaign.id, timezone=LONDON))

    assert ranked[late].active_voter_count == 1
    assert ranked[early].active_voter_count == 2
    assert ranked[early].vote_count == 1


def test_report_ties_earlier_first(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock)
    first = post(db, clock, person("Ann"))
    second = post(db, clock, person("Bob"))
    clock.advance(timedelta(hours=1))
    unvoted_early = post(db, clock, person("Cat"))
    clock.advance(timedelta(hours=1))
    unvoted_late = post(db, clock, person("Dan"))
    clock.advance(timedelta(hours=1))
    cast(db, clock, person("Eve"), second)
    cast(db, clock, person("Fay"), first)

    report = campaign_report(db, campaign.id, timezone=LONDON)

    ranked = ranked_by_id(report)
    assert ranked[first].score == ranked[second].score
    assert ranked_ids(report) == [first, second, unvoted_early, unvoted_late]
    assert [idea.rank for idea in report.topics[0].top_ideas] == [1, 2, 3, 4]


def test_report_groups_by_topic(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock)
    topic_ids = add_topics(
        db, campaign.id, {2: "How should we meet?", 1: "What slows you down?", 3: "Unused?"}
    )
    second_topic_idea = post(db, clock, person("Ann"))
    first_topic_low = post(db, clock, person("Bob"))
    unassigned = post(db, clock, person("Cat"))
    first_topic_high = post(db, clock, person("Dan"))
    assign_topic(db, second_topic_idea, topic_ids[2])
    assign_topic(db, first_topic_low, topic_ids[1])
    assign_topic(db, first_topic_high, topic_ids[1])
    clock.advance(timedelta(hours=1))
    cast(db, clock, person("Eve"), first_topic_high)

    report = campaign_report(db, campaign.id, timezone=LONDON)

    assert report.has_topics
    assert [topic.topic_id for topic in report.topics] == [
        topic_ids[1],
        topic_ids[2],
        topic_ids[3],
        None,
    ]
    assert [topic.question for topic in report.topics] == [
        "What slows you down?",
        "How should we meet?",
        "Unused?",
        None,
    ]
    assert [topic.idea_count for topic in report.topics] == [2, 1, 0, 1]
    assert ranked_ids(report, group=0) == [first_topic_high, first_topic_low]
    assert ranked_ids(report, group=1) == [second_topic_idea]
    assert ranked_ids(report, group=2) == []
    assert ranked_ids(report, group=3) == [unassigned]
    assert report.topics[1].top_ideas[0].rank == 1
    assert report.totals.idea_count == 4


def test_report_no_unassigned_group(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock)
    topic_ids = add_topics(db, campaign.id, {1: "What slows you down?"})
    idea_id = post(db, clock, person("Ann"))
    assign_topic(db, idea_id, topic_ids[1])

    report = campaign_report(db, campaign.id, timezone=LONDON)

    assert [topic.topic_id for topic in report.topics] == [topic_ids[1]]


def test_report_without_topics(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock)
    ids = [post(db, clock, person(f"Author{n}")) for n in range(TOP_IDEAS + 2)]
    clock.advance(timedelta(hours=1))
    cast(db, clock, person("Bob"), ids[-1])

    report = campaign_report(db, campaign.id, timezone=LONDON)

    assert not report.has_topics
    [group] = report.topics
    assert group.topic_id is None
    assert group.question is None
    assert group.idea_count == TOP_IDEAS + 2
    assert [idea.idea_id for idea in group.top_ideas] == [ids[-1], *ids[: TOP_IDEAS - 1]]
    assert [idea.rank for idea in group.top_ideas] == list(range(1, TOP_IDEAS + 1))


def test_report_empty_campaign(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock)

    report = campaign_report(db, campaign.id, timezone=LONDON)

    assert report.totals == CampaignTotals(0, 0, 0, 0)
    assert report.busiest_days == ()
    assert report.comparison is None
    assert [(topic.topic_id, topic.idea_count, topic.top_ideas) for topic in report.topics] == [
        (None, 0, ())
    ]


def test_report_idea_fields(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock)
    named = post(db, clock, person("Ann"), text="Fix the lift")
    hidden = post(db, clock, person("Dan"), text="Quiet room", anonymous=True)
    clock.advance(timedelta(hours=1))
    comment(db, clock, person("Bob"), named, "1700000000.000001")
    comment(db, clock, person("Cat"), named, "1700000000.000002")
    assert delete_comment(
        db, person("Cat"), idea_id=named, message_id="1700000000.000002", now=clock.now()
    )
    cast(db, clock, person("Eve"), hidden)

    ranked = ranked_by_id(campaign_report(db, campaign.id, timezone=LONDON))

    assert ranked[named].text == "Fix the lift"
    assert ranked[named].author_name == "Ann"
    assert not ranked[named].anonymous
    assert ranked[named].comment_count == 1
    assert ranked[named].channel_id == "C1"
    assert ranked[hidden].text == "Quiet room"
    assert ranked[hidden].author_name is None
    assert ranked[hidden].anonymous
    assert ranked[hidden].posted_at == ranked[named].posted_at


def test_report_totals(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock, channel_id="C1")
    first = post(db, clock, person("Ann"))
    second = post(db, clock, person("Dan"), anonymous=True)
    for voter in ("Bob", "Cat", "Eve"):
        cast(db, clock, person(voter), first)
    cast(db, clock, person("Bob"), second)
    comment(db, clock, person("Fay"), first, "1700000000.000001")
    other = open_new_campaign(db, clock, channel_id="C2")
    elsewhere = post(db, clock, person("Hal"), channel_id="C2")
    cast(db, clock, person("Ivy"), elsewhere)

    report = campaign_report(db, campaign.id, timezone=LONDON)

    # Ann, Bob, Cat, Eve and Fay take part. Dan posted only anonymously.
    assert report.totals == CampaignTotals(
        idea_count=2, comment_count=1, vote_count=4, participant_count=5
    )
    assert report.campaign.id == campaign.id
    assert campaign_report(db, other.id, timezone=LONDON).totals == CampaignTotals(1, 0, 1, 2)


def test_report_hidden_counts_shown(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock, days=1)
    set_campaign(db, campaign.id, hide_counts=True)
    idea_id = post(db, clock, person("Ann"))
    for voter in ("Bob", "Cat", "Dan"):
        cast(db, clock, person(voter), idea_id)
    clock.advance(timedelta(days=1))
    assert close_campaign(db, campaign.id, now=clock.now()) is not None

    report = campaign_report(db, campaign.id, timezone=LONDON)

    assert report.campaign.status == "closed"
    assert report.totals.vote_count == 3
    assert ranked_by_id(report)[idea_id].vote_count == 3
    assert ranked_by_id(report)[idea_id].active_voter_count == 3


def test_busiest_days_count_campaign_days(db: Database, clock: ManualClock) -> None:
    # The campaign opens at 22:00 in winter, so each campaign day runs from 22:00 to
    # 22:00 and a 20-day campaign has days 1 to 20, not 21 calendar dates.
    clock.set(datetime(2027, 1, 11, 22, 0, tzinfo=UTC))
    campaign = open_new_campaign(db, clock)
    first = post(db, clock, person("Ann"))
    clock.set(datetime(2027, 1, 12, 21, 59, tzinfo=UTC))
    for name in ("V1", "V2"):
        cast(db, clock, person(name), first)
    clock.set(datetime(2027, 1, 12, 22, 0, tzinfo=UTC))
    second = post(db, clock, person("Bob"))
    for name in ("V3", "V4", "V5"):
        cast(db, clock, person(name), second)
    clock.set(datetime(2027, 1, 31, 21, 0, tzinfo=UTC))
    cast(db, clock, person("V6"), second)

    report = campaign_report(db, campaign.id, timezone=LONDON)

    assert report.busiest_days == (
        DayActivity(date(2027, 1, 12), 2, idea_count=1, comment_count=0, vote_count=3),
        DayActivity(date(2027, 1, 11), 1, idea_count=1, comment_count=0, vote_count=2),
        DayActivity(date(2027, 1, 30), 20, idea_count=0, comment_count=0, vote_count=1),
    )
    assert ranked_by_id(report)[first].posted_day == 1
    assert ranked_by_id(report)[second].posted_day == 2


def test_busiest_days_follow_clock_change(db: Database, clock: ManualClock) -> None:
    # London's clocks go forward at 01:00 UTC on 28 March 2027. The campaign opens at
    # 09:00 GMT, so its third day starts at 09:00 BST, which is 08:00 UTC.
    clock.set(datetime(2027, 3, 26, 9, 0, tzinfo=UTC))
    campaign = open_new_campaign(db, clock)
    idea_id = post(db, clock, person("Ann"))
    clock.set(datetime(2027, 3, 28, 8, 30, tzinfo=UTC))
    for name in ("V1", "V2"):
        cast(db, clock, person(name), idea_id)
    comment(db, clock, person("Dan"), idea_id, "1700000000.000001")

    london = campaign_report(db, campaign.id, timezone=LONDON)
    utc = campaign_report(db, campaign.id, timezone=ZoneInfo("UTC"))

    assert london.busiest_days == (
        DayActivity(date(2027, 3, 28), 3, idea_count=0, comment_count=1, vote_count=2),
        DayActivity(date(2027, 3, 26), 1, idea_count=1, comment_count=0, vote_count=0),
    )
    # Counted in UTC, 08:30 on 28 March is before the third day's 09:00 start.
    assert utc.busiest_days == (
        DayActivity(date(2027, 3, 27), 2, idea_count=0, comment_count=1, vote_count=2),
        DayActivity(date(2027, 3, 26), 1, idea_count=1, comment_count=0, vote_count=0),
    )
    assert london.timezone == "Europe/London"


def test_busiest_days_after_close(db: Database, clock: ManualClock) -> None:
    # Comments on a closed campaign's ideas still count, on days past the last one.
    start = clock.now()
    campaign = open_new_campaign(db, clock, days=5)
    idea_id = post(db, clock, person("Ann"))
    clock.set(start + timedelta(days=5))
    assert close_campaign(db, campaign.id, now=clock.now()) is not None
    clock.set(start + timedelta(days=39, hours=3))
    for index in range(3):
        comment(db, clock, person(f"Late{index}"), idea_id, f"1700000000.00000{index}")
    clock.set(start + timedelta(days=41, hours=3))
    comment(db, clock, person("Later"), idea_id, "1700000001.000001")

    report = campaign_report(db, campaign.id, timezone=LONDON)

    assert [(day.day_number, day.activity_count) for day in report.busiest_days] == [
        (40, 3),
        (1, 1),
        (42, 1),
    ]
    assert report.busiest_days[0].day == (start + timedelta(days=39)).date()


def test_busiest_days_top_three(db: Database, clock: ManualClock) -> None:
    start = clock.now()
    campaign = open_new_campaign(db, clock)
    idea_id = post(db, clock, person("Ann"))
    votes_per_day = {2: 2, 3: 5, 4: 1, 5: 4}
    for day_number, count in votes_per_day.items():
        clock.set(start + timedelta(days=day_number - 1, hours=2))
        for index in range(count):
            cast(db, clock, person(f"Day{day_number}Voter{index}"), idea_id)

    report = campaign_report(db, campaign.id, timezone=LONDON)

    assert [(day.day_number, day.activity_count) for day in report.busiest_days] == [
        (3, 5),
        (5, 4),
        (2, 2),
    ]
    assert report.busiest_days[0].day == date(2027, 1, 13)


def _run_series_campaign(
    db: Database,
    clock: ManualClock,
    *,
    channel_id: str,
    ideas: list[str],
    votes: list[tuple[str, int]],
    comments: list[tuple[str, int]],
    close: bool = True,
) -> CampaignRecord:
    """Run a one-day campaign: ideas by author, votes and comments by idea index."""
    campaign = open_new_campaign(db, clock, channel_id=channel_id, days=1)
    idea_ids = [post(db, clock, person(author), channel_id=channel_id) for author in ideas]
    for voter, index in votes:
        cast(db, clock, person(voter), idea_ids[index])
    for number, (commenter, index) in enumerate(comments):
        comment(db, clock, person(commenter), idea_ids[index], f"{campaign.id}.{number:06}")
    if close:
        clock.advance(timedelta(days=1))
        assert close_campaign(db, campaign.id, now=clock.now()) is not None
    return campaign


@pytest.mark.parametrize("first_stores_own_id", [True, False])
def test_report_series_comparison(
    db: Database, clock: ManualClock, first_stores_own_id: bool
) -> None:
    first = _run_series_campaign(
        db,
        clock,
        channel_id="C1",
        ideas=["Ann", "Bob"],
        votes=[("Cat", 0), ("Dan", 0), ("Eve", 1)],
        comments=[("Fay", 0)],
    )
    if first_stores_own_id:
        set_campaign(db, first.id, series_id=first.id)
    # A campaign of no series runs beside the second one and closes with it.
    unrelated = open_new_campaign(db, clock, channel_id="C9", days=1)
    post(db, clock, person("Zed"), channel_id="C9")
    second = _run_series_campaign(
        db,
        clock,
        channel_id="C1",
        ideas=["Ann", "Bob", "Cat"],
        votes=[("Dan", 0), ("Eve", 0), ("Fay", 1), ("Gus", 2), ("Hal", 2)],
        comments=[("Ivy", 0), ("Ann", 1)],
    )
    assert close_campaign(db, unrelated.id, now=clock.now()) is not None
    set_campaign(db, second.id, series_id=first.id)
    third = _run_series_campaign(
        db, clock, channel_id="C1", ideas=["Ann"], votes=[("Bob", 0)], comments=[], close=False
    )
    set_campaign(db, third.id, series_id=first.id)

    open_report = campaign_report(db, third.id, timezone=LONDON)
    clock.advance(timedelta(days=1))
    assert close_campaign(db, third.id, now=clock.now()) is not None
    closed_report = campaign_report(db, third.id, timezone=LONDON)
    second_report = campaign_report(db, second.id, timezone=LONDON)

    for report in (open_report, closed_report):
        assert report.comparison is not None
        assert report.comparison.previous.id == second.id
        assert report.comparison.previous_totals == CampaignTotals(
            idea_count=3, comment_count=2, vote_count=5, participant_count=9
        )
        assert report.totals == CampaignTotals(1, 0, 1, 2)
        assert report.comparison.difference == CampaignTotals(-2, -2, -4, -7)
    assert second_report.comparison is not None
    assert second_report.comparison.previous.id == first.id
    assert second_report.comparison.previous_totals == CampaignTotals(2, 1, 3, 6)
    assert second_report.comparison.difference == CampaignTotals(1, 1, 2, 3)
    assert campaign_report(db, first.id, timezone=LONDON).comparison is None
    assert campaign_report(db, unrelated.id, timezone=LONDON).comparison is None


def test_report_unknown_campaign(db: Database) -> None:
    with pytest.raises(NotFound):
        campaign_report(db, 12345, timezone=LONDON)


def _expected_top_ideas(db: Database, campaign_id: int) -> dict[int | None, list[tuple[int, int]]]:
    """Rank every idea from the raw rows in Python: (idea id, active voters) per topic."""
    with db.transaction() as session:
        ideas = session.execute(
            select(Idea.id, Idea.topic_id, Idea.created_at, Idea.vote_count).where(
                Idea.campaign_id == campaign_id
            )
        ).all()
        votes = session.execute(
            select(Vote.user_id, Vote.created_at)
            .join(Idea, Idea.id == Vote.idea_id)
            .where(Idea.campaign_id == campaign_id)
        ).all()
    groups: dict[int | None, list[tuple[tuple[float, int, datetime, int], int, int]]] = defaultdict(
        list
    )
    for idea_id, topic_id, created_at, vote_count in ideas:
        active = len({user_id for user_id, voted_at in votes if voted_at >= created_at})
        score = wilson_lower_bound(vote_count, active)
        groups[topic_id].append(((-score, -vote_count, created_at, idea_id), idea_id, active))
    return {
        topic_id: [(idea_id, active) for _, idea_id, active in sorted(entries)[:TOP_IDEAS]]
        for topic_id, entries in groups.items()
    }


def _fill_large_campaign(
    db: Database, clock: ManualClock, campaign_id: int, topic_ids: list[int]
) -> None:
    """Post 50 ideas over ten days and cast 500 votes a day for 20 days from 600 voters."""
    rng = random.Random(20270111)
    start = clock.now()
    idea_ids: list[int] = []
    cast_pairs: set[tuple[int, int]] = set()
    for day in range(20):
        clock.set(start + timedelta(days=day, hours=1))
        if day < 10:
            for number in range(5):
                idea_id = post(db, clock, person(f"Author{day}_{number}"))
                assign_topic(db, idea_id, topic_ids[len(idea_ids) % len(topic_ids)])
                idea_ids.append(idea_id)
        added: dict[int, int] = defaultdict(int)
        with db.transaction() as session:
            while sum(added.values()) < 500:
                voter = rng.randrange(600)
                idea_id = rng.choice(idea_ids)
                if (voter, idea_id) in cast_pairs:
                    continue
                cast_pairs.add((voter, idea_id))
                clock.advance(timedelta(seconds=90))
                assert vote_store.add_vote(
                    session,
                    idea_id,
                    platform="slack",
                    team_id="T1",
                    user_id=f"U{voter:04}",
                    now=clock.now(),
                )
                added[idea_id] += 1
            for idea_id, delta in added.items():
                idea_store.change_vote_count(session, idea_id, delta=delta)


def test_report_large_campaign_queries(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock, days=21)
    topic_ids = list(add_topics(db, campaign.id, {1: "First?", 2: "Second?"}).values())
    _fill_large_campaign(db, clock, campaign.id, topic_ids)
    small = open_new_campaign(db, clock, channel_id="C2")
    small_topics = list(add_topics(db, small.id, {1: "First?", 2: "Second?"}).values())
    small_idea = post(db, clock, person("Ann"), channel_id="C2")
    assign_topic(db, small_idea, small_topics[0])
    cast(db, clock, person("Bob"), small_idea)

    with counted_statements(db) as large_statements:
        report = campaign_report(db, campaign.id, timezone=LONDON)
    with counted_statements(db) as small_statements:
        campaign_report(db, small.id, timezone=LONDON)

    assert report.totals.vote_count == 10_000
    assert report.totals.idea_count == 50
    assert [day.vote_count for day in report.busiest_days] == [500, 500, 500]
    expected = _expected_top_ideas(db, campaign.id)
    for group in report.topics:
        assert [(idea.idea_id, idea.active_voter_count) for idea in group.top_ideas] == (
            expected[group.topic_id]
        )
    # The statements do not grow with the number of ideas or votes. The answer
    # statistics take two: counts, then the first answer times of answered ideas;
    # the campaign's channels on other platforms take one.
    assert len(large_statements) <= 12, large_statements
    assert len(large_statements) == len(small_statements)


def test_report_worked_example(db: Database, clock: ManualClock) -> None:
    # The worked example in docs/ranking.md.
    start = clock.now()
    campaign = open_new_campaign(db, clock)
    idea_a = post(db, clock, person("Ann"), text="A")
    idea_b = post(db, clock, person("Cat"), text="B")
    day_one_voters = [person(f"V{n:02}") for n in range(30)]
    for index, voter in enumerate(day_one_voters):
        clock.advance(timedelta(minutes=5))
        cast(db, clock, voter, idea_a if index < 12 else idea_b)
    clock.set(start + timedelta(days=17, hours=3))
    idea_c = post(db, clock, person("Bob"), text="C")
    for voter in [day_one_voters[0], *(person(f"W{n}") for n in range(1, 5))]:
        clock.advance(timedelta(minutes=30))
        cast(db, clock, voter, idea_c)
    cast(db, clock, person("W5"), idea_b)

    report = campaign_report(db, campaign.id, timezone=LONDON)

    rows = [
        (idea.text, idea.posted_day, idea.vote_count, idea.active_voter_count, round(idea.score, 4))
        for idea in report.topics[0].top_ideas
    ]
    assert rows == [("C", 18, 5, 6, 0.4365), ("B", 1, 19, 35, 0.3819), ("A", 1, 12, 35, 0.2083)]
