"""audit entries: keyed chain (chain_version, key_id)

Existing rows become chain version 1 (unkeyed SHA-256); the first keyed start seals them under a signed
checkpoint. New rows are version 2 (HMAC-SHA256).

Revision ID: 0003_audit
Revises: 0002
Create Date: 2026-12-03 08:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_audit"
down_revision = "0002"
branch_labels = None
depends_on = None


def _reinstall_triggers() -> None:
    # a batch rebuild on SQLite recreates the table without its triggers: put them back
    from store.migrate import install_append_only_triggers

    install_append_only_triggers(op.get_bind())


def upgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain_version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))
    _reinstall_triggers()


def downgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_column("key_id")
        batch_op.drop_column("chain_version")
    _reinstall_triggers()
