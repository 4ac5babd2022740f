"""Where a new idea goes when boards and campaigns are open, and who may read board ideas."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.core import boards, roles
from bot.core.campaigns import create_campaign, open_campaign
from bot.core.clock import ManualClock
from bot.core.ideas import export_ideas, submit_idea
from bot.core.records import BoardRecord, CampaignRecord, Person
from storage.database import Database

LONDON = ZoneInfo("Europe/London")
LEAD = Person("slack", "T1", "U0LEAD", "Lena")
STAFF = Person("slack", "T1", "U0STAFF", "Sam")


@pytest.fixture
def lead(db: Database, clock: ManualClock) -> Person:
    roles.grant_role(
        db,
        platform="slack",
        user_id=LEAD.user_id,
        role=roles.LEAD,
        granted_by="cli",
        now=clock.now(),
    )
    return LEAD


def open_board(
    db: Database, clock: ManualClock, *, channel_id: str, private: bool = False
) -> BoardRecord:
    return boards.start_board(
        db,
        LEAD,
        channel_id=channel_id,
        question="What would make our handovers easier?",
        private=private,
        now=clock.now(),
    ).board


def open_new_campaign(db: Database, clock: ManualClock, *, channel_id: str) -> CampaignRecord:
    campaign = create_campaign(
        db,
        title="Your voice",
        channel_id=channel_id,
        starts="now",
        timezone=LONDON,
        now=clock.now(),
    )
    opened = open_campaign(db, campaign.id, now=clock.now())
    assert opened is not None
    return opened


@pytest.mark.usefixtures("lead")
def test_board_channel_beats_other_campaign(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock, channel_id="C0CAMPAIGN")
    board = open_board(db, clock, channel_id="C0TEAM")

    on_board = submit_idea(
        db, STAFF, text="Label the cupboards", channel_id="C0TEAM", now=clock.now()
    )
    elsewhere = submit_idea(
        db, STAFF, text="Share pool cars", channel_id="C0OTHER", now=clock.now()
    )

    assert on_board.board == board
    assert on_board.campaign is None
    assert on_board.idea.board_id == board.id
    assert on_board.idea.campaign_id is None
    assert on_board.idea.channel_id == "C0TEAM"
    assert elsewhere.campaign is not None
    assert elsewhere.campaign.id == campaign.id
    assert elsewhere.board is None


@pytest.mark.usefixtures("lead")
def test_campaign_channel_beats_its_board(db: Database, clock: ManualClock) -> None:
    # The board came first: a board cannot open where a campaign is scheduled or open.
    open_board(db, clock, channel_id="C0SHARED")
    campaign = open_new_campaign(db, clock, channel_id="C0SHARED")

    submitted = submit_idea(
        db, STAFF, text="Label the cupboards", channel_id="C0SHARED", now=clock.now()
    )

    assert submitted.campaign is not None
    assert submitted.campaign.id == campaign.id
    assert submitted.board is None
    assert submitted.idea.board_id is None


@pytest.mark.usefixtures("lead")
def test_closed_board_takes_no_ideas(db: Database, clock: ManualClock) -> None:
    open_board(db, clock, channel_id="C0TEAM")
    boards.close_board(db, LEAD, channel_id="C0TEAM", now=clock.now())

    submitted = submit_idea(
        db, STAFF, text="Label the cupboards", channel_id="C0TEAM", now=clock.now()
    )

    assert submitted.board is None
    assert submitted.campaign is None
    assert submitted.idea.board_id is None
    assert submitted.idea.channel_id is None


@pytest.mark.usefixtures("lead")
def test_export_leaves_out_private_boards(db: Database, clock: ManualClock) -> None:
    open_board(db, clock, channel_id="C0PUBLIC")
    open_board(db, clock, channel_id="G0PRIVATE", private=True)
    public = submit_idea(db, STAFF, text="Public idea", channel_id="C0PUBLIC", now=clock.now())
    submit_idea(db, STAFF, text="Private idea", channel_id="G0PRIVATE", now=clock.now())
    standing = submit_idea(db, STAFF, text="Standing idea", channel_id=None, now=clock.now())

    exported = export_ideas(db)

    assert [row["id"] for row in exported] == [public.idea.id, standing.idea.id]
    assert "Private idea" not in [row["text"] for row in exported]
    assert exported[0]["board_id"] == public.idea.board_id
