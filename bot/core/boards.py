"""Your Shout boards: a team channel's standing question, run by its team lead.

A channel has one board. start_board adds a board only to a channel without
one, and a partial unique index allows at most one open board per channel.
Data from before that rule may hold several boards for a channel: the open
one is used, else the latest. Closing keeps the board's ideas and stops its
votes; reopening lets them in again. Lead actions are for the board's lead
and for engagement managers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core import outbox, roles
from bot.core.errors import InvalidInput, NotFound, PermissionDenied
from bot.core.outbox import OutboundMessage
from bot.core.records import BoardRecord, Person
from storage import boards as board_store
from storage import campaigns as campaign_store
from storage import roles as role_store
from storage.database import Database
from storage.models import Board, Idea
from storage.visibility import visible_idea

logger = logging.getLogger(__name__)

MAX_QUESTION_LENGTH = 300
OPEN = "open"
CLOSED = "closed"
# Reasons stored in Board.closed_reason.
CLOSED_BY_LEAD = "lead"
CLOSED_BY_ARCHIVE = "archived"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_DIGEST_WEEKDAY = 0
DEFAULT_DIGEST_MINUTE = 9 * 60


class BoardExists(InvalidInput):
    """Error raised when the channel has a board already, open or closed.

    The caller may offer to replace its question, which also reopens a closed board.
    """

    code = "board_exists"

    def __init__(self, board: BoardRecord, *, idea_count: int) -> None:
        state = "an open" if board.is_open else "a closed"
        reopen = "" if board.is_open else " and reopen it"
        super().__init__(
            f"This channel has {state} Your Shout board already, asking: "
            f"\u201c{board.question}\u201d. Replace its question{reopen}, or keep it as it is.",
            field="question",
        )
        self.board = board
        self.idea_count = idea_count


@dataclass(frozen=True)
class BoardChange:
    """A board after a lead action, and whether the action changed anything."""

    board: BoardRecord
    changed: bool


def board_record(board: Board) -> BoardRecord:
    """Copy a board row into a detached record."""
    return BoardRecord(
        id=board.id,
        platform=board.platform,
        team_id=board.team_id,
        channel_id=board.channel_id,
        channel_name=board.channel_name,
        private=bool(board.private),
        question=board.question,
        status=board.status,
        lead_id=board.lead_id,
        created_by=board.created_by,
        created_at=board.created_at,
        closed_at=board.closed_at,
        closed_reason=board.closed_reason,
        header_message_id=board.header_message_id,
        digest_weekday=board.digest_weekday,
        digest_minute=board.digest_minute,
        lead_departed_at=board.lead_departed_at,
    )


def validate_question(question: str) -> str:
    """Return the question stripped, raising InvalidInput when it is empty or too long."""
    cleaned = " ".join(question.split())
    if not cleaned:
        raise InvalidInput(
            "The board needs a question, such as: What would make our handovers easier?",
            field="question",
        )
    if len(cleaned) > MAX_QUESTION_LENGTH:
        raise InvalidInput(
            f"The question has {len(cleaned)} characters; the maximum is "
            f"{MAX_QUESTION_LENGTH}. Shorten it and send the command again.",
            field="question",
        )
    return cleaned


def _is_manager(session: Session, person: Person) -> bool:
    return role_store.has_role(
        session, platform=person.platform, user_id=person.user_id, role=roles.MANAGER
    )


def _can_start(session: Session, person: Person) -> bool:
    return _is_manager(session, person) or role_store.has_role(
        session, platform=person.platform, user_id=person.user_id, role=roles.LEAD
    )


def _require_board_lead(session: Session, board: Board, person: Person, *, action: str) -> None:
    """Raise PermissionDenied unless the person leads the board or is an engagement manager."""
    if board.lead_id == person.user_id or _is_manager(session, person):
        return
    raise PermissionDenied(
        f"Only this board's lead or an engagement manager can {action}, so nothing was changed."
    )


def _board_in_channel(session: Session, person: Person, channel_id: str) -> Board:
    """Return the channel's open board, else its latest closed one; NotFound when it has none."""
    board = board_store.latest_board_in_channel(
        session, platform=person.platform, channel_id=channel_id
    )
    if board is None:
        raise NotFound(
            "This channel has no Your Shout board. A team lead can start one with a question "
            "for the team."
        )
    return board


def _idea_count(session: Session, board_id: int) -> int:
    query = select(func.count(Idea.id)).where(Idea.board_id == board_id, visible_idea())
    return int(session.scalar(query) or 0)


def _reject_campaign_channel(
    session: Session, *, platform: str, channel_id: str, action: str
) -> None:
    """Raise InvalidInput when a campaign is scheduled or open in the channel.

    Ideas sent in a campaign's channel go to the campaign, so a board there would get none.
    """
    for campaign in campaign_store.list_campaigns(session, statuses=("scheduled", "open")):
        if campaign.platform == platform and campaign.channel_id == channel_id:
            raise InvalidInput(
                f"Campaign {campaign.id} is {campaign.status} in this channel, and ideas sent "
                f"here go to the campaign, so a Your Shout board cannot {action} here; nothing "
                "was changed. Run the board in your team's own channel instead.",
                field="channel",
            )


def start_board(
    db: Database,
    lead: Person,
    *,
    channel_id: str,
    question: str,
    private: bool,
    channel_name: str | None = None,
    replace: bool = False,
    now: datetime,
) -> BoardChange:
    """Open a board in a channel with the caller as its lead, or replace its board's question.

    A channel with a board already, open or closed, gets no second one:
    BoardExists is raised with that board and its idea count, unless replace
    is True. Then the board's question is replaced (a lead action), a closed
    board reopens, and its ideas stay. Only team leads and engagement managers
    can start a board. A channel where a campaign is scheduled or open gets
    no new or reopened board (InvalidInput), because ideas sent there go to
    the campaign.
    """
    question = validate_question(question)
    with db.transaction() as session:
        existing = board_store.latest_board_in_channel(
            session, platform=lead.platform, channel_id=channel_id
        )
        if existing is not None and replace:
            return _replace_question(
                session, existing, lead, question=question, channel_name=channel_name
            )
        if not _can_start(session, lead):
            raise PermissionDenied(
                "Only team leads and engagement managers can start a Your Shout board, so "
                "nothing was changed. To get the team lead role, ask an administrator to run "
                f"`staffvoice roles grant {lead.user_id} lead`."
            )
        if existing is None or existing.status != OPEN:
            _reject_campaign_channel(
                session, platform=lead.platform, channel_id=channel_id, action="open"
            )
        if existing is not None:
            raise BoardExists(board_record(existing), idea_count=_idea_count(session, existing.id))
    try:
        with db.transaction() as session:
            board = board_store.add_board(
                session,
                platform=lead.platform,
                team_id=lead.team_id,
                channel_id=channel_id,
                channel_name=channel_name,
                private=private,
                question=question,
                status=OPEN,
                lead_id=lead.user_id,
                created_by=lead.user_id,
                created_at=now,
                digest_weekday=DEFAULT_DIGEST_WEEKDAY,
                digest_minute=DEFAULT_DIGEST_MINUTE,
            )
            record = board_record(board)
    except IntegrityError:
        # Another request opened a board in this channel between the check and the insert.
        with db.transaction() as session:
            raced = board_store.open_board_in_channel(
                session, platform=lead.platform, channel_id=channel_id
            )
            if raced is None:
                raise
            raise BoardExists(board_record(raced), idea_count=0) from None
    logger.info("Board %s opened in %s by %s", record.id, channel_id, lead.user_id)
    return BoardChange(board=record, changed=True)


def _replace_question(
    session: Session,
    board: Board,
    person: Person,
    *,
    question: str,
    channel_name: str | None,
) -> BoardChange:
    """Replace a board's question (a lead action), reopening it when it is closed."""
    reopen = board.status != OPEN
    action = "replace its question and reopen it" if reopen else "replace its question"
    _require_board_lead(session, board, person, action=action)
    values: dict[str, object] = {"question": question}
    if reopen:
        _reject_campaign_channel(
            session, platform=board.platform, channel_id=board.channel_id, action="reopen"
        )
        values.update(status=OPEN, closed_at=None, closed_reason=None)
    if channel_name:
        values["channel_name"] = channel_name
    changed = reopen or board.question != question
    board_store.update_board(session, board.id, **values)
    session.refresh(board)
    record = board_record(board)
    logger.info(
        "Board %s question replaced by %s%s", record.id, person.user_id, " and reopened" * reopen
    )
    return BoardChange(board=record, changed=changed)


def board_in_channel(db: Database, *, platform: str, channel_id: str) -> BoardRecord | None:
    """Return the channel's open board, else its latest closed one, or None when it has none."""
    with db.transaction() as session:
        board = board_store.latest_board_in_channel(
            session, platform=platform, channel_id=channel_id
        )
        return board_record(board) if board is not None else None


def open_board_in_channel(db: Database, *, platform: str, channel_id: str) -> BoardRecord | None:
    """Return the channel's open board, or None."""
    with db.transaction() as session:
        board = board_store.open_board_in_channel(session, platform=platform, channel_id=channel_id)
        return board_record(board) if board is not None else None


def get_board(db: Database, board_id: int) -> BoardRecord:
    """Return a board, raising NotFound when there is none with this id."""
    with db.transaction() as session:
        board = board_store.get_board(session, board_id)
        if board is None:
            raise NotFound(f"There is no board {board_id}.")
        return board_record(board)


def list_boards(
    db: Database,
    *,
    platform: str | None = None,
    statuses: tuple[str, ...] | None = None,
    lead_id: str | None = None,
    channel_id: str | None = None,
) -> list[BoardRecord]:
    """Return boards by id, optionally filtered by platform, status, lead and channel."""
    with db.transaction() as session:
        return [
            board_record(board)
            for board in board_store.list_boards(
                session,
                platform=platform,
                statuses=statuses,
                lead_id=lead_id,
                channel_id=channel_id,
            )
        ]


def _close(session: Session, board: Board, *, reason: str, now: datetime) -> bool:
    """Close an open board and reload its row; return False when it was closed already."""
    changed = board_store.update_board(
        session,
        board.id,
        where=Board.status == OPEN,
        status=CLOSED,
        closed_at=now,
        closed_reason=reason,
    )
    session.refresh(board)
    return changed


def close_board(db: Database, person: Person, *, channel_id: str, now: datetime) -> BoardChange:
    """Close the channel's open board (a lead action); its ideas and history stay.

    Returns changed=False when the channel's board is closed already.
    """
    with db.transaction() as session:
        board = _board_in_channel(session, person, channel_id)
        _require_board_lead(session, board, person, action="close it")
        changed = _close(session, board, reason=CLOSED_BY_LEAD, now=now)
        record = board_record(board)
    if changed:
        logger.info("Board %s closed by %s", record.id, person.user_id)
    return BoardChange(board=record, changed=changed)


def close_archived_board(
    db: Database, *, platform: str, channel_id: str, now: datetime
) -> BoardRecord | None:
    """Close the open board of a channel that was archived; return it, or None when none was open.

    Guarded in the database, so an archive event delivered twice closes it once
    and returns None the second time.
    """
    with db.transaction() as session:
        board = board_store.open_board_in_channel(session, platform=platform, channel_id=channel_id)
        if board is None:
            return None
        if not _close(session, board, reason=CLOSED_BY_ARCHIVE, now=now):
            return None
        record = board_record(board)
    logger.info("Board %s closed because channel %s was archived", record.id, channel_id)
    return record


def reopen_board(db: Database, person: Person, *, channel_id: str, now: datetime) -> BoardChange:
    """Reopen the channel's latest closed board (a lead action); return changed=False if open.

    Raises InvalidInput, changing nothing, while a campaign is scheduled or open in the channel.
    """
    with db.transaction() as session:
        board = _board_in_channel(session, person, channel_id)
        _require_board_lead(session, board, person, action="reopen it")
        if board.status == OPEN:
            return BoardChange(board=board_record(board), changed=False)
        _reject_campaign_channel(
            session, platform=person.platform, channel_id=channel_id, action="reopen"
        )
    try:
        with db.transaction() as session:
            changed = board_store.update_board(
                session,
                board.id,
                where=Board.status == CLOSED,
                status=OPEN,
                closed_at=None,
                closed_reason=None,
            )
            reopened = board_store.get_board(session, board.id)
            assert reopened is not None
            session.refresh(reopened)
            record = board_record(reopened)
    except IntegrityError:
        raise InvalidInput(
            "This channel has another open board, so this one cannot reopen. Close that one first.",
            field="board",
        ) from None
    if changed:
        logger.info("Board %s reopened by %s at %s", record.id, person.user_id, now.isoformat())
    return BoardChange(board=record, changed=changed)


def lead_notice_key(board_id: int, lead_id: str, now: datetime) -> str:
    """Return the outbox key of the message telling a new lead about a board."""
    return f"board-lead:{board_id}:{lead_id}:{now.strftime('%Y%m%dT%H%M%S%f')}"


def set_board_lead(
    db: Database,
    person: Person,
    *,
    channel_id: str,
    lead_id: str,
    now: datetime,
    notice: Callable[[BoardRecord, str], OutboundMessage] | None = None,
) -> BoardChange:
    """Make lead_id the lead of the channel's board (a lead action); clears a departed lead.

    When the lead changes to someone other than the caller and notice is
    given, notice(board, dedupe_key) builds the message for the new lead,
    which is enqueued in the outbox in the same transaction as the change.
    """
    lead_id = roles.validate_user_id(lead_id)
    with db.transaction() as session:
        board = _board_in_channel(session, person, channel_id)
        # While the lead has left, only managers can hand the board on.
        if board.lead_departed_at is not None and not _is_manager(session, person):
            raise PermissionDenied(
                "This board's lead has left, so only an engagement manager can name a new "
                "lead; nothing was changed."
            )
        _require_board_lead(session, board, person, action="change its lead")
        changed = board.lead_id != lead_id or board.lead_departed_at is not None
        board_store.update_board(session, board.id, lead_id=lead_id, lead_departed_at=None)
        session.refresh(board)
        record = board_record(board)
        if notice is not None and changed and lead_id != person.user_id:
            key = lead_notice_key(record.id, lead_id, now)
            outbox.enqueue_in(session, [notice(record, key)], now=now)
    if changed:
        logger.info(
            "Board %s lead set to %s by %s at %s",
            record.id,
            lead_id,
            person.user_id,
            now.isoformat(),
        )
    return BoardChange(board=record, changed=changed)


def mark_lead_departed(
    db: Database, *, platform: str, user_id: str, now: datetime
) -> list[BoardRecord]:
    """Record that a user left the organisation; return the boards they led, newly marked.

    The boards stay as they are and keep working; a board marked before is
    not returned again, so its managers are told once.
    """
    with db.transaction() as session:
        marked: list[BoardRecord] = []
        for board in board_store.list_boards(session, platform=platform, lead_id=user_id):
            if board_store.update_board(
                session,
                board.id,
                where=Board.lead_departed_at.is_(None),
                lead_departed_at=now,
            ):
                session.refresh(board)
                marked.append(board_record(board))
    if marked:
        logger.info("Lead %s left; %s boards need a new lead", user_id, len(marked))
    return marked


def rename_channel(db: Database, *, platform: str, channel_id: str, name: str) -> int:
    """Record a channel's new name on its boards; return how many boards changed."""
    with db.transaction() as session:
        changed = 0
        for board in board_store.list_boards(session, platform=platform, channel_id=channel_id):
            changed += board_store.update_board(session, board.id, channel_name=name[:200])
    return changed


def parse_digest_time(words: list[str]) -> tuple[int, int]:
    """Return (weekday, minute after midnight) from words such as ["monday", "09:00"].

    Raises InvalidInput with an example when the day or the time is not understood.
    """
    advice = "Give a day and a 24-hour time, such as `/yourshout digest monday 09:00`."
    if len(words) != 2:
        raise InvalidInput(advice, field="digest")
    day, time_text = words[0].lower(), words[1]
    matches = [index for index, name in enumerate(WEEKDAYS) if name.startswith(day[:3])]
    if len(day) < 3 or len(matches) != 1 or not WEEKDAYS[matches[0]].startswith(day):
        raise InvalidInput(f"{words[0]!r} is not a day of the week. {advice}", field="digest")
    hours, _, minutes = time_text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise InvalidInput(f"{time_text!r} is not a time of day. {advice}", field="digest")
    if int(hours) > 23 or int(minutes) > 59:
        raise InvalidInput(f"{time_text!r} is not a time of day. {advice}", field="digest")
    return matches[0], int(hours) * 60 + int(minutes)


def set_digest_time(
    db: Database, person: Person, *, channel_id: str, weekday: int, minute: int
) -> BoardChange:
    """Set the local day and time of the board's weekly digest (a lead action)."""
    if not 0 <= weekday <= 6 or not 0 <= minute < 24 * 60:
        raise InvalidInput("The digest needs a weekday 0 to 6 and a time of day.", field="digest")
    with db.transaction() as session:
        board = _board_in_channel(session, person, channel_id)
        _require_board_lead(session, board, person, action="change its digest")
        changed = (board.digest_weekday, board.digest_minute) != (weekday, minute)
        board_store.update_board(session, board.id, digest_weekday=weekday, digest_minute=minute)
        session.refresh(board)
        record = board_record(board)
    return BoardChange(board=record, changed=changed)


def record_header(db: Database, board_id: int, *, message_id: str) -> None:
    """Store the id of the message that shows the board's question in its channel."""
    with db.transaction() as session:
        board_store.update_board(session, board_id, header_message_id=message_id)


def can_lead(db: Database, board_id: int, person: Person) -> bool:
    """Return whether the person may take lead actions on the board."""
    with db.transaction() as session:
        board = board_store.get_board(session, board_id)
        if board is None:
            return False
        return board.lead_id == person.user_id or _is_manager(session, person)


def require_lead(db: Database, board_id: int, person: Person, *, action: str) -> BoardRecord:
    """Return the board, raising PermissionDenied unless the person may take lead actions."""
    with db.transaction() as session:
        board = board_store.get_board(session, board_id)
        if board is None:
            raise NotFound(f"There is no board {board_id}.")
        _require_board_lead(session, board, person, action=action)
        return board_record(board)
