"""The simulation's staff directory, its paper ideas, and the check of the participation report.

Before the campaign opens, the run writes the simulated trust's staff list as a CSV file
and loads it with the code behind `staffvoice staff import`. It then matches the rows
without a Slack ID by email through users.lookupByEmail on the stand-in, as `staffvoice
staff match` does. On the second day it enters a few ideas from paper forms with the code
behind `staffvoice ideas import`. After the close it builds the campaign's participation
report and compares it with figures worked out here from the simulation's own record of
who did what and each person's groups.
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from slack_sdk import WebClient

from bot.core.clock import Clock
from bot.core.directory import import_staff
from bot.core.idea_import import import_ideas
from bot.core.participation_records import (
    DIMENSIONS,
    NOT_IN_DIRECTORY,
    NOT_RECORDED,
    OTHER_GROUPS,
    ParticipationReport,
)
from bot.core.participation_report import participation_report
from bot.core.records import CampaignRecord
from bot.core.staff_matching import match_pending
from bot.simulate.local_bot import BOT_TOKEN
from bot.simulate.staff_list import ListedPerson, StaffList
from bot.simulate.traffic import Ledger
from handlers.staff_lookup import SlackEmailLookup
from storage.database import Database

STAFF_FILE = "staff-list.csv"
PAPER_FILE = "paper-ideas.csv"
# The stand-in has no rate limit, so the lookups go as fast as it responds.
STANDIN_LOOKUPS_PER_MINUTE = 60_000
# The campaign day whose ideas phase is followed by the paper ideas' import.
PAPER_IDEAS_DAY = 2
# Ideas written on paper forms, with the form's topic number. The first ones come from
# staff without a Slack account, who give all their groups. The next one gives only a
# directorate, and the last gives no group at all.
PAPER_IDEAS = (
    ("Put a water fountain in the depot yard for the drivers", "1"),
    ("Give night porters a locker room near the wards they cover", "2"),
    ("Send the rota to our home addresses, we do not use the intranet", "3"),
    ("Fix the hot water in the Thetford laundry before winter", "4"),
    ("Ask the cleaners before changing the cleaning products", "2"),
    ("More parking for community staff who come back to base at lunch", "1"),
)
DIRECTORATE_ONLY = "Estates and Facilities"
TABLE_NAME_WIDTH = 30


@dataclass(frozen=True)
class ExpectedGroup:
    """A group's figures as the report should show them."""

    headcount: int
    participants: int
    anonymous_ideas: int


@dataclass
class DirectoryRun:
    """Loads the staff list and paper ideas, then checks the participation report."""

    staff_list: StaffList
    folder: Path
    min_group_size: int
    # The run's user ids whose accounts the bot cannot match to the list, such as the
    # people who take part from Teams: the run's staff list gives Slack IDs only.
    unmatched: frozenset[str] = frozenset()
    problems: list[str] = field(default_factory=list)
    # The groups written on each paper form, in the order of the ideas imported.
    paper_groups: list[dict[str, str | None]] = field(default_factory=list)
    paper_idea_ids: list[int] = field(default_factory=list)

    def load(self, db: Database, *, api_url: str, clock: Clock) -> None:
        """Import the staff list, match the rows without a Slack ID by email, and print both."""
        started = time.monotonic()
        path = self.folder / STAFF_FILE
        self.staff_list.write_csv(path)
        result = import_staff(db, path, now=clock.now())

        people = self.staff_list.people
        if result.added != len(people) or result.rejected:
            self.problems.append(
                f"the staff import added {result.added} of {len(people)} people and rejected "
                f"{result.rejected}"
            )
        lookup = SlackEmailLookup(
            WebClient(token=BOT_TOKEN, base_url=api_url), per_minute=STANDIN_LOOKUPS_PER_MINUTE
        )
        matching = match_pending(db, lookup, clock=clock)

        by_email = sum(1 for person in people if person.user_id and not person.slack_id_in_file)
        without_chat = sum(1 for person in people if person.user_id is None)
        if (matching.matched, matching.not_found, matching.pending) != (by_email, without_chat, 0):
            self.problems.append(
                f"matching by email found {matching.matched} accounts and {matching.not_found} "
                f"without one ({matching.pending} pending); expected {by_email} and "
                f"{without_chat}"
            )
        print(
            f"Imported the staff list {path} ({result.added} people, {result.rejected} "
            f"rejected); matched {matching.matched} of {matching.looked_up} by email, "
            f"{matching.not_found} have no Slack account; "
            f"{len(self.staff_list.not_listed)} Slack users are not on the list "
            f"({time.monotonic() - started:.1f} s)."
        )

    def import_paper_ideas(
        self, db: Database, *, campaign: CampaignRecord, timezone: ZoneInfo, now: datetime
    ) -> dict[int, int]:
        """Enter the paper ideas into the campaign; return how many went to each topic id."""
        without_chat = [person for person in self.staff_list.people if person.user_id is None]
        rows: list[tuple[str, str, str, dict[str, str | None]]] = []
        received_on = (now - timedelta(days=1)).astimezone(timezone).date().isoformat()
        for number, (text, topic) in enumerate(PAPER_IDEAS):
            groups: dict[str, str | None] = dict.fromkeys(DIMENSIONS)
            if number < len(PAPER_IDEAS) - 2 and number < len(without_chat):
                groups = {
                    dimension: without_chat[number].group(dimension) for dimension in DIMENSIONS
                }
            elif number == len(PAPER_IDEAS) - 2:
                groups["directorate"] = DIRECTORATE_ONLY
            rows.append((text, topic, received_on if number == 0 else "", groups))

        path = self.folder / PAPER_FILE
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                ("Idea", "Topic", "Date received", "Directorate", "Band", "Staff group", "Locality")
            )
            for text, topic, received, groups in rows:
                writer.writerow(
                    (text, topic, received, *(groups[dimension] or "" for dimension in DIMENSIONS))
                )

        result = import_ideas(
            db, path, campaign_id=campaign.id, source="paper", timezone=timezone, now=now
        )
        if result.rejected or len(result.idea_ids) != len(rows):
            reasons = "; ".join(f"line {line.line}: {line.reason}" for line in result.rejected)
            self.problems.append(
                f"the paper ideas' import stored {len(result.idea_ids)} of {len(rows)}: {reasons}"
            )
        self.paper_idea_ids = list(result.idea_ids)
        self.paper_groups = [groups for *_, groups in rows[: len(result.idea_ids)]]
        topic_ids = {str(topic.position): topic.id for topic in campaign.topics}
        print(f"  imported {len(result.idea_ids)} ideas from paper forms ({path.name})")
        return Counter(topic_ids[topic] for _, topic, _, _ in rows[: len(result.idea_ids)])

    def check(
        self, db: Database, *, campaign_id: int, ledger: Ledger, timezone: ZoneInfo, now: datetime
    ) -> None:
        """Build the participation report, compare it with the expected figures, print it."""
        report = participation_report(
            db,
            campaign_id=campaign_id,
            timezone=timezone,
            now=now,
            min_group_size=self.min_group_size,
        )
        self.compare(report, ledger)
        _print_directorates(report)

    def compare(self, report: ParticipationReport, ledger: Ledger) -> None:
        """Add a problem for each figure of the report that differs from the expected one."""
        listed = {
            user_id: person
            for user_id, person in self.staff_list.by_user().items()
            if user_id not in self.unmatched
        }
        people: list[dict[str, str | None] | None] = [
            _groups_of(listed.get(user_id)) for user_id in sorted(ledger.contributors)
        ]
        # Paper contributors match no one on the list: they count as people and in the
        # groups their forms gave, but not as staff on the list.
        in_directory = sum(1 for groups in people if groups is not None)
        paper = list(self.paper_groups)
        totals = {
            "headcount": (report.headcount, len(self.staff_list.people)),
            "participants": (report.participants, len(people) + len(paper)),
            "participants in the directory": (report.participants_in_directory, in_directory),
            "ideas from paper": (report.offline_ideas, len(self.paper_idea_ids)),
            "anonymous ideas": (report.anonymous_ideas, len(ledger.anonymous_authors)),
        }
        for name, (reported, expected) in totals.items():
            if reported != expected:
                self.problems.append(
                    f"participation report {name}: {reported}, expected {expected}"
                )

        headcounts = {
            dimension: {_name(group): count for group, count in counts.items()}
            for dimension, counts in self.staff_list.headcounts().items()
        }
        for breakdown in report.dimensions:
            dimension = breakdown.dimension
            expected_groups = self._expected_groups(
                dimension, headcounts[dimension], people, ledger, listed, paper=paper
            )
            reported_groups = {
                group.name: ExpectedGroup(
                    group.headcount, group.participants, group.anonymous_ideas
                )
                for group in breakdown.groups
            }
            if reported_groups != expected_groups:
                differences = [
                    f"{name}: report {reported_groups.get(name)}, "
                    f"expected {expected_groups.get(name)}"
                    for name in sorted(set(reported_groups) | set(expected_groups))
                    if reported_groups.get(name) != expected_groups.get(name)
                ]
                self.problems.append(
                    f"participation by {breakdown.label.lower()} differs: " + "; ".join(differences)
                )
            small = sorted(
                name
                for name, count in headcounts[dimension].items()
                if count < self.min_group_size and name in reported_groups
            )
            if small:
                self.problems.append(
                    f"groups under {self.min_group_size} people are named in the report by "
                    f"{breakdown.label.lower()}: {', '.join(small)}"
                )
        small_groups = sum(
            1
            for counts in headcounts.values()
            for count in counts.values()
            if count < self.min_group_size
        )
        print(
            f"\nParticipation report: {report.participants} participants, "
            f"{report.offline_ideas} of them from paper forms, and "
            f"{report.participants_in_directory} of them on the staff list of "
            f"{report.headcount}; {small_groups} groups under {self.min_group_size} people are "
            f"shown only within {OTHER_GROUPS!r}."
        )

    def _expected_groups(
        self,
        dimension: str,
        headcounts: dict[str, int],
        people: list[dict[str, str | None] | None],
        ledger: Ledger,
        listed: dict[str, ListedPerson],
        *,
        paper: list[dict[str, str | None]],
    ) -> dict[str, ExpectedGroup]:
        """Work out one dimension's rows as the small-group rule shows them.

        Groups under the minimum size are counted in "Other groups", and so are people not
        in the directory when they are fewer than that. While the staff-list groups in "Other
        groups" would still hold fewer people than the minimum, the smallest named group
        joins it too.
        """
        minimum = self.min_group_size
        participants: Counter[str] = Counter(
            NOT_IN_DIRECTORY if groups is None else _name(groups[dimension]) for groups in people
        )
        anonymous: Counter[str] = Counter()
        for author in ledger.anonymous_authors:
            person = listed.get(author)
            if person is None:
                anonymous[NOT_IN_DIRECTORY] += 1
                continue
            # An anonymous idea is counted by group when it is posted, by the headcount then.
            name = _name(person.group(dimension))
            anonymous[name if headcounts.get(name, 0) >= minimum else OTHER_GROUPS] += 1

        # People counted under a group with no headcount count as outside the list.
        for name in [name for name in participants if name != NOT_IN_DIRECTORY]:
            if headcounts.get(name, 0) == 0:
                participants[NOT_IN_DIRECTORY] += participants.pop(name)
        names = set(headcounts) | (set(participants) - {NOT_IN_DIRECTORY})
        named = {name for name in names if headcounts.get(name, 0) >= minimum}
        unlisted = ExpectedGroup(0, participants[NOT_IN_DIRECTORY], anonymous[NOT_IN_DIRECTORY])
        unlisted_shown = unlisted.participants >= minimum

        def pooled() -> int:
            # Only staff-list groups can be singled out, so only their people count here.
            return sum(headcounts.get(name, 0) for name in names - named)

        while named and 0 < pooled() < minimum:
            named.remove(min(named, key=lambda name: (headcounts.get(name, 0), name)))

        on_paper: Counter[str] = Counter(_name(groups.get(dimension)) for groups in paper)
        rows: dict[str, ExpectedGroup] = {}
        other = ExpectedGroup(
            0, sum(count for name, count in on_paper.items() if name not in named), 0
        )
        other = _add(other, ExpectedGroup(0, 0, anonymous[OTHER_GROUPS]))
        for name in names:
            group = ExpectedGroup(
                headcounts.get(name, 0),
                participants[name] + (on_paper[name] if name in named else 0),
                anonymous[name],
            )
            if name in named:
                rows[name] = group
            else:
                other = _add(other, group)
        if unlisted_shown:
            rows[NOT_IN_DIRECTORY] = unlisted
        else:
            other = _add(other, unlisted)
        if other != ExpectedGroup(0, 0, 0):
            rows[OTHER_GROUPS] = other
        return rows


def _groups_of(person: ListedPerson | None) -> dict[str, str | None] | None:
    if person is None:
        return None
    return {dimension: person.group(dimension) for dimension in DIMENSIONS}


def _name(group: str | None) -> str:
    return group if group is not None else NOT_RECORDED


def _add(first: ExpectedGroup, second: ExpectedGroup) -> ExpectedGroup:
    return ExpectedGroup(
        first.headcount + second.headcount,
        first.participants + second.participants,
        first.anonymous_ideas + second.anonymous_ideas,
    )


def _print_directorates(report: ParticipationReport) -> None:
    breakdown = next(item for item in report.dimensions if item.dimension == "directorate")
    print(
        f"Participation by directorate (groups under {report.min_group_size} people are "
        f"counted in {OTHER_GROUPS!r}):"
    )
    print(
        f"  {'Directorate':<{TABLE_NAME_WIDTH}}{'Headcount':>10}{'Took part':>11}{'Rate':>8}"
        f"{'Not on list':>13}{'Paper':>7}"
    )
    for group in breakdown.groups:
        headcount = str(group.headcount) if group.headcount else "-"
        rate = f"{group.rate:.0%}" if group.rate is not None else "-"
        # The rate counts the people on the list; the two last columns are outside it.
        listed = group.participants - group.not_in_directory - group.offline
        print(
            f"  {group.name:<{TABLE_NAME_WIDTH}}{headcount:>10}{listed:>11}{rate:>8}"
            f"{group.not_in_directory:>13}{group.offline:>7}"
        )
