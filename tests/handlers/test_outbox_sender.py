"""Tests of the Slack outbox sender and its pacing, against the Slack stand-in."""

from __future__ import annotations

import socket
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.app import build_client, build_outbox_client
from bot.config import load_settings
from bot.core import outbox
from bot.core.clock import SystemClock
from bot.core.errors import DeliveryFailed, RateLimited
from bot.core.outbox import OutboundMessage
from bot.simulate.slack_standin import RecordedCall, SlackStandIn
from handlers.outbox_sender import (
    DEFAULT_RETRY_AFTER_SECONDS,
    SlackOutboxSender,
    retry_after_seconds,
)
from handlers.pacing import Pacer
from scheduler.outbox import OutboxWorker
from storage.database import Database

TOKEN = "xoxb-outbox-test"


class FakeTime:
    """A monotonic clock that sleeping moves forward, for pacing tests without waiting."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def outbox_client(standin: SlackStandIn) -> WebClient:
    return WebClient(token=TOKEN, base_url=standin.api_url, retry_handlers=[])


def dm(key: str, *, recipient: str = "U0ALICE", **fields: object) -> OutboundMessage:
    return OutboundMessage(
        platform="slack", recipient=recipient, text=f"Message {key}", dedupe_key=key, **fields
    )


def accepted(standin: SlackStandIn) -> list[RecordedCall]:
    return [call for call in standin.calls("chat.postMessage") if call.status == 200]


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=TOKEN) as server:
        yield server


# Pacing


def test_pacer_spaces_calls() -> None:
    fake = FakeTime()
    pacer = Pacer(per_second=4, monotonic=fake.monotonic, sleep=fake.sleep)

    waits = [pacer.wait() for _ in range(4)]

    assert waits == [0.0, 0.25, 0.25, 0.25]


def test_pacer_allows_burst() -> None:
    fake = FakeTime()
    pacer = Pacer(per_second=2, burst=3, monotonic=fake.monotonic, sleep=fake.sleep)

    waits = [pacer.wait() for _ in range(5)]

    assert waits == [0.0, 0.0, 0.0, 0.5, 0.5]


def test_pacer_recovers_after_idle() -> None:
    fake = FakeTime()
    pacer = Pacer(per_second=1, monotonic=fake.monotonic, sleep=fake.sleep)
    pacer.wait()
    fake.now += 10

    assert pacer.wait() == 0.0


def test_pacer_hold_off() -> None:
    fake = FakeTime()
    pacer = Pacer(per_second=10, monotonic=fake.monotonic, sleep=fake.sleep)
    pacer.wait()

    pacer.hold_off(3)

    assert pacer.wait() == pytest.approx(3.0)
    assert pacer.wait() == pytest.approx(0.1)


def test_pacer_rejects_bad_rate() -> None:
    with pytest.raises(ValueError, match="per_second"):
        Pacer(per_second=0)
    with pytest.raises(ValueError, match="burst"):
        Pacer(per_second=1, burst=0)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"retry-after": ["2"]}, 2.0),
        ({"RETRY-AFTER": "0"}, 0.0),
        ({"Retry-After": "soon"}, DEFAULT_RETRY_AFTER_SECONDS),
        ({"Retry-After": "-1"}, DEFAULT_RETRY_AFTER_SECONDS),
        ({}, DEFAULT_RETRY_AFTER_SECONDS),
        (None, DEFAULT_RETRY_AFTER_SECONDS),
    ],
)
def test_retry_after_seconds(headers: dict[str, object] | None, expected: float) -> None:
    assert retry_after_seconds(headers) == expected


# The client


def test_sender_rejects_retrying_client(standin: SlackStandIn) -> None:
    client = WebClient(token=TOKEN, base_url=standin.api_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler())

    with pytest.raises(ValueError, match="retry_handlers"):
        SlackOutboxSender(client)


def test_outbox_client_retries_nothing(standin: SlackStandIn) -> None:
    settings = load_settings(
        slack_bot_token=TOKEN,
        slack_signing_secret="secret",
        slack_api_url=standin.api_url,
        _env_file=None,
    )

    assert build_outbox_client(settings).retry_handlers == []
    # The shared client keeps its automatic 429 retry, which the outbox must not use.
    assert any(
        isinstance(handler, RateLimitErrorRetryHandler)
        for handler in build_client(settings).retry_handlers
    )
    SlackOutboxSender(build_outbox_client(settings))


# Sending


def test_send_posts_direct_message(standin: SlackStandIn) -> None:
    sender = SlackOutboxSender(outbox_client(standin))
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Winter ideas* is open"}}]

    ts = sender.send(dm("opening:1:U0ALICE", blocks=blocks))

    messages = standin.messages("U0ALICE")
    assert [message["ts"] for message in messages] == [ts]
    assert messages[0]["text"] == "Message opening:1:U0ALICE"
    assert messages[0]["blocks"] == blocks
    params = standin.calls("chat.postMessage")[0].params
    assert params["channel"] == "U0ALICE"
    assert params["unfurl_links"] is False


def test_send_slack_error(standin: SlackStandIn) -> None:
    sender = SlackOutboxSender(outbox_client(standin))
    standin.fail("chat.postMessage", "channel_not_found")

    with pytest.raises(DeliveryFailed) as raised:
        sender.send(dm("a"))

    assert raised.value.reason == "channel_not_found"
    assert "channel_not_found" in sender.permanent_reasons


def test_send_temporary_error(standin: SlackStandIn) -> None:
    sender = SlackOutboxSender(outbox_client(standin))
    standin.fail("chat.postMessage", "internal_error")

    with pytest.raises(DeliveryFailed) as raised:
        sender.send(dm("a"))

    assert raised.value.reason == "internal_error"
    assert "internal_error" not in sender.permanent_reasons


def test_send_unreachable() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    client = WebClient(token=TOKEN, base_url=f"http://127.0.0.1:{port}/api/", retry_handlers=[])
    sender = SlackOutboxSender(client)

    with pytest.raises(DeliveryFailed) as raised:
        sender.send(dm("a"))

    assert raised.value.reason == "connection_error"


def test_send_wrong_platform(standin: SlackStandIn) -> None:
    sender = SlackOutboxSender(outbox_client(standin))
    message = OutboundMessage(platform="teams", recipient="29:1", text="Hi", dedupe_key="t")

    with pytest.raises(DeliveryFailed) as raised:
        sender.send(message)

    assert raised.value.reason in sender.permanent_reasons
    assert standin.count("chat.postMessage") == 0


def test_send_429_raises_rate_limited() -> None:
    with SlackStandIn(
        bot_token=TOKEN, rate_limits={"chat.postMessage": 2}, rate_limit_window_seconds=1.0
    ) as standin:
        sender = SlackOutboxSender(outbox_client(standin), messages_per_second=100)
        sender.send(dm("a", recipient="U1"))
        sender.send(dm("b", recipient="U2"))

        with pytest.raises(RateLimited) as raised:
            sender.send(dm("c", recipient="U3"))
        limited_at = time.monotonic()
        sender.send(dm("c", recipient="U3"))
        resent_at = time.monotonic()

    assert raised.value.retry_after_seconds == 1.0
    # The sender held its next call back for the Retry-After seconds.
    assert resent_at - limited_at >= 0.95
    assert [call.status for call in standin.calls("chat.postMessage")] == [200, 200, 429, 200]


def test_send_paces_under_limit() -> None:
    # Four a second against a limit of five a second: no call may be refused.
    with SlackStandIn(
        bot_token=TOKEN, rate_limits={"chat.postMessage": 5}, rate_limit_window_seconds=1.0
    ) as standin:
        sender = SlackOutboxSender(outbox_client(standin), messages_per_second=4)
        started = time.monotonic()
        for index in range(10):
            sender.send(dm(f"k{index}", recipient=f"U{index}"))
        elapsed = time.monotonic() - started

    assert standin.rejected_for_rate() == 0
    assert elapsed >= 9 / 4 - 0.05
    arrivals = [call.at for call in standin.calls("chat.postMessage")]
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:], strict=False)]
    assert min(gaps) >= 0.2


def test_send_one_per_second_per_channel(standin: SlackStandIn) -> None:
    sender = SlackOutboxSender(outbox_client(standin), messages_per_second=100)

    sender.send(dm("a", recipient="C0IDEAS"))
    sender.send(dm("b", recipient="U0BOB"))
    sender.send(dm("c", recipient="C0IDEAS"))

    calls = standin.calls("chat.postMessage")
    assert calls[1].at - calls[0].at < 0.5
    assert calls[2].at - calls[0].at >= 0.95


def test_default_rate_one_per_second(standin: SlackStandIn) -> None:
    fake = FakeTime()
    sender = SlackOutboxSender(outbox_client(standin), monotonic=fake.monotonic, sleep=fake.sleep)

    for index in range(3):
        sender.send(dm(f"k{index}", recipient=f"U{index}"))

    assert fake.sleeps == [1.0, 1.0]


# Draining through the stand-in


def test_drain_waits_out_429(database_url: str) -> None:
    db = Database(database_url)
    keys = [f"reminder:1:U{index:03d}" for index in range(30)]
    outbox.enqueue_many(
        db,
        [dm(key, recipient=f"U{index:03d}") for index, key in enumerate(keys)],
        now=datetime.now(UTC),
    )
    with SlackStandIn(
        bot_token=TOKEN, rate_limits={"chat.postMessage": 10}, rate_limit_window_seconds=1.0
    ) as standin:
        sender = SlackOutboxSender(outbox_client(standin), messages_per_second=50)
        worker = OutboxWorker(
            db=db, sender=sender, clock=SystemClock(), platform="slack", idle_seconds=0.1
        )
        worker.start()
        try:
            deadline = time.monotonic() + 30
            while outbox.outbox_counts(db, platform="slack", now=datetime.now(UTC)).pending:
                assert time.monotonic() < deadline, "the outbox did not drain in 30 s"
                time.sleep(0.05)
        finally:
            worker.stop()
            db.dispose()
        calls = standin.calls("chat.postMessage")

    delivered = Counter(call.params["text"].removeprefix("Message ") for call in accepted(standin))
    assert set(delivered) == set(keys)
    assert max(delivered.values()) == 1
    assert standin.rejected_for_rate() >= 1
    for index, call in enumerate(calls[:-1]):
        if call.status == 429:
            # The stand-in's Retry-After is at least one second.
            assert calls[index + 1].at - call.at >= 0.95
