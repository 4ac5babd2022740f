"""Reminders to groups that have not taken part: options, recipients and the outbox."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.core.campaigns import close_campaign, create_campaign, open_campaign
from bot.core.clock import ManualClock
from bot.core.directory import import_staff
from bot.core.errors import InvalidInput
from bot.core.group_reminders import (
    ReminderRequest,
    count_recipients,
    reminder_groups,
    send_group_reminder,
)
from bot.core.outbox import OutboundMessage, enqueue_many
from bot.core.records import CampaignRecord, Person
from storage.database import Database
from storage.models import GroupReminder, OutboxMessage, ParticipantGroup

MANAGER = Person(platform="slack", team_id="T1", user_id="U0BOSS")
HEADER = "Email,Directorate,Band,Staff Group,Locality,Slack ID"
# Estates: 12 matched people (U0E00..U0E11), one not matched and one who left.
# Nursing: 11 matched. Pharmacy: 2, below the small-group size of 11.
ESTATES = [f"e{n}@x.nhs.uk,Estates,3,Estates and Ancillary,North,U0E{n:02d}" for n in range(12)]
NURSING = [f"n{n}@x.nhs.uk,Nursing,5,Nursing,South,U0N{n:02d}" for n in range(11)]
OTHERS = [
    "unmatched@x.nhs.uk,Estates,3,Estates and Ancillary,North,",
    "p0@x.nhs.uk,Pharmacy,6,Allied Health Professionals,North,U0P00",
    "p1@x.nhs.uk,Pharmacy,6,Allied Health Professionals,North,U0P01",
]
# Chaplaincy: 9, so Pharmacy and Chaplaincy together make the 11 of "Other groups" and
# Nursing keeps its own line.
CHAPLAINCY = [
    f"c{n}@x.nhs.uk,Chaplaincy,4,Additional Clinical Services,North,U0C{n:02d}" for n in range(9)
]
LEAVER = "gone@x.nhs.uk,Estates,3,Estates and Ancillary,North,U0GONE"


class RecordingNotifier:
    """Builds plain direct messages, as a chat adapter does, and keeps the campaigns seen."""

    def __init__(self) -> None:
        self.campaigns: list[CampaignRecord] = []

    def group_reminder_messages(
        self, campaign: CampaignRecord, *, note: str | None, dedupe_keys: Mapping[str, str]
    ) -> list[OutboundMessage]:
        self.campaigns.append(campaign)
        return [
            OutboundMessage(
                platform="slack", recipient=user_id, text=f"{campaign.title} {note}", dedupe_key=key
            )
            for user_id, key in dedupe_keys.items()
        ]


@pytest.fixture
def campaign(db: Database, clock: ManualClock, tmp_path: Path) -> CampaignRecord:
    """An open campaign, a staff list with a leaver, and two Estates participants."""
    path = tmp_path / "staff.csv"
    path.write_text(
        "\n".join([HEADER, *ESTATES, *NURSING, *OTHERS, *CHAPLAINCY, LEAVER]), encoding="utf-8"
    )
    import_staff(db, path, now=clock.now())
    path.write_text("\n".join([HEADER, *ESTATES, *NURSING, *OTHERS, *CHAPLAINCY]), encoding="utf-8")
    import_staff(db, path, now=clock.now())
    record = create_campaign(
        db,
        title="Winter ideas",
        channel_id="C0IDEAS",
        starts="now",
        timezone=ZoneInfo("Europe/London"),
        now=clock.now(),
        topics=["What would help?"],
    )
    open_campaign(db, record.id, now=clock.now())
    with db.transaction() as session:
        for user_id in ("U0E00", "U0E01"):
            session.add(
                ParticipantGroup(
                    scope=f"campaign:{record.id}",
                    campaign_id=record.id,
                    platform="slack",
                    team_id="T1",
                    user_id=user_id,
                    in_directory=True,
                    first_at=clock.now(),
                )
            )
    return record


def outbox(db: Database) -> list[tuple[str, str]]:
    with db.transaction() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(row.recipient, row.dedupe_key) for row in rows]


def test_groups_labelled_and_small_left_out(db: Database, campaign: CampaignRecord) -> None:
    groups = reminder_groups(db, campaign.id, min_group_size=11)

    assert [(g.name, g.headcount, g.participants) for g in groups["directorate"]] == [
        ("Estates", 13, 2),
        ("Nursing", 11, 0),
    ]
    assert [group.name for group in groups["locality"]] == ["North", "South"]


def test_reminder_reaches_non_participants(
    db: Database, campaign: CampaignRecord, clock: ManualClock
) -> None:
    request = ReminderRequest(
        campaign_id=campaign.id, dimension="directorate", groups=("Estates",), note="Thanks!"
    )
    notifier = RecordingNotifier()

    preview = count_recipients(db, request, platform="slack", min_group_size=11)
    first = send_group_reminder(
        db, notifier, request, by=MANAGER, now=clock.now(), min_group_size=11
    )
    second = send_group_reminder(
        db, notifier, request, by=MANAGER, now=clock.now(), min_group_size=11
    )

    # Ten: U0E02..U0E11. Participants, the unmatched person and the leaver get nothing.
    assert preview == 10
    assert first.recipients == 10
    sent = outbox(db)
    first_recipients = [
        user for user, key in sent if key.startswith(f"group-reminder:{first.reminder_id}:")
    ]
    assert first_recipients == [f"U0E{n:02d}" for n in range(2, 12)]
    assert len(sent) == 20
    assert second.reminder_id != first.reminder_id
    # Enqueueing a reminder's messages again adds none: each person gets it once per reminder.
    repeat = notifier.group_reminder_messages(
        campaign,
        note=None,
        dedupe_keys={user: key for user, key in sent[:10]},
    )
    assert enqueue_many(db, repeat, now=clock.now()) == 0
    with db.transaction() as session:
        stored = session.scalars(select(GroupReminder).order_by(GroupReminder.id)).first()
        assert stored is not None
        assert (stored.dimension, stored.group_names, stored.recipient_count) == (
            "directorate",
            '["Estates"]',
            10,
        )


def test_reminder_rejected_with_reason(
    db: Database, campaign: CampaignRecord, clock: ManualClock
) -> None:
    small = ReminderRequest(campaign_id=campaign.id, dimension="directorate", groups=("Pharmacy",))
    with pytest.raises(InvalidInput, match="Pharmacy: no longer a group of at least 11"):
        count_recipients(db, small, platform="slack", min_group_size=11)

    with db.transaction() as session:
        for n in range(11):
            session.add(
                ParticipantGroup(
                    scope=f"campaign:{campaign.id}",
                    campaign_id=campaign.id,
                    platform="slack",
                    team_id="T1",
                    user_id=f"U0N{n:02d}",
                    in_directory=True,
                    first_at=clock.now(),
                )
            )
    nursing = ReminderRequest(campaign_id=campaign.id, dimension="directorate", groups=("Nursing",))
    with pytest.raises(InvalidInput, match="all 11 people .* have taken part already"):
        count_recipients(db, nursing, platform="slack", min_group_size=11)

    close_campaign(db, campaign.id, now=clock.now() + timedelta(days=21))
    estates = ReminderRequest(campaign_id=campaign.id, dimension="directorate", groups=("Estates",))
    with pytest.raises(InvalidInput, match="is closed, not open"):
        send_group_reminder(
            db, RecordingNotifier(), estates, by=MANAGER, now=clock.now(), min_group_size=11
        )
    assert outbox(db) == []
