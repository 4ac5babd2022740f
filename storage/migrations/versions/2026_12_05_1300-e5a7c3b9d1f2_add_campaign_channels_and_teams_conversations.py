"""Add campaign channels on other platforms and the Teams conversations the bot has seen.

Revision ID: e5a7c3b9d1f2
Revises: 7b1e2c9d4f60
Create Date: 2026-12-05 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5a7c3b9d1f2"
down_revision: str | None = "7b1e2c9d4f60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaign_channels",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=128), nullable=False),
        sa.Column("launch_message_id", sa.String(length=128), nullable=True),
        sa.Column("summary_message_id", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_channels_campaign_id_campaigns"),
        ),
        sa.PrimaryKeyConstraint("campaign_id", "platform", name=op.f("pk_campaign_channels")),
    )
    op.create_index(
        op.f("ix_campaign_channels_platform_channel_id"),
        "campaign_channels",
        ["platform", "channel_id"],
    )
    op.create_table(
        "teams_conversations",
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("tenant_id", sa.String(length=128), nullable=False),
        sa.Column("service_url", sa.String(length=500), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=True),
        sa.Column("member_id", sa.String(length=128), nullable=True),
        sa.Column("team_id", sa.String(length=128), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_teams_conversations")),
    )
    op.create_index(op.f("ix_teams_conversations_user_id"), "teams_conversations", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_teams_conversations_user_id"), table_name="teams_conversations")
    op.drop_table("teams_conversations")
    op.drop_index(op.f("ix_campaign_channels_platform_channel_id"), table_name="campaign_channels")
    op.drop_table("campaign_channels")
