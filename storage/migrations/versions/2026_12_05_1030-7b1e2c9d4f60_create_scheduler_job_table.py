"""Create APScheduler's job table with the other tables.

APScheduler 3 creates this table when its scheduler starts, if it is missing.
Two bot processes started together on a new database both found it missing,
and the second one's CREATE TABLE failed. Created here, in the migrations that
each process runs under a lock before its scheduler starts, it is always
present by then. The columns are those of APScheduler 3.11's SQLAlchemyJobStore.

Revision ID: 7b1e2c9d4f60
Revises: 60c254bc9c60
Create Date: 2026-12-05 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7b1e2c9d4f60"
down_revision: str | None = "60c254bc9c60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "apscheduler_jobs"


def upgrade() -> None:
    # A database that a scheduler has run on already has the table.
    if sa.inspect(op.get_bind()).has_table(TABLE):
        return
    op.create_table(
        TABLE,
        sa.Column("id", sa.Unicode(191), nullable=False),
        sa.Column("next_run_time", sa.Float(25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="apscheduler_jobs_pkey"),
    )
    op.create_index("ix_apscheduler_jobs_next_run_time", TABLE, ["next_run_time"])


def downgrade() -> None:
    if sa.inspect(op.get_bind()).has_table(TABLE):
        op.drop_table(TABLE)
