"""Choosing the topic an idea answers: the modal's topic menu and the menu sent after /idea TEXT."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from bot.core.campaigns import create_campaign
from bot.core.clock import ManualClock
from bot.core.records import CampaignRecord
from bot.simulate.local_bot import HttpResult, LocalBot
from bot.simulate.slack_standin import APP_ID, BOT_ID, TEAM_DOMAIN, TEAM_ID, channel_name
from handlers.ids import IdeaIds, IdeaTopicIds
from handlers.refresher import CLOSED_UPDATE_INTERVAL_SECONDS
from storage.models import Idea
from tests.e2e.support import (
    CAMPAIGN_CHANNEL,
    CommandResult,
    SlackSender,
    bot_db,
    campaign_row,
    count_rows,
    idea_row,
    idea_rows,
    idea_update_calls,
    load_payload,
    settle,
    text_fields,
    wait_until,
)

QUESTIONS = (
    "How could we recognise each other's work better?",
    "What one change would make handovers safer?",
)


def open_topic_campaign(
    bot: LocalBot, topics: Sequence[str], *, title: str = "Spring listening"
) -> CampaignRecord:
    """Create a campaign with these topics starting now, and wait for the scheduler to open it."""
    assert bot.process is not None
    db = bot.process.db
    record = create_campaign(
        db,
        title=title,
        channel_id=CAMPAIGN_CHANNEL,
        starts="now",
        timezone=bot.process.settings.timezone,
        now=bot.process.clock.now(),
        topics=topics,
    )
    bot.process.scheduler.sync()
    wait_until(
        lambda: campaign_row(db, record.id).launch_message_id is not None,
        what=f"campaign {record.id} to open",
    )
    return record


def submit_with_topic(
    slack: SlackSender, *, user: str, text: str, topic_value: str | None, anonymous: bool = False
) -> HttpResult:
    """Send the idea modal's view_submission with a topic menu selection (None: no block)."""
    payload = load_payload("view_submission")
    payload["team"].update(id=TEAM_ID, domain=TEAM_DOMAIN)
    payload["user"].update(id=user, username=user.lower(), name=user.lower(), team_id=TEAM_ID)
    payload.update(api_app_id=APP_ID, trigger_id=slack.new_trigger_id())
    payload["view"].update(
        team_id=TEAM_ID,
        app_id=APP_ID,
        app_installed_team_id=TEAM_ID,
        bot_id=BOT_ID,
        callback_id=IdeaIds.MODAL_CALLBACK.value,
        private_metadata=CAMPAIGN_CHANNEL,
    )
    selected = (
        [{"text": {"type": "plain_text", "text": "Post anonymously"}, "value": "anonymous"}]
        if anonymous
        else []
    )
    values: dict[str, Any] = {
        IdeaIds.TEXT_BLOCK.value: {
            IdeaIds.TEXT_ACTION.value: {"type": "plain_text_input", "value": text}
        },
        IdeaIds.DETAIL_BLOCK.value: {
            IdeaIds.DETAIL_ACTION.value: {"type": "plain_text_input", "value": None}
        },
        IdeaIds.ANONYMOUS_BLOCK.value: {
            IdeaIds.ANONYMOUS_ACTION.value: {"type": "checkboxes", "selected_options": selected}
        },
    }
    if topic_value is not None:
        values[IdeaTopicIds.MODAL_BLOCK.value] = {
            IdeaTopicIds.MODAL_ACTION.value: {
                "type": "static_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": "A topic"},
                    "value": topic_value,
                },
            }
        }
    payload["view"]["state"]["values"] = values
    return slack.send_interaction(payload)


def choose_topic(slack: SlackSender, *, user: str, value: str) -> CommandResult:
    """Send the block_actions payload of a choice in the private topic menu."""
    token = uuid.uuid4().hex
    payload = load_payload("block_actions")
    payload["user"].update(id=user, username=user.lower(), name=user.lower(), team_id=TEAM_ID)
    payload.update(api_app_id=APP_ID, trigger_id=slack.new_trigger_id())
    payload["container"] = {
        "type": "message",
        "message_ts": slack.new_ts(),
        "channel_id": CAMPAIGN_CHANNEL,
        "is_ephemeral": True,
    }
    payload["team"].update(id=TEAM_ID, domain=TEAM_DOMAIN)
    payload["channel"].update(id=CAMPAIGN_CHANNEL, name=channel_name(CAMPAIGN_CHANNEL))
    del payload["message"]
    payload["response_url"] = slack.bot.standin.response_url(token)
    payload["actions"] = [
        {
            "type": "static_select",
            "action_id": IdeaTopicIds.CHOICE_ACTION.value,
            "block_id": IdeaTopicIds.CHOICE_BLOCK.value,
            "selected_option": {"text": {"type": "plain_text", "text": "A topic"}, "value": value},
            "placeholder": {"type": "plain_text", "text": "Choose a topic"},
            "action_ts": slack.new_ts(),
        }
    ]
    http = slack.send_interaction(payload)
    return CommandResult(http, token, 0.0)


def topic_menu(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any] | None:
    """Return the static_select element with this action_id anywhere in the blocks, or None."""
    for block in blocks:
        candidates = [block.get("element"), block.get("accessory"), *block.get("elements", [])]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return element
    return None


def opened_modal(bot: LocalBot) -> dict[str, Any]:
    """Return the view of the last views.open call."""
    [*_, call] = bot.standin.calls("views.open")
    view = call.params["view"]
    return view if isinstance(view, dict) else json.loads(view)


def posted_idea(bot: LocalBot) -> Idea:
    """Wait for the one idea to be posted and return its row."""
    idea = wait_until(
        lambda: next((idea for idea in idea_rows(bot_db(bot)) if idea.message_id), None),
        what="the idea to be posted",
    )
    assert idea is not None
    return idea


def channel_message(bot: LocalBot, ts: str) -> dict[str, Any]:
    """Return the channel message at ts, with updates applied."""
    [message] = [m for m in bot.standin.messages(CAMPAIGN_CHANNEL) if m["ts"] == ts]
    return message


def test_modal_lists_topics(bot: LocalBot, slack: SlackSender) -> None:
    campaign = open_topic_campaign(bot, QUESTIONS)

    assert slack.command("", user="U0ALICE").http.status == 200
    wait_until(lambda: bot.standin.calls("views.open"), what="the modal to open")

    modal = opened_modal(bot)
    menu = topic_menu(modal["blocks"], IdeaTopicIds.MODAL_ACTION)
    assert menu is not None
    assert menu["type"] == "static_select"
    values = [option["value"] for option in menu["options"]]
    assert values == [str(topic.id) for topic in campaign.topics]
    labels = [option["text"]["text"] for option in menu["options"]]
    assert labels == [f"1. {QUESTIONS[0]}", f"2. {QUESTIONS[1]}"]
    assert "initial_option" not in menu
    topic_block = next(b for b in modal["blocks"] if b.get("block_id") == IdeaTopicIds.MODAL_BLOCK)
    assert topic_block.get("optional", False) is False


def test_modal_one_topic_preselected(bot: LocalBot, slack: SlackSender) -> None:
    campaign = open_topic_campaign(bot, QUESTIONS[:1])

    slack.command("", user="U0ALICE")
    wait_until(lambda: bot.standin.calls("views.open"), what="the modal to open")

    menu = topic_menu(opened_modal(bot)["blocks"], IdeaTopicIds.MODAL_ACTION)
    assert menu is not None
    assert menu["initial_option"]["value"] == str(campaign.topics[0].id)


def test_modal_without_topics_has_no_menu(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    slack.command("", user="U0ALICE")
    wait_until(lambda: bot.standin.calls("views.open"), what="the modal to open")

    assert topic_menu(opened_modal(bot)["blocks"], IdeaTopicIds.MODAL_ACTION) is None


def test_modal_topic_stored_and_shown(bot: LocalBot, slack: SlackSender) -> None:
    campaign = open_topic_campaign(bot, QUESTIONS)
    second = campaign.topics[1]

    answer = submit_with_topic(
        slack, user="U0ALICE", text="Read handovers back aloud", topic_value=str(second.id)
    )

    assert answer.status == 200
    assert answer.body == ""
    idea = posted_idea(bot)
    assert idea.topic_id == second.id
    assert idea.message_id is not None
    texts = list(text_fields(channel_message(bot, idea.message_id)["blocks"]))
    assert f"Topic: {QUESTIONS[1]}" in texts
    settle(bot)
    # The modal asked already, so the private confirmation carries no topic menu.
    [ephemeral] = bot.standin.calls("chat.postEphemeral")
    assert topic_menu(ephemeral.params.get("blocks") or [], IdeaTopicIds.CHOICE_ACTION) is None


def test_modal_bad_topic_form_error(bot: LocalBot, slack: SlackSender) -> None:
    campaign = open_topic_campaign(bot, QUESTIONS)
    assert bot.process is not None
    other = create_campaign(
        bot.process.db,
        title="Later campaign",
        channel_id="C0LATER",
        starts="2099-01-04 09:00",
        timezone=bot.process.settings.timezone,
        now=bot.process.clock.now(),
        topics=["A question of another campaign"],
    )
    known = {topic.id for topic in campaign.topics}
    assert other.topics[0].id not in known

    for value in (str(other.topics[0].id), "99999", "not-a-number"):
        answer = submit_with_topic(
            slack, user="U0ALICE", text="Read handovers back aloud", topic_value=value
        )
        assert answer.status == 200
        reply = json.loads(answer.body)
        assert reply["response_action"] == "errors"
        assert list(reply["errors"]) == [IdeaTopicIds.MODAL_BLOCK]
        assert "topic" in reply["errors"][IdeaTopicIds.MODAL_BLOCK].lower()

    settle(bot)
    assert count_rows(bot_db(bot), Idea) == 0
    assert bot.standin.calls("chat.postEphemeral") == []


def test_command_asks_then_choice_updates(bot: LocalBot, slack: SlackSender) -> None:
    campaign = open_topic_campaign(bot, QUESTIONS)
    first = campaign.topics[0]

    result = slack.command("Thank-you cards in every staff room", user="U0ALICE")

    assert result.http.status == 200
    idea = posted_idea(bot)
    assert idea.topic_id is None
    assert idea.message_id is not None
    [response] = wait_until(
        lambda: bot.standin.responses(result.response_token), what="the private reply"
    )
    assert response.params["response_type"] == "ephemeral"
    assert "posted" in response.params["text"]
    menu = topic_menu(response.params["blocks"], IdeaTopicIds.CHOICE_ACTION)
    assert menu is not None
    values = [option["value"] for option in menu["options"]]
    assert values == [f"{idea.id}:{topic.id}" for topic in campaign.topics]
    shown = text_fields(channel_message(bot, idea.message_id)["blocks"])
    assert not any(text.startswith("Topic:") for text in shown)

    choice = choose_topic(slack, user="U0ALICE", value=f"{idea.id}:{first.id}")

    assert choice.http.status == 200
    wait_until(lambda: idea_row(bot_db(bot), idea.id).topic_id == first.id, what="the topic")
    message_ts = idea.message_id
    wait_until(lambda: idea_update_calls(bot, message_ts), what="the idea message update")
    texts = list(text_fields(channel_message(bot, message_ts)["blocks"]))
    assert f"Topic: {QUESTIONS[0]}" in texts
    [confirmation] = wait_until(
        lambda: bot.standin.responses(choice.response_token), what="the confirmation"
    )
    assert confirmation.params["replace_original"] is True
    assert QUESTIONS[0] in confirmation.params["text"]


def test_choice_by_non_author_refused(bot: LocalBot, slack: SlackSender) -> None:
    campaign = open_topic_campaign(bot, QUESTIONS)
    slack.command("Thank-you cards in every staff room", user="U0ALICE")
    idea = posted_idea(bot)
    assert idea.message_id is not None
    settle(bot)

    choice = choose_topic(slack, user="U0BOB", value=f"{idea.id}:{campaign.topics[0].id}")

    assert choice.http.status == 200
    [refusal] = wait_until(lambda: slack.response_texts(choice.response_token), what="the refusal")
    assert refusal.startswith(f"Only the person who posted idea {idea.id}")
    settle(bot)
    assert idea_row(bot_db(bot), idea.id).topic_id is None
    assert idea_update_calls(bot, idea.message_id) == []


def test_choice_of_other_campaign_topic(bot: LocalBot, slack: SlackSender) -> None:
    open_topic_campaign(bot, QUESTIONS)
    assert bot.process is not None
    other = create_campaign(
        bot.process.db,
        title="Later campaign",
        channel_id="C0LATER",
        starts="2099-01-04 09:00",
        timezone=bot.process.settings.timezone,
        now=bot.process.clock.now(),
        topics=["A question of another campaign"],
    )
    slack.command("Thank-you cards in every staff room", user="U0ALICE")
    idea = posted_idea(bot)
    settle(bot)

    choice = choose_topic(slack, user="U0ALICE", value=f"{idea.id}:{other.topics[0].id}")

    [refusal] = wait_until(lambda: slack.response_texts(choice.response_token), what="the refusal")
    assert "no longer one of this campaign's questions" in refusal
    settle(bot)
    assert idea_row(bot_db(bot), idea.id).topic_id is None


def test_command_one_topic_assigned(bot: LocalBot, slack: SlackSender) -> None:
    campaign = open_topic_campaign(bot, QUESTIONS[:1])

    result = slack.command("Thank-you cards in every staff room", user="U0ALICE")

    idea = posted_idea(bot)
    assert idea.topic_id == campaign.topics[0].id
    [response] = wait_until(
        lambda: bot.standin.responses(result.response_token), what="the private reply"
    )
    assert "blocks" not in response.params
    assert idea.message_id is not None
    texts = list(text_fields(channel_message(bot, idea.message_id)["blocks"]))
    assert f"Topic: {QUESTIONS[0]}" in texts


def test_stale_anonymous_modal_author_chooses_later(bot: LocalBot, slack: SlackSender) -> None:
    campaign = open_topic_campaign(bot, QUESTIONS)

    # A form opened before the campaign had topics carries no topic block.
    answer = submit_with_topic(
        slack, user="U0ALICE", text="Quiet room on every ward", topic_value=None, anonymous=True
    )

    assert answer.status == 200
    idea = posted_idea(bot)
    assert idea.topic_id is None
    assert idea.author_id is None
    [ephemeral] = wait_until(
        lambda: bot.standin.calls("chat.postEphemeral"), what="the private reply"
    )
    # The keyed hash identifies the author again, so the anonymous author gets the menu too.
    assert topic_menu(ephemeral.params.get("blocks") or [], IdeaTopicIds.CHOICE_ACTION)
    value = f"{idea.id}:{campaign.topics[1].id}"

    refused = choose_topic(slack, user="U0BOB", value=value)
    [refusal] = wait_until(lambda: slack.response_texts(refused.response_token), what="refusal")
    assert refusal.startswith(f"Only the person who posted idea {idea.id}")

    choose_topic(slack, user="U0ALICE", value=value)
    wait_until(
        lambda: idea_row(bot_db(bot), idea.id).topic_id == campaign.topics[1].id,
        what="the anonymous author's topic",
    )
    assert idea_row(bot_db(bot), idea.id).author_id is None


def test_unassigned_idea_in_report(
    bot: LocalBot, slack: SlackSender, manual_clock: ManualClock
) -> None:
    campaign = open_topic_campaign(bot, QUESTIONS)
    assert bot.process is not None
    slack.command("Thank-you cards in every staff room", user="U0ALICE")
    unassigned = posted_idea(bot)
    submit_with_topic(
        slack, user="U0BOB", text="Read handovers back", topic_value=str(campaign.topics[1].id)
    )
    wait_until(lambda: count_rows(bot_db(bot), Idea) == 2, what="the second idea")
    settle(bot)

    manual_clock.set(campaign.ends_at)

    def report_text() -> str | None:
        for message in bot.standin.messages(CAMPAIGN_CHANNEL):
            texts = list(text_fields(message.get("blocks") or []))
            if "Campaign closed" in texts:
                return "\n".join(texts)
        return None

    report = wait_until(
        report_text, timeout=CLOSED_UPDATE_INTERVAL_SECONDS + 15, what="the final report"
    )
    assert report is not None
    assert "*Not assigned to a topic*\n1 idea" in report
    assert "Thank-you cards in every staff room" in report
    assert idea_row(bot_db(bot), unassigned.id).topic_id is None
