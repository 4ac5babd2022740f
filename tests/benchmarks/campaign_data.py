"""Bulk-insert a large campaign for the export benchmark, without going through the bot.

Ideas are a tenth of the votes and comments a tenth of the votes. Each idea
gets its votes from distinct people of a staff list of STAFF people, whose
groups are snapshotted as the bot would, so the participation report has
work to do.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from storage.database import Database
from storage.models import (
    Campaign,
    Comment,
    Idea,
    ParticipantGroup,
    StaffMember,
    Topic,
    Vote,
)

STAFF = 3000
TEAM_ID = "T0BENCH"
STARTS_AT = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
DAYS = 20
BATCH_ROWS = 10_000
DIRECTORATES = ("Medicine", "Surgery", "Women and Children", "Corporate", "Community", "Estates")
STAFF_GROUPS = (
    "Nursing and Midwifery Registered",
    "Allied Health Professionals",
    "Administrative and Clerical",
    "Medical and Dental",
    "Estates and Ancillary",
)
BANDS = ("Band 2", "Band 3", "Band 4", "Band 5", "Band 6", "Band 7", "Band 8a")
LOCALITIES = ("North", "South", "East", "West")
TOPICS = (
    "How could we recognise each other's work better?",
    "What would make handovers easier?",
    "What gets in the way of good care?",
    "What should we stop doing?",
)
WORDS = (
    "rota huddle handover ward shift parking training rest break team patient discharge "
    "pharmacy theatre clinic phone system form paper email meeting manager night weekend"
).split()


def _user_id(index: int) -> str:
    return f"U{index:08d}"


def _moment(rng: random.Random) -> datetime:
    return STARTS_AT + timedelta(seconds=rng.randrange(DAYS * 24 * 3600))


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _insert(db: Database, model: Any, rows: list[dict[str, Any]]) -> None:
    with db.transaction() as session:
        session.execute(insert(model), rows)


def build_campaign(
    db: Database, *, votes: int, seed: int = 2027, progress: Callable[[str], None] = print
) -> int:
    """Insert a closed campaign with `votes` votes, votes // 10 ideas and comments; return its id.

    The staff list is inserted once per database, by the first call.
    """
    rng = random.Random(seed + votes)
    ideas = max(votes // 10, 1)
    with db.transaction() as session:
        if session.query(StaffMember.id).first() is None:
            _add_staff(session)
        campaign = Campaign(
            title=f"Benchmark, {votes:,} votes",
            platform="slack",
            channel_id="C0BENCH",
            starts_at=STARTS_AT,
            ends_at=STARTS_AT + timedelta(days=DAYS),
            status="closed",
            created_at=STARTS_AT,
            opened_at=STARTS_AT,
            closed_at=STARTS_AT + timedelta(days=DAYS),
        )
        session.add(campaign)
        session.flush()
        campaign_id = campaign.id
        topics = [
            Topic(campaign_id=campaign_id, position=position, question=question)
            for position, question in enumerate(TOPICS, start=1)
        ]
        session.add_all(topics)
        session.flush()
        topic_ids = [topic.id for topic in topics]
        first_idea_id = (session.query(Idea.id).order_by(Idea.id.desc()).limit(1).scalar()) or 0

    # Each idea's votes come from people 301 apart in the staff list, which are
    # distinct people while an idea has at most 10 votes (offsets 0 to 2,709 of 3,000).
    votes_per_idea = [
        votes // ideas + (1 if index < votes % ideas else 0) for index in range(ideas)
    ]
    idea_rows: list[dict[str, Any]] = []
    for index in range(ideas):
        anonymous = rng.random() < 0.05
        author = index % STAFF
        idea_rows.append(
            {
                "id": first_idea_id + index + 1,
                "campaign_id": campaign_id,
                "topic_id": topic_ids[index % len(topic_ids)],
                "platform": "slack",
                "team_id": TEAM_ID,
                "author_id": None if anonymous else _user_id(author),
                "author_name": None if anonymous else f"Staff Member {author}",
                "anonymous": anonymous,
                "text": _sentence(rng, 18),
                "detail": _sentence(rng, 30) if index % 3 == 0 else None,
                "created_at": _moment(rng),
                "vote_count": votes_per_idea[index],
                "comment_count": 1,
                "source": "chat",
            }
        )
        if len(idea_rows) == BATCH_ROWS:
            _insert(db, Idea, idea_rows)
            idea_rows = []
    if idea_rows:
        _insert(db, Idea, idea_rows)
    progress(f"  inserted {ideas:,} ideas")

    vote_rows: list[dict[str, Any]] = []
    comment_rows: list[dict[str, Any]] = []
    inserted = 0
    for index in range(ideas):
        idea_id = first_idea_id + index + 1
        for step in range(votes_per_idea[index]):
            voter = (index * 7 + step * 301) % STAFF
            vote_rows.append(
                {
                    "idea_id": idea_id,
                    "platform": "slack",
                    "team_id": TEAM_ID,
                    "user_id": _user_id(voter),
                    "created_at": _moment(rng),
                }
            )
        comment_rows.append(
            {
                "idea_id": idea_id,
                "platform": "slack",
                "team_id": TEAM_ID,
                "user_id": _user_id((index * 13) % STAFF),
                "message_id": f"{1700000000 + index}.000100",
                "text": _sentence(rng, 12),
                "created_at": _moment(rng),
            }
        )
        if len(vote_rows) >= BATCH_ROWS:
            _insert(db, Vote, vote_rows)
            inserted += len(vote_rows)
            vote_rows = []
            if inserted % 100_000 < BATCH_ROWS:
                progress(f"  inserted {inserted:,} of {votes:,} votes")
        if len(comment_rows) == BATCH_ROWS:
            _insert(db, Comment, comment_rows)
            comment_rows = []
    if vote_rows:
        _insert(db, Vote, vote_rows)
    if comment_rows:
        _insert(db, Comment, comment_rows)

    _insert(
        db,
        ParticipantGroup,
        [
            {
                "scope": f"campaign:{campaign_id}",
                "campaign_id": campaign_id,
                "platform": "slack",
                "team_id": TEAM_ID,
                "user_id": _user_id(index),
                "in_directory": True,
                **_groups(index),
                "first_at": STARTS_AT + timedelta(minutes=index),
            }
            for index in range(min(STAFF, votes))
        ],
    )
    progress(f"  inserted {votes:,} votes, {ideas:,} comments and the participants' groups")
    return campaign_id


def _groups(index: int) -> dict[str, str]:
    return {
        "directorate": DIRECTORATES[index % len(DIRECTORATES)],
        "band": BANDS[index % len(BANDS)],
        "staff_group": STAFF_GROUPS[index % len(STAFF_GROUPS)],
        "locality": LOCALITIES[index % len(LOCALITIES)],
    }


def _add_staff(session: Any) -> None:
    session.execute(
        insert(StaffMember),
        [
            {
                "email": f"staff{index}@example.org",
                "name": f"Staff Member {index}",
                "platform": "slack",
                "user_id": _user_id(index),
                "match_state": "column",
                "created_at": STARTS_AT,
                "updated_at": STARTS_AT,
                **_groups(index),
            }
            for index in range(STAFF)
        ],
    )
