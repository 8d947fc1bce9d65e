"""stations and the central evidence store: evidence chunks, station heartbeats, jobs pinned to a station,
case keys that name their wrapping organisation key

Revision ID: h15_0001
Revises: c17a_0003
Create Date: 2026-12-03 16:45:00
"""

import sqlalchemy as sa
from alembic import op

import store.types

revision = "h15_0001"
down_revision = "h13a_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence_chunks",
        sa.Column("blob_name", sa.String(length=32), nullable=False),
        sa.Column("chunk_index", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("blob_name", "chunk_index"),
    )
    op.create_index("ix_evidence_chunks_case_id", "evidence_chunks", ["case_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # sealed chunks are random bytes: TOAST compression would only cost CPU; keep them out of line
        op.execute("ALTER TABLE evidence_chunks ALTER COLUMN sealed SET STORAGE EXTERNAL")
    op.create_table(
        "stations",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("worker_id", sa.String(length=120), nullable=True),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("started_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_heartbeat_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("current_job_id", sa.Integer(), nullable=True),
        sa.Column("stopped_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    # batch mode: SQLite rebuilds the table, PostgreSQL runs a plain ALTER TABLE ... ADD COLUMN
    with op.batch_alter_table("extraction_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("station", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_extraction_jobs_station", ["station"], unique=False)
    with op.batch_alter_table("case_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wrapped_by", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_keys", schema=None) as batch_op:
        batch_op.drop_column("wrapped_by")
    with op.batch_alter_table("extraction_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_extraction_jobs_station")
        batch_op.drop_column("station")
    op.drop_table("stations")
    op.drop_index("ix_evidence_chunks_case_id", table_name="evidence_chunks")
    op.drop_table("evidence_chunks")
