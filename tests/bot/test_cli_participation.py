"""The `staffvoice participation` command run as a subprocess."""

from __future__ import annotations

from pathlib import Path

from bot.core.clock import ManualClock
from storage.database import Database
from tests.bot.cli_support import run_cli
from tests.core.test_participation import add_staff, open_new_campaign, post, vote


def test_participation_table_hides_small_group(
    cli_env: dict[str, str], tmp_path: Path, database_url: str, clock: ManualClock
) -> None:
    db = Database(database_url)
    try:
        surgery = add_staff(db, clock, directorate="Surgery", count=11, prefix="s")
        estates = add_staff(db, clock, directorate="Estates", count=10, prefix="e")
        # With Pharmacy's one person "Other groups" contains 11, so Surgery keeps its line.
        add_staff(db, clock, directorate="Pharmacy", count=1, prefix="p")
        campaign = open_new_campaign(db, clock)
        idea_id = post(db, clock, surgery[0])
        vote(db, clock, estates[0], idea_id)
    finally:
        db.dispose()

    result = run_cli("participation", "--campaign", str(campaign.id), env=cli_env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "Staff who took part: 2 of 22 (9.1%)" in result.stdout
    rows = [line.split() for line in result.stdout.splitlines()]
    assert ["Surgery", "11", "1", "0", "9.1%", "0", "0"] in rows
    assert ["Other", "groups", "11", "1", "0", "9.1%", "0", "0"] in rows
    assert "Estates" not in result.stdout
    assert "Pharmacy" not in result.stdout


def test_participation_range_needs_both_dates(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = run_cli("participation", "--from", "2027-01-01", env=cli_env, cwd=tmp_path)

    assert result.returncode == 2
    assert "give --from and --to together" in result.stderr
