"""Add the staff directory, participation snapshots, headcounts and group reminders.

Revision ID: c3d8e5f1a7b2
Revises: a41c9e7b2d10
Create Date: 2026-12-05 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3d8e5f1a7b2"
down_revision: str | None = "a41c9e7b2d10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "anonymous_contributions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("group_name", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anonymous_contributions")),
        sa.UniqueConstraint(
            "scope",
            "dimension",
            "group_name",
            name=op.f("uq_anonymous_contributions_scope_dimension_group_name"),
        ),
    )
    op.create_table(
        "group_headcounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("group_name", sa.String(length=200), nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_headcounts")),
        sa.UniqueConstraint(
            "scope",
            "dimension",
            "group_name",
            name=op.f("uq_group_headcounts_scope_dimension_group_name"),
        ),
    )
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("directorate", sa.String(length=200), nullable=True),
        sa.Column("band", sa.String(length=50), nullable=True),
        sa.Column("staff_group", sa.String(length=200), nullable=True),
        sa.Column("locality", sa.String(length=200), nullable=True),
        sa.Column("platform", sa.String(length=16), nullable=True),
        sa.Column("user_id", sa.String(length=128), nullable=True),
        sa.Column("match_state", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("matched_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("left_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("email", name=op.f("uq_staff_email")),
    )
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_match_state"), ["match_state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_staff_platform_user_id"), ["platform", "user_id"], unique=False
        )

    op.create_table(
        "staff_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("left", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_imports")),
    )
    op.create_table(
        "group_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("group_names", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_group_reminders_campaign_id_campaigns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_reminders")),
    )
    with op.batch_alter_table("group_reminders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_reminders_campaign_id"), ["campaign_id"], unique=False
        )

    op.create_table(
        "participant_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("board_id", sa.Integer(), nullable=True),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("in_directory", sa.Boolean(), nullable=False),
        sa.Column("directorate", sa.String(length=200), nullable=True),
        sa.Column("band", sa.String(length=50), nullable=True),
        sa.Column("staff_group", sa.String(length=200), nullable=True),
        sa.Column("locality", sa.String(length=200), nullable=True),
        sa.Column("first_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["board_id"], ["boards.id"], name=op.f("fk_participant_groups_board_id_boards")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_participant_groups_campaign_id_campaigns"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant_groups")),
        sa.UniqueConstraint(
            "scope",
            "platform",
            "team_id",
            "user_id",
            name=op.f("uq_participant_groups_scope_platform_team_id_user_id"),
        ),
    )
    with op.batch_alter_table("participant_groups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participant_groups_board_id"), ["board_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_participant_groups_campaign_id"), ["campaign_id"], unique=False
        )

    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), server_default="chat", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.drop_column("source")

    with op.batch_alter_table("participant_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participant_groups_campaign_id"))
        batch_op.drop_index(batch_op.f("ix_participant_groups_board_id"))

    op.drop_table("participant_groups")
    with op.batch_alter_table("group_reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_reminders_campaign_id"))

    op.drop_table("group_reminders")
    op.drop_table("staff_imports")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_platform_user_id"))
        batch_op.drop_index(batch_op.f("ix_staff_match_state"))

    op.drop_table("staff")
    op.drop_table("group_headcounts")
    op.drop_table("anonymous_contributions")
