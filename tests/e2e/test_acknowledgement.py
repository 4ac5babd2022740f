"""The bot responds to Slack only once a request's vote, idea or comment is stored."""

from __future__ import annotations

from bot.core.records import CampaignRecord
from bot.simulate.local_bot import LocalBot
from storage.models import Comment, Idea, Vote
from tests.e2e.support import SlackSender, bot_db, count_rows, post_idea


def test_reaction_stored_before_answer(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    idea = post_idea(slack)
    assert idea.message_id is not None

    for number in range(5):
        http, _ = slack.react(user=f"U0VOTER{number}", reaction="+1", ts=idea.message_id)
        assert http.status == 200, http
        # No wait here: the response itself means the vote is stored.
        assert count_rows(bot_db(bot), Vote) == number + 1


def test_idea_stored_before_answer(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    for number in range(3):
        result = slack.command(f"Idea number {number} about rotas")
        assert result.http.status == 200, result.http
        assert count_rows(bot_db(bot), Idea) == number + 1


def test_button_and_reply_stored_before_answer(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    idea = post_idea(slack)
    assert idea.message_id is not None

    pressed = slack.press_vote(user="U0BOB", value=str(idea.id), message_ts=idea.message_id)
    assert pressed.http.status == 200, pressed.http
    assert count_rows(bot_db(bot), Vote) == 1

    http, _ = slack.reply(user="U0BOB", text="Yes, please", thread_ts=idea.message_id)
    assert http.status == 200, http
    assert count_rows(bot_db(bot), Comment) == 1
