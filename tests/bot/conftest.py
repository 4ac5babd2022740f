"""Fixtures of the command-line tests."""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def cli_env(database_url: str) -> dict[str, str]:
    """The environment without staffvoice's settings, pointed at the test database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "TEAMS_", "STAFFVOICE_", "DATABASE_URL"))
    }
    env["DATABASE_URL"] = database_url
    return env
