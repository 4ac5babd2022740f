"""Add roles, topics, campaign interest, the outbox and scheduled runs.

Revision ID: 8d020e1fec5f
Revises: 0786f52fbdbf
Create Date: 2026-12-04 20:44:11.266737
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8d020e1fec5f"
down_revision: str | None = "0786f52fbdbf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("not_before", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("failed_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("message_id", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_sent_at_failed_at_not_before"),
            ["sent_at", "failed_at", "not_before"],
            unique=False,
        )

    op.create_table(
        "roles",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
        sa.Column("granted_by", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("platform", "user_id", "role", name=op.f("pk_roles")),
    )
    op.create_table(
        "scheduled_runs",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("ran_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_scheduled_runs")),
    )
    op.create_table(
        "campaign_interest",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_interest_campaign_id_campaigns"),
        ),
        sa.PrimaryKeyConstraint(
            "campaign_id", "platform", "team_id", "user_id", name=op.f("pk_campaign_interest")
        ),
    )
    op.create_table(
        "topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_topics_campaign_id_campaigns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topics")),
        sa.UniqueConstraint("campaign_id", "position", name=op.f("uq_topics_campaign_id_position")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by", sa.String(length=128), nullable=True))
        batch_op.add_column(
            sa.Column("hide_counts", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("repeat_quarterly", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("reminder_days", sa.String(length=100), server_default="10", nullable=False)
        )
        batch_op.add_column(
            sa.Column("final_reminder_hours", sa.Integer(), server_default="48", nullable=False)
        )
        batch_op.add_column(
            sa.Column("announcement_message_id", sa.String(length=128), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_campaigns_series_id"), ["series_id"], unique=False)

    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("topic_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_ideas_topic_id"), ["topic_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_ideas_topic_id_topics"), "topics", ["topic_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_ideas_topic_id_topics"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_ideas_topic_id"))
        batch_op.drop_column("topic_id")

    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaigns_series_id"))
        batch_op.drop_column("announcement_message_id")
        batch_op.drop_column("final_reminder_hours")
        batch_op.drop_column("reminder_days")
        batch_op.drop_column("series_id")
        batch_op.drop_column("repeat_quarterly")
        batch_op.drop_column("hide_counts")
        batch_op.drop_column("created_by")

    op.drop_table("topics")
    op.drop_table("campaign_interest")
    op.drop_table("scheduled_runs")
    op.drop_table("roles")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_sent_at_failed_at_not_before"))

    op.drop_table("outbox")
