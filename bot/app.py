"""Wiring of one bot process: database, Slack clients, Bolt app, listeners and background work."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.config import ConfigError, Settings
from bot.core import roles
from bot.core.clock import Clock, ManualClock, SystemClock
from bot.listener_pool import ListenerPool
from bot.publishers import PlatformPublishers
from handlers.context import HandlerContext
from handlers.outbox_sender import PLATFORM as SLACK
from handlers.outbox_sender import SlackOutboxSender
from handlers.people import DisplayNames
from handlers.publisher import SlackPublisher
from handlers.refresher import VoteCountRefresher
from handlers.registry import register_all
from handlers.teams.activity import PLATFORM as TEAMS
from handlers.teams.connector import TeamsConnector
from handlers.teams.context import TeamsContext
from handlers.teams.front import TeamsFront
from handlers.teams.outbox_sender import TeamsOutboxSender
from handlers.teams.publisher import TeamsPublisher
from handlers.teams.registry import register_teams
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
    """Everything one running bot process holds; the Slack or the Teams parts may be absent."""

    settings: Settings
    db: Database
    clock: Clock
    scheduler: CampaignScheduler
    publisher: PlatformPublishers
    # The Slack parts, present when the process serves Slack.
    client: WebClient | None = None
    bolt: App | None = None
    listeners: ListenerPool | None = None
    refresher: VoteCountRefresher | None = None
    outbox: OutboxWorker | None = None
    # The Teams parts, present when the process serves Teams.
    teams: TeamsFront | None = None
    teams_outbox: OutboxWorker | None = None

    def start_background(self) -> None:
        """Start the scheduler and the outbox workers."""
        self.scheduler.start()
        for worker in (self.outbox, self.teams_outbox):
            if worker is not None:
                worker.start()

    def stop(self) -> None:
        """Stop the outbox workers, the scheduler and the refreshers; close database connections."""
        for worker in (self.outbox, self.teams_outbox):
            if worker is not None:
                worker.stop()
        if self.scheduler.running:
            self.scheduler.shutdown()
        if self.refresher is not None:
            self.refresher.stop()
        if self.teams is not None:
            self.teams.stop()
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
    """Build a bot process from settings: Slack, Teams or both, whichever they set up.

    updates_per_minute replaces the vote-count refresher's chat.update pace, for a
    stand-in without Slack's limits; production keeps the refresher's default.
    """
    settings.require_platform()
    if migrate:
        upgrade(settings.database_url)
    clock = clock or SystemClock()
    db = Database(settings.database_url)
    publisher = PlatformPublishers(db, main=SLACK if settings.slack_configured else TEAMS)
    slack: _SlackParts | None = None
    if settings.slack_configured:
        slack = _build_slack(settings, db, clock, publisher, updates_per_minute=updates_per_minute)
        publisher.add(SLACK, slack.publisher)
    teams: TeamsFront | None = None
    teams_outbox: OutboxWorker | None = None
    if settings.teams_configured:
        teams = _build_teams(settings, db, clock)
        publisher.add(TEAMS, teams.context.publisher)
        roles.seed_managers(
            db,
            platform=TEAMS,
            user_ids=settings.teams_manager_ids,
            now=clock.now(),
            setting="STAFFVOICE_TEAMS_MANAGERS",
        )
        teams_outbox = OutboxWorker(
            db=db,
            sender=TeamsOutboxSender(teams.connector, db),
            clock=clock,
            platform=TEAMS,
        )
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
    outboxes = [worker for worker in (slack.outbox if slack else None, teams_outbox) if worker]
    if isinstance(clock, ManualClock):
        clock.on_change(lambda _now: scheduler.sync())
        # Messages due at the new time are sent without waiting for the next poll.
        for worker in outboxes:
            clock.on_change(_waker(worker))
    return BotProcess(
        settings=settings,
        db=db,
        clock=clock,
        scheduler=scheduler,
        publisher=publisher,
        client=slack.client if slack else None,
        bolt=slack.bolt if slack else None,
        listeners=slack.listeners if slack else None,
        refresher=slack.refresher if slack else None,
        outbox=slack.outbox if slack else None,
        teams=teams,
        teams_outbox=teams_outbox,
    )


def _waker(worker: OutboxWorker) -> Callable[[object], None]:
    return lambda _now: worker.wake()


@dataclass
class _SlackParts:
    client: WebClient
    bolt: App
    listeners: ListenerPool
    refresher: VoteCountRefresher
    publisher: SlackPublisher
    outbox: OutboxWorker


def _build_slack(
    settings: Settings,
    db: Database,
    clock: Clock,
    platforms: PlatformPublishers,
    *,
    updates_per_minute: float | None,
) -> _SlackParts:
    roles.seed_managers(db, platform=SLACK, user_ids=settings.manager_ids, now=clock.now())
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
        platforms=platforms,
        names=DisplayNames(client),
        min_group_size=settings.staffvoice_min_group_size,
        anon_key=settings.anon_key,
        checks=settings.post_checks,
    )
    if settings.anon_key is None:
        logger.info("Anonymous posting is off because STAFFVOICE_ANON_KEY is not set")
    register_all(bolt, context)
    outbox = OutboxWorker(
        db=db,
        sender=SlackOutboxSender(
            build_outbox_client(settings), messages_per_second=settings.staffvoice_outbox_rate
        ),
        clock=clock,
        platform=SLACK,
    )
    return _SlackParts(client, bolt, listeners, refresher, publisher, outbox)


def _build_teams(settings: Settings, db: Database, clock: Clock) -> TeamsFront:
    assert settings.teams_app_id is not None
    password = settings.teams_app_password

    def make_context(connector: TeamsConnector) -> TeamsContext:
        return TeamsContext(
            db=db,
            clock=clock,
            timezone=settings.timezone,
            connector=connector,
            publisher=TeamsPublisher(connector, db, timezone=settings.timezone),
            min_group_size=settings.staffvoice_min_group_size,
            anon_key=settings.anon_key,
            checks=settings.post_checks,
        )

    front = TeamsFront(
        app_id=settings.teams_app_id,
        app_password=password.get_secret_value() if password is not None else None,
        tenant_id=settings.teams_tenant_id,
        auth_disabled=settings.teams_auth_disabled,
        make_context=make_context,
    )
    register_teams(front)
    if settings.teams_auth_disabled:
        logger.warning("Teams activities are accepted without a token check (TEAMS_AUTH_DISABLED)")
    return front
