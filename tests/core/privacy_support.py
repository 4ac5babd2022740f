"""A campaign to erase or anonymise, and a search of every table for a value."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bot.core.campaigns import close_campaign, create_campaign, open_campaign
from bot.core.clock import ManualClock
from bot.core.comments import add_comment
from bot.core.ideas import submit_idea
from bot.core.records import Person
from bot.core.votes import VoteChange, change_vote
from storage.database import Database
from storage.models import Base, CampaignInterest, StaffMember

LONDON = ZoneInfo("Europe/London")
ANON_KEY = "k" * 32
ANN = Person("slack", "T1", "U0ANN", "Ann Example")
BOB = Person("slack", "T1", "U0BOB", "Bob Example")


def seed_closed_campaign(db: Database, clock: ManualClock) -> tuple[int, int, int]:
    """Store a closed campaign where Ann posted a named idea, commented and voted.

    Returns the campaign's id, Ann's named idea's id and Bob's anonymous idea's id.
    """
    with db.transaction() as session:
        for person in (ANN, BOB):
            session.add(
                StaffMember(
                    email=f"{person.user_id.lower()}@example.org",
                    name=person.display_name,
                    directorate="Medicine",
                    platform="slack",
                    user_id=person.user_id,
                    match_state="column",
                    created_at=clock.now(),
                    updated_at=clock.now(),
                )
            )
    campaign = create_campaign(
        db,
        title="Your voice",
        channel_id="C1",
        starts="now",
        timezone=LONDON,
        now=clock.now(),
        topics=["How could handovers be easier?"],
    )
    with db.transaction() as session:
        session.add(
            CampaignInterest(
                campaign_id=campaign.id,
                platform="slack",
                team_id="T1",
                user_id=ANN.user_id,
                created_at=clock.now(),
            )
        )
    assert open_campaign(db, campaign.id, now=clock.now()) is not None
    named = submit_idea(db, ANN, text="Ann's named idea", channel_id="C1", now=clock.now())
    anonymous = submit_idea(
        db,
        BOB,
        text="Bob's anonymous idea",
        anonymous=True,
        channel_id="C1",
        now=clock.now(),
        anon_key=ANON_KEY,
    )
    for voter in (ANN, BOB):
        change_vote(db, voter, idea_id=named.idea.id, change=VoteChange.CAST, now=clock.now())
    change_vote(db, ANN, idea_id=anonymous.idea.id, change=VoteChange.CAST, now=clock.now())
    add_comment(db, ANN, idea_id=named.idea.id, message_id="1.1", text="One", now=clock.now())
    add_comment(db, ANN, idea_id=anonymous.idea.id, message_id="1.2", text="Two", now=clock.now())
    add_comment(db, BOB, idea_id=named.idea.id, message_id="1.3", text="Three", now=clock.now())
    clock.advance(timedelta(days=21))
    assert close_campaign(db, campaign.id, now=clock.now()) is not None
    return campaign.id, named.idea.id, anonymous.idea.id


def tables_containing(db: Database, value: str) -> list[str]:
    """Return "table.column" for every text column in which some row contains value."""
    found = []
    with db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, sa.String | sa.Text):
                    continue
                query = sa.select(sa.func.count()).where(column.contains(value))
                if session.scalar(query.select_from(table)):
                    found.append(f"{table.name}.{column.name}")
    return found
