"""Tests of participation snapshots and the participation report, on both backends."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from bot.core.campaigns import close_campaign, create_campaign, open_campaign
from bot.core.clock import ManualClock
from bot.core.comments import add_comment
from bot.core.ideas import submit_idea
from bot.core.participation import record_offline_idea
from bot.core.participation_records import (
    NOT_IN_DIRECTORY,
    OTHER_GROUPS,
    DimensionBreakdown,
    ParticipationReport,
)
from bot.core.participation_report import participation_report
from bot.core.records import CampaignRecord, Person
from bot.core.votes import VoteChange, change_vote
from storage.database import Database
from storage.models import AnonymousContribution, Campaign, ParticipantGroup, StaffMember

LONDON = ZoneInfo("Europe/London")


def person(name: str) -> Person:
    return Person("slack", "T1", f"U{name.upper()}", name)


def add_staff(
    db: Database, clock: ManualClock, *, directorate: str, count: int, prefix: str
) -> list[Person]:
    """Add count matched people of one directorate, all in Band 5, and return their accounts."""
    people = [person(f"{prefix}{number}") for number in range(count)]
    with db.transaction() as session:
        session.add_all(
            StaffMember(
                email=f"{someone.user_id.lower()}@example.org",
                directorate=directorate,
                band="Band 5",
                staff_group="Nursing and Midwifery Registered",
                locality="North",
                platform="slack",
                user_id=someone.user_id,
                match_state="column",
                created_at=clock.now(),
                updated_at=clock.now(),
            )
            for someone in people
        )
    return people


def open_new_campaign(db: Database, clock: ManualClock, channel_id: str = "C1") -> CampaignRecord:
    campaign = create_campaign(
        db,
        title="Your voice",
        channel_id=channel_id,
        starts="now",
        timezone=LONDON,
        now=clock.now(),
    )
    opened = open_campaign(db, campaign.id, now=clock.now())
    assert opened is not None
    return opened


def post(db: Database, clock: ManualClock, author: Person, *, anonymous: bool = False) -> int:
    submitted = submit_idea(
        db, author, text="An idea", channel_id="C1", anonymous=anonymous, now=clock.now()
    )
    return submitted.idea.id


def vote(db: Database, clock: ManualClock, voter: Person, idea_id: int) -> None:
    result = change_vote(db, voter, idea_id=idea_id, change=VoteChange.CAST, now=clock.now())
    assert result.changed


def report_of(db: Database, clock: ManualClock, campaign_id: int) -> ParticipationReport:
    return participation_report(db, campaign_id=campaign_id, timezone=LONDON, now=clock.now())


def groups(report: ParticipationReport, dimension: str) -> dict[str, tuple[int, int, int]]:
    """Return {group: (headcount, participants, anonymous ideas)} for one dimension."""
    breakdown: DimensionBreakdown = next(
        entry for entry in report.dimensions if entry.dimension == dimension
    )
    return {
        group.name: (group.headcount, group.participants, group.anonymous_ideas)
        for group in breakdown.groups
    }


def snapshots(db: Database) -> list[ParticipantGroup]:
    with db.transaction() as session:
        rows = list(session.scalars(select(ParticipantGroup).order_by(ParticipantGroup.id)))
        session.expunge_all()
        return rows


def test_snapshot_first_contribution_only(db: Database, clock: ManualClock) -> None:
    nurses = add_staff(db, clock, directorate="Surgery", count=12, prefix="s")
    campaign = open_new_campaign(db, clock)
    idea_id = post(db, clock, nurses[1])
    vote(db, clock, nurses[0], idea_id)
    with db.transaction() as session:
        session.execute(update(StaffMember).values(directorate="Medicine"))
    clock.advance(timedelta(hours=1))
    assert add_comment(
        db, nurses[0], idea_id=idea_id, message_id="1.2", text="Yes", now=clock.now()
    )
    post(db, clock, nurses[0])

    rows = snapshots(db)
    assert [(row.user_id, row.directorate) for row in rows] == [
        (nurses[1].user_id, "Surgery"),
        (nurses[0].user_id, "Surgery"),
    ]
    assert all(row.scope == f"campaign:{campaign.id}" for row in rows)
    assert all(row.in_directory for row in rows)
    report = report_of(db, clock, campaign.id)
    # The headcount is live while the campaign is open; participation keeps the old group.
    assert groups(report, "directorate") == {"Medicine": (12, 0, 0), OTHER_GROUPS: (0, 2, 0)}
    assert (report.participants, report.posted, report.commented, report.only_voted) == (2, 2, 1, 0)


def test_vote_outside_directory_and_standing_list(db: Database, clock: ManualClock) -> None:
    standing = post(db, clock, person("early"))
    vote(db, clock, person("early"), standing)
    assert snapshots(db) == []
    campaign = open_new_campaign(db, clock)
    idea_id = post(db, clock, person("author"))
    vote(db, clock, person("visitor"), idea_id)
    rows = snapshots(db)
    assert [(row.user_id, row.in_directory, row.directorate) for row in rows] == [
        ("UAUTHOR", False, None),
        ("UVISITOR", False, None),
    ]
    report = report_of(db, clock, campaign.id)
    assert report.headcount is None
    assert report.rate is None
    assert (report.participants, report.posted, report.only_voted) == (2, 1, 1)


def test_anonymous_idea_counted_without_snapshot(db: Database, clock: ManualClock) -> None:
    large = add_staff(db, clock, directorate="Surgery", count=11, prefix="s")
    small = add_staff(db, clock, directorate="Estates", count=3, prefix="e")
    # Pharmacy's 8 make "Other groups" 11 people, so Surgery keeps its own line.
    add_staff(db, clock, directorate="Pharmacy", count=8, prefix="p")
    campaign = open_new_campaign(db, clock)
    post(db, clock, large[0], anonymous=True)
    post(db, clock, small[0], anonymous=True)
    post(db, clock, person("outsider"), anonymous=True)

    assert snapshots(db) == []
    with db.transaction() as session:
        counts = {
            (row.dimension, row.group_name): row.count
            for row in session.scalars(select(AnonymousContribution))
        }
    assert counts[("directorate", "Surgery")] == 1
    assert counts[("directorate", OTHER_GROUPS)] == 1
    assert counts[("directorate", NOT_IN_DIRECTORY)] == 1
    # Band 5 has 22 people, so both staff members' ideas count under it.
    assert counts[("band", "Band 5")] == 2
    report = report_of(db, clock, campaign.id)
    assert report.anonymous_ideas == 3
    assert report.participants == 0
    assert groups(report, "directorate") == {"Surgery": (11, 0, 1), OTHER_GROUPS: (11, 0, 2)}


def test_small_group_only_in_other_groups(db: Database, clock: ManualClock) -> None:
    surgery = add_staff(db, clock, directorate="Surgery", count=11, prefix="s")
    estates = add_staff(db, clock, directorate="Estates", count=10, prefix="e")
    add_staff(db, clock, directorate="Pharmacy", count=1, prefix="p")
    campaign = open_new_campaign(db, clock)
    idea_id = post(db, clock, surgery[0])
    for voter in estates[:4]:
        vote(db, clock, voter, idea_id)

    report = report_of(db, clock, campaign.id)
    directorates = groups(report, "directorate")
    assert "Estates" not in directorates
    assert "Pharmacy" not in directorates
    assert directorates == {"Surgery": (11, 1, 0), OTHER_GROUPS: (11, 4, 0)}
    other = next(g for g in report.dimensions[0].groups if g.name == OTHER_GROUPS)
    assert other.rate == 4 / 11
    assert (report.headcount, report.participants_in_directory) == (22, 5)
    assert groups(report, "band") == {"Band 5": (22, 5, 0)}


def test_headcount_frozen_after_close(db: Database, clock: ManualClock) -> None:
    add_staff(db, clock, directorate="Surgery", count=12, prefix="s")
    campaign = open_new_campaign(db, clock)
    clock.advance(timedelta(days=21))
    assert close_campaign(db, campaign.id, now=clock.now()) is not None
    first = report_of(db, clock, campaign.id)
    add_staff(db, clock, directorate="Surgery", count=5, prefix="late")
    add_staff(db, clock, directorate="Medicine", count=11, prefix="m")
    clock.advance(timedelta(days=1))
    second = report_of(db, clock, campaign.id)

    assert first.headcount == 12
    assert first.headcount_taken_at == clock.now() - timedelta(days=1)
    assert second.headcount == 12
    assert second.headcount_taken_at == first.headcount_taken_at
    assert groups(second, "directorate") == {"Surgery": (12, 0, 0)}
    with db.transaction() as session:
        session.execute(update(Campaign).values(status="open", closed_at=None))
    assert report_of(db, clock, campaign.id).headcount == 28


def test_date_range_uses_earliest_snapshot(db: Database, clock: ManualClock) -> None:
    staff = add_staff(db, clock, directorate="Surgery", count=12, prefix="s")
    open_new_campaign(db, clock, channel_id="C1")
    idea_id = post(db, clock, staff[0])
    clock.advance(timedelta(days=1))
    with db.transaction() as session:
        session.execute(update(StaffMember).values(directorate="Medicine"))
    second = open_new_campaign(db, clock, channel_id="C2")
    other_idea = submit_idea(db, staff[1], text="Later", channel_id="C2", now=clock.now())
    vote(db, clock, staff[0], other_idea.idea.id)
    vote(db, clock, staff[2], idea_id)
    with db.transaction() as session:
        record_offline_idea(
            session,
            idea_id=other_idea.idea.id,
            campaign_id=second.id,
            board_id=None,
            groups={"directorate": "Surgery"},
            now=clock.now(),
        )
        assert session.scalar(select(func.count()).select_from(ParticipantGroup)) == 5

    day = clock.now().astimezone(LONDON).date()
    both_days = participation_report(
        db, starts_on=day - timedelta(days=1), ends_on=day, timezone=LONDON, now=clock.now()
    )
    assert (both_days.scope_kind, both_days.title) == ("range", "11–12 January 2027")
    # staff[0] took part in both campaigns and counts once, with the groups of the first.
    assert both_days.participants == 4
    assert groups(both_days, "directorate") == {"Medicine": (12, 2, 0), OTHER_GROUPS: (0, 2, 0)}
    assert [(d.day, d.new_participants, d.ideas, d.votes) for d in both_days.daily] == [
        (day - timedelta(days=1), 1, 1, 0),
        (day, 3, 1, 2),
    ]
    second_day = participation_report(
        db, starts_on=day, ends_on=day, timezone=LONDON, now=clock.now()
    )
    assert second_day.participants == 4
    assert groups(second_day, "directorate") == {"Medicine": (12, 3, 0), OTHER_GROUPS: (0, 1, 0)}
    assert (second_day.posted, second_day.only_voted) == (2, 2)
