"""The final report of a campaign: ideas ranked fairly to late posts, totals and trends.

The work is done in a fixed number of queries whatever the campaign's size:
the database reduces votes to one row per voter or per 15-minute bucket, and
only those reduced rows and the ideas' counters reach Python.
"""

from __future__ import annotations

import logging
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Integer, cast, extract, func, literal_column, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.core.answer_stats import answer_stats_in
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
# Activity is grouped into campaign days by the minute it happened in.
ACTIVITY_BUCKET_SECONDS = 60

_IDEA, _COMMENT, _VOTE = 0, 1, 2


@dataclass(frozen=True)
class _IdeaCounts:
    id: int
    topic_id: int | None
    created_at: datetime
    vote_count: int
    comment_count: int


@dataclass(frozen=True)
class _Scored:
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
    db: Database, campaign_id: int, *, timezone: ZoneInfo, limit: int = TOP_IDEAS
) -> CampaignReport:
    """Build a campaign's final report, raising NotFound when there is no such campaign."""
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
        active_voters_since = _active_voter_counter(session, campaign_id)
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
            participant_count=count_participants(session, campaign_id),
        )
        report = CampaignReport(
            campaign=campaign_record(campaign),
            method=METHOD,
            timezone=timezone.key,
            has_topics=bool(topics),
            totals=totals,
            busiest_days=_busiest_days(
                session, campaign_id, starts_at=starts_at, timezone=timezone
            ),
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


def _idea_counts(session: Session, campaign_id: int) -> list[_IdeaCounts]:
    rows = session.execute(
        select(Idea.id, Idea.topic_id, Idea.created_at, Idea.vote_count, Idea.comment_count)
        .where(Idea.campaign_id == campaign_id, visible_idea())
        .order_by(Idea.id)
    )
    return [
        _IdeaCounts(
            id=row.id,
            topic_id=row.topic_id,
            created_at=row.created_at,
            vote_count=row.vote_count,
            comment_count=row.comment_count,
        )
        for row in rows
    ]


def _active_voter_counter(session: Session, campaign_id: int) -> Callable[[datetime], int]:
    """Return a function counting the voters with a standing vote cast at or after a time.

    A person voted at or after a time exactly when their latest vote did, so
    the database reduces the votes to each voter's latest vote time, counted
    per distinct time, and a suffix sum over those times gives each idea's count.
    """
    latest_votes = (
        select(func.max(Vote.created_at).label("voted_at"))
        .join(Idea, Idea.id == Vote.idea_id)
        .where(Idea.campaign_id == campaign_id, visible_idea())
        .group_by(Vote.platform, Vote.team_id, Vote.user_id)
        .subquery()
    )
    rows = session.execute(
        select(latest_votes.c.voted_at, func.count())
        .group_by(latest_votes.c.voted_at)
        .order_by(latest_votes.c.voted_at)
    ).all()
    times: list[datetime] = [row[0] for row in rows]
    # voters_from[i] is the number of voters whose latest vote is at times[i] or later.
    voters_from = [0] * (len(rows) + 1)
    for index in range(len(rows) - 1, -1, -1):
        voters_from[index] = voters_from[index + 1] + int(rows[index][1])

    def count_since(moment: datetime) -> int:
        return voters_from[bisect_left(times, moment)]

    return count_since


def _score(idea: _IdeaCounts, active_voter_count: int) -> _Scored:
    # A vote stamped a moment before its idea, by a process whose clock runs
    # behind, is left out of the active voters, so the idea's own count is the floor.
    trials = max(active_voter_count, idea.vote_count)
    return _Scored(
        counts=idea,
        active_voter_count=trials,
        score=wilson_lower_bound(idea.vote_count, trials),
    )


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
            top=sorted(members[topic_id], key=_rank_key)[:limit],
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


def _bucket(session: Session, moment: ColumnElement[datetime]) -> ColumnElement[int]:
    """Return a SQL expression for the 15-minute bucket of a UTC timestamp since 1970."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        # strftime("%s") drops the fraction of a second.
        seconds = cast(func.strftime("%s", moment), Integer)
    elif dialect == "postgresql":
        # EXTRACT(epoch) of a timestamp without time zone reads it as UTC.
        seconds = cast(func.floor(extract("epoch", moment)), BigInteger)
    else:
        raise NotImplementedError(f"unsupported database dialect {dialect}")
    return seconds // ACTIVITY_BUCKET_SECONDS


def _busiest_days(
    session: Session, campaign_id: int, *, starts_at: datetime, timezone: ZoneInfo
) -> tuple[DayActivity, ...]:
    """Return the campaign days with the most new ideas, comments and votes, busiest first.

    Days with equal activity are listed earliest first. Only standing votes, visible
    ideas and comments that are neither deleted nor hidden count.
    """
    campaign_ideas = select(Idea.id).where(Idea.campaign_id == campaign_id, visible_idea())
    events = union_all(
        select(literal_column(str(_IDEA)).label("kind"), Idea.created_at.label("at")).where(
            Idea.campaign_id == campaign_id, visible_idea()
        ),
        select(literal_column(str(_COMMENT)), Comment.created_at).where(
            Comment.idea_id.in_(campaign_ideas), visible_comment()
        ),
        select(literal_column(str(_VOTE)), Vote.created_at).where(Vote.idea_id.in_(campaign_ideas)),
    ).subquery()
    bucket = _bucket(session, events.c.at).label("bucket")
    rows = session.execute(
        select(events.c.kind, bucket, func.count()).group_by(events.c.kind, bucket)
    ).all()

    per_day: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for kind, bucket_number, count in rows:
        start = datetime.fromtimestamp(int(bucket_number) * ACTIVITY_BUCKET_SECONDS, UTC)
        per_day[campaign_day(start, starts_at=starts_at, timezone=timezone)][int(kind)] += int(
            count
        )

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
