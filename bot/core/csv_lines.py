"""Reading a small CSV file a manager edits: a header line, then one record a data line.

The status import and the paper-ideas import read their files this way. Each
data line is checked on its own. A bad line is rejected with its line number
and a reason, so the manager can correct every line in one pass.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.core.errors import InvalidInput

T = TypeVar("T")


@dataclass(frozen=True)
class RejectedLine:
    """A data line of the file that cannot be used, and why."""

    line: int
    # One or more sentences, each starting with a capital and ending with a full stop.
    reason: str


class LineRejected(Exception):
    """Raised by a line parser for a line that cannot be used, with the reason as its message."""


@dataclass(frozen=True)
class CsvLines(Generic[T]):
    """The data lines of a file: those accepted, those rejected, and the unknown columns."""

    accepted: list[T]
    rejected: list[RejectedLine]
    # Header names that match no known column; their values are not read.
    ignored_columns: tuple[str, ...]


def read_csv_lines(
    text: str,
    *,
    map_header: Callable[[Sequence[str]], tuple[dict[str, int], tuple[str, ...]]],
    parse: Callable[[int, dict[str, str]], T],
    empty_message: str,
    no_lines_message: str,
) -> CsvLines[T]:
    """Read the header with map_header, then parse each data line with parse.

    map_header returns the position of each known column and the unknown
    names, raising InvalidInput for a header that cannot be used. parse gets
    the line number and the value of each known column, and raises
    LineRejected for a line it cannot use. Blank lines are skipped, and a
    quoted value may span lines, so a record's number is the line it starts on.

    Raises InvalidInput for a file that is not CSV, is empty (empty_message) or
    has no data line (no_lines_message).
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    positions: dict[str, int] = {}
    ignored: tuple[str, ...] = ()
    accepted: list[T] = []
    rejected: list[RejectedLine] = []
    next_line = 1
    try:
        for cells in reader:
            line, next_line = next_line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = cells
                positions, ignored = map_header(header)
                continue
            if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
                rejected.append(
                    RejectedLine(
                        line,
                        f"The line has {len(cells)} values but the header has {len(header)} "
                        "columns. Put quotes around a value that contains a comma.",
                    )
                )
                continue
            values = {
                column: cells[position] if position < len(cells) else ""
                for column, position in positions.items()
            }
            try:
                accepted.append(parse(line, values))
            except LineRejected as rejection:
                rejected.append(RejectedLine(line, str(rejection)))
    except csv.Error as error:
        raise InvalidInput(
            f"The file is not valid CSV at line {reader.line_num}: {error}. "
            "Check the quotes on that line."
        ) from None
    if header is None:
        raise InvalidInput(empty_message)
    if not accepted and not rejected:
        raise InvalidInput(no_lines_message)
    return CsvLines(accepted=accepted, rejected=rejected, ignored_columns=ignored)
