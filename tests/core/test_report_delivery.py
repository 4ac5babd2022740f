"""Sending a closed campaign's final report to managers through the outbox."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.core import campaigns, delivery, roles
from bot.core.clock import ManualClock
from bot.core.outbox import OutboundMessage
from bot.core.records import CampaignRecord, CampaignReport, CampaignSummary, IdeaRecord
from storage.database import Database
from storage.models import OutboxMessage

LONDON = ZoneInfo("Europe/London")
MANAGERS = ("U0MANAGER1", "U0MANAGER2", "U0MANAGER3")


class RecordingPublisher:
    """A ReportPublisher that builds plain report messages and posts nowhere."""

    def __init__(self) -> None:
        self.reports: list[int] = []

    @property
    def timezone(self) -> ZoneInfo:
        return LONDON

    def post_idea(self, idea: IdeaRecord) -> str:
        raise AssertionError("no idea is posted here")

    def post_launch(self, campaign: CampaignRecord) -> str:
        return "M-launch"

    def post_summary(self, summary: CampaignSummary) -> str:
        raise AssertionError("the closing message is the final report")

    def post_report(self, report: CampaignReport) -> str:
        self.reports.append(report.campaign.id)
        return f"M-report-{report.campaign.id}"

    def refresh_idea(self, idea_id: int) -> None:
        raise AssertionError("no idea is refreshed here")

    def report_messages(
        self, report: CampaignReport, *, dedupe_keys: Mapping[str, str]
    ) -> list[OutboundMessage]:
        return [
            OutboundMessage(
                platform=report.campaign.platform,
                recipient=user_id,
                text=f"Report of {report.campaign.title}",
                dedupe_key=dedupe_key,
            )
            for user_id, dedupe_key in dedupe_keys.items()
        ]


def closed_campaign(db: Database, clock: ManualClock) -> CampaignRecord:
    record = campaigns.create_campaign(
        db,
        title="Closing",
        channel_id="C0CLOSE",
        starts="now",
        days=1,
        timezone=LONDON,
        now=clock.now(),
    )
    assert campaigns.open_campaign(db, record.id, now=clock.now()) is not None
    clock.set(record.ends_at + timedelta(seconds=1))
    closed = campaigns.close_campaign(db, record.id, now=clock.now())
    assert closed is not None
    return closed


def grant_managers(db: Database, clock: ManualClock) -> None:
    for user_id in MANAGERS:
        roles.grant_role(
            db,
            platform="slack",
            user_id=user_id,
            role="manager",
            granted_by="test",
            now=clock.now(),
        )
    roles.grant_role(
        db, platform="slack", user_id="U0LEAD", role="lead", granted_by="test", now=clock.now()
    )
    roles.grant_role(
        db,
        platform="teams",
        user_id="T0MANAGER",
        role="manager",
        granted_by="test",
        now=clock.now(),
    )


def outbox_rows(db: Database) -> list[tuple[str, str, str]]:
    with db.transaction() as session:
        rows = session.execute(
            select(OutboxMessage.platform, OutboxMessage.recipient, OutboxMessage.dedupe_key)
        ).all()
    return sorted((platform, recipient, key) for platform, recipient, key in rows)


def test_report_enqueued_per_manager(db: Database, clock: ManualClock) -> None:
    grant_managers(db, clock)
    campaign = closed_campaign(db, clock)
    publisher = RecordingPublisher()

    added = delivery.send_report_to_managers(db, publisher, campaign.id, now=clock.now())

    assert added == len(MANAGERS)
    assert outbox_rows(db) == [
        ("slack", user_id, f"final-report:{campaign.id}:{user_id}") for user_id in MANAGERS
    ]


def test_report_enqueue_repeated(db: Database, clock: ManualClock) -> None:
    grant_managers(db, clock)
    campaign = closed_campaign(db, clock)
    publisher = RecordingPublisher()

    first = delivery.send_report_to_managers(db, publisher, campaign.id, now=clock.now())
    second = delivery.send_report_to_managers(db, publisher, campaign.id, now=clock.now())

    assert first == len(MANAGERS)
    assert second == 0
    assert len(outbox_rows(db)) == len(MANAGERS)


def test_report_enqueue_concurrent(db: Database, clock: ManualClock) -> None:
    grant_managers(db, clock)
    campaign = closed_campaign(db, clock)
    publisher = RecordingPublisher()
    barrier = threading.Barrier(4)
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(
                delivery.send_report_to_managers(db, publisher, campaign.id, now=clock.now())
            )
        except BaseException as error:  # noqa: BLE001 - reported by the assert below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sum(results) == len(MANAGERS)
    assert len(outbox_rows(db)) == len(MANAGERS)


def test_report_not_sent_while_open(db: Database, clock: ManualClock) -> None:
    grant_managers(db, clock)
    record = campaigns.create_campaign(
        db,
        title="Still open",
        channel_id="C0OPEN",
        starts="now",
        days=1,
        timezone=LONDON,
        now=clock.now(),
    )
    campaigns.open_campaign(db, record.id, now=clock.now())

    added = delivery.send_report_to_managers(db, RecordingPublisher(), record.id, now=clock.now())

    assert added == 0
    assert outbox_rows(db) == []


def test_close_posts_report_in_channel(db: Database, clock: ManualClock) -> None:
    campaign = closed_campaign(db, clock)
    publisher = RecordingPublisher()

    posted = delivery.deliver_announcements(db, publisher, now=clock.now())
    again = delivery.deliver_announcements(db, publisher, now=clock.now())

    # A campaign closed before its launch was posted gets only the final report.
    assert posted == 1
    assert again == 0
    assert publisher.reports == [campaign.id]
    assert campaigns.get_campaign(db, campaign.id).status == "closed"
