"""A crash between Slack's acceptance of an outbox message and its record: sent once all the same.

The crash is a BaseException raised straight after Slack accepted the message,
which the outbox does not catch, so the drain stops where a killed process
would: the message is at Slack, its row is unsent and still claimed.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from slack_sdk import WebClient

from bot.core import outbox
from bot.core.clock import ManualClock
from bot.core.outbox import OutboundMessage
from bot.simulate.slack_standin import SlackStandIn, direct_message_channel
from handlers.outbox_sender import OUTBOX_EVENT_TYPE, SlackOutboxSender
from storage import outbox as store
from storage.database import Database

TOKEN = "xoxb-outbox-crash"


class Crash(BaseException):
    """An exception that is the process dying: nothing after it runs."""


class CrashingSender(SlackOutboxSender):
    """The real Slack sender, dying after Slack accepts the message with a chosen text."""

    def __init__(self, client: WebClient, *, crash_after: str) -> None:
        super().__init__(client, messages_per_second=100)
        self._crash_after = crash_after

    def send_traced(self, message: OutboundMessage, *, outbox_id: int) -> str:
        message_id = super().send_traced(message, outbox_id=outbox_id)
        if message.text == self._crash_after:
            raise Crash
        return message_id


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=TOKEN) as server:
        yield server


def client(standin: SlackStandIn) -> WebClient:
    return WebClient(token=TOKEN, base_url=standin.api_url, retry_handlers=[])


def dm(recipient: str) -> OutboundMessage:
    return OutboundMessage(
        platform="slack",
        recipient=recipient,
        text=f"Reminder for {recipient}",
        dedupe_key=recipient,
    )


def test_crash_after_acceptance_sends_once(
    db: Database, clock: ManualClock, standin: SlackStandIn
) -> None:
    recipients = ["U0ANN", "U0BEN", "U0CAT"]
    outbox.enqueue_many(db, [dm(user) for user in recipients], now=clock.now())

    with pytest.raises(Crash):
        outbox.drain(
            db,
            CrashingSender(client(standin), crash_after="Reminder for U0BEN"),
            platform="slack",
            clock=clock,
        )
    with db.transaction() as session:
        ben = store.get_message(session, dedupe_key="U0BEN")
        assert ben is not None
        assert ben.sent_at is None
        assert ben.claimed_at is not None

    # Before the claim expires nothing is claimable; after it, a new process takes over.
    restarted = SlackOutboxSender(client(standin), messages_per_second=100)
    assert outbox.drain(db, restarted, platform="slack", clock=clock).claimed == 0
    clock.advance(outbox.DEFAULT_LEASE + timedelta(seconds=1))
    result = outbox.drain(db, restarted, platform="slack", clock=clock)

    assert result.sent == 2
    posted = Counter(
        call.params["channel"]
        for call in standin.calls("chat.postMessage")
        if call.status == 200 and call.error is None
    )
    assert posted == Counter(recipients)
    # Both messages of the expired claim were looked for; only Ben's was found.
    assert standin.count("conversations.history") == 2
    ben_messages = standin.messages("U0BEN")
    assert len(ben_messages) == 1
    assert ben_messages[0]["metadata"]["event_type"] == OUTBOX_EVENT_TYPE
    with db.transaction() as session:
        for user in recipients:
            row = store.get_message(session, dedupe_key=user)
            assert row is not None and row.sent_at is not None, user
        ben = store.get_message(session, dedupe_key="U0BEN")
        assert ben is not None and ben.message_id == ben_messages[0]["ts"]
    assert outbox.outbox_counts(db, platform="slack", now=clock.now()).pending == 0


def test_crash_before_send_sends_message(
    db: Database, clock: ManualClock, standin: SlackStandIn
) -> None:
    outbox.enqueue(db, dm("U0DAN"), now=clock.now())
    with db.transaction() as session:
        batch = store.claim_due(
            session, platform="slack", now=clock.now(), limit=5, lease=outbox.DEFAULT_LEASE
        )
    assert batch.reclaimed_ids == frozenset()
    # The process that claimed the message died before sending it.
    clock.advance(outbox.DEFAULT_LEASE + timedelta(seconds=1))

    sender = SlackOutboxSender(client(standin), messages_per_second=100)
    result = outbox.drain(db, sender, platform="slack", clock=clock)

    assert result.sent == 1
    assert [call.params["channel"] for call in standin.calls("conversations.history")] == [
        direct_message_channel("U0DAN")
    ]
    assert len(standin.messages("U0DAN")) == 1


def test_lookup_rate_limited_keeps_claim(db: Database, clock: ManualClock) -> None:
    limits = {"conversations.history": 1}
    with SlackStandIn(bot_token=TOKEN, rate_limits=limits, rate_limit_window_seconds=0.5) as server:
        outbox.enqueue(db, dm("U0EVE"), now=clock.now())
        with db.transaction() as session:
            store.claim_due(
                session, platform="slack", now=clock.now(), limit=5, lease=outbox.DEFAULT_LEASE
            )
        clock.advance(outbox.DEFAULT_LEASE + timedelta(seconds=1))
        sender = SlackOutboxSender(client(server), messages_per_second=100)
        # Another caller takes the one conversations.history call the window allows.
        client(server).conversations_history(channel=direct_message_channel("U0EVE"))

        refused = outbox.drain(db, sender, platform="slack", clock=clock)

        assert refused.sent == 0
        assert refused.retry_after_seconds is not None
        assert server.count("chat.postMessage") == 0
        with db.transaction() as session:
            eve = store.get_message(session, dedupe_key="U0EVE")
            assert eve is not None
            # Still claimed, so the next drain looks for it again instead of sending it blind.
            assert eve.claimed_at is not None
        time.sleep(0.6)
        clock.advance(outbox.DEFAULT_LEASE + timedelta(seconds=1))

        retried = outbox.drain(db, sender, platform="slack", clock=clock)

        assert retried.sent == 1
        assert server.count("conversations.history") == 3
        assert len(server.messages("U0EVE")) == 1
