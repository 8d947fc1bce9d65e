"""need-to-know: teams, team members and case assignments (issue 13)

Every existing case is assigned to the user who created it, so nobody else keeps seeing it until an admin
assigns the case's team.

Revision ID: h13a_0001
Revises: c17a_0003
Create Date: 2026-12-03 17:00:00
"""

import sqlalchemy as sa
from alembic import op

from store.types import UTCDateTime

revision = "h13a_0001"
down_revision = "c17a_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "team_members",
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("added_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_team_members_user_id", "team_members", ["user_id"])
    op.create_table(
        "case_assignments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id", ondelete="CASCADE"), nullable=True),
        sa.Column("assigned_by", sa.String(120), nullable=False),
        sa.Column("assigned_at", UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("case_id", "user_id", name="uq_case_assignments_case_user"),
        sa.UniqueConstraint("case_id", "team_id", name="uq_case_assignments_case_team"),
    )
    op.create_index("ix_case_assignments_case_id", "case_assignments", ["case_id"])
    op.create_index("ix_case_assignments_user_id", "case_assignments", ["user_id"])
    op.create_index("ix_case_assignments_team_id", "case_assignments", ["team_id"])
    # existing cases: their creator is assigned (the rule for new cases); everyone else waits for an admin
    op.execute(
        "INSERT INTO case_assignments (case_id, user_id, team_id, assigned_by, assigned_at) "
        "SELECT id, created_by, NULL, 'migration h13a_0001', created_at FROM cases"
    )


def downgrade() -> None:
    op.drop_table("case_assignments")
    op.drop_table("team_members")
    op.drop_table("teams")
