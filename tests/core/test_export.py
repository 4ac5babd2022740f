"""Campaign exports: file contents and types, anonymity, small groups, and bad input."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot.core import audit
from bot.core.campaigns import create_campaign, open_campaign
from bot.core.clock import ManualClock
from bot.core.comments import add_comment, delete_comment
from bot.core.errors import InvalidInput, NotFound
from bot.core.export import export_campaign, export_paths
from bot.core.ideas import submit_idea
from bot.core.participation_records import OTHER_GROUPS
from bot.core.records import Person
from bot.core.votes import VoteChange, change_vote
from storage.database import Database
from storage.models import StaffMember

LONDON = ZoneInfo("Europe/London")
MIN_GROUP_SIZE = 11
# Below the small-group size, so no output may name it.
SMALL_GROUP = "Estates"
FORMULA_IDEA = '=HYPERLINK("http://example.org")'


def person(user_id: str) -> Person:
    return Person("slack", "T1", user_id, f"Name {user_id}")


def add_staff(db: Database, clock: ManualClock, directorate: str, user_ids: list[str]) -> None:
    with db.transaction() as session:
        session.add_all(
            StaffMember(
                email=f"{user_id.lower()}@example.org",
                directorate=directorate,
                band="Band 5",
                staff_group="Allied Health Professionals",
                locality="North",
                platform="slack",
                user_id=user_id,
                match_state="column",
                created_at=clock.now(),
                updated_at=clock.now(),
            )
            for user_id in user_ids
        )


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    """A SQLite database only, for tests whose SQL is the same on both backends."""
    path = tmp_path / "export.db"
    shutil.copyfile(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


def seed_campaign(db: Database, clock: ManualClock) -> int:
    """Store a campaign with a named and an anonymous idea, a vote, and two comments."""
    add_staff(db, clock, "Medicine", [f"UMED{index:02d}" for index in range(12)])
    add_staff(db, clock, SMALL_GROUP, ["UEST01", "UEST02", "UEST03"])
    # Other groups must reach the small-group size itself, so the next smallest
    # directorate joins it and Medicine keeps its name.
    add_staff(db, clock, "Surgery", [f"USUR{index:02d}" for index in range(11)])
    campaign = create_campaign(
        db,
        title="Your voice",
        channel_id="C1",
        starts="now",
        timezone=LONDON,
        now=clock.now(),
        topics=["How could handovers be easier?"],
    )
    assert open_campaign(db, campaign.id, now=clock.now()) is not None
    topic_id = campaign.topics[0].id

    named = submit_idea(
        db,
        person("UMED00"),
        text="Move the huddle to 9:15",
        detail="It clashes with ward rounds.",
        channel_id="C1",
        topic_id=topic_id,
        now=clock.now(),
    ).idea.id
    clock.advance(timedelta(hours=1))
    anonymous = submit_idea(
        db, person("UMED01"), text=FORMULA_IDEA, anonymous=True, channel_id="C1", now=clock.now()
    ).idea.id
    change_vote(db, person("UEST01"), idea_id=named, change=VoteChange.CAST, now=clock.now())
    add_comment(db, person("UMED02"), idea_id=named, message_id="1.1", text="Yes", now=clock.now())
    add_comment(
        db, person("UOUT01"), idea_id=anonymous, message_id="1.2", text="No", now=clock.now()
    )
    delete_comment(db, person("UOUT01"), idea_id=anonymous, message_id="1.2", now=clock.now())
    return campaign.id


def export(db: Database, clock: ManualClock, campaign_id: int, out_dir: Path, **options: object):
    return export_campaign(
        db,
        campaign_id,
        out_dir=out_dir,
        timezone=LONDON,
        now=clock.now(),
        min_group_size=MIN_GROUP_SIZE,
        actor="cli",
        **options,  # type: ignore[arg-type]
    )


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_csv_export_contents(db: Database, clock: ManualClock, tmp_path: Path) -> None:
    campaign_id = seed_campaign(db, clock)
    messages: list[tuple[str, int, int]] = []

    result = export(
        db,
        clock,
        campaign_id,
        tmp_path,
        export_format="csv",
        progress=lambda *message: messages.append(message),
    )

    ideas_path, comments_path, participation_path, daily_path = result.paths
    assert ideas_path.read_bytes().startswith(b"\xef\xbb\xbf")
    ideas = read_csv(ideas_path)
    assert [idea["Author"] for idea in ideas] == ["Name UMED00", "Anonymous"]
    assert ideas[0]["Topic"] == "How could handovers be easier?"
    assert ideas[0]["Detail"] == "It clashes with ward rounds."
    assert ideas[0]["Votes"] == "1"
    assert ideas[0]["Comments"] == "1"
    assert ideas[0]["Rank in topic"] == "1"
    assert float(ideas[0]["Score"]) > 0
    assert datetime.fromisoformat(ideas[0]["Posted at"]) == clock.now() - timedelta(hours=1)
    # A leading apostrophe stops spreadsheet programs running the text as a formula.
    assert ideas[1]["Idea"] == "'" + FORMULA_IDEA

    comments = read_csv(comments_path)
    assert [comment["Comment"] for comment in comments] == ["Yes"]
    assert comments[0]["Author (user ID)"] == "UMED02"

    participation = read_csv(participation_path)
    groups = [(row["Dimension"], row["Group"]) for row in participation]
    assert ("Directorate", "Medicine") in groups
    assert ("Directorate", OTHER_GROUPS) in groups
    assert not any(SMALL_GROUP in row["Group"] for row in participation)
    medicine = participation[groups.index(("Directorate", "Medicine"))]
    assert (medicine["Headcount"], medicine["Participants on the staff list"]) == ("12", "2")
    assert medicine["Participants not on the staff list"] == "0"
    assert medicine["Rate (%)"] == "16.7"

    daily = read_csv(daily_path)
    assert [row["Day"] for row in daily] == [clock.now().astimezone(LONDON).date().isoformat()]
    assert (daily[0]["Ideas"], daily[0]["Votes"]) == ("2", "1")
    assert ("Ideas", 2, 2) in messages
    assert result.row_counts == {
        "ideas": 2,
        "comments": 1,
        "participation": len(groups),
        "daily": 1,
    }
    [entry] = audit.list_audit(db)
    assert (entry.actor, entry.action) == ("cli", "export")
    assert entry.subject == f"campaign:{campaign_id}"
    assert entry.detail == {"format": "csv", **result.row_counts}


def test_xlsx_export_types(sqlite_db: Database, clock: ManualClock, tmp_path: Path) -> None:
    campaign_id = seed_campaign(sqlite_db, clock)

    [path] = export(sqlite_db, clock, campaign_id, tmp_path, export_format="xlsx").paths

    workbook = load_workbook(path)
    assert workbook.sheetnames == ["Ideas", "Comments", "Participation", "Daily activity"]
    ideas = workbook["Ideas"]
    assert ideas.freeze_panes == "A2"
    headings = [cell.value for cell in ideas[1]]
    first = dict(zip(headings, ideas[2], strict=True))
    assert first["ID"].value == 1
    assert first["Votes"].value == 1
    assert isinstance(first["Posted at"].value, datetime)
    assert first["Posted at"].is_date
    assert isinstance(first["Score"].value, float)
    second = dict(zip(headings, ideas[3], strict=True))
    assert second["Author"].value == "Anonymous"
    assert second["Idea"].value == FORMULA_IDEA
    assert second["Idea"].data_type == "s"

    participation = workbook["Participation"]
    rates = [row[4] for row in participation.iter_rows(min_row=2) if row[4].value is not None]
    assert rates
    assert all(isinstance(cell.value, float) for cell in rates)
    assert all(cell.number_format == "0.0%" for cell in rates)
    assert not any(SMALL_GROUP in str(row[1].value) for row in participation.iter_rows())
    day = workbook["Daily activity"]["A2"]
    assert day.is_date
    assert day.value.date() == date(2027, 1, 11)


def test_export_rejects_bad_input(sqlite_db: Database, clock: ManualClock, tmp_path: Path) -> None:
    campaign_id = seed_campaign(sqlite_db, clock)
    out = tmp_path / "out"
    out.mkdir()
    taken = export_paths(campaign_id, "csv", out)[1]
    taken.write_text("keep me", encoding="utf-8")
    a_file = tmp_path / "a-file"
    a_file.write_text("", encoding="utf-8")

    with pytest.raises(NotFound) as unknown:
        export(sqlite_db, clock, 999, out, export_format="csv")
    with pytest.raises(InvalidInput) as exists:
        export(sqlite_db, clock, campaign_id, out, export_format="csv")
    with pytest.raises(InvalidInput) as not_folder:
        export(sqlite_db, clock, campaign_id, a_file / "out", export_format="csv")
    with pytest.raises(InvalidInput) as bad_format:
        export(sqlite_db, clock, campaign_id, out, export_format="pdf")

    assert "There is no campaign 999" in unknown.value.user_message
    assert taken.name in exists.value.user_message
    assert "--force" in exists.value.user_message
    assert "a-file" in not_folder.value.user_message
    assert "csv or xlsx" in bad_format.value.user_message
    assert taken.read_text(encoding="utf-8") == "keep me"
    assert [path.name for path in out.iterdir()] == [taken.name]

    export(sqlite_db, clock, campaign_id, out, export_format="csv", force=True)

    assert taken.read_text(encoding="utf-8-sig").startswith("ID,Idea ID")
    assert len(list(out.iterdir())) == 4
