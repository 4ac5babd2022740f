"""The vote-count refresher paces its chat.update calls together, against the stand-in."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient

from bot.core.campaigns import create_campaign, open_campaign
from bot.core.clock import ManualClock
from bot.core.ideas import record_idea_message, submit_idea
from bot.core.records import Person
from bot.core.votes import VoteChange, change_vote
from bot.simulate.slack_standin import SlackStandIn
from handlers.refresher import VoteCountRefresher
from storage.database import Database

TOKEN = "xoxb-refresher-test"
LONDON = ZoneInfo("Europe/London")
IDEAS = 4
# 240 a minute: one chat.update every 0.25 seconds.
UPDATES_PER_MINUTE = 240.0
ARRIVAL_JITTER_SECONDS = 0.05


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=TOKEN) as server:
        yield server


def test_updates_of_many_ideas_paced(
    db: Database, clock: ManualClock, standin: SlackStandIn
) -> None:
    client = WebClient(token=TOKEN, base_url=standin.api_url)
    campaign = create_campaign(
        db, title="Ideas", channel_id="C1", starts="now", timezone=LONDON, now=clock.now()
    )
    assert open_campaign(db, campaign.id, now=clock.now()) is not None
    idea_ids = []
    for index in range(IDEAS):
        author = Person("slack", "T1", f"U_AUTHOR{index}")
        submitted = submit_idea(db, author, text=f"Idea {index}", channel_id="C1", now=clock.now())
        ts = client.chat_postMessage(channel="C1", text=f"Idea {index}")["ts"]
        record_idea_message(db, submitted.idea.id, message_id=ts, vote_count=0)
        change_vote(
            db,
            Person("slack", "T1", "U_VOTER"),
            idea_id=submitted.idea.id,
            change=VoteChange.CAST,
            now=clock.now(),
        )
        idea_ids.append(submitted.idea.id)
    refresher = VoteCountRefresher(db=db, client=client, updates_per_minute=UPDATES_PER_MINUTE)
    try:
        for idea_id in idea_ids:
            refresher.request(idea_id)
        deadline = time.monotonic() + 10
        while standin.count("chat.update") < IDEAS and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        refresher.stop()

    updates = standin.calls("chat.update")
    assert len(updates) == IDEAS
    interval = 60 / UPDATES_PER_MINUTE
    for earlier, later in zip(updates, updates[1:], strict=False):
        assert later.at - earlier.at >= interval - ARRIVAL_JITTER_SECONDS


def test_earlier_request_replaces_far_deferral(
    db: Database, clock: ManualClock, standin: SlackStandIn
) -> None:
    # A shown_at in the future, such as a campaign's closed_at, defers a refresh far ahead.
    # A later request must still run at once, not wait behind that deferral.
    client = WebClient(token=TOKEN, base_url=standin.api_url)
    campaign = create_campaign(
        db, title="Ideas", channel_id="C1", starts="now", timezone=LONDON, now=clock.now()
    )
    assert open_campaign(db, campaign.id, now=clock.now()) is not None
    submitted = submit_idea(
        db, Person("slack", "T1", "U_AUTHOR"), text="An idea", channel_id="C1", now=clock.now()
    )
    ts = client.chat_postMessage(channel="C1", text="An idea")["ts"]
    record_idea_message(db, submitted.idea.id, message_id=ts, vote_count=0)
    change_vote(
        db,
        Person("slack", "T1", "U_VOTER"),
        idea_id=submitted.idea.id,
        change=VoteChange.CAST,
        now=clock.now(),
    )
    refresher = VoteCountRefresher(db=db, client=client, updates_per_minute=UPDATES_PER_MINUTE)
    try:
        refresher._defer(submitted.idea.id, datetime.now(UTC) + timedelta(days=20))
        refresher.request(submitted.idea.id)
        deadline = time.monotonic() + 5
        while standin.count("chat.update") < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        refresher.stop()

    assert standin.count("chat.update") == 1
