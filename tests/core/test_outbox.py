"""Tests of the outbox: enqueueing, draining, retries, rate limits and crashes mid-batch."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from bot.core import outbox
from bot.core.clock import ManualClock
from bot.core.errors import DeliveryFailed, RateLimited
from bot.core.outbox import OutboundMessage
from storage import outbox as store
from storage.database import Database
from storage.models import OutboxMessage

PERMANENT = frozenset({"channel_not_found"})


class FakeSender:
    """An OutboxSender that records sends and can fail chosen messages."""

    def __init__(self) -> None:
        self.sent: list[OutboundMessage] = []
        # Called with each message before it counts as sent; may raise.
        self.before_send: Callable[[OutboundMessage], None] | None = None

    @property
    def permanent_reasons(self) -> frozenset[str]:
        return PERMANENT

    def send(self, message: OutboundMessage) -> str:
        if self.before_send is not None:
            self.before_send(message)
        self.sent.append(message)
        return f"ts-{len(self.sent)}"

    def keys(self) -> list[str]:
        return [message.dedupe_key for message in self.sent]


def dm(key: str, *, recipient: str = "U0ALICE", **fields: object) -> OutboundMessage:
    return OutboundMessage(
        platform="slack", recipient=recipient, text=f"Hello {key}", dedupe_key=key, **fields
    )


def row(db: Database, key: str) -> OutboxMessage:
    with db.transaction() as session:
        message = store.get_message(session, dedupe_key=key)
        assert message is not None, f"no outbox message {key}"
        return message


def row_count(db: Database) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


def drain(
    db: Database, sender: FakeSender, clock: ManualClock, **options: object
) -> outbox.DrainResult:
    return outbox.drain(db, sender, platform="slack", clock=clock, **options)  # type: ignore[arg-type]


# Enqueueing


def test_enqueue_once_per_key(db: Database, clock: ManualClock) -> None:
    assert outbox.enqueue(db, dm("opening:1:U0ALICE"), now=clock.now())
    assert not outbox.enqueue(db, dm("opening:1:U0ALICE", recipient="U0BOB"), now=clock.now())

    stored = row(db, "opening:1:U0ALICE")
    assert stored.recipient == "U0ALICE"
    assert stored.not_before == clock.now()
    assert row_count(db) == 1


def test_enqueue_stores_blocks(db: Database, clock: ManualClock) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Hi* — ü"}}]
    outbox.enqueue(db, dm("a", blocks=blocks), now=clock.now())
    sender = FakeSender()

    drain(db, sender, clock)

    assert sender.sent == [dm("a", blocks=blocks)]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (OutboundMessage(platform="", recipient="U1", text="Hi", dedupe_key="k"), "platform"),
        (OutboundMessage(platform="slack", recipient="", text="Hi", dedupe_key="k"), "recipient"),
        (OutboundMessage(platform="slack", recipient="U1", text=" ", dedupe_key="k"), "empty text"),
        (OutboundMessage(platform="slack", recipient="U1", text="Hi", dedupe_key=""), "dedupe_key"),
        (
            OutboundMessage(platform="slack", recipient="U1", text="Hi", dedupe_key="k" * 256),
            "dedupe_key",
        ),
        (
            OutboundMessage(
                platform="slack", recipient="U1", text="Hi", dedupe_key="k", blocks=[], card={}
            ),
            "both blocks and a card",
        ),
        (
            OutboundMessage(
                platform="slack", recipient="U1", text="Hi", dedupe_key="k", blocks=[{1, 2}]
            ),
            "not JSON",
        ),
    ],
)
def test_enqueue_rejects_invalid_message(
    db: Database, clock: ManualClock, message: OutboundMessage, expected: str
) -> None:
    with pytest.raises(ValueError, match=expected):
        outbox.enqueue(db, message, now=clock.now())

    assert row_count(db) == 0


def test_enqueue_many_5000(db: Database, clock: ManualClock) -> None:
    messages = [dm(f"reminder:1:U{index:05d}", recipient=f"U{index:05d}") for index in range(5000)]

    assert outbox.enqueue_many(db, messages, now=clock.now()) == 5000
    assert outbox.enqueue_many(db, messages, now=clock.now()) == 0

    assert row_count(db) == 5000


def test_enqueue_many_repeated_key(db: Database, clock: ManualClock) -> None:
    messages = [dm("a", recipient="U0FIRST"), dm("b"), dm("a", recipient="U0SECOND")]

    assert outbox.enqueue_many(db, messages, now=clock.now()) == 2

    assert row(db, "a").recipient == "U0FIRST"


def test_enqueue_many_invalid_stores_none(db: Database, clock: ManualClock) -> None:
    messages = [
        dm("a"),
        dm("b"),
        OutboundMessage(platform="slack", recipient="U1", text="", dedupe_key="c"),
    ]

    with pytest.raises(ValueError, match="empty text"):
        outbox.enqueue_many(db, messages, now=clock.now())

    assert row_count(db) == 0


def test_enqueue_notifies_listeners(db: Database, clock: ManualClock) -> None:
    platforms: list[str] = []
    outbox.add_enqueue_listener(platforms.append)
    try:
        outbox.enqueue(db, dm("a"), now=clock.now())
        outbox.enqueue(db, dm("a"), now=clock.now())
        outbox.enqueue_many(db, [dm("b"), dm("c")], now=clock.now())
    finally:
        outbox.remove_enqueue_listener(platforms.append)
    outbox.enqueue(db, dm("d"), now=clock.now())

    assert platforms == ["slack", "slack"]


def test_enqueue_in_commits_with_caller(db: Database, clock: ManualClock) -> None:
    platforms: list[str] = []
    outbox.add_enqueue_listener(platforms.append)
    try:
        with pytest.raises(RuntimeError), db.transaction() as session:
            assert outbox.enqueue_in(session, [dm("rolled-back")], now=clock.now()) == 1
            raise RuntimeError("the caller's state change failed")
        assert platforms == []
        assert row_count(db) == 0

        with db.transaction() as session:
            assert outbox.enqueue_in(session, [dm("committed")], now=clock.now()) == 1
            assert platforms == []
    finally:
        outbox.remove_enqueue_listener(platforms.append)

    assert platforms == ["slack"]
    assert row(db, "committed").sent_at is None


# Draining


def test_drain_sends_each_once(db: Database, clock: ManualClock) -> None:
    outbox.enqueue_many(db, [dm("a"), dm("b"), dm("c")], now=clock.now())
    sender = FakeSender()

    result = drain(db, sender, clock)
    again = drain(db, sender, clock)

    assert result == outbox.DrainResult(sent=3)
    assert again == outbox.DrainResult()
    assert sender.keys() == ["a", "b", "c"]
    stored = row(db, "b")
    assert stored.sent_at == clock.now()
    assert stored.message_id == "ts-2"
    assert stored.claimed_at is None


def test_drain_batch_limit(db: Database, clock: ManualClock) -> None:
    outbox.enqueue_many(db, [dm(f"k{index}") for index in range(5)], now=clock.now())
    sender = FakeSender()

    assert drain(db, sender, clock, limit=2).sent == 2
    assert drain(db, sender, clock, limit=2).sent == 2
    assert drain(db, sender, clock, limit=2).sent == 1
    assert sender.keys() == ["k0", "k1", "k2", "k3", "k4"]


def test_drain_waits_for_not_before(db: Database, clock: ManualClock) -> None:
    outbox.enqueue(db, dm("digest"), now=clock.now(), not_before=clock.now() + timedelta(hours=1))
    sender = FakeSender()

    assert drain(db, sender, clock).claimed == 0
    clock.advance(timedelta(hours=1))
    assert drain(db, sender, clock).sent == 1


def test_drain_other_platform_untouched(db: Database, clock: ManualClock) -> None:
    outbox.enqueue(
        db,
        OutboundMessage(platform="teams", recipient="29:1", text="Hi", dedupe_key="t"),
        now=clock.now(),
    )
    sender = FakeSender()

    assert drain(db, sender, clock).claimed == 0
    assert row(db, "t").claimed_at is None


def test_drain_retries_failure(db: Database, clock: ManualClock) -> None:
    outbox.enqueue_many(db, [dm("a"), dm("b")], now=clock.now())
    sender = FakeSender()

    def fail_a(message: OutboundMessage) -> None:
        if message.dedupe_key == "a":
            raise DeliveryFailed("Slack could not be reached.", reason="connection_error")

    sender.before_send = fail_a
    result = drain(db, sender, clock)

    assert result == outbox.DrainResult(sent=1, failed=1)
    stored = row(db, "a")
    assert stored.attempts == 1
    assert stored.last_error == "connection_error"
    assert stored.not_before == clock.now() + outbox.RETRY_DELAYS[0]
    assert stored.claimed_at is None

    sender.before_send = None
    clock.advance(outbox.RETRY_DELAYS[0] - timedelta(seconds=1))
    assert drain(db, sender, clock).claimed == 0
    clock.advance(timedelta(seconds=1))
    assert drain(db, sender, clock).sent == 1
    assert sender.keys() == ["b", "a"]


def test_drain_gives_up_after_max_attempts(db: Database, clock: ManualClock) -> None:
    outbox.enqueue(db, dm("a"), now=clock.now())
    sender = FakeSender()

    def always_fail(message: OutboundMessage) -> None:
        raise DeliveryFailed("Slack answered internal_error.", reason="internal_error")

    sender.before_send = always_fail
    results = []
    for _ in range(outbox.MAX_ATTEMPTS):
        results.append(drain(db, sender, clock))
        clock.advance(timedelta(hours=2))

    assert [result.failed for result in results] == [1] * outbox.MAX_ATTEMPTS
    assert [result.gave_up for result in results] == [0] * (outbox.MAX_ATTEMPTS - 1) + [1]
    stored = row(db, "a")
    assert stored.attempts == outbox.MAX_ATTEMPTS
    assert stored.failed_at is not None
    sender.before_send = None
    assert drain(db, sender, clock).claimed == 0
    assert sender.sent == []


def test_drain_gives_up_permanent_failure(db: Database, clock: ManualClock) -> None:
    outbox.enqueue(db, dm("a"), now=clock.now())
    sender = FakeSender()

    def not_found(message: OutboundMessage) -> None:
        raise DeliveryFailed("The channel does not exist.", reason="channel_not_found")

    sender.before_send = not_found

    assert drain(db, sender, clock) == outbox.DrainResult(failed=1, gave_up=1)
    stored = row(db, "a")
    assert stored.attempts == 1
    assert stored.failed_at == clock.now()
    assert stored.last_error == "channel_not_found"


def test_drain_unexpected_error_continues(db: Database, clock: ManualClock) -> None:
    outbox.enqueue_many(db, [dm("a"), dm("b")], now=clock.now())
    sender = FakeSender()

    def bug(message: OutboundMessage) -> None:
        if message.dedupe_key == "a":
            raise KeyError("ts")

    sender.before_send = bug

    assert drain(db, sender, clock) == outbox.DrainResult(sent=1, failed=1)
    assert row(db, "a").last_error == "unexpected_error"
    assert row(db, "a").failed_at is None


def test_drain_gives_up_unreadable_payload(db: Database, clock: ManualClock) -> None:
    outbox.enqueue_many(db, [dm("a"), dm("b")], now=clock.now())
    with db.transaction() as session:
        session.execute(
            update(OutboxMessage).where(OutboxMessage.dedupe_key == "a").values(payload="[1]")
        )
    sender = FakeSender()

    assert drain(db, sender, clock) == outbox.DrainResult(sent=1, failed=1, gave_up=1)
    assert row(db, "a").last_error == "bad_payload"
    assert sender.keys() == ["b"]


def test_drain_rate_limited_defers_rest(db: Database, clock: ManualClock) -> None:
    outbox.enqueue_many(db, [dm("a"), dm("b"), dm("c"), dm("d")], now=clock.now())
    sender = FakeSender()

    def limit_b(message: OutboundMessage) -> None:
        if message.dedupe_key == "b":
            raise RateLimited(30)

    sender.before_send = limit_b
    result = drain(db, sender, clock)

    assert result == outbox.DrainResult(sent=1, deferred=3, retry_after_seconds=30)
    for key in ("b", "c", "d"):
        stored = row(db, key)
        assert stored.not_before == clock.now() + timedelta(seconds=30)
        assert stored.claimed_at is None
        assert stored.attempts == 0

    sender.before_send = None
    clock.advance(timedelta(seconds=29))
    assert drain(db, sender, clock).claimed == 0
    clock.advance(timedelta(seconds=1))
    assert drain(db, sender, clock).sent == 3
    assert sender.keys() == ["a", "b", "c", "d"]


def test_drain_should_stop_puts_back(db: Database, clock: ManualClock) -> None:
    outbox.enqueue_many(db, [dm(f"k{index}") for index in range(5)], now=clock.now())
    sender = FakeSender()

    result = drain(db, sender, clock, should_stop=lambda: len(sender.sent) >= 2)

    assert result == outbox.DrainResult(sent=2, deferred=3)
    assert row(db, "k2").claimed_at is None
    assert drain(db, sender, clock).sent == 3


def test_drain_stops_at_half_lease(db: Database, clock: ManualClock) -> None:
    outbox.enqueue_many(db, [dm(f"k{index}") for index in range(4)], now=clock.now())
    sender = FakeSender()
    lease = timedelta(minutes=4)

    def slow(message: OutboundMessage) -> None:
        clock.advance(timedelta(minutes=1))

    sender.before_send = slow
    result = drain(db, sender, clock, lease=lease)

    assert result == outbox.DrainResult(sent=2, deferred=2)
    assert row(db, "k2").claimed_at is None
    assert row(db, "k2").not_before < clock.now()


class Killed(BaseException):
    """Stands in for SIGKILL: nothing in the outbox catches it."""


def test_crash_mid_batch_resumes(db: Database, clock: ManualClock) -> None:
    keys = [f"k{index}" for index in range(10)]
    outbox.enqueue_many(db, [dm(key) for key in keys], now=clock.now())
    crashing = FakeSender()

    def crash_on_k4(message: OutboundMessage) -> None:
        if message.dedupe_key == "k4":
            raise Killed

    crashing.before_send = crash_on_k4
    with pytest.raises(Killed):
        drain(db, crashing, clock)
    restarted = FakeSender()

    assert drain(db, restarted, clock).claimed == 0
    clock.advance(outbox.DEFAULT_LEASE + timedelta(seconds=1))
    assert drain(db, restarted, clock).sent == 6

    assert crashing.keys() == keys[:4]
    assert restarted.keys() == keys[4:]


def test_crash_after_send_repeats_one(db: Database, clock: ManualClock) -> None:
    keys = [f"k{index}" for index in range(10)]
    outbox.enqueue_many(db, [dm(key) for key in keys], now=clock.now())
    crashing = FakeSender()
    delivered: list[str] = []

    def deliver_then_crash_on_k4(message: OutboundMessage) -> None:
        delivered.append(message.dedupe_key)
        if message.dedupe_key == "k4":
            # The platform accepted k4, and the process dies before mark_sent.
            raise Killed

    crashing.before_send = deliver_then_crash_on_k4
    with pytest.raises(Killed):
        drain(db, crashing, clock)
    restarted = FakeSender()
    restarted.before_send = lambda message: delivered.append(message.dedupe_key)
    clock.advance(outbox.DEFAULT_LEASE + timedelta(seconds=1))
    drain(db, restarted, clock)

    repeated = sorted({key for key in delivered if delivered.count(key) > 1})
    assert repeated == ["k4"]
    assert sorted(set(delivered)) == keys


def test_outbox_counts(db: Database, clock: ManualClock) -> None:
    outbox.enqueue_many(db, [dm("a"), dm("b"), dm("c")], now=clock.now())
    outbox.enqueue(db, dm("later"), now=clock.now(), not_before=clock.now() + timedelta(hours=1))
    sender = FakeSender()

    def fail_b(message: OutboundMessage) -> None:
        if message.dedupe_key == "b":
            raise DeliveryFailed("The channel does not exist.", reason="channel_not_found")

    sender.before_send = fail_b
    drain(db, sender, clock, limit=2)

    counts = outbox.outbox_counts(db, platform="slack", now=clock.now())
    assert counts == outbox.OutboxCounts(pending=2, due=1, claimed=0, sent=1, failed=1)
    assert outbox.next_due(db, platform="slack", now=clock.now()) == clock.now()


def test_retry_delay_grows_then_caps() -> None:
    delays = [outbox.retry_delay(attempts) for attempts in range(1, 12)]

    assert delays[0] == timedelta(seconds=30)
    assert delays == sorted(delays)
    assert delays[-1] == outbox.RETRY_DELAYS[-1]
