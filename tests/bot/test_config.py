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
