"""audit entries: indexes for the compliance explorer (filter by period, actor, role, action, case, object)

The explorer pages newest-first by ``seq`` (keyset) under a filter; each index leads with the filtered column
and ends with ``seq`` so one index range scan serves a page without sorting.

Revision ID: c17a_0003
Revises: 0002
Create Date: 2026-12-03 08:30:00
"""

from alembic import op

revision = "c17a_0003"
down_revision = "0003_route_points"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_audit_entries_at": ["at"],
    "ix_audit_entries_actor_seq": ["actor", "seq"],
    "ix_audit_entries_role_seq": ["role", "seq"],
    "ix_audit_entries_action_seq": ["action", "seq"],
    "ix_audit_entries_case_seq": ["case_id", "seq"],
    "ix_audit_entries_object_seq": ["object_type", "object_id", "seq"],
    # "did this actor take part in this case?" — for reads made outside the case's own workflow
    "ix_audit_entries_case_actor_action": ["case_id", "actor", "action"],
}


def upgrade() -> None:
    # plain CREATE INDEX: no table rebuild (the audit table's append-only triggers stay as they are)
    for name, columns in INDEXES.items():
        op.create_index(name, "audit_entries", columns, unique=False)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="audit_entries")
