"""Tests of a board's overview (ranking and answers) and the managers' list of boards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.core import board_state, boards, roles
from bot.core.clock import ManualClock
from bot.core.comments import add_comment
from bot.core.errors import NotFound, PermissionDenied
from bot.core.ideas import record_idea_message, submit_idea
from bot.core.records import BoardRecord, Person
from bot.core.votes import VoteChange, change_vote
from storage.database import Database
from storage.models import Board, Idea

LEAD = Person("slack", "T1", "U0LEAD", "Lena")
MANAGER = Person("slack", "T1", "U0BOSS", "Maya")
STAFF = Person("slack", "T1", "U0STAFF", "Sam")
CHANNEL = "C0TEAM"


@pytest.fixture
def board(db: Database, clock: ManualClock) -> BoardRecord:
    """An open board in C0TEAM led by Lena. Maya is an engagement manager."""
    for person, role in ((LEAD, roles.LEAD), (MANAGER, roles.MANAGER)):
        roles.grant_role(
            db,
            platform="slack",
            user_id=person.user_id,
            role=role,
            granted_by="cli",
            now=clock.now(),
        )
    return boards.start_board(
        db, LEAD, channel_id=CHANNEL, question="What would help?", private=False, now=clock.now()
    ).board


def post(db: Database, clock: ManualClock, text: str, *, anonymous: bool = False) -> int:
    clock.advance(timedelta(minutes=1))
    submitted = submit_idea(
        db, STAFF, text=text, anonymous=anonymous, channel_id=CHANNEL, now=clock.now()
    )
    return submitted.idea.id


def vote(db: Database, clock: ManualClock, idea_id: int, voters: int) -> None:
    for number in range(voters):
        voter = Person("slack", "T1", f"U0V{number}")
        change_vote(db, voter, idea_id=idea_id, change=VoteChange.CAST, now=clock.now())


def comment(db: Database, clock: ManualClock, idea_id: int, count: int) -> None:
    for number in range(count):
        add_comment(
            db,
            STAFF,
            idea_id=idea_id,
            message_id=f"{idea_id}.{number:06d}",
            text="Agreed",
            now=clock.now(),
        )


def answer(db: Database, clock: ManualClock, idea_id: int, status: str, reply: str | None) -> None:
    clock.advance(timedelta(minutes=1))
    with db.transaction() as session:
        session.execute(
            update(Idea)
            .where(Idea.id == idea_id)
            .values(
                status=status,
                status_reply=reply,
                status_changed_at=clock.now(),
                status_changed_by=LEAD.user_id,
            )
        )


def test_overview_ranks_open_ideas(db: Database, clock: ManualClock, board: BoardRecord) -> None:
    oldest_tie = post(db, clock, "Oldest of the tied ideas")
    newest_tie = post(db, clock, "Newest of the tied ideas")
    two_votes_two_comments = post(db, clock, "Two votes, more comments")
    three_votes = post(db, clock, "Three votes", anonymous=True)
    no_votes = post(db, clock, "No votes at all")
    vote(db, clock, three_votes, 3)
    for idea_id in (oldest_tie, newest_tie, two_votes_two_comments):
        vote(db, clock, idea_id, 2)
    comment(db, clock, oldest_tie, 1)
    comment(db, clock, newest_tie, 1)
    comment(db, clock, two_votes_two_comments, 2)

    overview = board_state.board_overview(db, board.id)

    assert overview.board == board
    assert overview.idea_count == 5
    assert [idea.idea_id for idea in overview.ranked] == [
        three_votes,
        two_votes_two_comments,
        oldest_tie,
        newest_tie,
        no_votes,
    ]
    top = overview.ranked[0]
    assert (top.vote_count, top.comment_count) == (3, 0)
    assert top.anonymous
    assert top.author_name is None
    assert overview.ranked[1].author_name == "Sam"
    assert overview.answered == ()


def test_overview_lists_answers(db: Database, clock: ManualClock, board: BoardRecord) -> None:
    planned = post(db, clock, "Planned idea")
    done = post(db, clock, "Done idea")
    waiting = post(db, clock, "Waiting idea")
    answer(db, clock, done, "done", "Fixed on Monday")
    answer(db, clock, planned, "planned", None)

    overview = board_state.board_overview(db, board.id)

    # A final status takes an idea out of the ranking; planned keeps it there.
    assert [idea.idea_id for idea in overview.ranked] == [planned, waiting]
    assert [idea.idea_id for idea in overview.answered] == [planned, done]
    assert overview.answered[1].status == "done"
    assert overview.answered[1].status_reply == "Fixed on Monday"
    assert overview.answered[0].status_reply is None


def test_overview_unknown_board(db: Database) -> None:
    with pytest.raises(NotFound):
        board_state.board_overview(db, 999)


def test_posted_idea_ids(db: Database, clock: ManualClock, board: BoardRecord) -> None:
    posted = post(db, clock, "Posted idea")
    post(db, clock, "Not posted yet")
    record_idea_message(db, posted, message_id="1700000000.000100", vote_count=0)

    assert board_state.posted_idea_ids(db, board.id) == [posted]


def test_list_boards_hides_private(db: Database, clock: ManualClock, board: BoardRecord) -> None:
    post(db, clock, "Public idea")
    secret = boards.start_board(
        db, LEAD, channel_id="G0SECRET", question="Secret question?", private=True, now=clock.now()
    ).board
    submit_idea(db, STAFF, text="Secret idea", channel_id="G0SECRET", now=clock.now())
    # A second board in the same channel, as data from before one board per channel.
    with db.transaction() as session:
        session.add(
            Board(
                platform="slack",
                team_id="T1",
                channel_id="G0SECRET",
                private=True,
                question="Older secret?",
                status="closed",
                lead_id=LEAD.user_id,
                created_by=LEAD.user_id,
                created_at=clock.now(),
                digest_weekday=0,
                digest_minute=540,
            )
        )
    checked: list[str] = []

    def not_member(channel_id: str) -> bool:
        checked.append(channel_id)
        return False

    hidden = board_state.list_workspace_boards(db, MANAGER, is_member=not_member)
    shown = board_state.list_workspace_boards(db, MANAGER, is_member=lambda channel: True)

    assert [summary.board.id for summary in hidden.boards] == [board.id]
    assert hidden.boards[0].idea_count == 1
    assert hidden.hidden_private_count == 2
    assert checked == ["G0SECRET"]
    assert [summary.board.id for summary in shown.boards][:2] == [board.id, secret.id]
    assert shown.boards[1].idea_count == 1
    assert shown.hidden_private_count == 0


def test_list_boards_managers_only(db: Database, board: BoardRecord) -> None:
    for person in (LEAD, STAFF):
        with pytest.raises(PermissionDenied):
            board_state.list_workspace_boards(db, person, is_member=lambda channel: True)
