"""The Teams front over HTTP: bad requests get a clear status and store nothing."""

from __future__ import annotations

import pytest

from bot.simulate.local_bot import LocalBot
from bot.simulate.teams_activities import TeamsActivityClient
from tests.teams.conftest import ALICE
from tests.teams.support import TeamsSender

pytestmark = pytest.mark.database


def test_bad_requests_get_400_and_store_nothing(teams_bot: LocalBot, teams: TeamsSender) -> None:
    client: TeamsActivityClient = teams.client
    assert client.raw(b"{not json").status == 400
    assert client.raw(b"[1, 2]").status == 400
    assert client.raw(b'{"text": "no type"}').status == 400
    # A message the bot does not understand gets the help text, not an error.
    assert teams.say(ALICE, "what is this?").status == 200
    assert any("Send **idea**" in text for text in teams.personal_texts(ALICE))
