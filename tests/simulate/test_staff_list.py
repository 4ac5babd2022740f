"""The simulated trust's staff list: its sizes, its groups, and a file the staff import reads."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bot.core.staff_csv import VALID_BANDS, StaffRow, open_staff_csv
from bot.simulate import staff_list
from bot.simulate.staff_list import build_staff_list
from bot.simulate.traffic import build_plan

MIN_GROUP_SIZE = 11


def test_staff_list_sizes_and_groups() -> None:
    plan = build_plan(staff=3000, seed=2027)
    listed = build_staff_list(plan.staff, participants=plan.participants, seed=2027)
    people = listed.people
    headcounts = listed.headcounts()
    without_chat = [person for person in people if person.user_id is None]
    by_email = [person for person in people if person.user_id and not person.slack_id_in_file]

    assert len(people) == 3000
    assert len({person.email for person in people}) == 3000
    assert len(without_chat) == len(listed.not_listed) == 12
    assert len(set(listed.not_listed) & set(plan.participants)) >= 5
    assert 30 <= len(by_email) <= 50
    assert len(headcounts["directorate"]) == 8
    assert len(headcounts["locality"]) == 11
    # Most staff are in Bands 3 to 6, and only a handful in 8c, 8d and 9.
    bands = headcounts["band"]
    assert sum(bands[f"Band {band}"] for band in ("3", "4", "5", "6")) > 0.6 * 3000
    assert sum(bands[band] for band in ("Band 8c", "Band 8d", "Band 9")) < 20
    assert set(bands) <= {*staff_list.MEDICAL_GRADES, *(f"Band {band}" for band in VALID_BANDS)}
    # Medical and dental staff, and only they, have medical grades in place of AfC bands.
    medical_grades = {person.band for person in people if person.staff_group == staff_list.MEDICAL}
    assert medical_grades == set(staff_list.MEDICAL_GRADES)
    assert sum(bands[grade] for grade in staff_list.MEDICAL_GRADES) == sum(
        1 for person in people if person.staff_group == staff_list.MEDICAL
    )
    assert {
        person.directorate for person in people if person.staff_group == staff_list.ESTATES
    } == {"Estates and Facilities"}
    small = {
        name
        for counts in headcounts.values()
        for name, count in counts.items()
        if count < MIN_GROUP_SIZE
    }
    assert {
        "Research and Innovation",
        staff_list.SCIENTISTS,
        "Band 9",
        staff_list.SMALL_LOCALITY,
    } <= small


def test_staff_list_file_reads_cleanly(tmp_path: Path) -> None:
    plan = build_plan(staff=300, seed=5)
    listed = build_staff_list(plan.staff, participants=plan.participants, seed=5)
    path = tmp_path / "staff.csv"
    listed.write_csv(path)

    rows = list(open_staff_csv(path).rows())

    accepted = [row for row in rows if isinstance(row, StaffRow)]
    assert len(accepted) == len(rows) == 300
    slack_ids = Counter(row.slack_id is not None for row in accepted)
    assert slack_ids[True] == sum(1 for person in listed.people if person.slack_id_in_file)
    assert {row.band for row in accepted} == {person.band for person in listed.people}
