"""Tests of Your Shout boards in the core: start, replace, close, reopen, lead and digest time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from bot.core import boards, roles
from bot.core.boards import BoardExists
from bot.core.campaigns import create_campaign, open_campaign
from bot.core.clock import ManualClock
from bot.core.errors import InvalidInput, NotFound, PermissionDenied
from bot.core.ideas import submit_idea
from bot.core.outbox import OutboundMessage
from bot.core.records import BoardRecord, Person
from bot.core.votes import VoteChange, change_vote
from storage.database import Database
from storage.models import Board, Idea, OutboxMessage

LEAD = Person("slack", "T1", "U0LEAD", "Lena")
OTHER_LEAD = Person("slack", "T1", "U0OTHER", "Omar")
MANAGER = Person("slack", "T1", "U0BOSS", "Maya")
STAFF = Person("slack", "T1", "U0STAFF", "Sam")
CHANNEL = "C0TEAM"
QUESTION = "What would make our handovers easier?"


@pytest.fixture
def people(db: Database, clock: ManualClock) -> None:
    """Grant Lena and Omar the team lead role and Maya the manager role. Sam has no role."""
    for person, role in ((LEAD, roles.LEAD), (OTHER_LEAD, roles.LEAD), (MANAGER, roles.MANAGER)):
        roles.grant_role(
            db,
            platform="slack",
            user_id=person.user_id,
            role=role,
            granted_by="cli",
            now=clock.now(),
        )


def start(
    db: Database,
    clock: ManualClock,
    *,
    by: Person = LEAD,
    channel_id: str = CHANNEL,
    question: str = QUESTION,
    private: bool = False,
    replace: bool = False,
) -> BoardRecord:
    return boards.start_board(
        db,
        by,
        channel_id=channel_id,
        question=question,
        private=private,
        channel_name="team-ward-7",
        replace=replace,
        now=clock.now(),
    ).board


def board_rows(db: Database) -> list[Board]:
    with db.transaction() as session:
        return list(session.scalars(select(Board).order_by(Board.id)))


def outbox_rows(db: Database) -> list[OutboxMessage]:
    with db.transaction() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def lead_notice(board: BoardRecord, key: str) -> OutboundMessage:
    return OutboundMessage(
        platform=board.platform, recipient=board.lead_id, text="You lead a board", dedupe_key=key
    )


@pytest.mark.usefixtures("people")
def test_start_board_opens_board(db: Database, clock: ManualClock) -> None:
    board = start(db, clock, question="  What would   make handovers easier? ", private=True)

    assert board.status == "open"
    assert board.is_open
    assert board.question == "What would make handovers easier?"
    assert board.lead_id == LEAD.user_id
    assert board.created_by == LEAD.user_id
    assert board.channel_id == CHANNEL
    assert board.channel_name == "team-ward-7"
    assert board.private is True
    assert board.created_at == clock.now()
    assert (board.digest_weekday, board.digest_minute) == (0, 9 * 60)
    assert board.header_message_id is None


@pytest.mark.usefixtures("people")
def test_start_board_requires_role(db: Database, clock: ManualClock) -> None:
    with pytest.raises(PermissionDenied, match="Only team leads and engagement managers"):
        start(db, clock, by=STAFF)

    assert board_rows(db) == []


@pytest.mark.usefixtures("people")
def test_manager_can_start_board(db: Database, clock: ManualClock) -> None:
    board = start(db, clock, by=MANAGER)

    assert board.lead_id == MANAGER.user_id


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("question", "message"),
    [("", "needs a question"), ("   ", "needs a question"), ("x" * 301, "maximum is 300")],
)
def test_start_board_invalid_question(
    db: Database, clock: ManualClock, question: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        start(db, clock, question=question)

    assert board_rows(db) == []


@pytest.mark.usefixtures("people")
def test_one_open_board_per_channel(db: Database, clock: ManualClock) -> None:
    first = start(db, clock)

    with pytest.raises(BoardExists) as raised:
        start(db, clock, by=OTHER_LEAD, question="Another question?")

    assert raised.value.board.id == first.id
    assert raised.value.board.question == QUESTION
    other_channel = start(db, clock, channel_id="C0OTHER", question="Another question?")
    assert other_channel.id != first.id
    assert len(board_rows(db)) == 2


@contextmanager
def rival_board_after_next_commit(db: Database, clock: ManualClock) -> Iterator[list[int]]:
    """Commit a rival open board in CHANNEL, from another connection, after the next commit.

    start_board checks the channel in one transaction and inserts in the next,
    so this puts the rival exactly in the gap that a concurrent request would use.
    """
    rival_ids: list[int] = []

    def insert_rival(_session: Session) -> None:
        if rival_ids:
            return
        with db.engine.begin() as connection:
            result = connection.execute(
                insert(Board).values(
                    platform="slack",
                    team_id="T1",
                    channel_id=CHANNEL,
                    private=False,
                    question="The rival question?",
                    status="open",
                    lead_id=OTHER_LEAD.user_id,
                    created_by=OTHER_LEAD.user_id,
                    created_at=clock.now(),
                    digest_weekday=0,
                    digest_minute=540,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            rival_ids.append(int(key[0]))

    event.listen(Session, "after_commit", insert_rival)
    try:
        yield rival_ids
    finally:
        event.remove(Session, "after_commit", insert_rival)


@pytest.mark.usefixtures("people")
def test_start_board_race_raises_board_exists(db: Database, clock: ManualClock) -> None:
    with (
        rival_board_after_next_commit(db, clock) as rival_ids,
        pytest.raises(BoardExists) as raised,
    ):
        start(db, clock)

    assert rival_ids, "the rival board was not inserted"
    assert raised.value.board.id == rival_ids[0]
    assert raised.value.board.question == "The rival question?"
    assert [row.question for row in board_rows(db)] == ["The rival question?"]


@pytest.mark.usefixtures("people")
def test_replace_question_keeps_board(db: Database, clock: ManualClock) -> None:
    board = start(db, clock)
    idea = submit_idea(db, STAFF, text="Use a checklist", channel_id=CHANNEL, now=clock.now())

    change = boards.start_board(
        db,
        LEAD,
        channel_id=CHANNEL,
        question="What slows handovers down?",
        private=False,
        replace=True,
        now=clock.now(),
    )

    assert change.changed
    assert change.board.id == board.id
    assert change.board.question == "What slows handovers down?"
    assert idea.board is not None
    assert idea.board.id == board.id
    assert len(board_rows(db)) == 1


@pytest.mark.usefixtures("people")
def test_replace_question_same_text_unchanged(db: Database, clock: ManualClock) -> None:
    start(db, clock)

    change = boards.start_board(
        db,
        LEAD,
        channel_id=CHANNEL,
        question=QUESTION,
        private=False,
        replace=True,
        now=clock.now(),
    )

    assert not change.changed


@pytest.mark.usefixtures("people")
def test_replace_question_other_lead_refused(db: Database, clock: ManualClock) -> None:
    start(db, clock)

    with pytest.raises(PermissionDenied, match="Only this board's lead"):
        start(db, clock, by=OTHER_LEAD, question="Taken over?", replace=True)

    assert [row.question for row in board_rows(db)] == [QUESTION]
    replaced = start(db, clock, by=MANAGER, question="Asked by a manager?", replace=True)
    assert replaced.question == "Asked by a manager?"
    assert replaced.lead_id == LEAD.user_id


def idea_board_ids(db: Database) -> list[int | None]:
    with db.transaction() as session:
        return list(session.scalars(select(Idea.board_id).order_by(Idea.id)))


@pytest.mark.usefixtures("people")
def test_start_on_closed_board_offers_it(db: Database, clock: ManualClock) -> None:
    old = start(db, clock)
    submit_idea(db, STAFF, text="Use a checklist", channel_id=CHANNEL, now=clock.now())
    submit_idea(db, STAFF, text="Hand over at the bedside", channel_id=CHANNEL, now=clock.now())
    boards.close_board(db, LEAD, channel_id=CHANNEL, now=clock.now())

    with pytest.raises(BoardExists, match="closed Your Shout board") as raised:
        start(db, clock, by=OTHER_LEAD, question="What next?")

    assert raised.value.board.id == old.id
    assert raised.value.board.status == "closed"
    assert raised.value.board.question == QUESTION
    assert raised.value.idea_count == 2
    assert len(board_rows(db)) == 1
    assert boards.get_board(db, old.id).status == "closed"


@pytest.mark.usefixtures("people")
def test_replace_reopens_closed_board(db: Database, clock: ManualClock) -> None:
    old = start(db, clock)
    submit_idea(db, STAFF, text="Use a checklist", channel_id=CHANNEL, now=clock.now())
    boards.close_board(db, LEAD, channel_id=CHANNEL, now=clock.now())

    for person in (STAFF, OTHER_LEAD):
        with pytest.raises(PermissionDenied, match="can replace its question and reopen it"):
            start(db, clock, by=person, question="What next?", replace=True)
    assert boards.get_board(db, old.id).status == "closed"

    change = boards.start_board(
        db,
        LEAD,
        channel_id=CHANNEL,
        question="What next?",
        private=False,
        replace=True,
        now=clock.now(),
    )

    assert change.changed
    assert change.board.id == old.id
    assert change.board.status == "open"
    assert change.board.question == "What next?"
    assert change.board.closed_at is None
    assert change.board.closed_reason is None
    assert len(board_rows(db)) == 1
    assert idea_board_ids(db) == [old.id]
    assert boards.board_in_channel(db, platform="slack", channel_id=CHANNEL) == change.board
    on_board = submit_idea(db, STAFF, text="Rota swaps", channel_id=CHANNEL, now=clock.now())
    assert on_board.board is not None
    assert on_board.board.id == old.id


@pytest.mark.usefixtures("people")
def test_replace_refusal_names_replace(db: Database, clock: ManualClock) -> None:
    start(db, clock)

    with pytest.raises(PermissionDenied) as raised:
        start(db, clock, by=STAFF, question="Taken over?", replace=True)

    assert "can replace its question," in raised.value.user_message
    assert "start a Your Shout board" not in raised.value.user_message
    assert [row.question for row in board_rows(db)] == [QUESTION]


def add_closed_board(db: Database, clock: ManualClock, question: str) -> int:
    """Insert a closed board in CHANNEL directly, as data from before one board per channel."""
    with db.engine.begin() as connection:
        result = connection.execute(
            insert(Board).values(
                platform="slack",
                team_id="T1",
                channel_id=CHANNEL,
                private=False,
                question=question,
                status="closed",
                lead_id=LEAD.user_id,
                created_by=LEAD.user_id,
                created_at=clock.now(),
                closed_at=clock.now(),
                closed_reason="lead",
                digest_weekday=0,
                digest_minute=540,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])


@pytest.mark.usefixtures("people")
def test_several_old_boards_use_latest(db: Database, clock: ManualClock) -> None:
    first = add_closed_board(db, clock, "First question?")
    latest = add_closed_board(db, clock, "Latest question?")

    with pytest.raises(BoardExists) as raised:
        start(db, clock, question="New question?")
    change = boards.start_board(
        db,
        LEAD,
        channel_id=CHANNEL,
        question="New question?",
        private=False,
        replace=True,
        now=clock.now(),
    )

    assert raised.value.board.id == latest
    assert change.board.id == latest
    assert change.board.status == "open"
    assert boards.get_board(db, first).status == "closed"
    assert boards.get_board(db, first).question == "First question?"
    assert [row.id for row in board_rows(db)] == [first, latest]


def add_campaign(db: Database, clock: ManualClock, *, channel_id: str, starts: str) -> int:
    """Create a campaign in the channel that starts "now" or "tomorrow" (scheduled)."""
    london = ZoneInfo("Europe/London")
    if starts == "tomorrow":
        starts = (clock.now() + timedelta(days=1)).astimezone(london).strftime("%Y-%m-%d %H:%M")
    campaign = create_campaign(
        db,
        title="Winter ideas",
        channel_id=channel_id,
        starts=starts,
        timezone=london,
        now=clock.now(),
    )
    return campaign.id


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize("state", ["scheduled", "open"])
def test_start_refused_in_campaign_channel(db: Database, clock: ManualClock, state: str) -> None:
    starts = "now" if state == "open" else "tomorrow"
    campaign_id = add_campaign(db, clock, channel_id=CHANNEL, starts=starts)
    if state == "open":
        assert open_campaign(db, campaign_id, now=clock.now()) is not None

    with pytest.raises(InvalidInput) as raised:
        start(db, clock)

    message = raised.value.user_message
    assert f"Campaign {campaign_id} is {state} in this channel" in message
    assert "ideas sent here go to the campaign" in message
    assert raised.value.field == "channel"
    assert board_rows(db) == []
    assert start(db, clock, channel_id="C0OTHER").channel_id == "C0OTHER"


@pytest.mark.usefixtures("people")
def test_reopen_refused_in_campaign_channel(db: Database, clock: ManualClock) -> None:
    board = start(db, clock)
    boards.close_board(db, LEAD, channel_id=CHANNEL, now=clock.now())
    add_campaign(db, clock, channel_id=CHANNEL, starts="tomorrow")

    with pytest.raises(InvalidInput, match="cannot reopen here"):
        boards.reopen_board(db, LEAD, channel_id=CHANNEL, now=clock.now())
    with pytest.raises(InvalidInput, match="cannot reopen here"):
        start(db, clock, question="What next?", replace=True)

    assert boards.get_board(db, board.id).status == "closed"
    assert boards.get_board(db, board.id).question == QUESTION


@pytest.mark.usefixtures("people")
def test_close_and_reopen(db: Database, clock: ManualClock) -> None:
    board = start(db, clock)
    clock.advance(timedelta(hours=1))

    closed = boards.close_board(db, LEAD, channel_id=CHANNEL, now=clock.now())
    closed_again = boards.close_board(db, MANAGER, channel_id=CHANNEL, now=clock.now())

    assert closed.changed
    assert closed.board.status == "closed"
    assert closed.board.closed_at == clock.now()
    assert closed.board.closed_reason == "lead"
    assert not closed_again.changed
    assert boards.open_board_in_channel(db, platform="slack", channel_id=CHANNEL) is None

    reopened = boards.reopen_board(db, LEAD, channel_id=CHANNEL, now=clock.now())
    reopened_again = boards.reopen_board(db, LEAD, channel_id=CHANNEL, now=clock.now())

    assert reopened.changed
    assert reopened.board.id == board.id
    assert reopened.board.status == "open"
    assert reopened.board.closed_at is None
    assert not reopened_again.changed


@pytest.mark.usefixtures("people")
def test_closed_board_refuses_votes(db: Database, clock: ManualClock) -> None:
    start(db, clock)
    submitted = submit_idea(db, STAFF, text="Use a checklist", channel_id=CHANNEL, now=clock.now())
    idea_id = submitted.idea.id
    boards.close_board(db, LEAD, channel_id=CHANNEL, now=clock.now())

    first = change_vote(db, STAFF, idea_id=idea_id, change=VoteChange.CAST, now=clock.now())
    second = change_vote(db, STAFF, idea_id=idea_id, change=VoteChange.CAST, now=clock.now())
    boards.reopen_board(db, LEAD, channel_id=CHANNEL, now=clock.now())
    counted = change_vote(db, STAFF, idea_id=idea_id, change=VoteChange.CAST, now=clock.now())

    assert first.rejected_closed
    assert first.notify_closed
    assert second.rejected_closed
    assert not second.notify_closed
    assert counted.counted
    assert counted.vote_count == 1


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize("action", ["close", "reopen", "lead", "digest"])
def test_lead_actions_refused_for_others(db: Database, clock: ManualClock, action: str) -> None:
    board = start(db, clock)
    if action == "reopen":
        boards.close_board(db, LEAD, channel_id=CHANNEL, now=clock.now())
    before = boards.get_board(db, board.id)

    for person in (OTHER_LEAD, STAFF):
        with pytest.raises(PermissionDenied, match="Only this board's lead"):
            if action == "close":
                boards.close_board(db, person, channel_id=CHANNEL, now=clock.now())
            elif action == "reopen":
                boards.reopen_board(db, person, channel_id=CHANNEL, now=clock.now())
            elif action == "lead":
                boards.set_board_lead(
                    db, person, channel_id=CHANNEL, lead_id=person.user_id, now=clock.now()
                )
            else:
                boards.set_digest_time(db, person, channel_id=CHANNEL, weekday=4, minute=600)

    assert boards.get_board(db, board.id) == before
    assert outbox_rows(db) == []


@pytest.mark.usefixtures("people")
def test_lead_actions_without_board(db: Database, clock: ManualClock) -> None:
    with pytest.raises(NotFound, match="no Your Shout board"):
        boards.close_board(db, LEAD, channel_id=CHANNEL, now=clock.now())


@pytest.mark.usefixtures("people")
def test_reopen_race_with_new_board(db: Database, clock: ManualClock) -> None:
    board = start(db, clock)
    boards.close_board(db, LEAD, channel_id=CHANNEL, now=clock.now())

    with (
        rival_board_after_next_commit(db, clock) as rival_ids,
        pytest.raises(InvalidInput, match="another open board"),
    ):
        boards.reopen_board(db, LEAD, channel_id=CHANNEL, now=clock.now())

    assert rival_ids, "the rival board was not inserted"
    assert boards.get_board(db, board.id).status == "closed"
    assert boards.get_board(db, rival_ids[0]).status == "open"


@pytest.mark.usefixtures("people")
def test_set_board_lead_notifies_new_lead(db: Database, clock: ManualClock) -> None:
    board = start(db, clock)

    change = boards.set_board_lead(
        db,
        LEAD,
        channel_id=CHANNEL,
        lead_id=OTHER_LEAD.user_id,
        now=clock.now(),
        notice=lead_notice,
    )
    again = boards.set_board_lead(
        db,
        OTHER_LEAD,
        channel_id=CHANNEL,
        lead_id=OTHER_LEAD.user_id,
        now=clock.now(),
        notice=lead_notice,
    )

    assert change.changed
    assert change.board.lead_id == OTHER_LEAD.user_id
    assert not again.changed
    [row] = outbox_rows(db)
    assert row.recipient == OTHER_LEAD.user_id
    assert row.dedupe_key == boards.lead_notice_key(board.id, OTHER_LEAD.user_id, clock.now())
    assert str(board.id) in row.dedupe_key
    # The former lead is no longer this board's lead.
    with pytest.raises(PermissionDenied):
        boards.close_board(db, LEAD, channel_id=CHANNEL, now=clock.now())


@pytest.mark.usefixtures("people")
def test_set_board_lead_departed_needs_manager(db: Database, clock: ManualClock) -> None:
    board = start(db, clock)
    [marked] = boards.mark_lead_departed(
        db, platform="slack", user_id=LEAD.user_id, now=clock.now()
    )
    assert marked.id == board.id

    with pytest.raises(PermissionDenied, match="only an engagement manager"):
        boards.set_board_lead(
            db, LEAD, channel_id=CHANNEL, lead_id=OTHER_LEAD.user_id, now=clock.now()
        )
    assert boards.get_board(db, board.id).lead_id == LEAD.user_id

    change = boards.set_board_lead(
        db,
        MANAGER,
        channel_id=CHANNEL,
        lead_id=OTHER_LEAD.user_id,
        now=clock.now(),
        notice=lead_notice,
    )

    assert change.changed
    assert change.board.lead_id == OTHER_LEAD.user_id
    assert change.board.lead_departed_at is None
    assert [row.recipient for row in outbox_rows(db)] == [OTHER_LEAD.user_id]


@pytest.mark.usefixtures("people")
def test_set_board_lead_no_notice_for_self(db: Database, clock: ManualClock) -> None:
    start(db, clock, by=MANAGER)

    change = boards.set_board_lead(
        db,
        MANAGER,
        channel_id=CHANNEL,
        lead_id=MANAGER.user_id,
        now=clock.now(),
        notice=lead_notice,
    )

    assert not change.changed
    assert outbox_rows(db) == []


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["monday", "09:00"], (0, 540)),
        (["Fri", "16:30"], (4, 990)),
        (["thurs", "7:05"], (3, 425)),
        (["SUNDAY", "23:59"], (6, 1439)),
        (["tue", "00:00"], (1, 0)),
    ],
)
def test_parse_digest_time(words: list[str], expected: tuple[int, int]) -> None:
    assert boards.parse_digest_time(words) == expected


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ([], "Give a day and a 24-hour time"),
        (["monday"], "Give a day and a 24-hour time"),
        (["monday", "09:00", "weekly"], "Give a day and a 24-hour time"),
        (["mo", "09:00"], "is not a day of the week"),
        (["mondays", "09:00"], "is not a day of the week"),
        (["someday", "09:00"], "is not a day of the week"),
        (["monday", "9am"], "'9am' is not a time of day"),
        (["monday", "09:5"], "'09:5' is not a time of day"),
        (["monday", "24:00"], "is not a time of day"),
        (["monday", "09:60"], "is not a time of day"),
    ],
)
def test_parse_digest_time_invalid(words: list[str], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        boards.parse_digest_time(words)


@pytest.mark.usefixtures("people")
def test_set_digest_time(db: Database, clock: ManualClock) -> None:
    start(db, clock)

    change = boards.set_digest_time(db, LEAD, channel_id=CHANNEL, weekday=4, minute=990)
    again = boards.set_digest_time(db, MANAGER, channel_id=CHANNEL, weekday=4, minute=990)

    assert change.changed
    assert (change.board.digest_weekday, change.board.digest_minute) == (4, 990)
    assert not again.changed
    with pytest.raises(InvalidInput):
        boards.set_digest_time(db, LEAD, channel_id=CHANNEL, weekday=7, minute=0)
