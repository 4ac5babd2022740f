"""Tests of the campaign storage functions."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from storage import campaigns as store
from storage.database import Database
from storage.models import Campaign

NOW = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


def add(session: Session, *, channel_id: str = "C1", platform: str = "slack") -> Campaign:
    return store.add_campaign(
        session,
        title="Ideas",
        platform=platform,
        channel_id=channel_id,
        starts_at=NOW,
        ends_at=NOW + timedelta(days=20),
        created_at=NOW,
    )


def test_add_campaign_scheduled(db: Database) -> None:
    with db.transaction() as session:
        campaign_id = add(session).id

    with db.transaction() as session:
        campaign = store.get_campaign(session, campaign_id)
        assert campaign is not None
        assert campaign.status == "scheduled"
        assert campaign.ends_at == NOW + timedelta(days=20)
        assert store.get_campaign(session, campaign_id + 1) is None


def test_mark_open_and_closed(db: Database) -> None:
    with db.transaction() as session:
        campaign_id = add(session).id

    with db.transaction() as session:
        assert not store.mark_campaign_closed(session, campaign_id, now=NOW)
        assert store.mark_campaign_open(session, campaign_id, now=NOW)
        assert not store.mark_campaign_open(session, campaign_id, now=NOW)
        assert store.mark_campaign_closed(session, campaign_id, now=NOW + timedelta(days=1))
        assert not store.mark_campaign_closed(session, campaign_id, now=NOW + timedelta(days=1))

    with db.transaction() as session:
        campaign = store.get_campaign(session, campaign_id)
        assert campaign is not None
        assert campaign.status == "closed"
        assert campaign.opened_at == NOW
        assert campaign.closed_at == NOW + timedelta(days=1)


def test_list_open_newest_first(db: Database) -> None:
    with db.transaction() as session:
        first = add(session, channel_id="C1").id
        second = add(session, channel_id="C2").id
        never_opened = add(session, channel_id="C3").id
        other_platform = add(session, channel_id="C4", platform="teams").id
        store.mark_campaign_open(session, second, now=NOW)
        store.mark_campaign_open(session, first, now=NOW + timedelta(minutes=1))
        store.mark_campaign_open(session, other_platform, now=NOW)

    with db.transaction() as session:
        open_ids = [c.id for c in store.list_open_campaigns(session, platform="slack")]

    assert open_ids == [first, second]
    assert never_opened not in open_ids


def test_list_campaigns_statuses(db: Database) -> None:
    with db.transaction() as session:
        scheduled = add(session).id
        running = add(session).id
        store.mark_campaign_open(session, running, now=NOW)

    with db.transaction() as session:
        assert [c.id for c in store.list_campaigns(session)] == [scheduled, running]
        assert [c.id for c in store.list_campaigns(session, statuses=["open"])] == [running]
        assert store.list_campaigns(session, statuses=[]) == []


def test_claim_announcement_window(db: Database) -> None:
    retry_after = timedelta(minutes=2)
    with db.transaction() as session:
        campaign_id = add(session).id

    with db.transaction() as session:
        claim = store.claim_announcement
        assert claim(session, campaign_id, kind="summary", now=NOW, retry_after=retry_after)
        later = NOW + retry_after
        assert not claim(session, campaign_id, kind="summary", now=later, retry_after=retry_after)
        later += timedelta(microseconds=1)
        assert claim(session, campaign_id, kind="summary", now=later, retry_after=retry_after)


def test_claim_announcement_posted(db: Database) -> None:
    with db.transaction() as session:
        campaign_id = add(session).id
        store.set_announcement_message(session, campaign_id, kind="summary", message_id="M1")

    with db.transaction() as session:
        assert not store.claim_announcement(
            session, campaign_id, kind="summary", now=NOW, retry_after=timedelta(0)
        )
        assert store.claim_announcement(
            session, campaign_id, kind="launch", now=NOW, retry_after=timedelta(0)
        )
        campaign = store.get_campaign(session, campaign_id)
        assert campaign is not None
        assert campaign.summary_message_id == "M1"
        assert campaign.launch_message_id is None


def test_claim_announcement_bad_kind(db: Database) -> None:
    with db.transaction() as session:
        campaign_id = add(session).id
        with pytest.raises(ValueError, match="unknown announcement kind"):
            store.claim_announcement(
                session, campaign_id, kind="other", now=NOW, retry_after=timedelta(0)
            )
