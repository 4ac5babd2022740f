"""Importing the staff list into the directory: counts, leavers, refusals and rollback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from bot.core.clock import ManualClock
from bot.core.directory import ImportRefused, import_staff, merge_small_groups
from storage.database import Database
from storage.models import StaffImport, StaffMember

HEADER = "Email,Directorate,Band,Staff Group,Locality,Slack ID"
FIRST = [
    "a@x.nhs.uk,Estates,5,Estates and Ancillary,North,",
    "b@x.nhs.uk,Nursing,6,Nursing and Midwifery Registered,South,U0BEE",
    "c@x.nhs.uk,Nursing,6,Nursing and Midwifery Registered,South,",
    "e@x.nhs.uk,Finance,7,Administrative and Clerical,North,",
]


def write_csv(tmp_path: Path, rows: list[str], *, name: str = "staff.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def staff_rows(db: Database) -> dict[str, tuple[object, ...]]:
    with db.transaction() as session:
        return {
            row.email: (
                row.directorate,
                row.band,
                row.staff_group,
                row.locality,
                row.user_id,
                row.match_state,
                row.left_at is not None,
            )
            for row in session.scalars(select(StaffMember))
        }


def import_count(db: Database) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(StaffImport)) or 0)


@pytest.mark.database
def test_reimport_counts_and_leavers(db: Database, clock: ManualClock, tmp_path: Path) -> None:
    first = import_staff(db, write_csv(tmp_path, FIRST), now=clock.now())
    assert (first.added, first.updated, first.left, first.rejected) == (4, 0, 0, 0)

    second = import_staff(
        db,
        write_csv(
            tmp_path,
            [
                "a@x.nhs.uk,Estates,Band 6,Estates and Ancillary,North,",
                "b@x.nhs.uk,Nursing,6,Nursing and Midwifery Registered,South,U0NEW",
                "d@x.nhs.uk,Finance,4,Administrative and Clerical,North,",
                "e@x.nhs.uk,Finance,7,Administrative and Clerical,North,",
            ],
        ),
        now=clock.now(),
    )

    assert (second.added, second.updated, second.left, second.unchanged) == (1, 2, 1, 1)
    rows = staff_rows(db)
    assert rows["a@x.nhs.uk"][1] == "Band 6"
    assert rows["b@x.nhs.uk"][4:6] == ("U0NEW", "column")
    assert rows["c@x.nhs.uk"][6] is True
    assert rows["d@x.nhs.uk"][5] == "pending"

    third = import_staff(db, write_csv(tmp_path, FIRST), now=clock.now())

    assert (third.added, third.updated, third.left, third.returned) == (0, 3, 1, 1)
    rows = staff_rows(db)
    assert rows["c@x.nhs.uk"][6] is False
    assert rows["d@x.nhs.uk"][6] is True
    assert import_count(db) == 3


@pytest.mark.database
def test_rejected_row_keeps_person(db: Database, clock: ManualClock, tmp_path: Path) -> None:
    import_staff(db, write_csv(tmp_path, FIRST), now=clock.now())
    rows = [*FIRST[:3], "e@x.nhs.uk,Finance,Band 99,Administrative and Clerical,North,"]

    result = import_staff(db, write_csv(tmp_path, rows), now=clock.now())

    assert (result.left, result.rejected, result.unchanged) == (0, 1, 4 - 1)
    assert staff_rows(db)["e@x.nhs.uk"][1] == "Band 7"


@pytest.fixture
def failing_insert(db: Database) -> Iterator[str]:
    """A trigger that makes the database reject the insert of one email, on either backend."""
    email = "boom@x.nhs.uk"
    with db.engine.begin() as connection:
        if db.dialect == "sqlite":
            connection.exec_driver_sql(
                "CREATE TRIGGER fail_staff BEFORE INSERT ON staff "
                f"WHEN NEW.email = '{email}' BEGIN SELECT RAISE(ABORT, 'test trigger'); END"
            )
        else:
            connection.exec_driver_sql(
                "CREATE FUNCTION fail_staff() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.email = '{email}' THEN RAISE EXCEPTION 'test trigger'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            connection.exec_driver_sql(
                "CREATE TRIGGER fail_staff BEFORE INSERT ON staff "
                "FOR EACH ROW EXECUTE FUNCTION fail_staff()"
            )
    try:
        yield email
    finally:
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "DROP TRIGGER fail_staff" + ("" if db.dialect == "sqlite" else " ON staff")
            )
            if db.dialect != "sqlite":
                connection.exec_driver_sql("DROP FUNCTION fail_staff()")


@pytest.mark.database
def test_database_failure_changes_nothing(
    db: Database, clock: ManualClock, tmp_path: Path, failing_insert: str
) -> None:
    import_staff(db, write_csv(tmp_path, FIRST), now=clock.now())
    before = staff_rows(db)
    # Batches of two: the first updates a and adds d, the second fails on its insert.
    rows = [
        "a@x.nhs.uk,Estates,Band 6,Estates and Ancillary,North,",
        "d@x.nhs.uk,Finance,4,Administrative and Clerical,North,",
        "b@x.nhs.uk,Nursing,6,Nursing and Midwifery Registered,South,U0BEE",
        f"{failing_insert},Finance,4,Administrative and Clerical,North,",
    ]

    with pytest.raises(DBAPIError, match="test trigger"):
        import_staff(db, write_csv(tmp_path, rows), now=clock.now(), batch_size=2)

    assert staff_rows(db) == before
    assert import_count(db) == 1


@pytest.mark.database
def test_mass_leave_needs_flag(db: Database, clock: ManualClock, tmp_path: Path) -> None:
    import_staff(db, write_csv(tmp_path, FIRST), now=clock.now())
    before = staff_rows(db)

    with pytest.raises(ImportRefused, match="mark 3 of the 4 current staff as left") as refused:
        import_staff(db, write_csv(tmp_path, FIRST[:1]), now=clock.now())
    with pytest.raises(ImportRefused, match="has no valid row"):
        import_staff(db, write_csv(tmp_path, ["a@x.nhs.uk,E,Band 0,G,L,"]), now=clock.now())

    assert refused.value.result.left == 3
    assert staff_rows(db) == before
    allowed = import_staff(
        db, write_csv(tmp_path, FIRST[:1]), now=clock.now(), allow_mass_leave=True
    )
    assert allowed.left == 3
    assert sum(row[6] is True for row in staff_rows(db).values()) == 3


@pytest.mark.database
def test_dry_run_changes_nothing(db: Database, clock: ManualClock, tmp_path: Path) -> None:
    result = import_staff(db, write_csv(tmp_path, FIRST), now=clock.now(), dry_run=True)

    assert result.added == 4
    assert staff_rows(db) == {}
    assert import_count(db) == 0


def test_small_groups_merged() -> None:
    groups = merge_small_groups(
        [("Estates", 140), ("Pharmacy", 4), (None, 12), ("Finance", 11), ("Chaplaincy", 3)],
        min_group_size=11,
    )

    # Pharmacy and Chaplaincy make 7, so the smallest named group, Finance, joins them.
    assert [(group.name, group.headcount) for group in groups] == [
        ("Estates", 140),
        ("Not recorded", 12),
        ("Other groups", 18),
    ]


@pytest.mark.database
def test_teams_id_column_matches_accounts(db: Database, clock: ManualClock, tmp_path: Path) -> None:
    teams_id = "AAAAAAAA-0000-4000-8000-000000000001"
    path = tmp_path / "teams.csv"
    path.write_text(
        "Email,Directorate,Band,Staff Group,Locality,Slack ID,Teams ID\n"
        f"t@x.nhs.uk,Estates,5,Estates and Ancillary,North,,{teams_id}\n"
        "s@x.nhs.uk,Estates,5,Estates and Ancillary,North,U0SLK,\n"
        f"both@x.nhs.uk,Estates,5,Estates and Ancillary,North,U0BTH,{teams_id}\n"
        "bad@x.nhs.uk,Estates,5,Estates and Ancillary,North,,not-a-guid\n",
        encoding="utf-8",
    )
    result = import_staff(db, path, now=clock.now())
    assert result.rejected == 2
    reasons = " ".join(row.reason for row in result.rejected_rows)
    assert "both a Slack ID and a Teams ID" in reasons
    assert "invalid Teams ID 'not-a-guid'" in reasons
    with db.transaction() as session:
        accounts = {
            row.email: (row.platform, row.user_id, row.match_state)
            for row in session.scalars(select(StaffMember))
        }
    assert accounts["t@x.nhs.uk"] == ("teams", teams_id.lower(), "column")
    assert accounts["s@x.nhs.uk"] == ("slack", "U0SLK", "column")
