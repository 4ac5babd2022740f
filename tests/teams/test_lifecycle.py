"""A Teams campaign from opening to close, and one campaign run in Slack and Teams at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.core import roles
from bot.core.campaign_channels import add_campaign_channel
from bot.core.campaigns import create_campaign
from bot.core.clock import ManualClock
from bot.core.records import Person
from bot.core.reminder_schedule import DIGEST_TIME
from bot.core.report import campaign_report
from bot.core.statuses import set_idea_status
from bot.core.yousaid import PostOutcome, post_update, request_key
from bot.simulate import teams_activities as act
from bot.simulate.local_bot import LocalBot
from bot.simulate.teams_standin import TeamsStandIn
from scheduler import jobs
from storage.models import Campaign, Idea
from tests.e2e.support import SlackSender, post_idea, wait_until
from tests.teams.conftest import ALICE, BOB, CHANNEL, MANAGER
from tests.teams.support import TeamsSender, open_teams_campaign, texts_of

pytestmark = pytest.mark.database


def _post_teams_idea(teams: TeamsSender, text: str) -> Idea:
    assert teams.bot.process is not None
    result = teams.press(ALICE, "submitIdea", {"idea": text})
    assert result.status == 200, result
    assert "posted" in texts_of(result.body["value"]), result
    with teams.bot.process.db.read() as session:
        idea = session.query(Idea).filter(Idea.text == text).one()
        session.expunge(idea)
    return idea


def _campaign(bot: LocalBot, campaign_id: int) -> Campaign:
    assert bot.process is not None
    with bot.process.db.read() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        session.expunge(campaign)
        return campaign


def test_teams_campaign_closes_with_report_to_manager(
    teams_bot: LocalBot, teams: TeamsSender, clock: ManualClock
) -> None:
    # The manager added the app for themselves, so the bot can message them.
    installed = act.installed_personally(MANAGER, service_url=teams.service_url)
    assert teams.send(installed).status == 200
    campaign = open_teams_campaign(teams_bot, CHANNEL)
    idea = _post_teams_idea(teams, "Quiet room on level 2")
    assert idea.message_id is not None
    teams.react(BOB, CHANNEL, idea.message_id)

    # The next morning's digest reaches the manager's personal chat as a card.
    timezone = teams_bot.process.settings.timezone  # type: ignore[union-attr]
    next_day = (campaign.starts_at.astimezone(timezone) + timedelta(days=1)).date()
    clock.set(datetime.combine(next_day, DIGEST_TIME, tzinfo=timezone) + timedelta(minutes=5))
    # The scheduler runs the digest job at that time. Running it here as well sends
    # nothing twice, because each day's digest is claimed in the database.
    jobs.send_campaign_digest(campaign.id)
    assert teams.standin.wait_for(
        lambda: any(
            "Daily digest: Winter ideas" in texts_of(card) for card in teams.personal_cards(MANAGER)
        ),
        timeout=15,
    ), teams.personal_cards(MANAGER)
    digests = [c for c in teams.personal_cards(MANAGER) if "Daily digest" in texts_of(c)]
    assert len(digests) == 1
    assert "Teams does not give the bot a count of the organisation's staff" in texts_of(digests[0])

    # The day 10 reminder is a card in the channel with the Teams way to take part.
    clock.set(campaign.starts_at + timedelta(days=9, minutes=5))
    assert teams.standin.wait_for(
        lambda: any("Reminder: Winter ideas" in text for text in _channel_texts(teams)),
        timeout=15,
    ), _channel_texts(teams)
    [reminder] = [text for text in _channel_texts(teams) if "Reminder: Winter ideas" in text]
    assert "Send the bot a message saying idea" in reminder
    assert "Ideas: 1" in reminder
    assert "/idea" not in reminder
    assert "thread" not in reminder

    clock.set(campaign.ends_at)
    wait_until(lambda: _campaign(teams_bot, campaign.id).status == "closed", what="the close")
    wait_until(
        lambda: _campaign(teams_bot, campaign.id).summary_message_id is not None,
        what="the summary card",
    )
    channel_texts = [
        texts_of(activity["attachments"][0]["content"])
        for activity in teams.standin.activities(CHANNEL.channel_id)
        if activity.get("attachments")
    ]
    assert any(
        "has closed" in text and "Ideas: 1" in text and "Votes: 1" in text for text in channel_texts
    ), channel_texts
    # The idea card loses its Vote button and shows the final count.
    assert teams.standin.wait_for(
        lambda: "Voting closed" in texts_of(_idea_card(teams, idea.message_id or "")), timeout=10
    )
    # The final report reaches the manager's personal chat through the outbox.
    assert teams.standin.wait_for(
        lambda: any(
            "Quiet room on level 2" in texts_of(card) for card in teams.personal_cards(MANAGER)
        ),
        timeout=15,
    ), teams.personal_cards(MANAGER)


def _idea_card(teams: TeamsSender, message_id: str) -> dict:
    for activity in teams.standin.activities(CHANNEL.channel_id):
        if activity.get("id") == message_id:
            return activity["attachments"][0]["content"]
    return {}


@pytest.fixture
def both_bot(database_url: str, clock: ManualClock) -> Iterator[LocalBot]:
    """The bot serving Slack and Teams in one process."""
    with LocalBot(database_url=database_url, clock=clock, teams=TeamsStandIn(limits=False)) as bot:
        yield bot


def _channel_texts(teams: TeamsSender) -> list[str]:
    return [
        texts_of(activity["attachments"][0]["content"])
        for activity in teams.standin.activities(CHANNEL.channel_id)
        if activity.get("attachments")
    ]


def _slack_messages(bot: LocalBot, channel: str, start: str) -> list[dict[str, Any]]:
    return [
        message
        for message in bot.standin.messages(channel)
        if str(message.get("text", "")).startswith(start)
    ]


def test_campaign_in_slack_and_teams_counts_both(both_bot: LocalBot, clock: ManualClock) -> None:
    assert both_bot.process is not None
    db = both_bot.process.db
    teams = TeamsSender(both_bot)
    slack = SlackSender(both_bot)
    try:
        teams.add_bot_to_team(MANAGER, CHANNEL)
        record = create_campaign(
            db,
            title="Both ways",
            channel_id="C0IDEAS",
            starts="now",
            timezone=both_bot.process.settings.timezone,
            now=both_bot.process.clock.now(),
        )
        add_campaign_channel(db, record.id, platform="teams", channel_id=CHANNEL.channel_id)
        both_bot.process.scheduler.sync()
        wait_until(lambda: _campaign(both_bot, record.id).launch_message_id, what="the launch")
        # The launch card reached the Teams channel as well as the Slack one.
        assert teams.standin.wait_for(
            lambda: any(
                "Both ways is open" in texts_of(a["attachments"][0]["content"])
                for a in teams.standin.activities(CHANNEL.channel_id)
                if a.get("attachments")
            ),
            timeout=5,
        )

        slack_idea = post_idea(slack, "Later start on Mondays")
        teams_idea = _post_teams_idea(teams, "Bike shelter")
        assert slack_idea.channel_id == "C0IDEAS"
        assert slack_idea.platform == "slack"
        assert teams_idea.channel_id == CHANNEL.channel_id
        assert teams_idea.platform == "teams"
        assert teams_idea.campaign_id == slack_idea.campaign_id == record.id
        teams.press(BOB, "vote", {"ideaId": slack_idea.id}, channel=CHANNEL)

        report = campaign_report(db, record.id, timezone=both_bot.process.settings.timezone)
        assert report.totals.idea_count == 2
        assert report.totals.vote_count == 1
        assert report.totals.participant_count == 3

        # The Slack manager's digest links the Slack idea's message and not the Teams idea's.
        roles.grant_role(
            db,
            platform="slack",
            user_id="U0BOSS",
            role="manager",
            granted_by="cli",
            now=clock.now(),
        )
        teams.press(BOB, "vote", {"ideaId": teams_idea.id}, channel=CHANNEL)
        timezone = both_bot.process.settings.timezone
        next_day = (record.starts_at.astimezone(timezone) + timedelta(days=1)).date()
        clock.set(datetime.combine(next_day, DIGEST_TIME, tzinfo=timezone) + timedelta(minutes=5))
        wait_until(
            lambda: _slack_messages(both_bot, "U0BOSS", "Daily digest"), what="the Slack digest"
        )
        [digest] = _slack_messages(both_bot, "U0BOSS", "Daily digest")
        digest_text = str(digest.get("blocks"))
        assert "Bike shelter" in digest_text
        assert "/archives/C0IDEAS/" in digest_text
        assert "/archives/19:" not in digest_text

        # The day 10 reminder is posted in both channels, each in its platform's form.
        clock.set(record.starts_at + timedelta(days=9, minutes=5))
        assert teams.standin.wait_for(
            lambda: any("Reminder: Both ways" in text for text in _channel_texts(teams)),
            timeout=15,
        ), _channel_texts(teams)
        wait_until(
            lambda: _slack_messages(both_bot, "C0IDEAS", "Reminder:"), what="the reminder in Slack"
        )
        [slack_reminder] = _slack_messages(both_bot, "C0IDEAS", "Reminder:")
        assert "/idea" in str(slack_reminder.get("blocks"))

        # A "You said, we did" update lists the answers to ideas from both platforms in both
        # channels, each pointing to where that platform shows an idea's discussion.
        roles.grant_role(
            db,
            platform="teams",
            user_id=MANAGER.aad_id,
            role="manager",
            granted_by="cli",
            now=clock.now(),
        )
        manager = Person(platform="teams", team_id="", user_id=MANAGER.aad_id)
        for idea in (slack_idea, teams_idea):
            set_idea_status(
                db,
                manager,
                idea_id=idea.id,
                status="planned",
                reply="From May",
                now=clock.now(),
                notifier=both_bot.process.publisher,
            )
        posted = post_update(
            db,
            both_bot.process.publisher,
            record.id,
            by=manager,
            now=clock.now(),
            claim_key=request_key("both-channels"),
        )
        assert posted.outcome is PostOutcome.POSTED
        assert teams.standin.wait_for(
            lambda: any("You said, we did" in text for text in _channel_texts(teams)),
            timeout=15,
        ), _channel_texts(teams)
        [teams_update] = [text for text in _channel_texts(teams) if "You said, we did" in text]
        assert "Later start on Mondays" in teams_update
        assert "Bike shelter" in teams_update
        assert "under its card in the channel" in teams_update
        assert "thread" not in teams_update
        wait_until(
            lambda: _slack_messages(both_bot, "C0IDEAS", "You said, we did"),
            what="the update in Slack",
        )
        [slack_update] = _slack_messages(both_bot, "C0IDEAS", "You said, we did")
        assert "Bike shelter" in str(slack_update.get("blocks"))
        assert "see its thread" in str(slack_update.get("blocks"))

        # At the close the final report is posted in both channels, counting both.
        clock.set(record.ends_at)
        wait_until(lambda: _campaign(both_bot, record.id).status == "closed", what="the close")
        assert teams.standin.wait_for(
            lambda: any(
                "has closed" in text and "Ideas: 2" in text for text in _channel_texts(teams)
            ),
            timeout=10,
        ), _channel_texts(teams)
    finally:
        teams.close()
        slack.close()
