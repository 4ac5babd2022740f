"""End to end: a board's lead sets an idea's status from its message, and its voters get a DM."""

from __future__ import annotations

import json
import uuid
from typing import Any

from bot.core import outbox, roles
from bot.core.boards import start_board
from bot.core.records import Person
from bot.core.votes import VoteChange, change_vote
from bot.simulate.local_bot import HttpResult, LocalBot
from bot.simulate.slack_standin import APP_ID, BOT_ID, TEAM_DOMAIN, TEAM_ID, channel_name
from handlers.ids import StatusIds
from storage.models import IdeaStatusChange
from tests.e2e.support import (
    CommandResult,
    SlackSender,
    bot_db,
    count_rows,
    idea_row,
    idea_rows,
    idea_update_calls,
    load_payload,
    settle,
    text_fields,
    wait_until,
)

BOARD_CHANNEL = "C0TEAM"
LEAD_ID = "U0LEAD"
AUTHOR_ID = "U0ALICE"
VOTER_IDS = ("U0BOB", "U0TOM")


def start_team_board(bot: LocalBot) -> None:
    """Grant the lead role to LEAD_ID and open a board in BOARD_CHANNEL with them as its lead."""
    assert bot.process is not None
    db = bot_db(bot)
    now = bot.process.clock.now()
    roles.grant_role(
        db, platform="slack", user_id=LEAD_ID, role=roles.LEAD, granted_by="test", now=now
    )
    lead = Person(platform="slack", team_id=TEAM_ID, user_id=LEAD_ID)
    start_board(
        db, lead, channel_id=BOARD_CHANNEL, question="What slows us down?", private=False, now=now
    )


def choose_status(
    slack: SlackSender,
    *,
    user: str,
    value: str,
    message_ts: str,
    trigger_id: str,
    channel: str = BOARD_CHANNEL,
) -> CommandResult:
    """Send the block_actions payload of a choice in an idea message's status menu."""
    token = uuid.uuid4().hex
    payload = load_payload("block_actions")
    payload["user"].update(id=user, username=user.lower(), name=user.lower(), team_id=TEAM_ID)
    payload.update(api_app_id=APP_ID, trigger_id=trigger_id)
    payload["container"].update(message_ts=message_ts, channel_id=channel)
    payload["team"].update(id=TEAM_ID, domain=TEAM_DOMAIN)
    payload["channel"].update(id=channel, name=channel_name(channel))
    payload["message"].update(ts=message_ts, bot_id=BOT_ID, app_id=APP_ID)
    payload["response_url"] = slack.bot.standin.response_url(token)
    payload["actions"] = [
        {
            "type": "overflow",
            "action_id": StatusIds.MENU_ACTION.value,
            "block_id": "idea-actions",
            "selected_option": {"text": {"type": "plain_text", "text": "A status"}, "value": value},
            "action_ts": slack.new_ts(),
        }
    ]
    http = slack.send_interaction(payload)
    assert http.status == 200, http.body
    return CommandResult(http, token, 0.0)


def submit_status(
    slack: SlackSender,
    *,
    user: str,
    view: dict[str, Any],
    status: str,
    reply: str | None,
    owner: str | None = None,
) -> HttpResult:
    """Send the view_submission of the status modal that views.open showed, with these inputs.

    The owner field is sent only when owner is given, as a modal without it would.
    """
    payload = load_payload("view_submission")
    payload["team"].update(id=TEAM_ID, domain=TEAM_DOMAIN)
    payload["user"].update(id=user, username=user.lower(), name=user.lower(), team_id=TEAM_ID)
    payload.update(api_app_id=APP_ID, trigger_id=slack.new_trigger_id())
    payload["view"].update(
        id="V0001",
        root_view_id="V0001",
        team_id=TEAM_ID,
        app_id=APP_ID,
        app_installed_team_id=TEAM_ID,
        bot_id=BOT_ID,
        callback_id=view["callback_id"],
        private_metadata=view["private_metadata"],
    )
    payload["view"]["state"]["values"] = {
        StatusIds.STATUS_BLOCK.value: {
            StatusIds.STATUS_ACTION.value: {
                "type": "static_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": "A status"},
                    "value": status,
                },
            }
        },
        StatusIds.REPLY_BLOCK.value: {
            StatusIds.REPLY_ACTION.value: {"type": "plain_text_input", "value": reply}
        },
    }
    if owner is not None:
        payload["view"]["state"]["values"][StatusIds.OWNER_BLOCK.value] = {
            StatusIds.OWNER_ACTION.value: {"type": "plain_text_input", "value": owner}
        }
    return slack.send_interaction(payload)


def opened_views(bot: LocalBot) -> list[dict[str, Any]]:
    """Return the views the bot sent with views.open, oldest first."""
    views = [call.params["view"] for call in bot.standin.calls("views.open")]
    return [view if isinstance(view, dict) else json.loads(view) for view in views]


def status_dms(bot: LocalBot, user_id: str) -> list[dict[str, Any]]:
    """Return the direct messages to a user that announce an idea's status."""
    return [
        message
        for message in bot.standin.messages(user_id)
        if "has an answer from" in " ".join(text_fields(message.get("blocks") or []))
    ]


def post_board_idea(slack: SlackSender, text: str) -> int:
    """Send /idea TEXT in the board's channel as the author; return the posted idea's id."""
    db = bot_db(slack.bot)
    result = slack.command(text, user=AUTHOR_ID, channel=BOARD_CHANNEL)
    assert result.http.status == 200, result.http
    idea = wait_until(
        lambda: next((row for row in idea_rows(db) if row.message_id), None),
        what="the board idea to be posted",
    )
    assert idea.board_id is not None
    return idea.id


def test_lead_answers_idea_from_menu(bot: LocalBot, slack: SlackSender) -> None:
    start_team_board(bot)
    db = bot_db(bot)
    idea_id = post_board_idea(slack, "Put the rota online")
    message_ts = idea_row(db, idea_id).message_id
    assert message_ts is not None
    # Votes go through the core, so no vote refresh updates the message and the
    # only chat.update calls of the message are the redraws after status changes.
    assert bot.process is not None
    for voter in (AUTHOR_ID, *VOTER_IDS):
        person = Person(platform="slack", team_id=TEAM_ID, user_id=voter)
        change_vote(
            db, person, idea_id=idea_id, change=VoteChange.CAST, now=bot.process.clock.now()
        )
    assert idea_row(db, idea_id).vote_count == 3

    # A colleague who is not the lead is rejected privately, and no modal opens.
    rejected = choose_status(
        slack,
        user="U0BOB",
        value=f"{idea_id}:planned",
        message_ts=message_ts,
        trigger_id=slack.new_trigger_id(),
    )
    [rejection] = wait_until(
        lambda: slack.response_texts(rejected.response_token), what="the rejection"
    )
    assert "Only this board's lead or an engagement manager" in rejection
    assert "nothing was changed" in rejection
    settle(bot)
    assert bot.standin.calls("views.open") == []

    # The lead's choice opens the modal with the chosen status preselected.
    choose_status(
        slack,
        user=LEAD_ID,
        value=f"{idea_id}:planned",
        message_ts=message_ts,
        trigger_id=slack.new_trigger_id(),
    )
    [view] = wait_until(lambda: opened_views(bot), what="the status modal")
    assert view["callback_id"] == StatusIds.MODAL_CALLBACK
    assert view["private_metadata"] == str(idea_id)
    status_input = next(b for b in view["blocks"] if b.get("block_id") == StatusIds.STATUS_BLOCK)
    assert status_input["element"]["initial_option"]["value"] == "planned"

    # A reply over 500 characters comes back inline, and nothing is stored.
    too_long = submit_status(slack, user=LEAD_ID, view=view, status="planned", reply="x" * 501)
    assert too_long.status == 200, too_long.body
    errors = json.loads(too_long.body)
    assert errors["response_action"] == "errors"
    assert "the maximum is 500" in errors["errors"][StatusIds.REPLY_BLOCK]
    assert idea_row(db, idea_id).status is None

    saved = submit_status(
        slack, user=LEAD_ID, view=view, status="planned", reply="From March, <b> & all"
    )
    assert saved.status == 200, saved.body
    assert "response_action" not in saved.body

    # The idea message is redrawn with the status and the escaped reply.
    def answered_update() -> str | None:
        for call in idea_update_calls(bot, message_ts):
            blocks_text = " ".join(text_fields(call.params.get("blocks") or []))
            if "Answer: Planned" in blocks_text:
                return blocks_text
        return None

    redrawn = wait_until(answered_update, what="the idea message showing the answer")
    assert "From March, &lt;b&gt; &amp; all" in redrawn
    assert "Vote (3)" in redrawn
    stored = idea_row(db, idea_id)
    assert stored.status == "planned"
    assert stored.status_reply == "From March, <b> & all"
    assert stored.status_changed_by == LEAD_ID
    assert count_rows(db, IdeaStatusChange) == 1

    # The lead gets a private confirmation with the number of people notified.
    confirmations = wait_until(
        lambda: [
            call.params
            for call in bot.standin.calls("chat.postEphemeral")
            if "now marked Planned" in str(call.params.get("text"))
        ],
        what="the lead's confirmation",
    )
    assert confirmations[0]["user"] == LEAD_ID
    assert "3 people get a direct message" in str(confirmations[0]["text"])

    # The author and each voter get exactly one direct message through the outbox.
    for user_id in (AUTHOR_ID, *VOTER_IDS):
        [dm] = wait_until(lambda u=user_id: status_dms(bot, u), what=f"the DM to {user_id}")
        body = " ".join(text_fields(dm["blocks"]))
        assert "Planned" in body
        assert f"<@{LEAD_ID}>" in body
        assert "From March, &lt;b&gt; &amp; all" in body
        assert f"/archives/{BOARD_CHANNEL}/p" in body
    assert "Your idea" in " ".join(text_fields(status_dms(bot, AUTHOR_ID)[0]["blocks"]))
    assert status_dms(bot, LEAD_ID) == []

    # Saving the same answer again changes nothing and sends nothing more.
    again = submit_status(
        slack, user=LEAD_ID, view=view, status="planned", reply="From March, <b> & all"
    )
    assert again.status == 200, again.body
    wait_until(
        lambda: any(
            "nothing changed" in str(call.params.get("text"))
            for call in bot.standin.calls("chat.postEphemeral")
        ),
        what="the unchanged confirmation",
    )
    settle(bot)
    clock = bot.process.clock
    # The outbox records a message as sent just after the stand-in receives it.
    wait_until(
        lambda: outbox.outbox_counts(db, platform="slack", now=clock.now()).pending == 0,
        what="the outbox to record every message as sent",
    )
    assert outbox.outbox_counts(db, platform="slack", now=clock.now()).sent == 3
    assert count_rows(db, IdeaStatusChange) == 1
    for user_id in (AUTHOR_ID, *VOTER_IDS):
        assert len(status_dms(bot, user_id)) == 1

    # Removing the reply redraws the message without it and sends no direct message.
    dms_before = {
        user_id: len(bot.standin.messages(user_id)) for user_id in (AUTHOR_ID, *VOTER_IDS)
    }
    updates_before = len(idea_update_calls(bot, message_ts))
    cleared = submit_status(slack, user=LEAD_ID, view=view, status="planned", reply="")
    assert cleared.status == 200, cleared.body
    wait_until(
        lambda: len(idea_update_calls(bot, message_ts)) > updates_before,
        what="the redraw without the reply",
    )
    last_update = idea_update_calls(bot, message_ts)[-1]
    last_text = " ".join(text_fields(last_update.params.get("blocks") or []))
    assert "Answer: Planned" in last_text
    assert "From March" not in last_text
    wait_until(
        lambda: any(
            "is removed" in str(call.params.get("text"))
            for call in bot.standin.calls("chat.postEphemeral")
        ),
        what="the removed-reply confirmation",
    )
    settle(bot)
    assert count_rows(db, IdeaStatusChange) == 2
    for user_id, count in dms_before.items():
        assert len(bot.standin.messages(user_id)) == count
