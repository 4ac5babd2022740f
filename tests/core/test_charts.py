"""The participation chart: a PNG of the groups a report contains, and nothing else."""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import date, timedelta

from matplotlib.text import Text
from sqlalchemy import select

from bot.core import campaigns, delivery, roles
from bot.core.charts import (
    PNG_SIGNATURE,
    build_chart_figure,
    chart_gap,
    final_report_chart_key,
    participation_chart,
)
from bot.core.clock import ManualClock
from bot.core.ideas import submit_idea
from bot.core.participation_records import (
    NOT_IN_DIRECTORY,
    OTHER_GROUPS,
    DimensionBreakdown,
    GroupParticipation,
    ParticipationReport,
)
from bot.core.records import Person
from storage.database import Database
from storage.models import OutboxMessage, StaffMember
from tests.core.test_report_delivery import LONDON, MANAGERS, RecordingPublisher

# A directorate of 6 people, below the small-group size, that the report counts in OTHER_GROUPS.
HIDDEN_GROUP = "Estates and Facilities"


def group(name: str, headcount: int, participants: int) -> GroupParticipation:
    rate = participants / headcount if headcount else None
    return GroupParticipation(name=name, headcount=headcount, participants=participants, rate=rate)


def report() -> ParticipationReport:
    return ParticipationReport(
        title="Campaign 3, Your voice",
        scope_kind="campaign",
        scope_id=3,
        starts_on=date(2027, 1, 11),
        ends_on=date(2027, 1, 30),
        min_group_size=11,
        headcount=146,
        headcount_taken_at=None,
        participants=52,
        participants_in_directory=49,
        rate=49 / 146,
        posted=20,
        commented=15,
        only_voted=17,
        anonymous_ideas=2,
        offline_ideas=0,
        dimensions=(
            DimensionBreakdown(
                dimension="directorate",
                label="Directorate",
                groups=(
                    group("Medicine", 80, 30),
                    group("Surgery", 60, 17),
                    group(OTHER_GROUPS, 6, 2),
                    group(NOT_IN_DIRECTORY, 0, 3),
                ),
            ),
            DimensionBreakdown(
                dimension="staff_group",
                label="Staff group",
                groups=(group("Nursing and Midwifery Registered", 146, 49),),
            ),
            DimensionBreakdown(
                dimension="band", label="Pay band", groups=(group("Band 5", 146, 49),)
            ),
        ),
        daily=(),
    )


def figure_texts(sample: ParticipationReport) -> list[str]:
    figure = build_chart_figure(sample)
    return [text.get_text() for text in figure.findobj(Text) if text.get_text()]


def test_chart_is_png() -> None:
    data = participation_chart(report())

    assert data.startswith(PNG_SIGNATURE)
    # Width and height in pixels, from the PNG's IHDR chunk.
    assert int.from_bytes(data[16:20], "big") == 800
    assert 400 <= int.from_bytes(data[20:24], "big") <= 1200
    assert 10_000 < len(data) < 300_000


def test_chart_shows_only_reported_groups() -> None:
    texts = figure_texts(report())

    assert "Medicine" in texts
    assert OTHER_GROUPS in texts
    assert NOT_IN_DIRECTORY in texts
    assert "30 of 80 (38%)" in texts
    assert "2 of 6 (33%)" in texts
    assert not any(HIDDEN_GROUP in text for text in texts)
    # Pay bands are not charted.
    assert "Band 5" not in texts


def test_chart_without_staff_list() -> None:
    sample = dataclasses.replace(report(), headcount=None, rate=None)

    texts = figure_texts(sample)

    assert chart_gap(sample) is not None
    assert any("No staff list is loaded" in text for text in texts)
    assert "Medicine" not in texts
    assert participation_chart(sample).startswith(PNG_SIGNATURE)


def test_final_report_chart_enqueued_once(db: Database, clock: ManualClock) -> None:
    with db.transaction() as session:
        session.add_all(
            StaffMember(
                email=f"u0staff{index}@example.org",
                directorate="Medicine",
                staff_group="Allied Health Professionals",
                platform="slack",
                user_id=f"U0STAFF{index}",
                match_state="column",
                created_at=clock.now(),
                updated_at=clock.now(),
            )
            for index in range(12)
        )
    campaign = campaigns.create_campaign(
        db,
        title="Closing",
        channel_id="C0CLOSE",
        starts="now",
        days=1,
        timezone=LONDON,
        now=clock.now(),
    )
    assert campaigns.open_campaign(db, campaign.id, now=clock.now()) is not None
    submit_idea(
        db,
        Person("slack", "T1", "U0STAFF1", "Staff"),
        text="An idea",
        channel_id="C0CLOSE",
        now=clock.now(),
    )
    clock.set(campaign.ends_at + timedelta(seconds=1))
    assert campaigns.close_campaign(db, campaign.id, now=clock.now()) is not None
    for user_id in MANAGERS:
        roles.grant_role(
            db,
            platform="slack",
            user_id=user_id,
            role="manager",
            granted_by="test",
            now=clock.now(),
        )

    delivery.send_report_to_managers(db, RecordingPublisher(), campaign.id, now=clock.now())
    delivery.send_report_to_managers(db, RecordingPublisher(), campaign.id, now=clock.now())

    with db.transaction() as session:
        rows = session.execute(
            select(OutboxMessage.recipient, OutboxMessage.dedupe_key, OutboxMessage.payload)
            .where(OutboxMessage.dedupe_key.like("final-report-chart:%"))
            .order_by(OutboxMessage.recipient)
        ).all()
    assert [(row.recipient, row.dedupe_key) for row in rows] == [
        (user_id, final_report_chart_key(campaign.id, user_id)) for user_id in MANAGERS
    ]
    stored = json.loads(rows[0].payload)["file"]
    assert base64.b64decode(stored["content_base64"]).startswith(PNG_SIGNATURE)
