"""Tests of the participation blocks: the small-group rule as shown, and Slack's limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from bot.core.participation_records import ParticipationReport
from bot.core.participation_report import dimension_breakdown
from handlers.blocks.participation import MAX_BLOCKS, MAX_SECTION_TEXT, participation_message
from handlers.blocks.report import final_report_message
from tests.e2e.support import text_fields
from tests.handlers.test_report_blocks import _report


def report_with(headcounts: dict[str, int], participants: dict[str, int]) -> ParticipationReport:
    """Return a report whose every dimension has these groups, folded by the core's rule."""
    # A one-person group makes the small groups together at least 11 in the tests below.
    headcounts = {**headcounts, "Pharmacy": 1}
    breakdown = dimension_breakdown(
        "directorate",
        headcounts=headcounts,
        participants=participants,
        not_in_directory=3,
        anonymous={"Estates": 1},
        min_group_size=11,
    )
    return ParticipationReport(
        title="Campaign 1, Your voice",
        scope_kind="campaign",
        scope_id=1,
        starts_on=date(2027, 1, 11),
        ends_on=date(2027, 1, 31),
        min_group_size=11,
        headcount=sum(headcounts.values()),
        headcount_taken_at=None,
        participants=sum(participants.values()) + 3,
        participants_in_directory=sum(participants.values()),
        rate=sum(participants.values()) / sum(headcounts.values()),
        posted=2,
        commented=1,
        only_voted=sum(participants.values()),
        anonymous_ideas=1,
        offline_ideas=0,
        dimensions=(breakdown,),
        daily=(),
    )


def joined(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(text_fields(blocks))


def test_small_group_shown_only_within_other_groups() -> None:
    report = report_with({"Surgery": 40, "Estates": 10}, {"Surgery": 4, "Estates": 5})
    assert [group.name for group in report.dimensions[0].groups] == ["Surgery", "Other groups"]

    _, blocks = participation_message(report, live=True)
    text = joined(blocks)
    assert "Estates" not in text
    other = "• Other groups: 5 of 11 (45%), and 3 people not on the staff list · 1 anonymous idea"
    assert other in text
    assert "• Surgery: 4 of 40 (10%)" in text
    assert "9 of 51 staff took part (18%)" in text


def test_live_report_lists_lowest_rate_first() -> None:
    report = report_with(
        {"Surgery": 40, "Medicine": 20, "Estates": 10}, {"Surgery": 4, "Medicine": 10}
    )
    live = joined(participation_message(report, live=True)[1])
    final = joined(participation_message(report, live=False)[1])
    assert live.index("Surgery:") < live.index("Medicine:")
    assert final.index("Medicine:") < final.index("Surgery:")


def test_many_groups_within_slack_limits() -> None:
    headcounts = {f"Directorate number {n:04}": 11 for n in range(5000)}
    report = report_with(headcounts, {})
    _, blocks = participation_message(report, live=True)
    assert len(blocks) == MAX_BLOCKS
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert max(len(text) for text in sections) <= MAX_SECTION_TEXT
    assert "left out" in sections[-1]


def test_final_report_groups_only_for_managers() -> None:
    participation = report_with({"Surgery": 40, "Estates": 10}, {"Surgery": 4, "Estates": 5})
    report = _report(participation=participation)

    _, channel = final_report_message(report)
    _, managers = final_report_message(report, by_group=True)
    assert "9 of 51 staff took part" in joined(channel)
    assert "Surgery" not in joined(channel)
    assert "• Surgery: 4 of 40 (10%)" in joined(managers)
    assert "Estates" not in joined(managers)
    assert len(managers) <= MAX_BLOCKS


def test_paper_ideas_explained_beside_the_totals() -> None:
    report = replace(
        report_with({"Surgery": 40, "Estates": 10}, {"Surgery": 4, "Estates": 5}), offline_ideas=6
    )
    text = joined(participation_message(report, live=False)[1])
    assert "Each of the 6 ideas from paper or email counts as one more person" in text
    assert "not in the rates" in text
