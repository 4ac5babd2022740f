"""The `staffvoice roles` commands run as a subprocess, and manager seeding at start-up."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import build_process
from bot.config import ConfigError, Settings, load_settings
from bot.core import roles
from bot.core.clock import ManualClock
from bot.simulate.slack_standin import SlackStandIn
from storage.database import Database
from tests.bot.cli_support import run_cli

BOT_TOKEN = "xoxb-roles-test"
SIGNING_SECRET = "roles-test-secret"


def stored_roles(database_url: str) -> list[tuple[str, str, str]]:
    db = Database(database_url)
    try:
        return [(row.user_id, row.role, row.granted_by) for row in roles.list_roles(db)]
    finally:
        db.dispose()


def test_roles_grant(cli_env: dict[str, str], tmp_path: Path, database_url: str) -> None:
    result = run_cli("roles", "grant", "U0123", "manager", env=cli_env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "Granted manager to U0123.\n"
    assert stored_roles(database_url) == [("U0123", "manager", "cli")]


def test_roles_grant_twice(cli_env: dict[str, str], tmp_path: Path, database_url: str) -> None:
    run_cli("roles", "grant", "U0123", "lead", env=cli_env, cwd=tmp_path)

    result = run_cli("roles", "grant", "U0123", "lead", env=cli_env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "U0123 already has lead.\n"
    assert stored_roles(database_url) == [("U0123", "lead", "cli")]


def test_roles_revoke(cli_env: dict[str, str], tmp_path: Path, database_url: str) -> None:
    run_cli("roles", "grant", "U0123", "manager", env=cli_env, cwd=tmp_path)
    run_cli("roles", "grant", "U0123", "lead", env=cli_env, cwd=tmp_path)

    result = run_cli("roles", "revoke", "U0123", "lead", env=cli_env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "Revoked lead from U0123.\n"
    assert stored_roles(database_url) == [("U0123", "manager", "cli")]


def test_roles_revoke_missing(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = run_cli("roles", "revoke", "U0123", "lead", env=cli_env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "U0123 does not have lead; nothing changed.\n"


def test_roles_list(cli_env: dict[str, str], tmp_path: Path) -> None:
    run_cli("roles", "grant", "W0ENTERPRISE", "manager", env=cli_env, cwd=tmp_path)
    run_cli("roles", "grant", "U0123", "lead", env=cli_env, cwd=tmp_path)

    result = run_cli("roles", "list", env=cli_env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["USER", "ROLE", "PLATFORM", "GRANTED", "GRANTED", "BY"]
    assert len(rows) == 2
    assert rows[0].split()[:3] == ["U0123", "lead", "slack"]
    assert rows[0].split()[-1] == "cli"
    assert rows[1].split()[:3] == ["W0ENTERPRISE", "manager", "slack"]


def test_roles_list_empty(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = run_cli("roles", "list", env=cli_env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("No roles granted yet.")
    assert "staffvoice roles grant USER_ID manager" in result.stdout


@pytest.mark.parametrize("action", ["grant", "revoke"])
def test_roles_bad_role(
    cli_env: dict[str, str], tmp_path: Path, database_url: str, action: str
) -> None:
    result = run_cli("roles", action, "U0123", "admin", env=cli_env, cwd=tmp_path)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0] == "staffvoice: 'admin' is not a role: use manager or lead."
    assert result.stdout == ""
    assert stored_roles(database_url) == []


@pytest.mark.parametrize("user_id", ["@ann", "u0123", "C0123", "U", "U0123 U0456"])
def test_roles_bad_user_id(
    cli_env: dict[str, str], tmp_path: Path, database_url: str, user_id: str
) -> None:
    result = run_cli("roles", "grant", user_id, "manager", env=cli_env, cwd=tmp_path)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"staffvoice: {user_id!r} is not a user ID")
    assert "U0123ABCD" in lines[0]
    assert "Entra object ID" in lines[0]
    assert stored_roles(database_url) == []


def test_roles_grant_teams_user(cli_env: dict[str, str], tmp_path: Path, database_url: str) -> None:
    user_id = "AAAAAAAA-1111-4222-8333-444444444444"
    result = run_cli("roles", "grant", user_id, "manager", env=cli_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    listed = run_cli("roles", "list", env=cli_env, cwd=tmp_path)
    assert user_id.lower() in listed.stdout
    assert "teams" in listed.stdout


def test_roles_missing_argument(tmp_path: Path, cli_env: dict[str, str]) -> None:
    result = run_cli("roles", "grant", "U0123", env=cli_env, cwd=tmp_path)

    assert result.returncode == 2
    assert "ROLE" in result.stderr


def test_bad_managers_setting_one_line(cli_env: dict[str, str], tmp_path: Path) -> None:
    env = dict(cli_env, STAFFVOICE_MANAGERS="U0123,ann")

    result = run_cli("roles", "list", env=env, cwd=tmp_path)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("staffvoice: STAFFVOICE_MANAGERS is invalid: 'ann' is not a Slack")


def test_manager_ids_parsed() -> None:
    settings = load_settings(staffvoice_managers=" U0123 , W0456,,U0123, ", _env_file=None)

    assert settings.manager_ids == ("U0123", "W0456")


def test_manager_ids_default_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STAFFVOICE_MANAGERS", raising=False)

    settings = load_settings(_env_file=None)

    assert settings.staffvoice_managers == ""
    assert settings.manager_ids == ()


@pytest.mark.parametrize("value", ["U0123;U0456", "u0123", "#general", "U0" + "A" * 127])
def test_manager_ids_rejected(value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(staffvoice_managers=value, _env_file=None)

    message = str(raised.value)
    assert message.startswith("STAFFVOICE_MANAGERS is invalid: ")
    assert "\n" not in message


def process_settings(standin: SlackStandIn, *, database_url: str, managers: str) -> Settings:
    return load_settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_app_token=None,
        slack_api_url=standin.api_url,
        database_url=database_url,
        staffvoice_managers=managers,
        _env_file=None,
    )


def build_and_release(settings: Settings, clock: ManualClock) -> None:
    """Build a bot process, which seeds managers, and release it without starting its scheduler."""
    process = build_process(settings, clock=clock)
    process.refresher.stop()
    process.db.dispose()


def test_build_process_seeds_managers(database_url: str) -> None:
    clock = ManualClock(datetime(2027, 1, 11, 9, 0, tzinfo=UTC))
    db = Database(database_url)
    try:
        roles.grant_role(
            db, platform="slack", user_id="U0LEAD", role="lead", granted_by="cli", now=clock.now()
        )
        with SlackStandIn(bot_token=BOT_TOKEN) as standin:
            settings = process_settings(standin, database_url=database_url, managers="U0ANN,W0BOB")
            build_and_release(settings, clock)
            # A restart with one id dropped from the setting grants nothing and revokes nothing.
            settings = process_settings(standin, database_url=database_url, managers="U0ANN")
            build_and_release(settings, clock)

        stored = [(row.user_id, row.role, row.granted_by) for row in roles.list_roles(db)]
    finally:
        db.dispose()

    assert stored == [
        ("U0ANN", "manager", "STAFFVOICE_MANAGERS"),
        ("U0LEAD", "lead", "cli"),
        ("W0BOB", "manager", "STAFFVOICE_MANAGERS"),
    ]
