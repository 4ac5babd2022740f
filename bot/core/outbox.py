"""The outbox: direct messages and digests stored before they are sent, and sent once each.

Callers enqueue messages, and a worker in each bot process calls drain().
drain() claims a batch of due messages in the database and sends them one at
a time through an OutboxSender. It records each as sent straight after its
send. A failed send is retried with growing delays and given up after
MAX_ATTEMPTS. A rate-limit response stops the batch and puts the rest back
for the Retry-After seconds.

Every message is sent until it succeeds or is given up, and once. A process
may die (or the database fail) after the platform accepted a message and
before mark_sent committed. The message's claim then expires, and the next
drain that claims it treats it as possibly delivered already. With a
TracedOutboxSender (Slack's sender is one), each message goes out marked
with its outbox id, and such a message is first looked for on the
platform: when found it is recorded sent, not sent again. While the lookup
cannot reach the platform or is rate limited, the message keeps its claim
and is looked for again when the claim expires. With any other sender it is
sent again, and as sends are sequential, each crash repeats at most one
message. A send whose connection fails or times out after the platform
accepted it counts as failed and is retried, and that retry can repeat the
message.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.core.clock import Clock
from bot.core.errors import DeliveryFailed, RateLimited
from bot.core.ports import OutboxSender, TracedOutboxSender
from storage import outbox as store
from storage.database import Database
from storage.models import ID_LENGTH, OutboxMessage

logger = logging.getLogger(__name__)

# Waits before the second, third, ... attempt at a message whose send failed.
RETRY_DELAYS = (
    timedelta(seconds=30),
    timedelta(minutes=1),
    timedelta(minutes=2),
    timedelta(minutes=5),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=1),
)
# A message is given up after this many failed attempts, about 1 hour 49 minutes
# after the first one.
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# A claim older than this is taken to belong to a process that died, and its
# messages may be claimed again. drain() starts no send once half of it has
# passed, so a live process sends no message whose claim has expired unless a
# single send, pacing wait and HTTP timeout included, takes over half the lease.
DEFAULT_LEASE = timedelta(minutes=5)
DEFAULT_BATCH_SIZE = 20
# The length of the outbox's dedupe_key column.
MAX_DEDUPE_KEY_LENGTH = 255


@dataclass(frozen=True, kw_only=True)
class OutboundFile:
    """A file sent as a message of its own, such as a chart image."""

    name: str
    title: str
    content: bytes


@dataclass(frozen=True, kw_only=True)
class OutboundMessage:
    """A message for one recipient: a user id for a direct message, or a channel id.

    `text` is required because platforms show it in notifications and where
    blocks cannot be shown. `blocks` (Slack Block Kit) or `card` (an adaptive
    card) are the rich form, as plain JSON-compatible lists and dicts.
    `dedupe_key` names the message uniquely, such as "opening:42:U0123", so
    enqueueing it again has no effect. A message with `file` uploads the file
    to the recipient's direct message, with `text` as its comment. The file is
    stored base64-encoded in the payload, so keep it to a few hundred kilobytes.
    """

    platform: str
    recipient: str
    text: str
    dedupe_key: str
    blocks: list[dict[str, Any]] | None = None
    card: dict[str, Any] | None = None
    file: OutboundFile | None = None


@dataclass(frozen=True)
class DrainResult:
    """The outcome of one drain() call for the batch it claimed."""

    sent: int = 0
    # Failed attempts, including the messages given up.
    failed: int = 0
    gave_up: int = 0
    # Claimed messages put back unsent: after a rate-limit response, a stop request,
    # or when half the lease had passed.
    deferred: int = 0
    # The wait the platform requested, when the batch ended on a rate-limit response.
    retry_after_seconds: float | None = None

    @property
    def claimed(self) -> int:
        """Return how many messages the batch claimed."""
        return self.sent + self.failed + self.deferred


@dataclass(frozen=True)
class OutboxCounts:
    """Numbers of a platform's outbox messages by state, for monitoring."""

    # Neither sent nor given up, whether due, waiting for a retry or claimed.
    pending: int
    # Pending, due now, and not held by a live claim.
    due: int
    # Pending and held by a live claim, such as the batch being sent.
    claimed: int
    sent: int
    failed: int


_listeners: list[Callable[[str], None]] = []
_listeners_lock = threading.Lock()


def add_enqueue_listener(listener: Callable[[str], None]) -> None:
    """Call listener with the platform name after messages are enqueued in this process."""
    with _listeners_lock:
        _listeners.append(listener)


def remove_enqueue_listener(listener: Callable[[str], None]) -> None:
    """Stop calling a listener added with add_enqueue_listener; do nothing if it was not added."""
    with _listeners_lock:
        if listener in _listeners:
            _listeners.remove(listener)


def _notify_enqueued(platforms: Iterable[str]) -> None:
    with _listeners_lock:
        listeners = list(_listeners)
    for platform in set(platforms):
        for listener in listeners:
            try:
                listener(platform)
            except Exception:
                # The messages are stored either way, and a worker finds them on its next poll.
                logger.exception("Outbox enqueue listener failed for platform %s", platform)


def _payload_of(message: OutboundMessage) -> str:
    payload: dict[str, Any] = {"text": message.text}
    if message.blocks is not None:
        payload["blocks"] = message.blocks
    if message.card is not None:
        payload["card"] = message.card
    if message.file is not None:
        payload["file"] = {
            "name": message.file.name,
            "title": message.file.title,
            "content_base64": base64.b64encode(message.file.content).decode("ascii"),
        }
    try:
        return json.dumps(payload, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"outbox message {message.dedupe_key!r} has blocks or a card that are not JSON: {error}"
        ) from None


def _new_message(message: OutboundMessage) -> store.NewMessage:
    """Validate a message and return the row to store, raising ValueError naming the fault."""
    if not message.platform:
        raise ValueError("outbox message has an empty platform; pass a name such as 'slack'")
    if not message.dedupe_key or len(message.dedupe_key) > MAX_DEDUPE_KEY_LENGTH:
        raise ValueError(
            f"outbox dedupe_key must have 1 to {MAX_DEDUPE_KEY_LENGTH} characters,"
            f" got {len(message.dedupe_key)}"
        )
    if not message.recipient or len(message.recipient) > ID_LENGTH:
        raise ValueError(
            f"outbox message {message.dedupe_key!r} needs a recipient id of 1 to {ID_LENGTH}"
            f" characters, got {message.recipient!r}"
        )
    if not message.text.strip():
        raise ValueError(
            f"outbox message {message.dedupe_key!r} has empty text; platforms show the text"
            " in notifications, so set it even when blocks or a card carry the content"
        )
    if message.blocks is not None and message.card is not None:
        raise ValueError(
            f"outbox message {message.dedupe_key!r} has both blocks and a card; pass one form"
        )
    if message.file is not None:
        if message.blocks is not None or message.card is not None:
            raise ValueError(
                f"outbox message {message.dedupe_key!r} has a file and blocks or a card;"
                " a file message carries only its text as the comment"
            )
        if not message.file.name.strip() or not message.file.content:
            raise ValueError(
                f"outbox message {message.dedupe_key!r} has a file without a name or content"
            )
    return store.NewMessage(
        platform=message.platform,
        recipient=message.recipient,
        payload=_payload_of(message),
        dedupe_key=message.dedupe_key,
    )


@dataclass(frozen=True)
class _Claimed:
    """A claimed outbox row, copied out of its session."""

    outbox_id: int
    attempts: int
    platform: str
    recipient: str
    dedupe_key: str
    payload: str
    # Taken over from an expired claim, so the platform may have the message already.
    maybe_sent: bool = False

    @classmethod
    def of(cls, row: OutboxMessage, *, maybe_sent: bool = False) -> _Claimed:
        return cls(
            outbox_id=row.id,
            attempts=row.attempts,
            platform=row.platform,
            recipient=row.recipient,
            dedupe_key=row.dedupe_key,
            payload=row.payload,
            maybe_sent=maybe_sent,
        )

    def message(self) -> OutboundMessage:
        """Rebuild the stored message, raising ValueError when its payload is unusable."""
        payload = json.loads(self.payload)
        if not isinstance(payload, dict) or not isinstance(payload.get("text"), str):
            raise ValueError("payload is not a JSON object with a text string")
        return OutboundMessage(
            platform=self.platform,
            recipient=self.recipient,
            text=payload["text"],
            dedupe_key=self.dedupe_key,
            blocks=payload.get("blocks"),
            card=payload.get("card"),
            file=_file_of(payload.get("file")),
        )


def _file_of(stored: Any) -> OutboundFile | None:
    """Rebuild a stored file, raising ValueError when it is malformed."""
    if stored is None:
        return None
    if not isinstance(stored, dict):
        raise ValueError("payload file is not a JSON object")
    try:
        content = base64.b64decode(str(stored["content_base64"]), validate=True)
        return OutboundFile(name=str(stored["name"]), title=str(stored["title"]), content=content)
    except (KeyError, binascii.Error) as error:
        raise ValueError(f"payload file is malformed: {error}") from None


def enqueue(
    db: Database, message: OutboundMessage, *, now: datetime, not_before: datetime | None = None
) -> bool:
    """Store a message to be sent at not_before (default now); return False if its key exists.

    Raises ValueError when the message is unusable, and stores nothing then.
    """
    row = _new_message(message)
    with db.transaction() as session:
        added = store.add_message(session, row, created_at=now, not_before=not_before or now)
    if added:
        logger.debug("Enqueued outbox message %s", message.dedupe_key)
        _notify_enqueued([message.platform])
    return added


def enqueue_many(
    db: Database,
    messages: Sequence[OutboundMessage],
    *,
    now: datetime,
    not_before: datetime | None = None,
) -> int:
    """Store messages in one transaction, skipping keys that exist; return how many were added.

    Every message is validated before any is stored, so a ValueError stores none.
    """
    with db.transaction() as session:
        added = enqueue_in(session, messages, now=now, not_before=not_before)
    logger.info("Enqueued %d of %d outbox messages", added, len(messages))
    return added


def enqueue_in(
    session: Session,
    messages: Sequence[OutboundMessage],
    *,
    now: datetime,
    not_before: datetime | None = None,
) -> int:
    """Store messages inside the caller's transaction; return how many were added.

    Use it to enqueue in the same transaction as the state change the messages
    announce, so either both are committed or neither is. Workers in this
    process are woken when the transaction commits.
    """
    rows = [_new_message(message) for message in messages]
    # The first message of a repeated key wins, as it would across separate calls.
    unique_rows = list({row.dedupe_key: row for row in reversed(rows)}.values())
    unique_rows.reverse()
    added = store.add_messages(session, unique_rows, created_at=now, not_before=not_before or now)
    if added:
        platforms = {row.platform for row in unique_rows}
        event.listen(session, "after_commit", lambda _s: _notify_enqueued(platforms), once=True)
    return added


def drain(
    db: Database,
    sender: OutboxSender,
    *,
    platform: str,
    clock: Clock,
    limit: int = DEFAULT_BATCH_SIZE,
    lease: timedelta = DEFAULT_LEASE,
    should_stop: Callable[[], bool] | None = None,
) -> DrainResult:
    """Claim up to limit due messages of a platform, send them in order, and record each outcome.

    Each message is marked sent in its own transaction straight after its send,
    so a process killed mid-batch leaves at most the message in flight
    unrecorded, and with a TracedOutboxSender the next drain finds that message
    instead of sending it again (see the module docstring). On RateLimited the batch stops and
    the unsent messages become due after Retry-After; the caller should wait
    that long before the next drain. should_stop is asked before each send.
    """
    claimed_at = clock.now()
    with db.transaction() as session:
        claimed_batch = store.claim_due(
            session, platform=platform, now=claimed_at, limit=limit, lease=lease
        )
        batch = [
            _Claimed.of(row, maybe_sent=row.id in claimed_batch.reclaimed_ids)
            for row in claimed_batch.rows
        ]
    if not batch:
        return DrainResult()
    logger.debug("Claimed %d outbox messages for %s", len(batch), platform)

    sent = failed = gave_up = deferred = 0
    retry_after: float | None = None
    for index, claimed in enumerate(batch):
        outbox_id, attempts = claimed.outbox_id, claimed.attempts
        unsent = batch[index:]
        if should_stop is not None and should_stop():
            deferred += _put_back(db, unsent, not_before=None)
            break
        if clock.now() - claimed_at >= lease / 2:
            logger.info(
                "Outbox batch ran past half its %s lease; putting back %d messages",
                lease,
                len(unsent),
            )
            deferred += _put_back(db, unsent, not_before=None)
            break
        try:
            message = claimed.message()
        except ValueError as error:
            logger.error("Outbox message %s has an unusable payload: %s", outbox_id, error)
            _record_failure(
                db,
                outbox_id,
                attempts=attempts,
                now=clock.now(),
                reason="bad_payload",
                permanent=True,
            )
            failed += 1
            gave_up += 1
            continue

        try:
            message_id = _deliver(sender, message, claimed)
        except _LookupFailed as failure:
            if isinstance(failure.cause, RateLimited):
                retry_after = failure.cause.retry_after_seconds
                not_before = clock.now() + timedelta(seconds=retry_after)
                deferred += _put_back(db, unsent, not_before=not_before)
                logger.warning(
                    "Rate limited looking for outbox message %s; %d messages wait %s s",
                    outbox_id,
                    len(unsent),
                    retry_after,
                )
                break
            # The claim stays, so the message is looked for again once the claim expires.
            logger.warning(
                "Looking for outbox message %s failed: %s; trying again after its claim expires",
                outbox_id,
                failure.cause,
            )
            deferred += 1
            continue
        except RateLimited as error:
            retry_after = error.retry_after_seconds
            not_before = clock.now() + timedelta(seconds=retry_after)
            deferred += _put_back(db, unsent, not_before=not_before)
            logger.warning(
                "Rate limited sending outbox message %s; %d messages wait %s s",
                outbox_id,
                len(unsent),
                retry_after,
            )
            break
        except DeliveryFailed as error:
            given_up = _record_failure(
                db,
                outbox_id,
                attempts=attempts,
                now=clock.now(),
                reason=error.reason,
                permanent=error.reason in sender.permanent_reasons,
            )
            failed += 1
            gave_up += int(given_up)
            continue
        except Exception:
            # An unexpected error must not stop the other messages or the worker.
            logger.exception("Sending outbox message %s raised an unexpected error", outbox_id)
            given_up = _record_failure(
                db, outbox_id, attempts=attempts, now=clock.now(), reason="unexpected_error"
            )
            failed += 1
            gave_up += int(given_up)
            continue

        # The platform has the message now. A crash or database error before this
        # commit leaves the row unsent with its claim, and the drain that takes the
        # claim over looks for the message before sending it (see _deliver).
        with db.transaction() as session:
            first = store.mark_sent(session, outbox_id, now=clock.now(), message_id=message_id)
        if not first:
            logger.warning(
                "Outbox message %s (%s) was already marked sent: it went out twice",
                outbox_id,
                claimed.dedupe_key,
            )
        sent += 1
    return DrainResult(
        sent=sent,
        failed=failed,
        gave_up=gave_up,
        deferred=deferred,
        retry_after_seconds=retry_after,
    )


def _deliver(sender: OutboxSender, message: OutboundMessage, claimed: _Claimed) -> str:
    """Send a claimed message and return its platform message id.

    A message that may have reached the platform before is looked for first,
    when the sender can, and its earlier message id returned if it is found.
    """
    if not isinstance(sender, TracedOutboxSender):
        return sender.send(message)
    if claimed.maybe_sent:
        try:
            earlier = sender.find_sent(message, outbox_id=claimed.outbox_id)
        except Exception as error:
            raise _LookupFailed(error) from error
        if earlier is not None:
            logger.info(
                "Outbox message %s was delivered before its claim expired; not sending it again",
                claimed.outbox_id,
            )
            return earlier
    return sender.send_traced(message, outbox_id=claimed.outbox_id)


class _LookupFailed(Exception):
    """Looking for a message that may have reached the platform before failed."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _put_back(db: Database, unsent: list[_Claimed], *, not_before: datetime | None) -> int:
    """Release the claims of unsent messages; return how many messages were not sent.

    A message that may have reached the platform keeps its claim instead, so
    that it is looked for again, not sent, when the next drain takes it over.
    """
    _release(db, [item.outbox_id for item in unsent if not item.maybe_sent], not_before=not_before)
    return len(unsent)


def _release(db: Database, outbox_ids: list[int], *, not_before: datetime | None) -> int:
    with db.transaction() as session:
        store.release_claims(session, outbox_ids, not_before=not_before)
    return len(outbox_ids)


def retry_delay(attempts: int) -> timedelta:
    """Return the wait before the next attempt at a message that has failed `attempts` times."""
    return RETRY_DELAYS[min(max(attempts, 1), len(RETRY_DELAYS)) - 1]


def _record_failure(
    db: Database,
    outbox_id: int,
    *,
    attempts: int,
    now: datetime,
    reason: str,
    permanent: bool = False,
) -> bool:
    """Record a failed attempt and return whether the message was given up."""
    failures = attempts + 1
    give_up = permanent or failures >= MAX_ATTEMPTS
    retry_at = None if give_up else now + retry_delay(failures)
    with db.transaction() as session:
        store.mark_failed_attempt(session, outbox_id, now=now, error=reason, retry_at=retry_at)
    if give_up:
        logger.error("Gave up outbox message %s after %d attempts: %s", outbox_id, failures, reason)
    else:
        logger.warning(
            "Outbox message %s failed on attempt %d: %s; retrying at %s",
            outbox_id,
            failures,
            reason,
            retry_at.isoformat() if retry_at else None,
        )
    return give_up


def outbox_counts(
    db: Database, *, platform: str, now: datetime, lease: timedelta = DEFAULT_LEASE
) -> OutboxCounts:
    """Count a platform's outbox messages by state at the time now."""
    with db.transaction() as session:
        counts = store.count_messages(session, platform=platform, now=now, lease=lease)
    return OutboxCounts(
        pending=counts.pending,
        due=counts.due,
        claimed=counts.claimed,
        sent=counts.sent,
        failed=counts.failed,
    )


def next_due(
    db: Database, *, platform: str, now: datetime, lease: timedelta = DEFAULT_LEASE
) -> datetime | None:
    """Return when a platform's next pending message can be claimed, or None if none is pending."""
    with db.transaction() as session:
        return store.next_due(session, platform=platform, now=now, lease=lease)
