"""APScheduler with one date job per campaign transition, kept in step with the database.

Each open Your Shout board also gets a date job for its next weekly digest,
derived in scheduler/boards.py. The jobs are stored in APScheduler's
SQLAlchemy job store in the bot's database, and re-derived from the campaigns
and boards tables at start-up and every SYNC_SECONDS. A job that fell due
while every process was down runs as soon as one starts, and a campaign
created by another process is picked up. Two processes may both run a due
job. Its effect still happens once, because a campaign transition is a
guarded UPDATE and a board digest claims a ScheduledRun key.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import ConflictingIdError, JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED

from bot.core import campaigns, digest, reminders
from bot.core.clock import Clock
from scheduler import boards, jobs, recognition, retention, yousaid
from storage.database import Database

logger = logging.getLogger(__name__)

SYNC_SECONDS = 30
RETRY_SECONDS = 30
STALE_REFRESH_SECONDS = 60
EVENT_CLEANUP_SECONDS = 3600
# Held drafts expire after a day; this removes each within 15 minutes of its expiry.
HELD_DRAFT_CLEANUP_SECONDS = 900
# A job whose time moved by less than this is left as it is.
SAME_TIME_TOLERANCE = timedelta(seconds=1)

CAMPAIGN_JOB_STORE = "campaigns"
# Created by a migration (storage/migrations), with the columns APScheduler 3 expects.
JOB_TABLE = "apscheduler_jobs"

JOB_DEFAULTS = {
    # A run missed while the process was busy or down happens once, however late.
    "coalesce": True,
    "misfire_grace_time": None,
    "max_instances": 1,
}


class SharedJobStore(SQLAlchemyJobStore):
    """A SQLAlchemy job store that several processes share.

    Every process runs a due date job it finds and then removes it, but the
    row may be gone already because another process removed it first.
    APScheduler 3's own store raises JobLookupError then, and that ends the
    scheduler's thread. So this store ignores a missing row on removal.
    """

    def remove_job(self, job_id: str) -> None:
        """Delete a job's row, doing nothing when another process deleted it already."""
        try:
            super().remove_job(job_id)
        except JobLookupError:
            logger.debug("Job %s was removed already, by another process", job_id)

    def update_job(self, job: Any) -> None:
        """Rewrite a job's row, or insert it when another process deleted it meanwhile.

        APScheduler replaces an existing job by trying an insert and, on a conflict,
        an update. Between the two, another process may run and delete the job, and
        the update then raised JobLookupError out of add_job.
        """
        try:
            super().update_job(job)
        except JobLookupError:
            try:
                super().add_job(job)
            except ConflictingIdError:
                # A third turn of the same race: another process's sync of the same
                # campaign wrote the row again, so it contains the same job.
                logger.debug("Job %s was added again meanwhile, by another process", job.id)


class StoppableScheduler(BackgroundScheduler):
    """A background scheduler whose thread survives a shutdown that begins mid-pass.

    APScheduler 3's shutdown() marks the scheduler stopped before it takes the
    job store lock, so a pass over the due jobs already holding that lock runs
    on. When that pass then removes a finished date job, remove_job() looks
    only at the jobs pending a start, raises JobLookupError, and the exception
    ends the scheduler's thread with the job's row left in the store. This
    scheduler removes the row from its store then, as a running scheduler would.
    """

    def remove_job(self, job_id: str, jobstore: str | None = None) -> None:
        """Remove a job; once stopped, from the named store when it is not pending."""
        try:
            super().remove_job(job_id, jobstore)
        except JobLookupError:
            if self.state != STATE_STOPPED or jobstore is None:
                raise
            with self._jobstores_lock:
                store = self._jobstores.get(jobstore)
                if store is None:
                    raise
                store.remove_job(job_id)
            logger.debug("Removed %s during shutdown", job_id)


class TrackingThreadPoolExecutor(ThreadPoolExecutor):
    """A thread pool executor that tracks which jobs have a run submitted and not yet finished.

    APScheduler 3 calls submit_job while it holds its job store lock, and only
    then removes a date job from its store. So a caller that reads the store
    and then calls is_running() never misses a job that is running.
    finish_run() is called for each EVENT_JOB_EXECUTED, EVENT_JOB_ERROR and
    EVENT_JOB_MISSED event, and each submitted run time ends in one of them.
    NOTE: a run whose call of APScheduler's run_job itself fails ends without
    an event, so its job id counts as running until the process restarts.
    """

    def __init__(self) -> None:
        super().__init__()
        self._runs_lock = threading.Lock()
        self._unfinished_runs: Counter[str] = Counter()

    def submit_job(self, job: Any, run_times: Sequence[datetime]) -> None:
        """Count the job's runs as unfinished, then submit them to the thread pool."""
        with self._runs_lock:
            self._unfinished_runs[job.id] += len(run_times)
        try:
            super().submit_job(job, run_times)
        except BaseException:
            # Not submitted (for example MaxInstancesReachedError), so no event will end the runs.
            self._end_runs(job.id, len(run_times))
            raise

    def finish_run(self, job_id: str) -> None:
        """Record that one submitted run of the job has ended."""
        self._end_runs(job_id, 1)

    def is_running(self, job_id: str) -> bool:
        """Return whether a run of the job is submitted and not yet finished."""
        with self._runs_lock:
            return self._unfinished_runs[job_id] > 0

    def _end_runs(self, job_id: str, count: int) -> None:
        with self._runs_lock:
            self._unfinished_runs[job_id] -= count
            if self._unfinished_runs[job_id] <= 0:
                del self._unfinished_runs[job_id]


def open_job_id(campaign_id: int) -> str:
    """Return the fixed id of a campaign's opening job."""
    return f"campaign-open-{campaign_id}"


def close_job_id(campaign_id: int) -> str:
    """Return the fixed id of a campaign's closing job."""
    return f"campaign-close-{campaign_id}"


def remind_job_id(campaign_id: int) -> str:
    """Return the fixed id of the job of a campaign's next channel reminder."""
    return f"campaign-remind-{campaign_id}"


def digest_job_id(campaign_id: int) -> str:
    """Return the fixed id of the job of a campaign's next daily digest."""
    return f"campaign-digest-{campaign_id}"


# Jobs after which sync() runs at once, to schedule what comes next.
_RESYNC_PREFIXES = (
    "campaign-open-",
    "campaign-remind-",
    "campaign-digest-",
    boards.JOB_ID_PREFIX,
)


class CampaignScheduler:
    """Runs the campaign and board jobs in a background thread of this process."""

    def __init__(self, *, db: Database, clock: Clock, timezone: ZoneInfo) -> None:
        self._db = db
        self._clock = clock
        # The time zone of reminder days and the digest's local time.
        self._timezone = timezone
        # Campaign jobs live in the bot's own database, so every process sees
        # the same set; the periodic jobs are per process and stay in memory.
        jobstores = {
            "default": MemoryJobStore(),
            CAMPAIGN_JOB_STORE: SharedJobStore(engine=db.engine, tablename=JOB_TABLE),
        }
        # Kept here so shutdown() can wait for running jobs itself (see shutdown()),
        # and so _schedule() can leave a running job alone.
        self._executor = TrackingThreadPoolExecutor()
        self._stopping = False
        self._scheduler = StoppableScheduler(
            timezone=UTC,
            job_defaults=JOB_DEFAULTS,
            jobstores=jobstores,
            executors={"default": self._executor},
        )

    def start(self) -> None:
        """Start the scheduler with the periodic jobs and one job per due transition."""
        periodic = [
            ("campaign-sync", self.sync, SYNC_SECONDS),
            ("delivery-retry", jobs.retry_deliveries, RETRY_SECONDS),
            ("idea-refresh", jobs.refresh_stale_idea_messages, STALE_REFRESH_SECONDS),
            ("event-cleanup", jobs.forget_old_events, EVENT_CLEANUP_SECONDS),
            ("held-draft-cleanup", jobs.remove_expired_drafts, HELD_DRAFT_CLEANUP_SECONDS),
            ("retention", retention.anonymise_expired_campaigns, retention.RETENTION_SECONDS),
            ("thanks-card-retry", recognition.retry_thanks_cards, RETRY_SECONDS),
            (
                "recognition-summary",
                recognition.send_recognition_summaries,
                recognition.SUMMARY_SECONDS,
            ),
            ("yousaid-monthly", yousaid.post_monthly_yousaid_updates, yousaid.YOUSAID_SECONDS),
        ]
        for job_id, func, seconds in periodic:
            self._scheduler.add_job(
                func, "interval", seconds=seconds, id=job_id, replace_existing=True
            )
        self._scheduler.add_listener(
            self._after_job, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED
        )
        self._scheduler.start()
        self.sync()
        logger.info("Scheduler started")

    @property
    def running(self) -> bool:
        """Return whether start() was called and shutdown() was not."""
        return bool(self._scheduler.running)

    def shutdown(self) -> None:
        """Stop the scheduler, waiting for running jobs to finish."""
        self._stopping = True
        # APScheduler's shutdown(wait=True) holds its job store lock while it
        # waits for running jobs, and a job that calls sync() needs that lock,
        # so the wait happens here, after the locks are released.
        self._scheduler.shutdown(wait=False)
        self._executor.shutdown(wait=True)
        logger.info("Scheduler stopped")

    def sync(self) -> None:
        """Schedule the opening or closing job of every scheduled or open campaign.

        An open campaign also gets a job for its next reminder not yet sent and
        one for its next digest, and an open Your Shout board one for its next
        weekly digest. A job whose campaign or board moved on (opened, closed,
        or removed) is dropped, and a job whose time changed is moved. Once
        shutdown() has begun, this does nothing: the next process to start
        syncs again.
        """
        if self._stopping:
            return
        expected_job_ids: set[str] = set()
        for campaign in campaigns.list_campaigns(self._db, statuses=("scheduled", "open")):
            if campaign.status == "scheduled":
                job_id = open_job_id(campaign.id)
                self._schedule(job_id, jobs.open_campaign, campaign.id, campaign.starts_at)
            else:
                job_id = close_job_id(campaign.id)
                self._schedule(job_id, jobs.close_campaign, campaign.id, campaign.ends_at)
                expected_job_ids |= self._schedule_notices(campaign.id)
            expected_job_ids.add(job_id)
        for board_job in boards.digest_jobs(
            self._db, now=self._clock.now(), timezone=self._timezone
        ):
            self._schedule(
                board_job.job_id, jobs.send_board_digest, board_job.board_id, board_job.due
            )
            expected_job_ids.add(board_job.job_id)
        for job in self._scheduler.get_jobs(jobstore=CAMPAIGN_JOB_STORE):
            if job.id not in expected_job_ids:
                self._remove(job.id)

    def _after_job(self, event: JobExecutionEvent) -> None:
        # The run must count as finished before the sync below, or _schedule()
        # would leave the next job of the same id unscheduled.
        self._executor.finish_run(event.job_id)
        # An opened campaign needs its closing job straight away, not at the next
        # sync, and a sent reminder or digest needs the job of the next one.
        if event.code == EVENT_JOB_EXECUTED and event.job_id.startswith(_RESYNC_PREFIXES):
            self.sync()

    def _schedule_notices(self, campaign_id: int) -> set[str]:
        """Schedule an open campaign's next reminder and digest jobs; return their ids."""
        timezone = self._timezone
        scheduled: set[str] = set()
        remind_at = reminders.next_reminder_time(self._db, campaign_id, timezone=timezone)
        if remind_at is not None:
            job_id = remind_job_id(campaign_id)
            self._schedule(job_id, jobs.send_campaign_reminder, campaign_id, remind_at)
            scheduled.add(job_id)
        digest_at = digest.next_digest_due(
            self._db, campaign_id, now=self._clock.now(), timezone=timezone
        )
        if digest_at is not None:
            job_id = digest_job_id(campaign_id)
            self._schedule(job_id, jobs.send_campaign_digest, campaign_id, digest_at)
            scheduled.add(job_id)
        return scheduled

    def _schedule(self, job_id: str, func: object, record_id: int, due: datetime) -> None:
        run_at = self._real_time_of(due)
        existing = self._scheduler.get_job(job_id, jobstore=CAMPAIGN_JOB_STORE)
        if existing is None and self._executor.is_running(job_id):
            # APScheduler removed the date job from its store when the run started.
            # The run is not recorded yet, so `due` is still its time, and adding the
            # job again would only be skipped as a second instance. The sync after
            # the run schedules the next one.
            return
        # A job added before start() has no next_run_time yet.
        next_run = getattr(existing, "next_run_time", None)
        if next_run is not None and abs(next_run - run_at) < SAME_TIME_TOLERANCE:
            return
        self._scheduler.add_job(
            func,
            "date",
            run_date=run_at,
            args=[record_id],
            id=job_id,
            jobstore=CAMPAIGN_JOB_STORE,
            replace_existing=True,
        )
        logger.info("Scheduled %s at %s", job_id, run_at.isoformat())

    def _remove(self, job_id: str) -> None:
        try:
            self._scheduler.remove_job(job_id, jobstore=CAMPAIGN_JOB_STORE)
        except JobLookupError:
            # Another process ran or removed it first.
            return
        logger.info("Removed %s, whose campaign or board no longer needs it", job_id)

    def _real_time_of(self, due: datetime) -> datetime:
        # The domain clock may run apart from the wall clock (the simulated
        # campaign moves it by hand), so the wait is measured on the domain clock.
        wait = max(due - self._clock.now(), timedelta(0))
        return datetime.now(UTC) + wait
