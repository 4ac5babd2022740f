"""Reminder settings of a new campaign: defaults, stored values and invalid input."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core.campaigns import create_campaign
from bot.core.clock import ManualClock
from bot.core.errors import InvalidInput
from bot.core.reminder_schedule import parse_reminder_days
from storage.database import Database
from storage.models import Campaign
from tests.core.test_reminder_schedule import LONDON


def stored_settings(db: Database) -> list[tuple[str, int]]:
    with db.transaction() as session:
        rows = session.scalars(select(Campaign).order_by(Campaign.id))
        return [(row.reminder_days, row.final_reminder_hours) for row in rows]


def create(
    db: Database,
    clock: ManualClock,
    *,
    days: int = 20,
    channel_id: str = "C0SPRING",
    **reminders: object,
) -> None:
    create_campaign(
        db,
        title="Spring ideas",
        channel_id=channel_id,
        starts="now",
        days=days,
        timezone=LONDON,
        now=clock.now(),
        **reminders,  # type: ignore[arg-type]
    )


def test_defaults_stored(db: Database, clock: ManualClock) -> None:
    create(db, clock)
    assert stored_settings(db) == [("10", 48)]


def test_given_values_stored(db: Database, clock: ManualClock) -> None:
    create(db, clock, reminder_days=[15, 5], final_reminder_hours=24)
    [(days, hours)] = stored_settings(db)
    assert parse_reminder_days(days) == (5, 15)
    assert hours == 24


def test_none_given_stores_none(db: Database, clock: ManualClock) -> None:
    create(db, clock, reminder_days=[], final_reminder_hours=0)
    assert stored_settings(db) == [("", 0)]


def test_defaults_that_do_not_fit_dropped(db: Database, clock: ManualClock) -> None:
    # Day 10 is past a 5-day campaign; 48 hours is not less than a 1-day one.
    create(db, clock, days=5)
    create(db, clock, days=1, channel_id="C0OTHER")
    assert stored_settings(db) == [("", 48), ("", 0)]


@pytest.mark.parametrize(
    ("reminders", "field", "expected"),
    [
        ({"reminder_days": [1]}, "reminder_days", "Reminder day 1 is outside the campaign"),
        ({"reminder_days": [21]}, "reminder_days", "give day numbers from 2 to 20"),
        ({"reminder_days": [0]}, "reminder_days", "Reminder day 0 is outside"),
        ({"reminder_days": [10, 10]}, "reminder_days", "Reminder day 10 is given twice"),
        ({"final_reminder_hours": -1}, "final_reminder_hours", "give 0 for no final reminder"),
        (
            {"final_reminder_hours": 480},
            "final_reminder_hours",
            "lasts only 480 hours: give fewer than 480 hours",
        ),
    ],
)
def test_invalid_settings_store_nothing(
    db: Database,
    clock: ManualClock,
    reminders: dict[str, object],
    field: str,
    expected: str,
) -> None:
    with pytest.raises(InvalidInput) as raised:
        create(db, clock, **reminders)

    assert raised.value.field == field
    assert expected in raised.value.user_message
    assert stored_settings(db) == []


def test_last_day_and_hour_accepted(db: Database, clock: ManualClock) -> None:
    create(db, clock, reminder_days=[2, 20], final_reminder_hours=479)
    assert stored_settings(db) == [("2,20", 479)]


def test_string_days_rejected(db: Database, clock: ManualClock) -> None:
    with pytest.raises(TypeError):
        create(db, clock, reminder_days="10")
    assert stored_settings(db) == []


def test_one_day_campaign_reminder_day_rejected(db: Database, clock: ManualClock) -> None:
    with pytest.raises(InvalidInput) as raised:
        create(db, clock, days=1, reminder_days=[2])

    assert raised.value.user_message.startswith("A campaign of 1 day has no day after")
    assert raised.value.field == "reminder_days"
    assert stored_settings(db) == []
