"""Reading staff list CSV files: encodings, header mapping and row checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.errors import InvalidInput
from bot.core.staff_csv import (
    RejectedRow,
    StaffRow,
    normalise_band,
    open_staff_csv,
    parse_column_options,
)

HEADER = "Email,Directorate,Pay Band,Staff Group,Locality"


def write(tmp_path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    path = tmp_path / "staff.csv"
    path.write_bytes(text.encode(encoding))
    return path


def read_rows(path: Path, **options: str) -> list[StaffRow | RejectedRow]:
    return list(open_staff_csv(path, column_options=options).rows())


@pytest.mark.parametrize(
    ("encoding", "prefix", "expected"),
    [
        ("utf-8", "", "utf-8"),
        ("utf-8", "\ufeff", "utf-8-sig"),
        ("cp1252", "", "cp1252"),
    ],
)
def test_encodings_detected(tmp_path: Path, encoding: str, prefix: str, expected: str) -> None:
    path = write(
        tmp_path,
        f"{prefix}{HEADER}\r\nzoë@trust.nhs.uk,Médecine,Band 5,Nursing,Bédford\r\n",
        encoding=encoding,
    )

    staff_csv = open_staff_csv(path)
    [row] = list(staff_csv.rows())

    assert staff_csv.encoding == expected
    assert isinstance(row, StaffRow)
    assert row.email == "zoë@trust.nhs.uk"
    assert row.directorate == "Médecine"
    assert row.locality == "Bédford"


def test_undecodable_bytes_rejected(tmp_path: Path) -> None:
    # 0x81 is undefined in Windows-1252 and invalid as UTF-8.
    path = tmp_path / "staff.csv"
    path.write_bytes(HEADER.encode() + b"\r\na@x.nhs.uk,\x81,5,N,L\r\n")

    with pytest.raises(InvalidInput, match="neither UTF-8 nor Windows-1252"):
        open_staff_csv(path)


def test_aliases_and_column_option(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Work_Email,DIRECTORATE,afc band,Staff group,Site,Slack User ID,Cost Centre,Team\n"
        "A@X.nhs.uk,Estates,8A,Estates,North,U0AB12,123,Porters\n",
    )

    staff_csv = open_staff_csv(path, column_options=parse_column_options(["name=Team"]))
    [row] = list(staff_csv.rows())

    assert row == StaffRow(
        line=2,
        email="a@x.nhs.uk",
        name="Porters",
        directorate="Estates",
        band="Band 8a",
        staff_group="Estates",
        locality="North",
        slack_id="U0AB12",
    )
    assert staff_csv.ignored_columns == ["Cost Centre"]


def test_missing_column_lists_headers(tmp_path: Path) -> None:
    path = write(tmp_path, "Email,Directorate,Band,Staff Group,Ward\na@x.nhs.uk,E,5,N,L\n")

    with pytest.raises(InvalidInput) as raised:
        open_staff_csv(path)

    message = raised.value.user_message
    assert "locality has no column" in message
    assert "'Ward'" in message
    assert "--column" in message


def test_column_option_unknown_field() -> None:
    with pytest.raises(InvalidInput, match="unknown field 'grade'"):
        parse_column_options(["grade=Band"])


def test_rows_checked_with_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"{HEADER},Slack ID\n"
        "a@x.nhs.uk,Estates,5,Estates,North,\n"
        "\n"
        ",,,,,\n"
        "A@x.nhs.uk,Estates,5,Estates,North,\n"
        "not-an-email,Estates,5,Estates,North,\n"
        "b@x.nhs.uk,Estates,Band 10,Estates,North,\n"
        "c@x.nhs.uk,Estates,5,Estates,North,bob\n"
        "d@x.nhs.uk,,,,,\n",
    )

    rows = read_rows(path)

    assert [row.line for row in rows] == [2, 5, 6, 7, 8, 9]
    assert isinstance(rows[0], StaffRow)
    assert rows[1] == RejectedRow(
        line=5, email="a@x.nhs.uk", reason="duplicate email: line 2 has it already"
    )
    assert isinstance(rows[2], RejectedRow)
    assert rows[2].reason.startswith("invalid email")
    assert isinstance(rows[3], RejectedRow)
    assert rows[3].reason.startswith("invalid pay band 'Band 10'")
    assert isinstance(rows[4], RejectedRow)
    assert rows[4].reason.startswith("invalid Slack ID 'bob'")
    # Blank group values are kept as not recorded.
    assert rows[5] == StaffRow(
        line=9,
        email="d@x.nhs.uk",
        name=None,
        directorate=None,
        band=None,
        staff_group=None,
        locality=None,
        slack_id=None,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("band 5", "Band 5"),
        ("5", "Band 5"),
        ("Band 8A", "Band 8a"),
        ("AfC Band 9", "Band 9"),
        ("8 d", "Band 8d"),
        ("Band 8", None),
        ("Band 8e", None),
        ("0", None),
        ("Band 10", None),
        ("8e", None),
        ("Bnad 5", None),
        ("Bande 6", None),
        ("ST3", "ST3"),
        ("Foundation Year 1", "Foundation Year 1"),
        ("  Consultant ", "Consultant"),
        ("Very Senior  Manager", "Very Senior Manager"),
    ],
)
def test_band_normalised(text: str, expected: str | None) -> None:
    assert normalise_band(text) == expected
