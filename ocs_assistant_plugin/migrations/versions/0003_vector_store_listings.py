"""The page cursors of each vector store's last full listing (``models.VectorStoreListing``).

Revision ID: 0003_vector_store_listings
Revises: 0002_operation_claims
Create Date: 2026-11-30

Self-contained like 0001 (no import of ``models``).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0003_vector_store_listings'
down_revision = '0002_operation_claims'
branch_labels = None
depends_on = None

#: ``json`` on SQLite, ``jsonb`` on PostgreSQL (``models.JSONType``).
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
#: ``models.UTCDateTime`` as stored.
DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('ocs_vector_store_listings',
        sa.Column('vector_store_id', sa.String(length=128), nullable=False),
        sa.Column('page_size', sa.Integer(), nullable=False),
        sa.Column('file_count', sa.Integer(), nullable=False),
        sa.Column('page_cursors', JSON, nullable=False),
        sa.Column('listed_at', DATETIME, nullable=False),
        sa.PrimaryKeyConstraint('vector_store_id', name=op.f('pk_ocs_vector_store_listings'))
    )


def downgrade() -> None:
    op.drop_table('ocs_vector_store_listings')
