"""User and team management for ``admin`` (issue 13): users, roles, teams, and who is assigned to which case.

Admin reads no case data: the case routes here take a case id (handed over by the team) and answer only who
is assigned to it, never the case's reference, title or contents. Every action and every read is audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, Field

from api.deps import ADMIN_ONLY, ReadRoute, SessionDep
from casework import teams, users
from legal_basis.roles import Role
from legal_basis.services import Actor, record

router = APIRouter(route_class=ReadRoute, prefix="/api/v1/admin", tags=["admin"])
AdminActor = Annotated[Actor, Depends(ADMIN_ONLY)]
IdInt = Annotated[int, Field(ge=1, le=2**63 - 1)]


class UserRead(BaseModel):
    id: int
    username: str
    full_name: str
    roles: list[str]
    active: bool
    team_ids: list[int]


class UserCreate(BaseModel):
    username: str = Field(min_length=1, max_length=120)
    password: str = Field(min_length=8, max_length=200, description="First password, at least 8 characters")
    full_name: str = Field(default="", max_length=200)
    roles: list[Role] = Field(min_length=1)


class RolesWrite(BaseModel):
    roles: list[Role] = Field(min_length=1)


class TeamRead(BaseModel):
    id: int
    name: str
    member_ids: list[int]


class TeamCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120)


class MemberWrite(BaseModel):
    user_id: IdInt


class AssignmentRead(BaseModel):
    id: int
    case_id: int
    user_id: int | None
    team_id: int | None
    assigned_by: str


class AssignmentWrite(BaseModel):
    user_id: IdInt | None = None
    team_id: IdInt | None = None


def _user_read(session: SessionDep, user_id: int) -> UserRead:
    return _as_read(next(u for u in users.list_users(session) if u.id == user_id))


def _as_read(view: users.UserView) -> UserRead:
    return UserRead(
        id=view.id,
        username=view.username,
        full_name=view.full_name,
        roles=list(view.roles),
        active=view.active,
        team_ids=list(view.team_ids),
    )


@router.get("/users", response_model=list[UserRead])
def list_users(session: SessionDep, actor: AdminActor) -> list[UserRead]:
    rows = [_as_read(view) for view in users.list_users(session)]
    record(session, actor, "admin.user.list", details={"count": len(rows)})
    return rows


@router.post("/users", response_model=UserRead, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, session: SessionDep, actor: AdminActor) -> UserRead:
    user = users.create_user(
        session,
        actor,
        username=body.username,
        password=body.password,
        roles=[r.value for r in body.roles],
        full_name=body.full_name,
    )
    return _user_read(session, user.id)


@router.put("/users/{user_id}/roles", response_model=UserRead)
def set_roles(user_id: IdInt, body: RolesWrite, session: SessionDep, actor: AdminActor) -> UserRead:
    users.set_roles(session, actor, user_id, [r.value for r in body.roles])
    return _user_read(session, user_id)


@router.post("/users/{user_id}/deactivate", response_model=UserRead)
def deactivate_user(user_id: IdInt, session: SessionDep, actor: AdminActor) -> UserRead:
    """The user can no longer sign in; every session of theirs ends now."""
    users.set_active(session, actor, user_id, active=False)
    return _user_read(session, user_id)


@router.post("/users/{user_id}/activate", response_model=UserRead)
def activate_user(user_id: IdInt, session: SessionDep, actor: AdminActor) -> UserRead:
    users.set_active(session, actor, user_id, active=True)
    return _user_read(session, user_id)


@router.get("/teams", response_model=list[TeamRead])
def list_teams(session: SessionDep, actor: AdminActor) -> list[TeamRead]:
    rows = [TeamRead(id=t.id, name=t.name, member_ids=list(t.member_ids)) for t in teams.list_teams(session)]
    record(session, actor, "admin.team.list", details={"count": len(rows)})
    return rows


@router.post("/teams", response_model=TeamRead, status_code=status.HTTP_201_CREATED)
def create_team(body: TeamCreate, session: SessionDep, actor: AdminActor) -> TeamRead:
    team = teams.create_team(session, actor, name=body.name)
    return TeamRead(id=team.id, name=team.name, member_ids=[])


@router.post("/teams/{team_id}/members", response_model=TeamRead)
def add_member(team_id: IdInt, body: MemberWrite, session: SessionDep, actor: AdminActor) -> TeamRead:
    teams.add_member(session, actor, team_id, body.user_id)
    return _team_read(session, team_id)


@router.delete("/teams/{team_id}/members/{user_id}", response_model=TeamRead)
def remove_member(team_id: IdInt, user_id: IdInt, session: SessionDep, actor: AdminActor) -> TeamRead:
    teams.remove_member(session, actor, team_id, user_id)
    return _team_read(session, team_id)


def _team_read(session: SessionDep, team_id: int) -> TeamRead:
    team = next(t for t in teams.list_teams(session) if t.id == team_id)
    return TeamRead(id=team.id, name=team.name, member_ids=list(team.member_ids))


def _assignment_read(view: teams.AssignmentView) -> AssignmentRead:
    return AssignmentRead(
        id=view.id,
        case_id=view.case_id,
        user_id=view.user_id,
        team_id=view.team_id,
        assigned_by=view.assigned_by,
    )


@router.get("/cases/{case_id}/assignments", response_model=list[AssignmentRead])
def list_assignments(case_id: IdInt, session: SessionDep, actor: AdminActor) -> list[AssignmentRead]:
    """Who is assigned to the case (users and teams): ids only, no case data."""
    rows = [_assignment_read(v) for v in teams.list_assignments(session, case_id)]
    record(session, actor, "admin.case.assignments.list", case_id=case_id, details={"count": len(rows)})
    return rows


@router.post(
    "/cases/{case_id}/assignments", response_model=AssignmentRead, status_code=status.HTTP_201_CREATED
)
def assign_case(
    case_id: IdInt, body: AssignmentWrite, session: SessionDep, actor: AdminActor
) -> AssignmentRead:
    row = teams.assign_case(session, actor, case_id, user_id=body.user_id, team_id=body.team_id)
    return AssignmentRead(
        id=row.id, case_id=row.case_id, user_id=row.user_id, team_id=row.team_id, assigned_by=row.assigned_by
    )


@router.delete("/cases/{case_id}/assignments/{assignment_id}", status_code=status.HTTP_204_NO_CONTENT)
def unassign_case(case_id: IdInt, assignment_id: IdInt, session: SessionDep, actor: AdminActor) -> None:
    teams.unassign_case(session, actor, case_id, assignment_id)
