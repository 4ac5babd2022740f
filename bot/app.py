"""Wiring of one bot process: database, Slack client, Bolt app, listeners and scheduler."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.config import Settings
from bot.core.clock import Clock, ManualClock, SystemClock
from handlers.context import HandlerContext
from handlers.people import DisplayNames
from handlers.publisher import SlackPublisher
from handlers.refresher import VoteCountRefresher
from handlers.registry import register_all
from scheduler import runtime
from scheduler.service import CampaignScheduler
from storage.database import Database
from storage.migrate import upgrade

logger = logging.getLogger(__name__)


@dataclass
class BotProcess:
    """Everything one running bot process holds."""

    settings: Settings
    db: Database
    clock: Clock
    client: WebClient
    bolt: App
    refresher: VoteCountRefresher
    scheduler: CampaignScheduler

    def start_background(self) -> None:
        """Start the scheduler."""
        self.scheduler.start()

    def stop(self) -> None:
        """Stop the scheduler and the refresher and close database connections."""
        self.scheduler.shutdown()
        self.refresher.stop()
        self.db.dispose()


def build_client(settings: Settings) -> WebClient:
    """Create the Slack Web API client, pointed at SLACK_API_URL."""
    assert settings.slack_bot_token is not None
    client = WebClient(
        token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url
    )
    # Slack answers 429 with Retry-After when a method's rate limit is reached.
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    return client


def build_process(
    settings: Settings, *, clock: Clock | None = None, migrate: bool = True
) -> BotProcess:
    """Build a bot process from settings; Slack settings must be present."""
    settings.require_slack()
    if migrate:
        upgrade(settings.database_url)
    clock = clock or SystemClock()
    db = Database(settings.database_url)
    client = build_client(settings)
    signing_secret = settings.slack_signing_secret
    bolt = App(
        client=client,
        # Socket Mode requests arrive over an authenticated WebSocket and carry no signature.
        signing_secret=signing_secret.get_secret_value() if signing_secret else "",
        request_verification_enabled=not settings.socket_mode,
        # Listeners run after the acknowledgement, so slow work never delays it.
        process_before_response=False,
        raise_error_for_unhandled_request=False,
    )
    refresher = VoteCountRefresher(db=db, client=client)
    publisher = SlackPublisher(client, timezone=settings.timezone, refresher=refresher)
    context = HandlerContext(
        db=db,
        clock=clock,
        timezone=settings.timezone,
        publisher=publisher,
        names=DisplayNames(client),
    )
    register_all(bolt, context)
    runtime.install(runtime.JobRuntime(db=db, clock=clock, publisher=publisher))
    scheduler = CampaignScheduler(db=db, clock=clock)
    if isinstance(clock, ManualClock):
        clock.on_change(lambda _now: scheduler.sync())
    return BotProcess(
        settings=settings,
        db=db,
        clock=clock,
        client=client,
        bolt=bolt,
        refresher=refresher,
        scheduler=scheduler,
    )
