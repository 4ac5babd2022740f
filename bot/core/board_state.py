"""The state of Your Shout boards: one board's ranked ideas and answers, and the workspace list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from bot.core import roles
from bot.core.boards import board_record
from bot.core.errors import NotFound
from bot.core.records import BoardRecord, Person
from bot.core.statuses import FINAL_STATUSES
from storage import boards as board_store
from storage.database import Database
from storage.models import Idea
from storage.visibility import visible_idea


@dataclass(frozen=True)
class BoardIdea:
    """An idea of a board with its counts, where it is shown, and the lead's answer."""

    idea_id: int
    text: str
    anonymous: bool
    # None for an anonymous idea.
    author_name: str | None
    vote_count: int
    comment_count: int
    created_at: datetime
    # Both are None until the idea message is posted.
    channel_id: str | None
    message_id: str | None
    status: str | None
    status_reply: str | None
    status_changed_at: datetime | None


@dataclass(frozen=True)
class BoardOverview:
    """A board with its ideas: those still open, ranked, and those the lead has answered."""

    board: BoardRecord
    idea_count: int
    # Ideas without a final status, by votes, then comments (both descending), then oldest first.
    ranked: tuple[BoardIdea, ...]
    # Ideas with any status, the latest answer first. An open idea with a status is in both.
    answered: tuple[BoardIdea, ...]


@dataclass(frozen=True)
class BoardSummary:
    """A board in the workspace list, with its number of ideas."""

    board: BoardRecord
    idea_count: int


@dataclass(frozen=True)
class BoardListing:
    """The boards a viewer may see, and how many private-channel boards were left out."""

    boards: tuple[BoardSummary, ...]
    # The number of boards in private channels the viewer is not a member of.
    hidden_private_count: int


def _board_idea(idea: Idea) -> BoardIdea:
    return BoardIdea(
        idea_id=idea.id,
        text=idea.text,
        anonymous=idea.anonymous,
        author_name=None if idea.anonymous else idea.author_name,
        vote_count=idea.vote_count,
        comment_count=idea.comment_count,
        created_at=idea.created_at,
        channel_id=idea.channel_id,
        message_id=idea.message_id,
        status=idea.status,
        status_reply=idea.status_reply,
        status_changed_at=idea.status_changed_at,
    )


def rank_key(idea: BoardIdea) -> tuple[int, int, datetime, int]:
    """Return the sort key of the board ranking: votes, then comments, then the oldest first."""
    return (-idea.vote_count, -idea.comment_count, idea.created_at, idea.idea_id)


def board_overview(db: Database, board_id: int) -> BoardOverview:
    """Return a board's ranked open ideas and its answered ideas; NotFound for an unknown board."""
    with db.transaction() as session:
        board = board_store.get_board(session, board_id)
        if board is None:
            raise NotFound(f"There is no board {board_id}.")
        record = board_record(board)
        ideas = [_board_idea(idea) for idea in board_store.board_ideas(session, board_id)]
    ranked = sorted((idea for idea in ideas if idea.status not in FINAL_STATUSES), key=rank_key)
    answered = sorted(
        (idea for idea in ideas if idea.status is not None),
        key=lambda idea: (idea.status_changed_at or idea.created_at, idea.idea_id),
        reverse=True,
    )
    return BoardOverview(
        board=record, idea_count=len(ideas), ranked=tuple(ranked), answered=tuple(answered)
    )


def posted_idea_ids(db: Database, board_id: int) -> list[int]:
    """Return the ids of a board's ideas that have a message to redraw, oldest first."""
    with db.transaction() as session:
        return list(
            session.scalars(
                select(Idea.id)
                .where(Idea.board_id == board_id, Idea.message_id.is_not(None))
                .order_by(Idea.id)
            )
        )


def list_workspace_boards(
    db: Database, viewer: Person, *, is_member: Callable[[str], bool]
) -> BoardListing:
    """List every board of the viewer's platform for an engagement manager.

    A board in a private channel is listed only when is_member(channel_id)
    is True for the viewer. Other private boards are only counted, so their
    questions and ideas are not returned. Raises PermissionDenied unless the
    viewer is a manager.
    """
    roles.require_manager(db, viewer, action="list every Your Shout board")
    with db.transaction() as session:
        boards = [
            board_record(board)
            for board in board_store.list_boards(session, platform=viewer.platform)
        ]
        counts = dict(
            session.execute(
                select(Idea.board_id, func.count(Idea.id))
                .where(Idea.board_id.is_not(None), visible_idea())
                .group_by(Idea.board_id)
            ).all()
        )
    visible: list[BoardSummary] = []
    hidden = 0
    # One membership check per private channel, however many boards it has had.
    membership: dict[str, bool] = {}
    for board in boards:
        if board.private:
            if board.channel_id not in membership:
                membership[board.channel_id] = is_member(board.channel_id)
            if not membership[board.channel_id]:
                hidden += 1
                continue
        visible.append(BoardSummary(board=board, idea_count=int(counts.get(board.id, 0))))
    return BoardListing(boards=tuple(visible), hidden_private_count=hidden)
