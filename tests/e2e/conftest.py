"""Fixtures of the end-to-end tests: a LocalBot per test on each database backend."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.core.clock import ManualClock
from bot.core.records import CampaignRecord
from bot.simulate.local_bot import BOT_TOKEN, LocalBot
from bot.simulate.slack_standin import SlackStandIn
from tests.e2e.support import SlackSender, open_campaign_now

# Profiles users.info returns; other user ids get the stand-in's generated profile.
STAFF = {
    "U0ALICE": {"display_name": "Alice Smith"},
    "U0BOB": {"display_name": "Bob Jones"},
    "U0TOM": {"display_name": "Tom & <Jerry>"},
}


@pytest.fixture
def manual_clock() -> ManualClock:
    """A clock that starts at the real current time, so signed request timestamps stay valid."""
    return ManualClock(datetime.now(UTC))


@pytest.fixture
def bot(
    database_url: str, manual_clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LocalBot]:
    """The real bot serving HTTP on 127.0.0.1 against a Slack stand-in and an empty database."""
    standin = SlackStandIn(bot_token=BOT_TOKEN, users=STAFF)
    with LocalBot(database_url=database_url, clock=manual_clock, standin=standin) as local_bot:
        yield local_bot


@pytest.fixture
def slack(bot: LocalBot) -> Iterator[SlackSender]:
    """A sender of signed Slack-shaped requests to the bot."""
    sender = SlackSender(bot)
    try:
        yield sender
    finally:
        sender.close()


@pytest.fixture
def campaign(bot: LocalBot) -> CampaignRecord:
    """A campaign in C0IDEAS that the scheduler opened, with its launch message posted."""
    return open_campaign_now(bot)
