"""Wiring of one bot process: database, Slack clients, Bolt app, listeners and background work."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.config import ConfigError, Settings
from bot.core import roles
from bot.core.clock import Clock, ManualClock, SystemClock
from bot.listener_pool import ListenerPool
from handlers.context import HandlerContext
from handlers.outbox_sender import PLATFORM as OUTBOX_PLATFORM
from handlers.outbox_sender import SlackOutboxSender
from handlers.people import DisplayNames
from handlers.publisher import SlackPublisher
from handlers.refresher import VoteCountRefresher
from handlers.registry import register_all
from scheduler import runtime
from scheduler.outbox import OutboxWorker
from scheduler.service import CampaignScheduler
from storage.database import Database
from storage.migrate import upgrade

logger = logging.getLogger(__name__)

# Threads that run Bolt listeners. A listener acknowledges first and then keeps its
# thread for the work after the acknowledgement (storing, posting to Slack), and Bolt
# returns 404 for a request whose listener has not acknowledged within 3 seconds. So
# with Bolt's default of 5 threads, a burst of slow posts turned later requests into
# 404s. 16 matches the HTTP server's request threads.
LISTENER_THREADS = 16


@dataclass
class BotProcess:
    """Everything one running bot process holds."""

    settings: Settings
    db: Database
    clock: Clock
    client: WebClient
    bolt: App
    listeners: ListenerPool
    refresher: VoteCountRefresher
    scheduler: CampaignScheduler
    outbox: OutboxWorker

    def start_background(self) -> None:
        """Start the scheduler and the outbox worker."""
        self.scheduler.start()
        self.outbox.start()

    def stop(self) -> None:
        """Stop the outbox worker, the scheduler and the refresher; close database connections."""
        self.outbox.stop()
        if self.scheduler.running:
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


def build_outbox_client(settings: Settings) -> WebClient:
    """Create the Slack Web API client of the outbox, which retries nothing by itself.

    The outbox waits out 429 responses and retries failed sends on its own record,
    so a hidden retry here could only repeat a message or wait twice.
    """
    assert settings.slack_bot_token is not None
    return WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        retry_handlers=[],
    )


BOLT_LOGGER = "slack_bolt.App"


def _build_bolt_app(settings: Settings, client: WebClient, listeners: ListenerPool) -> App:
    """Create the Bolt app; its auth.test call at creation checks the token and the API URL."""
    signing_secret = settings.slack_signing_secret
    try:
        return App(
            client=client,
            # Socket Mode requests arrive over an authenticated WebSocket and carry no signature.
            signing_secret=signing_secret.get_secret_value() if signing_secret else "",
            request_verification_enabled=not settings.socket_mode,
            # Listeners run after the acknowledgement, so slow work never delays it.
            process_before_response=False,
            raise_error_for_unhandled_request=False,
            # Bolt sets the level of its own loggers from the root logger, which would let
            # its per-request debug lines (whole request bodies) through at DEBUG; given a
            # logger under "slack_bolt", they keep the level bot.logs sets for it.
            logger=logging.getLogger(BOLT_LOGGER),
            listener_executor=listeners,
        )
    except SlackApiError as error:
        reason = error.response.get("error", "unknown_error")
        raise ConfigError(
            f"Slack rejected SLACK_BOT_TOKEN ({reason}): copy the Bot User OAuth Token again "
            "from the app's OAuth & Permissions page"
        ) from None
    except OSError as error:
        raise ConfigError(
            f"Could not reach the Slack Web API at {settings.slack_api_url} ({error}): "
            "check SLACK_API_URL and the network"
        ) from None


def build_process(
    settings: Settings,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
    updates_per_minute: float | None = None,
) -> BotProcess:
    """Build a bot process from settings; Slack settings must be present.

    updates_per_minute replaces the vote-count refresher's chat.update pace, for a
    stand-in without Slack's limits; production keeps the refresher's default.
    """
    settings.require_slack()
    if migrate:
        upgrade(settings.database_url)
    clock = clock or SystemClock()
    db = Database(settings.database_url)
    roles.seed_managers(db, platform="slack", user_ids=settings.manager_ids, now=clock.now())
    client = build_client(settings)
    listeners = ListenerPool(LISTENER_THREADS)
    bolt = _build_bolt_app(settings, client, listeners)
    refresher = (
        VoteCountRefresher(db=db, client=client)
        if updates_per_minute is None
        else VoteCountRefresher(db=db, client=client, updates_per_minute=updates_per_minute)
    )
    publisher = SlackPublisher(client, timezone=settings.timezone, refresher=refresher)
    context = HandlerContext(
        db=db,
        clock=clock,
        timezone=settings.timezone,
        publisher=publisher,
        names=DisplayNames(client),
        min_group_size=settings.staffvoice_min_group_size,
        anon_key=settings.anon_key,
        checks=settings.post_checks,
    )
    if settings.anon_key is None:
        logger.info("Anonymous posting is off because STAFFVOICE_ANON_KEY is not set")
    register_all(bolt, context)
    runtime.install(
        runtime.JobRuntime(
            db=db,
            clock=clock,
            publisher=publisher,
            min_group_size=settings.staffvoice_min_group_size,
            retention_days=settings.staffvoice_retention_days,
        )
    )
    scheduler = CampaignScheduler(db=db, clock=clock, timezone=settings.timezone)

    outbox = OutboxWorker(
        db=db,
        sender=SlackOutboxSender(
            build_outbox_client(settings), messages_per_second=settings.staffvoice_outbox_rate
        ),
        clock=clock,
        platform=OUTBOX_PLATFORM,
    )
    if isinstance(clock, ManualClock):
        clock.on_change(lambda _now: scheduler.sync())
        # Messages due at the new time are sent without waiting for the next poll.
        clock.on_change(lambda _now: outbox.wake())
    return BotProcess(
        settings=settings,
        db=db,
        clock=clock,
        client=client,
        bolt=bolt,
        listeners=listeners,
        refresher=refresher,
        scheduler=scheduler,
        outbox=outbox,
    )
