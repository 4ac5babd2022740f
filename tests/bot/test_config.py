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
