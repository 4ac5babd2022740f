"""The final report of a campaign: ideas ranked fairly to late posts, totals and trends.

The work is done in a fixed number of queries whatever the campaign's size:
the database reduces votes to one row per voter and per campaign day (or per
15-minute bucket, read once for the whole closing report), and only those
reduced rows and the ideas' counters reach Python.
"""

from __future__ import annotations

import heapq
import logging
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence, Set
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Integer, case, func, literal, select, type_coerce, union, union_all
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from bot.core.answer_stats import answer_stats_in
from bot.core.campaign_activity import CampaignActivity
from bot.core.campaigns import campaign_record
from bot.core.errors import NotFound
from bot.core.fair_rank import wilson_lower_bound
from bot.core.records import (
    CampaignReport,
    CampaignTotals,
    DayActivity,
    FairRankedIdea,
    SeriesComparison,
    TopicRanking,
)
from bot.core.reminder_schedule import day_start
from bot.core.summary import count_participants
from storage import campaigns as campaign_store
from storage import participation as participation_store
from storage.database import Database
from storage.models import Campaign, Comment, Idea, Topic, Vote
from storage.visibility import visible_comment, visible_idea

logger = logging.getLogger(__name__)

METHOD = (
    "Ideas are ranked by the share of voters active since each idea was posted who voted "
    "for it, taken at the lower bound of its 95% Wilson score interval. A voter is active "
    "since an idea was posted when they voted for any idea of the campaign after that time, "
    "so an idea posted late is not held back by having had less time to gather votes. "
    "The raw vote count is shown beside each rank."
)
TOP_IDEAS = 10
BUSIEST_DAYS = 3

_IDEA, _COMMENT, _VOTE = 0, 1, 2
# The report's kind of activity for each kind a CampaignActivity counts.
_ACTIVITY_KINDS = {
    participation_store.IDEA: _IDEA,
    participation_store.COMMENT: _COMMENT,
    participation_store.VOTE: _VOTE,
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# A person as stored with each vote, comment and idea: (platform, team_id, user_id).
_PersonKey = tuple[str, str, str | None]


# Named tuples rather than frozen dataclasses: a report builds one of each per
# idea, and a frozen dataclass is several times slower to create.
class _IdeaCounts(NamedTuple):
    id: int
    topic_id: int | None
    # Naive UTC as stored, as are the times _latest_votes returns (see _naive_utc).
    created_at: datetime
    vote_count: int
    comment_count: int


class _Scored(NamedTuple):
    counts: _IdeaCounts
    active_voter_count: int
    score: float


@dataclass(frozen=True)
class _TopicGroup:
    topic_id: int | None
    question: str | None
    idea_count: int
    top: list[_Scored]


def campaign_report(
    db: Database,
    campaign_id: int,
    *,
    timezone: ZoneInfo,
    limit: int = TOP_IDEAS,
    activity: CampaignActivity | None = None,
) -> CampaignReport:
    """Build a campaign's final report, raising NotFound when there is no such campaign.

    The busiest days are added up from activity when it is given and every
    campaign day starts on one of its bucket boundaries, and are otherwise
    counted by the database. Raises ValueError when activity is that of
    another campaign.
    """
    if activity is not None and activity.campaign_id != campaign_id:
        raise ValueError(
            f"The activity given is that of campaign {activity.campaign_id}, "
            f"not of the report's campaign {campaign_id}."
        )
    with db.transaction() as session:
        campaign = campaign_store.get_campaign(session, campaign_id)
        if campaign is None:
            raise NotFound(f"There is no campaign {campaign_id}.")
        starts_at = campaign.starts_at

        topics = list(
            session.scalars(
                select(Topic).where(Topic.campaign_id == campaign_id).order_by(Topic.position)
            )
        )
        ideas = _idea_counts(session, campaign_id)
        latest_votes = _latest_votes(session, campaign_id)
        active_voters_since = _voter_counter(latest_votes.values())
        scored = [_score(idea, active_voters_since(idea.created_at)) for idea in ideas]
        groups = _group_by_topic(scored, topics, limit=limit)
        details = _idea_details(
            session, [entry.counts.id for group in groups for entry in group.top]
        )

        rankings: list[TopicRanking] = []
        for group in groups:
            top_ideas = tuple(
                _ranked_idea(
                    rank, entry, details[entry.counts.id], starts_at=starts_at, timezone=timezone
                )
                for rank, entry in enumerate(group.top, start=1)
            )
            rankings.append(
                TopicRanking(
                    topic_id=group.topic_id,
                    question=group.question,
                    idea_count=group.idea_count,
                    top_ideas=top_ideas,
                )
            )
        totals = CampaignTotals(
            idea_count=len(ideas),
            comment_count=sum(idea.comment_count for idea in ideas),
            vote_count=sum(idea.vote_count for idea in ideas),
            participant_count=_count_participants(session, campaign_id, latest_votes.keys()),
        )
        report = CampaignReport(
            campaign=campaign_record(campaign),
            method=METHOD,
            timezone=timezone.key,
            has_topics=bool(topics),
            totals=totals,
            busiest_days=_busiest_days(session, campaign, timezone=timezone, activity=activity),
            comparison=_series_comparison(session, campaign, totals),
            topics=tuple(rankings),
            answers=answer_stats_in(session, campaign_id),
        )
    logger.info(
        "Built the report of campaign %s: %s ideas, %s votes, %s topics",
        campaign_id,
        totals.idea_count,
        totals.vote_count,
        len(rankings),
    )
    return report


def _naive_utc(
    column: ColumnElement[datetime] | InstrumentedAttribute[datetime],
) -> ColumnElement[datetime]:
    """Return a timestamp column read as a naive UTC datetime, as stored.

    The scores compare the times of 100,000 ideas with those of the latest
    votes, and reading them naive skips making each one an aware datetime,
    about a quarter of the time spent reading the ideas.
    """
    return type_coerce(column, DateTime())


def _idea_counts(session: Session, campaign_id: int) -> list[_IdeaCounts]:
    rows = session.execute(
        select(
            Idea.id,
            Idea.topic_id,
            _naive_utc(Idea.created_at),
            Idea.vote_count,
            Idea.comment_count,
        )
        .where(Idea.campaign_id == campaign_id, visible_idea())
        .order_by(Idea.id)
    )
    return [_IdeaCounts(*row) for row in rows]


def _latest_votes(session: Session, campaign_id: int) -> dict[_PersonKey, datetime]:
    """Return each voter of a campaign's visible ideas with the time of their latest vote.

    The active voter counts and the participant count are both worked out
    from its rows, one per voter. The times are naive UTC, as _idea_counts reads them.
    """
    rows = session.execute(
        select(Vote.platform, Vote.team_id, Vote.user_id, _naive_utc(func.max(Vote.created_at)))
        .join(Idea, Idea.id == Vote.idea_id)
        .where(Idea.campaign_id == campaign_id, visible_idea())
        # The user id first: SQLite sorts every vote to group them, and most
        # pairs of votes differ in it, so most comparisons end at the first key.
        .group_by(Vote.user_id, Vote.team_id, Vote.platform)
    )
    return {(platform, team_id, user_id): voted_at for platform, team_id, user_id, voted_at in rows}


def _voter_counter(latest_votes: Iterable[datetime]) -> Callable[[datetime], int]:
    """Return a function counting the voters with a standing vote cast at or after a time.

    A person voted at or after a time exactly when their latest vote did, so
    counting the latest votes at or after the time gives each idea's count.
    """
    times = sorted(latest_votes)

    def count_since(moment: datetime) -> int:
        return len(times) - bisect_left(times, moment)

    return count_since


def _active_voter_counter(session: Session, campaign_id: int) -> Callable[[datetime], int]:
    """Return the active voter counter of a campaign, as the export's fair ranks need it."""
    return _voter_counter(_latest_votes(session, campaign_id).values())


def _count_participants(session: Session, campaign_id: int, voters: Set[_PersonKey]) -> int:
    """Count the voters with the people who commented or posted a named idea, once each.

    It counts the same people as bot.core.summary.count_participants, with
    the voters already read by _latest_votes rather than read again.
    """
    campaign_ideas = select(Idea.id).where(Idea.campaign_id == campaign_id, visible_idea())
    # Each side is made distinct before the UNION: PostgreSQL hashes each to a
    # few thousand people, where the UNION of every row was sorted on disk.
    commenters = (
        select(Comment.platform, Comment.team_id, Comment.user_id)
        .where(Comment.idea_id.in_(campaign_ideas), visible_comment())
        .distinct()
    )
    authors = (
        select(Idea.platform, Idea.team_id, Idea.author_id)
        .where(Idea.campaign_id == campaign_id, Idea.author_id.is_not(None), visible_idea())
        .distinct()
    )
    others = {
        (platform, team_id, user_id)
        for platform, team_id, user_id in session.execute(union(commenters, authors))
    }
    return len(voters | others)


# Ideas of a campaign share few pairs of vote count and active voter count,
# so each pair's score is computed once rather than once per idea.
_cached_wilson_lower_bound = lru_cache(maxsize=65_536)(wilson_lower_bound)


def _score(idea: _IdeaCounts, active_voter_count: int) -> _Scored:
    # A vote stamped a moment before its idea, by a process whose clock runs
    # behind, is left out of the active voters, so the idea's own count is the floor.
    trials = max(active_voter_count, idea.vote_count)
    return _Scored(idea, trials, _cached_wilson_lower_bound(idea.vote_count, trials))


def _rank_key(entry: _Scored) -> tuple[float, int, datetime, int]:
    return (-entry.score, -entry.counts.vote_count, entry.counts.created_at, entry.counts.id)


def _group_by_topic(
    scored: Sequence[_Scored], topics: Sequence[Topic], *, limit: int
) -> list[_TopicGroup]:
    """Return each topic's idea count and top ideas, in topic order.

    Ideas with no topic, or a topic of another campaign, form a last group
    with topic id None. It is left out when empty unless the campaign has no
    topics, in which case it is the only group and contains every idea.
    """
    topic_ids = {topic.id for topic in topics}
    members: dict[int | None, list[_Scored]] = defaultdict(list)
    for entry in scored:
        topic_id = entry.counts.topic_id
        members[topic_id if topic_id in topic_ids else None].append(entry)

    headings: list[tuple[int | None, str | None]] = [(topic.id, topic.question) for topic in topics]
    if not topics or members[None]:
        headings.append((None, None))
    return [
        _TopicGroup(
            topic_id=topic_id,
            question=question,
            idea_count=len(members[topic_id]),
            top=heapq.nsmallest(limit, members[topic_id], key=_rank_key),
        )
        for topic_id, question in headings
    ]


def _idea_details(session: Session, idea_ids: Sequence[int]) -> dict[int, Idea]:
    if not idea_ids:
        return {}
    return {idea.id: idea for idea in session.scalars(select(Idea).where(Idea.id.in_(idea_ids)))}


def campaign_day(moment: datetime, *, starts_at: datetime, timezone: ZoneInfo) -> int:
    """Return the campaign day of a moment, day 1 for anything before the start.

    Day 1 starts at the opening, and each later day at the same local time one
    local day after the one before, so a campaign of 20 days has days 1 to 20
    whatever time of day it opened.
    """
    local_start = starts_at.astimezone(timezone)
    local = moment.astimezone(timezone)
    day = (local.date() - local_start.date()).days + 1
    if local.time() < local_start.time():
        day -= 1
    return max(day, 1)


def _ranked_idea(
    rank: int, entry: _Scored, idea: Idea, *, starts_at: datetime, timezone: ZoneInfo
) -> FairRankedIdea:
    return FairRankedIdea(
        rank=rank,
        idea_id=idea.id,
        text=idea.text,
        author_name=None if idea.anonymous else idea.author_name,
        anonymous=idea.anonymous,
        vote_count=entry.counts.vote_count,
        comment_count=entry.counts.comment_count,
        posted_at=idea.created_at,
        posted_day=campaign_day(idea.created_at, starts_at=starts_at, timezone=timezone),
        active_voter_count=entry.active_voter_count,
        score=entry.score,
        channel_id=idea.channel_id,
        message_id=idea.message_id,
    )


def _day_number(
    moment: InstrumentedAttribute[datetime], day_starts: Sequence[datetime]
) -> ColumnElement[int]:
    """Return a SQL expression for the campaign day of a timestamp, given the starts of days 2 on.

    The CASE expressions are nested as a binary search, so each row is
    compared with about log2(days) boundaries rather than with every one.
    A moment at or after the last start gets the last day, len(day_starts) + 1.
    """

    def days_from(low: int, high: int) -> ColumnElement[int]:
        # The moment is at or after day_starts[low - 1] and before day_starts[high].
        if low == high:
            return literal(low + 1, Integer)
        middle = (low + high) // 2
        return case(
            (moment < day_starts[middle], days_from(low, middle)),
            else_=days_from(middle + 1, high),
        )

    return days_from(0, len(day_starts))


def _busiest_days(
    session: Session,
    campaign: Campaign,
    *,
    timezone: ZoneInfo,
    activity: CampaignActivity | None = None,
) -> tuple[DayActivity, ...]:
    """Return the campaign days with the most new ideas, comments and votes, busiest first.

    Days with equal activity are listed earliest first. Only standing votes, visible
    ideas and comments that are neither deleted nor hidden count.
    """
    per_day = None
    if activity is not None:
        per_day = _count_by_day_from_buckets(campaign, activity, timezone=timezone)
    if per_day is None:
        per_day = _count_by_day(session, campaign, timezone=timezone)
    starts_at = campaign.starts_at
    busiest = sorted(per_day.items(), key=lambda item: (-sum(item[1]), item[0]))[:BUSIEST_DAYS]
    return tuple(
        DayActivity(
            day=day_start(starts_at, day_number, timezone=timezone).astimezone(timezone).date(),
            day_number=day_number,
            idea_count=counts[_IDEA],
            comment_count=counts[_COMMENT],
            vote_count=counts[_VOTE],
        )
        for day_number, counts in busiest
    )


def _count_by_day_from_buckets(
    campaign: Campaign, activity: CampaignActivity, *, timezone: ZoneInfo
) -> dict[int, list[int]] | None:
    """Add a campaign's activity per bucket up by campaign day, as _count_by_day counts it.

    Returns None when a campaign day starts inside a bucket, as one does when
    the campaign opened at a time that is not on a bucket boundary, such as
    09:10 or a start given as "now": a bucket then straddles two days.
    """
    size = timedelta(seconds=activity.bucket_seconds)
    buckets = [
        (_ACTIVITY_KINDS[kind], bucket, count)
        for kind, bucket, count in activity.rows
        if kind in _ACTIVITY_KINDS
    ]
    per_day: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    if not buckets:
        return per_day
    after_last_bucket = _EPOCH + (max(bucket for _, bucket, _ in buckets) + 1) * size
    # The starts of days 2, 3 and on, until one at or after the end of the last bucket.
    day_starts: list[datetime] = []
    number = 2
    while not day_starts or day_starts[-1] < after_last_bucket:
        start = day_start(campaign.starts_at, number, timezone=timezone)
        if (start - _EPOCH) % size:
            return None
        day_starts.append(start)
        number += 1
    for kind, bucket, count in buckets:
        # As in _day_number: day 1 up to the start of day 2, and day n + 1 from day_starts[n - 1].
        day_number = bisect_right(day_starts, _EPOCH + bucket * size) + 1
        per_day[day_number][kind] += count
    return per_day


def _count_by_day(
    session: Session, campaign: Campaign, *, timezone: ZoneInfo
) -> dict[int, list[int]]:
    """Count a campaign's new ideas, comments and votes per campaign day, in the database.

    The day starts are computed here in the local time zone. They run to the
    day after the close, and further when anything happened later.
    """
    campaign_id = campaign.id
    starts_at = campaign.starts_at
    campaign_ideas = select(Idea.id).where(Idea.campaign_id == campaign_id, visible_idea())
    sources: list[tuple[int, InstrumentedAttribute[datetime], list[ColumnElement[bool]]]] = [
        (_IDEA, Idea.created_at, [Idea.campaign_id == campaign_id, visible_idea()]),
        (_COMMENT, Comment.created_at, [Comment.idea_id.in_(campaign_ideas), visible_comment()]),
        (_VOTE, Vote.created_at, [Vote.idea_id.in_(campaign_ideas)]),
    ]

    def count_by_day(day_starts: Sequence[datetime]) -> list[tuple[int, int, int]]:
        # Each kind is grouped by day on its own, because SQLite 3.40 took twice
        # as long to group the union of all the rows at 1,000,000 votes.
        parts = []
        for kind, moment, conditions in sources:
            day = _day_number(moment, day_starts)
            parts.append(
                select(literal(kind, Integer), day, func.count()).where(*conditions).group_by(day)
            )
        return [
            (int(row[0]), int(row[1]), int(row[2])) for row in session.execute(union_all(*parts))
        ]

    last_moment = max(campaign.ends_at, campaign.closed_at or campaign.ends_at)
    # Day last_day + 1 collects everything from the start of that day on.
    last_day = campaign_day(last_moment, starts_at=starts_at, timezone=timezone) + 1
    while True:
        day_starts = [
            day_start(starts_at, number, timezone=timezone) for number in range(2, last_day + 2)
        ]
        rows = count_by_day(day_starts)
        if all(day_number <= last_day for _, day_number, _ in rows):
            break
        # Something happened after the last day counted, such as a comment on a
        # closed campaign's idea, so count again with days up to the latest event.
        latest = max(
            session.scalar(select(func.max(moment)).where(*conditions)) or starts_at
            for _, moment, conditions in sources
        )
        last_day = campaign_day(latest, starts_at=starts_at, timezone=timezone)

    per_day: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for kind, day_number, count in rows:
        per_day[day_number][kind] += count
    return per_day


def _previous_in_series(session: Session, campaign: Campaign) -> Campaign | None:
    """Return the latest campaign of the same series that started and closed before this one.

    The first campaign of a series may store its own id as series_id, or None.
    """
    if campaign.series_id is None:
        return None
    series_id = campaign.series_id
    query = select(Campaign).where(
        (Campaign.series_id == series_id) | (Campaign.id == series_id),
        Campaign.id != campaign.id,
        Campaign.status == "closed",
        Campaign.closed_at.is_not(None),
        Campaign.starts_at < campaign.starts_at,
    )
    if campaign.closed_at is not None:
        query = query.where(Campaign.closed_at < campaign.closed_at)
    return session.scalar(query.order_by(Campaign.closed_at.desc(), Campaign.id.desc()).limit(1))


def _campaign_totals(session: Session, campaign_id: int) -> CampaignTotals:
    idea_count, vote_count, comment_count = session.execute(
        select(
            func.count(Idea.id),
            func.coalesce(func.sum(Idea.vote_count), 0),
            func.coalesce(func.sum(Idea.comment_count), 0),
        ).where(Idea.campaign_id == campaign_id, visible_idea())
    ).one()
    return CampaignTotals(
        idea_count=int(idea_count),
        comment_count=int(comment_count),
        vote_count=int(vote_count),
        participant_count=count_participants(session, campaign_id),
    )


def _series_comparison(
    session: Session, campaign: Campaign, totals: CampaignTotals
) -> SeriesComparison | None:
    previous = _previous_in_series(session, campaign)
    if previous is None:
        return None
    previous_totals = _campaign_totals(session, previous.id)
    return SeriesComparison(
        previous=campaign_record(previous),
        previous_totals=previous_totals,
        difference=CampaignTotals(
            idea_count=totals.idea_count - previous_totals.idea_count,
            comment_count=totals.comment_count - previous_totals.comment_count,
            vote_count=totals.vote_count - previous_totals.vote_count,
            participant_count=totals.participant_count - previous_totals.participant_count,
        ),
    )
