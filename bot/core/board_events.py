"""Changes to Your Shout boards when a channel is renamed or archived, or a lead leaves.

Each function takes the platform's event id. A redelivered event changes
nothing twice: the board changes are guarded in the database, and the direct
messages they cause are enqueued with dedupe keys in the same transaction that
records the event id.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.core import boards, events, outbox, roles
from bot.core.outbox import OutboundMessage
from bot.core.ports import BoardNotifier
from storage.database import Database

logger = logging.getLogger(__name__)


def archived_notice_key(board_id: int, closed_at: datetime) -> str:
    """Return the outbox key of the message telling a lead their board closed with its channel."""
    return f"board-archived:{board_id}:{closed_at.strftime('%Y%m%dT%H%M%SZ')}"


def lead_left_notice_key(board_id: int, departed_at: datetime, manager_id: str) -> str:
    """Return the outbox key of the message telling one manager a board needs a new lead."""
    return f"board-lead-left:{board_id}:{departed_at.strftime('%Y%m%dT%H%M%SZ')}:{manager_id}"


def rename_channel(
    db: Database, *, platform: str, channel_id: str, name: str, event_id: str | None, now: datetime
) -> int:
    """Record a channel's new name on its boards; return how many boards changed.

    The event id is recorded first, so a late redelivery of an older rename
    cannot bring back an older name.
    """
    if event_id is not None and not events.first_delivery(
        db, platform=platform, event_id=event_id, now=now
    ):
        return 0
    return boards.rename_channel(db, platform=platform, channel_id=channel_id, name=name)


def close_archived_channel_board(
    db: Database,
    notifier: BoardNotifier,
    *,
    platform: str,
    channel_id: str,
    event_id: str | None,
    now: datetime,
) -> bool:
    """Close the board of an archived channel and message its lead; return True if enqueued now.

    The board is closed first, guarded in the database. The message to the
    lead is keyed by the board and its closing time, so it is enqueued once,
    also when a redelivery follows a crash between the two steps. A lead who
    left the organisation is not messaged.
    """
    boards.close_archived_board(db, platform=platform, channel_id=channel_id, now=now)
    board = boards.board_in_channel(db, platform=platform, channel_id=channel_id)
    messages: list[OutboundMessage] = []
    if (
        board is not None
        and board.closed_reason == boards.CLOSED_BY_ARCHIVE
        and board.closed_at is not None
        and board.lead_departed_at is None
    ):
        key = archived_notice_key(board.id, board.closed_at)
        messages.append(notifier.board_archived_message(board, dedupe_key=key))
    with db.transaction() as session:
        if not events.claim_event(session, platform=platform, event_id=event_id, now=now):
            return False
        added = outbox.enqueue_in(session, messages, now=now) if messages else 0
    if added and board is not None:
        logger.info("Enqueued the archive notice of board %s to its lead", board.id)
    return bool(added)


def mark_lead_departed(
    db: Database,
    notifier: BoardNotifier,
    *,
    platform: str,
    user_id: str,
    event_id: str | None,
    now: datetime,
) -> int:
    """Record that a user left, and tell every manager about each open board they led.

    Returns how many messages were enqueued. Each manager gets one message
    per board and departure, keyed by both, so a repeated event adds none.
    The departed user gets none, even when they were a manager.
    """
    boards.mark_lead_departed(db, platform=platform, user_id=user_id, now=now)
    led = [
        board
        for board in boards.list_boards(
            db, platform=platform, statuses=(boards.OPEN,), lead_id=user_id
        )
        if board.lead_departed_at is not None
    ]
    managers = sorted(
        {
            role.user_id
            for role in roles.list_roles(db, platform=platform)
            if role.role == roles.MANAGER and role.user_id != user_id
        }
    )
    messages: list[OutboundMessage] = []
    for board in led:
        departed_at = board.lead_departed_at
        assert departed_at is not None
        keys = {
            manager: lead_left_notice_key(board.id, departed_at, manager) for manager in managers
        }
        if keys:
            messages.extend(notifier.lead_departed_messages(board, dedupe_keys=keys))
    with db.transaction() as session:
        if not events.claim_event(session, platform=platform, event_id=event_id, now=now):
            return 0
        added = outbox.enqueue_in(session, messages, now=now) if messages else 0
    if led:
        logger.info(
            "Lead %s left %s open boards; enqueued %s messages to %s managers",
            user_id,
            len(led),
            added,
            len(managers),
        )
    if led and not managers:
        logger.warning("No manager to message that %s boards need a new lead", len(led))
    return added
