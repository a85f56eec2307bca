"""The plugin's tables, constraints and indexes as ``models`` first declared them.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-24

Self-contained on purpose (no import of ``models``, which will change): the types are spelled
out as the database stores them (``UTCDateTime`` is a timezone-aware ``DateTime``).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0001_initial'
down_revision = None
branch_labels = None
depends_on = None

#: ``json`` on SQLite, ``jsonb`` on PostgreSQL (``models.JSONType``).
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
#: ``models.UTCDateTime`` as stored.
DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('ocs_assistants',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('backend', sa.String(length=16), nullable=False),
        sa.Column('name', sa.String(length=256), nullable=False),
        sa.Column('description', sa.String(length=512), nullable=False),
        sa.Column('instructions', sa.Text(), nullable=False),
        sa.Column('model', sa.String(length=256), nullable=False),
        sa.Column('temperature', sa.Float(), nullable=True),
        sa.Column('top_p', sa.Float(), nullable=True),
        sa.Column('response_format', JSON, nullable=True),
        sa.Column('builtin_tools', JSON, nullable=False),
        sa.Column('function_tools', JSON, nullable=False),
        sa.Column('openai_id', sa.String(length=128), nullable=True),
        sa.Column('vector_store_id', sa.String(length=128), nullable=True),
        sa.Column('archived', sa.Boolean(), nullable=False),
        sa.Column('is_version', sa.Boolean(), nullable=False),
        sa.Column('working_id', sa.Integer(), nullable=True),
        sa.Column('version_number', sa.Integer(), nullable=True),
        sa.Column('release_label', sa.String(length=256), nullable=True),
        sa.Column('content_hash', sa.String(length=64), nullable=True),
        sa.Column('created_at', DATETIME, nullable=False),
        sa.Column('updated_at', DATETIME, nullable=False),
        sa.Column('pushed_at', DATETIME, nullable=True),
        sa.CheckConstraint("backend IN ('assistants', 'responses')", name=op.f('ck_ocs_assistants_backend')),
        sa.ForeignKeyConstraint(['working_id'], ['ocs_assistants.id'], name=op.f('fk_ocs_assistants_working_id_ocs_assistants'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ocs_assistants')),
        sa.UniqueConstraint('working_id', 'version_number', name=op.f('uq_ocs_assistants_working_id_version_number'))
    )
    op.create_index(op.f('ix_ocs_assistants_openai_id'), 'ocs_assistants', ['openai_id'], unique=False)
    op.create_index('ix_ocs_assistants_team_listing', 'ocs_assistants', ['team_id', 'archived', 'is_version', 'id'], unique=False)
    op.create_index(op.f('ix_ocs_assistants_working_id'), 'ocs_assistants', ['working_id'], unique=False)
    op.create_table('ocs_file_contents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', DATETIME, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ocs_file_contents'))
    )
    op.create_index(op.f('ix_ocs_file_contents_sha256'), 'ocs_file_contents', ['sha256'], unique=False)
    op.create_table('ocs_remote_operations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=64), nullable=False),
        sa.Column('target', sa.String(length=128), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('next_attempt_at', DATETIME, nullable=False),
        sa.Column('payload', JSON, nullable=False),
        sa.Column('created_at', DATETIME, nullable=False),
        sa.Column('updated_at', DATETIME, nullable=False),
        sa.CheckConstraint("status IN ('pending', 'running', 'done', 'failed')", name=op.f('ck_ocs_remote_operations_status')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ocs_remote_operations'))
    )
    op.create_index('ix_ocs_remote_operations_due', 'ocs_remote_operations', ['status', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_ocs_remote_operations_team_id'), 'ocs_remote_operations', ['team_id'], unique=False)
    op.create_table('ocs_assistant_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assistant_id', sa.Integer(), nullable=False),
        sa.Column('tool', sa.String(length=32), nullable=False),
        sa.Column('filename', sa.String(length=512), nullable=False),
        sa.Column('openai_id', sa.String(length=128), nullable=False),
        sa.Column('bytes', sa.BigInteger(), nullable=False),
        sa.Column('remote_only', sa.Boolean(), nullable=False),
        sa.Column('content_id', sa.Integer(), nullable=True),
        sa.Column('created_at', DATETIME, nullable=False),
        sa.CheckConstraint("tool IN ('code_interpreter', 'file_search')", name=op.f('ck_ocs_assistant_files_tool')),
        sa.ForeignKeyConstraint(['assistant_id'], ['ocs_assistants.id'], name=op.f('fk_ocs_assistant_files_assistant_id_ocs_assistants'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['content_id'], ['ocs_file_contents.id'], name=op.f('fk_ocs_assistant_files_content_id_ocs_file_contents'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ocs_assistant_files')),
        sa.UniqueConstraint('assistant_id', 'tool', 'openai_id', name=op.f('uq_ocs_assistant_files_assistant_id_tool_openai_id'))
    )
    op.create_index(op.f('ix_ocs_assistant_files_assistant_id'), 'ocs_assistant_files', ['assistant_id'], unique=False)
    op.create_index(op.f('ix_ocs_assistant_files_content_id'), 'ocs_assistant_files', ['content_id'], unique=False)
    op.create_index(op.f('ix_ocs_assistant_files_openai_id'), 'ocs_assistant_files', ['openai_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_ocs_assistant_files_openai_id'), table_name='ocs_assistant_files')
    op.drop_index(op.f('ix_ocs_assistant_files_content_id'), table_name='ocs_assistant_files')
    op.drop_index(op.f('ix_ocs_assistant_files_assistant_id'), table_name='ocs_assistant_files')
    op.drop_table('ocs_assistant_files')
    op.drop_index(op.f('ix_ocs_remote_operations_team_id'), table_name='ocs_remote_operations')
    op.drop_index('ix_ocs_remote_operations_due', table_name='ocs_remote_operations')
    op.drop_table('ocs_remote_operations')
    op.drop_index(op.f('ix_ocs_file_contents_sha256'), table_name='ocs_file_contents')
    op.drop_table('ocs_file_contents')
    op.drop_index(op.f('ix_ocs_assistants_working_id'), table_name='ocs_assistants')
    op.drop_index('ix_ocs_assistants_team_listing', table_name='ocs_assistants')
    op.drop_index(op.f('ix_ocs_assistants_openai_id'), table_name='ocs_assistants')
    op.drop_table('ocs_assistants')
