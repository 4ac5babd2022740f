"""The Teams front over HTTP: bad requests get a clear status and store nothing."""

from __future__ import annotations

import json

import pytest

from bot.core import roles
from bot.core.conversations import known_channels
from bot.simulate import teams_activities as act
from bot.simulate.local_bot import LocalBot
from bot.simulate.teams_activities import TeamsActivityClient, TeamsChannel
from tests.teams.conftest import ALICE, CHANNEL, MANAGER
from tests.teams.support import TeamsSender

pytestmark = pytest.mark.database


def test_bad_requests_get_400_and_store_nothing(teams_bot: LocalBot, teams: TeamsSender) -> None:
    client: TeamsActivityClient = teams.client
    assert client.raw(b"{not json").status == 400
    assert client.raw(b"[1, 2]").status == 400
    assert client.raw(b'{"text": "no type"}').status == 400
    good = act.message(ALICE, "idea", service_url=teams.service_url)
    for field, value in (
        ("serviceUrl", None),
        ("serviceUrl", "ftp://x"),
        ("from", None),
        ("conversation", {"name": "no id"}),
        ("text", 42),
    ):
        broken = {**good, field: value}
        result = client.raw(json.dumps(broken).encode())
        assert result.status == 400, (field, result)
        assert "Invalid activity" in str(result.body)
    # Activity types the bot does not act on get 200 and change nothing.
    for kind in ("typing", "event", "endOfConversation", "somethingNew"):
        assert client.raw(json.dumps({**good, "type": kind}).encode()).status == 200
    invoke = act.card_action(ALICE, "vote", {"ideaId": 1}, service_url=teams.service_url)
    assert client.raw(json.dumps({**invoke, "value": "text"}).encode()).status == 400
    # A message the bot does not understand gets the help text, not an error.
    assert teams.say(ALICE, "what is this?").status == 200
    assert any("Send **idea**" in text for text in teams.personal_texts(ALICE))


def test_new_channel_keeps_other_names(teams_bot: LocalBot, teams: TeamsSender) -> None:
    assert teams_bot.process is not None
    nursing = TeamsChannel(
        channel_id="19:nursing@thread.tacv2", name="Nursing", team_id=CHANNEL.team_id
    )
    created = act.channel_created(ALICE, CHANNEL, nursing, service_url=teams.service_url)
    assert teams.send(created).status == 200
    names = {ref.conversation_id: ref.name for ref in known_channels(teams_bot.process.db)}
    assert names == {CHANNEL.channel_id: "Staff ideas", nursing.channel_id: "Nursing"}


def test_teams_managers_seeded_from_their_setting(teams_bot: LocalBot) -> None:
    assert teams_bot.process is not None
    [role] = roles.list_roles(teams_bot.process.db, platform="teams")
    assert (role.user_id, role.role) == (MANAGER.aad_id, "manager")
    assert role.granted_by == "STAFFVOICE_TEAMS_MANAGERS"
