"""The small-group rule as dimension_breakdown applies it, without a database."""

from __future__ import annotations

from bot.core.participation_records import OTHER_GROUPS
from bot.core.participation_report import dimension_breakdown


def _groups(headcounts: dict[str, int], participants: dict[str, int], unlisted: int = 0):
    breakdown = dimension_breakdown(
        "directorate",
        headcounts=headcounts,
        participants=participants,
        not_in_directory=unlisted,
        anonymous={},
        min_group_size=11,
    )
    return {group.name: group for group in breakdown.groups}


def test_small_group_folded_into_other_groups() -> None:
    groups = _groups({"Estates": 4, "Nursing": 40, "Medical": 30, "Therapies": 25}, {"Estates": 2})
    assert "Estates" not in groups
    # Other groups on its own would be the 4 people of Estates, so the smallest named
    # group joins it and no one group's figures can be read off.
    assert groups[OTHER_GROUPS].headcount == 4 + 25
    assert groups[OTHER_GROUPS].participants == 2
    assert set(groups) == {"Nursing", "Medical", OTHER_GROUPS}


def test_other_groups_large_enough_keeps_named_groups() -> None:
    groups = _groups({"Estates": 6, "Pharmacy": 5, "Nursing": 40, "Medical": 30}, {"Nursing": 9})
    assert set(groups) == {"Nursing", "Medical", OTHER_GROUPS}
    assert groups[OTHER_GROUPS].headcount == 11
    assert groups["Nursing"].rate == 9 / 40


def test_few_people_not_in_directory_are_not_named() -> None:
    groups = _groups({"Nursing": 40, "Medical": 30}, {"Nursing": 5}, unlisted=3)
    assert "Not in directory" not in groups
    # Three people outside the list would stand alone, so Medical joins them.
    assert groups[OTHER_GROUPS].participants == 3
    assert groups[OTHER_GROUPS].headcount == 30
    assert set(groups) == {"Nursing", OTHER_GROUPS}
