"""Run the Alembic migrations in storage/migrations from code."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

logger = logging.getLogger(__name__)

MIGRATIONS_PATH = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    """Build the Alembic configuration for the database at url."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_PATH))
    # ConfigParser treats % as interpolation, and passwords in URLs may contain it.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def upgrade(url: str, *, revision: str = "head") -> None:
    """Apply the migrations up to revision."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, *, revision: str) -> None:
    """Revert the migrations down to revision ("base" removes every table)."""
    command.downgrade(alembic_config(url), revision)


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at, or None before the first migration."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """Return the newest revision in storage/migrations."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def is_up_to_date(engine: Engine) -> bool:
    """Return whether the database has every migration applied."""
    return current_revision(engine) == head_revision()
