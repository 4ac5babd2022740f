"""Fixtures of the Teams end-to-end tests: the bot serving Teams only, on each database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.core.clock import ManualClock
from bot.simulate.local_bot import LocalBot
from bot.simulate.teams_activities import TeamsChannel, TeamsUser
from bot.simulate.teams_standin import TeamsStandIn
from tests.teams.support import TeamsSender

CHANNEL = TeamsChannel(
    channel_id="19:ideas0000000000000000@thread.tacv2",
    name="Staff ideas",
    team_id="19:team00000000000000000@thread.tacv2",
)
# How a message in a channel names the bot, which the bot needs before it reads a command there.
BOT_MENTION = "<at>staffvoice</at>"
MANAGER = TeamsUser.numbered(1, "Mina Manager")
ALICE = TeamsUser.numbered(2, "Alice Smith")
BOB = TeamsUser.numbered(3, "Bob Jones")


@pytest.fixture
def teams_bot(database_url: str, clock: ManualClock) -> Iterator[LocalBot]:
    """The real bot serving Teams only, against a Bot Connector stand-in without limits."""
    standin = TeamsStandIn(limits=False)
    with LocalBot(
        database_url=database_url,
        clock=clock,
        slack=False,
        teams=standin,
        teams_managers=[MANAGER.aad_id],
    ) as bot:
        yield bot


@pytest.fixture
def teams(teams_bot: LocalBot) -> Iterator[TeamsSender]:
    """A sender of Teams activities to the bot, with the bot added to the ideas channel's team."""
    sender = TeamsSender(teams_bot)
    sender.add_bot_to_team(MANAGER, CHANNEL)
    try:
        yield sender
    finally:
        sender.close()
