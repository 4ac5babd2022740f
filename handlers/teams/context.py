"""Dependencies the Teams handlers share, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.core.checks.post_checks import PostChecks
from bot.core.clock import Clock
from bot.core.participation import DEFAULT_MIN_GROUP_SIZE
from handlers.teams.connector import TeamsConnector
from handlers.teams.publisher import TeamsPublisher
from storage.database import Database


@dataclass(frozen=True)
class TeamsContext:
    """The database, clock, Bot Connector client and settings of the Teams handlers."""

    db: Database
    clock: Clock
    timezone: ZoneInfo
    connector: TeamsConnector
    publisher: TeamsPublisher
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    # STAFFVOICE_ANON_KEY; None turns anonymous ideas off.
    anon_key: str | None = None
    checks: PostChecks = field(default_factory=PostChecks)
