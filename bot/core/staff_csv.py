"""Reading a staff list CSV: encoding, header mapping and the checks on each row.

The file is read as a stream, one row at a time, so a large export is never
held in memory. Rows come out as StaffRow (accepted) or RejectedRow (with the
line number and the reason).
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from bot.core.errors import InvalidInput

# Fields of a staff row. The required ones must have a column, and the others may.
REQUIRED_FIELDS = ("email", "directorate", "band", "staff_group", "locality")
OPTIONAL_FIELDS = ("name", "slack_id", "teams_id")
FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS

# Column headers accepted for each field, compared after normalise_header().
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "email": ("Email", "Work Email", "Email Address", "E-mail"),
    "directorate": ("Directorate",),
    "band": ("Pay Band", "Band", "AfC Band"),
    "staff_group": ("Staff Group",),
    "locality": ("Locality", "Site", "Base"),
    "name": ("Name", "Full Name"),
    "slack_id": ("Slack ID", "Slack User ID"),
    "teams_id": ("Teams ID", "Entra Object ID", "Azure AD Object ID", "Object ID"),
}

# Maximum lengths of the stored values, from the staff table's columns.
MAX_LENGTHS = {"email": 320, "name": 200, "directorate": 200, "staff_group": 200, "locality": 200}

# A pragmatic address check: something@domain.tld, no spaces, one @.
EMAIL = re.compile(r"^[^@\s]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
# A Slack member id: U, or W on Enterprise Grid, then upper-case letters and digits.
SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,127}$")
# A Teams user's Entra object id, the user id the Teams front stores: a GUID.
TEAMS_USER_ID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
# Agenda for Change pay bands, written "Band 5", "band 8A", "5", "AfC Band 8a" and so on.
BAND = re.compile(r"^(?:afc\s*)?(?:band\s*)?(\d)\s*([a-d]?)$", re.IGNORECASE)
# Agenda for Change has bands 1 to 9, and band 8 only as its four ranges 8a to 8d.
VALID_BANDS = frozenset({"1", "2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9"})
# Text that starts like an AfC band ("Band 10", "8", "8e") but is not a valid one.
AFC_LIKE = re.compile(r"^(?:afc\s*)?(?:band\b|\d)", re.IGNORECASE)
# A short word then a number ("Bnad 5", "Bande 6"): a band mistyped when the word is close
# to "band". Grades such as "ST3" or "Foundation Year 1" are not.
WORD_AND_NUMBER = re.compile(r"^([a-z]{2,6})\s*(\d)", re.IGNORECASE)

READ_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class StaffRow:
    """A valid row of the staff list. Blank group values are None ("not recorded")."""

    line: int
    email: str
    name: str | None
    directorate: str | None
    band: str | None
    staff_group: str | None
    locality: str | None
    slack_id: str | None
    teams_id: str | None = None

    @property
    def account(self) -> tuple[str, str] | None:
        """Return the chat account an ID column names, as (platform, user id), or None."""
        if self.slack_id:
            return ("slack", self.slack_id)
        if self.teams_id:
            return ("teams", self.teams_id)
        return None


@dataclass(frozen=True)
class RejectedRow:
    """A row left out of the import, with its line in the file and the reason."""

    line: int
    email: str
    reason: str


@dataclass(frozen=True)
class StaffCsv:
    """An opened staff list: its encoding, which header maps to each field, and its rows."""

    path: Path
    encoding: str
    columns: dict[str, int]
    headers: list[str]
    ignored_columns: list[str]

    @property
    def has_slack_ids(self) -> bool:
        """Return whether the file has a Slack ID column."""
        return "slack_id" in self.columns

    @property
    def has_account_ids(self) -> bool:
        """Return whether the file has a Slack ID or a Teams ID column."""
        return "slack_id" in self.columns or "teams_id" in self.columns

    @property
    def has_names(self) -> bool:
        """Return whether the file has a name column."""
        return "name" in self.columns

    def rows(self) -> Iterator[StaffRow | RejectedRow]:
        """Yield each non-blank row after the header, checked, in file order.

        A later row repeating an email is rejected with the line of the first.
        Raises InvalidInput when the CSV cannot be parsed at some line.
        """
        first_lines: dict[str, int] = {}
        with self.path.open(encoding=self.encoding, newline="") as handle:
            reader = csv.reader(handle)
            try:
                next(reader)
                line = reader.line_num + 1
                for record in reader:
                    row_line, line = line, reader.line_num + 1
                    if not any(value.strip() for value in record):
                        continue
                    checked = self._check(record, line=row_line)
                    if isinstance(checked, StaffRow):
                        first = first_lines.setdefault(checked.email, row_line)
                        if first != row_line:
                            checked = RejectedRow(
                                line=row_line,
                                email=checked.email,
                                reason=f"duplicate email: line {first} has it already",
                            )
                    yield checked
            except csv.Error as error:
                raise InvalidInput(
                    f"{self.path.name} is not a readable CSV file at line {reader.line_num}: "
                    f"{error}. Export the staff list again as CSV."
                ) from None

    def _check(self, record: list[str], *, line: int) -> StaffRow | RejectedRow:
        values = {
            field: (record[index].strip() if index < len(record) else "")
            for field, index in self.columns.items()
        }
        email = values["email"].lower()
        if not email:
            return RejectedRow(line=line, email="", reason="email is missing")
        if len(email) > MAX_LENGTHS["email"] or not EMAIL.match(email):
            return RejectedRow(line=line, email=email, reason=f"invalid email {values['email']!r}")
        for field, limit in MAX_LENGTHS.items():
            if len(values.get(field, "")) > limit:
                return RejectedRow(
                    line=line,
                    email=email,
                    reason=f"{field.replace('_', ' ')} is longer than {limit} characters",
                )
        band_text = values["band"]
        band = normalise_band(band_text) if band_text else None
        if band_text and band is None:
            return RejectedRow(
                line=line,
                email=email,
                reason=f"invalid pay band {band_text!r}: use Band 1 to Band 9, "
                "or Band 8a to Band 8d (a grade outside Agenda for Change, such as "
                "Consultant, is kept as written)",
            )
        slack_id = values.get("slack_id") or None
        if slack_id is not None and not SLACK_USER_ID.match(slack_id):
            return RejectedRow(
                line=line,
                email=email,
                reason=f"invalid Slack ID {slack_id!r}: expected a member ID such as U0123ABCD",
            )
        teams_id = (values.get("teams_id") or "").lower() or None
        if teams_id is not None and not TEAMS_USER_ID.match(teams_id):
            return RejectedRow(
                line=line,
                email=email,
                reason=f"invalid Teams ID {teams_id!r}: expected the person's Entra object ID, "
                "such as 00000000-0000-0000-0000-000000000000",
            )
        if slack_id is not None and teams_id is not None:
            # A staff row is matched to one chat account.
            return RejectedRow(
                line=line,
                email=email,
                reason="both a Slack ID and a Teams ID: give the account the person uses",
            )
        return StaffRow(
            line=line,
            email=email,
            name=values.get("name") or None,
            directorate=values["directorate"] or None,
            band=band,
            staff_group=values["staff_group"] or None,
            locality=values["locality"] or None,
            slack_id=slack_id,
            teams_id=teams_id,
        )


def normalise_header(header: str) -> str:
    """Return a header lower-cased without spaces, underscores or hyphens, for matching."""
    return re.sub(r"[\s_\-]+", "", header).lower()


def normalise_band(text: str) -> str | None:
    """Return a pay band as "Band 5" or "Band 8a", or None when it is a mistyped AfC band.

    A grade outside Agenda for Change, such as "Consultant" or "Very Senior
    Manager", is kept as written, since medical and senior staff have no band.
    """
    cleaned = " ".join(text.split())
    match = BAND.match(cleaned)
    if match is not None:
        band = match.group(1) + match.group(2).lower()
        return f"Band {band}" if band in VALID_BANDS else None
    if AFC_LIKE.match(cleaned):
        return None
    word = WORD_AND_NUMBER.match(cleaned)
    if word is not None and SequenceMatcher(None, word.group(1).lower(), "band").ratio() >= 0.6:
        return None
    return cleaned


def parse_column_options(options: list[str]) -> dict[str, str]:
    """Parse `field=Header Name` options into a field-to-header mapping.

    Raises InvalidInput naming the option when it has no "=" or an unknown field.
    """
    mapping: dict[str, str] = {}
    for option in options:
        field, separator, header = option.partition("=")
        field = field.strip().lower().replace(" ", "_").replace("-", "_")
        if not separator or not header.strip():
            raise InvalidInput(
                f"--column {option!r} is not FIELD=HEADER: write it as "
                "--column email='Work Email Address'"
            )
        if field not in FIELDS:
            raise InvalidInput(
                f"--column {option!r} names an unknown field {field!r}: "
                f"use one of {', '.join(FIELDS)}"
            )
        mapping[field] = header.strip()
    return mapping


def detect_encoding(path: Path) -> str:
    """Return "utf-8-sig", "utf-8" or "cp1252": the first that decodes the whole file.

    Raises InvalidInput for a workbook, a UTF-16 text file, or bytes neither encoding reads.
    """
    with path.open("rb") as handle:
        start = handle.read(4)
    if start.startswith(b"PK\x03\x04") or start.startswith(b"\xd0\xcf\x11\xe0"):
        raise InvalidInput(
            f"{path.name} is a spreadsheet workbook, not a CSV file: save it as "
            "CSV UTF-8 (comma delimited) and import that"
        )
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InvalidInput(
            f"{path.name} is UTF-16 text: save it as CSV UTF-8 (comma delimited) and import that"
        )
    if _decodes(path, "utf-8"):
        return "utf-8-sig" if start.startswith(codecs.BOM_UTF8) else "utf-8"
    if _decodes(path, "cp1252"):
        return "cp1252"
    raise InvalidInput(
        f"{path.name} is neither UTF-8 nor Windows-1252 text: save it as "
        "CSV UTF-8 (comma delimited) and import that"
    )


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(READ_CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def open_staff_csv(path: Path, *, column_options: Mapping[str, str] | None = None) -> StaffCsv:
    """Open a staff list, detect its encoding and map its header to the fields.

    Raises InvalidInput before any row is read when the file is missing or
    unreadable, or a required column is missing or matched twice. The message
    lists the columns found and how to map them.
    """
    if not path.is_file():
        raise InvalidInput(f"{path} is not a file: give the path of the staff list CSV")
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline="") as handle:
        try:
            headers = next(csv.reader(handle), [])
        except csv.Error as error:
            raise InvalidInput(f"{path.name} has an unreadable header row: {error}") from None
    columns = _map_columns(path, headers, dict(column_options or {}))
    ignored = [
        header
        for index, header in enumerate(headers)
        if header.strip() and index not in columns.values()
    ]
    return StaffCsv(
        path=path, encoding=encoding, columns=columns, headers=headers, ignored_columns=ignored
    )


def _map_columns(path: Path, headers: list[str], options: dict[str, str]) -> dict[str, int]:
    by_name: dict[str, list[int]] = {}
    for index, header in enumerate(headers):
        by_name.setdefault(normalise_header(header), []).append(index)
    columns: dict[str, int] = {}
    problems: list[str] = []
    for field in FIELDS:
        if field in options:
            wanted = [options[field]]
        else:
            wanted = list(HEADER_ALIASES[field])
        found = sorted(
            {index for name in wanted for index in by_name.get(normalise_header(name), [])}
        )
        if len(found) == 1:
            columns[field] = found[0]
        elif len(found) > 1:
            both = ", ".join(repr(headers[index]) for index in found)
            problems.append(f"{field} matches several columns ({both})")
        elif field in options:
            problems.append(f"--column {field}={options[field]!r} names no column of the file")
        elif field in REQUIRED_FIELDS:
            problems.append(f"{field} has no column (accepted: {', '.join(HEADER_ALIASES[field])})")
    if problems:
        found_headers = ", ".join(repr(header) for header in headers if header.strip()) or "none"
        raise InvalidInput(
            f"{path.name} cannot be imported, so nothing changed: {'; '.join(problems)}. "
            f"Columns found: {found_headers}. Rename the header, or map a column with "
            "--column FIELD='Header Name' (fields: " + ", ".join(FIELDS) + ")."
        )
    return columns
