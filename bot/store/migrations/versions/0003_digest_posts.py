"""digest posts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 11:46:24.395717
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "digest_posts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person", sa.String(length=255), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("destination", sa.String(length=600), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("note_id", sa.BigInteger(), nullable=True),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.Column("body_sha256", sa.String(length=64), nullable=True),
        sa.Column("claimed_by", sa.String(length=120), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person", "week"),
    )
    with op.batch_alter_table("digest_posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_posts_week"), ["week"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("digest_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_posts_week"))

    op.drop_table("digest_posts")
