"""Sign-in (OAuth2 password flow). The ``scope`` field picks which of the user's roles the token carries."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import select

from api.deps import CurrentActor, SessionDep, StateDep, allow
from api.schemas import MeRead, TokenRead
from casework.security import new_token, verify_password
from legal_basis.roles import ALL_ROLES, Role
from legal_basis.services import Actor
from store import audit
from store.models import ApiToken, User
from store.types import utcnow

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
ANY_ROLE = allow(*ALL_ROLES)


@router.post("/token", response_model=TokenRead)
def sign_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep, state: StateDep
) -> TokenRead:
    user = session.scalar(select(User).where(User.username == form.username))
    if user is None or not user.active or not verify_password(user.password_hash, form.password):
        audit.append(session, actor=form.username[:120], role="-", action="auth.sign_in_failed")
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "wrong user name or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    wanted = form.scopes[0] if form.scopes else user.roles[0]
    if wanted not in user.roles:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"user {user.username} does not hold role {wanted}")
    token, digest = new_token()
    expires = utcnow() + timedelta(minutes=state.settings.token_ttl_minutes)
    session.add(ApiToken(token_sha256=digest, user_id=user.id, role=Role(wanted).value, expires_at=expires))
    audit.append(session, actor=user.username, role=wanted, action="auth.sign_in")
    return TokenRead(access_token=token, role=wanted, expires_at=expires)


@router.get("/me", response_model=MeRead)
def me(actor: Annotated[Actor, Depends(ANY_ROLE)], session: SessionDep) -> MeRead:
    user = session.get(User, actor.user_id)
    assert user is not None
    return MeRead(username=user.username, role=actor.role, roles=list(user.roles), full_name=user.full_name)


@router.post("/sign-out", status_code=status.HTTP_204_NO_CONTENT)
def sign_out(actor: CurrentActor, session: SessionDep, _gate: Annotated[Actor, Depends(ANY_ROLE)]) -> None:
    for row in session.scalars(select(ApiToken).where(ApiToken.user_id == actor.user_id)):
        session.delete(row)
    audit.append(session, actor=actor.username, role=actor.role, action="auth.sign_out")
