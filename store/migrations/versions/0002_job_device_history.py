"""extraction job: device history signals (LEGAL 16)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite rebuilds the table, PostgreSQL runs a plain ALTER TABLE ... ADD COLUMN
    with op.batch_alter_table("extraction_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device_history", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("extraction_jobs", schema=None) as batch_op:
        batch_op.drop_column("device_history")
