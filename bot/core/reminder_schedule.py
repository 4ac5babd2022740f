"""When a campaign's channel reminders and the managers' daily digests fall due.

Day N of a campaign starts on the local date N - 1 days after the opening
date, at the local time of day the campaign opened. So a campaign opened at
09:00 has day 10 start at 09:00 local nine days later, even across a clock
change. The final reminder is a fixed number of hours before the close. The
digest goes out at DIGEST_TIME local time on each day the campaign is open.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.schedule import to_local_instant

DEFAULT_REMINDER_DAYS: tuple[int, ...] = (10,)
DEFAULT_FINAL_REMINDER_HOURS = 48
DIGEST_TIME = time(8, 0)
# A digest counts the activity of this period before it is built.
DIGEST_PERIOD = timedelta(hours=24)


@dataclass(frozen=True)
class ReminderSlot:
    """One reminder of a campaign: its once-only key and when it falls due."""

    key: str
    due_at: datetime
    # The campaign day it starts, or None for the final reminder before the close.
    day: int | None

    @property
    def is_final(self) -> bool:
        """Return whether this is the reminder a fixed number of hours before the close."""
        return self.day is None


def parse_reminder_days(text: str) -> tuple[int, ...]:
    """Parse the stored form "10,15" into day numbers, and an empty text into none."""
    return tuple(int(part) for part in text.split(",") if part.strip())


def format_reminder_days(days: Iterable[int]) -> str:
    """Return day numbers in the stored form, sorted and comma-separated, such as "10,15"."""
    return ",".join(str(day) for day in sorted(days))


def day_start(starts_at: datetime, day: int, *, timezone: ZoneInfo) -> datetime:
    """Return the UTC instant campaign day `day` starts, counting the opening day as day 1."""
    local_start = starts_at.astimezone(timezone).replace(tzinfo=None)
    return to_local_instant(local_start + timedelta(days=day - 1), timezone)


def day_reminder_key(campaign_id: int, day: int) -> str:
    """Return the ScheduledRun key of a campaign's reminder on day `day`."""
    return f"reminder:{campaign_id}:day-{day}"


def final_reminder_key(campaign_id: int, ends_at: datetime) -> str:
    """Return the ScheduledRun key of a campaign's final reminder before a given close.

    The close time is part of the key, so a campaign extended after its final
    reminder gets another one before the new close.
    """
    return f"reminder:{campaign_id}:final:{ends_at.strftime('%Y%m%dT%H%M%SZ')}"


def reminder_slots(
    *,
    campaign_id: int,
    starts_at: datetime,
    ends_at: datetime,
    reminder_days: Sequence[int],
    final_reminder_hours: int,
    timezone: ZoneInfo,
) -> list[ReminderSlot]:
    """Return a campaign's reminders in the order they fall due.

    Only reminders strictly between the start and the close are returned, so
    a campaign closed early drops those it no longer reaches. A day reminder
    and the final reminder due at the same instant are both returned, the
    final one last.
    """
    slots = [
        ReminderSlot(
            key=day_reminder_key(campaign_id, day),
            due_at=day_start(starts_at, day, timezone=timezone),
            day=day,
        )
        for day in sorted(set(reminder_days))
    ]
    if final_reminder_hours > 0:
        slots.append(
            ReminderSlot(
                key=final_reminder_key(campaign_id, ends_at),
                due_at=ends_at - timedelta(hours=final_reminder_hours),
                day=None,
            )
        )
    inside = [slot for slot in slots if starts_at < slot.due_at < ends_at]
    return sorted(inside, key=lambda slot: (slot.due_at, slot.is_final))


def digest_time_on(day: date, *, timezone: ZoneInfo) -> datetime:
    """Return the UTC instant of the digest on a local date."""
    return to_local_instant(datetime.combine(day, DIGEST_TIME), timezone)


def digest_day_due(
    now: datetime, *, starts_at: datetime, ends_at: datetime, timezone: ZoneInfo
) -> date | None:
    """Return the local date whose digest is due at now, or None when none is.

    Only today's digest can be due: a digest missed on an earlier day is
    skipped. It is due from DIGEST_TIME until midnight local time, when the
    campaign opened before DIGEST_TIME and closes after it.
    """
    today = now.astimezone(timezone).date()
    due_at = digest_time_on(today, timezone=timezone)
    if due_at <= now and starts_at < due_at < ends_at:
        return today
    return None


def next_digest_time(
    now: datetime, *, starts_at: datetime, ends_at: datetime, timezone: ZoneInfo
) -> datetime | None:
    """Return the first digest time after now while the campaign is open, or None."""
    first_day = max(now, starts_at).astimezone(timezone).date()
    # The first or second local date always has a DIGEST_TIME after both now and the start.
    for offset in range(3):
        due_at = digest_time_on(first_day + timedelta(days=offset), timezone=timezone)
        if due_at > now and due_at > starts_at:
            return due_at if due_at < ends_at else None
    raise AssertionError("a digest time after now exists within three local dates")
