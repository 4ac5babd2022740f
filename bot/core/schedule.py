"""Campaign start and end times in the organisation's local time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.errors import InvalidInput

START_FORMAT = "%Y-%m-%d %H:%M"


def to_local_instant(wall_time: datetime, timezone: ZoneInfo) -> datetime:
    """Return the UTC instant of a naive local wall-clock time.

    A time that occurs twice when clocks go back is taken as its first occurrence.
    A time skipped when clocks go forward is taken with the offset in force
    before the change, which lands it the same distance after the change.
    """
    return wall_time.replace(tzinfo=timezone, fold=0).astimezone(UTC)


def is_skipped_wall_time(wall_time: datetime, timezone: ZoneInfo) -> bool:
    """Return whether a naive local time does not exist because clocks went forward."""
    instant = to_local_instant(wall_time, timezone)
    return instant.astimezone(timezone).replace(tzinfo=None) != wall_time


def parse_start(text: str, *, timezone: ZoneInfo, now: datetime) -> datetime:
    """Parse "now" or "YYYY-MM-DD HH:MM" local time into a UTC instant not in the past."""
    value = text.strip()
    if value.lower() == "now":
        return now
    try:
        wall_time = datetime.strptime(value, START_FORMAT)
    except ValueError:
        raise InvalidInput(
            f'Start time {text!r} is not valid: use "now" or "YYYY-MM-DD HH:MM" '
            f'in {timezone.key} time, such as "2027-01-11 09:00".'
        ) from None
    if is_skipped_wall_time(wall_time, timezone):
        raise InvalidInput(
            f"{value} does not exist in {timezone.key} because the clocks go forward then: "
            "choose a time outside that hour."
        )
    starts_at = to_local_instant(wall_time, timezone)
    if _is_past(starts_at, now):
        raise InvalidInput(
            f'Start time {value} ({timezone.key}) is in the past: use "now" or a later time.'
        )
    return max(starts_at, now)


def _is_past(starts_at: datetime, now: datetime) -> bool:
    # A start within the last minute counts as now, so the current minute is accepted.
    return starts_at < now - timedelta(minutes=1)


def is_past_wall_time(wall_time: datetime, *, timezone: ZoneInfo, now: datetime) -> bool:
    """Return whether a naive local start time has passed, by more than a minute."""
    return _is_past(to_local_instant(wall_time, timezone), now)


def end_of_campaign(starts_at: datetime, *, days: int, timezone: ZoneInfo) -> datetime:
    """Return the instant `days` calendar days after starts_at, at the same local wall time.

    Across a clock change this is not a multiple of 24 hours: a campaign that
    opens at 09:00 GMT closes at 09:00 BST.
    """
    local_start = starts_at.astimezone(timezone).replace(tzinfo=None)
    return to_local_instant(local_start + timedelta(days=days), timezone)


def format_local(moment: datetime, timezone: ZoneInfo) -> str:
    """Format an instant as local time with the zone abbreviation: 2027-01-11 09:00 GMT."""
    return moment.astimezone(timezone).strftime("%Y-%m-%d %H:%M %Z")
