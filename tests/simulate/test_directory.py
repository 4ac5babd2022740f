"""The simulation's check of the participation report against its own record of who took part."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

from bot.core.participation_records import DIMENSIONS, NOT_IN_DIRECTORY, ParticipationReport
from bot.core.participation_report import dimension_breakdown
from bot.simulate.directory import DirectoryRun
from bot.simulate.staff_list import ListedPerson, StaffList
from bot.simulate.traffic import Ledger

MIN_GROUP_SIZE = 2


def _person(number: int, directorate: str) -> ListedPerson:
    return ListedPerson(
        email=f"person{number}@example.org",
        name=f"Person {number}",
        directorate=directorate,
        band="Band 5",
        staff_group="Allied Health Professionals",
        locality="Norwich",
        user_id=f"U{number}",
        slack_id_in_file=True,
    )


def _report(by_directorate: dict[str, int], *, not_in_directory: int) -> ParticipationReport:
    """Build a report with the product's own folding of small groups, as the bot would."""
    headcounts = {"directorate": {"Mental Health": 3, "Medical": 1, "Pharmacy": 1}}
    participants = {"directorate": by_directorate}
    for dimension in DIMENSIONS[1:]:
        column = {"band": "Band 5", "staff_group": "Allied Health Professionals"}
        name = column.get(dimension, "Norwich")
        headcounts[dimension] = {name: 5}
        participants[dimension] = {name: sum(by_directorate.values())}
    return ParticipationReport(
        title="Campaign 1",
        scope_kind="campaign",
        scope_id=1,
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 1, 20),
        min_group_size=MIN_GROUP_SIZE,
        headcount=5,
        headcount_taken_at=None,
        participants=sum(by_directorate.values()) + not_in_directory,
        participants_in_directory=sum(by_directorate.values()),
        rate=None,
        posted=0,
        commented=0,
        only_voted=0,
        anonymous_ideas=0,
        offline_ideas=0,
        dimensions=tuple(
            dimension_breakdown(
                dimension,
                headcounts=headcounts[dimension],
                participants=participants[dimension],
                not_in_directory=not_in_directory,
                anonymous={},
                min_group_size=MIN_GROUP_SIZE,
            )
            for dimension in DIMENSIONS
        ),
        daily=(),
    )


def _directory_run(tmp_path: Path) -> tuple[DirectoryRun, Ledger]:
    people = (
        _person(1, "Mental Health"),
        _person(2, "Mental Health"),
        _person(3, "Mental Health"),
        _person(4, "Medical"),
        # With Pharmacy, the small groups together reach the minimum of 2, so Mental
        # Health keeps its own line.
        _person(5, "Pharmacy"),
    )
    staff = StaffList(people=people, not_listed={"U9": "agency@example.org"})
    ledger = Ledger()
    ledger.contributors.update({"U1", "U4", "U9"})
    return DirectoryRun(staff, folder=tmp_path, min_group_size=MIN_GROUP_SIZE), ledger


def test_check_accepts_matching_report(tmp_path: Path) -> None:
    run, ledger = _directory_run(tmp_path)
    report = _report({"Mental Health": 1, "Medical": 1}, not_in_directory=1)

    run.compare(report, ledger)

    assert run.problems == []
    names = [group.name for group in report.dimensions[0].groups]
    assert "Medical" not in names
    assert "Mental Health" in names
    assert NOT_IN_DIRECTORY not in names


def test_check_reports_group_mismatch(tmp_path: Path) -> None:
    run, ledger = _directory_run(tmp_path)
    # The Medical participant counted in Mental Health: the totals agree, the groups do not.
    report = _report({"Mental Health": 2}, not_in_directory=1)

    run.compare(report, ledger)

    assert len(run.problems) == 1
    assert "participation by directorate differs" in run.problems[0]
    assert "Mental Health" in run.problems[0]


def test_check_reports_total_mismatch(tmp_path: Path) -> None:
    run, ledger = _directory_run(tmp_path)
    report = _report({"Mental Health": 1, "Medical": 1}, not_in_directory=1)

    run.compare(dataclasses.replace(report, participants=2), ledger)

    assert run.problems == ["participation report participants: 2, expected 3"]
