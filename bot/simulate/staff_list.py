"""The simulated staff list of an NHS community health trust, seeded and repeatable.

At 3,000 staff the list has eight directorates and eleven localities across Norfolk. Its
Agenda for Change pay bands run from 2 to 9, with most staff in Bands 3 to 6 and a handful
in 8c to 9, and each directorate has the NHS staff groups that work in it. Medical and
dental staff are paid on medical scales rather than AfC bands, so their grade, such as
Consultant, is in the band column, as in an HR export. Some groups have fewer than 11
people, so the small-group rule has something to hide: the Research and Innovation
directorate, Healthcare Scientists, Bands 8c, 8d and 9, and the Wells-next-the-Sea locality.

Most simulated Slack users are on the list with their Slack ID in the file. A sample
has no Slack ID there and is matched by email, a few people on the list have no Slack
account, and a few Slack users (bank and agency staff) are not on the list at all.
"""

from __future__ import annotations

import csv
import random
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.simulate.traffic import FIRST_NAMES, SURNAMES, StaffMember

EMAIL_DOMAIN = "norfolkcommunity.example"
AGENCY_EMAIL_DOMAIN = "agency.example"
# People on the list without a Slack account: they share ideas on paper.
NO_CHAT_SHARE = 0.004
# Slack users not on the list, such as bank and agency staff; most of them take part.
NOT_LISTED_SHARE = 0.004
NOT_LISTED_TAKING_PART_SHARE = 0.7
# Rows whose Slack ID column is blank, matched by email with users.lookupByEmail. Kept
# small because each lookup is one Web API call the demo waits for.
EMAIL_MATCH_SHARE = 0.013

# Directorates and their share of the headcount.
DIRECTORATES: dict[str, float] = {
    "Adult Community Services": 34,
    "Children and Young People": 16,
    "Mental Health": 17,
    "Specialist and Planned Care": 9,
    "Corporate Services": 12,
    "Estates and Facilities": 8,
    "Medical": 3.5,
    "Research and Innovation": 0.25,
}
NURSING = "Nursing and Midwifery Registered"
AHP = "Allied Health Professionals"
CLINICAL_SUPPORT = "Additional Clinical Services"
ADMIN = "Administrative and Clerical"
ESTATES = "Estates and Ancillary"
MEDICAL = "Medical and Dental"
SCIENTIFIC = "Additional Professional Scientific and Technical"
SCIENTISTS = "Healthcare Scientists"
# The staff groups of each directorate, by share of its headcount.
STAFF_GROUPS: dict[str, dict[str, float]] = {
    "Adult Community Services": {NURSING: 44, AHP: 20, CLINICAL_SUPPORT: 26, ADMIN: 10},
    "Children and Young People": {
        NURSING: 42, AHP: 18, CLINICAL_SUPPORT: 20, ADMIN: 14, SCIENTIFIC: 4, MEDICAL: 2,
    },
    "Mental Health": {
        NURSING: 34, CLINICAL_SUPPORT: 26, AHP: 8, SCIENTIFIC: 14, ADMIN: 13, MEDICAL: 5,
    },
    "Specialist and Planned Care": {
        NURSING: 30, AHP: 36, CLINICAL_SUPPORT: 14, ADMIN: 12, MEDICAL: 5, SCIENTISTS: 3,
    },
    "Corporate Services": {ADMIN: 90, NURSING: 6, AHP: 2, SCIENTIFIC: 2},
    "Estates and Facilities": {ESTATES: 82, ADMIN: 18},
    "Medical": {MEDICAL: 85, ADMIN: 15},
    "Research and Innovation": {SCIENTIFIC: 40, NURSING: 30, ADMIN: 30},
}  # fmt: skip
# AfC bands of each staff group, by share. Medical and dental staff have grades instead.
BANDS: dict[str, dict[str, float]] = {
    NURSING: {"5": 38, "6": 36, "7": 18, "8a": 6, "8b": 2},
    AHP: {"5": 22, "6": 40, "7": 28, "8a": 8, "8b": 2},
    CLINICAL_SUPPORT: {"2": 12, "3": 52, "4": 36},
    ADMIN: {"2": 10, "3": 34, "4": 26, "5": 12, "6": 8, "7": 5, "8a": 3, "8b": 1.4, "8c": 0.6},
    ESTATES: {"2": 55, "3": 24, "4": 13, "5": 6, "6": 2},
    SCIENTIFIC: {"4": 8, "5": 10, "6": 16, "7": 30, "8a": 22, "8b": 10, "8c": 4},
    SCIENTISTS: {"5": 30, "6": 40, "7": 30},
}
MEDICAL_GRADES = {"Consultant": 40, "Specialty Doctor": 45, "Specialty Registrar": 15}
# Directors and their deputies, taken from Corporate Services' administrative staff.
SENIOR_BANDS = {"9": 2, "8d": 5}
# Localities across the county, by share of a directorate's headcount.
LOCALITIES = {
    "Norwich": 30, "King's Lynn": 14, "Great Yarmouth": 13, "Thetford": 8, "Dereham": 8,
    "North Walsham": 7, "Cromer": 6, "Diss": 5, "Swaffham": 5, "Wymondham": 4,
}  # fmt: skip
HEADQUARTERS_LOCALITIES = {"Norwich": 75, "King's Lynn": 10, "Great Yarmouth": 10, "Thetford": 5}
HEADQUARTERS_DIRECTORATES = ("Corporate Services", "Medical", "Research and Innovation")
# A small community nursing base with its own locality in the HR system.
SMALL_LOCALITY = "Wells-next-the-Sea"
SMALL_LOCALITY_SHARE = 0.008
SMALL_LOCALITY_DIRECTORATE = "Adult Community Services"

CSV_HEADER = ("Email", "Name", "Directorate", "Pay Band", "Staff Group", "Locality", "Slack ID")
DIMENSIONS = ("directorate", "band", "staff_group", "locality")


@dataclass(frozen=True)
class ListedPerson:
    """One person on the staff list, and the Slack account they have, if any."""

    email: str
    name: str
    directorate: str
    # An AfC band such as "Band 5", or a medical grade such as "Consultant".
    band: str
    staff_group: str
    locality: str
    user_id: str | None
    # Whether the file's Slack ID column gives the account; if not, it is found by email.
    slack_id_in_file: bool

    def group(self, dimension: str) -> str | None:
        """Return the person's group of one dimension, such as their directorate."""
        value: str | None = getattr(self, dimension)
        return value


@dataclass(frozen=True)
class StaffList:
    """The trust's staff list and the simulated Slack users it covers and leaves out."""

    people: tuple[ListedPerson, ...]
    # Slack users who are not on the list, with the email their Slack profile shows.
    not_listed: dict[str, str]

    def by_user(self) -> dict[str, ListedPerson]:
        """Return the listed people who have a Slack account, by user id."""
        return {person.user_id: person for person in self.people if person.user_id is not None}

    def headcounts(self) -> dict[str, Counter[str | None]]:
        """Count the list by every group of every dimension."""
        return {
            dimension: Counter(person.group(dimension) for person in self.people)
            for dimension in DIMENSIONS
        }

    def profile_emails(self) -> dict[str, str]:
        """Return the email of every simulated Slack user's profile, by user id."""
        emails = {
            person.user_id: person.email for person in self.people if person.user_id is not None
        }
        emails.update(self.not_listed)
        return emails

    def write_csv(self, path: Path) -> None:
        """Write the list as an HR system exports it, with a Slack ID column."""
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_HEADER)
            for person in self.people:
                writer.writerow(
                    (
                        person.email,
                        person.name,
                        person.directorate,
                        person.band,
                        person.staff_group,
                        person.locality,
                        person.user_id if person.slack_id_in_file else "",
                    )
                )


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split total into whole parts in proportion to weights, by largest remainder."""
    weight_sum = sum(weights)
    exact = [total * weight / weight_sum for weight in weights]
    parts = [int(value) for value in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _spread(total: int, shares: Mapping[str, float]) -> list[str]:
    """Return total values, each share's value repeated in proportion to it."""
    names = list(shares)
    return [
        name
        for name, count in zip(names, _apportion(total, list(shares.values())), strict=True)
        for _ in range(count)
    ]


def _email_base(name: str) -> str:
    return re.sub(r"[^a-z.]", "", name.lower().replace(" ", "."))


Role = tuple[str, str, str, str]


def _roles(count: int, rng: random.Random) -> list[Role]:
    """Return count (directorate, band, staff group, locality) tuples, in a shuffled order."""
    roles: list[Role] = []
    directorate_sizes = _apportion(count, list(DIRECTORATES.values()))
    for directorate, size in zip(DIRECTORATES, directorate_sizes, strict=True):
        if directorate in HEADQUARTERS_DIRECTORATES:
            localities = _spread(size, HEADQUARTERS_LOCALITIES)
        elif directorate == SMALL_LOCALITY_DIRECTORATE:
            small = round(size * SMALL_LOCALITY_SHARE)
            localities = _spread(size - small, LOCALITIES) + [SMALL_LOCALITY] * small
        else:
            localities = _spread(size, LOCALITIES)
        rng.shuffle(localities)
        members: list[tuple[str, str]] = []
        for group, group_size in Counter(_spread(size, STAFF_GROUPS[directorate])).items():
            if group == MEDICAL:
                bands = _spread(group_size, MEDICAL_GRADES)
            else:
                bands = [f"Band {band}" for band in _spread(group_size, BANDS[group])]
            senior = [
                f"Band {band}" for band, number in SENIOR_BANDS.items() for _ in range(number)
            ]
            # A trust too small for a tenth of its corporate administrators to be directors
            # has none in Bands 8d and 9.
            if (
                directorate == "Corporate Services"
                and group == ADMIN
                and len(bands) >= 10 * len(senior)
            ):
                bands = [*senior, *bands[len(senior) :]]
            members.extend((group, band) for band in bands)
        roles.extend(
            (directorate, band, group, locality)
            for (group, band), locality in zip(members, localities, strict=True)
        )
    rng.shuffle(roles)
    return roles


def build_staff_list(
    staff: Sequence[StaffMember], *, participants: Sequence[str], seed: int
) -> StaffList:
    """Build the staff list of a trust whose Slack users are staff, seeded by seed.

    The list has as many people as there are Slack users: all but a few of the
    users, and as many estates staff who have no Slack account. participants
    are the users who take part in the campaign. Most of the users left off
    the list are taken from them, so people not in the directory take part.
    """
    # A generator of its own, so the traffic plan is the same with or without a staff list.
    rng = random.Random(seed * 7919 + 11)
    count = len(staff)
    not_listed_count = max(1, round(count * NOT_LISTED_SHARE))
    taking_part = set(participants)
    active = [member for member in staff if member.user_id in taking_part]
    inactive = [member for member in staff if member.user_id not in taking_part]
    active_left_out = min(len(active), round(not_listed_count * NOT_LISTED_TAKING_PART_SHARE))
    left_out = rng.sample(active, active_left_out) + rng.sample(
        inactive, min(len(inactive), not_listed_count - active_left_out)
    )
    left_out_ids = {member.user_id for member in left_out}
    listed_users = [member for member in staff if member.user_id not in left_out_ids]
    email_sample = rng.sample(
        listed_users, min(len(listed_users), round(count * EMAIL_MATCH_SHARE))
    )
    matched_by_email = {member.user_id for member in email_sample}

    # Estates staff without a Slack account fill the places of the users left off the list.
    roles = _roles(count, rng)
    estates = [index for index, role in enumerate(roles) if role[2] == ESTATES]
    no_chat = set(rng.sample(estates, min(len(estates), len(left_out))))
    if len(no_chat) < len(left_out):
        no_chat.update(range(len(roles) - (len(left_out) - len(no_chat)), len(roles)))
    chat_roles = [role for index, role in enumerate(roles) if index not in no_chat]
    no_chat_roles = [roles[index] for index in sorted(no_chat)]

    used_emails: Counter[str] = Counter()

    def listed(name: str, role: Role, user_id: str | None) -> ListedPerson:
        base = _email_base(name)
        used_emails[base] += 1
        suffix = "" if used_emails[base] == 1 else str(used_emails[base])
        directorate, band, group, locality = role
        return ListedPerson(
            email=f"{base}{suffix}@{EMAIL_DOMAIN}",
            name=name,
            directorate=directorate,
            band=band,
            staff_group=group,
            locality=locality,
            user_id=user_id,
            slack_id_in_file=user_id is not None and user_id not in matched_by_email,
        )

    people = [
        listed(member.real_name, role, member.user_id)
        for member, role in zip(listed_users, chat_roles, strict=True)
    ]
    people.extend(
        listed(f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}", role, None)
        for role in no_chat_roles
    )
    not_listed = {
        member.user_id: f"{_email_base(member.real_name)}.{member.user_id.lower()}"
        f"@{AGENCY_EMAIL_DOMAIN}"
        for member in left_out
    }
    return StaffList(people=tuple(people), not_listed=not_listed)
