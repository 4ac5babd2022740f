"""The job store that bot processes share survives their races on one job's row,
and the scheduler's thread survives a shutdown that begins while it runs a job."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED

from scheduler.service import JOB_TABLE, SharedJobStore, StoppableScheduler
from storage.database import Database


def _noop(record_id: int) -> None:
    return None


def test_update_of_deleted_row_inserts(db: Database) -> None:
    store = SharedJobStore(engine=db.engine, tablename=JOB_TABLE)
    scheduler = BackgroundScheduler(jobstores={"shared": store}, timezone=UTC)
    scheduler.start(paused=True)
    try:
        run_at = datetime.now(UTC) + timedelta(days=1)
        job = scheduler.add_job(
            _noop, "date", run_date=run_at, args=[1], id="campaign-close-1", jobstore="shared"
        )
        # Another process ran the job and deleted its row after this one's insert conflicted.
        with db.engine.begin() as connection:
            connection.execute(sa.text(f"DELETE FROM {JOB_TABLE}"))

        store.update_job(job)

        [stored] = store.get_all_jobs()
        assert stored.id == "campaign-close-1"
        assert stored.next_run_time == run_at
    finally:
        scheduler.shutdown(wait=False)


class _StopDuringSubmit(ThreadPoolExecutor):
    """Begins the scheduler's shutdown in another thread while a due job is submitted.

    shutdown() marks the scheduler stopped and then waits for the job store lock,
    which the scheduler's pass over the due jobs holds until it has removed the job.
    """

    def __init__(self) -> None:
        super().__init__()
        self.scheduler: StoppableScheduler | None = None
        self.stopper: threading.Thread | None = None

    def submit_job(self, job: Any, run_times: Any) -> None:
        super().submit_job(job, run_times)
        scheduler = self.scheduler
        assert scheduler is not None
        self.stopper = threading.Thread(target=scheduler.shutdown, kwargs={"wait": False})
        self.stopper.start()
        deadline = time.monotonic() + 10
        while scheduler.state != STATE_STOPPED:
            assert time.monotonic() < deadline, "shutdown() did not begin"
            time.sleep(0.01)


def test_shutdown_during_a_pass_removes_the_run_job(db: Database) -> None:
    store = SharedJobStore(engine=db.engine, tablename=JOB_TABLE)
    executor = _StopDuringSubmit()
    scheduler = StoppableScheduler(
        jobstores={"shared": store}, executors={"default": executor}, timezone=UTC
    )
    executor.scheduler = scheduler
    thread_errors: list[BaseException | None] = []
    previous_hook = threading.excepthook
    threading.excepthook = lambda args: thread_errors.append(args.exc_value)
    try:
        scheduler.start(paused=True)
        scheduler.add_job(
            _noop,
            "date",
            run_date=datetime.now(UTC),
            args=[1],
            id="campaign-remind-1",
            jobstore="shared",
        )
        scheduler.resume()
        # shutdown() returns once the scheduler's thread has ended.
        deadline = time.monotonic() + 10
        while executor.stopper is None or executor.stopper.is_alive():
            assert time.monotonic() < deadline, "the job was not run and the scheduler not stopped"
            time.sleep(0.01)
    finally:
        threading.excepthook = previous_hook

    assert thread_errors == []
    with db.engine.connect() as connection:
        rows = connection.execute(sa.text(f"SELECT id FROM {JOB_TABLE}")).all()
    assert rows == []
