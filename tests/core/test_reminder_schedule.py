"""Reminder and digest times in local time, including a campaign across the October clock change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.reminder_schedule import (
    day_start,
    digest_day_due,
    digest_time_on,
    final_reminder_key,
    format_reminder_days,
    next_digest_time,
    parse_reminder_days,
    reminder_slots,
)

LONDON = ZoneInfo("Europe/London")
# 09:00 BST on Wednesday 20 October 2027; clocks go back at 02:00 BST on 31 October.
OCTOBER_START = datetime(2027, 10, 20, 8, 0, tzinfo=UTC)
# 20 local days later, 09:00 GMT on 9 November.
OCTOBER_END = datetime(2027, 11, 9, 9, 0, tzinfo=UTC)


def test_day_start_keeps_local_time_across_change() -> None:
    # Day 10 is 29 October, still BST: 09:00 BST is 08:00 UTC.
    assert day_start(OCTOBER_START, 10, timezone=LONDON) == datetime(2027, 10, 29, 8, 0, tzinfo=UTC)
    # Day 14 is 2 November, GMT: 09:00 GMT is 09:00 UTC, 13 days and 1 hour later.
    assert day_start(OCTOBER_START, 14, timezone=LONDON) == datetime(2027, 11, 2, 9, 0, tzinfo=UTC)
    assert day_start(OCTOBER_START, 1, timezone=LONDON) == OCTOBER_START


def test_slots_across_october_change() -> None:
    slots = reminder_slots(
        campaign_id=7,
        starts_at=OCTOBER_START,
        ends_at=OCTOBER_END,
        reminder_days=[14, 10],
        final_reminder_hours=48,
        timezone=LONDON,
    )

    assert [slot.key for slot in slots] == [
        "reminder:7:day-10",
        "reminder:7:day-14",
        "reminder:7:final:20271109T090000Z",
    ]
    assert [slot.due_at for slot in slots] == [
        datetime(2027, 10, 29, 8, 0, tzinfo=UTC),
        datetime(2027, 11, 2, 9, 0, tzinfo=UTC),
        # 48 elapsed hours before the close, whatever the clocks do.
        datetime(2027, 11, 7, 9, 0, tzinfo=UTC),
    ]
    assert [slot.day for slot in slots] == [10, 14, None]
    assert slots[-1].is_final


def test_final_reminder_spanning_change_is_elapsed_hours() -> None:
    # Opens 09:00 BST 25 October, closes 09:00 GMT 1 November (7 days and 1 hour).
    starts_at = datetime(2027, 10, 25, 8, 0, tzinfo=UTC)
    ends_at = datetime(2027, 11, 1, 9, 0, tzinfo=UTC)
    [final] = reminder_slots(
        campaign_id=1,
        starts_at=starts_at,
        ends_at=ends_at,
        reminder_days=[],
        final_reminder_hours=48,
        timezone=LONDON,
    )
    # 09:00 UTC on 30 October is 10:00 BST: the local time moves, the hours do not.
    assert final.due_at == datetime(2027, 10, 30, 9, 0, tzinfo=UTC)
    assert final.due_at.astimezone(LONDON).hour == 10


def test_slots_drop_those_outside_campaign() -> None:
    starts_at = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
    # Closed early on day 5.
    ends_at = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)
    slots = reminder_slots(
        campaign_id=3,
        starts_at=starts_at,
        ends_at=ends_at,
        reminder_days=[2, 10],
        final_reminder_hours=0,
        timezone=LONDON,
    )
    assert [slot.key for slot in slots] == ["reminder:3:day-2"]


def test_same_instant_orders_final_last() -> None:
    starts_at = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
    ends_at = datetime(2027, 1, 31, 9, 0, tzinfo=UTC)
    # Day 19 starts exactly 48 hours before a 20-day campaign closes.
    slots = reminder_slots(
        campaign_id=4,
        starts_at=starts_at,
        ends_at=ends_at,
        reminder_days=[19],
        final_reminder_hours=48,
        timezone=LONDON,
    )
    assert slots[0].due_at == slots[1].due_at
    assert [slot.is_final for slot in slots] == [False, True]


def test_final_key_names_close() -> None:
    first = final_reminder_key(5, datetime(2027, 1, 31, 9, 0, tzinfo=UTC))
    extended = final_reminder_key(5, datetime(2027, 2, 3, 9, 0, tzinfo=UTC))
    assert first != extended
    assert first == "reminder:5:final:20270131T090000Z"


def test_reminder_days_round_trip() -> None:
    assert parse_reminder_days("10,15") == (10, 15)
    assert parse_reminder_days("") == ()
    assert format_reminder_days([15, 2, 10]) == "2,10,15"


def test_digest_time_across_change() -> None:
    assert digest_time_on(date(2027, 10, 30), timezone=LONDON) == datetime(
        2027, 10, 30, 7, 0, tzinfo=UTC
    )
    assert digest_time_on(date(2027, 11, 1), timezone=LONDON) == datetime(
        2027, 11, 1, 8, 0, tzinfo=UTC
    )


def test_next_digest_steps_over_change() -> None:
    # 10:00 UTC on 30 October: today's 08:00 BST has passed, so the next is 31 October,
    # the day the clocks go back, at 08:00 GMT.
    now = datetime(2027, 10, 30, 10, 0, tzinfo=UTC)
    assert next_digest_time(
        now, starts_at=OCTOBER_START, ends_at=OCTOBER_END, timezone=LONDON
    ) == datetime(2027, 10, 31, 8, 0, tzinfo=UTC)


def test_first_digest_after_opening() -> None:
    # Opened at 09:00, after the day's digest time, so the first digest is the next morning.
    now = OCTOBER_START
    assert next_digest_time(
        now, starts_at=OCTOBER_START, ends_at=OCTOBER_END, timezone=LONDON
    ) == datetime(2027, 10, 21, 7, 0, tzinfo=UTC)
    assert (
        digest_day_due(now, starts_at=OCTOBER_START, ends_at=OCTOBER_END, timezone=LONDON) is None
    )


def test_no_digest_after_close() -> None:
    # 9 November at 08:00 GMT is before the 09:00 close, so it is the last digest.
    now = datetime(2027, 11, 9, 8, 30, tzinfo=UTC)
    assert digest_day_due(
        now, starts_at=OCTOBER_START, ends_at=OCTOBER_END, timezone=LONDON
    ) == date(2027, 11, 9)
    assert (
        next_digest_time(now, starts_at=OCTOBER_START, ends_at=OCTOBER_END, timezone=LONDON) is None
    )


def test_missed_digest_due_only_that_day() -> None:
    # At 23:00 the day's digest is still due; after midnight only the new day's counts.
    late = datetime(2027, 11, 3, 23, 0, tzinfo=UTC)
    assert digest_day_due(
        late, starts_at=OCTOBER_START, ends_at=OCTOBER_END, timezone=LONDON
    ) == date(2027, 11, 3)
    early = late + timedelta(hours=2)
    assert (
        digest_day_due(early, starts_at=OCTOBER_START, ends_at=OCTOBER_END, timezone=LONDON) is None
    )
