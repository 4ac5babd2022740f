"""The tables of a campaign export: their columns, types and rows, streamed from the database."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.participation_records import ParticipationReport
from bot.core.report import _active_voter_counter, _idea_counts, _rank_key, _score

# The final report's ranking, shared so that an export ranks ideas exactly as the report does.
from bot.core.statuses import status_label
from storage import export as export_store
from storage.models import Topic

ANONYMOUS = "Anonymous"

# Column kinds, which decide how each writer stores a value.
TEXT = "text"
INTEGER = "integer"
NUMBER = "number"
DATETIME = "datetime"
DATE = "date"
# A share from 0 to 1, shown as a percentage.
RATE = "rate"


@dataclass(frozen=True)
class Column:
    """One column of an export table: its heading and the kind of its values."""

    heading: str
    kind: str
    # The width in characters of the spreadsheet column.
    width: int = 12


@dataclass(frozen=True)
class Table:
    """One table of an export: a CSV file, or a sheet of the workbook."""

    # Such as "ideas"; part of the CSV file name.
    name: str
    title: str
    columns: tuple[Column, ...]
    # The number of rows, for progress messages.
    row_count: int
    rows: Iterator[tuple[Any, ...]]


IDEA_COLUMNS = (
    Column("ID", INTEGER, 8),
    Column("Posted at", DATETIME, 18),
    Column("Topic", TEXT, 40),
    Column("Idea", TEXT, 60),
    Column("Detail", TEXT, 40),
    Column("Author", TEXT, 24),
    Column("Source", TEXT, 8),
    Column("Status", TEXT, 14),
    Column("Status reply", TEXT, 40),
    Column("Status owner", TEXT, 24),
    Column("First answered at", DATETIME, 18),
    Column("Votes", INTEGER, 8),
    Column("Comments", INTEGER, 10),
    Column("Rank in topic", INTEGER, 13),
    Column("Score", NUMBER, 8),
)
COMMENT_COLUMNS = (
    Column("ID", INTEGER, 8),
    Column("Idea ID", INTEGER, 8),
    Column("Posted at", DATETIME, 18),
    Column("Author (user ID)", TEXT, 16),
    Column("Comment", TEXT, 60),
)
PARTICIPATION_COLUMNS = (
    Column("Dimension", TEXT, 14),
    Column("Group", TEXT, 36),
    Column("Headcount", INTEGER, 11),
    Column("Participants on the staff list", INTEGER, 14),
    Column("Rate", RATE, 8),
    Column("Participants not on the staff list", INTEGER, 14),
    Column("Ideas from paper or email", INTEGER, 14),
    Column("Anonymous ideas", INTEGER, 16),
)
DAILY_COLUMNS = (
    Column("Day", DATE, 12),
    Column("New participants", INTEGER, 16),
    Column("Ideas", INTEGER, 8),
    Column("Comments", INTEGER, 10),
    Column("Votes", INTEGER, 8),
)


def fair_ranks(session: Session, campaign_id: int) -> dict[int, tuple[int, float]]:
    """Return each idea's rank within its topic and its score, as the final report ranks them.

    Only numbers are kept per idea, no text, so memory grows by a few hundred
    bytes per idea (an estimate). Ideas without a topic of the campaign are ranked together.
    """
    ideas = _idea_counts(session, campaign_id)
    active_voters_since = _active_voter_counter(session, campaign_id)
    topic_ids = set(session.scalars(select(Topic.id).where(Topic.campaign_id == campaign_id)))
    by_topic: dict[int | None, list[Any]] = defaultdict(list)
    for idea in ideas:
        topic_id = idea.topic_id if idea.topic_id in topic_ids else None
        by_topic[topic_id].append(_score(idea, active_voters_since(idea.created_at)))
    del ideas

    ranks: dict[int, tuple[int, float]] = {}
    for scored in by_topic.values():
        scored.sort(key=_rank_key)
        for rank, entry in enumerate(scored, start=1):
            ranks[entry.counts.id] = (rank, entry.score)
    return ranks


def _local(moment: datetime | None, timezone: ZoneInfo) -> datetime | None:
    return None if moment is None else moment.astimezone(timezone)


def idea_table(session: Session, campaign_id: int, *, timezone: ZoneInfo) -> Table:
    """Build the ideas table; anonymous ideas show "Anonymous" as their author."""
    ranks = fair_ranks(session, campaign_id)

    def rows() -> Iterator[tuple[Any, ...]]:
        for row in export_store.stream_ideas(session, campaign_id):
            rank, score = ranks.get(row.id, (None, None))
            if row.anonymous:
                author = ANONYMOUS
            else:
                author = row.author_name or row.author_id or ""
            yield (
                row.id,
                row.created_at.astimezone(timezone),
                row.question or "",
                row.text,
                row.detail or "",
                author,
                row.source,
                status_label(row.status),
                row.status_reply or "",
                row.status_owner or "",
                _local(row.first_answer_at, timezone),
                row.vote_count,
                row.comment_count,
                rank,
                None if score is None else round(score, 4),
            )

    return Table(
        name="ideas",
        title="Ideas",
        columns=IDEA_COLUMNS,
        row_count=export_store.count_ideas(session, campaign_id),
        rows=rows(),
    )


def comment_table(session: Session, campaign_id: int, *, timezone: ZoneInfo) -> Table:
    """Build the comments table; deleted comments are left out."""

    def rows() -> Iterator[tuple[Any, ...]]:
        for row in export_store.stream_comments(session, campaign_id):
            yield (row.id, row.idea_id, row.created_at.astimezone(timezone), row.user_id, row.text)

    return Table(
        name="comments",
        title="Comments",
        columns=COMMENT_COLUMNS,
        row_count=export_store.count_comments(session, campaign_id),
        rows=rows(),
    )


def participation_table(report: ParticipationReport) -> Table:
    """Build the participation table: all staff, then every group of every dimension.

    The groups are those of the report, so a group below the small-group size
    appears only within "Other groups", as in every other output.
    """
    rows: list[tuple[Any, ...]] = [
        (
            "All",
            "All staff",
            report.headcount,
            report.participants_in_directory,
            report.rate,
            report.participants - report.participants_in_directory - report.offline_ideas,
            report.offline_ideas,
            report.anonymous_ideas,
        )
    ]
    for breakdown in report.dimensions:
        for group in breakdown.groups:
            rows.append(
                (
                    breakdown.label,
                    group.name,
                    group.headcount,
                    group.participants - group.not_in_directory - group.offline,
                    group.rate,
                    group.not_in_directory,
                    group.offline,
                    group.anonymous_ideas,
                )
            )
    return Table(
        name="participation",
        title="Participation",
        columns=PARTICIPATION_COLUMNS,
        row_count=len(rows),
        rows=iter(rows),
    )


def daily_table(report: ParticipationReport) -> Table:
    """Build the daily activity table from a participation report's trend."""
    rows: list[tuple[date | int, ...]] = [
        (day.day, day.new_participants, day.ideas, day.comments, day.votes) for day in report.daily
    ]
    return Table(
        name="daily",
        title="Daily activity",
        columns=DAILY_COLUMNS,
        row_count=len(rows),
        rows=iter(rows),
    )
