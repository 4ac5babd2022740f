"""Storage functions for a campaign's reminder settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from storage.models import Campaign


@dataclass(frozen=True)
class ReminderSettings:
    """A campaign's status, times and reminder settings, copied out of the session."""

    campaign_id: int
    status: str
    starts_at: datetime
    ends_at: datetime
    # Comma-separated day numbers, such as "10,15", or empty for none.
    reminder_days: str
    # Hours before the close of the final reminder; 0 for none.
    final_reminder_hours: int


def set_reminder_settings(
    session: Session, campaign_id: int, *, reminder_days: str, final_reminder_hours: int
) -> None:
    """Set the days of a campaign's reminders and the hours before the close of its last."""
    session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id)
        .values(reminder_days=reminder_days, final_reminder_hours=final_reminder_hours)
    )


def get_reminder_settings(session: Session, campaign_id: int) -> ReminderSettings | None:
    """Return a campaign's reminder settings, or None when there is no such campaign."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return None
    return ReminderSettings(
        campaign_id=campaign.id,
        status=campaign.status,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        reminder_days=campaign.reminder_days or "",
        final_reminder_hours=int(campaign.final_reminder_hours or 0),
    )
