"""Local users (argon2 password hashes) and their roles."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.security import hash_password
from legal_basis.roles import Role
from store.models import User


class UserError(ValueError):
    pass


def add_user(
    session: Session, *, username: str, password: str, roles: list[str], full_name: str = ""
) -> User:
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(f"user {username!r} already exists")
    try:
        parsed = [Role(r).value for r in roles]
    except ValueError as exc:
        raise UserError(f"unknown role in {roles}: choose from {[r.value for r in Role]}") from exc
    if not parsed:
        raise UserError("a user needs at least one role")
    user = User(username=username, password_hash=hash_password(password), roles=parsed, full_name=full_name)
    session.add(user)
    session.flush()
    return user
