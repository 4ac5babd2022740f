"""Campaign exports: ideas, comments, participation by group and daily activity, as CSV or XLSX.

CSV gives one UTF-8 file per table with a byte order mark, which Excel needs
to read UTF-8, and ISO 8601 date-times with their UTC offset. XLSX gives one
workbook with a sheet per table, typed cells and a frozen header row. Rows
are streamed from the database to the files, so memory does not grow with
the campaign. Each file is written under a temporary name in the output
folder and renamed only once every file is complete, so a failed export
leaves no partial file behind.
"""

from __future__ import annotations

import csv
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.core import audit
from bot.core.errors import InvalidInput, NotFound
from bot.core.export_tables import (
    DATE,
    DATETIME,
    INTEGER,
    RATE,
    Table,
    comment_table,
    daily_table,
    idea_table,
    participation_table,
)
from bot.core.participation_records import ParticipationReport
from bot.core.participation_report import participation_report
from storage import campaigns as campaign_store
from storage import export as export_store
from storage.database import Database

logger = logging.getLogger(__name__)

FORMATS = ("csv", "xlsx")
# Tables in the order of their files and sheets.
TABLE_NAMES = ("ideas", "comments", "participation", "daily")
PROGRESS_EVERY_ROWS = 10_000
# Spreadsheet programs run a cell that starts with one of these as a formula,
# so a CSV cell starting with one gets a leading apostrophe, which Excel hides.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
XLSX_DATE_FORMAT = "yyyy-mm-dd"
XLSX_RATE_FORMAT = "0.0%"

# Called with a table's title, the rows written so far and the table's row count.
ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ExportResult:
    """The files an export wrote, and how many rows each table has."""

    campaign_id: int
    paths: tuple[Path, ...]
    row_counts: dict[str, int]


def export_paths(campaign_id: int, export_format: str, out_dir: Path) -> list[Path]:
    """Return the files an export of a campaign writes in out_dir."""
    if export_format == "xlsx":
        return [out_dir / f"campaign-{campaign_id}.xlsx"]
    return [out_dir / f"campaign-{campaign_id}-{name}.csv" for name in TABLE_NAMES]


def export_campaign(
    db: Database,
    campaign_id: int,
    *,
    export_format: str,
    out_dir: Path,
    timezone: ZoneInfo,
    now: datetime,
    min_group_size: int,
    actor: str,
    force: bool = False,
    progress: ProgressCallback | None = None,
) -> ExportResult:
    """Write a campaign's export files in out_dir, record it in the audit log, and return them.

    actor is the user id of the manager who requested it, or "cli". Raises
    InvalidInput for an unknown format, files that exist when force is False,
    or an output folder that cannot be written; NotFound for an unknown
    campaign. Nothing is left in out_dir when it raises.
    """
    if export_format not in FORMATS:
        raise InvalidInput(
            f"{export_format!r} is not an export format: choose csv or xlsx.", field="format"
        )
    with db.transaction() as session:
        if campaign_store.get_campaign(session, campaign_id) is None:
            raise NotFound(
                f"There is no campaign {campaign_id}. `staffvoice campaign list` shows the "
                "campaigns and their IDs."
            )
    paths = export_paths(campaign_id, export_format, out_dir)
    existing = [path for path in paths if path.exists()]
    if existing and not force:
        names = ", ".join(path.name for path in existing)
        raise InvalidInput(
            f"{names} already {'exists' if len(existing) == 1 else 'exist'} in {out_dir}: "
            "choose another folder, or add --force to replace them.",
            field="out",
        )
    _prepare_folder(out_dir)

    participation = participation_report(
        db, campaign_id=campaign_id, timezone=timezone, now=now, min_group_size=min_group_size
    )
    row_counts: dict[str, int] = {}
    temporary: list[Path] = []
    try:
        with export_store.read_snapshot(db) as session:
            tables = _tables(session, campaign_id, timezone, participation)
            if export_format == "csv":
                for table, path in zip(tables, paths, strict=True):
                    temporary.append(_temporary_path(path))
                    row_counts[table.name] = _write_csv(table, temporary[-1], progress)
            else:
                temporary.append(_temporary_path(paths[0]))
                row_counts.update(_write_xlsx(tables, temporary[0], progress))
        for source, target in zip(temporary, paths, strict=True):
            os.replace(source, target)
    except OSError as error:
        _remove(temporary)
        raise InvalidInput(
            f"Could not write the export to {out_dir}: {error.strerror or error}. "
            "Choose a folder you can write to, with free space.",
            field="out",
        ) from error
    except BaseException:
        _remove(temporary)
        raise
    try:
        with db.transaction() as session:
            audit.record(
                session,
                actor=actor,
                action=audit.EXPORT,
                subject=f"campaign:{campaign_id}",
                detail={"format": export_format, **row_counts},
                now=now,
            )
    except BaseException:
        # Files without an audit entry are removed, so every export that stays is recorded.
        _remove(paths)
        raise
    logger.info(
        "Exported campaign %s as %s: %s",
        campaign_id,
        export_format,
        ", ".join(f"{count} {name}" for name, count in row_counts.items()),
    )
    return ExportResult(campaign_id=campaign_id, paths=tuple(paths), row_counts=row_counts)


def _prepare_folder(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InvalidInput(
            f"Could not create the folder {out_dir}: {error.strerror or error}. "
            "Choose a folder you can write to.",
            field="out",
        ) from error
    if not out_dir.is_dir():
        raise InvalidInput(f"{out_dir} is a file, not a folder: choose a folder.", field="out")


def _tables(
    session: Session, campaign_id: int, timezone: ZoneInfo, participation: ParticipationReport
) -> Iterator[Table]:
    """Yield the tables one at a time, so each streams its rows before the next query runs."""
    yield idea_table(session, campaign_id, timezone=timezone)
    yield comment_table(session, campaign_id, timezone=timezone)
    yield participation_table(participation)
    yield daily_table(participation)


def _temporary_path(target: Path) -> Path:
    """Return a new, empty temporary file beside target, so the final rename stays on one disk."""
    handle, name = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=f"{target.suffix}.part", dir=target.parent
    )
    os.close(handle)
    return Path(name)


def _remove(paths: Iterable[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            logger.warning("Could not remove the partial export file %s", path)


def _counted(table: Table, progress: ProgressCallback | None) -> Iterator[tuple[Any, ...]]:
    """Yield a table's rows, reporting progress every PROGRESS_EVERY_ROWS rows and at the end."""
    written = 0
    for row in table.rows:
        yield row
        written += 1
        if progress is not None and written % PROGRESS_EVERY_ROWS == 0:
            progress(table.title, written, table.row_count)
    if progress is not None and (written == 0 or written % PROGRESS_EVERY_ROWS != 0):
        progress(table.title, written, table.row_count)


# CSV


def _write_csv(table: Table, path: Path, progress: ProgressCallback | None) -> int:
    kinds = [column.kind for column in table.columns]
    written = 0
    # newline="" lets the csv module write its own CRLF line ends, as RFC 4180 has them.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([_csv_heading(column.heading, column.kind) for column in table.columns])
        for row in _counted(table, progress):
            writer.writerow(
                [_csv_value(value, kind) for value, kind in zip(row, kinds, strict=True)]
            )
            written += 1
    return written


def _csv_heading(heading: str, kind: str) -> str:
    return f"{heading} (%)" if kind == RATE else heading


def _csv_value(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == DATETIME:
        return value.isoformat(timespec="seconds")
    if kind == DATE:
        return value.isoformat()
    if kind == RATE:
        return round(value * 100, 1)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# XLSX


def _write_xlsx(
    tables: Iterable[Table], path: Path, progress: ProgressCallback | None
) -> dict[str, int]:
    """Write every table as a sheet of one workbook; openpyxl's write-only mode streams rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    row_counts: dict[str, int] = {}
    for table in tables:
        sheet = workbook.create_sheet(table.title)
        sheet.freeze_panes = "A2"
        for index, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        headings = []
        for column in table.columns:
            heading = WriteOnlyCell(sheet, value=column.heading)
            heading.font = bold
            headings.append(heading)
        sheet.append(headings)

        kinds = [column.kind for column in table.columns]
        written = 0
        for row in _counted(table, progress):
            cells: list[Any] = []
            for value, kind in zip(row, kinds, strict=True):
                if value is None or kind == INTEGER:
                    cells.append(value)
                elif isinstance(value, str):
                    # Control characters are invalid in XLSX, and a string starting with
                    # "=" would be stored as a formula unless its type is set to string.
                    text = ILLEGAL_CHARACTERS_RE.sub("", value)
                    if text.startswith("="):
                        cell = WriteOnlyCell(sheet, value=text)
                        cell.data_type = "s"
                        cells.append(cell)
                    else:
                        cells.append(text)
                elif kind in (DATETIME, DATE, RATE):
                    cell = WriteOnlyCell(sheet, value=_xlsx_value(value, kind))
                    cell.number_format = _XLSX_FORMATS[kind]
                    cells.append(cell)
                else:
                    cells.append(value)
            sheet.append(cells)
            written += 1
        row_counts[table.name] = written
    workbook.save(path)
    return row_counts


_XLSX_FORMATS = {DATETIME: XLSX_DATETIME_FORMAT, DATE: XLSX_DATE_FORMAT, RATE: XLSX_RATE_FORMAT}


def _xlsx_value(value: Any, kind: str) -> Any:
    if kind == DATETIME and isinstance(value, datetime):
        # Spreadsheets store date-times without a zone, so the local time is written.
        return value.replace(tzinfo=None)
    return value
