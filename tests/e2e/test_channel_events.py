"""End to end: boards survive a channel rename, close on archive, and outlive a departed lead."""

from __future__ import annotations

import time

from sqlalchemy import select

from bot.core import boards, roles
from bot.core.records import BoardRecord, Person
from bot.simulate.local_bot import LocalBot
from bot.simulate.slack_standin import TEAM_ID
from storage.models import Idea, OutboxMessage
from tests.e2e.support import (
    SlackSender,
    bot_db,
    idea_rows,
    load_payload,
    settle,
    stored_votes,
    text_fields,
    wait_until,
)
from tests.e2e.test_boards import reply_text, yourshout

LEAD_ID = "U0LEAD"
MANAGER_IDS = ("U0MGRA", "U0MGRB")
STAFF_ID = "U0BOB"
NEW_LEAD_ID = "U0TOM"
WARD_CHANNEL = "C0WARD"
THEATRE_CHANNEL = "G0THEATRE"
THEATRE_QUESTION = "Which theatre list changes would cut late starts?"
# Long enough for an enqueued direct message to be sent by the outbox worker.
OUTBOX_SETTLE_SECONDS = 0.5


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


def start_board(bot: LocalBot, *, channel: str, question: str, private: bool) -> BoardRecord:
    assert bot.process is not None
    grant(bot, LEAD_ID, "lead")
    lead = Person(platform="slack", team_id=TEAM_ID, user_id=LEAD_ID)
    return boards.start_board(
        bot_db(bot),
        lead,
        channel_id=channel,
        question=question,
        private=private,
        now=bot.process.clock.now(),
    ).board


def post_idea_in(slack: SlackSender, text: str, *, channel: str) -> Idea:
    db = bot_db(slack.bot)
    known = {idea.id for idea in idea_rows(db)}
    result = slack.command(text, user=STAFF_ID, channel=channel)
    assert result.http.status == 200, result.http
    return wait_until(
        lambda: next((i for i in idea_rows(db) if i.id not in known and i.message_id), None),
        what=f"the idea posted in {channel}",
    )


def direct_texts(bot: LocalBot, user_id: str, marker: str) -> list[str]:
    return [
        "\n".join(text_fields(message))
        for message in bot.standin.messages(user_id)
        if marker in str(message.get("text", ""))
    ]


def outbox_keys(bot: LocalBot, prefix: str) -> list[str]:
    with bot_db(bot).transaction() as session:
        keys = session.scalars(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like(f"{prefix}%"))
        )
        return sorted(keys)


def channel_calls(bot: LocalBot, channel: str) -> int:
    return sum(
        call.params.get("channel") == channel
        for method in ("chat.postMessage", "chat.update")
        for call in bot.standin.calls(method)
    )


def test_rename_then_archive_closes_once(bot: LocalBot, slack: SlackSender) -> None:
    db = bot_db(bot)
    board = start_board(bot, channel=WARD_CHANNEL, question="What slows handover?", private=False)

    rename = load_payload("channel_rename")["event"]
    rename["channel"].update(id=WARD_CHANNEL, name="ward-7-nights")
    http, _ = slack.send_event("channel_rename", rename)
    assert http.status == 200
    wait_until(
        lambda: boards.get_board(db, board.id).channel_name == "ward-7-nights",
        what="the board to record the new channel name",
    )
    idea = post_idea_in(slack, "Hand over at the bedside", channel=WARD_CHANNEL)
    assert idea.board_id == board.id

    bot.standin.set_channel(WARD_CHANNEL, archived=True)
    posts_before_archive = channel_calls(bot, WARD_CHANNEL)
    archive = load_payload("channel_archive")["event"]
    archive.update(channel=WARD_CHANNEL, user="U0ADMIN")
    body = slack.event_body("channel_archive", archive, event_id=slack.new_event_id())
    assert slack.send_body(body).status == 200
    assert slack.send_body(body, retry_num=1).status == 200
    # Slack sends a new event id when the channel is archived again later.
    slack.send_event("channel_archive", archive)
    wait_until(
        lambda: direct_texts(bot, LEAD_ID, "was archived"), what="the archive notice to the lead"
    )
    settle(bot)
    time.sleep(OUTBOX_SETTLE_SECONDS)

    closed = boards.get_board(db, board.id)
    assert closed.status == boards.CLOSED
    assert closed.closed_reason == boards.CLOSED_BY_ARCHIVE
    assert len(outbox_keys(bot, f"board-archived:{board.id}:")) == 1
    [notice] = direct_texts(bot, LEAD_ID, "was archived")
    assert f"<#{WARD_CHANNEL}> was archived, so its Your Shout board is now closed." in notice
    assert "`/yourshout reopen`" in notice
    assert channel_calls(bot, WARD_CHANNEL) == posts_before_archive


def test_departed_lead_managers_told_once(bot: LocalBot, slack: SlackSender) -> None:
    db = bot_db(bot)
    for manager in MANAGER_IDS:
        grant(bot, manager, "manager")
    board = start_board(bot, channel=THEATRE_CHANNEL, question=THEATRE_QUESTION, private=True)
    # Neither manager nor the next lead is a member of the private channel.
    bot.standin.set_channel_members(THEATRE_CHANNEL, [LEAD_ID, STAFF_ID])

    # A profile change of someone who is still here changes nothing.
    still_here = load_payload("user_change")["event"]
    still_here["user"].update(id=MANAGER_IDS[0], team_id=TEAM_ID, deleted=False)
    slack.send_event("user_change", still_here)
    left = load_payload("user_change")["event"]
    left["user"].update(id=LEAD_ID, team_id=TEAM_ID, deleted=True)
    body = slack.event_body("user_change", left, event_id=slack.new_event_id())
    assert slack.send_body(body).status == 200
    assert slack.send_body(body, retry_num=1).status == 200
    slack.send_event("user_change", left)
    for manager in MANAGER_IDS:
        wait_until(
            lambda m=manager: direct_texts(bot, m, "needs a new lead"),
            what=f"the new-lead notice to {manager}",
        )
    settle(bot)
    time.sleep(OUTBOX_SETTLE_SECONDS)

    assert boards.get_board(db, board.id).lead_departed_at is not None
    assert len(outbox_keys(bot, f"board-lead-left:{board.id}:")) == 2
    assert direct_texts(bot, LEAD_ID, "needs a new lead") == []
    for manager in MANAGER_IDS:
        [notice] = direct_texts(bot, manager, "needs a new lead")
        assert f"The Your Shout board in <#{THEATRE_CHANNEL}> needs a new lead" in notice
        assert f"<@{LEAD_ID}> has left the organisation" in notice
        assert f"send `/yourshout lead @person {THEATRE_CHANNEL}` from any conversation" in notice
        assert "theatre list" not in notice.lower()

    # The board keeps taking ideas and votes while it has no lead.
    idea = post_idea_in(slack, "Send for the first patient at 07:45", channel=THEATRE_CHANNEL)
    assert idea.board_id == board.id
    vote = slack.press_vote(
        user=MANAGER_IDS[1],
        value=str(idea.id),
        message_ts=str(idea.message_id),
        channel=THEATRE_CHANNEL,
    )
    assert vote.http.status == 200
    wait_until(lambda: stored_votes(db, idea.id) == (1, 1), what="the vote to be stored")

    # A manager who is not a member names a new lead from a direct message with the bot,
    # with the command the notice gives, which also ends the departed state.
    command = f"lead <@{NEW_LEAD_ID}|tom> {THEATRE_CHANNEL}"
    http, _ = yourshout(slack, command, user=MANAGER_IDS[0], channel="D0MGRA")
    assert f"<@{NEW_LEAD_ID}> now leads the Your Shout board in <#{THEATRE_CHANNEL}>" in http.body
    assert "theatre list" not in http.body.lower()
    changed = boards.get_board(db, board.id)
    assert changed.lead_id == NEW_LEAD_ID
    assert changed.lead_departed_at is None
    [lead_notice] = wait_until(
        lambda: direct_texts(bot, NEW_LEAD_ID, "made you the lead"),
        what="the new lead's direct message",
    )
    assert "theatre list" not in lead_notice.lower()
    assert "join it to see the board" in lead_notice
    rejected_command = f"lead <@{STAFF_ID}|bob> <#{THEATRE_CHANNEL}|theatre>"
    _, token = yourshout(slack, rejected_command, user=STAFF_ID, channel="D0BOB")
    assert "Only this board's lead" in reply_text(slack, token)
    assert boards.get_board(db, board.id).lead_id == NEW_LEAD_ID
