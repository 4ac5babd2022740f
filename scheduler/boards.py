"""The date jobs of Your Shout boards: one per open board, for its next weekly digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core import board_digest, boards
from storage.database import Database

JOB_ID_PREFIX = "board-digest-"


@dataclass(frozen=True)
class BoardDigestJob:
    """The fixed id, board and due time of one board's next digest job."""

    job_id: str
    board_id: int
    due: datetime


def digest_job_id(board_id: int) -> str:
    """Return the fixed id of the job of a board's next weekly digest."""
    return f"{JOB_ID_PREFIX}{board_id}"


def digest_jobs(db: Database, *, now: datetime, timezone: ZoneInfo) -> list[BoardDigestJob]:
    """Return the next digest job of every open board whose lead has not left."""
    due_jobs: list[BoardDigestJob] = []
    for board in boards.list_boards(db, statuses=(boards.OPEN,)):
        due = board_digest.next_digest_due(db, board, now=now, timezone=timezone)
        if due is not None:
            due_jobs.append(
                BoardDigestJob(job_id=digest_job_id(board.id), board_id=board.id, due=due)
            )
    return due_jobs
