"""route versions: points in an encrypted columnar blob, the JSON keeps only the summary

Versions written before keep their points in the ``route`` JSON and are still read from there.

Revision ID: 0003_route_points
Revises: 0002
Create Date: 2026-12-03 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_route_points"
down_revision = "0003_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite rebuilds the table, PostgreSQL runs a plain ALTER TABLE ... ADD COLUMN
    with op.batch_alter_table("route_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("points_blob", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("points_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("points_format", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("points_bytes", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("route_versions", schema=None) as batch_op:
        batch_op.drop_column("points_bytes")
        batch_op.drop_column("points_format")
        batch_op.drop_column("points_sha256")
        batch_op.drop_column("points_blob")
