"""End to end: a team lead runs a Your Shout board with /yourshout, and staff take part."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select

from bot.core import roles
from bot.simulate.local_bot import HttpResult, LocalBot
from bot.simulate.slack_standin import APP_ID, BOT_ID, TEAM_DOMAIN, TEAM_ID, channel_name
from handlers.ids import BoardIds
from handlers.refresher import CLOSED_UPDATE_INTERVAL_SECONDS
from storage.models import Board, Idea, OutboxMessage
from tests.e2e.support import (
    FORM_CONTENT_TYPE,
    SlackSender,
    bot_db,
    comment_rows,
    idea_rows,
    load_payload,
    open_campaign_now,
    settle,
    stored_votes,
    text_fields,
    vote_button_value,
    wait_until,
)

LEAD_ID = "U0ALICE"
STAFF_ID = "U0BOB"
OTHER_ID = "U0TOM"
BOARD_CHANNEL = "C0TEAM"
PRIVATE_CHANNEL = "G0SECRET"
QUESTION = "What would make our handovers easier?"


def grant(bot: LocalBot, user_id: str, role: str) -> None:
    assert bot.process is not None
    roles.grant_role(
        bot_db(bot),
        platform="slack",
        user_id=user_id,
        role=role,
        granted_by="cli",
        now=bot.process.clock.now(),
    )


def yourshout(
    slack: SlackSender, text: str, *, user: str, channel: str = BOARD_CHANNEL
) -> tuple[HttpResult, str]:
    """Send /yourshout with text; return the HTTP response and the response URL token."""
    token = uuid.uuid4().hex
    fields = load_payload("slash_command")
    fields.update(
        team_id=TEAM_ID,
        team_domain=TEAM_DOMAIN,
        channel_id=channel,
        channel_name=channel_name(channel),
        user_id=user,
        user_name=user.lower(),
        command="/yourshout",
        text=text,
        api_app_id=APP_ID,
        response_url=slack.bot.standin.response_url(token),
        trigger_id=slack.new_trigger_id(),
    )
    http = slack.client.send(urlencode(fields).encode("utf-8"), FORM_CONTENT_TYPE)
    assert http.status == 200, http
    return http, token


def reply_to(slack: SlackSender, token: str) -> dict[str, Any]:
    """Wait for the one message sent to a response URL and return its JSON body."""
    [call] = wait_until(lambda: slack.bot.standin.responses(token), what="the private reply")
    return call.params


def reply_text(slack: SlackSender, token: str) -> str:
    """Wait for the reply to a response URL; return its text and the text of its blocks."""
    body = reply_to(slack, token)
    return " ".join([str(body.get("text", "")), *text_fields(body.get("blocks") or [])])


def press(
    slack: SlackSender, action: BoardIds, *, value: str, user: str, channel: str = BOARD_CHANNEL
) -> str:
    """Press a button of the replace prompt; return the token of the press's response URL."""
    token = uuid.uuid4().hex
    payload = load_payload("block_actions")
    payload["user"].update(id=user, username=user.lower(), name=user.lower(), team_id=TEAM_ID)
    payload.update(api_app_id=APP_ID, trigger_id=slack.new_trigger_id())
    payload["container"].update(
        type="message", message_ts=slack.new_ts(), channel_id=channel, is_ephemeral=True
    )
    payload["team"].update(id=TEAM_ID, domain=TEAM_DOMAIN)
    payload["channel"].update(id=channel, name=channel_name(channel))
    payload["message"].update(ts=slack.new_ts(), bot_id=BOT_ID, app_id=APP_ID)
    payload["response_url"] = slack.bot.standin.response_url(token)
    payload["actions"][0].update(action_id=action.value, value=value, action_ts=slack.new_ts())
    http = slack.send_interaction(payload)
    assert http.status == 200, http
    return token


def board_rows(bot: LocalBot) -> list[Board]:
    with bot_db(bot).transaction() as session:
        return list(session.scalars(select(Board).order_by(Board.id)))


def message(bot: LocalBot, channel: str, ts: str) -> dict[str, Any]:
    [found] = [item for item in bot.standin.messages(channel) if item["ts"] == ts]
    return found


def message_text(bot: LocalBot, channel: str, ts: str) -> str:
    return " ".join(text_fields(message(bot, channel, ts).get("blocks") or []))


def post_board_idea(slack: SlackSender, text: str, *, user: str) -> tuple[Idea, str]:
    """Send /idea in the board's channel; return the posted idea's row and the reply's text."""
    db = bot_db(slack.bot)
    known = {idea.id for idea in idea_rows(db)}
    result = slack.command(text, user=user, channel=BOARD_CHANNEL)
    assert result.http.status == 200, result.http
    idea = wait_until(
        lambda: next((i for i in idea_rows(db) if i.id not in known and i.message_id), None),
        what="the idea to be posted",
    )
    [confirmation] = wait_until(
        lambda: slack.response_texts(result.response_token), what="the confirmation"
    )
    assert idea is not None
    return idea, confirmation


def bold_texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Return the bold text elements of the rich_text blocks, which Slack shows literally."""
    return [
        element["text"]
        for block in blocks
        if block["type"] == "rich_text"
        for section in block["elements"]
        for element in section["elements"]
        if element["type"] == "text" and element.get("style", {}).get("bold")
    ]


def shows_vote_button(bot: LocalBot, ts: str) -> bool:
    return vote_button_value(message(bot, BOARD_CHANNEL, ts).get("blocks") or []) is not None


def test_lead_runs_board(bot: LocalBot, slack: SlackSender) -> None:
    grant(bot, LEAD_ID, roles.LEAD)

    # Staff cannot start a board.
    _, token = yourshout(slack, f"start {QUESTION}", user=STAFF_ID)
    assert "Only team leads and engagement managers" in reply_text(slack, token)
    assert board_rows(bot) == []

    # The lead starts one: the header is posted and pinned.
    _, token = yourshout(slack, f"start {QUESTION} &amp; why?", user=LEAD_ID)
    started = reply_text(slack, token)
    [board] = board_rows(bot)
    assert board.question == f"{QUESTION} & why?"
    assert board.header_message_id is not None
    assert "posted and pinned" in started
    assert bot.standin.pinned(BOARD_CHANNEL) == [board.header_message_id]
    header = message_text(bot, BOARD_CHANNEL, board.header_message_id)
    assert "`/idea`" in header
    assert f"<@{LEAD_ID}>" in header
    assert "`⋯` menu" in header
    assert "`⋯` menu" in started
    header_blocks = message(bot, BOARD_CHANNEL, board.header_message_id)["blocks"]
    assert bold_texts(header_blocks) == [f"{QUESTION} & why?"]

    # Staff post ideas in the channel, and they go to the board.
    first, confirmation = post_board_idea(slack, "Use a handover checklist", user=STAFF_ID)
    second, _ = post_board_idea(slack, "Hand over at the bedside", user=LEAD_ID)
    assert first.board_id == board.id
    assert first.campaign_id is None
    assert first.channel_id == BOARD_CHANNEL
    assert "Your Shout board" in confirmation
    first_ts, second_ts = first.message_id, second.message_id
    assert first_ts is not None
    assert second_ts is not None
    header_ts = board.header_message_id
    assert header_ts is not None

    # Votes by reaction and by button, and a comment in the thread.
    slack.react(user=OTHER_ID, reaction="+1", ts=second_ts, channel=BOARD_CHANNEL)
    vote = slack.press_vote(
        user=STAFF_ID, value=str(second.id), message_ts=second_ts, channel=BOARD_CHANNEL
    )
    assert vote.http.status == 200
    slack.reply(user=OTHER_ID, text="Yes please", thread_ts=first_ts, channel=BOARD_CHANNEL)
    db = bot_db(bot)
    wait_until(lambda: stored_votes(db, second.id) == (2, 2), what="two votes")
    wait_until(lambda: len(comment_rows(db)) == 1, what="the comment")

    # /yourshout shows the ranking with counts and links.
    _, token = yourshout(slack, "", user=STAFF_ID)
    view = reply_to(slack, token)
    lines = [text for text in text_fields(view["blocks"]) if text.startswith(("1. ", "2. "))]
    assert len(lines) == 2
    assert "Hand over at the bedside" in lines[0]
    assert lines[0].startswith("1. *2 votes* · ")
    assert "Use a handover checklist" in lines[1]
    assert "1 comment" in lines[1]
    assert f"/archives/{BOARD_CHANNEL}/p{second_ts.replace('.', '')}" in lines[0]

    # Staff cannot close it.
    _, token = yourshout(slack, "close", user=STAFF_ID)
    assert "Only this board's lead" in reply_text(slack, token)
    assert board_rows(bot)[0].status == "open"

    # The lead closes it: the header says so and the Vote buttons go, paced.
    http, _ = yourshout(slack, "close", user=LEAD_ID)
    assert "is closed" in http.body
    assert board_rows(bot)[0].status == "closed"
    wait_until(
        lambda: "This board is closed" in message_text(bot, BOARD_CHANNEL, header_ts),
        what="the header to show the board closed",
    )
    wait_until(
        lambda: not any(shows_vote_button(bot, ts) for ts in (first_ts, second_ts)),
        timeout=2 * CLOSED_UPDATE_INTERVAL_SECONDS + 5,
        what="the idea messages to lose their Vote buttons",
    )
    assert "Voting closed" in message_text(bot, BOARD_CHANNEL, second_ts)

    # A vote on the closed board is rejected, with one notice per voter.
    rejected = slack.press_vote(
        user=OTHER_ID, value=str(first.id), message_ts=first_ts, channel=BOARD_CHANNEL
    )
    [notice] = wait_until(
        lambda: slack.response_texts(rejected.response_token), what="the closed-board notice"
    )
    assert "not counted" in notice
    rejected_again = slack.press_vote(
        user=OTHER_ID, value=str(first.id), message_ts=first_ts, channel=BOARD_CHANNEL
    )
    assert rejected_again.http.status == 200
    settle(bot)
    assert slack.response_texts(rejected_again.response_token) == []
    assert stored_votes(db, first.id) == (0, 0)

    http, _ = yourshout(slack, "close", user=LEAD_ID)
    assert "closed already" in http.body

    # Reopening brings the buttons back.
    http, _ = yourshout(slack, "reopen", user=LEAD_ID)
    assert "open again" in http.body
    wait_until(
        lambda: all(shows_vote_button(bot, ts) for ts in (first_ts, second_ts)),
        timeout=2 * CLOSED_UPDATE_INTERVAL_SECONDS + 5,
        what="the idea messages to get their Vote buttons back",
    )
    assert "This board is closed" not in message_text(bot, BOARD_CHANNEL, header_ts)

    # On a closed board, the /idea reply names the closed board, and start offers it back.
    yourshout(slack, "close", user=LEAD_ID)
    known = {idea.id for idea in idea_rows(db)}
    result = slack.command("Idea while the board is closed", user=STAFF_ID, channel=BOARD_CHANNEL)
    [closed_reply] = wait_until(
        lambda: slack.response_texts(result.response_token), what="the closed-board reply"
    )
    assert f"The Your Shout board in <#{BOARD_CHANNEL}> is closed" in closed_reply
    assert "standing ideas list" in closed_reply
    [standing] = [idea for idea in idea_rows(db) if idea.id not in known]
    assert standing.board_id is None
    assert standing.campaign_id is None

    new_question = "What *one* thing _would_ help?"
    _, token = yourshout(slack, f"start {new_question}", user=LEAD_ID)
    prompt = reply_to(slack, token)
    assert "closed Your Shout board, with 2 ideas" in prompt["text"]
    assert "and reopen it" in prompt["text"]
    buttons = {
        element["action_id"]: element
        for block in prompt["blocks"]
        for element in block.get("elements", [])
        if element.get("type") == "button"
    }
    assert buttons[BoardIds.REPLACE_ACTION]["text"]["text"] == "Replace question and reopen"
    assert buttons[BoardIds.KEEP_ACTION]["text"]["text"] == "Keep it closed"
    assert len(board_rows(bot)) == 1
    assert board_rows(bot)[0].status == "closed"

    token = press(
        slack,
        BoardIds.REPLACE_ACTION,
        value=buttons[BoardIds.REPLACE_ACTION]["value"],
        user=STAFF_ID,
    )
    refusal = reply_text(slack, token)
    assert "can replace its question and reopen it" in refusal
    assert "start a Your Shout board" not in refusal
    token = press(
        slack,
        BoardIds.REPLACE_ACTION,
        value=buttons[BoardIds.REPLACE_ACTION]["value"],
        user=LEAD_ID,
    )
    assert "is open again" in reply_text(slack, token)
    [reopened] = board_rows(bot)
    assert reopened.id == board.id
    assert reopened.status == "open"
    assert reopened.question == new_question
    assert {idea.board_id for idea in idea_rows(db) if idea.id != standing.id} == {board.id}
    wait_until(
        lambda: bold_texts(message(bot, BOARD_CHANNEL, header_ts)["blocks"]) == [new_question],
        what="the header to show the new question",
    )
    wait_until(
        lambda: all(shows_vote_button(bot, ts) for ts in (first_ts, second_ts)),
        timeout=2 * CLOSED_UPDATE_INTERVAL_SECONDS + 5,
        what="the reopened board's Vote buttons",
    )
    _, token = yourshout(slack, "", user=STAFF_ID)
    assert bold_texts(reply_to(slack, token)["blocks"]) == [new_question]


def test_replace_lead_and_digest(bot: LocalBot, slack: SlackSender) -> None:
    grant(bot, LEAD_ID, roles.LEAD)
    grant(bot, OTHER_ID, roles.LEAD)
    yourshout(slack, f"start {QUESTION}", user=LEAD_ID)
    [board] = wait_until(
        lambda: [row for row in board_rows(bot) if row.header_message_id], what="the header"
    )
    header_ts = board.header_message_id
    assert header_ts is not None

    # Starting again offers to replace the question, with the new one in the button.
    _, token = yourshout(slack, "start What slows handovers down?", user=OTHER_ID)
    prompt = reply_to(slack, token)
    buttons = {
        element["action_id"]: element["value"]
        for block in prompt["blocks"]
        for element in block.get("elements", [])
        if element.get("type") == "button"
    }
    assert set(buttons) == {BoardIds.REPLACE_ACTION, BoardIds.KEEP_ACTION}
    offer = json.loads(buttons[BoardIds.REPLACE_ACTION])
    assert offer == {"board": board.id, "question": "What slows handovers down?"}

    # Another team lead may not replace this lead's question.
    token = press(
        slack, BoardIds.REPLACE_ACTION, value=buttons[BoardIds.REPLACE_ACTION], user=OTHER_ID
    )
    assert "Only this board's lead" in reply_text(slack, token)
    assert board_rows(bot)[0].question == QUESTION

    token = press(slack, BoardIds.KEEP_ACTION, value=buttons[BoardIds.KEEP_ACTION], user=LEAD_ID)
    kept = reply_to(slack, token)
    assert QUESTION in kept["text"]
    assert kept.get("replace_original") is True

    token = press(
        slack, BoardIds.REPLACE_ACTION, value=buttons[BoardIds.REPLACE_ACTION], user=LEAD_ID
    )
    replaced = reply_to(slack, token)
    assert "What slows handovers down?" in replaced["text"]
    assert replaced.get("replace_original") is True
    [row] = board_rows(bot)
    assert row.question == "What slows handovers down?"
    assert "What slows handovers down?" in message_text(bot, BOARD_CHANNEL, header_ts)

    # Lead changes: rejected for staff, a plain "@name" explained, a mention accepted.
    _, token = yourshout(slack, f"lead <@{STAFF_ID}|bob>", user=STAFF_ID)
    assert "Only this board's lead" in reply_text(slack, token)
    _, token = yourshout(slack, "lead @tom", user=LEAD_ID)
    assert "with a mention" in reply_text(slack, token)
    bot.standin.set_user("U0HELPER", is_bot=True)
    bot.standin.set_user("U0GONE", deleted=True)
    for mention in ("<@USLACKBOT|slackbot>", "USLACKBOT", "<@U0HELPER|helper>"):
        _, token = yourshout(slack, f"lead {mention}", user=LEAD_ID)
        assert "Slackbot and other bots cannot lead a board" in reply_text(slack, token)
    _, token = yourshout(slack, "lead <@U0GONE|gone>", user=LEAD_ID)
    assert "has left the workspace" in reply_text(slack, token)
    _, token = yourshout(slack, f"lead <@{OTHER_ID}|tom> #team", user=LEAD_ID)
    assert "`#team` is not a channel" in reply_text(slack, token)
    http, _ = yourshout(slack, f"lead <@{OTHER_ID}|tom> C0NOBOARD", user=LEAD_ID)
    assert "<#C0NOBOARD> has no Your Shout board" in http.body
    assert board_rows(bot)[0].lead_id == LEAD_ID
    http, _ = yourshout(slack, f"lead <@{OTHER_ID}|tom>", user=LEAD_ID)
    assert f"<@{OTHER_ID}> now leads" in http.body
    assert board_rows(bot)[0].lead_id == OTHER_ID
    with bot_db(bot).transaction() as session:
        [notice] = session.scalars(select(OutboxMessage)).all()
        assert notice.recipient == OTHER_ID
        assert notice.dedupe_key.startswith(f"board-lead:{board.id}:{OTHER_ID}:")
    wait_until(
        lambda: [
            call
            for call in bot.standin.calls("chat.postMessage")
            if call.params.get("channel") == OTHER_ID
        ],
        what="the new lead's direct message",
    )
    _, token = yourshout(slack, "close", user=LEAD_ID)
    assert "Only this board's lead" in reply_text(slack, token)

    # The digest time: set by the lead, rejected for others, shown to anyone.
    http, _ = yourshout(slack, "digest friday 16:00", user=OTHER_ID)
    assert "Fridays at 16:00" in http.body
    _, token = yourshout(slack, "digest monday 08:00", user=STAFF_ID)
    assert "Only this board's lead" in reply_text(slack, token)
    http, _ = yourshout(slack, "digest", user=STAFF_ID)
    assert "Fridays at 16:00" in http.body
    _, token = yourshout(slack, "digest someday 9", user=OTHER_ID)
    assert "not a day of the week" in reply_text(slack, token)
    for time_text in ("4pm", "25:00"):
        _, token = yourshout(slack, f"digest monday {time_text}", user=OTHER_ID)
        assert f"'{time_text}' is not a time of day." in reply_text(slack, token)
    row = board_rows(bot)[0]
    assert (row.digest_weekday, row.digest_minute) == (4, 960)

    # Usage replies.
    http, _ = yourshout(slack, "close now", user=OTHER_ID)
    assert "`/yourshout close`" in http.body
    http, _ = yourshout(slack, "frobnicate", user=OTHER_ID)
    assert "is not a Your Shout command" in http.body
    assert board_rows(bot)[0].status == "open"


def test_list_hides_private_board(bot: LocalBot, slack: SlackSender) -> None:
    grant(bot, LEAD_ID, roles.LEAD)
    grant(bot, OTHER_ID, roles.MANAGER)
    bot.standin.set_channel_members(PRIVATE_CHANNEL, [LEAD_ID, STAFF_ID])
    for channel, question in ((BOARD_CHANNEL, QUESTION), (PRIVATE_CHANNEL, "Secret question?")):
        _, token = yourshout(slack, f"start {question}", user=LEAD_ID, channel=channel)
        assert "is open" in reply_text(slack, token)
    assert [row.private for row in board_rows(bot)] == [False, True]

    _, token = yourshout(slack, "list", user=STAFF_ID)
    assert "Only engagement managers" in reply_text(slack, token)

    _, token = yourshout(slack, "list", user=OTHER_ID)
    listing = reply_text(slack, token)
    assert QUESTION in listing
    assert "Secret question?" not in listing
    assert "1 board in private channels you are not a member of" in listing

    bot.standin.set_channel_members(PRIVATE_CHANNEL, [LEAD_ID, STAFF_ID, OTHER_ID])
    _, token = yourshout(slack, "list", user=OTHER_ID)
    listing = reply_text(slack, token)
    assert "Secret question?" in listing
    assert "not a member" not in listing


def test_board_view_behind_campaign(bot: LocalBot, slack: SlackSender) -> None:
    grant(bot, LEAD_ID, roles.LEAD)
    _, token = yourshout(slack, f"start {QUESTION}", user=LEAD_ID)
    reply_text(slack, token)
    open_campaign_now(bot, title="Winter ideas", channel=BOARD_CHANNEL)

    _, token = yourshout(slack, "", user=STAFF_ID)
    shown = reply_text(slack, token)

    assert "The campaign Winter ideas runs in this channel until" in shown
    assert "`/idea` here posts to the campaign" in shown
