"""End to end: staff thank colleagues with /thanks and its form, and managers set it up."""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from bot.core import roles
from bot.core.clock import ManualClock
from bot.simulate.local_bot import BOT_TOKEN, LocalBot
from bot.simulate.slack_standin import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    SlackStandIn,
    channel_name,
)
from handlers.ids import ThanksIds
from scheduler import recognition as recognition_jobs
from storage.models import AuditEntry, OutboxMessage, Thanks, ThanksRecipient
from tests.e2e.conftest import STAFF
from tests.e2e.support import (
    FORM_CONTENT_TYPE,
    SlackSender,
    bot_db,
    count_rows,
    load_payload,
    settle,
    text_fields,
    wait_until,
)

MANAGER = "U0MAYA"
GIVER = "U0ALICE"
BOB = "U0BOB"
TOM = "U0TOM"
KIM = "U0KIM"
HELPER_BOT = "U0HELPERBOT"
THANKS_CHANNEL = "C0THANKS"
TEAM_CHANNEL = "C0TEAM"
# Long enough for the outbox worker to send a message that was wrongly enqueued twice.
SETTLE_SECONDS = 0.5


def mention(user_id: str) -> str:
    return f"<@{user_id}|{user_id.lower()}>"


def thanks_command(
    slack: SlackSender, text: str, *, user: str = GIVER, channel: str = TEAM_CHANNEL
) -> str:
    """Send /thanks with text, escaped as Slack sends it; return the response URL token."""
    token = uuid.uuid4().hex
    fields = load_payload("slash_command")
    fields.update(
        team_id=TEAM_ID,
        team_domain=TEAM_DOMAIN,
        channel_id=channel,
        channel_name=channel_name(channel),
        user_id=user,
        user_name=user.lower(),
        command="/thanks",
        text=text,
        api_app_id=APP_ID,
        response_url=slack.bot.standin.response_url(token),
        trigger_id=slack.new_trigger_id(),
    )
    http = slack.client.send(urlencode(fields).encode("utf-8"), FORM_CONTENT_TYPE)
    assert http.status == 200, http
    return token


def reply(slack: SlackSender, token: str) -> dict[str, Any]:
    """Wait for the one private reply to a command and return its body."""
    calls = wait_until(lambda: slack.bot.standin.responses(token), what="the private reply")
    assert len(calls) == 1, [call.params for call in calls]
    return calls[0].params


def reply_text(slack: SlackSender, token: str) -> str:
    body = reply(slack, token)
    return "\n".join([str(body.get("text", "")), *text_fields(body.get("blocks") or [])])


def cards(bot: LocalBot) -> list[dict[str, Any]]:
    return bot.standin.messages(THANKS_CHANNEL)


def card_text(message: dict[str, Any]) -> str:
    return "\n".join(text_fields(message.get("blocks") or []))


def direct_messages(bot: LocalBot, user_id: str) -> list[dict[str, Any]]:
    return bot.standin.messages(user_id)


@pytest.fixture
def recognition(bot: LocalBot, slack: SlackSender) -> None:
    """A manager with the recognition channel and three values set through /thanks."""
    assert bot.process is not None
    roles.grant_role(
        bot_db(bot),
        platform="slack",
        user_id=MANAGER,
        role=roles.MANAGER,
        granted_by="cli",
        now=bot.process.clock.now(),
    )
    token = thanks_command(slack, f"channel <#{THANKS_CHANNEL}|thanks>", user=MANAGER)
    assert f"will be posted in <#{THANKS_CHANNEL}>" in reply_text(slack, token)
    token = thanks_command(slack, "values Compassionate, Open, Respectful", user=MANAGER)
    assert "#compassionate #open #respectful" in reply_text(slack, token)


def test_card_and_messages_once(bot: LocalBot, slack: SlackSender, recognition: None) -> None:
    token = thanks_command(
        slack, f"{mention(BOB)} and {mention(TOM)} Thanks for the late shift &amp; more #open"
    )
    assert "Your card is in" in reply_text(slack, token)
    [card] = wait_until(lambda: cards(bot), what="the card")
    text = card_text(card)
    assert f"<@{GIVER}> thanked <@{BOB}> and <@{TOM}>" in text
    assert "Thanks for the late shift &amp; more" in text
    assert ":medal: Open" in text
    for user_id in (BOB, TOM):
        wait_until(lambda u=user_id: direct_messages(bot, u), what=f"the message to {user_id}")
    time.sleep(SETTLE_SECONDS)
    assert len(cards(bot)) == 1
    assert len(direct_messages(bot, BOB)) == 1
    assert len(direct_messages(bot, TOM)) == 1
    assert direct_messages(bot, GIVER) == []
    with bot_db(bot).transaction() as session:
        [row] = session.scalars(select(Thanks))
        assert row.message_id == card["ts"]
        assert row.values_text == "Open"


def test_restart_sends_nothing_again(
    database_url: str, manual_clock: ManualClock, bot: LocalBot, slack: SlackSender,
    recognition: None,
) -> None:  # fmt: skip
    thanks_command(slack, f"{mention(BOB)} Thanks for the handover")
    wait_until(lambda: cards(bot), what="the card")
    wait_until(lambda: direct_messages(bot, BOB), what="the message to Bob")
    bot.stop()
    standin = SlackStandIn(bot_token=BOT_TOKEN, users=STAFF)
    with LocalBot(database_url=database_url, clock=manual_clock, standin=standin) as restarted:
        assert restarted.process is not None
        time.sleep(SETTLE_SECONDS)
        # The retry job would post a card left unposted; this one was posted before the stop.
        recognition_jobs.retry_thanks_cards()
        time.sleep(SETTLE_SECONDS)
        assert standin.messages(THANKS_CHANNEL) == []
        assert standin.messages(BOB) == []


def test_repeat_merged_into_card(bot: LocalBot, slack: SlackSender, recognition: None) -> None:
    thanks_command(slack, f"{mention(BOB)} Thanks for the handover")
    [first] = wait_until(lambda: cards(bot), what="the card")
    wait_until(lambda: direct_messages(bot, BOB), what="the message to Bob")
    again = thanks_command(slack, f"{mention(BOB)} Thanks for the handover")
    assert "no second card" in reply_text(slack, again)
    more = thanks_command(slack, f"{mention(BOB)} {mention(KIM)} thanks for the handover")
    assert f"<@{KIM}> joined that card" in reply_text(slack, more)
    wait_until(lambda: direct_messages(bot, KIM), what="the message to Kim")
    time.sleep(SETTLE_SECONDS)
    assert len(cards(bot)) == 1
    assert f"<@{GIVER}> thanked <@{BOB}> and <@{KIM}>" in card_text(cards(bot)[0])
    updates = [c for c in bot.standin.calls("chat.update") if c.params.get("ts") == first["ts"]]
    assert len(updates) == 1
    assert len(direct_messages(bot, BOB)) == 1
    assert len(direct_messages(bot, KIM)) == 1


def test_no_channel_stores_nothing(bot: LocalBot, slack: SlackSender) -> None:
    token = thanks_command(slack, f"{mention(BOB)} Thanks for the handover")
    assert "manager" in reply_text(slack, token)
    assert "/thanks channel" in reply_text(slack, token)
    settle(bot)
    assert count_rows(bot_db(bot), Thanks) == 0
    assert count_rows(bot_db(bot), OutboxMessage) == 0


def test_overview_without_channel_says_how(bot: LocalBot, slack: SlackSender) -> None:
    token = thanks_command(slack, "")
    text = reply_text(slack, token)
    assert "You have received 0 thank-yous and given 0 cards." in text
    assert (
        "Thank-you cards cannot be sent until an engagement manager sets a recognition "
        "channel with `/thanks channel #channel`." in text
    )
    # Nothing was sent, so the overview must not read as a rejected thanks.
    assert "nothing was posted" not in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"{mention(GIVER)} Thanks me", "cannot thank yourself"),
        (f"{mention(HELPER_BOT)} Thanks", "is a bot"),
        (f"{mention(BOT_USER_ID)} Thanks", "is a bot"),
        ("<@USLACKBOT|slackbot> Thanks", "is a bot"),
        ("@bob Thanks", "Name at least one colleague"),
        (mention(BOB), "Add a message"),
        (f"{mention(BOB)} {'x' * 1001}", "1,001 characters"),
        (" ".join(mention(f"U0P{n:02d}") for n in range(11)) + " Thanks", "at most 10"),
        (f"{mention(BOB)} Thanks for calling 943 476 5919 back", "an NHS number"),
        (f"{mention(BOB)} Thanks #teamwork", "#teamwork is not one of"),
    ],
)
def test_thanks_refused(
    bot: LocalBot, slack: SlackSender, recognition: None, text: str, expected: str
) -> None:
    bot.standin.set_user(HELPER_BOT, is_bot=True)
    token = thanks_command(slack, text)
    assert expected in reply_text(slack, token)
    settle(bot)
    assert count_rows(bot_db(bot), Thanks) == 0
    assert count_rows(bot_db(bot), ThanksRecipient) == 0
    assert count_rows(bot_db(bot), OutboxMessage) == 0
    assert cards(bot) == []


def test_rejection_logged_as_info(
    bot: LocalBot, slack: SlackSender, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    token = thanks_command(slack, f"{mention(BOB)} Thanks for the secret handover")
    assert "manager" in reply_text(slack, token)

    [record] = [record for record in caplog.records if record.name == "handlers.errors"]
    assert record.levelno == logging.INFO
    line = record.getMessage()
    assert "invalid_input" in line
    assert TEAM_ID in line
    assert TEAM_CHANNEL in line
    # The user id and the thanks text stay out of the log.
    assert GIVER not in line
    assert "secret handover" not in line


def test_settings_refused_to_staff(bot: LocalBot, slack: SlackSender) -> None:
    token = thanks_command(slack, f"channel <#{THANKS_CHANNEL}|thanks>", user=GIVER)
    assert "Only engagement managers" in reply_text(slack, token)
    token = thanks_command(slack, "values open", user=GIVER)
    assert "Only engagement managers" in reply_text(slack, token)
    settle(bot)
    with bot_db(bot).transaction() as session:
        actions = list(session.scalars(select(AuditEntry.action)))
    assert actions == []


def test_values_problems_in_one_reply(bot: LocalBot, slack: SlackSender, recognition: None) -> None:
    long_value = "Going the extra mile every single day"
    token = thanks_command(slack, f"values a, b; c, {long_value}", user=MANAGER)
    text = reply_text(slack, token)
    assert '"b; c" can contain only letters, digits' in text
    assert "the list has 2 problems" in text
    assert f'"{long_value}" has {len(long_value)} characters, over the maximum of 30.' in text
    values = thanks_command(slack, "values", user=MANAGER)
    assert "Compassionate, Open, Respectful" in reply_text(slack, values)


def test_channel_without_bot_refused(bot: LocalBot, slack: SlackSender, recognition: None) -> None:
    bot.standin.set_bot_member("C0QUIET", is_member=False)
    token = thanks_command(slack, "channel <#C0QUIET|quiet>", user=MANAGER)
    text = reply_text(slack, token)
    assert "/invite @staffvoice" in text
    assert "nothing was changed" in text
    values = thanks_command(slack, "values", user=MANAGER)
    assert "Compassionate, Open, Respectful" in reply_text(slack, values)
    thanks_command(slack, f"{mention(BOB)} Thanks")
    wait_until(lambda: cards(bot), what="the card in the channel still set")


def test_overview_lists_received(bot: LocalBot, slack: SlackSender, recognition: None) -> None:
    thanks_command(slack, f"{mention(BOB)} Thanks for the handover")
    wait_until(lambda: cards(bot), what="the card")
    token = thanks_command(slack, "", user=BOB)
    body = reply(slack, token)
    text = "\n".join(text_fields(body.get("blocks") or []))
    assert "You have received 1 thank-you" in text
    assert "given 0 cards" in text
    assert f"<@{GIVER}>" in text
    assert "Thanks for the handover" in text
    assert ThanksIds.OPEN_ACTION.value in str(body.get("blocks"))


def press_open(slack: SlackSender, *, user: str, container: dict[str, Any]) -> None:
    """Send the block_actions payload of the "Thank a colleague" button."""
    payload = load_payload("block_actions")
    payload["user"].update(id=user, username=user.lower(), name=user.lower(), team_id=TEAM_ID)
    payload.update(api_app_id=APP_ID, trigger_id=slack.new_trigger_id(), container=container)
    payload["team"].update(id=TEAM_ID, domain=TEAM_DOMAIN)
    payload["response_url"] = slack.bot.standin.response_url(uuid.uuid4().hex)
    payload["actions"][0].update(
        action_id=ThanksIds.OPEN_ACTION.value, block_id="thanks", value="", action_ts=slack.new_ts()
    )
    if container["type"] == "view":
        # A press on the Home tab has no channel or message.
        del payload["channel"]
        del payload["message"]
        payload["view"] = {"id": container["view_id"], "type": "home", "blocks": []}
    else:
        payload["channel"].update(id=TEAM_CHANNEL, name=channel_name(TEAM_CHANNEL))
        payload["message"].update(ts=container["message_ts"], bot_id=BOT_ID, app_id=APP_ID)
    assert slack.send_interaction(payload).status == 200


def submit_form(
    slack: SlackSender, *, user: str, recipients: list[str], message: str, values: list[str]
) -> Any:
    """Send the view_submission payload of the thanks form with these inputs."""
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
        callback_id=ThanksIds.MODAL_CALLBACK.value,
    )
    options = [{"text": {"type": "plain_text", "text": v}, "value": v} for v in values]
    view["state"]["values"] = {
        ThanksIds.RECIPIENTS_BLOCK.value: {
            ThanksIds.RECIPIENTS_ACTION.value: {
                "type": "multi_users_select",
                "selected_users": recipients,
            }
        },
        ThanksIds.MESSAGE_BLOCK.value: {
            ThanksIds.MESSAGE_ACTION.value: {"type": "plain_text_input", "value": message}
        },
        ThanksIds.VALUES_BLOCK.value: {
            ThanksIds.VALUES_ACTION.value: {"type": "checkboxes", "selected_options": options}
        },
    }
    return slack.send_interaction(payload)


@pytest.mark.parametrize("surface", ["message", "view"])
def test_form_opens_from_button(
    bot: LocalBot, slack: SlackSender, recognition: None, surface: str
) -> None:
    container = (
        {"type": "message", "message_ts": slack.new_ts(), "channel_id": TEAM_CHANNEL,
         "is_ephemeral": True}
        if surface == "message"
        else {"type": "view", "view_id": "VHOME01"}
    )  # fmt: skip
    press_open(slack, user=GIVER, container=container)
    [call] = wait_until(lambda: bot.standin.calls("views.open"), what="the form")
    view = call.params["view"]
    assert view["callback_id"] == ThanksIds.MODAL_CALLBACK.value
    blocks = {block.get("block_id"): block for block in view["blocks"]}
    values = blocks[ThanksIds.VALUES_BLOCK.value]["element"]
    assert [option["value"] for option in values["options"]] == [
        "Compassionate",
        "Open",
        "Respectful",
    ]
    assert blocks[ThanksIds.RECIPIENTS_BLOCK.value]["element"]["max_selected_items"] == 10


def test_form_posts_card(bot: LocalBot, slack: SlackSender, recognition: None) -> None:
    http = submit_form(
        slack, user=GIVER, recipients=[BOB], message="Thanks for the rota", values=["Respectful"]
    )
    assert http.status == 200
    [card] = wait_until(lambda: cards(bot), what="the card")
    assert ":medal: Respectful" in card_text(card)
    wait_until(lambda: direct_messages(bot, BOB), what="the message to Bob")
    confirmation = wait_until(lambda: direct_messages(bot, GIVER), what="the confirmation")
    assert "Your card is in" in confirmation[0]["text"]


@pytest.mark.parametrize(
    ("recipients", "message", "block", "expected"),
    [
        ([GIVER], "Thanks", ThanksIds.RECIPIENTS_BLOCK, "cannot thank yourself"),
        ([HELPER_BOT], "Thanks", ThanksIds.RECIPIENTS_BLOCK, "@Helper Bot is a bot"),
        ([BOB], "Thanks #kind", ThanksIds.MESSAGE_BLOCK, "#kind is not one of"),
        ([BOB], "Call 07700 900123", ThanksIds.MESSAGE_BLOCK, "a phone number"),
    ],
)
def test_form_errors_inline(
    bot: LocalBot,
    slack: SlackSender,
    recognition: None,
    recipients: list[str],
    message: str,
    block: ThanksIds,
    expected: str,
) -> None:
    bot.standin.set_user(HELPER_BOT, is_bot=True, display_name="Helper Bot")
    http = submit_form(slack, user=GIVER, recipients=recipients, message=message, values=[])
    assert http.status == 200
    body = json.loads(http.body)
    assert body["response_action"] == "errors"
    assert expected in body["errors"][block.value]
    settle(bot)
    assert count_rows(bot_db(bot), Thanks) == 0


@pytest.mark.parametrize("message", ["   ", "#Open #respectful"])
def test_form_empty_message_names_box(
    bot: LocalBot, slack: SlackSender, recognition: None, message: str
) -> None:
    http = submit_form(slack, user=GIVER, recipients=[BOB], message=message, values=[])
    assert http.status == 200
    body = json.loads(http.body)
    assert body["response_action"] == "errors"
    error = body["errors"][ThanksIds.MESSAGE_BLOCK.value]
    assert error.startswith("Write in this box what you are thanking them for.")
    # The command's example reads oddly beside a form field.
    assert "/thanks" not in error
    settle(bot)
    assert count_rows(bot_db(bot), Thanks) == 0


def test_form_shows_every_fault_at_once(
    bot: LocalBot, slack: SlackSender, recognition: None
) -> None:
    http = submit_form(slack, user=GIVER, recipients=[], message="  ", values=[])
    assert http.status == 200
    body = json.loads(http.body)
    assert body["response_action"] == "errors"
    errors = body["errors"]
    assert set(errors) == {ThanksIds.RECIPIENTS_BLOCK.value, ThanksIds.MESSAGE_BLOCK.value}
    recipients_error = errors[ThanksIds.RECIPIENTS_BLOCK.value]
    assert recipients_error == "Pick at least one colleague to thank in this box."
    # The form has a people picker, so the command's "as you type @" hint does not apply.
    assert "/thanks" not in recipients_error
    assert errors[ThanksIds.MESSAGE_BLOCK.value].startswith("Write in this box")
    settle(bot)
    assert count_rows(bot_db(bot), Thanks) == 0


def test_form_bot_and_unknown_tag_together(
    bot: LocalBot, slack: SlackSender, recognition: None
) -> None:
    bot.standin.set_user(HELPER_BOT, is_bot=True, display_name="Helper Bot")
    http = submit_form(
        slack, user=GIVER, recipients=[HELPER_BOT], message="Thanks #kind", values=[]
    )
    body = json.loads(http.body)
    assert body["response_action"] == "errors"
    assert "@Helper Bot is a bot" in body["errors"][ThanksIds.RECIPIENTS_BLOCK.value]
    assert "#kind is not one of" in body["errors"][ThanksIds.MESSAGE_BLOCK.value]
    settle(bot)
    assert count_rows(bot_db(bot), Thanks) == 0


def test_colleague_deactivated_after_a_lookup_refused(
    bot: LocalBot, slack: SlackSender, recognition: None
) -> None:
    # The first thanks caches Kim's account as active.
    assert "Your card is in" in reply_text(slack, thanks_command(slack, f"{mention(KIM)} Thanks"))
    bot.standin.set_user(KIM, deleted=True)
    left = load_payload("user_change")["event"]
    left["user"].update(id=KIM, team_id=TEAM_ID, deleted=True)
    assert slack.send_event("user_change", left)[0].status == 200
    settle(bot)

    token = thanks_command(slack, f"{mention(KIM)} Thanks again for the cover")

    assert "has left the workspace" in reply_text(slack, token)
    assert count_rows(bot_db(bot), Thanks) == 1


def test_values_problem_escaped(bot: LocalBot, slack: SlackSender, recognition: None) -> None:
    # Slack sends @channel typed in a slash command as <!channel>.
    token = thanks_command(slack, "values open, <!channel>", user=MANAGER)
    text = reply_text(slack, token)
    assert "&lt;!channel&gt;" in text
    assert "<!channel>" not in text
