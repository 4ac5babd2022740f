"""Add status owners, "You said, we did" updates, thank-you cards and their settings.

Revision ID: 60c254bc9c60
Revises: d9e4a6b3c5f8
Create Date: 2026-12-05 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "60c254bc9c60"
down_revision: str | None = "d9e4a6b3c5f8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recognition_settings",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.String(length=128), nullable=False),
        sa.Column("channel_id", sa.String(length=128), nullable=True),
        sa.Column("values_text", sa.Text(), nullable=True),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "team_id", name=op.f("pk_recognition_settings")),
    )
    op.create_table(
        "thanks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.String(length=128), nullable=False),
        sa.Column("giver_id", sa.String(length=128), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("values_text", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("channel_id", sa.String(length=128), nullable=True),
        sa.Column("message_id", sa.String(length=128), nullable=True),
        sa.Column("post_claimed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thanks")),
    )
    with op.batch_alter_table("thanks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_thanks_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_thanks_platform_team_id_giver_id_created_at"),
            ["platform", "team_id", "giver_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "thanks_recipients",
        sa.Column("thanks_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("directorate", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["thanks_id"], ["thanks.id"], name=op.f("fk_thanks_recipients_thanks_id_thanks")
        ),
        sa.PrimaryKeyConstraint("thanks_id", "user_id", name=op.f("pk_thanks_recipients")),
    )
    with op.batch_alter_table("thanks_recipients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_thanks_recipients_user_id"), ["user_id"], unique=False)

    op.create_table(
        "yousaid_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_change_id", sa.Integer(), nullable=False),
        sa.Column("idea_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_yousaid_updates_campaign_id_campaigns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_yousaid_updates")),
    )
    with op.batch_alter_table("yousaid_updates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_yousaid_updates_campaign_id"), ["campaign_id"], unique=False
        )

    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("yousaid_monthly", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table("idea_status_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(length=200), nullable=True))

    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_owner", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.drop_column("status_owner")

    with op.batch_alter_table("idea_status_changes", schema=None) as batch_op:
        batch_op.drop_column("owner")

    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("yousaid_monthly")

    with op.batch_alter_table("yousaid_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_yousaid_updates_campaign_id"))

    op.drop_table("yousaid_updates")
    with op.batch_alter_table("thanks_recipients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_thanks_recipients_user_id"))

    op.drop_table("thanks_recipients")
    with op.batch_alter_table("thanks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_thanks_platform_team_id_giver_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_thanks_created_at"))

    op.drop_table("thanks")
    op.drop_table("recognition_settings")
