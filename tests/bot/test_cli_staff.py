"""The `staffvoice staff import` and `staff summary` commands run as a subprocess."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bot.cli_support import run_cli

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_staff_import_and_summary(cli_env: dict[str, str], tmp_path: Path) -> None:
    rows = [
        f"p{number}@x.nhs.uk,Estates,Band 3,Estates and Ancillary,Harbour" for number in range(12)
    ]
    rows += ["q@x.nhs.uk,Médecine,Band 8c,Allied Health Professionals,Harbour", "bad,E,3,G,L"]
    path = tmp_path / "staff.csv"
    path.write_bytes(
        ("Email Address,Directorate,Band,Staff Group,Base\r\n" + "\r\n".join(rows)).encode("cp1252")
    )
    rejects = tmp_path / "rejects.csv"

    imported = run_cli(
        "staff", "import", str(path), "--rejects", str(rejects), env=cli_env, cwd=tmp_path
    )
    summary = run_cli("staff", "summary", env=cli_env, cwd=tmp_path)
    refused = run_cli("staff", "import", str(rejects), env=cli_env, cwd=tmp_path)

    assert imported.returncode == 0, imported.stderr
    assert "read as Windows-1252, 14 rows" in imported.stdout
    assert "  added            13\n" in imported.stdout
    assert "  line 15 bad: invalid email 'bad'" in imported.stdout
    assert rejects.read_text(encoding="utf-8").splitlines() == [
        "line,email,reason",
        "15,bad,invalid email 'bad'",
    ]
    assert summary.returncode == 0, summary.stderr
    assert "Current staff: 13" in summary.stdout
    # Médecine's one person would stand alone as Other groups, so Estates joins it.
    assert "        13  Other groups\n" in summary.stdout
    assert "        13  Harbour\n" in summary.stdout
    assert "Estates" not in summary.stdout
    assert "Médecine" not in summary.stdout
    assert refused.returncode == 2
    assert "directorate has no column" in refused.stderr
    assert "Columns found: 'line', 'email', 'reason'" in refused.stderr
