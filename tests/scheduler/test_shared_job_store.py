"""The job store that bot processes share survives their races on one job's row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler

from scheduler.service import JOB_TABLE, SharedJobStore
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
