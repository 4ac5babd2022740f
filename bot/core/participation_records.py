"""Records of who took part, by group: what participation reports, charts and exports show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

# The four ways the staff list groups people, in the order reports show them.
DIMENSIONS = ("directorate", "band", "staff_group", "locality")
DIMENSION_LABELS = {
    "directorate": "Directorate",
    "band": "Pay band",
    "staff_group": "Staff group",
    "locality": "Locality",
}
# Names of the groups that are not a value from the staff list.
OTHER_GROUPS = "Other groups"
NOT_IN_DIRECTORY = "Not in directory"
NOT_RECORDED = "Not recorded"


@dataclass(frozen=True)
class GroupParticipation:
    """One group's headcount and how many of its people took part.

    A group smaller than the small-group size never appears under its own name:
    it is counted within the OTHER_GROUPS entry.
    """

    name: str
    headcount: int
    participants: int
    # participants / headcount, or None when the headcount is 0 (as for NOT_IN_DIRECTORY).
    rate: float | None
    # Anonymous ideas attributed to the group; only groups large enough when posted get any.
    anonymous_ideas: int = 0
    # Of participants, those not on the staff list: all of NOT_IN_DIRECTORY's, and
    # those folded into OTHER_GROUPS when NOT_IN_DIRECTORY is too small to show.
    not_in_directory: int = 0
    # Of participants, contributors of ideas from paper or email, counted by the group the
    # form gave. They are not matched to anyone on the list, so the rate leaves them out.
    offline: int = 0


@dataclass(frozen=True)
class DimensionBreakdown:
    """Participation by every group of one dimension, such as by directorate."""

    dimension: str
    label: str
    groups: tuple[GroupParticipation, ...]


@dataclass(frozen=True)
class DailyParticipation:
    """One local day of a conversation: people taking part for the first time, and activity."""

    day: date
    new_participants: int
    ideas: int
    comments: int
    votes: int


@dataclass(frozen=True)
class ParticipationReport:
    """Participation in a campaign, a board, or anywhere in a date range, overall and by group."""

    # Such as "Campaign 3, Your voice", "Your Shout board 2 (#ward-7)" or "1–31 January 2027".
    title: str
    # "campaign", "board" or "range", with the campaign's or board's id (None for a range).
    scope_kind: str
    scope_id: int | None
    starts_on: date
    ends_on: date
    min_group_size: int
    # People on the staff list; None when no staff list has been loaded.
    headcount: int | None
    # When the headcounts were taken: the close for a closed campaign, None for live figures.
    headcount_taken_at: datetime | None
    # Distinct people who took part under their own name, in the directory or not,
    # including contributors entered from paper or email.
    participants: int
    participants_in_directory: int
    # participants_in_directory / headcount, or None without a staff list.
    rate: float | None
    # People who posted a named idea, who commented, and who did nothing but vote.
    posted: int
    commented: int
    only_voted: int
    anonymous_ideas: int
    # Ideas entered from paper or email.
    offline_ideas: int
    dimensions: tuple[DimensionBreakdown, ...]
    daily: tuple[DailyParticipation, ...]
