"""APScheduler with one date job per campaign transition, kept in step with the database.

Jobs live in APScheduler's memory store and are re-created from the campaigns
table at start-up and every SYNC_SECONDS, so the database is the one record
of what is due: a job that fell due while the bot was down runs as soon as it
starts again, and a campaign created by another process is picked up.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler

from bot.core import campaigns
from bot.core.clock import Clock
from scheduler import jobs
from storage.database import Database

logger = logging.getLogger(__name__)

SYNC_SECONDS = 30
RETRY_SECONDS = 60
STALE_REFRESH_SECONDS = 60
EVENT_CLEANUP_SECONDS = 3600
# A job whose time moved by less than this is left as it is.
SAME_TIME_TOLERANCE = timedelta(seconds=1)

JOB_DEFAULTS = {
    # A run missed while the process was busy or down happens once, however late.
    "coalesce": True,
    "misfire_grace_time": None,
    "max_instances": 1,
}


def open_job_id(campaign_id: int) -> str:
    """Return the fixed id of a campaign's opening job."""
    return f"campaign-open-{campaign_id}"


def close_job_id(campaign_id: int) -> str:
    """Return the fixed id of a campaign's closing job."""
    return f"campaign-close-{campaign_id}"


class CampaignScheduler:
    """Runs the campaign jobs in a background thread of this process."""

    def __init__(self, *, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._scheduler = BackgroundScheduler(timezone=UTC, job_defaults=JOB_DEFAULTS)

    def start(self) -> None:
        """Start the scheduler with the periodic jobs and one job per due transition."""
        periodic = [
            ("campaign-sync", self.sync, SYNC_SECONDS),
            ("delivery-retry", jobs.retry_deliveries, RETRY_SECONDS),
            ("idea-refresh", jobs.refresh_stale_idea_messages, STALE_REFRESH_SECONDS),
            ("event-cleanup", jobs.forget_old_events, EVENT_CLEANUP_SECONDS),
        ]
        for job_id, func, seconds in periodic:
            self._scheduler.add_job(
                func, "interval", seconds=seconds, id=job_id, replace_existing=True
            )
        self._scheduler.add_listener(self._after_job, EVENT_JOB_EXECUTED)
        self._scheduler.start()
        self.sync()
        logger.info("Scheduler started")

    def shutdown(self) -> None:
        """Stop the scheduler, waiting for running jobs to finish."""
        self._scheduler.shutdown(wait=True)
        logger.info("Scheduler stopped")

    def sync(self) -> None:
        """Schedule the opening or closing job of every scheduled or open campaign."""
        for campaign in campaigns.list_campaigns(self._db, statuses=("scheduled", "open")):
            if campaign.status == "scheduled":
                self._schedule(
                    open_job_id(campaign.id), jobs.open_campaign, campaign.id, campaign.starts_at
                )
            else:
                self._schedule(
                    close_job_id(campaign.id), jobs.close_campaign, campaign.id, campaign.ends_at
                )

    def _after_job(self, event: JobExecutionEvent) -> None:
        # An opened campaign needs its closing job straight away, not at the next sync.
        if event.job_id.startswith("campaign-open-"):
            self.sync()

    def _schedule(self, job_id: str, func: object, campaign_id: int, due: datetime) -> None:
        run_at = self._real_time_of(due)
        existing = self._scheduler.get_job(job_id)
        # A job added before start() has no next_run_time yet.
        next_run = getattr(existing, "next_run_time", None)
        if next_run is not None and abs(next_run - run_at) < SAME_TIME_TOLERANCE:
            return
        self._scheduler.add_job(
            func,
            "date",
            run_date=run_at,
            args=[campaign_id],
            id=job_id,
            replace_existing=True,
        )
        logger.info("Scheduled %s at %s", job_id, run_at.isoformat())

    def _real_time_of(self, due: datetime) -> datetime:
        # The domain clock may run apart from the wall clock (the simulated
        # campaign moves it by hand), so the wait is measured on the domain clock.
        wait = max(due - self._clock.now(), timedelta(0))
        return datetime.now(UTC) + wait
