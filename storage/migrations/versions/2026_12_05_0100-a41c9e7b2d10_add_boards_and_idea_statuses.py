"""Add Your Shout boards, idea statuses with their history, and closed-board vote notices.

Revision ID: a41c9e7b2d10
Revises: 5b7e2c1a9d40
Create Date: 2026-12-05 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a41c9e7b2d10"
down_revision: str | None = "5b7e2c1a9d40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "boards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.String(length=128), nullable=False),
        sa.Column("channel_id", sa.String(length=128), nullable=False),
        sa.Column("channel_name", sa.String(length=200), nullable=True),
        sa.Column("private", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("question", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("lead_id", sa.String(length=128), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_reason", sa.String(length=32), nullable=True),
        sa.Column("header_message_id", sa.String(length=128), nullable=True),
        sa.Column("digest_weekday", sa.Integer(), server_default="0", nullable=False),
        sa.Column("digest_minute", sa.Integer(), server_default="540", nullable=False),
        sa.Column("lead_departed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_boards")),
    )
    with op.batch_alter_table("boards", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_boards_platform_channel_id"), ["platform", "channel_id"], unique=False
        )
        batch_op.create_index(
            "uq_boards_open_channel",
            ["platform", "channel_id"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )

    op.create_table(
        "board_vote_notices",
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["board_id"], ["boards.id"], name=op.f("fk_board_vote_notices_board_id_boards")
        ),
        sa.PrimaryKeyConstraint(
            "board_id", "platform", "team_id", "user_id", name=op.f("pk_board_vote_notices")
        ),
    )
    op.create_table(
        "idea_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.String(length=128), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas.id"], name=op.f("fk_idea_status_changes_idea_id_ideas")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_status_changes")),
    )
    with op.batch_alter_table("idea_status_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idea_status_changes_idea_id"), ["idea_id"], unique=False
        )

    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("board_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("status", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("status_reply", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("status_changed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("status_changed_by", sa.String(length=128), nullable=True))
        batch_op.create_index(batch_op.f("ix_ideas_board_id"), ["board_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_ideas_board_id_boards"), "boards", ["board_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_ideas_board_id_boards"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_ideas_board_id"))
        batch_op.drop_column("status_changed_by")
        batch_op.drop_column("status_changed_at")
        batch_op.drop_column("status_reply")
        batch_op.drop_column("status")
        batch_op.drop_column("board_id")

    with op.batch_alter_table("idea_status_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idea_status_changes_idea_id"))

    op.drop_table("idea_status_changes")
    op.drop_table("board_vote_notices")
    with op.batch_alter_table("boards", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_boards_open_channel",
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )
        batch_op.drop_index(batch_op.f("ix_boards_platform_channel_id"))

    op.drop_table("boards")
