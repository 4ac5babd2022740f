"""No trace of the author of an anonymous idea or comment in tables, logs or exports."""

from __future__ import annotations

import logging
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.core.export import export_campaign
from bot.core.participation_report import participation_report
from bot.core.records import CampaignRecord
from bot.logs import QUIET_LIBRARIES
from bot.simulate.local_bot import LocalBot
from bot.simulate.slack_standin import APP_ID, BOT_ID, TEAM_ID, direct_message_channel
from handlers.blocks.ideas import WITHDRAWN_IDEA_NOTICE
from handlers.ids import OwnPostIds
from storage.models import Base, Comment, Idea
from tests.e2e.support import (
    CAMPAIGN_CHANNEL,
    SlackSender,
    bot_db,
    comment_rows,
    load_payload,
    post_idea,
    settle,
    wait_until,
)

SECRET_ID = "U0ZQXANONA7"
SECRET_NAME = "Zebedee Quartermaine"
NAMED_ID = "U0ZQXNAMED3"
NAMED_NAME = "Ophelia Namedperson"


def _found(bot: LocalBot, campaign: CampaignRecord, caplog: Any, tmp_path: Path) -> set[str]:
    """Return which of the four markers appear in any table, log line, export or report."""
    haystack: list[str] = []
    with bot_db(bot).transaction() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                haystack.extend(str(value) for value in row)
    haystack.extend(record.getMessage() for record in caplog.records)
    for export_format in ("csv", "xlsx"):
        result = export_campaign(
            bot_db(bot),
            campaign.id,
            export_format=export_format,
            out_dir=tmp_path / export_format,
            timezone=bot.settings().timezone,
            now=bot.process.clock.now(),  # type: ignore[union-attr]
            min_group_size=2,
            actor="cli",
        )
        for path in result.paths:
            if path.suffix == ".xlsx":
                with zipfile.ZipFile(path) as workbook:
                    haystack.extend(workbook.read(name).decode() for name in workbook.namelist())
            else:
                haystack.append(path.read_text(encoding="utf-8"))
    report = participation_report(
        bot_db(bot),
        campaign_id=campaign.id,
        timezone=bot.settings().timezone,
        now=bot.process.clock.now(),  # type: ignore[union-attr]
    )
    haystack.append(repr(report))
    text = "\n".join(haystack).lower()
    return {
        marker
        for marker in (SECRET_ID, SECRET_NAME, NAMED_ID, NAMED_NAME)
        if marker.lower() in text
    }


def comment_anonymously(slack: SlackSender, *, user: str, idea_message: str, idea_id: int) -> None:
    shortcut = {
        "type": "message_action",
        "callback_id": OwnPostIds.COMMENT_SHORTCUT.value,
        "trigger_id": slack.new_trigger_id(),
        "team": {"id": TEAM_ID},
        "user": {"id": user, "team_id": TEAM_ID, "name": user.lower()},
        "channel": {"id": CAMPAIGN_CHANNEL},
        "message": {"type": "message", "ts": idea_message, "bot_id": BOT_ID},
        "message_ts": idea_message,
        "response_url": slack.bot.standin.response_url("shortcut"),
    }
    assert slack.send_interaction(shortcut).status == 200
    wait_until(lambda: slack.bot.standin.calls("views.open"), what="the comment modal")
    submission = {
        "type": "view_submission",
        "team": {"id": TEAM_ID},
        "user": {"id": user, "team_id": TEAM_ID, "name": user.lower()},
        "trigger_id": slack.new_trigger_id(),
        "view": {
            "id": "V0ANON",
            "type": "modal",
            "callback_id": OwnPostIds.COMMENT_CALLBACK.value,
            "private_metadata": str(idea_id),
            "state": {
                "values": {
                    OwnPostIds.COMMENT_BLOCK.value: {
                        OwnPostIds.COMMENT_ACTION.value: {
                            "type": "plain_text_input",
                            "value": "Agreed, and weekends too",
                        }
                    }
                }
            },
        },
    }
    assert slack.send_interaction(submission).status == 200


@pytest.mark.database
def test_anonymous_posts_leave_no_trace(
    bot: LocalBot,
    slack: SlackSender,
    campaign: CampaignRecord,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    # As configure_logging at STAFFVOICE_LOG_LEVEL=DEBUG: libraries log warnings only.
    for library in QUIET_LIBRARIES:
        caplog.set_level(logging.WARNING, logger=library)
    bot.standin.set_user(SECRET_ID, display_name=SECRET_NAME, real_name=SECRET_NAME)
    bot.standin.set_user(NAMED_ID, display_name=NAMED_NAME, real_name=NAMED_NAME)

    idea = post_idea(slack, "anon Quiet room on every ward", user=SECRET_ID)
    assert idea.anonymous
    assert idea.text == "Quiet room on every ward"
    assert idea.message_id is not None
    comment_anonymously(slack, user=SECRET_ID, idea_message=idea.message_id, idea_id=idea.id)
    comment = wait_until(
        lambda: next(iter(comment_rows(bot_db(bot))), None), what="the anonymous comment"
    )
    # The bot's own thread message comes back as a message event and must not be stored again.
    slack.send_event(
        "message_reply",
        slack.reply_event(
            user="U0STAFFVOICE",
            text="x",
            thread_ts=idea.message_id,
            ts=comment.message_id,
            bot_id=BOT_ID,
        ),
    )
    slack.send_event(
        "message_reply",
        {
            **slack.reply_event(user=SECRET_ID, text="my posts", thread_ts=None),
            "channel": direct_message_channel(SECRET_ID),
            "channel_type": "im",
        },
    )
    # A named idea: the search must find its author, or it could not find anything.
    post_idea(slack, "Longer lunch breaks", user=NAMED_ID)
    settle(bot)

    with bot_db(bot).transaction() as session:
        comments = session.scalars(select(Comment)).all()
    assert len(comments) == 1
    assert comments[0].user_id is None
    assert comments[0].anonymous
    listing = [
        call
        for call in bot.standin.calls("chat.postMessage")
        if call.params.get("channel") == direct_message_channel(SECRET_ID)
    ]
    assert len(listing) == 1
    assert "Your anonymous posts (2)" in str(listing[0].params.get("text"))
    found = _found(bot, campaign, caplog, tmp_path)
    assert SECRET_ID not in found
    assert SECRET_NAME not in found
    assert NAMED_ID in found
    assert NAMED_NAME in found


def _direct_message(slack: SlackSender, *, user: str, text: str) -> None:
    slack.send_event(
        "message_reply",
        {
            **slack.reply_event(user=user, text=text, thread_ts=None),
            "channel": direct_message_channel(user),
            "channel_type": "im",
        },
    )


def _replies_to(bot: LocalBot, user: str) -> list[str]:
    return [
        str(call.params.get("text"))
        for call in bot.standin.calls("chat.postMessage")
        if call.params.get("channel") == direct_message_channel(user)
    ]


def test_comment_by_direct_message(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    idea = post_idea(slack, "Longer lunch breaks", user=NAMED_ID)
    assert idea.message_id is not None
    bot.standin.set_channel_members(CAMPAIGN_CHANNEL, [NAMED_ID, SECRET_ID])

    # Someone outside the idea's channel cannot reach its thread through the bot.
    _direct_message(slack, user="U0OUTSIDER", text=f"comment {idea.id} Let me in")
    wait_until(lambda: _replies_to(bot, "U0OUTSIDER"), what="the refusal")
    assert "not a member" in _replies_to(bot, "U0OUTSIDER")[0]

    _direct_message(slack, user=SECRET_ID, text=f"Comment {idea.id} Weekends too")
    [comment] = wait_until(lambda: comment_rows(bot_db(bot)), what="the anonymous comment")
    assert (comment.user_id, comment.anonymous, comment.text) == (None, True, "Weekends too")
    [posted] = [
        call
        for call in bot.standin.calls("chat.postMessage")
        if call.params.get("thread_ts") == idea.message_id
    ]
    assert "Anonymous" in str(posted.params.get("text"))
    assert "posted anonymously" in wait_until(lambda: _replies_to(bot, SECRET_ID), what="ack")[0]


def _press_as(slack: SlackSender, user: str, *, action_id: str, value: str) -> str:
    token = uuid.uuid4().hex
    payload = load_payload("block_actions")
    payload["user"].update(id=user, username=user.lower(), name=user.lower(), team_id=TEAM_ID)
    payload.update(api_app_id=APP_ID, trigger_id=slack.new_trigger_id())
    payload["container"].update(message_ts="1.1", channel_id=direct_message_channel(user))
    payload["team"].update(id=TEAM_ID)
    payload["channel"].update(id=direct_message_channel(user), name="directmessage")
    payload["message"].update(ts="1.1", bot_id=BOT_ID, app_id=APP_ID)
    payload["response_url"] = slack.bot.standin.response_url(token)
    payload["actions"][0].update(action_id=action_id, value=value, action_ts=slack.new_ts())
    assert slack.send_interaction(payload).status == 200
    return token


def test_withdraw_confirmed_and_message_replaced(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    idea = post_idea(slack, "anon Quiet room on every ward", user=SECRET_ID)
    assert idea.message_id is not None

    # Someone else's press withdraws nothing.
    _press_as(slack, NAMED_ID, action_id=OwnPostIds.WITHDRAW_IDEA_ACTION, value=str(idea.id))
    token = _press_as(
        slack, SECRET_ID, action_id=OwnPostIds.WITHDRAW_IDEA_ACTION, value=str(idea.id)
    )
    [reply] = wait_until(lambda: bot.standin.responses(token), what="the confirmation")
    assert str(reply.params["text"]).startswith(f"Idea {idea.id} is withdrawn")
    message_ts = idea.message_id
    wait_until(
        lambda: [
            call
            for call in bot.standin.calls("chat.update")
            if call.params.get("ts") == message_ts
            and call.params.get("text") == WITHDRAWN_IDEA_NOTICE
        ],
        what="the idea message replaced by the notice",
    )
    with bot_db(bot).transaction() as session:
        row = session.get(Idea, idea.id)
        assert row is not None
        assert row.text == ""
        assert row.withdrawn_at is not None
