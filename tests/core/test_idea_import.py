"""Tests of importing ideas collected on paper or by email from a CSV file."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.core.campaigns import close_campaign, create_campaign, open_campaign
from bot.core.clock import ManualClock
from bot.core.errors import InvalidInput
from bot.core.idea_import import AUTHOR_NAMES, IdeaImportResult, import_ideas
from bot.core.participation_records import NOT_IN_DIRECTORY, OTHER_GROUPS
from bot.core.participation_report import participation_report
from bot.core.records import CampaignRecord
from storage.database import Database
from storage.models import Idea, StaffMember

LONDON = ZoneInfo("Europe/London")
TOPICS = ["How could we recognise each other's work?", "What slows you down?"]
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def open_new_campaign(db: Database, clock: ManualClock, *, topics: list[str]) -> CampaignRecord:
    campaign = create_campaign(
        db,
        title="Your voice",
        channel_id="C1",
        starts="now",
        days=20,
        timezone=LONDON,
        now=clock.now(),
        topics=topics,
    )
    opened = open_campaign(db, campaign.id, now=clock.now())
    assert opened is not None
    return opened


def write_csv(tmp_path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    path = tmp_path / "ideas.csv"
    path.write_bytes(text.encode(encoding))
    return path


def run_import(
    db: Database, clock: ManualClock, path: Path, campaign_id: int, **options: object
) -> IdeaImportResult:
    return import_ideas(
        db,
        path,
        campaign_id=campaign_id,
        source=str(options.pop("source", "paper")),
        timezone=LONDON,
        now=clock.now(),
        dry_run=bool(options.pop("dry_run", False)),
    )


def stored_ideas(db: Database) -> list[Idea]:
    with db.transaction() as session:
        return list(session.scalars(select(Idea).order_by(Idea.id)))


def add_staff(db: Database, clock: ManualClock, *rows: tuple[str, str, str]) -> None:
    with db.transaction() as session:
        for email, directorate, band in rows:
            session.add(
                StaffMember(
                    email=email,
                    directorate=directorate,
                    band=band,
                    staff_group="Allied Health Professionals",
                    locality="Ashford",
                    created_at=clock.now(),
                    updated_at=clock.now(),
                )
            )


def test_import_stores_ideas_for_posting(db: Database, clock: ManualClock, tmp_path: Path) -> None:
    campaign = open_new_campaign(db, clock, topics=TOPICS)
    clock.advance(timedelta(days=2))
    path = write_csv(
        tmp_path,
        "Idea,Detail,Topic,Date received,Directorate,Band\n"
        "Quiet room on ward 7,,1,12/01/2027,Mental Health,band 6\n"
        '"Rota out six weeks ahead","Agency shifts, too",what slows you down?,,,\n'
        "\n"
        "Free parking at night,,,,,\n",
    )

    result = run_import(db, clock, path, campaign.id)

    ideas = stored_ideas(db)
    assert result.stored
    assert [idea.id for idea in ideas] == list(result.idea_ids)
    assert [idea.text for idea in ideas] == [
        "Quiet room on ward 7",
        "Rota out six weeks ahead",
        "Free parking at night",
    ]
    assert [idea.source for idea in ideas] == ["paper"] * 3
    assert {idea.author_id for idea in ideas} == {None}
    assert {idea.author_name for idea in ideas} == {AUTHOR_NAMES["paper"]}
    assert {idea.channel_id for idea in ideas} == {"C1"}
    assert {idea.message_id for idea in ideas} == {None}
    topic_ids = [topic.id for topic in campaign.topics]
    assert [idea.topic_id for idea in ideas] == [topic_ids[0], topic_ids[1], None]
    assert ideas[1].detail == "Agency shifts, too"
    # Midday London time on 12 January is 12:00 UTC; undated ideas take the import time.
    assert ideas[0].created_at == datetime(2027, 1, 12, 12, 0, tzinfo=UTC)
    assert ideas[2].created_at == clock.now()


def test_rejected_line_stores_nothing(db: Database, clock: ManualClock, tmp_path: Path) -> None:
    campaign = open_new_campaign(db, clock, topics=TOPICS)
    path = write_csv(
        tmp_path,
        "Idea,Topic\nQuiet room on ward 7,1\nRota out six weeks ahead,9\n,2\nFree parking,2\n",
    )

    result = run_import(db, clock, path, campaign.id)

    assert not result.stored
    assert len(result.accepted) == 2
    rejected = {line.line: line.reason for line in result.rejected}
    assert list(rejected) == [3, 4]
    assert "Topic 9 does not exist." in rejected[3]
    assert "The idea is empty." in rejected[4]
    assert stored_ideas(db) == []


@SQLITE_ONLY
def test_dry_run_stores_nothing(db: Database, clock: ManualClock, tmp_path: Path) -> None:
    campaign = open_new_campaign(db, clock, topics=TOPICS[:1])
    path = write_csv(tmp_path, "Idea\nQuiet room on ward 7\n")

    result = run_import(db, clock, path, campaign.id, dry_run=True)

    assert len(result.accepted) == 1
    assert result.accepted[0].topic_id == campaign.topics[0].id
    assert not result.stored
    assert stored_ideas(db) == []


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8-sig", "UTF-8 with BOM"), ("utf-8", "UTF-8"), ("cp1252", "Windows-1252")],
)
def test_import_reads_encodings(
    db: Database, clock: ManualClock, tmp_path: Path, encoding: str, expected: str
) -> None:
    campaign = open_new_campaign(db, clock, topics=TOPICS[:1])
    path = write_csv(tmp_path, "Idea\n£5 café vouchers for night staff\n", encoding=encoding)

    result = run_import(db, clock, path, campaign.id)

    assert result.encoding == expected
    assert [idea.text for idea in stored_ideas(db)] == ["£5 café vouchers for night staff"]


@SQLITE_ONLY
def test_unreadable_file_is_rejected(db: Database, clock: ManualClock, tmp_path: Path) -> None:
    campaign = open_new_campaign(db, clock, topics=TOPICS[:1])
    # 0x81 is one of the five bytes Windows-1252 leaves undefined.
    path = tmp_path / "ideas.csv"
    path.write_bytes(b"Idea\n\x81\x81 broken\n")

    with pytest.raises(InvalidInput, match="neither UTF-8 nor Windows-1252"):
        run_import(db, clock, path, campaign.id)
    with pytest.raises(InvalidInput, match="no idea column"):
        run_import(db, clock, write_csv(tmp_path, "Suggestion,Name\nA,B\n"), campaign.id)


@SQLITE_ONLY
def test_line_checks(db: Database, clock: ManualClock, tmp_path: Path) -> None:
    campaign = open_new_campaign(db, clock, topics=TOPICS)
    add_staff(db, clock, ("ann@example.nhs.uk", "Mental Health", "Band 6"))
    clock.advance(timedelta(days=1))
    lines = {
        2: ("Quiet room,,x,,", "Topic 'x' is not one of campaign"),
        3: ("Quiet room,,,32/01/2027,", "is not a date"),
        4: ("Quiet room,,,2027-01-01,", "before campaign"),
        5: ("Quiet room,,,2027-01-30,", "in the future"),
        6: ("Quiet room,,,,Nursing", "Directorate 'Nursing' is not in the staff list."),
        7: ("Quiet room,,,,,extra", "The line has 6 values but the header has 5 columns."),
        8: ("x" * 1001 + ",,,,", "The idea has 1001 characters"),
    }
    header = "Idea,Detail,Topic,Date received,Directorate\n"
    path = write_csv(tmp_path, header + "".join(line + "\n" for line, _ in lines.values()))

    result = run_import(db, clock, path, campaign.id)

    rejected = {line.line: line.reason for line in result.rejected}
    assert sorted(rejected) == sorted(lines)
    for line, (_, reason) in lines.items():
        assert reason in rejected[line], line
        # Each reason is written as sentences, like the status import's.
        assert rejected[line][0].isupper() and rejected[line].endswith("."), line
    assert stored_ideas(db) == []


@SQLITE_ONLY
def test_groups_take_staff_list_spelling(db: Database, clock: ManualClock, tmp_path: Path) -> None:
    campaign = open_new_campaign(db, clock, topics=TOPICS[:1])
    add_staff(db, clock, ("ann@example.nhs.uk", "Mental Health", "Band 6"))
    path = write_csv(tmp_path, "Idea,Directorate,Band\nQuiet room,mental  health,6\n")

    result = run_import(db, clock, path, campaign.id)

    groups = result.accepted[0].groups
    assert groups["directorate"] == "Mental Health"
    assert groups["band"] == "Band 6"


@SQLITE_ONLY
def test_second_import_of_same_idea_rejected(
    db: Database, clock: ManualClock, tmp_path: Path
) -> None:
    campaign = open_new_campaign(db, clock, topics=TOPICS[:1])
    path = write_csv(tmp_path, "Idea\nQuiet room on ward 7\n")
    first = run_import(db, clock, path, campaign.id)

    again = run_import(db, clock, path, campaign.id)

    assert first.stored
    assert not again.stored
    assert "imported already as idea" in again.rejected[0].reason
    assert len(stored_ideas(db)) == 1


@SQLITE_ONLY
def test_campaign_status_decides_import(db: Database, clock: ManualClock, tmp_path: Path) -> None:
    scheduled = create_campaign(
        db,
        title="Next quarter",
        channel_id="C2",
        starts="2027-03-01 09:00",
        days=20,
        timezone=LONDON,
        now=clock.now(),
        topics=TOPICS[:1],
    )
    closed = open_new_campaign(db, clock, topics=TOPICS[:1])
    clock.advance(timedelta(days=21))
    assert close_campaign(db, closed.id, now=clock.now()) is not None
    path = write_csv(tmp_path, "Idea\nQuiet room on ward 7\n")

    with pytest.raises(InvalidInput, match="has not opened yet"):
        run_import(db, clock, path, scheduled.id)
    result = run_import(db, clock, path, closed.id, source="email")

    ideas = stored_ideas(db)
    assert not result.posted
    assert [(idea.source, idea.channel_id) for idea in ideas] == [("email", None)]
    # An idea entered after the close counts on the campaign's last moment.
    assert ideas[0].created_at == closed.ends_at


@SQLITE_ONLY
def test_imported_ideas_count_in_participation(
    db: Database, clock: ManualClock, tmp_path: Path
) -> None:
    campaign = open_new_campaign(db, clock, topics=TOPICS[:1])
    add_staff(
        db,
        clock,
        ("ann@example.nhs.uk", "Mental Health", "Band 6"),
        ("bob@example.nhs.uk", "Estates and Facilities", "Band 2"),
    )
    path = write_csv(
        tmp_path,
        "Idea,Directorate\nQuiet room,Mental Health\nMore bins,Estates and Facilities\nLifts,\n",
    )
    run_import(db, clock, path, campaign.id)

    report = participation_report(
        db, campaign_id=campaign.id, timezone=LONDON, now=clock.now(), min_group_size=1
    )

    assert report.participants == 3
    assert report.offline_ideas == 3
    assert report.posted == 3
    # Paper contributors match no one on the staff list, so no rate counts them.
    assert report.participants_in_directory == 0
    assert report.rate == 0
    directorates = {
        group.name: (group.participants, group.offline, group.rate)
        for group in report.dimensions[0].groups
    }
    assert directorates["Mental Health"] == (1, 1, 0)
    assert directorates["Estates and Facilities"] == (1, 1, 0)
    # The idea given without any group counts with the groups the list does not have.
    assert directorates[OTHER_GROUPS][:2] == (1, 1)
    assert NOT_IN_DIRECTORY not in directorates
