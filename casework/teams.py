"""Teams and case assignments: who has a need to know a case (issue 13). Managed by ``admin``.

A case is assigned to users and/or teams; a team's members count as assigned while they are members. The
case's creator is assigned when the case is created (``legal_basis.services.create_case``), together with the
creator's team when the creator belongs to exactly one. Every change is audited in the caller's unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from legal_basis import services
from legal_basis.roles import Role
from legal_basis.services import Actor
from store.models import Case, CaseAssignment, Team, TeamMember, User

MAX_TEAM_NAME = 120


@dataclass(frozen=True, slots=True)
class TeamView:
    id: int
    name: str
    member_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class AssignmentView:
    id: int
    case_id: int
    user_id: int | None
    team_id: int | None
    assigned_by: str


def _team(session: Session, team_id: int) -> Team:
    team = session.get(Team, team_id)
    if team is None:
        raise services.NotFound(f"team {team_id} does not exist")
    return team


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise services.NotFound(f"user {user_id} does not exist")
    return user


def _not_self(actor: Actor, user_id: int, what: str) -> None:
    """Separation of duties: whoever manages access does not grant it to themselves."""
    if actor.user_id == user_id:
        raise services.NotPermitted(f"an admin may not {what} themselves; ask another admin", ["self_grant"])


def list_teams(session: Session) -> list[TeamView]:
    members: dict[int, list[int]] = {}
    for team_id, user_id in session.execute(
        select(TeamMember.team_id, TeamMember.user_id).order_by(TeamMember.user_id)
    ):
        members.setdefault(team_id, []).append(user_id)
    return [
        TeamView(id=team.id, name=team.name, member_ids=tuple(members.get(team.id, ())))
        for team in session.scalars(select(Team).order_by(Team.name))
    ]


def create_team(session: Session, actor: Actor, *, name: str) -> Team:
    name = name.strip()
    if not name or len(name) > MAX_TEAM_NAME:
        raise services.Conflict(f"a team needs a name of 1 to {MAX_TEAM_NAME} characters")
    if session.scalar(select(Team.id).where(Team.name == name)) is not None:
        raise services.Conflict(f"a team named {name!r} already exists")
    team = Team(name=name)
    session.add(team)
    session.flush()
    services.record(
        session, actor, "admin.team.create", object_type="team", object_id=team.id, details={"name": name}
    )
    return team


def add_member(session: Session, actor: Actor, team_id: int, user_id: int) -> None:
    team, user = _team(session, team_id), _user(session, user_id)
    _not_self(actor, user_id, "add to a team")
    if session.get(TeamMember, (team_id, user_id)) is not None:
        raise services.Conflict(f"{user.username} is already a member of {team.name}")
    session.add(TeamMember(team_id=team_id, user_id=user_id))
    session.flush()
    services.record(
        session,
        actor,
        "admin.team.member.add",
        object_type="team",
        object_id=team_id,
        details={"user": user.username},
    )


def remove_member(session: Session, actor: Actor, team_id: int, user_id: int) -> None:
    team, user = _team(session, team_id), _user(session, user_id)
    member = session.get(TeamMember, (team_id, user_id))
    if member is None:
        raise services.NotFound(f"{user.username} is not a member of {team.name}")
    session.delete(member)
    session.flush()
    services.record(
        session,
        actor,
        "admin.team.member.remove",
        object_type="team",
        object_id=team_id,
        details={"user": user.username},
    )


def _case_exists(session: Session, case_id: int) -> None:
    """Admin assigns by case id (handed over by the team) and sees no case data: only that the id exists."""
    if session.scalar(select(Case.id).where(Case.id == case_id)) is None:
        raise services.NotFound(f"case {case_id} does not exist")


def list_assignments(session: Session, case_id: int) -> list[AssignmentView]:
    _case_exists(session, case_id)
    return [
        AssignmentView(
            id=row.id,
            case_id=row.case_id,
            user_id=row.user_id,
            team_id=row.team_id,
            assigned_by=row.assigned_by,
        )
        for row in session.scalars(
            select(CaseAssignment).where(CaseAssignment.case_id == case_id).order_by(CaseAssignment.id)
        )
    ]


def assign_case(
    session: Session, actor: Actor, case_id: int, *, user_id: int | None = None, team_id: int | None = None
) -> CaseAssignment:
    """Assign one user or one team to the case. Admins and auditors are never assigned: admin reads no case
    data, auditors read every case anyway."""
    if (user_id is None) == (team_id is None):
        raise services.Conflict("assign either one user (user_id) or one team (team_id)")
    _case_exists(session, case_id)
    details: dict[str, object]
    if user_id is not None:
        user = _user(session, user_id)
        _not_self(actor, user_id, "assign a case to")
        if not set(user.roles) - {Role.ADMIN.value, Role.COMPLIANCE_AUDITOR.value}:
            raise services.Conflict(
                f"{user.username} holds no case role: admins read no case data, auditors read every case"
            )
        existing = select(CaseAssignment.id).where(
            CaseAssignment.case_id == case_id, CaseAssignment.user_id == user_id
        )
        details = {"user": user.username}
    else:
        assert team_id is not None
        team = _team(session, team_id)
        existing = select(CaseAssignment.id).where(
            CaseAssignment.case_id == case_id, CaseAssignment.team_id == team_id
        )
        details = {"team": team.name}
    if session.scalar(existing) is not None:
        raise services.Conflict(f"case {case_id} is already assigned to {next(iter(details.values()))}")
    row = CaseAssignment(case_id=case_id, user_id=user_id, team_id=team_id, assigned_by=actor.username)
    session.add(row)
    session.flush()
    services.record(
        session,
        actor,
        "admin.case.assign",
        case_id=case_id,
        object_type="case_assignment",
        object_id=row.id,
        details=details,
    )
    return row


def unassign_case(session: Session, actor: Actor, case_id: int, assignment_id: int) -> None:
    row = session.get(CaseAssignment, assignment_id)
    if row is None or row.case_id != case_id:
        raise services.NotFound(f"assignment {assignment_id} does not belong to case {case_id}")
    details: dict[str, object] = {"user_id": row.user_id, "team_id": row.team_id}
    session.delete(row)
    session.flush()
    services.record(
        session,
        actor,
        "admin.case.unassign",
        case_id=case_id,
        object_type="case_assignment",
        object_id=assignment_id,
        details=details,
    )


def ensure_team(session: Session, name: str, usernames: list[str]) -> Team:
    """Seeding (demo, tests): the team with these members, created or completed; not audited by itself."""
    team = session.scalar(select(Team).where(Team.name == name))
    if team is None:
        team = Team(name=name)
        session.add(team)
        session.flush()
    for user_id in session.scalars(select(User.id).where(User.username.in_(usernames))):
        if session.get(TeamMember, (team.id, user_id)) is None:
            session.add(TeamMember(team_id=team.id, user_id=user_id))
    session.flush()
    return team
