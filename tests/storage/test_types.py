"""Tests of UTCDateTime: aware datetimes in, aware UTC datetimes out, naive ones rejected."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import DateTime, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import StatementError

from storage.database import Database
from storage.models import Campaign
from storage.types import UTCDateTime

PLUS_TWO = timezone(timedelta(hours=2))
DIALECTS = [sqlite.dialect(), postgresql.dialect()]


@pytest.mark.parametrize("dialect", DIALECTS, ids=["sqlite", "postgresql"])
def test_bind_naive_rejected(dialect: Dialect) -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2027, 1, 11, 9, 0), dialect)


def test_bind_converts_to_utc() -> None:
    bound = UTCDateTime().process_bind_param(
        datetime(2027, 1, 11, 11, 0, tzinfo=PLUS_TWO), sqlite.dialect()
    )

    assert bound == datetime(2027, 1, 11, 9, 0)
    assert bound is not None
    assert bound.tzinfo is None


def test_bind_none() -> None:
    assert UTCDateTime().process_bind_param(None, sqlite.dialect()) is None


def test_result_is_aware_utc() -> None:
    value = UTCDateTime().process_result_value(datetime(2027, 1, 11, 9, 0), sqlite.dialect())

    assert value == datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
    assert value is not None
    assert value.tzinfo == UTC


def test_result_none() -> None:
    assert UTCDateTime().process_result_value(None, sqlite.dialect()) is None


def add_campaign(db: Database, *, starts_at: datetime) -> int:
    with db.transaction() as session:
        campaign = Campaign(
            title="Ideas",
            platform="slack",
            channel_id="C1",
            starts_at=starts_at,
            ends_at=datetime(2027, 2, 1, tzinfo=UTC),
            status="scheduled",
            created_at=datetime(2027, 1, 1, tzinfo=UTC),
        )
        session.add(campaign)
        session.flush()
        return campaign.id


def test_round_trip_aware_utc(db: Database) -> None:
    campaign_id = add_campaign(db, starts_at=datetime(2027, 1, 11, 11, 0, tzinfo=PLUS_TWO))

    with db.transaction() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        starts_at = campaign.starts_at

    assert starts_at == datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
    assert starts_at.tzinfo == UTC


def test_stored_as_naive_utc(db: Database) -> None:
    campaign_id = add_campaign(db, starts_at=datetime(2027, 1, 11, 11, 0, tzinfo=PLUS_TWO))

    query = text("SELECT starts_at FROM campaigns WHERE id = :id").columns(starts_at=DateTime())
    with db.transaction() as session:
        stored = session.execute(query, {"id": campaign_id}).scalar_one()

    assert stored == datetime(2027, 1, 11, 9, 0)


def test_naive_insert_rejected(db: Database) -> None:
    with pytest.raises(StatementError) as raised:
        add_campaign(db, starts_at=datetime(2027, 1, 11, 9, 0))

    assert isinstance(raised.value.orig, ValueError)
    with db.transaction() as session:
        assert session.execute(text("SELECT COUNT(*) FROM campaigns")).scalar_one() == 0
