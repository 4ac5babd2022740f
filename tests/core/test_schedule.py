"""Tests of campaign start parsing, end times across clock changes, and local formatting."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import ManualClock
from bot.core.errors import InvalidInput
from bot.core.schedule import (
    end_of_campaign,
    format_local,
    is_skipped_wall_time,
    parse_start,
    to_local_instant,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize("text", ["now", "NOW", "  Now  "])
def test_parse_start_now(clock: ManualClock, text: str) -> None:
    assert parse_start(text, timezone=LONDON, now=clock.now()) == clock.now()


def test_parse_start_winter_local_time(clock: ManualClock) -> None:
    starts_at = parse_start("2027-01-12 09:30", timezone=LONDON, now=clock.now())

    assert starts_at == utc(2027, 1, 12, 9, 30)
    assert starts_at.tzinfo == UTC


def test_parse_start_summer_local_time(clock: ManualClock) -> None:
    # London is on BST (UTC+1) in June.
    starts_at = parse_start("2027-06-01 09:00", timezone=LONDON, now=clock.now())

    assert starts_at == utc(2027, 6, 1, 8, 0)


def test_parse_start_other_zone(clock: ManualClock) -> None:
    # New York is on EST (UTC-5) in January.
    starts_at = parse_start("2027-01-12 09:00", timezone=NEW_YORK, now=clock.now())

    assert starts_at == utc(2027, 1, 12, 14, 0)


def test_parse_start_strips_spaces(clock: ManualClock) -> None:
    starts_at = parse_start("  2027-01-12 09:30\n", timezone=LONDON, now=clock.now())

    assert starts_at == utc(2027, 1, 12, 9, 30)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "tomorrow",
        "2027-01-12",
        "12/01/2027 09:00",
        "2027-01-12T09:00",
        "2027-13-01 09:00",
        "2027-02-30 09:00",
        "2027-01-12 25:00",
        "2027-01-12 09:00:00",
    ],
)
def test_parse_start_bad_format(clock: ManualClock, text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_start(text, timezone=LONDON, now=clock.now())

    message = raised.value.user_message
    assert repr(text) in message
    assert "YYYY-MM-DD HH:MM" in message
    assert '"now"' in message
    assert "Europe/London" in message


def test_parse_start_past_rejected(clock: ManualClock) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_start("2027-01-10 09:00", timezone=LONDON, now=clock.now())

    message = raised.value.user_message
    assert "2027-01-10 09:00" in message
    assert "in the past" in message


def test_parse_start_two_minutes_ago_rejected(clock: ManualClock) -> None:
    clock.advance(timedelta(minutes=2))

    with pytest.raises(InvalidInput):
        parse_start("2027-01-11 09:00", timezone=LONDON, now=clock.now())


def test_parse_start_current_minute_is_now(clock: ManualClock) -> None:
    # A time typed during the minute it names is not in the past yet.
    clock.advance(timedelta(seconds=30))

    starts_at = parse_start("2027-01-11 09:00", timezone=LONDON, now=clock.now())

    assert starts_at == clock.now()


@pytest.mark.parametrize("text", ["2027-03-28 01:00", "2027-03-28 01:30", "2027-03-28 01:59"])
def test_parse_start_spring_gap_rejected(clock: ManualClock, text: str) -> None:
    # At 01:00 GMT on 28 March 2027 London clocks jump to 02:00 BST.
    with pytest.raises(InvalidInput) as raised:
        parse_start(text, timezone=LONDON, now=clock.now())

    message = raised.value.user_message
    assert text in message
    assert "does not exist" in message
    assert "Europe/London" in message
    assert "clocks go forward" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-03-28 00:59", utc(2027, 3, 28, 0, 59)),
        ("2027-03-28 02:00", utc(2027, 3, 28, 1, 0)),
    ],
)
def test_parse_start_around_spring_gap(clock: ManualClock, text: str, expected: datetime) -> None:
    assert parse_start(text, timezone=LONDON, now=clock.now()) == expected


def test_parse_start_autumn_first_occurrence(clock: ManualClock) -> None:
    # 01:30 happens twice on 31 October 2027: first at BST (00:30 UTC), then at GMT.
    starts_at = parse_start("2027-10-31 01:30", timezone=LONDON, now=clock.now())

    assert starts_at == utc(2027, 10, 31, 0, 30)


def test_is_skipped_wall_time_cases() -> None:
    assert is_skipped_wall_time(datetime(2027, 3, 28, 1, 30), LONDON)
    assert not is_skipped_wall_time(datetime(2027, 3, 28, 2, 30), LONDON)
    assert not is_skipped_wall_time(datetime(2027, 10, 31, 1, 30), LONDON)
    assert not is_skipped_wall_time(datetime(2027, 1, 11, 9, 0), LONDON)


def test_to_local_instant_gap_uses_old_offset() -> None:
    # A skipped 01:30 is read with GMT, the offset in force before the change.
    assert to_local_instant(datetime(2027, 3, 28, 1, 30), LONDON) == utc(2027, 3, 28, 1, 30)


def test_end_of_campaign_no_change() -> None:
    ends_at = end_of_campaign(utc(2027, 1, 11, 9, 0), days=20, timezone=LONDON)

    assert ends_at == utc(2027, 1, 31, 9, 0)


def test_end_of_campaign_across_march_change() -> None:
    # Opens 09:00 GMT on 15 March and closes 09:00 BST on 4 April, which is 08:00 UTC.
    starts_at = utc(2027, 3, 15, 9, 0)

    ends_at = end_of_campaign(starts_at, days=20, timezone=LONDON)

    assert ends_at == utc(2027, 4, 4, 8, 0)
    assert format_local(ends_at, LONDON) == "2027-04-04 09:00 BST"
    assert ends_at - starts_at == timedelta(days=20) - timedelta(hours=1)


def test_end_of_campaign_across_october_change() -> None:
    # Opens 09:00 BST (08:00 UTC) on 20 October and closes 09:00 GMT on 9 November.
    starts_at = utc(2027, 10, 20, 8, 0)

    ends_at = end_of_campaign(starts_at, days=20, timezone=LONDON)

    assert ends_at == utc(2027, 11, 9, 9, 0)
    assert format_local(ends_at, LONDON) == "2027-11-09 09:00 GMT"
    assert ends_at - starts_at == timedelta(days=20) + timedelta(hours=1)


def test_end_of_campaign_one_day() -> None:
    ends_at = end_of_campaign(utc(2027, 3, 27, 12, 0), days=1, timezone=LONDON)

    assert ends_at == utc(2027, 3, 28, 11, 0)


def test_end_of_campaign_is_utc() -> None:
    ends_at = end_of_campaign(utc(2027, 6, 1, 8, 0), days=3, timezone=LONDON)

    assert ends_at.utcoffset() == timedelta(0)
    assert ends_at == utc(2027, 6, 4, 8, 0)


def test_format_local_winter() -> None:
    assert format_local(utc(2027, 1, 11, 9, 0), LONDON) == "2027-01-11 09:00 GMT"


def test_format_local_summer() -> None:
    assert format_local(utc(2027, 6, 1, 8, 0), LONDON) == "2027-06-01 09:00 BST"


def test_format_local_other_zone() -> None:
    assert format_local(utc(2027, 1, 11, 14, 0), NEW_YORK) == "2027-01-11 09:00 EST"
