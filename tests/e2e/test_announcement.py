"""End to end: announcing a campaign before it opens, and its "Remind me when it's live" button."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from bot.core import campaigns, roles
from bot.core.records import CampaignRecord
from bot.simulate.local_bot import HttpResult, LocalBot
from bot.simulate.slack_standin import APP_ID, BOT_ID, TEAM_DOMAIN, TEAM_ID, channel_name
from handlers.ids import AnnouncementIds
from storage.models import CampaignInterest, ScheduledRun
from tests.e2e.support import (
    CAMPAIGN_CHANNEL,
    FORM_CONTENT_TYPE,
    SlackSender,
    bot_db,
    campaign_row,
    load_payload,
    settle,
    wait_until,
)
from tests.e2e.test_campaigns import submit

MANAGER_ID = "U0ALICE"
STAFF_ID = "U0BOB"
OTHER_STAFF_ID = "U0TOM"


@pytest.fixture
def manager(bot: LocalBot) -> str:
    """Alice, granted the manager role."""
    assert bot.process is not None
    roles.grant_role(
        bot_db(bot),
        platform="slack",
        user_id=MANAGER_ID,
        role="manager",
        granted_by="test",
        now=bot.process.clock.now(),
    )
    return MANAGER_ID


@pytest.fixture
def scheduled(bot: LocalBot) -> CampaignRecord:
    """A campaign in C0IDEAS that opens tomorrow at 09:00 local time."""
    assert bot.process is not None
    timezone = bot.process.settings.timezone
    tomorrow = (bot.process.clock.now().astimezone(timezone) + timedelta(days=1)).date()
    return campaigns.create_campaign(
        bot_db(bot),
        title="Spring ideas",
        channel_id=CAMPAIGN_CHANNEL,
        starts=f"{tomorrow.isoformat()} 09:00",
        days=20,
        timezone=timezone,
        now=bot.process.clock.now(),
        topics=["How could we recognise each other's work?", "What slows you down?"],
    )


def send_campaign_command(slack: SlackSender, text: str, *, user: str) -> tuple[HttpResult, str]:
    """Send /campaign with text; return the HTTP response and the response URL token."""
    token = uuid.uuid4().hex
    fields = load_payload("slash_command")
    fields.update(
        team_id=TEAM_ID,
        team_domain=TEAM_DOMAIN,
        channel_id=CAMPAIGN_CHANNEL,
        channel_name=channel_name(CAMPAIGN_CHANNEL),
        user_id=user,
        user_name=user.lower(),
        command="/campaign",
        text=text,
        api_app_id=APP_ID,
        response_url=slack.bot.standin.response_url(token),
        trigger_id=slack.new_trigger_id(),
    )
    http = slack.client.send(urlencode(fields).encode("utf-8"), FORM_CONTENT_TYPE)
    assert http.status == 200, http.body
    return http, token


def announce_reply(slack: SlackSender, campaign_id: int | str, *, user: str = MANAGER_ID) -> str:
    """Send `/campaign announce ID` and return the one private reply it gets."""
    _, token = send_campaign_command(slack, f"announce {campaign_id}", user=user)
    [reply] = wait_until(lambda: slack.response_texts(token), what="the reply to announce")
    return reply


def press_button(
    slack: SlackSender,
    *,
    action_id: str,
    value: str,
    user: str,
    channel: str = CAMPAIGN_CHANNEL,
    message_ts: str | None = None,
) -> str:
    """Send the block_actions payload of a button press; return the response URL token."""
    token = uuid.uuid4().hex
    message_ts = message_ts or slack.new_ts()
    payload = load_payload("block_actions")
    payload["user"].update(id=user, username=user.lower(), name=user.lower(), team_id=TEAM_ID)
    payload.update(api_app_id=APP_ID, trigger_id=slack.new_trigger_id())
    payload["container"].update(message_ts=message_ts, channel_id=channel)
    payload["team"].update(id=TEAM_ID, domain=TEAM_DOMAIN)
    payload["channel"].update(id=channel, name=channel_name(channel))
    payload["message"].update(ts=message_ts, bot_id=BOT_ID, app_id=APP_ID)
    payload["response_url"] = slack.bot.standin.response_url(token)
    payload["actions"][0].update(
        action_id=action_id, block_id="announcement", value=value, action_ts=slack.new_ts()
    )
    http = slack.send_interaction(payload)
    assert http.status == 200, http.body
    return token


def press_remind(slack: SlackSender, campaign_id: int, *, user: str) -> str:
    """Press "Remind me when it's live" and return the private reply."""
    token = press_button(
        slack, action_id=AnnouncementIds.REMIND_ACTION.value, value=str(campaign_id), user=user
    )
    [reply] = wait_until(lambda: slack.response_texts(token), what="the reply to Remind me")
    return reply


def button_of(message: dict[str, Any], action_id: str) -> dict[str, Any] | None:
    for block in message.get("blocks") or []:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return dict(element)
    return None


def announcements_in(bot: LocalBot, channel: str = CAMPAIGN_CHANNEL) -> list[dict[str, Any]]:
    """Return the messages in a channel that carry a "Remind me" button."""
    return [
        message
        for message in bot.standin.messages(channel)
        if button_of(message, AnnouncementIds.REMIND_ACTION) is not None
    ]


def interested(bot: LocalBot, campaign_id: int) -> list[str]:
    with bot_db(bot).transaction() as session:
        query = select(CampaignInterest.user_id).where(CampaignInterest.campaign_id == campaign_id)
        return sorted(session.scalars(query))


def claim_keys(bot: LocalBot) -> list[str]:
    with bot_db(bot).transaction() as session:
        query = select(ScheduledRun.key).where(ScheduledRun.key.like("announcement:%"))
        return list(session.scalars(query))


def test_announce_posts_once(
    bot: LocalBot, slack: SlackSender, manager: str, scheduled: CampaignRecord
) -> None:
    first = announce_reply(slack, scheduled.id)

    [message] = announcements_in(bot)
    assert f"The announcement of campaign {scheduled.id}, Spring ideas, is posted" in first
    assert f"<#{CAMPAIGN_CHANNEL}>" in first
    assert "|View it>" in first
    button = button_of(message, AnnouncementIds.REMIND_ACTION)
    assert button is not None
    assert button["value"] == str(scheduled.id)
    body = str(message["blocks"])
    assert "What slows you down?" in body
    assert "09:00" in body
    assert campaign_row(bot_db(bot), scheduled.id).announcement_message_id == message["ts"]

    second = announce_reply(slack, scheduled.id)

    assert "is already posted" in second
    assert "nothing new was posted" in second
    assert "|View it>" in second
    assert len(announcements_in(bot)) == 1


def test_announce_non_manager_refused(
    bot: LocalBot, slack: SlackSender, scheduled: CampaignRecord
) -> None:
    reply = announce_reply(slack, scheduled.id, user=STAFF_ID)

    assert "Only engagement managers can run campaigns" in reply
    settle(bot)
    assert bot.standin.messages(CAMPAIGN_CHANNEL) == []
    assert claim_keys(bot) == []


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("999", "There is no campaign 999. Send `/campaign list` to see the campaign IDs."),
        ("abc", "'abc' is not a campaign ID"),
        ("1.5", "'1.5' is not a campaign ID"),
    ],
)
def test_announce_bad_id(
    bot: LocalBot,
    slack: SlackSender,
    manager: str,
    scheduled: CampaignRecord,
    argument: str,
    expected: str,
) -> None:
    reply = announce_reply(slack, argument)

    assert expected in reply
    settle(bot)
    assert bot.standin.messages(CAMPAIGN_CHANNEL) == []


def test_announce_without_id(bot: LocalBot, slack: SlackSender, manager: str) -> None:
    http, _ = send_campaign_command(slack, "announce", user=manager)

    assert "Give one campaign ID: `/campaign announce ID`" in http.body
    settle(bot)
    assert bot.standin.messages(CAMPAIGN_CHANNEL) == []


def test_announce_open_campaign_rejected(
    bot: LocalBot, slack: SlackSender, manager: str, scheduled: CampaignRecord
) -> None:
    assert bot.process is not None
    bot.process.clock.set(scheduled.starts_at)
    wait_until(
        lambda: campaign_row(bot_db(bot), scheduled.id).launch_message_id,
        what="the campaign to open",
    )

    reply = announce_reply(slack, scheduled.id)

    assert f"Campaign {scheduled.id} is open already" in reply
    assert announcements_in(bot) == []


def test_announce_bot_not_in_channel(
    bot: LocalBot, slack: SlackSender, manager: str, scheduled: CampaignRecord
) -> None:
    bot.standin.set_bot_member(CAMPAIGN_CHANNEL, is_member=False)

    reply = announce_reply(slack, scheduled.id)

    assert "The bot is not a member of" in reply
    assert "/invite @staffvoice" in reply
    assert bot.standin.messages(CAMPAIGN_CHANNEL) == []
    assert claim_keys(bot) == []


def test_announce_post_rejected_then_retried(
    bot: LocalBot, slack: SlackSender, manager: str, scheduled: CampaignRecord
) -> None:
    bot.standin.fail("chat.postMessage", "not_in_channel")

    refused = announce_reply(slack, scheduled.id)

    assert "/invite @staffvoice" in refused
    assert claim_keys(bot) == []

    bot.standin.clear_failures()
    posted = announce_reply(slack, scheduled.id)

    assert "is posted" in posted
    assert len(announcements_in(bot)) == 1


def test_remind_button_toggles_interest(
    bot: LocalBot, slack: SlackSender, scheduled: CampaignRecord
) -> None:
    registered = press_remind(slack, scheduled.id, user=STAFF_ID)

    assert "You're on the list" in registered
    assert "1 person asked so far" in registered
    assert interested(bot, scheduled.id) == [STAFF_ID]

    other = press_remind(slack, scheduled.id, user=OTHER_STAFF_ID)

    assert "2 people asked so far" in other
    assert interested(bot, scheduled.id) == [STAFF_ID, OTHER_STAFF_ID]

    withdrawn = press_remind(slack, scheduled.id, user=STAFF_ID)

    assert "You're off the list" in withdrawn
    assert interested(bot, scheduled.id) == [OTHER_STAFF_ID]


def test_remind_after_opening_says_live(
    bot: LocalBot, slack: SlackSender, scheduled: CampaignRecord
) -> None:
    assert bot.process is not None
    bot.process.clock.set(scheduled.starts_at)
    wait_until(
        lambda: campaign_row(bot_db(bot), scheduled.id).launch_message_id,
        what="the campaign to open",
    )

    reply = press_remind(slack, scheduled.id, user=STAFF_ID)

    assert "is live already" in reply
    assert f"<#{CAMPAIGN_CHANNEL}>" in reply
    assert interested(bot, scheduled.id) == []


def test_remind_stale_button(bot: LocalBot, slack: SlackSender) -> None:
    token = press_button(
        slack, action_id=AnnouncementIds.REMIND_ACTION.value, value="not-an-id", user=STAFF_ID
    )
    [reply] = wait_until(lambda: slack.response_texts(token), what="the reply")

    assert "This button is out of date" in reply


def test_creation_confirmation_posts_announcement(
    bot: LocalBot, slack: SlackSender, manager: str
) -> None:
    http = submit(slack)
    assert http.status == 200, http.body
    confirmation = wait_until(
        lambda: [
            message
            for message in bot.standin.messages(manager)
            if button_of(message, AnnouncementIds.POST_ACTION) is not None
        ],
        what="the confirmation with its button",
    )[0]
    button = button_of(confirmation, AnnouncementIds.POST_ACTION)
    assert button is not None
    campaign_id = int(button["value"])
    assert f"/campaign announce {campaign_id}" in str(confirmation["blocks"])

    token = press_button(
        slack,
        action_id=AnnouncementIds.POST_ACTION.value,
        value=button["value"],
        user=manager,
        channel=manager,
        message_ts=confirmation["ts"],
    )
    [reply] = wait_until(lambda: slack.response_texts(token), what="the reply to the button")

    assert f"The announcement of campaign {campaign_id}, Spring ideas, is posted" in reply
    [announcement] = announcements_in(bot)
    assert button_of(announcement, AnnouncementIds.REMIND_ACTION) is not None


def test_post_button_refused_without_role(
    bot: LocalBot, slack: SlackSender, scheduled: CampaignRecord
) -> None:
    token = press_button(
        slack,
        action_id=AnnouncementIds.POST_ACTION.value,
        value=str(scheduled.id),
        user=STAFF_ID,
        channel=STAFF_ID,
    )
    [reply] = wait_until(lambda: slack.response_texts(token), what="the refusal")

    assert "Only engagement managers can announce campaigns" in reply
    settle(bot)
    assert bot.standin.messages(CAMPAIGN_CHANNEL) == []
