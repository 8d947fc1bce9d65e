"""FastAPI dependencies: the session (one unit of work per request), the current user, role gates.

Deny by default: every route must declare ``allow(...)``; a test walks every route and fails on one that
does not. Need-to-know is checked by the same gate: a route whose path names a case (``{case_id}``) or a job
(``{job_id}``) admits only readers the case is assigned to (``casework.access``), so no route can forget it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import unquote

import anyio
from fastapi import Depends, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response, StreamingResponse
from fastapi.routing import APIRoute
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from api.errors import BilingualHTTPException
from casework import access
from casework.security import token_digest
from casework.state import AppState
from legal_basis.roles import Role
from legal_basis.services import Actor
from store.db import unit_of_work
from store.models import ApiToken, User
from store.types import utcnow

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def get_state(request: Request) -> AppState:
    """Async on purpose: FastAPI runs a plain ``def`` dependency in the thread pool, one hand-off per request
    for an attribute read."""
    return request.app.state.reisroute  # type: ignore[no-any-return]


StateDep = Annotated[AppState, Depends(get_state)]


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_REASON_LENGTH = 500


def request_reason(request: Request) -> str:
    """The reader's stated reason (``X-Reason`` header, URL-encoded, or ``?reason=``): empty when none."""
    raw = request.headers.get("x-reason") or request.query_params.get("reason") or ""
    return unquote(raw).strip()[:MAX_REASON_LENGTH]


async def get_session(request: Request, state: StateDep) -> AsyncIterator[Session]:
    """One unit of work per request: the action and its audit entries commit together, or neither.

    GET/HEAD/OPTIONS run in a read transaction (no write lock, no chain head held); their audit entries are
    committed by the audit sequencer after the read and before the response (``store.db``, ``store.audit``).
    The reader's stated reason goes on entries that carry none of their own (reads).

    Async on purpose (issue 18): opening a session touches no database (it connects on its first statement),
    so it runs on the event loop; only the end — commit, the audit entries, close — goes to the thread pool,
    shielded from cancellation so a client that hangs up still leaves a settled unit of work. A plain
    generator dependency costs a thread-pool hand-off at each end.
    """
    work = unit_of_work(state.session_factory, read_only=request.method in READ_METHODS)
    session = work.__enter__()
    session.info["request_reason"] = request_reason(request)
    session.info[UNIT_OF_WORK] = work
    try:
        yield session
    except BaseException as exc:
        if session.info.pop(UNIT_OF_WORK, None) is not None:
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(work.__exit__, type(exc), exc, exc.__traceback__)
        raise
    else:
        if session.info.pop(UNIT_OF_WORK, None) is not None:  # not finished by the endpoint (below)
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(work.__exit__, None, None, None)


UNIT_OF_WORK = "reisroute.unit_of_work"
_FINISHED_ANSWERS = (StreamingResponse, FileResponse)  # their bodies are produced later: not finished early


def _finishing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def finishing(**values: Any) -> Any:
        result = endpoint(**values)
        if (
            isinstance(result, Response)
            and not isinstance(result, _FINISHED_ANSWERS)
            and result.background is None
        ):
            # the answer is bytes already: end the unit of work (commit, the read's audit entries durable,
            # close) here, in the endpoint's own thread-pool call, instead of one more hand-off afterwards
            work = values["session"].info.pop(UNIT_OF_WORK, None)
            if work is not None:
                work.__exit__(None, None, None)
        return result

    return finishing


class ReadRoute(APIRoute):
    """A route whose read endpoint (a plain ``def`` with a ``session``, answering GET/HEAD) ends its unit of work
    itself once it has its answer's bytes: one thread-pool hand-off fewer per read (issue 18). Any other
    answer (a model to serialise, a stream, a file, background tasks) is left to ``get_session``."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = {str(m).upper() for m in (kwargs.get("methods") or ())}
        if (
            methods
            and methods <= READ_METHODS
            and not inspect.iscoroutinefunction(endpoint)
            and "session" in inspect.signature(endpoint).parameters
        ):
            endpoint = _finishing(endpoint)
        super().__init__(path, endpoint, **kwargs)


# scope="function": commit before the response is sent, so a client's next request sees this one's writes
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


# One query for the token and its user, as columns (no ORM objects, no lazy load of the user), built once: a
# statement built per request costs its construction and SQLAlchemy's cache-key walk every time (issue 18).
_TOKEN_QUERY = (
    select(ApiToken.user_id, ApiToken.role, ApiToken.expires_at, User.username, User.active)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_sha256 == bindparam("digest"))
)


def authenticate(request: Request, session: Session, token: str | None) -> Actor:
    """The signed-in actor of the bearer token (401 otherwise), once per request: kept on ``request.state``
    for the other dependencies and for the audit entry of a refusal (``api.errors``)."""
    known: Actor | None = getattr(request.state, "actor", None)
    if known is not None:
        return known
    if not token:
        raise BilingualHTTPException(
            status.HTTP_401_UNAUTHORIZED, "not_signed_in", headers={"WWW-Authenticate": "Bearer"}
        )
    row = session.execute(_TOKEN_QUERY, {"digest": token_digest(token)}).first()
    if row is None or row.expires_at <= utcnow() or not row.active:
        raise BilingualHTTPException(
            status.HTTP_401_UNAUTHORIZED, "token_invalid", headers={"WWW-Authenticate": "Bearer"}
        )
    actor = Actor(user_id=row.user_id, username=row.username, role=Role(row.role))
    request.state.actor = actor
    return actor


async def get_actor(
    request: Request, session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Actor:
    """The signed-in actor. Every route's gate (``allow``) authenticates first, in its own thread-pool call;
    this only looks when no gate has (a query in the thread pool then)."""
    known: Actor | None = getattr(request.state, "actor", None)
    if known is not None:
        return known
    return await run_in_threadpool(authenticate, request, session, token)


CurrentActor = Annotated[Actor, Depends(get_actor)]


def _path_id(request: Request, name: str) -> int | None:
    raw = request.path_params.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None  # not an id: the route's own validation answers 422
    return value if 0 < value <= access.MAX_ID else None


@dataclass(frozen=True)
class RoleGate:
    """A dependency that admits only the named roles and, on ``case_scoped`` routes, only readers the case in
    the path is assigned to (404 otherwise, as for a case that does not exist). Routes carry it so tests can
    read the rule."""

    roles: frozenset[Role]
    case_scoped: bool = True

    def __call__(
        self, request: Request, session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]
    ) -> Actor:
        # sign-in and the gate in one thread-pool call (issue 18: each sync dependency is a hand-off)
        actor = authenticate(request, session, token)
        if actor.role not in self.roles:
            raise BilingualHTTPException(
                status.HTTP_403_FORBIDDEN,
                "role_refused",
                role=actor.role,
                allowed=", ".join(sorted(self.roles)),
            )
        if self.case_scoped:
            case_id, job_id = _path_id(request, "case_id"), _path_id(request, "job_id")
            if case_id is not None:
                access.require_case_access(session, actor, case_id)
            if job_id is not None:
                access.require_job_access(session, actor, job_id)
        return actor

    def __hash__(self) -> int:
        return hash((self.roles, self.case_scoped))


def allow(*roles: Role, case_scoped: bool = True) -> RoleGate:
    if not roles:
        raise ValueError("name at least one role")
    return RoleGate(frozenset(roles), case_scoped)


PUBLIC = "public"  # marker for routes that need no sign-in (health, token, docs)


R = Role
# admin passes none of these: it manages users and teams (ADMIN_ONLY) and reads no case data (issue 13)
INTAKE = allow(R.INTAKE_OFFICER)
INTAKE_OR_AUTHORISER = allow(R.INTAKE_OFFICER, R.AUTHORISING_OFFICIAL)
AUTHORISER = allow(R.AUTHORISING_OFFICIAL)
CASE_READERS = allow(
    R.INTAKE_OFFICER, R.AUTHORISING_OFFICIAL, R.CASEWORKER, R.LEGAL_REVIEWER, R.COMPLIANCE_AUDITOR
)
FINDINGS_READERS = allow(R.CASEWORKER, R.LEGAL_REVIEWER, R.COMPLIANCE_AUDITOR)
CASEWORK = allow(R.CASEWORKER)
REVIEWER = allow(R.LEGAL_REVIEWER)
AUDITOR = allow(R.COMPLIANCE_AUDITOR)
JOB_REPORT_READERS = allow(R.INTAKE_OFFICER, R.CASEWORKER, R.LEGAL_REVIEWER, R.COMPLIANCE_AUDITOR)
ADMIN_ONLY = allow(R.ADMIN, case_scoped=False)  # user and team management: ids only, no case data
