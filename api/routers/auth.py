"""Sign-in (OAuth2 password flow). The ``scope`` field picks which of the user's roles the token carries.

Failed sign-ins are audited (the entry survives the request's rollback), throttled per user name and per
client address with exponential backoff (429 with ``Retry-After``), and take as long for an unknown user as
for a wrong password (``casework.security.verify_sign_in``)."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import select

from api.deps import CurrentActor, ReadRoute, SessionDep, StateDep, allow
from api.errors import BilingualHTTPException
from api.schemas import MeRead, TokenRead
from casework.security import new_token, unknown_user_hash, verify_sign_in
from casework.sign_in_throttle import SignInThrottle
from casework.state import AppState
from legal_basis.roles import ALL_ROLES, Role
from legal_basis.services import Actor
from store import audit
from store.models import ApiToken, User
from store.types import utcnow

router = APIRouter(route_class=ReadRoute, prefix="/api/v1/auth", tags=["auth"])
ANY_ROLE = allow(*ALL_ROLES)


def sign_in_throttle(state: AppState) -> SignInThrottle:
    """The process's throttle (made with the first sign-in, with the unknown-user hash beside it)."""
    throttle = state.extras.get("sign_in_throttle")
    if throttle is None:
        settings = state.settings
        throttle = SignInThrottle(
            free_failures=settings.sign_in_free_failures,
            address_free_failures=settings.sign_in_address_free_failures,
            base_delay_s=settings.sign_in_base_delay_s,
            max_delay_s=settings.sign_in_max_delay_s,
        )
        unknown_user_hash()
        state.extras["sign_in_throttle"] = throttle
    return throttle  # type: ignore[no-any-return]


@router.post(
    "/token",
    response_model=TokenRead,
    responses={429: {"description": "Too many failed sign-ins: try again after Retry-After seconds"}},
)
def sign_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
    state: StateDep,
) -> TokenRead:
    throttle = sign_in_throttle(state)
    address = request.client.host if request.client else "-"
    wait_s = throttle.retry_after_s(form.username, address)
    if wait_s > 0:
        seconds = max(1, math.ceil(wait_s))
        audit.append(
            session,
            actor=form.username[:120],
            role="-",
            action="auth.sign_in_throttled",
            details={"client": address, "retry_after_s": seconds},
            survive_rollback=True,
        )
        raise BilingualHTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "sign_in_throttled",
            headers={"Retry-After": str(seconds)},
            seconds=seconds,
        )
    user = session.scalar(select(User).where(User.username == form.username))
    known = user is not None and user.active
    if not verify_sign_in(user.password_hash if known and user is not None else None, form.password):
        throttle.failed(form.username, address)
        audit.append(
            session,
            actor=form.username[:120],
            role="-",
            action="auth.sign_in_failed",
            details={"client": address},
            survive_rollback=True,
        )
        raise BilingualHTTPException(
            status.HTTP_401_UNAUTHORIZED, "sign_in_failed", headers={"WWW-Authenticate": "Bearer"}
        )
    assert user is not None
    throttle.succeeded(form.username)
    wanted = form.scopes[0] if form.scopes else user.roles[0]
    if wanted not in user.roles:
        raise BilingualHTTPException(
            status.HTTP_403_FORBIDDEN, "role_missing", user=user.username, role=wanted
        )
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


@router.get("/people")
def people(_actor: Annotated[Actor, Depends(ANY_ROLE)], session: SessionDep) -> dict[str, str]:
    """User id → name, so pages show who requested, decided or released something instead of a number."""
    from casework.users import display_names

    return {str(user_id): name for user_id, name in display_names(session).items()}
