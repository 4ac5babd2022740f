"""End to end: /campaign and the campaign modal against the Slack stand-in."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.core import roles
from bot.core.campaigns import close_campaign_early, get_campaign, list_campaigns
from bot.core.records import CampaignRecord
from bot.simulate.local_bot import HttpResult, LocalBot
from bot.simulate.slack_standin import APP_ID, BOT_ID, TEAM_DOMAIN, TEAM_ID, channel_name
from handlers.ids import CampaignIds
from storage.models import Campaign, Topic
from tests.e2e.support import (
    CAMPAIGN_CHANNEL,
    FORM_CONTENT_TYPE,
    OTHER_CHANNEL,
    SlackSender,
    bot_db,
    count_rows,
    load_payload,
    open_campaign_now,
    settle,
    wait_until,
)

MANAGER_ID = "U0ALICE"
STAFF_ID = "U0BOB"
# The start date argument of submit() that stands for tomorrow's local date.
TOMORROW = "tomorrow"


@pytest.fixture
def manager(bot: LocalBot) -> str:
    """Alice, granted the manager role."""
    assert bot.process is not None
    roles.grant_role(
        bot_db(bot),
        platform="slack",
        user_id=MANAGER_ID,
        role="manager",
        granted_by="cli",
        now=bot.process.clock.now(),
    )
    return MANAGER_ID


def send_command(slack: SlackSender, text: str, *, user: str) -> tuple[HttpResult, str]:
    """Send /campaign with text, and return the HTTP response and the response URL token."""
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
    return http, token


def replies_to(slack: SlackSender, token: str) -> Callable[[], list[str]]:
    """Return a poll of the texts sent to one response URL."""
    return lambda: slack.response_texts(token)


def answer_text(http: HttpResult) -> str:
    """Return the text of a command's acknowledgement, which Bolt (1.30) sends as plain text."""
    assert http.status == 200, http.body
    assert http.body, "the acknowledgement has no text"
    return http.body


def submit(
    slack: SlackSender,
    *,
    user: str = MANAGER_ID,
    title: str | None = "Spring ideas",
    topics: str | None = "How could we recognise each other's work?\nWhat slows you down?",
    channel: str | None = CAMPAIGN_CHANNEL,
    start_date: str | None = TOMORROW,
    start_time: str | None = "09:00",
    days: str | None = "20",
    options: tuple[str, ...] = (),
    editing: int | None = None,
) -> HttpResult:
    """Send the campaign modal's view_submission with these inputs; editing is a campaign id."""
    bot = slack.bot
    assert bot.process is not None
    if start_date == TOMORROW:
        tomorrow = bot.process.clock.now().astimezone(bot.process.settings.timezone)
        start_date = (tomorrow + timedelta(days=1)).date().isoformat()
    payload = load_payload("view_submission")
    payload["team"].update(id=TEAM_ID, domain=TEAM_DOMAIN)
    payload["user"].update(id=user, username=user.lower(), name=user.lower(), team_id=TEAM_ID)
    payload.update(api_app_id=APP_ID, trigger_id=slack.new_trigger_id())
    view = payload["view"]
    view.update(
        id="V0001",
        root_view_id="V0001",
        team_id=TEAM_ID,
        app_id=APP_ID,
        app_installed_team_id=TEAM_ID,
        bot_id=BOT_ID,
        callback_id=CampaignIds.MODAL_CALLBACK.value,
        private_metadata="" if editing is None else str(editing),
    )
    selected = [{"text": {"type": "plain_text", "text": v}, "value": v} for v in options]

    def state(block: CampaignIds, action: CampaignIds, kind: str, **value: Any) -> None:
        view["state"]["values"][block.value] = {action.value: {"type": kind, **value}}

    view["state"]["values"] = {}
    state(CampaignIds.TITLE_BLOCK, CampaignIds.TITLE_ACTION, "plain_text_input", value=title)
    state(CampaignIds.TOPICS_BLOCK, CampaignIds.TOPICS_ACTION, "plain_text_input", value=topics)
    state(
        CampaignIds.CHANNEL_BLOCK,
        CampaignIds.CHANNEL_ACTION,
        "conversations_select",
        selected_conversation=channel,
    )
    state(CampaignIds.DATE_BLOCK, CampaignIds.DATE_ACTION, "datepicker", selected_date=start_date)
    state(CampaignIds.TIME_BLOCK, CampaignIds.TIME_ACTION, "timepicker", selected_time=start_time)
    state(CampaignIds.DAYS_BLOCK, CampaignIds.DAYS_ACTION, "number_input", value=days)
    state(
        CampaignIds.OPTIONS_BLOCK,
        CampaignIds.OPTIONS_ACTION,
        "checkboxes",
        selected_options=selected,
    )
    return slack.send_interaction(payload)


def modal_errors(http: HttpResult) -> dict[str, str]:
    assert http.status == 200, http.body
    answer = json.loads(http.body)
    assert answer["response_action"] == "errors"
    errors: dict[str, str] = answer["errors"]
    return errors


def test_non_manager_refused(bot: LocalBot, slack: SlackSender) -> None:
    for text in ("", "list", "close 1", "extend 1 3"):
        http, token = send_command(slack, text, user=STAFF_ID)

        assert http.status == 200
        reply = wait_until(replies_to(slack, token), what="the refusal")
        assert "Only engagement managers can run campaigns" in reply[0]
    settle(bot)
    assert bot.standin.calls("views.open") == []


def test_non_manager_submission_refused(bot: LocalBot, slack: SlackSender) -> None:
    http = submit(slack, user=STAFF_ID)

    assert http.status == 200
    settle(bot)
    assert count_rows(bot_db(bot), Campaign) == 0
    dms = [call.params.get("text", "") for call in bot.standin.calls("chat.postMessage")]
    assert any("Only engagement managers can create campaigns" in text for text in dms)


def test_modal_opens(bot: LocalBot, slack: SlackSender, manager: str) -> None:
    http, _ = send_command(slack, "", user=manager)

    assert http.status == 200
    [call] = wait_until(lambda: bot.standin.calls("views.open"), what="views.open")
    view = call.params["view"]
    assert view["callback_id"] == CampaignIds.MODAL_CALLBACK
    blocks = {block["block_id"]: block for block in view["blocks"]}
    channel = blocks[CampaignIds.CHANNEL_BLOCK]["element"]
    assert channel["type"] == "conversations_select"
    assert channel["default_to_current_conversation"] is True
    assert blocks[CampaignIds.DAYS_BLOCK]["element"]["initial_value"] == "20"
    assert blocks[CampaignIds.TOPICS_BLOCK]["element"]["multiline"] is True
    assert blocks[CampaignIds.DATE_BLOCK]["element"]["type"] == "datepicker"
    assert blocks[CampaignIds.TIME_BLOCK]["element"]["type"] == "timepicker"
    assert len(blocks[CampaignIds.OPTIONS_BLOCK]["element"]["options"]) == 2


def test_submission_creates_campaign(bot: LocalBot, slack: SlackSender, manager: str) -> None:
    http = submit(
        slack,
        topics="  First question?\n\nSecond question?  \n",
        options=(CampaignIds.HIDE_COUNTS_OPTION.value, CampaignIds.QUARTERLY_OPTION.value),
    )

    assert http.status == 200
    assert "errors" not in (http.body or "")
    [record] = list_campaigns(bot_db(bot))
    assert record.title == "Spring ideas"
    assert record.channel_id == CAMPAIGN_CHANNEL
    assert [topic.question for topic in record.topics] == ["First question?", "Second question?"]
    assert record.hide_counts is True
    assert record.repeat_quarterly is True
    assert record.created_by == manager
    local_start = record.starts_at.astimezone(bot.settings().timezone)
    assert local_start.strftime("%H:%M") == "09:00"
    confirmations = wait_until(
        lambda: [
            call
            for call in bot.standin.calls("chat.postMessage")
            if call.params["channel"] == manager
        ],
        what="the confirmation",
    )
    assert f"Campaign {record.id}" in confirmations[0].params["text"]
    assert "Second question?" in confirmations[0].params["text"]


@pytest.mark.parametrize(
    ("inputs", "block", "expected"),
    [
        ({"topics": " \n  "}, CampaignIds.TOPICS_BLOCK, "at least one question"),
        ({"topics": "Same?\nsame?"}, CampaignIds.TOPICS_BLOCK, "repeats an earlier question"),
        ({"topics": "\n".join(f"Q{n}?" for n in range(11))}, CampaignIds.TOPICS_BLOCK, "10"),
        ({"topics": "q" * 301}, CampaignIds.TOPICS_BLOCK, "maximum is 300"),
        ({"title": "t" * 201}, CampaignIds.TITLE_BLOCK, "maximum is 200"),
        ({"title": None}, CampaignIds.TITLE_BLOCK, "title is empty"),
        ({"days": "0"}, CampaignIds.DAYS_BLOCK, "1 to 366 days"),
        ({"days": "-2"}, CampaignIds.DAYS_BLOCK, "1 to 366 days"),
        ({"days": None}, CampaignIds.DAYS_BLOCK, "whole number of days"),
        ({"start_date": "2020-01-01"}, CampaignIds.DATE_BLOCK, "has passed: choose a later date"),
        ({"start_date": None}, CampaignIds.DATE_BLOCK, "start date"),
        ({"channel": None}, CampaignIds.CHANNEL_BLOCK, "Choose the channel"),
    ],
)
def test_invalid_submission_inline_error(
    bot: LocalBot,
    slack: SlackSender,
    manager: str,
    inputs: dict[str, Any],
    block: CampaignIds,
    expected: str,
) -> None:
    errors = modal_errors(submit(slack, **inputs))

    assert list(errors) == [block.value]
    assert expected in errors[block]
    assert count_rows(bot_db(bot), Campaign) == 0
    assert count_rows(bot_db(bot), Topic) == 0


def test_bot_not_in_channel(bot: LocalBot, slack: SlackSender, manager: str) -> None:
    bot.standin.set_bot_member("C0ELSE", is_member=False)

    errors = modal_errors(submit(slack, channel="C0ELSE"))

    assert list(errors) == [CampaignIds.CHANNEL_BLOCK.value]
    assert "/invite @staffvoice" in errors[CampaignIds.CHANNEL_BLOCK]
    assert count_rows(bot_db(bot), Campaign) == 0
    [call] = bot.standin.calls("conversations.info")
    assert call.params["channel"] == "C0ELSE"


def test_list_groups_campaigns(bot: LocalBot, slack: SlackSender, manager: str) -> None:
    assert submit(slack, title="Later ideas").status == 200
    opened = open_campaign_now(bot, title="Current ideas", channel=OTHER_CHANNEL)

    text = answer_text(send_command(slack, "list", user=manager)[0])

    assert "*Scheduled*" in text
    assert "*Open*" in text
    assert text.index("Later ideas") < text.index("*Open*") < text.index("Current ideas")
    assert f"{opened.id}: Current ideas" in text


def test_close_early(bot: LocalBot, slack: SlackSender, manager: str) -> None:
    campaign = open_campaign_now(bot)

    text = answer_text(send_command(slack, f"close {campaign.id}", user=manager)[0])

    assert f"Campaign {campaign.id}" in text
    assert "closes now" in text
    stored = get_campaign(bot_db(bot), campaign.id)
    assert bot.process is not None
    assert stored.ends_at <= bot.process.clock.now()
    bot.process.scheduler.sync()
    wait_until(
        lambda: get_campaign(bot_db(bot), campaign.id).status == "closed",
        what="the scheduler to close the campaign",
    )


def test_close_errors(bot: LocalBot, slack: SlackSender, manager: str) -> None:
    campaign = open_campaign_now(bot)
    assert bot.process is not None
    close_campaign_early(bot_db(bot), campaign.id, by=None, now=bot.process.clock.now())

    for text, expected in (
        ("close 999", "There is no campaign 999"),
        ("close abc", "'abc' is not a campaign ID"),
    ):
        _, token = send_command(slack, text, user=manager)
        reply = wait_until(replies_to(slack, token), what=f"the reply to {text}")
        assert expected in reply[0]


def test_extend(bot: LocalBot, slack: SlackSender, manager: str) -> None:
    campaign = open_campaign_now(bot)

    text = answer_text(send_command(slack, f"extend {campaign.id} 5", user=manager)[0])

    assert f"Campaign {campaign.id}" in text
    assert "now closes" in text
    stored = get_campaign(bot_db(bot), campaign.id)
    tz = bot.settings().timezone
    assert stored.ends_at.astimezone(tz).date() == (
        campaign.ends_at.astimezone(tz).date() + timedelta(days=5)
    )
    assert stored.ends_at.astimezone(tz).time() == campaign.ends_at.astimezone(tz).time()


@pytest.mark.parametrize(
    ("days", "expected"), [("0", "1 or more"), ("400", "maximum is 366"), ("x", "not a number")]
)
def test_extend_rejected(
    bot: LocalBot, slack: SlackSender, manager: str, days: str, expected: str
) -> None:
    campaign: CampaignRecord = open_campaign_now(bot)

    _, token = send_command(slack, f"extend {campaign.id} {days}", user=manager)

    reply = wait_until(lambda: slack.response_texts(token), what="the rejection")
    assert expected in reply[0]
    assert get_campaign(bot_db(bot), campaign.id).ends_at == campaign.ends_at


def test_cancel_scheduled(bot: LocalBot, slack: SlackSender, manager: str) -> None:
    assert submit(slack, title="Called off").status == 200
    [campaign] = list_campaigns(bot_db(bot))

    text = answer_text(send_command(slack, f"cancel {campaign.id}", user=manager)[0])
    listed = answer_text(send_command(slack, "list", user=manager)[0])

    assert f"Campaign {campaign.id}, Called off, is cancelled" in text
    assert get_campaign(bot_db(bot), campaign.id).status == "cancelled"
    assert "*Cancelled*" in listed


def test_cancel_open_rejected(bot: LocalBot, slack: SlackSender, manager: str) -> None:
    campaign = open_campaign_now(bot)

    _, token = send_command(slack, f"cancel {campaign.id}", user=manager)

    reply = wait_until(replies_to(slack, token), what="the rejection")
    assert "Close it early instead" in reply[0]
    assert get_campaign(bot_db(bot), campaign.id).status == "open"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("close", "Give one campaign ID: `/campaign close ID`"),
        ("close 1 2", "Give one campaign ID: `/campaign close ID`"),
        ("cancel", "Give one campaign ID: `/campaign cancel ID`"),
        ("extend 1", "Give a campaign ID and a number of days: `/campaign extend ID DAYS`"),
    ],
)
def test_wrong_argument_count_usage(
    slack: SlackSender, manager: str, text: str, expected: str
) -> None:
    assert expected in answer_text(send_command(slack, text, user=manager)[0])


def test_edit_opens_filled_modal(bot: LocalBot, slack: SlackSender, manager: str) -> None:
    assert submit(slack, title="Spring ideas", options=("hide-counts",)).status == 200
    [campaign] = list_campaigns(bot_db(bot))

    send_command(slack, f"edit {campaign.id}", user=manager)

    # The form opens after the acknowledgement, so the HTTP response can come first.
    [call] = wait_until(lambda: bot.standin.calls("views.open"), what="the edit form to open")
    view = call.params["view"]
    if isinstance(view, str):
        view = json.loads(view)
    elements = {block["block_id"]: block.get("element", {}) for block in view["blocks"]}
    assert view["private_metadata"] == str(campaign.id)
    assert view["title"]["text"] == "Edit campaign"
    assert elements[CampaignIds.TITLE_BLOCK]["initial_value"] == "Spring ideas"
    assert elements[CampaignIds.TOPICS_BLOCK]["initial_value"] == (
        "How could we recognise each other's work?\nWhat slows you down?"
    )
    assert elements[CampaignIds.CHANNEL_BLOCK]["initial_conversation"] == CAMPAIGN_CHANNEL
    assert elements[CampaignIds.DAYS_BLOCK]["initial_value"] == "20"


def test_edit_submission_saves(bot: LocalBot, slack: SlackSender, manager: str) -> None:
    assert submit(slack, title="Spring ideas").status == 200
    [campaign] = list_campaigns(bot_db(bot))

    result = submit(
        slack, title="Summer ideas", topics="Only one question?", days="10", editing=campaign.id
    )

    assert result.status == 200
    assert result.body == ""
    [edited] = list_campaigns(bot_db(bot))
    assert edited.id == campaign.id
    assert edited.title == "Summer ideas"
    assert [topic.question for topic in edited.topics] == ["Only one question?"]
    assert edited.ends_at == edited.starts_at + timedelta(days=10)

    def confirmations() -> list[dict[str, Any]]:
        return [
            message for message in bot.standin.messages(manager) if "is saved" in message["text"]
        ]

    # The confirmation is sent after the acknowledgement, so the HTTP response can come first.
    wait_until(confirmations, what="the saved confirmation")
    settle(bot)
    assert len(confirmations()) == 1


def test_edit_open_campaign_refused(bot: LocalBot, slack: SlackSender, manager: str) -> None:
    campaign = open_campaign_now(bot)

    text = answer_text(send_command(slack, f"edit {campaign.id}", user=manager)[0])

    assert "can no longer be edited" in text
    assert bot.standin.calls("views.open") == []


def test_edit_form_after_opening_refused(bot: LocalBot, slack: SlackSender, manager: str) -> None:
    campaign = open_campaign_now(bot)

    errors = modal_errors(submit(slack, title="Too late", editing=campaign.id))

    assert list(errors) == [CampaignIds.TITLE_BLOCK.value]
    assert "is open already, so it can no longer be edited" in errors[CampaignIds.TITLE_BLOCK]
    assert get_campaign(bot_db(bot), campaign.id).title == campaign.title
