"""The Slack Web API benchmark on a tiny case, so `make bench` is known to measure it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core import display
from bot.simulate.slack_standin import RecordedCall
from tests.benchmarks import slack_api


def test_slack_api_quick_run(monkeypatch: pytest.MonkeyPatch) -> None:
    # A shorter refresh window keeps the test short; the run measures the same way.
    monkeypatch.setattr(display, "MIN_REFRESH_INTERVAL", timedelta(seconds=3))
    messages: list[str] = []

    result = slack_api.run(quick=True, progress=messages.append)

    ideas, bursts, spread = result.cases
    assert ideas.items == slack_api.QUICK["ideas"]
    assert ideas.calls["chat.postMessage"] >= ideas.items
    assert bursts.calls["chat.update"] >= bursts.ideas
    assert spread.calls["chat.update"] >= spread.ideas
    assert all(case.settled for case in result.cases)
    assert messages

    section = slack_api.render(result)

    assert section.startswith("## ")
    assert "| votes spread over many ideas |" in section


def call(ts: str, at: float) -> RecordedCall:
    return RecordedCall(method="chat.update", params={"ts": ts}, at=at, status=200)


def test_max_per_key_minute_slides() -> None:
    calls = [call("1", 0.0), call("1", 30.0), call("2", 31.0), call("1", 59.0), call("1", 61.0)]

    most = slack_api.max_per_key_minute(calls, lambda recorded: recorded.params["ts"])

    # 0, 30 and 59 fall in one minute; by 61 the call at 0 has left the window.
    assert most == 3
