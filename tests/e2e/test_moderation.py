"""Moderation through signed Slack requests: a staff report, the queue, and hiding the idea."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.core import roles
from bot.core.records import CampaignRecord
from bot.simulate.local_bot import LocalBot
from bot.simulate.slack_standin import APP_ID, BOT_ID, TEAM_ID, channel_name
from handlers.blocks.ideas import HIDDEN_IDEA_NOTICE
from handlers.blocks.moderation import NOT_REPORTABLE, REPORT_THANKS
from handlers.blocks.own_posts import HIDDEN_COMMENT_NOTICE
from handlers.ids import ModerationIds
from tests.e2e.support import (
    CAMPAIGN_CHANNEL,
    FORM_CONTENT_TYPE,
    SlackSender,
    bot_db,
    comment_rows,
    idea_row,
    load_payload,
    post_idea,
    wait_until,
)
from tests.e2e.test_anonymity import comment_anonymously

MANAGER_ID = "U0ALICE"
REPORTER_ID = "U0TOM"


def _user(user_id: str) -> dict[str, str]:
    return {"id": user_id, "team_id": TEAM_ID, "name": user_id.lower()}


def _shortcut(slack: SlackSender, *, user: str, message_ts: str) -> None:
    payload = {
        "type": "message_action",
        "callback_id": ModerationIds.REPORT_SHORTCUT.value,
        "trigger_id": slack.new_trigger_id(),
        "team": {"id": TEAM_ID},
        "user": _user(user),
        "channel": {"id": CAMPAIGN_CHANNEL},
        "message": {"type": "message", "ts": message_ts, "bot_id": BOT_ID},
        "message_ts": message_ts,
        "response_url": slack.bot.standin.response_url(uuid.uuid4().hex),
    }
    assert slack.send_interaction(payload).status == 200


def _submit_report(slack: SlackSender, *, user: str, metadata: str, reason: str) -> None:
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID},
        "user": _user(user),
        "trigger_id": slack.new_trigger_id(),
        "view": {
            "id": "V0REPORT",
            "type": "modal",
            "callback_id": ModerationIds.REPORT_CALLBACK.value,
            "private_metadata": metadata,
            "state": {
                "values": {
                    ModerationIds.REASON_BLOCK.value: {
                        ModerationIds.REASON_ACTION.value: {
                            "type": "plain_text_input",
                            "value": reason,
                        }
                    }
                }
            },
        },
    }
    assert slack.send_interaction(payload).status == 200


def _moderate_command(slack: SlackSender) -> str:
    token = uuid.uuid4().hex
    fields = load_payload("slash_command")
    fields.update(
        team_id=TEAM_ID,
        channel_id=CAMPAIGN_CHANNEL,
        channel_name=channel_name(CAMPAIGN_CHANNEL),
        user_id=MANAGER_ID,
        user_name="alice",
        command="/campaign",
        text="moderate",
        api_app_id=APP_ID,
        response_url=slack.bot.standin.response_url(token),
        trigger_id=slack.new_trigger_id(),
    )
    http = slack.client.send(urlencode(fields).encode("utf-8"), FORM_CONTENT_TYPE)
    assert http.status == 200, http.body
    return token


def _press(slack: SlackSender, *, action_id: str, value: str, message_ts: str) -> str:
    token = uuid.uuid4().hex
    payload = load_payload("block_actions")
    payload["user"].update(id=MANAGER_ID, username="alice", name="alice", team_id=TEAM_ID)
    payload.update(api_app_id=APP_ID, trigger_id=slack.new_trigger_id())
    payload["container"].update(message_ts=message_ts, channel_id=CAMPAIGN_CHANNEL)
    payload["team"].update(id=TEAM_ID)
    payload["channel"].update(id=CAMPAIGN_CHANNEL, name=channel_name(CAMPAIGN_CHANNEL))
    payload["message"].update(ts=message_ts, bot_id=BOT_ID, app_id=APP_ID)
    payload["response_url"] = slack.bot.standin.response_url(token)
    payload["actions"][0].update(action_id=action_id, value=value, action_ts=slack.new_ts())
    assert slack.send_interaction(payload).status == 200
    return token


def _buttons(blocks: list[dict[str, Any]]) -> dict[str, str]:
    return {
        element["action_id"]: element["value"]
        for block in blocks
        if block.get("type") == "actions"
        for element in block["elements"]
    }


@pytest.mark.database
def test_report_then_hide(bot: LocalBot, slack: SlackSender, campaign: CampaignRecord) -> None:
    assert bot.process is not None
    roles.grant_role(
        bot_db(bot),
        platform="slack",
        user_id=MANAGER_ID,
        role="manager",
        granted_by="cli",
        now=bot.process.clock.now(),
    )
    idea = post_idea(slack, "Rename the Tuesday huddle", user="U0BOB")
    assert idea.message_id is not None

    _shortcut(slack, user=REPORTER_ID, message_ts=slack.new_ts())
    refusal = wait_until(
        lambda: bot.standin.calls("chat.postEphemeral"), what="the not-reportable reply"
    )
    assert refusal[-1].params["text"] == NOT_REPORTABLE

    _shortcut(slack, user=REPORTER_ID, message_ts=idea.message_id)
    opened = wait_until(lambda: bot.standin.calls("views.open"), what="the report modal")
    view = opened[-1].params["view"]
    assert view["callback_id"] == ModerationIds.REPORT_CALLBACK
    _submit_report(slack, user=REPORTER_ID, metadata=view["private_metadata"], reason="Rude")
    wait_until(
        lambda: [
            call
            for call in bot.standin.calls("chat.postMessage")
            if call.params.get("text") == REPORT_THANKS
        ],
        what="the reporter's thank-you",
    )

    token = _moderate_command(slack)
    queue = wait_until(lambda: bot.standin.responses(token), what="the moderation queue")
    buttons = _buttons(queue[-1].params["blocks"])
    assert buttons[ModerationIds.HIDE_ACTION] == f"idea:{idea.id}"
    assert "Rude" in str(queue[-1].params["blocks"])
    assert REPORTER_ID not in str(queue[-1].params)

    confirmation = _press(
        slack, action_id=ModerationIds.HIDE_ACTION, value=f"idea:{idea.id}", message_ts="1.0"
    )
    wait_until(lambda: bot.standin.responses(confirmation), what="the hide confirmation")
    updates = wait_until(
        lambda: [
            call
            for call in bot.standin.calls("chat.update")
            if call.params.get("ts") == idea.message_id
            and call.params.get("text") == HIDDEN_IDEA_NOTICE
        ],
        what="the idea message replaced by the notice",
    )
    assert ModerationIds.HIDE_ACTION not in str(updates[-1].params)
    assert "idea-vote" not in str(updates[-1].params["blocks"])
    assert idea_row(bot_db(bot), idea.id).hidden_at is not None


def test_hidden_anonymous_comment_shows_notice(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    assert bot.process is not None
    roles.grant_role(
        bot_db(bot),
        platform="slack",
        user_id=MANAGER_ID,
        role="manager",
        granted_by="cli",
        now=bot.process.clock.now(),
    )
    idea = post_idea(slack, "Rename the Tuesday huddle", user="U0BOB")
    assert idea.message_id is not None
    comment_anonymously(slack, user="U0CAROL", idea_message=idea.message_id, idea_id=idea.id)
    [comment] = wait_until(lambda: comment_rows(bot_db(bot)), what="the anonymous comment")

    def comment_updates(text: str) -> list[Any]:
        return [
            call
            for call in bot.standin.calls("chat.update")
            if call.params.get("ts") == comment.message_id and text in call.params.get("text", "")
        ]

    # The bot posted the reply itself, so hiding it replaces its text in the thread.
    _press(
        slack, action_id=ModerationIds.HIDE_ACTION, value=f"comment:{comment.id}", message_ts="1"
    )
    wait_until(lambda: comment_updates(HIDDEN_COMMENT_NOTICE), what="the hidden notice")
    _press(
        slack, action_id=ModerationIds.RESTORE_ACTION, value=f"comment:{comment.id}", message_ts="1"
    )
    wait_until(lambda: comment_updates("Agreed, and weekends too"), what="the restored text")
