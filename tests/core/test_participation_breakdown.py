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
    # People outside the list single out no group of it, so the named groups stay.
    assert set(groups) == {"Nursing", "Medical", OTHER_GROUPS}
    assert (groups[OTHER_GROUPS].headcount, groups[OTHER_GROUPS].participants) == (0, 3)


def test_unlisted_people_not_counted_in_pool() -> None:
    groups = _groups({"Estates": 4, "Nursing": 40, "Medical": 30}, {"Estates": 3}, unlisted=10)
    # Ten people outside the list must not let Estates' 4 stand alone as Other groups.
    assert groups[OTHER_GROUPS].headcount == 4 + 30
    assert set(groups) == {"Nursing", OTHER_GROUPS}


def test_group_without_headcount_counts_as_outside_the_list() -> None:
    # A paper idea's blank staff group is no group of the list: it has no headcount.
    groups = _groups({"Nursing": 40, "Medical": 30}, {"Nursing": 5, "Not recorded": 2})
    assert groups[OTHER_GROUPS].headcount == 0
    assert groups[OTHER_GROUPS].not_in_directory == 2
    assert all(g.rate is None or g.rate <= 1 for g in groups.values())


def test_paper_ideas_left_out_of_rates() -> None:
    breakdown = dimension_breakdown(
        "locality",
        headcounts={"Norwich": 28, "Cromer": 2},
        participants={"Norwich": 6},
        not_in_directory=0,
        anonymous={},
        min_group_size=11,
        offline={"Cromer": 30, "Norwich": 3},
    )
    groups = {group.name: group for group in breakdown.groups}
    # Cromer's 2 people fold Norwich in with them, and 33 paper ideas join 6 on the list.
    assert set(groups) == {OTHER_GROUPS}
    other = groups[OTHER_GROUPS]
    assert (other.headcount, other.participants, other.offline) == (30, 39, 33)
    assert other.rate == 6 / 30
