"""Tests of the outbox storage functions on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from storage import outbox as store
from storage.database import Database
from storage.models import OutboxMessage

NOW = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


def new_message(
    key: str, *, platform: str = "slack", recipient: str = "U0ALICE"
) -> store.NewMessage:
    return store.NewMessage(
        platform=platform, recipient=recipient, payload='{"text": "Hello"}', dedupe_key=key
    )


def add(db: Database, *keys: str, not_before: datetime = NOW, platform: str = "slack") -> None:
    with db.transaction() as session:
        for key in keys:
            store.add_message(
                session,
                new_message(key, platform=platform),
                created_at=NOW,
                not_before=not_before,
            )


def row(db: Database, key: str) -> OutboxMessage:
    with db.transaction() as session:
        message = store.get_message(session, dedupe_key=key)
        assert message is not None, f"no outbox message {key}"
        return message


def claim_keys(db: Database, *, now: datetime = NOW, limit: int = 100) -> list[str]:
    with db.transaction() as session:
        rows = store.claim_batch(session, platform="slack", now=now, limit=limit, lease=LEASE)
        return [message.dedupe_key for message in rows]


def test_add_message_once_per_key(db: Database) -> None:
    with db.transaction() as session:
        assert store.add_message(session, new_message("k1"), created_at=NOW, not_before=NOW)
        assert not store.add_message(
            session, new_message("k1", recipient="U0BOB"), created_at=NOW, not_before=NOW
        )

    stored = row(db, "k1")
    assert stored.recipient == "U0ALICE"
    assert stored.attempts == 0
    assert stored.claimed_at is None
    assert stored.sent_at is None


def test_add_messages_skips_existing_keys(db: Database) -> None:
    add(db, "k0001")
    messages = [new_message(f"k{index:04d}") for index in range(1200)]

    with db.transaction() as session:
        added = store.add_messages(session, messages, created_at=NOW, not_before=NOW)

    assert added == 1199
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1200


def test_claim_batch_due_in_order(db: Database) -> None:
    add(db, "late", not_before=NOW + timedelta(minutes=2))
    add(db, "first", "second")
    add(db, "future", not_before=NOW + timedelta(hours=1))
    add(db, "other-platform", platform="teams")

    claimed = claim_keys(db, now=NOW + timedelta(minutes=5))

    assert claimed == ["first", "second", "late"]
    assert row(db, "first").claimed_at == NOW + timedelta(minutes=5)
    assert row(db, "future").claimed_at is None


def test_claim_batch_limit(db: Database) -> None:
    add(db, "a", "b", "c")

    assert claim_keys(db, limit=2) == ["a", "b"]
    assert claim_keys(db, limit=2) == ["c"]
    assert claim_keys(db, limit=2) == []


def test_claim_batch_after_lease_expires(db: Database) -> None:
    add(db, "a")
    assert claim_keys(db) == ["a"]

    assert claim_keys(db, now=NOW + LEASE) == []
    assert claim_keys(db, now=NOW + LEASE + timedelta(seconds=1)) == ["a"]


def test_claim_batch_skips_sent_and_failed(db: Database) -> None:
    add(db, "sent", "failed", "pending")
    with db.transaction() as session:
        sent = store.get_message(session, dedupe_key="sent")
        failed = store.get_message(session, dedupe_key="failed")
        assert sent is not None and failed is not None
        assert store.mark_sent(session, sent.id, now=NOW, message_id="1.0001")
        assert store.mark_failed_attempt(session, failed.id, now=NOW, error="boom", retry_at=None)

    assert claim_keys(db, now=NOW + timedelta(days=1)) == ["pending"]


def test_claim_batch_concurrent_claimers(database_url: str) -> None:
    setup = Database(database_url)
    with setup.transaction() as session:
        store.add_messages(
            session,
            [new_message(f"k{index:03d}") for index in range(200)],
            created_at=NOW,
            not_before=NOW,
        )
    setup.dispose()
    claimed: list[list[str]] = [[] for _ in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def claimer(index: int) -> None:
        # Each claimer has its own engine and connections, as a separate process would.
        database = Database(database_url)
        try:
            start.wait()
            while True:
                keys = claim_keys(database, limit=7)
                if not keys:
                    return
                claimed[index].extend(keys)
        except BaseException as error:
            errors.append(error)
        finally:
            database.dispose()

    threads = [threading.Thread(target=claimer, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    every_claim = [key for keys in claimed for key in keys]
    assert len(every_claim) == 200
    assert set(every_claim) == {f"k{index:03d}" for index in range(200)}


def test_mark_sent_once(db: Database) -> None:
    add(db, "a")
    outbox_id = row(db, "a").id
    claim_keys(db)

    with db.transaction() as session:
        assert store.mark_sent(session, outbox_id, now=NOW, message_id="1.0001")
        assert not store.mark_sent(session, outbox_id, now=NOW, message_id="1.0002")

    stored = row(db, "a")
    assert stored.sent_at == NOW
    assert stored.message_id == "1.0001"
    assert stored.claimed_at is None


def test_mark_failed_attempt_retry(db: Database) -> None:
    add(db, "a")
    outbox_id = row(db, "a").id
    claim_keys(db)
    retry_at = NOW + timedelta(seconds=30)

    with db.transaction() as session:
        assert store.mark_failed_attempt(
            session, outbox_id, now=NOW, error="x" * 300, retry_at=retry_at
        )

    stored = row(db, "a")
    assert stored.attempts == 1
    assert stored.not_before == retry_at
    assert stored.claimed_at is None
    assert stored.failed_at is None
    assert stored.last_error == "x" * store.MAX_ERROR_LENGTH
    assert claim_keys(db, now=retry_at - timedelta(seconds=1)) == []
    assert claim_keys(db, now=retry_at) == ["a"]


def test_mark_failed_attempt_give_up(db: Database) -> None:
    add(db, "a")
    outbox_id = row(db, "a").id

    with db.transaction() as session:
        assert store.mark_failed_attempt(
            session, outbox_id, now=NOW, error="channel_not_found", retry_at=None
        )
        assert not store.mark_failed_attempt(
            session, outbox_id, now=NOW, error="again", retry_at=None
        )

    stored = row(db, "a")
    assert stored.failed_at == NOW
    assert stored.attempts == 1
    assert stored.last_error == "channel_not_found"


def test_mark_failed_attempt_after_sent(db: Database) -> None:
    add(db, "a")
    outbox_id = row(db, "a").id
    with db.transaction() as session:
        store.mark_sent(session, outbox_id, now=NOW, message_id="1.0001")

        assert not store.mark_failed_attempt(
            session, outbox_id, now=NOW, error="late", retry_at=None
        )

    assert row(db, "a").failed_at is None


def test_release_claims(db: Database) -> None:
    add(db, "a", "b", "sent")
    ids = [row(db, key).id for key in ("a", "b", "sent")]
    claim_keys(db)
    with db.transaction() as session:
        store.mark_sent(session, ids[2], now=NOW, message_id="1.0001")
    later = NOW + timedelta(seconds=10)

    with db.transaction() as session:
        assert store.release_claims(session, ids[:1]) == 1
        assert store.release_claims(session, ids[1:], not_before=later) == 1

    assert row(db, "a").claimed_at is None
    assert row(db, "a").not_before == NOW
    assert row(db, "b").claimed_at is None
    assert row(db, "b").not_before == later
    assert row(db, "b").attempts == 0
    assert row(db, "sent").not_before == NOW


def test_next_due(db: Database) -> None:
    with db.transaction() as session:
        assert store.next_due(session, platform="slack", now=NOW, lease=LEASE) is None
    add(db, "claimed")
    claim_keys(db)
    add(db, "waiting", not_before=NOW + timedelta(hours=1))

    with db.transaction() as session:
        assert store.next_due(session, platform="slack", now=NOW, lease=LEASE) == NOW + LEASE
    add(db, "soon", not_before=NOW + timedelta(minutes=1))
    with db.transaction() as session:
        assert store.next_due(session, platform="slack", now=NOW, lease=LEASE) == (
            NOW + timedelta(minutes=1)
        )
        assert store.next_due(session, platform="teams", now=NOW, lease=LEASE) is None


def test_count_messages(db: Database) -> None:
    add(db, "claimed", "due", "sent", "failed")
    add(db, "waiting", not_before=NOW + timedelta(hours=1))
    add(db, "elsewhere", platform="teams")
    claim_keys(db, limit=1)
    sent_id, failed_id = row(db, "sent").id, row(db, "failed").id
    with db.transaction() as session:
        store.mark_sent(session, sent_id, now=NOW, message_id="1.0001")
        store.mark_failed_attempt(session, failed_id, now=NOW, error="x", retry_at=None)

        counts = store.count_messages(session, platform="slack", now=NOW, lease=LEASE)

    assert counts == store.MessageCounts(pending=3, due=1, claimed=1, sent=1, failed=1)
