"""Local users (argon2 password hashes) and their roles; their management by ``admin`` (issue 13).

Every change an admin makes is audited in the caller's unit of work. An admin never changes their own roles,
never deactivates themselves and never grants themselves access (separation of duties: whoever manages access
does not use it).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from casework.security import hash_password
from legal_basis import services
from legal_basis.roles import Role
from legal_basis.services import Actor
from store.models import ApiToken, TeamMember, User

MAX_USERNAME = 120


class UserError(services.Conflict, ValueError):
    """A user cannot be created or changed as asked (answered with 409)."""


@dataclass(frozen=True, slots=True)
class UserView:
    id: int
    username: str
    full_name: str
    roles: tuple[str, ...]
    active: bool
    team_ids: tuple[int, ...]


def _parse_roles(roles: list[str]) -> list[str]:
    try:
        parsed = list(dict.fromkeys(Role(r).value for r in roles))
    except ValueError as exc:
        raise UserError(f"unknown role in {roles}: choose from {[r.value for r in Role]}") from exc
    if not parsed:
        raise UserError("a user needs at least one role")
    return parsed


def add_user(
    session: Session, *, username: str, password: str, roles: list[str], full_name: str = ""
) -> User:
    username = username.strip()
    if not username or len(username) > MAX_USERNAME:
        raise UserError(f"a user name needs 1 to {MAX_USERNAME} characters")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(f"user {username!r} already exists")
    parsed = _parse_roles(roles)
    try:
        password_hash = hash_password(password)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    user = User(username=username, password_hash=password_hash, roles=parsed, full_name=full_name)
    session.add(user)
    session.flush()
    return user


def display_names(session: Session) -> dict[int, str]:
    """Every user's name as the page and the report print it: "Full Name (username)", or the username."""
    return {
        user_id: f"{full_name} ({username})" if full_name else username
        for user_id, username, full_name in session.execute(select(User.id, User.username, User.full_name))
    }


# --- management by admin -------------------------------------------------------------------------------


def list_users(session: Session) -> list[UserView]:
    teams: dict[int, list[int]] = {}
    for team_id, user_id in session.execute(select(TeamMember.team_id, TeamMember.user_id)):
        teams.setdefault(user_id, []).append(team_id)
    return [
        UserView(
            id=u.id,
            username=u.username,
            full_name=u.full_name,
            roles=tuple(u.roles),
            active=u.active,
            team_ids=tuple(sorted(teams.get(u.id, ()))),
        )
        for u in session.scalars(select(User).order_by(User.username))
    ]


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise services.NotFound(f"user {user_id} does not exist")
    return user


def create_user(
    session: Session, actor: Actor, *, username: str, password: str, roles: list[str], full_name: str = ""
) -> User:
    user = add_user(session, username=username, password=password, roles=roles, full_name=full_name)
    services.record(
        session,
        actor,
        "admin.user.create",
        object_type="user",
        object_id=user.id,
        details={"username": user.username, "roles": list(user.roles)},
    )
    return user


def set_roles(session: Session, actor: Actor, user_id: int, roles: list[str]) -> User:
    user = _user(session, user_id)
    if user.id == actor.user_id:
        raise services.NotPermitted(
            "an admin may not change their own roles; ask another admin", ["self_grant"]
        )
    before, after = list(user.roles), _parse_roles(roles)
    user.roles = after
    # tokens carry one role each: a role taken away ends the sessions that use it
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id, ApiToken.role.not_in(after)))
    session.flush()
    services.record(
        session,
        actor,
        "admin.user.roles",
        object_type="user",
        object_id=user.id,
        details={"username": user.username, "before": before, "after": after},
    )
    return user


def set_active(session: Session, actor: Actor, user_id: int, *, active: bool) -> User:
    user = _user(session, user_id)
    if user.id == actor.user_id:
        raise services.NotPermitted("an admin may not deactivate themselves", ["self_grant"])
    user.active = active
    if not active:
        session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))  # signed out everywhere
    session.flush()
    services.record(
        session,
        actor,
        "admin.user.activate" if active else "admin.user.deactivate",
        object_type="user",
        object_id=user.id,
        details={"username": user.username},
    )
    return user
