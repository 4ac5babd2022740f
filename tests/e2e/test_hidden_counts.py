"""A campaign that hides vote counts until it closes, seen through everything the bot sends."""

from __future__ import annotations

import re
from typing import Any

from bot.core import display
from bot.core.campaigns import create_campaign
from bot.core.clock import ManualClock
from bot.core.records import CampaignRecord
from bot.simulate.local_bot import LocalBot
from bot.simulate.slack_standin import RecordedCall
from handlers.refresher import CLOSED_UPDATE_INTERVAL_SECONDS
from handlers.votes import HIDDEN_VOTE_COUNTED, HIDDEN_VOTE_WITHDRAWN
from tests.e2e.support import (
    CAMPAIGN_CHANNEL,
    SlackSender,
    bot_db,
    campaign_row,
    idea_post_calls,
    idea_update_calls,
    post_idea,
    settle,
    stored_votes,
    text_fields,
    wait_until,
)

# Any way a count can be written: "3 votes", "1 vote", "Vote (2)", "Votes: 4".
COUNT_PATTERN = re.compile(r"\d+\s*votes?\b|Vote \(\d+\)|Votes?:\s*\d+", re.IGNORECASE)


def open_hidden_campaign(bot: LocalBot, *, hide_counts: bool = True) -> CampaignRecord:
    """Create a campaign starting now with hide_counts, and wait for the scheduler to open it."""
    assert bot.process is not None
    db = bot.process.db
    record = create_campaign(
        db,
        title="Quiet vote",
        channel_id=CAMPAIGN_CHANNEL,
        starts="now",
        timezone=bot.process.settings.timezone,
        now=bot.process.clock.now(),
        hide_counts=hide_counts,
    )
    bot.process.scheduler.sync()
    wait_until(
        lambda: campaign_row(db, record.id).launch_message_id is not None,
        what=f"campaign {record.id} to open",
    )
    return record


def sent_texts(call: RecordedCall) -> list[str]:
    """Return the notification text and every Block Kit text of a recorded call."""
    texts = [str(call.params.get("text") or "")]
    blocks: Any = call.params.get("blocks") or []
    texts.extend(text_fields(blocks))
    return texts


def everything_sent(bot: LocalBot) -> list[str]:
    """Return the texts of every message, update, ephemeral and response_url reply so far."""
    calls = [
        *bot.standin.calls("chat.postMessage"),
        *bot.standin.calls("chat.update"),
        *bot.standin.calls("chat.postEphemeral"),
        *bot.standin.responses(),
    ]
    return [text for call in calls for text in sent_texts(call)]


def vote_button_text(blocks: list[dict[str, Any]]) -> str:
    """Return the label of the Vote button in an idea message's blocks."""
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("type") == "button":
                return str(element["text"]["text"])
    raise AssertionError("no Vote button in the blocks")


def test_hidden_counts_never_shown(
    bot: LocalBot, slack: SlackSender, manual_clock: ManualClock
) -> None:
    campaign = open_hidden_campaign(bot)
    idea = post_idea(slack, "Protected lunch breaks on long shifts")
    assert idea.message_id is not None
    ts, value = idea.message_id, str(idea.id)

    first = slack.press_vote(user="U0V1", value=value, message_ts=ts)
    slack.press_vote(user="U0V2", value=value, message_ts=ts)
    slack.react(user="U0V3", reaction="+1", ts=ts)
    wait_until(lambda: stored_votes(bot_db(bot), idea.id) == (3, 3), what="three votes")
    again = slack.press_vote(user="U0V1", value=value, message_ts=ts)
    wait_until(lambda: stored_votes(bot_db(bot), idea.id) == (2, 2), what="a withdrawn vote")
    help_reply = slack.command("help", user="U0V4").http.body
    settle(bot)

    assert slack.response_texts(first.response_token) == [HIDDEN_VOTE_COUNTED]
    assert slack.response_texts(again.response_token) == [HIDDEN_VOTE_WITHDRAWN]
    [posted] = idea_post_calls(bot, idea.id)
    assert vote_button_text(posted.params["blocks"]) == "Vote"
    leaks = [text for text in [*everything_sent(bot), help_reply] if COUNT_PATTERN.search(text)]
    assert leaks == []
    # No chat.update for count changes, and the periodic refresh job finds nothing to do.
    assert idea_update_calls(bot, ts) == []
    far_future = manual_clock.now().replace(year=2100)
    assert idea.id not in display.stale_idea_ids(bot_db(bot), now=far_future)

    manual_clock.set(campaign.ends_at)
    wait_until(
        lambda: any(
            "Voting closed · *2 votes*" in text
            for call in idea_update_calls(bot, ts)
            for text in sent_texts(call)
        ),
        timeout=CLOSED_UPDATE_INTERVAL_SECONDS + 15,
        what="the idea message to show its final count",
    )

    def report_texts() -> list[str] | None:
        for message in bot.standin.messages(CAMPAIGN_CHANNEL):
            texts = list(text_fields(message.get("blocks") or []))
            if "Campaign closed" in texts:
                return texts
        return None

    report = wait_until(report_texts, timeout=15, what="the final report")
    assert report is not None
    assert any("*2 votes*" in text for text in report)


def test_visible_counts_unchanged(bot: LocalBot, slack: SlackSender) -> None:
    open_hidden_campaign(bot, hide_counts=False)
    idea = post_idea(slack, "Protected lunch breaks on long shifts")
    assert idea.message_id is not None
    ts = idea.message_id

    pressed = slack.press_vote(user="U0V1", value=str(idea.id), message_ts=ts)
    wait_until(lambda: idea_update_calls(bot, ts), what="the count update")

    [update] = idea_update_calls(bot, ts)
    assert vote_button_text(update.params["blocks"]) == "Vote (1)"
    [reply] = wait_until(lambda: slack.response_texts(pressed.response_token), what="the reply")
    assert "the idea has 1 vote now" in reply
