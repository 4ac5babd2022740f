"""Add anonymous authors by keyed hash, held posts, moderation, relays and the audit log.

Revision ID: d9e4a6b3c5f8
Revises: c3d8e5f1a7b2
Create Date: 2026-12-05 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d9e4a6b3c5f8"
down_revision: str | None = "c3d8e5f1a7b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)

    op.create_table(
        "held_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_posts")),
    )
    with op.batch_alter_table("held_posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_held_posts_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "moderation_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_kind", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reporter_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("resolved_by", sa.String(length=128), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_items")),
        sa.UniqueConstraint(
            "item_kind",
            "item_id",
            "source",
            "reporter_hash",
            name=op.f("uq_moderation_items_item_kind_item_id_source_reporter_hash"),
        ),
    )
    with op.batch_alter_table("moderation_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_moderation_items_status_created_at"),
            ["status", "created_at"],
            unique=False,
        )

    op.create_table(
        "relay_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_kind", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.String(length=128), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relay_messages")),
    )
    with op.batch_alter_table("relay_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_relay_messages_item_id"), ["item_id"], unique=False)

    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anonymised_at", sa.DateTime(), nullable=True))

    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("anonymous", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("author_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hidden_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("hidden_by", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("checks_overridden", sa.String(length=64), nullable=True))
        batch_op.alter_column("user_id", existing_type=sa.VARCHAR(length=128), nullable=True)
        batch_op.create_index(batch_op.f("ix_comments_author_hash"), ["author_hash"], unique=False)

    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("author_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hidden_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("hidden_by", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("checks_overridden", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_ideas_author_hash"), ["author_hash"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ideas_author_hash"))
        batch_op.drop_column("checks_overridden")
        batch_op.drop_column("withdrawn_at")
        batch_op.drop_column("hidden_by")
        batch_op.drop_column("hidden_at")
        batch_op.drop_column("author_hash")

    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comments_author_hash"))
        batch_op.alter_column("user_id", existing_type=sa.VARCHAR(length=128), nullable=False)
        batch_op.drop_column("checks_overridden")
        batch_op.drop_column("hidden_by")
        batch_op.drop_column("hidden_at")
        batch_op.drop_column("author_hash")
        batch_op.drop_column("anonymous")

    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("anonymised_at")

    with op.batch_alter_table("relay_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relay_messages_item_id"))

    op.drop_table("relay_messages")
    with op.batch_alter_table("moderation_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_moderation_items_status_created_at"))

    op.drop_table("moderation_items")
    with op.batch_alter_table("held_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_held_posts_expires_at"))

    op.drop_table("held_posts")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
