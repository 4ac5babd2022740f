"""The staff directory: importing the staff list, and its headcounts by group.

An import runs in one database transaction. It streams the CSV in batches:
each batch costs one SELECT of the rows it names and one executemany each for
the inserts and the updates. People the file no longer lists get left_at.
Any error rolls the whole import back, and so do a dry run and a refusal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bot.core.errors import InvalidInput
from bot.core.participation_records import (
    DIMENSION_LABELS,
    DIMENSIONS,
    NOT_RECORDED,
    OTHER_GROUPS,
)
from bot.core.staff_csv import RejectedRow, StaffCsv, StaffRow, open_staff_csv
from storage import staff as store
from storage.database import Database
from storage.models import StaffMember

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 2000
# How many rejected rows an ImportResult keeps for display; the count covers them all.
SHOWN_REJECTED = 50
# Progress is reported every this many rows read.
PROGRESS_EVERY = 10_000


@dataclass
class ImportResult:
    """The changes an import made, or would make on a dry run or a refused import."""

    file_name: str
    encoding: str
    ignored_columns: list[str]
    rows_read: int = 0
    added: int = 0
    updated: int = 0
    # Of the updated, people the file lists again after an earlier import marked them left.
    returned: int = 0
    left: int = 0
    unchanged: int = 0
    rejected: int = 0
    # The first SHOWN_REJECTED rejected rows, in file order.
    rejected_rows: list[RejectedRow] = field(default_factory=list)
    # Current staff before the import.
    headcount_before: int = 0
    dry_run: bool = False
    import_id: int | None = None

    @property
    def accepted(self) -> int:
        """Return how many rows passed the checks."""
        return self.added + self.updated + self.unchanged


class ImportRefused(InvalidInput):
    """An import that would empty or mostly empty the directory, rolled back unless allowed."""

    def __init__(self, user_message: str, *, result: ImportResult) -> None:
        super().__init__(user_message)
        self.result = result


class _RollBack(Exception):
    """Raised inside the import's transaction to undo it after counting (a dry run)."""


def import_staff(
    db: Database,
    path: Path,
    *,
    now: datetime,
    column_options: dict[str, str] | None = None,
    dry_run: bool = False,
    allow_mass_leave: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_progress: Callable[[int], None] | None = None,
    on_rejected: Callable[[RejectedRow], None] | None = None,
) -> ImportResult:
    """Load a staff list CSV into the directory, all or nothing.

    Rows are matched to the directory by email: new people are added, changed
    ones updated, people no longer listed marked as left, and people listed
    again after leaving brought back. A Slack ID or Teams ID column sets match_state
    "column"; a changed or removed ID resets the match.

    Raises InvalidInput for an unreadable file or header (nothing is read into
    the database), and ImportRefused, after rolling back, when no row is
    accepted or more than half of the current staff would be marked as left,
    unless allow_mass_leave is set.
    """
    source = open_staff_csv(path, column_options=column_options)
    result = ImportResult(
        file_name=path.name,
        encoding=source.encoding,
        ignored_columns=source.ignored_columns,
        dry_run=dry_run,
    )
    try:
        with db.transaction() as session:
            result.headcount_before = store.count_current(session)
            seen: set[str] = set()
            rows = _rows(source, result, seen, on_progress, on_rejected)
            for batch in _batches(rows, batch_size):
                _apply_batch(session, batch, source=source, result=result, now=now)
            leavers = [
                staff_id
                for staff_id, email in store.current_staff_emails(session)
                if email not in seen
            ]
            result.left = len(leavers)
            store.mark_left(session, leavers, now=now)
            _refuse_unless_allowed(result, allow_mass_leave=allow_mass_leave)
            if dry_run:
                raise _RollBack
            result.import_id = store.add_import(
                session,
                file_name=path.name,
                imported_at=now,
                added=result.added,
                updated=result.updated,
                left=result.left,
                rejected=result.rejected,
            )
    except _RollBack:
        logger.info("Staff import dry run of %d rows rolled back", result.rows_read)
        return result
    logger.info(
        "Staff import %s: %d added, %d updated, %d left, %d unchanged, %d rejected",
        result.import_id,
        result.added,
        result.updated,
        result.left,
        result.unchanged,
        result.rejected,
    )
    return result


def _rows(
    source: StaffCsv,
    result: ImportResult,
    seen: set[str],
    on_progress: Callable[[int], None] | None,
    on_rejected: Callable[[RejectedRow], None] | None,
) -> Iterator[StaffRow]:
    """Yield the accepted rows, counting every row read and passing on the rejected ones.

    Every email read goes into seen. A person whose row is rejected, for a bad
    band for example, is therefore not marked as left, and keeps their stored row as it was.
    """
    for row in source.rows():
        result.rows_read += 1
        seen.add(row.email)
        if on_progress is not None and result.rows_read % PROGRESS_EVERY == 0:
            on_progress(result.rows_read)
        if isinstance(row, RejectedRow):
            result.rejected += 1
            if len(result.rejected_rows) < SHOWN_REJECTED:
                result.rejected_rows.append(row)
            if on_rejected is not None:
                on_rejected(row)
            continue
        yield row


def _batches(rows: Iterator[StaffRow], size: int) -> Iterator[list[StaffRow]]:
    while batch := list(islice(rows, size)):
        yield batch


def _apply_batch(
    session: Session,
    batch: list[StaffRow],
    *,
    source: StaffCsv,
    result: ImportResult,
    now: datetime,
) -> None:
    existing = store.staff_by_emails(session, [row.email for row in batch])
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for row in batch:
        current = existing.get(row.email)
        if current is None:
            inserts.append(_new_values(row, now=now))
            continue
        changes = _changed_values(current, row, source=source, now=now)
        if changes is None:
            result.unchanged += 1
            continue
        if current.left_at is not None:
            result.returned += 1
        updates.append(changes)
    store.add_staff(session, inserts)
    store.update_staff(session, updates)
    result.added += len(inserts)
    result.updated += len(updates)


def _new_values(row: StaffRow, *, now: datetime) -> dict[str, Any]:
    return {
        "email": row.email,
        "name": row.name,
        "directorate": row.directorate,
        "band": row.band,
        "staff_group": row.staff_group,
        "locality": row.locality,
        "platform": row.account[0] if row.account else None,
        "user_id": row.account[1] if row.account else None,
        "match_state": "column" if row.account else "pending",
        "matched_at": now if row.account else None,
        "created_at": now,
        "updated_at": now,
        "left_at": None,
    }


def _changed_values(
    current: StaffMember, row: StaffRow, *, source: StaffCsv, now: datetime
) -> dict[str, Any] | None:
    """Return the full new values of a stored row, or None when the file changes nothing."""
    values: dict[str, Any] = {
        "id": current.id,
        "name": row.name if source.has_names else current.name,
        "directorate": row.directorate,
        "band": row.band,
        "staff_group": row.staff_group,
        "locality": row.locality,
        "platform": current.platform,
        "user_id": current.user_id,
        "match_state": current.match_state,
        "matched_at": current.matched_at,
        "left_at": None,
    }
    if source.has_account_ids:
        account = row.account
        if account and (
            current.match_state != "column" or (current.platform, current.user_id) != account
        ):
            values.update(
                platform=account[0],
                user_id=account[1],
                match_state="column",
                matched_at=now,
            )
        elif not account and current.match_state == "column":
            # The file no longer gives an ID, so the email lookup decides again.
            values.update(platform=None, user_id=None, match_state="pending", matched_at=None)
    if all(getattr(current, key) == value for key, value in values.items()):
        return None
    values["updated_at"] = now
    return values


def _refuse_unless_allowed(result: ImportResult, *, allow_mass_leave: bool) -> None:
    if allow_mass_leave:
        return
    if result.accepted == 0:
        raise ImportRefused(
            f"{result.file_name} has no valid row ({result.rejected} rejected), so importing it "
            f"would mark all {result.headcount_before} current staff as left. Nothing changed. "
            "Check that this is the right file and its columns; if it is, "
            "run again with --allow-mass-leave.",
            result=result,
        )
    if result.left * 2 > result.headcount_before:
        raise ImportRefused(
            f"{result.file_name} would mark {result.left} of the {result.headcount_before} "
            "current staff as left, more than half. Nothing changed. Check that this is the "
            "whole staff list; if it is, run again with --allow-mass-leave.",
            result=result,
        )


@dataclass(frozen=True)
class GroupHeadcount:
    """A group of one dimension and how many current staff it has."""

    name: str
    headcount: int


@dataclass(frozen=True)
class DirectorySummary:
    """Current headcount by each dimension, with small groups merged, and the match counts."""

    headcount: int
    min_group_size: int
    # Dimension name to (label, groups largest first, then "Not recorded" and "Other groups").
    dimensions: dict[str, tuple[str, list[GroupHeadcount]]]
    # match_state to count, over current staff.
    matches: dict[str, int]


def summarise_directory(db: Database, *, min_group_size: int) -> DirectorySummary:
    """Return current headcounts by group; groups under min_group_size count as OTHER_GROUPS."""
    with db.transaction() as session:
        headcount = store.count_current(session)
        matches = store.match_counts(session)
        dimensions = {
            dimension: (
                DIMENSION_LABELS[dimension],
                merge_small_groups(
                    [(group, count) for group, count, _ in store.headcounts(session, dimension)],
                    min_group_size=min_group_size,
                ),
            )
            for dimension in DIMENSIONS
        }
    return DirectorySummary(
        headcount=headcount, min_group_size=min_group_size, dimensions=dimensions, matches=matches
    )


def merge_small_groups(
    counts: list[tuple[str | None, int]], *, min_group_size: int
) -> list[GroupHeadcount]:
    """Name each group of at least min_group_size people; sum the rest as OTHER_GROUPS.

    A None group is named NOT_RECORDED and follows the same rule. As in the
    participation report, while OTHER_GROUPS would hold fewer than
    min_group_size people the smallest named group joins it, so it never
    stands for one small group.
    """
    groups = [(group or NOT_RECORDED, count) for group, count in counts]
    named = [(name, count) for name, count in groups if count >= min_group_size]
    other = sum(count for _, count in groups if count < min_group_size)
    while named and 0 < other < min_group_size:
        smallest = min(named, key=lambda item: (item[1], item[0]))
        named.remove(smallest)
        other += smallest[1]
    result = [GroupHeadcount(name=name, headcount=count) for name, count in named]
    result.sort(key=lambda item: (item.name == NOT_RECORDED, -item.headcount, item.name))
    if other:
        result.append(GroupHeadcount(name=OTHER_GROUPS, headcount=other))
    return result
