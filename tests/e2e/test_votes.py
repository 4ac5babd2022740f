"""Votes by :+1: reaction and by the Vote button, the throttled count display, and closing."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from bot.core import delivery, display
from bot.core.clock import ManualClock
from bot.core.display import MIN_REFRESH_INTERVAL
from bot.core.ideas import get_idea
from bot.core.records import CampaignRecord, IdeaRecord
from bot.simulate.local_bot import LocalBot
from bot.simulate.slack_standin import RecordedCall
from handlers import refresher
from storage.database import Database
from tests.e2e.support import (
    CAMPAIGN_CHANNEL,
    OTHER_CHANNEL,
    SlackSender,
    bot_db,
    campaign_row,
    comment_rows,
    idea_row,
    idea_rows,
    idea_update_calls,
    post_idea,
    settle,
    stored_votes,
    text_fields,
    voter_ids,
    wait_until,
)

BURST_SIZE = 30
BURST_SENDERS = 6
# The throttle tests below run with a 5-second window in place of the product's
# MIN_REFRESH_INTERVAL, to keep them short: what they check holds for any length.
REFRESH_INTERVAL_SECONDS = 5.0


@pytest.fixture
def short_window(monkeypatch: pytest.MonkeyPatch) -> None:
    assert MIN_REFRESH_INTERVAL.total_seconds() > REFRESH_INTERVAL_SECONDS
    monkeypatch.setattr(
        display, "MIN_REFRESH_INTERVAL", timedelta(seconds=REFRESH_INTERVAL_SECONDS)
    )


# The bot claims each update in the database before it sends it, so the arrival times
# the stand-in records can be closer together than the claims (see test_update_gap_after_slow_send).
ARRIVAL_JITTER_SECONDS = 0.2
SLOW_SEND_SECONDS = 0.3


def _wait_for_votes(bot: LocalBot, idea_id: int, count: int) -> None:
    wait_until(
        lambda: stored_votes(bot_db(bot), idea_id) == (count, count),
        what=f"idea {idea_id} to have {count} votes",
    )


def _ephemeral_texts(bot: LocalBot, user: str) -> list[str]:
    return [
        call.params["text"]
        for call in bot.standin.calls("chat.postEphemeral")
        if call.params.get("user") == user
    ]


def test_reaction_names_counted(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    idea = post_idea(slack)
    assert idea.message_id is not None
    reactions = {
        "U0V1": "+1",
        "U0V2": "+1::skin-tone-4",
        "U0V3": "thumbsup",
        "U0V4": "thumbsup::skin-tone-2",
        "U0V5": "heart",
        "U0V6": "-1",
        "U0V7": "raised_hands",
        "U0V8": "+1_tone",
    }

    for user, reaction in reactions.items():
        http, _ = slack.react(user=user, reaction=reaction, ts=idea.message_id)
        assert http.status == 200

    _wait_for_votes(bot, idea.id, 4)
    settle(bot)
    assert voter_ids(bot_db(bot), idea.id) == {"U0V1", "U0V2", "U0V3", "U0V4"}
    assert stored_votes(bot_db(bot), idea.id) == (4, 4)


def test_vote_one_per_person(bot: LocalBot, slack: SlackSender, campaign: CampaignRecord) -> None:
    idea = post_idea(slack)
    assert idea.message_id is not None
    ts, value = idea.message_id, str(idea.id)

    slack.react(user="U0V1", reaction="+1", ts=ts)
    _wait_for_votes(bot, idea.id, 1)
    slack.react(user="U0V1", reaction="thumbsup::skin-tone-3", ts=ts)
    settle(bot)
    assert stored_votes(bot_db(bot), idea.id) == (1, 1)

    pressed = slack.press_vote(user="U0V1", value=value, message_ts=ts)
    assert pressed.http.status == 200
    _wait_for_votes(bot, idea.id, 0)
    assert voter_ids(bot_db(bot), idea.id) == set()

    slack.press_vote(user="U0V2", value=value, message_ts=ts)
    _wait_for_votes(bot, idea.id, 1)
    assert voter_ids(bot_db(bot), idea.id) == {"U0V2"}
    slack.react(user="U0V2", reaction="+1", ts=ts, kind="reaction_removed")
    _wait_for_votes(bot, idea.id, 0)

    slack.press_vote(user="U0V3", value=value, message_ts=ts)
    _wait_for_votes(bot, idea.id, 1)
    slack.react(user="U0V3", reaction="+1", ts=ts)
    settle(bot)
    assert stored_votes(bot_db(bot), idea.id) == (1, 1)
    assert voter_ids(bot_db(bot), idea.id) == {"U0V3"}
    [taken_back] = slack.response_texts(pressed.response_token)
    assert taken_back.startswith("Your vote is taken back")


def test_reaction_elsewhere_ignored(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    idea = post_idea(slack)
    assert idea.message_id is not None
    launch_ts = campaign_row(bot_db(bot), campaign.id).launch_message_id
    assert launch_ts is not None

    slack.react(user="U0V1", reaction="+1", ts=launch_ts)
    slack.react(user="U0V2", reaction="+1", ts=slack.new_ts())
    slack.react(user="U0V3", reaction="+1", ts=idea.message_id, channel=OTHER_CHANNEL)
    slack.react(user="U0V4", reaction="+1", ts=slack.new_ts(), kind="reaction_removed")
    settle(bot)

    assert stored_votes(bot_db(bot), idea.id) == (0, 0)
    assert bot.standin.calls("chat.postEphemeral") == []


def _send_burst(bot: LocalBot, slack: SlackSender, ts: str) -> tuple[float, float]:
    """Send BURST_SIZE reaction_added events from BURST_SENDERS connections at once.

    Returns the monotonic times when the first request started and the last one ended.
    """
    senders = [SlackSender(bot) for _ in range(BURST_SENDERS)]
    voters = [f"U0B{number:03d}" for number in range(BURST_SIZE)]
    # Every body is built first, so the burst itself is only signing and sending.
    bodies = [
        slack.event_body(
            "reaction_added",
            slack.reaction_event(user=voter, reaction="+1", ts=ts),
            event_id=slack.new_event_id(),
        )
        for voter in voters
    ]

    def send_share(index: int) -> list[int]:
        return [senders[index].send_body(body).status for body in bodies[index::BURST_SENDERS]]

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=BURST_SENDERS) as pool:
        shares = list(pool.map(send_share, range(BURST_SENDERS)))
    ended = time.monotonic()
    for sender in senders:
        sender.close()
    assert [status for share in shares for status in share] == [200] * BURST_SIZE
    return started, ended


def _final_count_update(bot: LocalBot, ts: str, *, burst_end: float) -> list[RecordedCall]:
    """Wait for the chat.update that shows BURST_SIZE votes and return every update of ts."""

    def final_count_shown() -> bool:
        updates = idea_update_calls(bot, ts)
        return bool(updates) and f"{BURST_SIZE} votes" in " ".join(
            text_fields(updates[-1].params["blocks"])
        )

    deadline = burst_end + REFRESH_INTERVAL_SECONDS + 1.5
    wait_until(
        final_count_shown,
        timeout=max(deadline - time.monotonic(), 0.1),
        what="a chat.update that shows the final count",
    )
    return idea_update_calls(bot, ts)


@pytest.mark.usefixtures("short_window")
def test_vote_burst_throttled(bot: LocalBot, slack: SlackSender, campaign: CampaignRecord) -> None:
    idea = post_idea(slack)
    assert idea.message_id is not None
    ts = idea.message_id

    started, burst_end = _send_burst(bot, slack, ts)

    # Votes are acknowledged without waiting for the message refresh, which can wait a whole
    # window. 2.5 seconds leaves room for a loaded machine and fails if a vote waited for it.
    assert burst_end - started < 2.5
    wait_until(
        lambda: stored_votes(bot_db(bot), idea.id)[1] == BURST_SIZE,
        timeout=10,
        what="every vote of the burst to be stored",
    )
    settle(bot)
    assert stored_votes(bot_db(bot), idea.id) == (BURST_SIZE, BURST_SIZE)
    updates = _final_count_update(bot, ts, burst_end=burst_end)
    assert f"Vote ({BURST_SIZE})" in list(text_fields(updates[-1].params["blocks"]))
    assert updates[-1].at - burst_end < REFRESH_INTERVAL_SECONDS + 1.0
    assert len(updates) <= 2
    for earlier, later in zip(updates, updates[1:], strict=False):
        gap = later.at - earlier.at
        assert gap >= REFRESH_INTERVAL_SECONDS - ARRIVAL_JITTER_SECONDS, gap
    [message] = [m for m in bot.standin.messages(CAMPAIGN_CHANNEL) if m["ts"] == ts]
    assert f"{BURST_SIZE} votes" in " ".join(text_fields(message["blocks"]))


# A chat.update that is slow to go out must not shorten the gap to the next one.
@pytest.mark.usefixtures("short_window")
def test_update_gap_after_slow_send(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord, monkeypatch: pytest.MonkeyPatch
) -> None:
    idea = post_idea(slack)
    assert idea.message_id is not None
    ts = idea.message_id
    slow_calls: list[int] = []

    def get_idea_slowly_once(db: Database, idea_id: int) -> IdeaRecord:
        if not slow_calls:
            slow_calls.append(idea_id)
            time.sleep(SLOW_SEND_SECONDS)
        return get_idea(db, idea_id)

    monkeypatch.setattr(refresher.ideas, "get_idea", get_idea_slowly_once)

    slack.react(user="U0V1", reaction="+1", ts=ts)
    wait_until(lambda: idea_update_calls(bot, ts), what="the first chat.update")
    slack.react(user="U0V2", reaction="+1", ts=ts)
    wait_until(
        lambda: len(idea_update_calls(bot, ts)) == 2,
        timeout=REFRESH_INTERVAL_SECONDS + 1.5,
        what="the deferred chat.update",
    )

    first, second = idea_update_calls(bot, ts)
    assert slow_calls == [idea.id]
    assert "2 votes" in " ".join(text_fields(second.params["blocks"]))
    assert second.at - first.at >= REFRESH_INTERVAL_SECONDS


def test_closed_campaign_rejects_votes(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord, manual_clock: ManualClock
) -> None:
    idea = post_idea(slack)
    assert idea.message_id is not None
    ts, value = idea.message_id, str(idea.id)
    slack.react(user="U0V1", reaction="+1", ts=ts)
    _wait_for_votes(bot, idea.id, 1)

    manual_clock.set(campaign.ends_at + timedelta(minutes=1))
    wait_until(
        lambda: campaign_row(bot_db(bot), campaign.id).status == "closed",
        what="the scheduler to close the campaign",
    )

    slack.react(user="U0V2", reaction="+1", ts=ts)
    settle(bot)
    notices = _ephemeral_texts(bot, "U0V2")
    assert len(notices) == 1
    assert "Winter ideas closed on" in notices[0]
    assert "no longer counted" in notices[0]
    [notice_call] = [
        c for c in bot.standin.calls("chat.postEphemeral") if c.params["user"] == "U0V2"
    ]
    assert notice_call.params["channel"] == CAMPAIGN_CHANNEL
    assert stored_votes(bot_db(bot), idea.id) == (1, 1)

    slack.react(user="U0V2", reaction="thumbsup", ts=ts)
    settle(bot)
    assert len(_ephemeral_texts(bot, "U0V2")) == 1
    assert stored_votes(bot_db(bot), idea.id) == (1, 1)

    first = slack.press_vote(user="U0V3", value=value, message_ts=ts)
    assert first.http.status == 200
    [told] = wait_until(
        lambda: slack.response_texts(first.response_token), what="the closed-campaign notice"
    )
    assert "no longer counted" in told
    second = slack.press_vote(user="U0V3", value=value, message_ts=ts)
    assert second.http.status == 200
    settle(bot)
    assert slack.response_texts(second.response_token) == []
    assert _ephemeral_texts(bot, "U0V3") == []

    slack.react(user="U0V1", reaction="+1", ts=ts, kind="reaction_removed")
    settle(bot)
    assert stored_votes(bot_db(bot), idea.id) == (1, 1)
    assert voter_ids(bot_db(bot), idea.id) == {"U0V1"}


def test_vote_before_message_recorded(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The reaction and reply reach the bot after chat.postMessage returned but
    # before the idea's message ts is committed, as happens when the bot is busy.
    record_message = delivery.ideas.record_idea_message

    def record_slowly(*args: Any, **kwargs: Any) -> None:
        time.sleep(1.0)
        record_message(*args, **kwargs)

    monkeypatch.setattr(delivery.ideas, "record_idea_message", record_slowly)
    launch_messages = len(bot.standin.messages(CAMPAIGN_CHANNEL))

    slack.command("Idea voted on at once")
    posted = wait_until(
        lambda: bot.standin.messages(CAMPAIGN_CHANNEL)[launch_messages:],
        what="the idea message",
    )
    ts = posted[0]["ts"]
    slack.react(user="U0FAST", reaction="+1", ts=ts)
    slack.reply(user="U0FAST", text="Yes please", thread_ts=ts)

    [idea] = wait_until(lambda: [i for i in idea_rows(bot_db(bot)) if i.message_id], what="idea")
    wait_until(lambda: stored_votes(bot_db(bot), idea.id) == (1, 1), what="the early vote")
    wait_until(lambda: len(comment_rows(bot_db(bot))) == 1, what="the early reply")
    assert idea_row(bot_db(bot), idea.id).comment_count == 1


def test_vote_button_confirms_privately(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    idea = post_idea(slack)
    assert idea.message_id is not None

    first = slack.press_vote(user="U0V1", value=str(idea.id), message_ts=idea.message_id)
    [counted] = wait_until(lambda: slack.response_texts(first.response_token), what="reply")
    second = slack.press_vote(user="U0V1", value=str(idea.id), message_ts=idea.message_id)
    [withdrawn] = wait_until(lambda: slack.response_texts(second.response_token), what="reply")

    assert counted.startswith("Your vote counts; the idea has 1 vote now.")
    assert withdrawn.startswith("Your vote is taken back; the idea has 0 votes now.")
    # U0V1 never reacted, so the reply must not claim a reaction was added.
    assert "If you also reacted with :+1:" in withdrawn
    assert "reaction you added" not in withdrawn
    assert stored_votes(bot_db(bot), idea.id) == (0, 0)
