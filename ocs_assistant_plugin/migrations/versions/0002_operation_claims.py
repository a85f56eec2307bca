"""Remote operations remember which worker claimed them and when (``claimed_by``, ``claimed_at``).

Revision ID: 0002_operation_claims
Revises: 0001_initial
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002_operation_claims'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ocs_remote_operations') as batch:
        batch.add_column(sa.Column('claimed_by', sa.String(length=255), nullable=True))
        batch.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ocs_remote_operations') as batch:
        batch.drop_column('claimed_at')
        batch.drop_column('claimed_by')
