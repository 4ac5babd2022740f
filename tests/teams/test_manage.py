"""Managers and team leads in Teams: campaigns, boards, statuses, moderation and reports."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.core.boards import board_in_channel
from bot.core.campaigns import create_campaign, get_campaign
from bot.core.clock import ManualClock
from bot.core.ideas import get_idea
from bot.core.moderation import IDEA, ItemRef, report_item
from bot.core.records import CampaignRecord, Person
from bot.core.roles import grant_role
from bot.simulate import teams_activities as act
from bot.simulate.local_bot import LocalBot
from bot.simulate.teams_activities import TeamsChannel
from storage.database import Database
from storage.models import Board, Campaign, Idea
from tests.e2e.support import wait_until
from tests.teams.conftest import ALICE, BOB, BOT_MENTION, CHANNEL, MANAGER
from tests.teams.support import TeamsSender, open_teams_campaign, texts_of

pytestmark = pytest.mark.database


def _db(bot: LocalBot) -> Database:
    assert bot.process is not None
    return bot.process.db


def _count(bot: LocalBot, model: type) -> int:
    with _db(bot).read() as session:
        return session.query(model).count()


def _card_of(result: Any) -> dict[str, Any]:
    """Return the card an adaptiveCard/action response shows the person who acted."""
    assert result.status == 200, result
    card: dict[str, Any] = result.body["value"]
    return card


def _post_idea(teams: TeamsSender, text: str, **data: Any) -> Idea:
    """Post an idea through the form as Alice, from her personal chat, and return its row."""
    posted = teams.press(ALICE, "submitIdea", {"idea": text, **data})
    assert "posted" in texts_of(_card_of(posted)), posted
    with _db(teams.bot).read() as session:
        idea = session.query(Idea).filter(Idea.text == text).one()
        session.expunge(idea)
    return idea


def _campaigns(bot: LocalBot) -> list[CampaignRecord]:
    with _db(bot).read() as session:
        ids = [row.id for row in session.query(Campaign).order_by(Campaign.id)]
    return [get_campaign(_db(bot), campaign_id) for campaign_id in ids]


def _idea_card_text(teams: TeamsSender, message_id: str) -> str:
    for activity in teams.standin.activities(CHANNEL.channel_id):
        if activity.get("id") == message_id and activity.get("attachments"):
            return texts_of(activity["attachments"][0]["content"])
    return ""


def test_campaign_form_creates_campaign(
    teams_bot: LocalBot, teams: TeamsSender, clock: ManualClock
) -> None:
    assert teams.say(MANAGER, "campaign").status == 200
    [form] = teams.personal_cards(MANAGER)
    assert "New campaign" in texts_of(form)
    assert "Staff ideas" in texts_of(form)

    assert teams_bot.process is not None
    local_now = clock.now().astimezone(teams_bot.process.settings.timezone)
    values = {
        "name": "Spring ideas",
        "topics": "Rotas\nParking",
        "channel": CHANNEL.channel_id,
        "startDate": local_now.date().isoformat(),
        "startTime": local_now.strftime("%H:%M"),
        "days": "10",
        "hideCounts": "false",
    }
    # A start that has passed, then a length the core rejects: the form comes back
    # with the error and the values typed, and nothing is stored.
    yesterday = (local_now.date() - timedelta(days=1)).isoformat()
    past = _card_of(teams.press(MANAGER, "createCampaign", {**values, "startDate": yesterday}))
    assert "has passed" in texts_of(past)
    assert "Spring ideas" in texts_of(past)
    no_time = _card_of(teams.press(MANAGER, "createCampaign", {**values, "startTime": ""}))
    assert "Choose the start time" in texts_of(no_time)
    typed = _card_of(teams.press(MANAGER, "createCampaign", {**values, "startTime": "9am"}))
    assert "9am is not a time in the form HH:MM" in texts_of(typed)
    too_long = _card_of(teams.press(MANAGER, "createCampaign", {**values, "days": "400"}))
    assert "1 to 366 days" in texts_of(too_long)
    assert "Rotas\nParking" in texts_of(too_long)
    assert _count(teams_bot, Campaign) == 0

    created = _card_of(teams.press(MANAGER, "createCampaign", values))
    assert "Campaign created" in texts_of(created)
    [campaign] = _campaigns(teams_bot)
    assert (campaign.platform, campaign.channel_id) == ("teams", CHANNEL.channel_id)
    assert [topic.question for topic in campaign.topics] == ["Rotas", "Parking"]

    # The scheduler opens it and posts its opening card in the channel.
    teams_bot.process.scheduler.sync()
    wait_until(
        lambda: get_campaign(_db(teams_bot), campaign.id).status == "open", what="the opening"
    )
    assert teams.standin.wait_for(
        lambda: (
            "Spring ideas is open" in texts_of(teams.standin.last_card(CHANNEL.channel_id) or {})
        )
    )

    # An idea sent in the channel goes to the new campaign, under the topic chosen.
    assert teams.say(ALICE, f"{BOT_MENTION} idea", channel=CHANNEL).status == 200
    idea = _post_idea(
        teams, "Car share board", topic=str(campaign.topics[1].id), channel=CHANNEL.channel_id
    )
    assert idea.campaign_id == campaign.id

    assert teams.say(MANAGER, "campaigns").status == 200
    listing = texts_of(teams.personal_cards(MANAGER)[-1])
    assert f"{campaign.id}: Spring ideas" in listing
    assert "Teams: Staff ideas" in listing


def test_staff_member_is_refused(teams_bot: LocalBot, teams: TeamsSender) -> None:
    commands = ("campaign", "campaigns", "campaign close 1", "report 1", "moderation")
    for command in commands:
        assert teams.say(ALICE, command).status == 200
    refusals = teams.personal_texts(ALICE)
    assert len(refusals) == len(commands)
    for refusal in refusals:
        assert refusal.startswith("Only engagement managers can"), refusal
        assert "nothing was changed" in refusal

    teams.say(ALICE, "board")
    assert teams.personal_texts(ALICE)[-1].startswith(
        "Only team leads and engagement managers can open a Your Shout board"
    )

    # A form forwarded to a staff member does not work for them either.
    pressed = teams.press(
        ALICE,
        "createCampaign",
        {"name": "Mine", "topics": "Pay", "channel": CHANNEL.channel_id, "days": "5"},
    )
    assert "Only engagement managers can create campaigns" in texts_of(_card_of(pressed))
    assert _count(teams_bot, Campaign) == 0


def test_status_redraws_card_and_tells_author(teams_bot: LocalBot, teams: TeamsSender) -> None:
    open_teams_campaign(teams_bot, CHANNEL)
    idea = _post_idea(teams, "Quiet room on level 2")
    assert idea.message_id is not None

    # A staff member may not answer it.
    teams.say(BOB, f"status {idea.id}")
    assert teams.personal_texts(BOB)[-1].startswith("Only an engagement manager can answer")

    teams.say(MANAGER, f"status {idea.id}")
    form = teams.personal_cards(MANAGER)[-1]
    assert f"Answer idea {idea.id}" in texts_of(form)

    too_long = {"ideaId": idea.id, "status": "planned", "reply": "x" * 501}
    again = _card_of(teams.press(MANAGER, "setStatus", too_long))
    assert "the maximum is 500" in texts_of(again)
    assert get_idea(_db(teams_bot), idea.id).status is None

    answer = {"ideaId": idea.id, "status": "planned", "reply": "Booked for March", "owner": ""}
    saved = _card_of(teams.press(MANAGER, "setStatus", answer))
    assert "Answer saved" in texts_of(saved)
    assert get_idea(_db(teams_bot), idea.id).status == "planned"

    # The idea card in the channel shows the answer.
    assert teams.standin.wait_for(
        lambda: "Answer: Planned" in _idea_card_text(teams, idea.message_id or ""), timeout=10
    )
    # The outbox worker sends the author a message in her personal chat.
    assert teams.standin.wait_for(
        lambda: any("Booked for March" in texts_of(card) for card in teams.personal_cards(ALICE)),
        timeout=10,
    ), teams.personal_cards(ALICE)


def test_moderation_hides_and_restores_idea(teams_bot: LocalBot, teams: TeamsSender) -> None:
    open_teams_campaign(teams_bot, CHANNEL)
    idea = _post_idea(teams, "Name and shame the night shift")
    assert idea.message_id is not None
    reporter = Person(platform="teams", team_id="tenant", user_id=BOB.aad_id)
    assert teams_bot.process is not None
    report_item(
        _db(teams_bot),
        reporter,
        ItemRef(IDEA, idea.id),
        reason="Targets a team",
        now=teams_bot.process.clock.now(),
        anon_key=None,
    )

    assert teams.say(MANAGER, "moderation").status == 200
    assert "queue has 1 Teams post," in teams.personal_texts(MANAGER)[-1]
    queued = texts_of(teams.personal_cards(MANAGER)[-1])
    assert f"Idea {idea.id}" in queued
    assert "Reason: Targets a team" in queued

    # A staff member cannot press the card's button.
    refused = _card_of(teams.press(ALICE, "hideIdea", {"ideaId": idea.id}))
    assert "Only engagement managers can" in texts_of(refused)
    assert not get_idea(_db(teams_bot), idea.id).hidden

    hidden = _card_of(teams.press(MANAGER, "hideIdea", {"ideaId": idea.id}))
    assert "(hidden)" in texts_of(hidden)
    assert "Restore" in texts_of(hidden)
    assert get_idea(_db(teams_bot), idea.id).hidden
    assert teams.standin.wait_for(
        lambda: "hidden by a moderator" in _idea_card_text(teams, idea.message_id or ""), timeout=10
    )

    restored = _card_of(teams.press(MANAGER, "restoreIdea", {"ideaId": idea.id}))
    assert "Hide" in texts_of(restored)
    assert not get_idea(_db(teams_bot), idea.id).hidden


def test_board_opened_by_lead_takes_ideas(
    teams_bot: LocalBot, teams: TeamsSender, clock: ManualClock
) -> None:
    db = _db(teams_bot)
    grant_role(
        db, platform="teams", user_id=BOB.aad_id, role="lead", granted_by="admin", now=clock.now()
    )
    assert teams.say(BOB, f"{BOT_MENTION} board", channel=CHANNEL).status == 200
    form = teams.standin.last_card(CHANNEL.channel_id)
    assert form is not None
    assert "Open a Your Shout board" in texts_of(form)
    [action] = form["actions"]
    assert action["data"]["channel"] == CHANNEL.channel_id

    question = "What would make handovers easier?"
    data = {**action["data"], "question": question}
    opened = _card_of(teams.press(BOB, "openBoard", data, channel=CHANNEL))
    assert "Board opened" in texts_of(opened)
    board = board_in_channel(db, platform="teams", channel_id=CHANNEL.channel_id)
    assert board is not None
    assert board.lead_id == BOB.aad_id
    assert board.is_open
    assert board.header_message_id is not None
    header = teams.standin.last_card(CHANNEL.channel_id)
    assert header is not None
    assert question in texts_of(header)

    # A second form for the channel offers to replace the question instead.
    again = _card_of(teams.press(BOB, "openBoard", {**data, "question": "Rotas?"}, channel=CHANNEL))
    assert "Replace the question" in texts_of(again)
    assert _count(teams_bot, Board) == 1

    # An idea sent in the channel goes to the board, and its lead may answer it.
    idea = _post_idea(teams, "Handover checklist", channel=CHANNEL.channel_id)
    assert idea.board_id == board.id
    assert idea.campaign_id is None
    teams.say(BOB, f"status {idea.id}")
    assert f"Answer idea {idea.id}" in texts_of(teams.personal_cards(BOB)[-1])

    closed = teams.say(BOB, f"{BOT_MENTION} board close", channel=CHANNEL)
    assert closed.status == 200
    closed_board = board_in_channel(db, platform="teams", channel_id=CHANNEL.channel_id)
    assert closed_board is not None
    assert not closed_board.is_open
    # The board's header card says it is closed.
    header_now = next(
        activity
        for activity in teams.standin.activities(CHANNEL.channel_id)
        if activity.get("id") == board.header_message_id
    )
    assert "This board is closed" in texts_of(header_now["attachments"][0]["content"])


def test_report_card_of_closed_campaign(
    teams_bot: LocalBot, teams: TeamsSender, clock: ManualClock
) -> None:
    campaign = open_teams_campaign(teams_bot, CHANNEL)
    _post_idea(teams, "Water fountain by the lifts")

    teams.say(MANAGER, f"report {campaign.id}")
    assert "its final report is ready when it closes" in teams.personal_texts(MANAGER)[-1]
    teams.say(MANAGER, f"campaign extend {campaign.id} x")
    assert "'x' is not a valid number of days" in teams.personal_texts(MANAGER)[-1]
    teams.say(MANAGER, f"campaign close {campaign.id}")
    assert "closes now" in teams.personal_texts(MANAGER)[-1]

    assert teams_bot.process is not None
    teams_bot.process.scheduler.sync()
    wait_until(
        lambda: get_campaign(_db(teams_bot), campaign.id).status == "closed", what="the close"
    )
    # The outbox sends the final report to the manager's chat; the replies below come after it.
    assert teams.standin.wait_for(
        lambda: any("Campaign closed" in texts_of(card) for card in teams.personal_cards(MANAGER)),
        timeout=15,
    ), teams.personal_cards(MANAGER)
    sent_before = len(teams.personal_cards(MANAGER))
    teams.say(MANAGER, f"report {campaign.id}")
    cards = teams.personal_cards(MANAGER)
    assert len(cards) == sent_before + 1
    report = texts_of(cards[-1])
    assert "Campaign closed" in report
    assert "Water fountain by the lifts" in report

    # A Slack campaign can run in the Teams channel as well, named by the channel's name.
    slack_campaign = create_campaign(
        _db(teams_bot),
        title="Summer ideas",
        channel_id="C0SLACK01",
        starts="now",
        timezone=teams_bot.process.settings.timezone,
        now=clock.now(),
    )
    teams.say(MANAGER, f"campaign add {slack_campaign.id} staff IDEAS")
    assert "now runs in the Teams channel Staff ideas" in texts_of(
        teams.personal_cards(MANAGER)[-1]
    )
    assert get_campaign(_db(teams_bot), slack_campaign.id).channel_on("teams") == CHANNEL.channel_id
    # A campaign has one Teams channel, so adding another moves it, and the reply names both.
    wards = TeamsChannel(channel_id="19:wards@thread.tacv2", name="Wards", team_id=CHANNEL.team_id)
    teams.send(act.channel_created(MANAGER, CHANNEL, wards, service_url=teams.service_url))
    teams.say(MANAGER, f"campaign add {slack_campaign.id} Wards")
    moved = texts_of(teams.personal_cards(MANAGER)[-1])
    assert "now runs in the Teams channel Wards" in moved
    assert "It no longer runs in Staff ideas" in moved

    # A Teams campaign has its Teams channel already, so the reply gives the command for Slack.
    teams_campaign = create_campaign(
        _db(teams_bot),
        title="Autumn ideas",
        channel_id=CHANNEL.channel_id,
        platform="teams",
        starts="now",
        timezone=teams_bot.process.settings.timezone,
        now=clock.now(),
    )
    teams.say(MANAGER, f"campaign add {teams_campaign.id} Wards")
    refused = teams.personal_texts(MANAGER)[-1]
    assert f"Campaign {teams_campaign.id} runs in Teams already" in refused
    assert f"staffvoice campaign add-channel {teams_campaign.id}" in refused
