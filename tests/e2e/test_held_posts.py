"""Held posts end to end: an idea with personal data, its buttons, and a flagged thread reply."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select

from bot.core.clock import ManualClock
from bot.core.records import CampaignRecord
from bot.core.roles import grant_role
from bot.simulate.local_bot import LocalBot
from bot.simulate.slack_standin import APP_ID, BOT_ID, TEAM_DOMAIN, TEAM_ID, channel_name
from handlers.blocks.held_posts import HeldPostIds
from handlers.ids import OwnPostIds
from storage.models import Comment, HeldPost, Idea, ModerationItem, OutboxMessage
from tests.e2e.support import (
    CAMPAIGN_CHANNEL,
    SlackSender,
    bot_db,
    count_rows,
    load_payload,
    post_idea,
    wait_until,
)

# A valid NHS number split by zero-width spaces, which a reader still sees as one.
HIDDEN_NHS_IDEA = "Wristband 943\u200b476\u200b5919 was wrong, fix the printer"


def press(slack: SlackSender, *, action_id: str, value: str, user: str) -> str:
    """Press a held-post button and return the response URL token."""
    token = uuid.uuid4().hex
    payload = load_payload("block_actions")
    payload["user"].update(id=user, username=user.lower(), name=user.lower(), team_id=TEAM_ID)
    payload.update(api_app_id=APP_ID, trigger_id=slack.new_trigger_id())
    ts = slack.new_ts()
    payload["container"].update(message_ts=ts, channel_id=CAMPAIGN_CHANNEL)
    payload["team"].update(id=TEAM_ID, domain=TEAM_DOMAIN)
    payload["channel"].update(id=CAMPAIGN_CHANNEL, name=channel_name(CAMPAIGN_CHANNEL))
    payload["message"].update(ts=ts, bot_id=BOT_ID, app_id=APP_ID)
    payload["response_url"] = slack.bot.standin.response_url(token)
    payload["actions"][0].update(
        action_id=action_id, block_id=HeldPostIds.ACTIONS_BLOCK.value, value=value
    )
    http = slack.send_interaction(payload)
    assert http.status == 200, http.body
    return token


def test_idea_held_then_posted_once(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    db = bot_db(bot)
    result = slack.command(HIDDEN_NHS_IDEA, user="U0ALICE")

    [notice] = wait_until(lambda: slack.response_texts(result.response_token), what="the notice")
    assert "contains an NHS number" in notice
    assert "5919" not in notice
    assert count_rows(db, Idea) == 0
    with db.transaction() as session:
        held = session.scalars(select(HeldPost)).one()
        held_id = held.id
        assert "5919" not in held.findings

    token = press(slack, action_id=HeldPostIds.POST_ACTION, value=str(held_id), user="U0ALICE")
    [reply] = wait_until(lambda: slack.response_texts(token), what="the post-anyway reply")
    assert "flagged for review" in reply
    again = press(slack, action_id=HeldPostIds.POST_ACTION, value=str(held_id), user="U0ALICE")
    [second] = wait_until(lambda: slack.response_texts(again), what="the second reply")
    assert "already posted, withdrawn" in second

    with db.transaction() as session:
        idea = session.scalars(select(Idea)).one()
        assert idea.checks_overridden == "personal_data"
        assert idea.message_id is not None
        flags = session.scalars(select(ModerationItem.source)).all()
    assert flags == ["personal_data"]
    assert count_rows(db, HeldPost) == 0


def test_thread_reply_with_phone_hidden(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord, manual_clock: ManualClock
) -> None:
    db = bot_db(bot)
    grant_role(
        db,
        platform="slack",
        user_id="U0MANAGER",
        role="manager",
        granted_by="cli",
        now=manual_clock.now(),
    )
    idea = post_idea(slack)
    assert idea.message_id is not None

    slack.reply(user="U0BOB", text="Ring her on 07700 900123", thread_ts=idea.message_id)

    def hidden() -> Comment | None:
        with db.transaction() as session:
            return session.scalars(select(Comment)).one_or_none()

    comment = wait_until(hidden, what="the hidden comment")
    assert comment.hidden_by == "check"
    assert comment.text == ""
    with db.transaction() as session:
        recipients = set(session.scalars(select(OutboxMessage.recipient)).all())
        stored = session.get(Idea, idea.id)
        assert stored is not None
        assert stored.comment_count == 0
    assert {"U0BOB", "U0MANAGER"} <= recipients


def test_hostile_idea_escaped_or_refused(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    db = bot_db(bot)
    idea = post_idea(slack, "<!channel> <https://evil.example|click> *bold* \u202eabc \U0001f389")

    assert idea.text == "<!channel> <https://evil.example|click> *bold* abc \U0001f389"
    [post] = [call for call in bot.standin.calls("chat.postMessage") if call.params.get("blocks")][
        -1:
    ]
    shown = post.params["blocks"][0]["text"]["text"]
    assert shown.startswith("&lt;!channel&gt; &lt;https://evil.example|click&gt;")
    assert "<" not in shown

    refused = slack.command("x" * 10_000, user="U0ALICE")
    assert "10000 characters; the maximum is 1000" in refused.http.body
    assert count_rows(db, Idea) == 1
    assert count_rows(db, HeldPost) == 0


def test_anonymous_comment_held_then_sent_again(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    db = bot_db(bot)
    idea = post_idea(slack)
    submission = {
        "type": "view_submission",
        "team": {"id": TEAM_ID},
        "user": {"id": "U0BOB", "team_id": TEAM_ID, "name": "bob"},
        "trigger_id": slack.new_trigger_id(),
        "view": {
            "id": "V0ANON",
            "type": "modal",
            "callback_id": OwnPostIds.COMMENT_CALLBACK.value,
            "private_metadata": str(idea.id),
            "state": {
                "values": {
                    OwnPostIds.COMMENT_BLOCK.value: {
                        OwnPostIds.COMMENT_ACTION.value: {
                            "type": "plain_text_input",
                            "value": "Email jo.bloggs@nhs.net, she was being bullied",
                        }
                    }
                }
            },
        },
    }

    first = slack.send_interaction(submission)

    errors = json.loads(first.body)["errors"][OwnPostIds.COMMENT_BLOCK.value]
    assert "an email address" in errors
    assert "bullying or harassment" in errors
    assert "jo.bloggs" not in errors
    assert count_rows(db, Comment) == 0
    assert count_rows(db, HeldPost) == 1

    second = slack.send_interaction(submission)

    assert second.status == 200
    assert second.body == ""
    wait_until(lambda: count_rows(db, ModerationItem), what="the flagged comment")
    with db.transaction() as session:
        comment = session.scalars(select(Comment)).one()
        assert comment.anonymous
        flags = session.scalars(
            select(ModerationItem.source).where(ModerationItem.item_kind == "comment")
        ).all()
    assert sorted(flags) == ["concern", "personal_data"]
    assert count_rows(db, HeldPost) == 0


def test_edit_opens_draft_and_replaces_it(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    db = bot_db(bot)
    result = slack.command("Mrs Smith, DOB 12/03/1954, waited too long", user="U0ALICE")
    wait_until(lambda: slack.response_texts(result.response_token), what="the notice")
    with db.transaction() as session:
        held_id = session.scalars(select(HeldPost.id)).one()

    press(slack, action_id=HeldPostIds.EDIT_ACTION, value=str(held_id), user="U0ALICE")

    [opened] = wait_until(lambda: bot.standin.calls("views.open"), what="the filled-in form")
    view = opened.params["view"]
    if isinstance(view, str):
        view = json.loads(view)
    assert json.loads(view["private_metadata"]) == {
        "channel_id": CAMPAIGN_CHANNEL,
        "held_id": held_id,
    }
    assert view["blocks"][0]["element"]["initial_value"].startswith("Mrs Smith, DOB")

    slack.submit_modal(
        user="U0ALICE",
        text="A patient waited too long",
        private_metadata=view["private_metadata"],
    )

    wait_until(
        lambda: count_rows(db, Idea) == 1 and count_rows(db, HeldPost) == 0,
        what="the edited idea to replace the draft",
    )
