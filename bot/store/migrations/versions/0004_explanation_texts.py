"""explanation texts, stored once per rule version

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 18:05:00.000000

Evidence rows stored before this keep their whole explanations, which read as they did.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "explanation_texts",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "checks",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    # Evidence rows stored since name texts that go with this table. Evidence is derived from
    # the stored activities, so it goes too, and the older release's next ``match`` rebuilds it
    # (without a match state, it starts from the first activity).
    op.execute("DELETE FROM evidence")
    op.execute("DELETE FROM match_state")
    op.drop_table("explanation_texts")
