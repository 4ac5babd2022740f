"""Storage functions for the outbox of messages waiting to be sent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from storage.models import OutboxMessage
from storage.upsert import insert_if_absent

# Rows per INSERT statement in add_messages; 500 rows of 7 values stay far below
# SQLite's limit of 32,766 bound parameters per statement.
INSERT_CHUNK_ROWS = 500
# The maximum length of last_error, a VARCHAR(200) column.
MAX_ERROR_LENGTH = 200


@dataclass(frozen=True)
class NewMessage:
    """The columns of an outbox row to add."""

    platform: str
    recipient: str
    payload: str
    dedupe_key: str


@dataclass(frozen=True)
class MessageCounts:
    """Numbers of outbox messages by state, for one platform."""

    # Neither sent nor given up, whether due, waiting or claimed.
    pending: int
    # Pending, due now, and not held by a live claim.
    due: int
    # Pending and held by a claim that has not expired.
    claimed: int
    sent: int
    failed: int


def add_message(
    session: Session, message: NewMessage, *, created_at: datetime, not_before: datetime
) -> bool:
    """Add a message unless one with its dedupe_key exists; return whether it was added."""
    return insert_if_absent(
        session,
        OutboxMessage,
        platform=message.platform,
        recipient=message.recipient,
        payload=message.payload,
        dedupe_key=message.dedupe_key,
        created_at=created_at,
        not_before=not_before,
        attempts=0,
    )


def add_messages(
    session: Session,
    messages: Sequence[NewMessage],
    *,
    created_at: datetime,
    not_before: datetime,
) -> int:
    """Add the messages whose dedupe_key is new, in bulk; return how many were added."""
    added = 0
    for start in range(0, len(messages), INSERT_CHUNK_ROWS):
        rows = [
            {
                "platform": message.platform,
                "recipient": message.recipient,
                "payload": message.payload,
                "dedupe_key": message.dedupe_key,
                "created_at": created_at,
                "not_before": not_before,
                "attempts": 0,
            }
            for message in messages[start : start + INSERT_CHUNK_ROWS]
        ]
        statement = _insert_ignoring_duplicates(session, rows)
        added += len(session.execute(statement.returning(OutboxMessage.id)).all())
    return added


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, Any]]) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return (
            postgresql.insert(OutboxMessage)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
    if dialect == "sqlite":
        return (
            sqlite.insert(OutboxMessage)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
    raise NotImplementedError(f"unsupported database dialect {dialect}")


def _pending() -> ColumnElement[bool]:
    return and_(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))


def _claimable(*, now: datetime, lease: timedelta) -> ColumnElement[bool]:
    return and_(
        _pending(),
        OutboxMessage.not_before <= now,
        or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - lease),
    )


def _live_claim(*, now: datetime, lease: timedelta) -> ColumnElement[bool]:
    return and_(OutboxMessage.claimed_at.is_not(None), OutboxMessage.claimed_at >= now - lease)


@dataclass(frozen=True)
class ClaimedBatch:
    """Claimed outbox rows, and the ids of those taken over from an expired claim.

    A row whose claim expired belonged to a process that stopped while it held
    the row, so the platform may have accepted the row's message already.
    """

    rows: list[OutboxMessage]
    reclaimed_ids: frozenset[int]


def claim_batch(
    session: Session, *, platform: str, now: datetime, limit: int, lease: timedelta
) -> list[OutboxMessage]:
    """Claim up to limit due messages of a platform and return them, as claim_due does."""
    return claim_due(session, platform=platform, now=now, limit=limit, lease=lease).rows


def claim_due(
    session: Session, *, platform: str, now: datetime, limit: int, lease: timedelta
) -> ClaimedBatch:
    """Claim up to limit due messages of a platform and return them, oldest due first.

    A message is claimable when it is neither sent nor given up, its not_before
    has come, and it has no claim or a claim older than lease. On PostgreSQL the
    candidate rows are locked with FOR UPDATE SKIP LOCKED, so concurrent claimers
    take disjoint rows. SQLite transactions start with BEGIN IMMEDIATE (see
    storage.database), so a second claimer waits for the first to commit and then
    finds those rows claimed.
    """
    if limit < 1:
        return ClaimedBatch([], frozenset())
    candidates = (
        select(OutboxMessage.id, OutboxMessage.claimed_at)
        .where(OutboxMessage.platform == platform, _claimable(now=now, lease=lease))
        .order_by(OutboxMessage.not_before, OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    candidate_rows = session.execute(candidates).all()
    if not candidate_rows:
        return ClaimedBatch([], frozenset())
    candidate_ids = [row_id for row_id, _claimed_at in candidate_rows]
    expired = {row_id for row_id, claimed_at in candidate_rows if claimed_at is not None}
    # The guard repeats the claimable test, so a row whose state changed since
    # the SELECT is left alone even where no row lock was taken.
    claimed_ids = list(
        session.scalars(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(candidate_ids), _claimable(now=now, lease=lease))
            .values(claimed_at=now)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        )
    )
    if not claimed_ids:
        return ClaimedBatch([], frozenset())
    rows = list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id.in_(claimed_ids))
            .order_by(OutboxMessage.not_before, OutboxMessage.id)
            .execution_options(populate_existing=True)
        )
    )
    return ClaimedBatch(rows, frozenset(expired.intersection(claimed_ids)))


# A message whose dedupe key starts with this loses its recipient and content once it is
# sent or given up, such as a manager's question to the unnamed author of an anonymous post.
FORGET_PREFIX = "forget:"
FORGOTTEN = ""


def _forgotten(column: Any) -> Any:
    """Return column, or FORGOTTEN for a message that must not keep who received it."""
    return case((OutboxMessage.dedupe_key.startswith(FORGET_PREFIX), FORGOTTEN), else_=column)


def mark_sent(session: Session, outbox_id: int, *, now: datetime, message_id: str) -> bool:
    """Record a message as sent unless it was recorded before; return whether this call did."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.sent_at.is_(None))
        .values(
            sent_at=now,
            message_id=_forgotten(message_id),
            claimed_at=None,
            recipient=_forgotten(OutboxMessage.recipient),
            payload=_forgotten(OutboxMessage.payload),
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_failed_attempt(
    session: Session,
    outbox_id: int,
    *,
    now: datetime,
    error: str,
    retry_at: datetime | None,
) -> bool:
    """Count a failed attempt at a pending message and release its claim.

    The message becomes due again at retry_at, or is given up (failed_at set)
    when retry_at is None. Return False when the message was no longer pending.
    """
    values: dict[str, Any] = {
        "attempts": OutboxMessage.attempts + 1,
        "last_error": error[:MAX_ERROR_LENGTH],
        "claimed_at": None,
    }
    if retry_at is None:
        values["failed_at"] = now
        values["recipient"] = _forgotten(OutboxMessage.recipient)
        values["payload"] = _forgotten(OutboxMessage.payload)
    else:
        values["not_before"] = retry_at
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, _pending())
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release_claims(
    session: Session, outbox_ids: Sequence[int], *, not_before: datetime | None = None
) -> int:
    """Release the claims on pending messages, optionally moving their not_before; return how many.

    No attempt is counted, because the messages were not tried.
    """
    if not outbox_ids:
        return 0
    values: dict[str, Any] = {"claimed_at": None}
    if not_before is not None:
        values["not_before"] = not_before
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(outbox_ids), _pending())
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def next_due(
    session: Session, *, platform: str, now: datetime, lease: timedelta
) -> datetime | None:
    """Return when a platform's next pending message becomes claimable, or None if none is pending.

    That is the earliest not_before of messages without a live claim, or the
    earliest expiry of a live claim, whichever comes first.
    """
    live_claim = _live_claim(now=now, lease=lease)
    unclaimed_due = session.scalar(
        select(func.min(OutboxMessage.not_before)).where(
            OutboxMessage.platform == platform, _pending(), ~live_claim
        )
    )
    oldest_claim = session.scalar(
        select(func.min(OutboxMessage.claimed_at)).where(
            OutboxMessage.platform == platform, _pending(), live_claim
        )
    )
    candidates = [moment for moment in (unclaimed_due,) if moment is not None]
    if oldest_claim is not None:
        candidates.append(oldest_claim + lease)
    return min(candidates, default=None)


def count_messages(
    session: Session, *, platform: str, now: datetime, lease: timedelta
) -> MessageCounts:
    """Count a platform's outbox messages by state at the time now."""
    live_claim = _live_claim(now=now, lease=lease)
    given_up = and_(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_not(None))

    def count_where(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = session.execute(
        select(
            count_where(_pending()),
            count_where(_claimable(now=now, lease=lease)),
            count_where(and_(_pending(), live_claim)),
            count_where(OutboxMessage.sent_at.is_not(None)),
            count_where(given_up),
        ).where(OutboxMessage.platform == platform)
    ).one()
    return MessageCounts(
        pending=int(row[0]),
        due=int(row[1]),
        claimed=int(row[2]),
        sent=int(row[3]),
        failed=int(row[4]),
    )


def get_message(session: Session, *, dedupe_key: str) -> OutboxMessage | None:
    """Return the outbox message with this dedupe_key, or None."""
    return session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
