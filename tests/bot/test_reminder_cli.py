"""The reminder options of `staffvoice campaign create`, run as a user runs them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from storage.database import Database
from storage.models import Campaign
from tests.bot.test_cli_campaigns import create


def stored_settings(database_url: str) -> list[tuple[str, int]]:
    db = Database(database_url)
    try:
        with db.transaction() as session:
            rows = session.scalars(select(Campaign).order_by(Campaign.id))
            return [(row.reminder_days, row.final_reminder_hours) for row in rows]
    finally:
        db.dispose()


def test_remind_days_and_final_hours(
    cli_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    result = create(
        cli_env,
        tmp_path,
        "--remind-day",
        "15",
        "--remind-day",
        "5",
        "--final-reminder-hours",
        "24",
    )

    assert result.returncode == 0, result.stderr
    assert stored_settings(database_url) == [("5,15", 24)]


def test_defaults_without_options(
    cli_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    result = create(cli_env, tmp_path)

    assert result.returncode == 0, result.stderr
    assert stored_settings(database_url) == [("10", 48)]


def test_invalid_reminder_day(cli_env: dict[str, str], database_url: str, tmp_path: Path) -> None:
    result = create(cli_env, tmp_path, "--days", "7", "--remind-day", "10")

    assert result.returncode == 2
    assert "Reminder day 10 is outside the campaign, which lasts 7 days" in result.stderr
    assert stored_settings(database_url) == []


def test_invalid_final_hours(cli_env: dict[str, str], database_url: str, tmp_path: Path) -> None:
    result = create(cli_env, tmp_path, "--days", "2", "--final-reminder-hours", "48")

    assert result.returncode == 2
    assert "give fewer than 48 hours" in result.stderr
    assert stored_settings(database_url) == []


def test_help_describes_options(cli_env: dict[str, str], database_url: str, tmp_path: Path) -> None:
    result = create(cli_env, tmp_path, "--help")

    assert result.returncode == 0
    assert "--remind-day N" in result.stdout
    assert "--final-reminder-hours H" in result.stdout
