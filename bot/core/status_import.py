"""Idea statuses set in bulk from a CSV file, such as the outcome of a leadership meeting.

The file has a header naming the columns id, status and reply, and optionally
owner. Every line is checked before anything is stored, and one rejected line
stores nothing, so the file can be fixed and run again. The accepted lines are
applied in one transaction through the same code as an answer given in chat,
and each idea's author and voters are notified once through the outbox.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.core import audit, statuses
from bot.core.csv_lines import LineRejected, RejectedLine, read_csv_lines
from bot.core.errors import InvalidInput, StaffvoiceError
from bot.core.idea_import import read_csv_text
from storage import boards as board_store
from storage import statuses as status_store
from storage.database import Database
from storage.models import Idea

if TYPE_CHECKING:
    from bot.core.ports import StatusNotifier

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("id", "status", "reply")
OPTIONAL_COLUMNS = ("owner",)
# The audit action of a bulk change.
AUDIT_ACTION = "idea_status_bulk"
# Ideas locked and read per query, well under SQLite's limit on bound parameters.
LOCK_BATCH = 500
# Lines checked or applied between two progress reports.
PROGRESS_EVERY = 200

# Called with (stage, lines done, lines in all), where stage is "checked" or "applied". Both
# stages count the file's data lines, so the last "checked" report equals the result's lines.
ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class StatusLine:
    """One line of the file, cleaned: the idea and the answer it gets."""

    line: int
    idea_id: int
    status: str
    reply: str | None
    # None when the file has no owner column, so the idea keeps its owner.
    owner: str | None
    has_owner: bool


@dataclass(frozen=True)
class StatusImportResult:
    """The outcome of a bulk status change: the lines checked, and what changed."""

    encoding: str
    lines: int
    rejected: tuple[RejectedLine, ...]
    dry_run: bool
    # Ideas whose status, reply or owner differs from the file, or would on a dry run.
    changed: int = 0
    unchanged: int = 0
    # Changed ideas by their new status name.
    by_status: dict[str, int] = field(default_factory=dict)
    # Direct messages enqueued in the outbox; none on a dry run.
    notified: int = 0
    # Changed ideas with a posted message, which the running bot redraws.
    redrawn: int = 0
    # Header names that are not a known column; their values are not read.
    ignored_columns: tuple[str, ...] = ()

    @property
    def stored(self) -> bool:
        """Return whether the changes were stored."""
        return not self.dry_run and not self.rejected


def _header_key(name: str) -> str:
    return name.strip().lstrip("\ufeff").casefold()


def _map_header(header: Sequence[str]) -> tuple[dict[str, int], tuple[str, ...]]:
    """Return the position of each known column, and the other names in the header."""
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for position, name in enumerate(header):
        key = _header_key(name)
        if key not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
            if key:
                ignored.append(name.strip())
            continue
        if key in positions:
            raise InvalidInput(f"The header names the {key} column twice. Remove one of them.")
        positions[key] = position
    missing = [column for column in REQUIRED_COLUMNS if column not in positions]
    if missing:
        found = ", ".join(f"'{name.strip()}'" for name in header if name.strip()) or "none"
        raise InvalidInput(
            f"The header has no {' or '.join(missing)} column. The first line must name the "
            f"columns id, status and reply, and optionally owner. Columns found: {found}."
        )
    return positions, tuple(ignored)


def _parse_line(line: int, values: dict[str, str], *, has_owner: bool) -> StatusLine:
    """Return the cleaned line, raising LineRejected when a value is invalid."""
    id_text = values["id"].strip()
    if not id_text.isdigit():
        raise LineRejected(
            f"The id '{id_text}' is not an idea id. Write the number `staffvoice ideas` lists."
            if id_text
            else "The id is missing. Write the idea's number, as `staffvoice ideas` lists it."
        )
    status_text = values["status"].strip()
    status = statuses.parse_status(status_text)
    if status is None:
        raise LineRejected(
            f"The status '{status_text}' is not a status. Use one of: {statuses.valid_statuses()}."
            if status_text
            else f"The status is missing. Use one of: {statuses.valid_statuses()}."
        )
    try:
        reply = statuses.validate_reply(values["reply"])
        owner = statuses.validate_owner(values.get("owner")) if has_owner else None
    except InvalidInput as error:
        raise LineRejected(error.user_message) from None
    return StatusLine(
        line=line,
        idea_id=int(id_text),
        status=status,
        reply=reply,
        owner=owner,
        has_owner=has_owner,
    )


def read_status_lines(
    text: str,
) -> tuple[list[StatusLine], list[RejectedLine], tuple[str, ...]]:
    """Read the lines of a status file: (accepted lines, rejected lines, ignored columns).

    Raises InvalidInput for a file that is not CSV, has no header, lacks a
    required column or has no lines after the header.
    """
    lines = read_csv_lines(
        text,
        map_header=_map_header,
        parse=lambda line, values: _parse_line(line, values, has_owner="owner" in values),
        empty_message="The file is empty: it needs a header line and one line per idea.",
        no_lines_message="The file has a header but no ideas: add one line per idea.",
    )
    return lines.accepted, lines.rejected, lines.ignored_columns


def _lock_ideas(session: Session, idea_ids: list[int]) -> dict[int, Idea]:
    ideas: dict[int, Idea] = {}
    for start in range(0, len(idea_ids), LOCK_BATCH):
        ideas.update(status_store.lock_ideas(session, idea_ids[start : start + LOCK_BATCH]))
    return ideas


def _check_against_ideas(
    lines: list[StatusLine],
    ideas: dict[int, Idea],
    *,
    on_progress: ProgressCallback | None,
    checked_before: int,
    line_count: int,
) -> list[RejectedLine]:
    """Return the lines that name an unknown, repeated, hidden or withdrawn idea.

    The progress counts every data line of the file: checked_before lines were
    rejected on reading, and line_count is the total, as the result reports it.
    """
    rejected: list[RejectedLine] = []
    first_line: dict[int, int] = {}
    for checked, entry in enumerate(lines, start=checked_before + 1):
        idea = ideas.get(entry.idea_id)
        earlier = first_line.setdefault(entry.idea_id, entry.line)
        if idea is None:
            rejected.append(
                RejectedLine(entry.line, f"There is no idea {entry.idea_id}. Check the id.")
            )
        elif earlier != entry.line:
            rejected.append(
                RejectedLine(
                    entry.line,
                    f"Idea {entry.idea_id} is also on line {earlier}. Keep one line per idea.",
                )
            )
        else:
            try:
                statuses.check_answerable(idea)
            except InvalidInput as error:
                rejected.append(RejectedLine(entry.line, error.user_message))
        if on_progress is not None and checked % PROGRESS_EVERY == 0 and checked < line_count:
            on_progress("checked", checked, line_count)
    if on_progress is not None:
        on_progress("checked", line_count, line_count)
    return rejected


def _answer(entry: StatusLine, idea: Idea) -> tuple[str, str | None, str | None]:
    """Return the (status, reply, owner) the line gives the idea; no owner column keeps it."""
    owner = entry.owner if entry.has_owner else idea.status_owner
    return entry.status, entry.reply, owner


def _changes(entry: StatusLine, idea: Idea) -> bool:
    """Return whether the line gives the idea another status, reply or owner."""
    return _answer(entry, idea) != (idea.status, idea.status_reply, idea.status_owner)


def set_statuses_from_file(
    db: Database,
    path: Path,
    *,
    now: datetime,
    notifier: StatusNotifier,
    dry_run: bool = False,
    on_progress: ProgressCallback | None = None,
) -> StatusImportResult:
    """Check a CSV file of statuses and, when every line is accepted, apply them all at once.

    Every change is recorded with changed_by CLI_CHANGED_BY and notifies as a
    change made in chat does, without a link to the idea's message because
    linking needs the chat platform. Changed ideas with a posted message are
    marked for the running bot to redraw, and one audit entry records the run.
    Raises InvalidInput for a file that cannot be read as a status file.
    Rejected lines are returned in the result, not raised, and store nothing.
    """
    text, encoding = read_csv_text(path)
    lines, rejected, ignored = read_status_lines(text)
    line_count = len(lines) + len(rejected)
    with db.transaction() as session:
        ideas = _lock_ideas(session, sorted({entry.idea_id for entry in lines}))
        rejected.extend(
            _check_against_ideas(
                lines,
                ideas,
                on_progress=on_progress,
                checked_before=len(rejected),
                line_count=line_count,
            )
        )
        rejected.sort(key=lambda rejection: rejection.line)
        if rejected:
            logger.info(
                "Checked %s status lines: %s rejected, nothing stored", line_count, len(rejected)
            )
            return StatusImportResult(
                encoding=encoding,
                lines=line_count,
                rejected=tuple(rejected),
                dry_run=dry_run,
                ignored_columns=ignored,
            )
        if dry_run:
            differing = [entry for entry in lines if _changes(entry, ideas[entry.idea_id])]
            return StatusImportResult(
                encoding=encoding,
                lines=line_count,
                rejected=(),
                dry_run=True,
                changed=len(differing),
                unchanged=len(lines) - len(differing),
                by_status=dict(Counter(entry.status for entry in differing)),
                ignored_columns=ignored,
            )
        result = _apply(session, lines, ideas, now=now, notifier=notifier, on_progress=on_progress)
        audit.record(
            session,
            actor=audit.CLI,
            action=AUDIT_ACTION,
            subject=f"file:{path.name}"[: audit.MAX_SUBJECT_LENGTH],
            detail={
                "changed": result.changed,
                "unchanged": result.unchanged,
                "notified": result.notified,
                "ideas": result.changed_ids,
            },
            now=now,
        )
    logger.info(
        "Applied %s status lines: %s changed, %s unchanged, %s notifications",
        line_count,
        result.changed,
        result.unchanged,
        result.notified,
    )
    return StatusImportResult(
        encoding=encoding,
        lines=line_count,
        rejected=(),
        dry_run=False,
        changed=result.changed,
        unchanged=result.unchanged,
        by_status=result.by_status,
        notified=result.notified,
        redrawn=result.redrawn,
        ignored_columns=ignored,
    )


@dataclass(frozen=True)
class _Applied:
    changed: int
    unchanged: int
    by_status: dict[str, int]
    notified: int
    redrawn: int
    changed_ids: list[int]


def _apply(
    session: Session,
    lines: list[StatusLine],
    ideas: dict[int, Idea],
    *,
    now: datetime,
    notifier: StatusNotifier,
    on_progress: ProgressCallback | None,
) -> _Applied:
    """Apply every checked line in the session, and mark the changed ideas for a redraw."""
    changed_ids: list[int] = []
    by_status: Counter[str] = Counter()
    notified = 0
    for done, entry in enumerate(lines, start=1):
        idea = ideas[entry.idea_id]
        status, reply, owner = _answer(entry, idea)
        board = board_store.get_board(session, idea.board_id) if idea.board_id else None
        try:
            change = statuses.apply_status_change(
                session,
                idea,
                board=board,
                status=status,
                reply=reply,
                owner=owner,
                changed_by=statuses.CLI_CHANGED_BY,
                now=now,
                notifier=notifier,
            )
        except StaffvoiceError as error:
            # Every line was checked, so this is unexpected; the transaction rolls back.
            raise InvalidInput(f"Line {entry.line}: {error.user_message}") from error
        if change.changed:
            changed_ids.append(idea.id)
            by_status[status] += 1
            notified += len(change.recipients)
        if on_progress is not None and (done % PROGRESS_EVERY == 0 or done == len(lines)):
            on_progress("applied", done, len(lines))
    status_store.mark_for_redraw(session, changed_ids)
    redrawn = sum(1 for idea_id in changed_ids if ideas[idea_id].message_id is not None)
    return _Applied(
        changed=len(changed_ids),
        unchanged=len(lines) - len(changed_ids),
        by_status=dict(by_status),
        notified=notified,
        redrawn=redrawn,
        changed_ids=changed_ids,
    )
