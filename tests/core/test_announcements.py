"""Posting a scheduled campaign's announcement once, through the real Slack publisher."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.core import announcements, campaigns, roles
from bot.core.announcements import CLAIM_RETRY_AFTER, announce_campaign
from bot.core.clock import ManualClock
from bot.core.errors import DeliveryFailed, InvalidInput, NotFound, PermissionDenied
from bot.core.records import CampaignRecord, Person
from bot.simulate.slack_standin import SlackStandIn
from handlers.ids import AnnouncementIds
from handlers.publisher import SlackPublisher
from handlers.refresher import VoteCountRefresher
from storage.database import Database
from storage.models import ScheduledRun

LONDON = ZoneInfo("Europe/London")
CHANNEL = "C0ANNOUNCE"
MANAGER = Person(platform="slack", team_id="T0TEAM", user_id="U0MANAGER")
STAFF = Person(platform="slack", team_id="T0TEAM", user_id="U0STAFF")


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token="xoxb-announce") as running:
        yield running


@pytest.fixture
def publisher(db: Database, standin: SlackStandIn) -> Iterator[SlackPublisher]:
    client = WebClient(token="xoxb-announce", base_url=standin.api_url)
    refresher = VoteCountRefresher(db=db, client=client)
    try:
        yield SlackPublisher(client, timezone=LONDON, refresher=refresher)
    finally:
        refresher.stop()


@pytest.fixture
def scheduled(db: Database, clock: ManualClock) -> CampaignRecord:
    roles.grant_role(
        db,
        platform="slack",
        user_id=MANAGER.user_id,
        role="manager",
        granted_by="test",
        now=clock.now(),
    )
    return campaigns.create_campaign(
        db,
        title="Spring <ideas> & more",
        channel_id=CHANNEL,
        starts="2027-01-18 09:00",
        days=20,
        timezone=LONDON,
        now=clock.now(),
        topics=["How could we recognise each other's work?", "What slows you down?"],
    )


def posted(standin: SlackStandIn) -> list[dict[str, Any]]:
    return standin.messages(CHANNEL)


def remind_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        element
        for block in message.get("blocks", [])
        for element in block.get("elements", [])
        if element.get("action_id") == AnnouncementIds.REMIND_ACTION
    ]


def claim_rows(db: Database) -> list[ScheduledRun]:
    with db.transaction() as session:
        return list(
            session.scalars(select(ScheduledRun).where(ScheduledRun.key.like("announcement:%")))
        )


def test_announce_posts_once_with_button(
    db: Database,
    clock: ManualClock,
    standin: SlackStandIn,
    publisher: SlackPublisher,
    scheduled: CampaignRecord,
) -> None:
    result = announce_campaign(db, publisher, scheduled.id, by=MANAGER, now=clock.now())

    assert result.posted is True
    assert result.message_id is not None
    [message] = posted(standin)
    assert message["ts"] == result.message_id
    [button] = remind_buttons(message)
    assert button["value"] == str(scheduled.id)
    assert button["text"]["text"] == "Remind me when it's live"
    body = str(message["blocks"])
    assert "Spring &lt;ideas&gt; &amp; more" in body
    assert "2027-01-18 09:00 GMT" in body
    assert "2027-02-07 09:00 GMT" in body
    assert "1. How could we recognise each other's work?" in body
    assert "2. What slows you down?" in body
    assert announcements.announcement_message_id(db, scheduled.id) == result.message_id


def test_second_announce_posts_nothing(
    db: Database,
    clock: ManualClock,
    standin: SlackStandIn,
    publisher: SlackPublisher,
    scheduled: CampaignRecord,
) -> None:
    first = announce_campaign(db, publisher, scheduled.id, by=MANAGER, now=clock.now())
    second = announce_campaign(db, publisher, scheduled.id, by=MANAGER, now=clock.now())

    assert second.posted is False
    assert second.message_id == first.message_id
    assert len(posted(standin)) == 1


def test_concurrent_announces_post_once(
    db: Database,
    clock: ManualClock,
    standin: SlackStandIn,
    publisher: SlackPublisher,
    scheduled: CampaignRecord,
) -> None:
    start = threading.Barrier(6)
    results: list[announcements.AnnouncementResult] = []
    failures: list[BaseException] = []

    def press() -> None:
        start.wait()
        try:
            results.append(
                announce_campaign(db, publisher, scheduled.id, by=MANAGER, now=clock.now())
            )
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=press) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failures == []
    assert len(results) == 6
    assert sum(1 for result in results if result.posted) == 1
    assert len(posted(standin)) == 1


def test_failed_post_releases_claim(
    db: Database,
    clock: ManualClock,
    standin: SlackStandIn,
    publisher: SlackPublisher,
    scheduled: CampaignRecord,
) -> None:
    standin.fail("chat.postMessage", "not_in_channel")
    with pytest.raises(DeliveryFailed) as raised:
        announce_campaign(db, publisher, scheduled.id, by=MANAGER, now=clock.now())

    assert raised.value.reason == "not_in_channel"
    assert claim_rows(db) == []
    assert announcements.announcement_message_id(db, scheduled.id) is None

    standin.clear_failures()
    retried = announce_campaign(db, publisher, scheduled.id, by=MANAGER, now=clock.now())

    assert retried.posted is True
    assert len(posted(standin)) == 1


def test_stale_claim_taken_over(
    db: Database,
    clock: ManualClock,
    standin: SlackStandIn,
    publisher: SlackPublisher,
    scheduled: CampaignRecord,
) -> None:
    with db.transaction() as session:
        session.add(ScheduledRun(key=f"announcement:{scheduled.id}", ran_at=clock.now()))

    blocked = announce_campaign(db, publisher, scheduled.id, by=MANAGER, now=clock.now())
    assert blocked.posted is False
    assert blocked.message_id is None
    assert posted(standin) == []

    clock.advance(CLAIM_RETRY_AFTER + timedelta(seconds=1))
    takeover = announce_campaign(db, publisher, scheduled.id, by=MANAGER, now=clock.now())

    assert takeover.posted is True
    assert len(posted(standin)) == 1


def test_non_manager_refused(
    db: Database,
    clock: ManualClock,
    standin: SlackStandIn,
    publisher: SlackPublisher,
    scheduled: CampaignRecord,
) -> None:
    with pytest.raises(PermissionDenied, match="Only engagement managers can announce"):
        announce_campaign(db, publisher, scheduled.id, by=STAFF, now=clock.now())

    assert posted(standin) == []
    assert claim_rows(db) == []


def test_open_or_closed_campaign_rejected(
    db: Database,
    clock: ManualClock,
    standin: SlackStandIn,
    publisher: SlackPublisher,
    scheduled: CampaignRecord,
) -> None:
    clock.set(scheduled.starts_at)
    assert campaigns.open_campaign(db, scheduled.id, now=clock.now()) is not None
    with pytest.raises(InvalidInput, match=f"Campaign {scheduled.id} is open already"):
        announce_campaign(db, publisher, scheduled.id, by=MANAGER, now=clock.now())

    clock.set(scheduled.ends_at)
    assert campaigns.close_campaign(db, scheduled.id, now=clock.now()) is not None
    with pytest.raises(InvalidInput, match=f"Campaign {scheduled.id} has closed"):
        announce_campaign(db, publisher, scheduled.id, by=MANAGER, now=clock.now())

    assert posted(standin) == []
    assert claim_rows(db) == []


def test_unknown_campaign_not_found(
    db: Database,
    clock: ManualClock,
    standin: SlackStandIn,
    publisher: SlackPublisher,
    scheduled: CampaignRecord,
) -> None:
    with pytest.raises(NotFound, match="There is no campaign 999"):
        announce_campaign(db, publisher, 999, by=MANAGER, now=clock.now())

    assert posted(standin) == []
