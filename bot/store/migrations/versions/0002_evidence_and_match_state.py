"""evidence and match state

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 10:56:52.888414
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=True),
        sa.Column("person_username", sa.String(length=255), nullable=False),
        sa.Column("expectation", sa.String(length=120), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=40), nullable=False),
        sa.Column("rule", sa.String(length=120), nullable=False),
        sa.Column("rule_digest", sa.String(length=64), nullable=False),
        sa.Column("activity_key", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("project_path", sa.String(length=500), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column(
            "why",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("matched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidence_activity_key"), ["activity_key"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_evidence_expectation"), ["expectation"], unique=False)
        batch_op.create_index(
            "ix_evidence_person_time", ["person_username", "occurred_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_evidence_rule"), ["rule"], unique=False)

    op.create_table(
        "match_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("position", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rules_digest", sa.String(length=64), nullable=False),
        sa.Column("matched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activities_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activities_updated_at"))

    op.drop_table("match_state")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_rule"))
        batch_op.drop_index("ix_evidence_person_time")
        batch_op.drop_index(batch_op.f("ix_evidence_expectation"))
        batch_op.drop_index(batch_op.f("ix_evidence_activity_key"))

    op.drop_table("evidence")
