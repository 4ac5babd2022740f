"""The participation report: who took part in a campaign, a board or a date range, by group.

The work is a fixed number of queries whatever the size: the database counts
snapshots by group and activity by 15-minute bucket, and only those counts
reach Python.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.core.campaign_activity import BUCKET_SECONDS, CampaignActivity
from bot.core.campaigns import list_campaigns
from bot.core.errors import InvalidInput, NotFound
from bot.core.participation import DEFAULT_MIN_GROUP_SIZE
from bot.core.participation_records import (
    DIMENSION_LABELS,
    DIMENSIONS,
    NOT_IN_DIRECTORY,
    NOT_RECORDED,
    OTHER_GROUPS,
    DailyParticipation,
    DimensionBreakdown,
    GroupParticipation,
    ParticipationReport,
)
from bot.core.records import CampaignRecord
from storage import boards as board_store
from storage import campaigns as campaign_store
from storage import participation as participation_store
from storage.database import Database
from storage.models import Board, Campaign
from storage.participation import ReportScope

logger = logging.getLogger(__name__)

# The maximum number of days in a date range report, to keep the daily trend readable.
MAX_RANGE_DAYS = 366


def participation_report(
    db: Database,
    *,
    campaign_id: int | None = None,
    board_id: int | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    timezone: ZoneInfo,
    now: datetime,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    activity: CampaignActivity | None = None,
) -> ParticipationReport:
    """Build the participation report of a campaign, a board, or local dates starts_on to ends_on.

    Give exactly one of campaign_id, board_id or the pair of dates (both
    included, local to timezone). For a range, each person counts once, with
    the groups of their earliest snapshot in the range. A closed campaign's
    headcounts are stored by its first report and read by later ones.
    A campaign's activity already read for its closing report can be given
    as activity, and is then not read again.
    Raises NotFound for an unknown campaign or board, and InvalidInput for
    any other combination of arguments or a range that ends before it starts.
    Raises ValueError when activity is not that of campaign_id.
    """
    chosen = sum(value is not None for value in (campaign_id, board_id, starts_on or ends_on))
    if chosen != 1 or (starts_on is None) != (ends_on is None):
        raise InvalidInput(
            "Choose one campaign, one board, or a start and an end date for the report."
        )
    if activity is not None and activity.campaign_id != campaign_id:
        raise ValueError(
            f"The activity given is that of campaign {activity.campaign_id}, "
            f"not of the report's campaign {campaign_id}."
        )
    with db.transaction() as session:
        if campaign_id is not None:
            campaign = campaign_store.get_campaign(session, campaign_id)
            if campaign is None:
                raise NotFound(f"There is no campaign {campaign_id}.")
            report = _campaign_report(session, campaign, timezone, now, min_group_size, activity)
        elif board_id is not None:
            board = board_store.get_board(session, board_id)
            if board is None:
                raise NotFound(f"There is no Your Shout board {board_id}.")
            report = _board_report(session, board, timezone, now, min_group_size)
        else:
            assert starts_on is not None and ends_on is not None
            report = _range_report(session, starts_on, ends_on, timezone, min_group_size)
    logger.info(
        "Built the participation report of %s %s: %s participants, headcount %s",
        report.scope_kind,
        report.scope_id,
        report.participants,
        report.headcount,
    )
    return report


def campaign_to_report(db: Database) -> CampaignRecord | None:
    """Return the open campaign that started last, else the closed one that ended last, or None."""
    open_campaigns = list_campaigns(db, statuses=("open",))
    if open_campaigns:
        return max(open_campaigns, key=lambda campaign: (campaign.starts_at, campaign.id))
    closed = list_campaigns(db, statuses=("closed",))
    if closed:
        return max(closed, key=lambda campaign: (campaign.ends_at, campaign.id))
    return None


def _local_date(moment: datetime, timezone: ZoneInfo) -> date:
    return moment.astimezone(timezone).date()


def _local_midnight(day: date, timezone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone).astimezone(UTC)


def _campaign_report(
    session: Session,
    campaign: Campaign,
    timezone: ZoneInfo,
    now: datetime,
    min_group_size: int,
    activity: CampaignActivity | None,
) -> ParticipationReport:
    ends_at = campaign.closed_at or min(campaign.ends_at, now)
    scope_key = participation_store.campaign_scope(campaign.id)
    if campaign.status == "closed":
        headcounts, taken_at = _frozen_headcounts(session, scope_key, now=now)
    else:
        headcounts, taken_at = _live_headcounts(session), None
    starts_on = _local_date(campaign.opened_at or campaign.starts_at, timezone)
    return _build(
        session,
        ReportScope(campaign_id=campaign.id),
        title=f"Campaign {campaign.id}, {campaign.title}",
        scope_kind="campaign",
        scope_id=campaign.id,
        anonymous_scope=scope_key,
        starts_on=starts_on,
        ends_on=max(starts_on, _local_date(ends_at, timezone)),
        headcounts=headcounts,
        taken_at=taken_at,
        timezone=timezone,
        min_group_size=min_group_size,
        activity=activity,
    )


def _board_report(
    session: Session, board: Board, timezone: ZoneInfo, now: datetime, min_group_size: int
) -> ParticipationReport:
    channel = f" (#{board.channel_name})" if board.channel_name else ""
    starts_on = _local_date(board.created_at, timezone)
    ends_on = _local_date(board.closed_at or now, timezone)
    return _build(
        session,
        ReportScope(board_id=board.id),
        title=f"Your Shout board {board.id}{channel}",
        scope_kind="board",
        scope_id=board.id,
        anonymous_scope=participation_store.board_scope(board.id),
        starts_on=starts_on,
        ends_on=max(starts_on, ends_on),
        # A board can reopen, so its headcount is always the current one.
        headcounts=_live_headcounts(session),
        taken_at=None,
        timezone=timezone,
        min_group_size=min_group_size,
    )


def _range_report(
    session: Session, starts_on: date, ends_on: date, timezone: ZoneInfo, min_group_size: int
) -> ParticipationReport:
    if ends_on < starts_on:
        raise InvalidInput(
            f"The range ends on {ends_on.isoformat()}, before it starts on "
            f"{starts_on.isoformat()}: give the earlier date first."
        )
    if (ends_on - starts_on).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput(
            f"The range covers {(ends_on - starts_on).days + 1} days; the maximum is "
            f"{MAX_RANGE_DAYS}. Report on a shorter range."
        )
    scope = ReportScope(
        starts_at=_local_midnight(starts_on, timezone),
        ends_at=_local_midnight(ends_on + timedelta(days=1), timezone),
    )
    return _build(
        session,
        scope,
        title=range_title(starts_on, ends_on),
        scope_kind="range",
        scope_id=None,
        # NOTE: anonymous counts are kept per campaign or board with no time,
        # so a range report cannot attribute anonymous ideas to groups.
        anonymous_scope=None,
        starts_on=starts_on,
        ends_on=ends_on,
        headcounts=_live_headcounts(session),
        taken_at=None,
        timezone=timezone,
        min_group_size=min_group_size,
    )


def range_title(starts_on: date, ends_on: date) -> str:
    """Return a date range as a title, such as "1–31 January 2027"."""
    if starts_on == ends_on:
        return f"{ends_on.day} {ends_on:%B %Y}"
    if (starts_on.year, starts_on.month) == (ends_on.year, ends_on.month):
        return f"{starts_on.day}–{ends_on.day} {ends_on:%B %Y}"
    if starts_on.year == ends_on.year:
        return f"{starts_on.day} {starts_on:%B} – {ends_on.day} {ends_on:%B %Y}"
    return f"{starts_on.day} {starts_on:%B %Y} – {ends_on.day} {ends_on:%B %Y}"


# Headcounts by (dimension, group name); ("all", "all") is the whole headcount.
Headcounts = dict[tuple[str, str], int]


def _live_headcounts(session: Session) -> Headcounts:
    return {
        (dimension, name if name is not None else NOT_RECORDED): count
        for dimension, name, count in participation_store.live_headcounts(session)
    }


def _frozen_headcounts(
    session: Session, scope_key: str, *, now: datetime
) -> tuple[Headcounts, datetime | None]:
    """Return a closed campaign's stored headcounts, storing the current ones the first time.

    Without a staff list nothing is stored, so a list loaded later still
    gives the campaign a headcount.
    """
    rows = participation_store.list_frozen_headcounts(session, scope=scope_key)
    if not rows:
        live = _live_headcounts(session)
        if live.get((participation_store.ALL, participation_store.ALL), 0) == 0:
            return live, None
        participation_store.freeze_headcounts(
            session,
            scope=scope_key,
            headcounts=[(dimension, name, count) for (dimension, name), count in live.items()],
            now=now,
        )
        rows = participation_store.list_frozen_headcounts(session, scope=scope_key)
    headcounts = {(row.dimension, row.group_name): row.headcount for row in rows}
    return headcounts, min(row.taken_at for row in rows)


def _build(
    session: Session,
    scope: ReportScope,
    *,
    title: str,
    scope_kind: str,
    scope_id: int | None,
    anonymous_scope: str | None,
    starts_on: date,
    ends_on: date,
    headcounts: Headcounts,
    taken_at: datetime | None,
    timezone: ZoneInfo,
    min_group_size: int,
    activity: CampaignActivity | None = None,
) -> ParticipationReport:
    totals = participation_store.participant_totals(session, scope)
    by_group = participation_store.participants_by_group(session, scope)
    anonymous_rows = (
        participation_store.list_anonymous_contributions(session, scope=anonymous_scope)
        if anonymous_scope is not None
        else []
    )
    anonymous_ideas, offline_ideas = participation_store.idea_counts(session, scope)
    activity_rows = (
        activity.rows
        if activity is not None
        else participation_store.activity_by_bucket(session, scope, bucket_seconds=BUCKET_SECONDS)
    )

    total_headcount = headcounts.get((participation_store.ALL, participation_store.ALL), 0)
    headcount = total_headcount or None
    in_directory = totals["in_directory"]
    return ParticipationReport(
        title=title,
        scope_kind=scope_kind,
        scope_id=scope_id,
        starts_on=starts_on,
        ends_on=ends_on,
        min_group_size=min_group_size,
        headcount=headcount,
        headcount_taken_at=taken_at,
        participants=totals["participants"],
        participants_in_directory=in_directory,
        rate=in_directory / headcount if headcount else None,
        posted=totals["posted"],
        commented=totals["commented"],
        only_voted=totals["participants"] - totals["posted_or_commented"],
        anonymous_ideas=anonymous_ideas,
        offline_ideas=offline_ideas,
        dimensions=tuple(
            dimension_breakdown(
                dimension,
                headcounts={
                    name: count for (kind, name), count in headcounts.items() if kind == dimension
                },
                participants={
                    (name if name is not None else NOT_RECORDED): count
                    for kind, who, name, count in by_group
                    if kind == dimension and who == participation_store.LISTED
                },
                not_in_directory=sum(
                    count
                    for kind, who, _, count in by_group
                    if kind == dimension and who == participation_store.UNLISTED
                ),
                offline={
                    (name if name is not None else NOT_RECORDED): count
                    for kind, who, name, count in by_group
                    if kind == dimension and who == participation_store.OFFLINE
                },
                anonymous={
                    name: count for kind, name, count in anonymous_rows if kind == dimension
                },
                min_group_size=min_group_size,
            )
            for dimension in DIMENSIONS
        ),
        daily=_daily(activity_rows, starts_on=starts_on, ends_on=ends_on, timezone=timezone),
    )


def dimension_breakdown(
    dimension: str,
    *,
    headcounts: Mapping[str, int],
    participants: Mapping[str, int],
    not_in_directory: int,
    anonymous: Mapping[str, int],
    min_group_size: int,
    offline: Mapping[str, int] | None = None,
) -> DimensionBreakdown:
    """Combine one dimension's counts by group, folding small groups into "Other groups".

    A group of the staff list is named only with a headcount of at least
    min_group_size, and "Not in directory" only with that many participants.
    When the staff-list groups folded together would still make "Other
    groups" fewer than min_group_size people, the smallest named groups join
    it too. So its figures never stand for one small group on its own. People
    outside the staff list do not count towards that size, because a small
    group's figures cannot single them out. Participants counted
    under a group with no headcount (a value the current list does not have,
    such as a blank one given with a paper idea) count as people not in the
    directory, so no rate compares them with a headcount they are not part
    of. Groups are listed by name, then "Not in directory" and "Other
    groups". The rate of "Other groups" counts only its people on the staff
    list. Contributors of ideas from paper or email (offline) count in their
    group's participants but not in its rate, since they cannot be matched to
    anyone on the list; those of a group with no headcount count in "Other
    groups".
    """
    offline = dict(offline or {})
    unmatched = sum(count for name, count in participants.items() if headcounts.get(name, 0) == 0)
    participants = {
        name: count for name, count in participants.items() if headcounts.get(name, 0) > 0
    }
    not_in_directory += unmatched
    names = sorted(set(headcounts) | set(participants))
    named = [name for name in names if headcounts.get(name, 0) >= min_group_size]
    folded = [name for name in names if headcounts.get(name, 0) < min_group_size]
    unlisted_shown = not_in_directory >= min_group_size
    unlisted_folded = 0 if unlisted_shown else not_in_directory

    def pool_size() -> int:
        return sum(headcounts.get(name, 0) for name in folded)

    # Anonymous ideas recorded under a group the list no longer has join "Other groups".
    known = set(names) | {OTHER_GROUPS, NOT_IN_DIRECTORY}
    stray_anonymous = sum(count for name, count in anonymous.items() if name not in known)
    while named and 0 < pool_size() < min_group_size:
        smallest = min(named, key=lambda name: (headcounts.get(name, 0), name))
        named.remove(smallest)
        folded.append(smallest)

    shown = [
        GroupParticipation(
            name=name,
            headcount=headcounts[name],
            participants=participants.get(name, 0) + offline.get(name, 0),
            rate=participants.get(name, 0) / headcounts[name],
            anonymous_ideas=anonymous.get(name, 0),
            offline=offline.get(name, 0),
        )
        for name in named
    ]
    if unlisted_shown:
        shown.append(
            GroupParticipation(
                name=NOT_IN_DIRECTORY,
                headcount=0,
                participants=not_in_directory,
                rate=None,
                anonymous_ideas=anonymous.get(NOT_IN_DIRECTORY, 0),
                not_in_directory=not_in_directory,
            )
        )
    other_headcount = sum(headcounts.get(name, 0) for name in folded)
    other_listed = sum(participants.get(name, 0) for name in folded)
    other_offline = sum(count for name, count in offline.items() if name not in named)
    other_participants = other_listed + unlisted_folded + other_offline
    other_anonymous = (
        anonymous.get(OTHER_GROUPS, 0)
        + sum(anonymous.get(name, 0) for name in folded)
        + (0 if unlisted_shown else anonymous.get(NOT_IN_DIRECTORY, 0))
        + stray_anonymous
    )
    if other_headcount or other_participants or other_anonymous:
        shown.append(
            GroupParticipation(
                name=OTHER_GROUPS,
                headcount=other_headcount,
                participants=other_participants,
                rate=other_listed / other_headcount if other_headcount else None,
                anonymous_ideas=other_anonymous,
                not_in_directory=unlisted_folded,
                offline=other_offline,
            )
        )
    return DimensionBreakdown(
        dimension=dimension, label=DIMENSION_LABELS[dimension], groups=tuple(shown)
    )


def _daily(
    activity: Iterable[tuple[int, int, int]],
    *,
    starts_on: date,
    ends_on: date,
    timezone: ZoneInfo,
) -> tuple[DailyParticipation, ...]:
    """Add bucket counts up by local day, with a row for every day from starts_on to ends_on."""
    per_day: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for kind, bucket, count in activity:
        moment = datetime.fromtimestamp(bucket * BUCKET_SECONDS, UTC)
        per_day[_local_date(moment, timezone)][kind] += count
    days = {starts_on + timedelta(days=offset) for offset in range((ends_on - starts_on).days + 1)}
    days |= set(per_day)
    return tuple(
        DailyParticipation(
            day=day,
            new_participants=per_day[day][participation_store.NEW_PARTICIPANT],
            ideas=per_day[day][participation_store.IDEA],
            comments=per_day[day][participation_store.COMMENT],
            votes=per_day[day][participation_store.VOTE],
        )
        for day in sorted(days)
    )
