"""Dependencies the Slack listeners share: the database, the clock and Slack-side services."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.core.checks.post_checks import PostChecks
from bot.core.clock import Clock
from bot.core.participation import DEFAULT_MIN_GROUP_SIZE
from bot.core.yousaid import YouSaidNotifier
from handlers.people import DisplayNames
from handlers.platform import PLATFORM as PLATFORM
from handlers.publisher import SlackPublisher
from storage.database import Database


@dataclass(frozen=True)
class HandlerContext:
    """Dependencies of the Slack listeners, built once at start-up."""

    db: Database
    clock: Clock
    timezone: ZoneInfo
    publisher: SlackPublisher
    # The publisher of every platform the process serves, for what goes in each channel of a
    # campaign, such as a "You said, we did" update.
    platforms: YouSaidNotifier
    names: DisplayNames
    # Groups with fewer people are reported only within "Other groups".
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    # STAFFVOICE_ANON_KEY; None turns anonymous ideas and comments off.
    anon_key: str | None = None
    # The personal-data and concern checks run before a post is published.
    checks: PostChecks = field(default_factory=PostChecks)
