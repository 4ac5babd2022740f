"""The App Home tab's content: sections by role, own ideas, anonymity, and failed sections."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text, update

from bot.core import home, moderation, roles
from bot.core.boards import start_board
from bot.core.campaigns import close_campaign, create_campaign, open_campaign
from bot.core.clock import ManualClock
from bot.core.home import HomeContent
from bot.core.ideas import submit_idea
from bot.core.moderation import ItemRef
from bot.core.own_posts import withdraw_idea
from bot.core.records import Person
from bot.core.votes import VoteChange, change_vote
from storage.database import Database
from storage.models import Idea, Thanks, ThanksRecipient

LONDON = ZoneInfo("Europe/London")
KEY = "home-test-anonymity-key-of-40-characters"
MANAGER = Person("slack", "T1", "UMANAGER")
LEAD = Person("slack", "T1", "ULEAD")
ANN = Person("slack", "T1", "UANN", "Ann")
BOB = Person("slack", "T1", "UBOB", "Bob")
CAMPAIGN_CHANNEL = "C1"
BOARD_CHANNEL = "C2"
PRIVATE_CHANNEL = "G3"


def read(db: Database, clock: ManualClock, person: Person, *, key: str | None = KEY) -> HomeContent:
    return home.home_content(db, person, anon_key=key, timezone=LONDON, now=clock.now())


def idea(
    db: Database, clock: ManualClock, author: Person, text_: str, *, anonymous: bool = False
) -> int:
    clock.advance(timedelta(minutes=1))
    submitted = submit_idea(
        db,
        author,
        text=text_,
        anonymous=anonymous,
        channel_id=CAMPAIGN_CHANNEL,
        now=clock.now(),
        anon_key=KEY if anonymous else None,
    )
    return submitted.idea.id


def vote(db: Database, clock: ManualClock, voter: str, idea_id: int) -> None:
    person = Person("slack", "T1", voter)
    change_vote(db, person, idea_id=idea_id, change=VoteChange.CAST, now=clock.now())


def thank(db: Database, clock: ManualClock, *, giver: Person, to: Person, message: str) -> None:
    clock.advance(timedelta(minutes=1))
    with db.transaction() as session:
        card = Thanks(
            platform="slack",
            team_id="T1",
            giver_id=giver.user_id,
            message=message,
            created_at=clock.now(),
        )
        session.add(card)
        session.flush()
        session.add(ThanksRecipient(thanks_id=card.id, user_id=to.user_id))


class Seeded:
    """Ids of what seed stored."""

    def __init__(self) -> None:
        self.campaign_id = 0
        self.named = 0
        self.anonymous = 0
        self.hidden = 0
        self.withdrawn = 0
        self.bob = 0


def seed(db: Database, clock: ManualClock) -> Seeded:
    """Store an open campaign with Ann's and Bob's ideas, two boards and a thank-you to Ann.

    Ann has a named idea, an anonymous one, a hidden one and a withdrawn
    anonymous one. The public board is in C2, and the private one in G3.
    """
    ids = Seeded()
    now = clock.now()
    roles.grant_role(
        db, platform="slack", user_id=MANAGER.user_id, role="manager", granted_by="t", now=now
    )
    roles.grant_role(
        db, platform="slack", user_id=LEAD.user_id, role="lead", granted_by="t", now=now
    )
    campaign = create_campaign(
        db,
        title="Winter <ideas>",
        channel_id=CAMPAIGN_CHANNEL,
        starts="now",
        timezone=LONDON,
        now=now,
        topics=("How could rotas work better?", "What should we stop doing?"),
    )
    assert open_campaign(db, campaign.id, now=now) is not None
    ids.campaign_id = campaign.id
    start_board(
        db, LEAD, channel_id=BOARD_CHANNEL, question="What slows us down?", private=False, now=now
    )
    start_board(
        db, LEAD, channel_id=PRIVATE_CHANNEL, question="Private question", private=True, now=now
    )
    ids.named = idea(db, clock, ANN, "Move the huddle to 9:15")
    ids.anonymous = idea(db, clock, ANN, "Quiet room for breaks", anonymous=True)
    ids.hidden = idea(db, clock, ANN, "Hidden one")
    ids.withdrawn = idea(db, clock, ANN, "Withdrawn one", anonymous=True)
    ids.bob = idea(db, clock, BOB, "Fix the rota")
    moderation.hide_item(db, MANAGER, ItemRef("idea", ids.hidden), now=clock.now())
    assert withdraw_idea(db, ANN, key=KEY, idea_id=ids.withdrawn, now=clock.now()) is not None
    thank(db, clock, giver=BOB, to=ANN, message="Thanks for covering my shift")
    return ids


def test_staff_sections(db: Database, clock: ManualClock) -> None:
    ids = seed(db, clock)

    content = read(db, clock, ANN)

    assert content.failed == ()
    assert content.is_manager is False
    assert content.moderation is None
    assert content.last_report is None
    assert content.awaiting is None
    assert content.campaigns is not None
    [campaign] = content.campaigns
    assert campaign.id == ids.campaign_id
    assert campaign.title == "Winter <ideas>"
    assert campaign.channel_id == CAMPAIGN_CHANNEL
    assert campaign.questions == ("How could rotas work better?", "What should we stop doing?")
    assert content.boards is not None
    assert [board.channel_id for board in content.boards] == [BOARD_CHANNEL]
    assert content.thanks is not None
    assert content.thanks.total == 1
    assert [card.giver_id for card in content.thanks.latest] == [BOB.user_id]


def test_own_ideas_latest_first(db: Database, clock: ManualClock) -> None:
    ids = seed(db, clock)

    content = read(db, clock, ANN)

    assert content.own_ideas is not None
    assert content.own_ideas.total == 2
    assert [own.id for own in content.own_ideas.ideas] == [ids.anonymous, ids.named]
    anonymous, named = content.own_ideas.ideas
    assert anonymous.anonymous is True
    assert named.anonymous is False
    assert named.status_label == "Not answered yet"
    assert named.campaign_title == "Winter <ideas>"


def test_hidden_and_withdrawn_left_out(db: Database, clock: ManualClock) -> None:
    ids = seed(db, clock)

    content = read(db, clock, ANN)

    assert content.own_ideas is not None
    shown = {own.id for own in content.own_ideas.ideas}
    assert ids.hidden not in shown
    assert ids.withdrawn not in shown


def test_anonymous_ideas_only_to_author(db: Database, clock: ManualClock) -> None:
    ids = seed(db, clock)

    bob = read(db, clock, BOB)
    ann_without_key = read(db, clock, ANN, key=None)

    assert bob.own_ideas is not None
    assert [own.id for own in bob.own_ideas.ideas] == [ids.bob]
    assert bob.own_ideas.total == 1
    assert ann_without_key.own_ideas is not None
    assert [own.id for own in ann_without_key.own_ideas.ideas] == [ids.named]


def test_status_reply_and_owner_shown(db: Database, clock: ManualClock) -> None:
    ids = seed(db, clock)
    with db.transaction() as session:
        session.execute(
            update(Idea)
            .where(Idea.id == ids.named)
            .values(status="planned", status_reply="From March", status_owner="Estates team")
        )

    content = read(db, clock, ANN)

    assert content.own_ideas is not None
    named = next(own for own in content.own_ideas.ideas if own.id == ids.named)
    assert named.status == "planned"
    assert named.status_label == "Planned"
    assert named.reply == "From March"
    assert named.owner == "Estates team"


def test_private_board_listed_to_lead(db: Database, clock: ManualClock) -> None:
    seed(db, clock)

    content = read(db, clock, LEAD)

    assert content.boards is not None
    assert {board.channel_id for board in content.boards} == {BOARD_CHANNEL, PRIVATE_CHANNEL}


def test_manager_sections(db: Database, clock: ManualClock) -> None:
    ids = seed(db, clock)
    vote(db, clock, "UV1", ids.bob)
    vote(db, clock, "UV2", ids.bob)
    vote(db, clock, "UV1", ids.named)
    moderation.report_item(
        db, BOB, ItemRef("idea", ids.named), reason="Rude", now=clock.now(), anon_key=None
    )

    content = read(db, clock, MANAGER)

    assert content.failed == ()
    assert content.is_manager is True
    assert content.moderation is not None
    assert content.moderation.total == 1
    assert [entry.item.ref for entry in content.moderation.entries] == [ItemRef("idea", ids.named)]
    assert content.awaiting is not None
    assert [waiting.id for waiting in content.awaiting.ideas] == [
        ids.bob,
        ids.named,
        ids.anonymous,
    ]
    assert content.awaiting.total == 3
    assert content.awaiting.ideas[2].author_name is None
    # No campaign has closed yet.
    assert content.last_report is None


def test_answered_idea_leaves_awaiting(db: Database, clock: ManualClock) -> None:
    ids = seed(db, clock)
    with db.transaction() as session:
        session.execute(update(Idea).where(Idea.id == ids.bob).values(status="done"))

    content = read(db, clock, MANAGER)

    assert content.awaiting is not None
    assert ids.bob not in {waiting.id for waiting in content.awaiting.ideas}
    assert content.awaiting.total == 2
    # The answered idea still counts among the campaign ideas.
    assert content.awaiting.campaign_ideas == 3


def test_last_report_of_closed_campaign(db: Database, clock: ManualClock) -> None:
    ids = seed(db, clock)
    with db.transaction() as session:
        session.execute(update(Idea).where(Idea.id == ids.bob).values(status="planned"))
    clock.advance(timedelta(days=30))
    assert close_campaign(db, ids.campaign_id, now=clock.now()) is not None

    content = read(db, clock, MANAGER)

    report = content.last_report
    assert report is not None
    assert report.campaign_id == ids.campaign_id
    assert report.title == "Winter <ideas>"
    # Ann and Bob took part by name; the hidden idea still counts Ann as a participant.
    assert report.participants == 2
    # No staff list is loaded.
    assert report.headcount is None
    assert report.rate is None
    # The named, anonymous and Bob's ideas; the hidden and withdrawn ones are left out.
    assert report.ideas == 3
    assert report.answered == 1
    assert content.campaigns == ()


def test_many_ideas_limited_with_count(db: Database, clock: ManualClock) -> None:
    seed(db, clock)
    for number in range(home.OWN_IDEAS_LIMIT + 3):
        idea(db, clock, BOB, f"Idea number {number}")

    content = read(db, clock, BOB)

    assert content.own_ideas is not None
    assert len(content.own_ideas.ideas) == home.OWN_IDEAS_LIMIT
    assert content.own_ideas.total == home.OWN_IDEAS_LIMIT + 4
    assert content.own_ideas.ideas[0].text == f"Idea number {home.OWN_IDEAS_LIMIT + 2}"


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    """A SQLite database only, for a test that drops a table.

    Dropping a table on the shared PostgreSQL test database would break the
    fixture that empties its tables before each test.
    """
    path = tmp_path / "home.db"
    shutil.copyfile(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


def test_failed_section_keeps_others(
    sqlite_db: Database, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    ids = seed(sqlite_db, clock)
    with sqlite_db.transaction() as session:
        session.execute(text("DROP TABLE thanks_recipients"))

    with caplog.at_level(logging.ERROR, logger="bot.core.home"):
        content = read(sqlite_db, clock, ANN)

    assert content.failed == (home.THANKS,)
    assert content.thanks is None
    assert content.own_ideas is not None
    assert {own.id for own in content.own_ideas.ideas} == {ids.named, ids.anonymous}
    assert content.campaigns is not None
    assert len(content.campaigns) == 1
    [record] = [record for record in caplog.records if record.name == "bot.core.home"]
    assert "thanks" in record.getMessage()
    assert ANN.user_id in record.getMessage()
