"""/idea and the idea modal, driven through the bot's HTTP endpoint."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from bot.core.records import CampaignRecord
from bot.simulate.local_bot import LocalBot
from handlers import replies
from handlers.ids import IdeaIds
from storage.models import Idea
from tests.e2e.support import (
    CAMPAIGN_CHANNEL,
    SlackSender,
    bot_db,
    count_rows,
    idea_post_calls,
    idea_rows,
    post_idea,
    settle,
    text_fields,
    vote_button_value,
    wait_until,
)

PERMALINK = re.compile(r"<(https://[^|>]+)\|View it>")


def _idea_post_count(bot: LocalBot) -> int:
    return sum(
        1
        for call in bot.standin.calls("chat.postMessage")
        if vote_button_value(call.params.get("blocks") or [])
    )


def test_command_posts_idea(bot: LocalBot, slack: SlackSender, campaign: CampaignRecord) -> None:
    result = slack.command("Move the team huddle to 9:15", user="U0ALICE")

    assert result.http.status == 200
    assert result.elapsed < 3.0
    idea = wait_until(
        lambda: next((i for i in idea_rows(bot_db(bot)) if i.message_id), None),
        what="the idea to be posted",
    )
    assert idea.campaign_id == campaign.id
    assert idea.author_id == "U0ALICE"
    assert idea.author_name == "Alice Smith"
    assert idea.channel_id == CAMPAIGN_CHANNEL

    posts = idea_post_calls(bot, idea.id)
    assert len(posts) == 1
    params = posts[0].params
    assert params["channel"] == CAMPAIGN_CHANNEL
    assert "Alice Smith" in params["text"]
    blocks = params["blocks"]
    assert blocks[0]["text"]["text"] == "Move the team huddle to 9:15"
    context = next(block for block in blocks if block["type"] == "context")
    assert "Alice Smith" in context["elements"][0]["text"]
    assert "0 votes" in context["elements"][0]["text"]
    button = next(block for block in blocks if block["type"] == "actions")["elements"][0]
    assert button["action_id"] == IdeaIds.VOTE_ACTION
    assert button["value"] == str(idea.id)
    assert {"user": "U0ALICE"} in [call.params for call in bot.standin.calls("users.info")]

    texts = wait_until(lambda: slack.response_texts(result.response_token), what="the confirmation")
    assert len(texts) == 1
    assert "posted" in texts[0]
    link = PERMALINK.search(texts[0])
    assert link is not None, texts[0]
    assert idea.message_id is not None
    assert idea.message_id.replace(".", "") in link.group(1)
    assert CAMPAIGN_CHANNEL in link.group(1)
    [response] = bot.standin.responses(result.response_token)
    assert response.params["response_type"] == "ephemeral"
    permalink_requests = [call.params for call in bot.standin.calls("chat.getPermalink")]
    assert {"channel": CAMPAIGN_CHANNEL, "message_ts": idea.message_id} in permalink_requests


def test_command_without_text_opens_modal(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    result = slack.command("", user="U0BOB")

    assert result.http.status == 200
    [opened] = wait_until(lambda: bot.standin.calls("views.open"), what="views.open")
    view = opened.params["view"]
    assert view["callback_id"] == "idea-submit"
    assert view["private_metadata"] == CAMPAIGN_CHANNEL
    block_ids = [block["block_id"] for block in view["blocks"]]
    assert block_ids == ["idea-text", "idea-detail", "idea-anonymous"]
    assert opened.params["trigger_id"]
    settle(bot)
    assert count_rows(bot_db(bot), Idea) == 0

    submitted = slack.submit_modal(
        user="U0BOB", text="A quiet room for breaks", detail="Room 4 is empty after 2pm."
    )

    assert submitted.status == 200
    idea = wait_until(
        lambda: next((i for i in idea_rows(bot_db(bot)) if i.message_id), None),
        what="the idea to be posted",
    )
    assert idea.text == "A quiet room for breaks"
    assert idea.detail == "Room 4 is empty after 2pm."
    assert idea.author_id == "U0BOB"
    [post] = idea_post_calls(bot, idea.id)
    section_texts = [b["text"]["text"] for b in post.params["blocks"] if b["type"] == "section"]
    assert section_texts == ["A quiet room for breaks", "Room 4 is empty after 2pm."]
    assert "Bob Jones" in post.params["text"]
    [confirmation] = wait_until(
        lambda: bot.standin.calls("chat.postEphemeral"), what="the ephemeral confirmation"
    )
    assert confirmation.params["user"] == "U0BOB"
    assert confirmation.params["channel"] == CAMPAIGN_CHANNEL
    assert "posted" in confirmation.params["text"]
    assert PERMALINK.search(confirmation.params["text"])


def test_modal_anonymous_hides_author(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    submitted = slack.submit_modal(user="U0BOB", text="Rotate the night shifts", anonymous=True)

    assert submitted.status == 200
    idea = wait_until(
        lambda: next((i for i in idea_rows(bot_db(bot)) if i.message_id), None),
        what="the idea to be posted",
    )
    assert idea.anonymous is True
    assert idea.author_id is None
    assert idea.author_name is None
    [post] = idea_post_calls(bot, idea.id)
    message_texts = [post.params["text"], *text_fields(post.params["blocks"])]
    context = next(b for b in post.params["blocks"] if b["type"] == "context")
    assert "Anonymous" in context["elements"][0]["text"]
    assert post.params["text"].startswith("Idea from Anonymous")
    assert not [text for text in message_texts if "Bob" in text or "U0BOB" in text]
    assert {"user": "U0BOB"} not in [call.params for call in bot.standin.calls("users.info")]
    [confirmation] = wait_until(
        lambda: bot.standin.calls("chat.postEphemeral"), what="the ephemeral confirmation"
    )
    assert confirmation.params["user"] == "U0BOB"
    assert "posted" in confirmation.params["text"]


def test_command_without_campaign_stores(bot: LocalBot, slack: SlackSender) -> None:
    result = slack.command("Better coffee in the staff room")

    assert result.http.status == 200
    [text] = wait_until(lambda: slack.response_texts(result.response_token), what="the reply")
    [idea] = idea_rows(bot_db(bot))
    assert idea.campaign_id is None
    assert idea.channel_id is None
    assert idea.message_id is None
    assert "standing ideas list" in text
    assert f"idea {idea.id}" in text
    settle(bot)
    assert bot.standin.calls("chat.postMessage") == []


def test_modal_empty_text_rejected(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    for text in ("   ", None):
        submitted = slack.submit_modal(user="U0BOB", text=text)

        assert submitted.status == 200
        answer = json.loads(submitted.body)
        assert answer["response_action"] == "errors"
        assert list(answer["errors"]) == [IdeaIds.TEXT_BLOCK]
        assert "empty" in answer["errors"][IdeaIds.TEXT_BLOCK]
    settle(bot)
    assert count_rows(bot_db(bot), Idea) == 0
    assert _idea_post_count(bot) == 0
    assert bot.standin.calls("chat.postEphemeral") == []


def test_command_over_limit_rejected(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    result = slack.command("x" * 1001)

    assert result.http.status == 200
    assert "1001 characters" in result.http.body
    assert "maximum is 1000" in result.http.body
    settle(bot)
    assert count_rows(bot_db(bot), Idea) == 0
    assert _idea_post_count(bot) == 0
    assert slack.response_texts(result.response_token) == []

    idea = post_idea(slack, "y" * 1000)

    assert len(idea.text) == 1000


def test_modal_long_detail_rejected(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    submitted = slack.submit_modal(user="U0BOB", text="Longer lunch", detail="d" * 3001)

    assert submitted.status == 200
    answer = json.loads(submitted.body)
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [IdeaIds.DETAIL_BLOCK]
    assert "maximum is 3000" in answer["errors"][IdeaIds.DETAIL_BLOCK]
    settle(bot)
    assert count_rows(bot_db(bot), Idea) == 0
    assert _idea_post_count(bot) == 0


def test_command_help(bot: LocalBot, slack: SlackSender, campaign: CampaignRecord) -> None:
    for word in ("help", "HELP", "?"):
        result = slack.command(word)

        assert result.http.status == 200
        assert result.http.body == replies.IDEA_HELP
    settle(bot)
    assert count_rows(bot_db(bot), Idea) == 0
    assert bot.standin.calls("views.open") == []


def test_idea_text_escaped(bot: LocalBot, slack: SlackSender, campaign: CampaignRecord) -> None:
    raw = "Ping <!channel> <!here> <@U123> <https://x|y> & co"

    idea = post_idea(slack, raw, user="U0TOM")

    assert idea.text == raw
    [post] = idea_post_calls(bot, idea.id)
    message_texts = [post.params["text"], *text_fields(post.params["blocks"])]
    escaped = "Ping &lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;https://x|y&gt; &amp; co"
    assert post.params["blocks"][0]["text"]["text"] == escaped
    assert escaped in post.params["text"]
    context = next(b for b in post.params["blocks"] if b["type"] == "context")
    assert "Tom &amp; &lt;Jerry&gt;" in context["elements"][0]["text"]
    for text in message_texts:
        assert "<" not in text, text
        assert ">" not in text, text
        assert not re.search(r"&(?!amp;|lt;|gt;)", text), text


@pytest.mark.parametrize("text", ["delete 3", "list", "anonymous", "anon"])
def test_command_word_not_posted(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord, text: str
) -> None:
    result = slack.command(text)

    assert result.http.status == 200
    assert "Nothing was posted" in result.http.body
    settle(bot)
    assert count_rows(bot_db(bot), Idea) == 0


def test_command_word_in_sentence_posted(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    slack.command("Delete the old paper forms from the ward office")

    wait_until(lambda: count_rows(bot_db(bot), Idea) == 1, what="the idea")


def test_idea_starting_anonymous_is_named(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    slack.command("Anonymous surveys every quarter would help", user="U0BOB")

    wait_until(lambda: count_rows(bot_db(bot), Idea) == 1, what="the idea")
    with bot_db(bot).transaction() as session:
        [idea] = session.scalars(select(Idea)).all()
        assert idea.text == "Anonymous surveys every quarter would help"
        assert idea.anonymous is False
        assert idea.author_id == "U0BOB"


def test_anon_prefix_keeps_the_next_word(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    slack.command("anon Anonymous feedback boxes in the canteen", user="U0BOB")

    wait_until(lambda: count_rows(bot_db(bot), Idea) == 1, what="the idea")
    with bot_db(bot).transaction() as session:
        [idea] = session.scalars(select(Idea)).all()
        assert idea.text == "Anonymous feedback boxes in the canteen"
        assert idea.anonymous is True
        assert idea.author_id is None


def test_modal_long_text_message(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    result = slack.submit_modal(user="U0ALICE", text="x" * 1001)

    errors = json.loads(result.body)["errors"]
    assert errors[IdeaIds.TEXT_BLOCK.value] == (
        "Your idea has 1001 characters; the maximum is 1000. Move the rest into Detail."
    )
    assert count_rows(bot_db(bot), Idea) == 0
