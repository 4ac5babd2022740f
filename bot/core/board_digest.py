"""The weekly digest of a Your Shout board, sent to its lead by direct message.

A board's digest falls due each week at its local weekday and time
(Board.digest_weekday, 0 is Monday, and Board.digest_minute after midnight),
in the organisation's time zone. The local wall time is converted to UTC for
each week, so the digest stays at 09:00 local across clock changes. A digest
covers the week from the previous week's digest time up to its own time.

After downtime only the latest missed digest is sent, and only when no digest
of the board was recorded since that digest's time. A ScheduledRun key per
board and local date, claimed in the same transaction as the enqueue, makes
each digest go out once across processes and restarts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core import outbox
from bot.core.boards import board_record
from bot.core.ports import BoardNotifier
from bot.core.records import BoardRecord
from bot.core.schedule import to_local_instant
from storage import board_digest as digest_store
from storage import boards as board_store
from storage import campaigns as campaign_store
from storage.board_digest import BoardTotals
from storage.database import Database
from storage.digest import ActivityCounts
from storage.models import Idea

logger = logging.getLogger(__name__)

WEEK = timedelta(days=7)
# The digest lists at most this many of the week's new ideas, and counts the rest.
MAX_NEW_IDEAS = 10
# The digest lists at most this many ideas still without a status, oldest first.
MAX_WAITING_IDEAS = 5


@dataclass(frozen=True)
class DigestIdea:
    """An idea as the board digest lists it."""

    idea_id: int
    text: str
    anonymous: bool
    author_name: str | None
    channel_id: str | None
    message_id: str | None
    vote_count: int
    comment_count: int
    # Whole days from the idea's creation to the digest.
    age_days: int


@dataclass(frozen=True)
class BoardDigest:
    """One week's digest of a board, for a BoardNotifier to turn into a direct message."""

    board: BoardRecord
    # The local date of the digest's scheduled time.
    day: date
    # Activity counted is from period_start up to, not including, period_end.
    period_start: datetime
    period_end: datetime
    activity: ActivityCounts
    # Empty when show_ideas is False.
    new_ideas: tuple[DigestIdea, ...]
    waiting_ideas: tuple[DigestIdea, ...]
    totals: BoardTotals
    # False for a private board whose lead is not a member of its channel or
    # whose membership could not be checked, so the digest has counts only.
    show_ideas: bool
    # The result of the membership check of a private board's lead: True, False,
    # or None when it failed. None for a public board, which needs no check.
    lead_is_member: bool | None

    @property
    def quiet(self) -> bool:
        """Return whether the week brought nothing new and every idea has a status."""
        activity = self.activity
        nothing_new = activity.idea_count == activity.comment_count == activity.vote_count == 0
        return nothing_new and self.totals.waiting_count == 0


def digest_time_on(day: date, *, minute: int, timezone: ZoneInfo) -> datetime:
    """Return the UTC instant of a digest at `minute` after local midnight on a local date."""
    wall_time = datetime.combine(day, time(minute // 60, minute % 60))
    return to_local_instant(wall_time, timezone)


def latest_digest_time(now: datetime, *, weekday: int, minute: int, timezone: ZoneInfo) -> datetime:
    """Return the latest digest time at or before now for a local weekday and minute."""
    today = now.astimezone(timezone).date()
    for days_back in range(8):
        day = today - timedelta(days=days_back)
        if day.weekday() != weekday:
            continue
        due_at = digest_time_on(day, minute=minute, timezone=timezone)
        if due_at <= now:
            return due_at
    raise AssertionError("a digest time at or before now exists within eight local dates")


def next_digest_time(now: datetime, *, weekday: int, minute: int, timezone: ZoneInfo) -> datetime:
    """Return the first digest time after now for a local weekday and minute."""
    today = now.astimezone(timezone).date()
    for days_ahead in range(8):
        day = today + timedelta(days=days_ahead)
        if day.weekday() != weekday:
            continue
        due_at = digest_time_on(day, minute=minute, timezone=timezone)
        if due_at > now:
            return due_at
    raise AssertionError("a digest time after now exists within eight local dates")


def digest_run_key(board_id: int, day: date) -> str:
    """Return the ScheduledRun key that records a board's digest for a local date as sent."""
    return f"{_run_key_prefix(board_id)}{day.isoformat()}"


def digest_dedupe_key(board_id: int, day: date, user_id: str) -> str:
    """Return the outbox key of a board's digest for a local date to one lead."""
    return f"{digest_run_key(board_id, day)}:{user_id}"


def _run_key_prefix(board_id: int) -> str:
    return f"board-digest:{board_id}:"


def due_digest_day(
    db: Database, board: BoardRecord, *, now: datetime, timezone: ZoneInfo
) -> date | None:
    """Return the local date of the board's digest due at now, or None when none is due.

    The latest digest time at or before now is due when the board existed
    then, no digest of the board was recorded since then, and the digest of
    that local date was not recorded. A board that is closed or whose lead
    left gets no digest. So a board reopened, or given a new lead, after a
    missed digest time gets that week's digest at once.
    """
    if not board.is_open or board.lead_departed_at is not None:
        return None
    due_at = latest_digest_time(
        now, weekday=board.digest_weekday, minute=board.digest_minute, timezone=timezone
    )
    if due_at <= board.created_at:
        return None
    day = due_at.astimezone(timezone).date()
    with db.transaction() as session:
        last_run = digest_store.latest_run_at(session, key_prefix=_run_key_prefix(board.id))
        if last_run is not None and last_run >= due_at:
            return None
        if campaign_store.existing_run_keys(session, keys=[digest_run_key(board.id, day)]):
            return None
    return day


def next_digest_due(
    db: Database, board: BoardRecord, *, now: datetime, timezone: ZoneInfo
) -> datetime | None:
    """Return when a board's next digest is due: now when one is due, else its next time.

    None when the board is not open or its lead left.
    """
    if not board.is_open or board.lead_departed_at is not None:
        return None
    if due_digest_day(db, board, now=now, timezone=timezone) is not None:
        return now
    return next_digest_time(
        now, weekday=board.digest_weekday, minute=board.digest_minute, timezone=timezone
    )


def build_board_digest(
    db: Database,
    board: BoardRecord,
    *,
    day: date,
    now: datetime,
    timezone: ZoneInfo,
    lead_is_member: bool | None,
) -> BoardDigest:
    """Collect a board's week before its digest time on a local date, with the ideas waiting now.

    Idea texts are left out unless the board is public or lead_is_member is True.
    """
    period_end = digest_time_on(day, minute=board.digest_minute, timezone=timezone)
    period_start = digest_time_on(day - WEEK, minute=board.digest_minute, timezone=timezone)
    show_ideas = not board.private or lead_is_member is True
    with db.transaction() as session:
        ideas, comments, votes = board_store.count_board_activity(
            session, board.id, since=period_start, until=period_end
        )
        totals = digest_store.board_totals(session, board.id, before=now)
        new_ideas: tuple[DigestIdea, ...] = ()
        waiting: tuple[DigestIdea, ...] = ()
        if show_ideas:
            new_rows = digest_store.list_new_ideas(
                session, board.id, start=period_start, end=period_end, limit=MAX_NEW_IDEAS
            )
            waiting_rows = digest_store.list_waiting_ideas(
                session, board.id, before=now, limit=MAX_WAITING_IDEAS
            )
            new_ideas = tuple(_digest_idea(row, now=now) for row in new_rows)
            waiting = tuple(_digest_idea(row, now=now) for row in waiting_rows)
    return BoardDigest(
        board=board,
        day=day,
        period_start=period_start,
        period_end=period_end,
        activity=ActivityCounts(idea_count=ideas, comment_count=comments, vote_count=votes),
        new_ideas=new_ideas,
        waiting_ideas=waiting,
        totals=totals,
        show_ideas=show_ideas,
        lead_is_member=lead_is_member if board.private else None,
    )


def send_due_board_digest(
    db: Database, notifier: BoardNotifier, board_id: int, *, now: datetime
) -> bool:
    """Enqueue a board's due digest to its lead; return True when this call enqueued it.

    For a private board the lead's membership of the channel is checked
    first, and the digest carries counts only unless the lead is a member.
    """
    timezone = notifier.timezone
    board = _get_board(db, board_id)
    if board is None:
        return False
    day = due_digest_day(db, board, now=now, timezone=timezone)
    if day is None:
        return False
    lead_is_member = (
        notifier.is_channel_member(board.channel_id, board.lead_id) if board.private else None
    )
    digest = build_board_digest(
        db, board, day=day, now=now, timezone=timezone, lead_is_member=lead_is_member
    )
    message = notifier.board_digest_message(
        digest, dedupe_key=digest_dedupe_key(board.id, day, board.lead_id)
    )
    with db.transaction() as session:
        if not campaign_store.claim_scheduled_run(
            session, key=digest_run_key(board.id, day), now=now
        ):
            return False
        added = outbox.enqueue_in(session, [message], now=now)
    logger.info(
        "Enqueued the %s digest of board %s to its lead (%s new, ideas shown: %s)",
        day.isoformat(),
        board.id,
        added,
        digest.show_ideas,
    )
    return bool(added)


def _get_board(db: Database, board_id: int) -> BoardRecord | None:
    with db.transaction() as session:
        board = board_store.get_board(session, board_id)
        return board_record(board) if board is not None else None


def _digest_idea(idea: Idea, *, now: datetime) -> DigestIdea:
    return DigestIdea(
        idea_id=idea.id,
        text=idea.text,
        anonymous=idea.anonymous,
        author_name=None if idea.anonymous else idea.author_name,
        channel_id=idea.channel_id,
        message_id=idea.message_id,
        vote_count=idea.vote_count,
        comment_count=idea.comment_count,
        age_days=max((now - idea.created_at).days, 0),
    )
