"""Demo seeding for ``reisroute serve --demo``: users for every role (and, once the pipeline exists, a case)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from casework.state import AppState
from casework.teams import ensure_team
from casework.users import add_user
from legal_basis.roles import Role
from store import audit
from store.db import unit_of_work
from store.models import Case, CaseAssignment, User

DEMO_PASSWORD = "demo-password"
DEMO_USERS: tuple[tuple[str, str, Role], ...] = (
    ("intake", "Ida Intake (demo)", Role.INTAKE_OFFICER),
    ("intake2", "Ivo Intake (demo)", Role.INTAKE_OFFICER),
    ("authoriser", "Anna Authoriser (demo)", Role.AUTHORISING_OFFICIAL),
    ("caseworker", "Cas Caseworker (demo)", Role.CASEWORKER),
    ("reviewer", "Lotte Legal Reviewer (demo)", Role.LEGAL_REVIEWER),
    ("auditor", "Cor Compliance (demo)", Role.COMPLIANCE_AUDITOR),
    ("admin", "Ada Admin (demo)", Role.ADMIN),
)
# need-to-know: the demo cases belong to this team (their creator's only team); intake2 is outside it, so the
# demo shows a second intake officer who cannot see them. The auditor reads every case; admin none.
DEMO_TEAM = "Demo team"
DEMO_TEAM_MEMBERS = ("intake", "authoriser", "caseworker", "reviewer")


def seed_users(state: AppState) -> list[str]:
    created = []
    with unit_of_work(state.session_factory) as session:
        for username, full_name, role in DEMO_USERS:
            if session.scalar(select(User.id).where(User.username == username)) is None:
                add_user(
                    session,
                    username=username,
                    password=DEMO_PASSWORD,
                    roles=[role.value],
                    full_name=full_name,
                )
                audit.append(
                    session,
                    actor="demo",
                    role="admin",
                    action="user.add",
                    object_type="user",
                    object_id=username,
                    details={"roles": [role.value]},
                )
                created.append(username)
        session.flush()
        team = ensure_team(session, DEMO_TEAM, list(DEMO_TEAM_MEMBERS))
        # demo cases seeded before need-to-know existed were assigned to their creator only (migration h13a_0001)
        assigned = select(CaseAssignment.case_id).where(CaseAssignment.team_id == team.id)
        for case_id in session.scalars(
            select(Case.id).where(Case.reference.like("V-DEMO-%"), Case.id.not_in(assigned))
        ):
            session.add(CaseAssignment(case_id=case_id, team_id=team.id, assigned_by="demo"))
    return created


def seed_demo(state: AppState) -> Iterator[str]:
    seed_users(state)
    yield f"demo users (password for all: {DEMO_PASSWORD}):"
    for username, _full_name, role in DEMO_USERS:
        yield f"  {username:<11} {role.value}"
    yield f"team {DEMO_TEAM!r} (the demo cases are theirs): {', '.join(DEMO_TEAM_MEMBERS)}"
    try:
        from casework.demo.case import seed_demo_cases
    except ModuleNotFoundError:
        return
    yield from seed_demo_cases(state)
