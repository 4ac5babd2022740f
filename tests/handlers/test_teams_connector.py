"""The Bot Connector client: pacing under Teams' per-conversation limits, and 429 retries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from microsoft_teams.api import ApiClient
from microsoft_teams.common.http import Client

from bot.core.errors import DeliveryFailed, RateLimited
from bot.simulate.teams_standin import Operation, TeamsStandIn
from handlers.teams.connector import ConversationPacer, TeamsConnector, text_activity
from handlers.teams.runner import LoopRunner

CONVERSATION = "19:pace000000000000000@thread.tacv2"


class FakeTime:
    """A monotonic clock that sleeping moves forward."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_pacer_per_conversation_limits() -> None:
    fake = FakeTime()
    pacer = ConversationPacer(monotonic=fake.monotonic, sleep=fake.sleep)
    sent_at = []
    for _ in range(10):
        pacer.wait_turn(CONVERSATION)
        sent_at.append(fake.now)
    # Seven go at once, the eighth waits for the first second to pass, and the ninth
    # waits until the first message leaves the two-second window.
    assert sent_at[:7] == [1000.0] * 7
    assert sent_at[7] == pytest.approx(1001.0)
    assert sent_at[8] == pytest.approx(1002.0)
    # Another conversation has windows of its own.
    before = fake.now
    pacer.wait_turn("19:other@thread.tacv2")
    assert fake.now == before


@pytest.fixture
def standin() -> Iterator[TeamsStandIn]:
    with TeamsStandIn(limits=False) as running:
        yield running


@pytest.fixture
def runner() -> Iterator[LoopRunner]:
    loop = LoopRunner()
    yield loop
    loop.stop()


def _connector(runner: LoopRunner, sleeps: list[float]) -> TeamsConnector:
    def client_for(url: str) -> ApiClient:
        return ApiClient(url, Client())

    return TeamsConnector(runner, client_for, bot_id="28:bot", sleep=sleeps.append)


def test_429_is_retried_after_retry_after(standin: TeamsStandIn, runner: LoopRunner) -> None:
    sleeps: list[float] = []
    connector = _connector(runner, sleeps)
    standin.fail_next(2, status=429)
    activity_id = connector.send(standin.service_url, CONVERSATION, text_activity("Hello"))
    assert activity_id
    assert len(standin.sent(CONVERSATION)) == 1
    # The stand-in's Retry-After is one second each time.
    assert sleeps == [1.0, 1.0]


def test_throttling_that_lasts_raises_rate_limited(
    standin: TeamsStandIn, runner: LoopRunner
) -> None:
    connector = _connector(runner, [])
    standin.fail_next(10, status=429)
    with pytest.raises(RateLimited) as raised:
        connector.send(standin.service_url, CONVERSATION, text_activity("Hello"))
    assert raised.value.retry_after_seconds == 1.0
    assert standin.sent(CONVERSATION) == []


def test_refusal_is_not_retried(standin: TeamsStandIn, runner: LoopRunner) -> None:
    connector = _connector(runner, [])
    with pytest.raises(DeliveryFailed) as raised:
        connector.update(standin.service_url, CONVERSATION, "404404", text_activity("Hello"))
    assert raised.value.reason == "ActivityNotFoundInConversation"
    assert len(standin.calls(Operation.UPDATE)) == 1
