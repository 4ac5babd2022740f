"""Settings read from the environment: the outbox rate."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings


def test_outbox_rate_defaults_to_one() -> None:
    settings = load_settings(_env_file=None)

    assert settings.staffvoice_outbox_rate == 1.0


def test_outbox_rate_read_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAFFVOICE_OUTBOX_RATE", "2.5")

    settings = load_settings(_env_file=None)

    assert settings.staffvoice_outbox_rate == 2.5


@pytest.mark.parametrize("value", ["0", "-1", "51", "fast"])
def test_outbox_rate_invalid(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("STAFFVOICE_OUTBOX_RATE", value)

    with pytest.raises(ConfigError) as raised:
        load_settings(_env_file=None)

    assert str(raised.value).startswith("STAFFVOICE_OUTBOX_RATE is invalid: ")


def test_anon_key_unset_turns_anonymity_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAFFVOICE_ANON_KEY", "")

    settings = load_settings(_env_file=None)

    assert settings.anon_key is None


def test_anon_key_too_short(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAFFVOICE_ANON_KEY", "x" * 31)

    with pytest.raises(ConfigError) as raised:
        load_settings(_env_file=None)

    message = str(raised.value)
    assert message.startswith("STAFFVOICE_ANON_KEY is invalid: expected at least 32 characters")
    assert "x" * 31 not in message


def test_anon_key_hidden_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    key = "k" * 40
    monkeypatch.setenv("STAFFVOICE_ANON_KEY", key)

    settings = load_settings(_env_file=None)

    assert settings.anon_key == key
    assert key not in repr(settings)


@pytest.mark.parametrize(("value", "expected"), [("", None), ("90", 90)])
def test_retention_days_read(monkeypatch: pytest.MonkeyPatch, value: str, expected: object) -> None:
    monkeypatch.setenv("STAFFVOICE_RETENTION_DAYS", value)

    assert load_settings(_env_file=None).staffvoice_retention_days == expected


@pytest.mark.parametrize("value", ["29", "ninety", "-30", "36501", "99999999999999999999"])
def test_retention_days_invalid(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("STAFFVOICE_RETENTION_DAYS", value)

    with pytest.raises(ConfigError, match="STAFFVOICE_RETENTION_DAYS is invalid: expected"):
        load_settings(_env_file=None)


TEAMS_APP = "11111111-2222-4333-8444-555555555555"


def test_teams_auth_disabled_needs_the_second_flag() -> None:
    settings = load_settings(_env_file=None, teams_app_id=TEAMS_APP, teams_auth_disabled=True)
    with pytest.raises(ConfigError, match="STAFFVOICE_ALLOW_UNAUTHENTICATED_TEAMS"):
        settings.require_platform()


def test_teams_auth_disabled_refused_beside_a_password() -> None:
    settings = load_settings(
        _env_file=None,
        teams_app_id=TEAMS_APP,
        teams_app_password="secret",
        teams_auth_disabled=True,
        staffvoice_allow_unauthenticated_teams=True,
    )
    with pytest.raises(ConfigError, match="TEAMS_APP_PASSWORD"):
        settings.require_platform()


def test_teams_needs_all_three_settings() -> None:
    settings = load_settings(_env_file=None, teams_app_id=TEAMS_APP, teams_app_password="secret")
    with pytest.raises(ConfigError, match="TEAMS_TENANT_ID"):
        settings.require_platform()
    with pytest.raises(ConfigError, match="TEAMS_APP_ID is invalid"):
        load_settings(_env_file=None, teams_app_id="not-a-guid")


def test_no_platform_names_both() -> None:
    settings = load_settings(_env_file=None, slack_bot_token=None, slack_app_token=None)
    with pytest.raises(ConfigError, match="Neither Slack nor Teams"):
        settings.require_platform()


def test_teams_flag_must_be_true_or_false() -> None:
    with pytest.raises(ConfigError, match="TEAMS_AUTH_DISABLED is invalid: expected true or false"):
        load_settings(_env_file=None, teams_auth_disabled="maybe")
    assert load_settings(_env_file=None, teams_auth_disabled="").teams_auth_disabled is False
