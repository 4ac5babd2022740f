"""The close of a campaign in Slack: Vote buttons replaced by final counts, paced."""

from __future__ import annotations

import time
from typing import Any

from bot.core.clock import ManualClock
from bot.core.records import CampaignRecord
from bot.simulate.local_bot import LocalBot
from handlers.refresher import CLOSED_UPDATE_INTERVAL_SECONDS
from scheduler import jobs
from tests.e2e.support import (
    CAMPAIGN_CHANNEL,
    SlackSender,
    bot_db,
    campaign_row,
    idea_row,
    idea_update_calls,
    post_idea,
    stored_votes,
    text_fields,
    vote_button_value,
    wait_until,
)

IDEA_COUNT = 3
# The stand-in records arrival times, which can be closer together than the sends.
ARRIVAL_JITTER_SECONDS = 0.2


def _message(bot: LocalBot, ts: str) -> dict[str, Any]:
    [message] = [m for m in bot.standin.messages(CAMPAIGN_CHANNEL) if m["ts"] == ts]
    return message


def _shows_closed(bot: LocalBot, ts: str) -> bool:
    blocks = _message(bot, ts).get("blocks") or []
    return vote_button_value(blocks) is None and any(
        "Voting closed" in text for text in text_fields(blocks)
    )


def test_close_replaces_vote_buttons(
    bot: LocalBot,
    slack: SlackSender,
    campaign: CampaignRecord,
    manual_clock: ManualClock,
) -> None:
    ideas = [post_idea(slack, f"Idea number {number}") for number in range(IDEA_COUNT)]
    first_ts = ideas[0].message_id
    assert first_ts is not None
    slack.react(user="U0BOB", reaction="+1", ts=first_ts)
    wait_until(
        lambda: stored_votes(bot_db(bot), ideas[0].id) == (1, 1), what="the vote to be stored"
    )
    # The vote's own count update must go out before the close: on a loaded machine it
    # could come after and show the closed state too, a second closed update.
    wait_until(
        lambda: idea_row(bot_db(bot), ideas[0].id).shown_vote_count == 1,
        what="the vote count to be shown",
    )
    message_ids = [str(idea.message_id) for idea in ideas]

    manual_clock.set(campaign.ends_at)
    wait_until(
        lambda: campaign_row(bot_db(bot), campaign.id).status == "closed",
        what="the campaign to close",
    )
    wait_until(
        lambda: all(_shows_closed(bot, ts) for ts in message_ids),
        timeout=IDEA_COUNT * CLOSED_UPDATE_INTERVAL_SECONDS + 10,
        what="every idea message to show voting closed",
    )
    context = " ".join(text_fields(_message(bot, first_ts)["blocks"]))
    assert "Voting closed · *1 vote*" in context

    # Running the close and the retry job again, as after a restart, updates nothing more.
    jobs.close_campaign(campaign.id)
    jobs.retry_deliveries()
    time.sleep(CLOSED_UPDATE_INTERVAL_SECONDS + 0.5)

    closed_updates = []
    for ts in message_ids:
        updates = [
            call
            for call in idea_update_calls(bot, ts)
            if vote_button_value(call.params.get("blocks") or []) is None
        ]
        assert len(updates) == 1, ts
        closed_updates.append(updates[0])
    arrivals = sorted(call.at for call in closed_updates)
    for earlier, later in zip(arrivals, arrivals[1:], strict=False):
        gap = later - earlier
        assert gap >= CLOSED_UPDATE_INTERVAL_SECONDS - ARRIVAL_JITTER_SECONDS, gap
    assert bot.process is not None
    assert bot.process.refresher.closing_pending() == 0
