"""The next campaign of a quarterly series, scheduled once when a campaign closes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.core import campaigns, delivery
from bot.core.records import CampaignRecord
from storage.database import Database
from storage.models import Campaign

LONDON = ZoneInfo("Europe/London")
CREATED = datetime(2027, 1, 4, 12, 0, tzinfo=UTC)
TOPICS = ("How could we recognise each other's work better?", "What slows you down?")


def run_and_close(
    db: Database, *, starts: str, days: int = 20, **options: object
) -> CampaignRecord:
    record = campaigns.create_campaign(
        db,
        title="Quarterly voice",
        channel_id="C0QUARTER",
        starts=starts,
        days=days,
        timezone=LONDON,
        now=CREATED,
        **options,  # type: ignore[arg-type]
    )
    assert campaigns.open_campaign(db, record.id, now=record.starts_at) is not None
    closed = campaigns.close_campaign(db, record.id, now=record.ends_at)
    assert closed is not None
    return closed


def campaign_count(db: Database) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(Campaign)) or 0)


def series_id_of(db: Database, campaign_id: int) -> int | None:
    with db.transaction() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        return campaign.series_id


def test_repeat_copies_campaign(db: Database) -> None:
    first = run_and_close(
        db, starts="2027-01-31 09:00", topics=TOPICS, hide_counts=True, repeat_quarterly=True
    )

    following = campaigns.schedule_next_in_series(db, first.id, timezone=LONDON, now=first.ends_at)

    assert following is not None
    assert following.status == "scheduled"
    assert following.title == first.title
    assert following.channel_id == first.channel_id
    assert following.platform == first.platform
    assert following.hide_counts is True
    assert following.repeat_quarterly is True
    assert [topic.question for topic in following.topics] == list(TOPICS)
    # 31 April does not exist, so the start moves to 30 April, 09:00 BST.
    assert following.starts_at == datetime(2027, 4, 30, 8, 0, tzinfo=UTC)
    assert following.ends_at == datetime(2027, 5, 20, 8, 0, tzinfo=UTC)
    assert series_id_of(db, following.id) == first.id


def test_repeat_keeps_series_id(db: Database) -> None:
    first = run_and_close(db, starts="2027-01-11 09:00", repeat_quarterly=True)
    second = campaigns.schedule_next_in_series(db, first.id, timezone=LONDON, now=first.ends_at)
    assert second is not None
    assert campaigns.open_campaign(db, second.id, now=second.starts_at) is not None
    assert campaigns.close_campaign(db, second.id, now=second.ends_at) is not None

    third = campaigns.schedule_next_in_series(db, second.id, timezone=LONDON, now=second.ends_at)

    assert third is not None
    assert series_id_of(db, third.id) == first.id
    assert third.starts_at == datetime(2027, 7, 11, 8, 0, tzinfo=UTC)
    assert third.topics == ()


def test_repeat_once_only(db: Database) -> None:
    first = run_and_close(db, starts="2027-01-11 09:00", repeat_quarterly=True)
    count = campaign_count(db)

    following = campaigns.schedule_next_in_series(db, first.id, timezone=LONDON, now=first.ends_at)
    again = campaigns.schedule_next_in_series(db, first.id, timezone=LONDON, now=first.ends_at)

    assert following is not None
    assert again is None
    assert campaign_count(db) == count + 1


def test_repeat_concurrent_once(db: Database) -> None:
    first = run_and_close(db, starts="2027-01-11 09:00", repeat_quarterly=True)
    count = campaign_count(db)
    barrier = threading.Barrier(4)
    results: list[CampaignRecord | None] = []
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(
                campaigns.schedule_next_in_series(db, first.id, timezone=LONDON, now=first.ends_at)
            )
        except BaseException as error:  # noqa: BLE001 - reported by the assert below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len([result for result in results if result is not None]) == 1
    assert campaign_count(db) == count + 1


def test_repeat_skips_one_off(db: Database) -> None:
    first = run_and_close(db, starts="2027-01-11 09:00")
    count = campaign_count(db)

    assert (
        campaigns.schedule_next_in_series(db, first.id, timezone=LONDON, now=first.ends_at) is None
    )
    assert campaign_count(db) == count


def test_repeat_waits_for_close(db: Database) -> None:
    record = campaigns.create_campaign(
        db,
        title="Still open",
        channel_id="C0QUARTER",
        starts="2027-01-11 09:00",
        timezone=LONDON,
        now=CREATED,
        repeat_quarterly=True,
    )
    campaigns.open_campaign(db, record.id, now=record.starts_at)

    assert (
        campaigns.schedule_next_in_series(db, record.id, timezone=LONDON, now=record.ends_at)
        is None
    )
    # The refused call records nothing, so the repeat still happens at the close.
    assert campaigns.close_campaign(db, record.id, now=record.ends_at) is not None
    assert (
        campaigns.schedule_next_in_series(db, record.id, timezone=LONDON, now=record.ends_at)
        is not None
    )


def test_repeat_start_not_in_past(db: Database) -> None:
    first = run_and_close(db, starts="2027-01-11 09:00", repeat_quarterly=True)
    # Closed late: three months after the start has passed already.
    late = datetime(2027, 5, 1, 12, 0, tzinfo=UTC)

    following = campaigns.schedule_next_in_series(db, first.id, timezone=LONDON, now=late)

    assert following is not None
    assert following.starts_at == datetime(2027, 7, 11, 8, 0, tzinfo=UTC)


def test_closes_to_finish_until_done(db: Database) -> None:
    first = run_and_close(db, starts="2027-01-11 09:00", repeat_quarterly=True)
    one_off = run_and_close(db, starts="2027-01-12 09:00")

    assert delivery.closes_to_finish(db) == [first.id, one_off.id]

    campaigns.schedule_next_in_series(db, first.id, timezone=LONDON, now=first.ends_at)
    assert delivery.closes_to_finish(db) == [first.id, one_off.id]

    class Publisher:
        timezone = LONDON

    for campaign in (first, one_off):
        # No managers are granted, so the publisher builds no message.
        delivery.send_report_to_managers(
            db,
            Publisher(),  # type: ignore[arg-type]
            campaign.id,
            now=campaign.ends_at + timedelta(minutes=1),
        )
    assert delivery.closes_to_finish(db) == []


def test_repeat_after_early_close_keeps_length(db: Database) -> None:
    record = campaigns.create_campaign(
        db,
        title="Quarterly voice",
        channel_id="C0QUARTER",
        starts="2027-01-31 09:00",
        days=20,
        timezone=LONDON,
        now=CREATED,
        topics=TOPICS,
        repeat_quarterly=True,
    )
    assert campaigns.open_campaign(db, record.id, now=record.starts_at) is not None
    early = record.starts_at + timedelta(days=3)
    campaigns.close_campaign_early(db, record.id, by=None, now=early)
    closed = campaigns.close_campaign(db, record.id, now=early)
    assert closed is not None

    following = campaigns.schedule_next_in_series(db, record.id, timezone=LONDON, now=early)

    assert following is not None
    assert closed.ends_at == early
    assert following.starts_at == datetime(2027, 4, 30, 8, 0, tzinfo=UTC)
    assert following.ends_at == datetime(2027, 5, 20, 8, 0, tzinfo=UTC)


def test_repeat_after_extension_keeps_new_length(db: Database) -> None:
    record = campaigns.create_campaign(
        db,
        title="Quarterly voice",
        channel_id="C0QUARTER",
        starts="2027-01-31 09:00",
        days=20,
        timezone=LONDON,
        now=CREATED,
        topics=TOPICS,
        repeat_quarterly=True,
    )
    campaigns.extend_campaign(db, record.id, days=5, by=None, timezone=LONDON, now=CREATED)
    extended = campaigns.get_campaign(db, record.id)
    assert campaigns.open_campaign(db, record.id, now=extended.starts_at) is not None
    assert campaigns.close_campaign(db, record.id, now=extended.ends_at) is not None

    following = campaigns.schedule_next_in_series(
        db, record.id, timezone=LONDON, now=extended.ends_at
    )

    assert following is not None
    assert following.ends_at == datetime(2027, 5, 25, 8, 0, tzinfo=UTC)
