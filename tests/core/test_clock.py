"""Tests of the system and manual clocks."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.core.clock import ManualClock, SystemClock


def test_system_clock_aware_utc() -> None:
    before = datetime.now(UTC)

    now = SystemClock().now()

    assert now.utcoffset() == timedelta(0)
    assert before <= now <= datetime.now(UTC)


def test_manual_clock_naive_rejected() -> None:
    with pytest.raises(ValueError, match="aware"):
        ManualClock(datetime(2027, 1, 11, 9, 0))


def test_manual_clock_converts_to_utc() -> None:
    clock = ManualClock(datetime(2027, 1, 11, 10, 0, tzinfo=timezone(timedelta(hours=1))))

    assert clock.now() == datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
    assert clock.now().tzinfo == UTC


def test_manual_clock_advance(clock: ManualClock) -> None:
    start = clock.now()

    moved = clock.advance(timedelta(minutes=90))

    assert moved == start + timedelta(minutes=90)
    assert clock.now() == moved


def test_manual_clock_backwards_rejected(clock: ManualClock) -> None:
    start = clock.now()

    with pytest.raises(ValueError, match="backwards"):
        clock.set(start - timedelta(seconds=1))
    assert clock.now() == start


def test_manual_clock_listeners(clock: ManualClock) -> None:
    seen: list[datetime] = []
    clock.on_change(seen.append)

    clock.advance(timedelta(seconds=1))
    clock.set(datetime(2027, 2, 1, tzinfo=UTC))

    assert seen == [datetime(2027, 1, 11, 9, 0, 1, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC)]
