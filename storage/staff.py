"""Storage of the staff list: bulk loads, chat account matches and headcounts by group."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, insert, literal, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from storage.models import GroupReminder, ParticipantGroup, StaffImport, StaffMember

# Rows per statement when a list of ids or emails goes into an IN clause.
IN_CHUNK = 1000

# The staff columns that hold a person's group in each dimension.
GROUP_COLUMNS: dict[str, InstrumentedAttribute[str | None]] = {
    "directorate": StaffMember.directorate,
    "band": StaffMember.band,
    "staff_group": StaffMember.staff_group,
    "locality": StaffMember.locality,
}


def staff_by_emails(session: Session, emails: Sequence[str]) -> dict[str, StaffMember]:
    """Return the staff rows with these emails, keyed by email, in one query per 1,000."""
    rows: dict[str, StaffMember] = {}
    for start in range(0, len(emails), IN_CHUNK):
        chunk = emails[start : start + IN_CHUNK]
        for row in session.scalars(select(StaffMember).where(StaffMember.email.in_(chunk))):
            rows[row.email] = row
    return rows


def add_staff(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert staff rows in one executemany; every dict has the same keys."""
    if rows:
        session.execute(insert(StaffMember), rows)


def update_staff(session: Session, rows: list[dict[str, Any]]) -> None:
    """Update staff rows by primary key ("id" in each dict) in one executemany."""
    if rows:
        session.execute(update(StaffMember), rows)


def count_current(session: Session) -> int:
    """Return how many people are on the staff list now (left_at is null)."""
    count = session.scalar(
        select(func.count()).select_from(StaffMember).where(StaffMember.left_at.is_(None))
    )
    return int(count or 0)


def current_staff_emails(session: Session) -> Iterable[tuple[int, str]]:
    """Yield (id, email) of every current member of staff, streamed in batches."""
    result = session.execute(
        select(StaffMember.id, StaffMember.email)
        .where(StaffMember.left_at.is_(None))
        .execution_options(yield_per=5000)
    )
    for row in result:
        yield row.id, row.email


def mark_left(session: Session, staff_ids: Sequence[int], *, now: datetime) -> None:
    """Set left_at on these staff rows."""
    for start in range(0, len(staff_ids), IN_CHUNK):
        chunk = staff_ids[start : start + IN_CHUNK]
        session.execute(
            update(StaffMember)
            .where(StaffMember.id.in_(chunk))
            .values(left_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )


def add_import(
    session: Session,
    *,
    file_name: str,
    imported_at: datetime,
    added: int,
    updated: int,
    left: int,
    rejected: int,
) -> int:
    """Record one import of the staff list and return its id."""
    row = StaffImport(
        file_name=file_name[:500],
        imported_at=imported_at,
        added=added,
        updated=updated,
        left=left,
        rejected=rejected,
    )
    session.add(row)
    session.flush()
    return row.id


def list_pending_matches(session: Session, *, after_id: int, limit: int) -> list[tuple[int, str]]:
    """Return (id, email) of current staff waiting for an email lookup, by id after after_id."""
    rows = session.execute(
        select(StaffMember.id, StaffMember.email)
        .where(
            StaffMember.match_state == "pending",
            StaffMember.left_at.is_(None),
            StaffMember.id > after_id,
        )
        .order_by(StaffMember.id)
        .limit(limit)
    )
    return [(staff_id, email) for staff_id, email in rows]


def record_match(
    session: Session,
    staff_id: int,
    *,
    state: str,
    platform: str | None,
    user_id: str | None,
    now: datetime,
) -> bool:
    """Store a lookup's outcome on a row still pending; return False if it no longer was."""
    result = session.execute(
        update(StaffMember)
        .where(StaffMember.id == staff_id, StaffMember.match_state == "pending")
        .values(match_state=state, platform=platform, user_id=user_id, matched_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def match_counts(session: Session) -> dict[str, int]:
    """Return the number of current staff in each match_state."""
    rows = session.execute(
        select(StaffMember.match_state, func.count())
        .where(StaffMember.left_at.is_(None))
        .group_by(StaffMember.match_state)
    )
    return {state: int(count) for state, count in rows}


def _took_part(scope: str) -> ColumnElement[bool]:
    return exists().where(
        ParticipantGroup.scope == scope,
        ParticipantGroup.platform == StaffMember.platform,
        ParticipantGroup.user_id == StaffMember.user_id,
    )


def headcounts(
    session: Session, dimension: str, *, participation_scope: str | None = None
) -> list[tuple[str | None, int, int]]:
    """Return (group, headcount, participants) of current staff in each group of a dimension.

    participants counts the staff whose chat account has a ParticipantGroup row
    for participation_scope, and is 0 when no scope is given. The group is None
    for people with no value recorded.
    """
    column = GROUP_COLUMNS[dimension]
    took_part: Any = literal(0)
    if participation_scope is not None:
        took_part = func.count().filter(_took_part(participation_scope))
    rows = session.execute(
        select(column, func.count(), took_part)
        .where(StaffMember.left_at.is_(None))
        .group_by(column)
    )
    return [(group, int(count), int(participants or 0)) for group, count, participants in rows]


def _in_groups(dimension: str, groups: Sequence[str | None]) -> ColumnElement[bool]:
    """Return the condition "in one of these groups", where None means no value recorded."""
    column = GROUP_COLUMNS[dimension]
    named = [group for group in groups if group is not None]
    conditions: list[ColumnElement[bool]] = [column.in_(named)]
    if None in groups:
        conditions.append(column.is_(None))
    return or_(*conditions)


def _matched_on(platform: str) -> ColumnElement[bool]:
    return and_(
        StaffMember.platform == platform,
        StaffMember.user_id.is_not(None),
        StaffMember.match_state.in_(("matched", "column")),
    )


def reminder_recipients(
    session: Session,
    *,
    platform: str,
    dimension: str,
    groups: Sequence[str | None],
    participation_scope: str,
) -> list[str]:
    """Return the distinct user ids of current staff in these groups, matched to an account
    on platform, who have no ParticipantGroup row for participation_scope.
    """
    statement = (
        select(StaffMember.user_id)
        .distinct()
        .where(
            StaffMember.left_at.is_(None),
            _matched_on(platform),
            _in_groups(dimension, groups),
            ~_took_part(participation_scope),
        )
        .order_by(StaffMember.user_id)
    )
    return [user_id for user_id in session.scalars(statement) if user_id]


def reminder_reach(
    session: Session,
    *,
    platform: str,
    dimension: str,
    groups: Sequence[str | None],
    participation_scope: str,
) -> tuple[int, int, int]:
    """Return (current staff, of them matched on platform, of those not taken part) in groups."""
    matched = _matched_on(platform)
    row = session.execute(
        select(
            func.count(),
            func.count().filter(matched),
            func.count().filter(and_(matched, ~_took_part(participation_scope))),
        ).where(StaffMember.left_at.is_(None), _in_groups(dimension, groups))
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def add_group_reminder(
    session: Session,
    *,
    campaign_id: int,
    dimension: str,
    group_names: str,
    created_by: str,
    created_at: datetime,
    recipient_count: int,
) -> int:
    """Store a reminder to groups and return its id."""
    row = GroupReminder(
        campaign_id=campaign_id,
        dimension=dimension,
        group_names=group_names,
        created_by=created_by,
        created_at=created_at,
        recipient_count=recipient_count,
    )
    session.add(row)
    session.flush()
    return row.id
