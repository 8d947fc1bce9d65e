"""Who may touch a case at all (need-to-know), and who may read its evaluations, for what (release gate and
purpose binding).

Need-to-know (issue 13): intake officers, authorising officials, caseworkers and legal reviewers see and change
only the cases assigned to them — directly or through a team of theirs (``store.models.CaseAssignment``).
A case outside a user's assignments answers exactly like a case that does not exist (404, same message), so
its existence does not leak. Compliance auditors read across cases: auditing every case's processing is their
task (LEGAL 11; GDPR art. 39 for a data protection officer); every route they have is a read, and each read
is audited. ``admin`` manages users and teams and reads no case data at all (403).

LEGAL 4: findings, map and report reach a caseworker only after a legal reviewer released them.
LEGAL 21: the case's legal grounds must permit the evaluation (route reconstruction, claim matching), and
where a ground names evaluator roles, only those roles see its results.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, bindparam, exists, inspect, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from legal_basis import services
from legal_basis.policy import Evaluation, Policy
from legal_basis.purpose import require_evaluation
from legal_basis.roles import Role
from legal_basis.services import Actor
from store.audit import SEQUENCED
from store.models import (
    Authorisation,
    Case,
    CaseAssignment,
    ExtractionJob,
    FindingSet,
    RouteVersion,
    TeamMember,
)

ROUTE = Evaluation.ROUTE_RECONSTRUCTION
MATCHING = Evaluation.CLAIM_MATCHING

TEAM_BOUND_ROLES = frozenset(
    {Role.INTAKE_OFFICER, Role.AUTHORISING_OFFICIAL, Role.CASEWORKER, Role.LEGAL_REVIEWER}
)
CROSS_CASE_ROLES = frozenset({Role.COMPLIANCE_AUDITOR})
MAX_ID = 2**63 - 1


class NotAssigned(services.NotFound):
    """The case (or job) does not exist or is not assigned to the reader: one answer for both (no leak)."""


def _not_assigned_case(case_id: int) -> NotAssigned:
    return NotAssigned(f"case {case_id} does not exist or is not assigned to you")


def assigned_case_ids(user_id: int | BindParameter[int]) -> Select[int]:
    """The ids of the cases assigned to the user directly or through one of the user's teams."""
    teams = select(TeamMember.team_id).where(TeamMember.user_id == user_id)
    return select(CaseAssignment.case_id).where(
        or_(CaseAssignment.user_id == user_id, CaseAssignment.team_id.in_(teams))
    )


def visible_cases(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause on ``Case`` for the cases the actor may list."""
    if actor.role in CROSS_CASE_ROLES:
        return Case.id.is_not(None)
    if actor.role not in TEAM_BOUND_ROLES:
        return Case.id.is_(None)
    return Case.id.in_(assigned_case_ids(actor.user_id))


def sees_released_only(actor: Actor) -> bool:
    """LEGAL 4: the actor reads findings, map and report only once a legal reviewer released them."""
    return actor.role == Role.CASEWORKER


def refuse_admin(actor: Actor) -> None:
    if actor.role == Role.ADMIN:
        raise services.NotPermitted(
            "admin manages users and teams and reads no case data; sign in with a case role", ["need_to_know"]
        )


def may_access_case(session: Session, actor: Actor, case_id: int) -> bool:
    if actor.role in CROSS_CASE_ROLES:
        return session.get(Case, case_id) is not None
    if actor.role not in TEAM_BOUND_ROLES:
        return False
    return (
        session.scalar(assigned_case_ids(actor.user_id).where(CaseAssignment.case_id == case_id).limit(1))
        is not None
    )


ADMITTED = "reisroute.admitted_cases"  # session.info: (user, role, case) already checked in this transaction


@dataclass(frozen=True, slots=True)
class CaseGate:
    """What one statement told the gate about a case: the row, whether a released finding set exists and the
    legal grounds of the case's extraction jobs (empty: none yet)."""

    case: Case
    released: bool
    job_grounds: tuple[str, ...]


def _gate_query(team_bound: bool) -> Select[Case, bool, bool, str]:
    """The gate's statement (parameters ``case_id``, ``user_id``), built once per kind of reader."""
    case_id = bindparam("case_id", type_=Integer)
    admitted: ColumnElement[bool] = (
        exists(
            assigned_case_ids(bindparam("user_id", type_=Integer)).where(CaseAssignment.case_id == case_id)
        )
        if team_bound
        else true()
    )
    released = exists(
        select(FindingSet.id).where(FindingSet.case_id == case_id, FindingSet.released_at.is_not(None))
    )
    return (
        select(Case, admitted.label("admitted"), released.label("released"), Authorisation.ground_id)
        .outerjoin(ExtractionJob, ExtractionJob.case_id == Case.id)
        .outerjoin(Authorisation, Authorisation.id == ExtractionJob.authorisation_id)
        .where(Case.id == case_id)
    )


_GATE_QUERIES = {True: _gate_query(True), False: _gate_query(False)}


def _read_gate(session: Session, actor: Actor, case_id: int) -> CaseGate | None:
    """Need-to-know, the release and the jobs' grounds in one statement (issue 18: a read checked them in four);
    None when the case does not exist or is not assigned to the actor."""
    if actor.role not in CROSS_CASE_ROLES and actor.role not in TEAM_BOUND_ROLES:
        return None
    query = _GATE_QUERIES[actor.role not in CROSS_CASE_ROLES]
    rows = session.execute(query, {"case_id": case_id, "user_id": actor.user_id}).all()
    if not rows or not rows[0].admitted:
        return None
    grounds = tuple(sorted({row.ground_id for row in rows if row.ground_id is not None}))
    return CaseGate(case=rows[0][0], released=bool(rows[0].released), job_grounds=grounds)


def _admit(session: Session, actor: Actor, case_id: int) -> CaseGate:
    refuse_admin(actor)
    transaction = session.get_transaction()
    memo: tuple[object, dict[tuple[int, str, int], CaseGate]] | None = session.info.get(ADMITTED)
    if transaction is None or memo is None or memo[0] is not transaction:
        memo = (transaction, {})  # a new transaction checks afresh
        session.info[ADMITTED] = memo
    key = (actor.user_id, str(actor.role), case_id)
    gate = memo[1].get(key)
    if gate is not None and (inspect(gate.case).deleted or inspect(gate.case).detached):
        gate = None  # deleted (or expunged) in this transaction: ask the database again
    if gate is None:
        found = _read_gate(session, actor, case_id) if 0 < case_id <= MAX_ID else None
        if found is None:
            raise _not_assigned_case(case_id)
        gate = found
        if transaction is not None:
            memo[1][key] = gate  # held here, so the session's identity map keeps the case too
    return gate


def require_case_access(session: Session, actor: Actor, case_id: int) -> Case:
    """The case, if the actor may see it (need-to-know); else 404 as if it did not exist (admin: 403).

    A request checks the same case twice (the route's gate, then the handler): the second check in the same
    transaction reuses the first's answer and its loaded row (a read transaction sees one snapshot; a write
    transaction that changes assignments is the request that checked); a later transaction of the session
    checks afresh."""
    return _admit(session, actor, case_id).case


def require_job_access(session: Session, actor: Actor, job_id: int) -> ExtractionJob:
    """The job, if the actor may see its case; else 404 as if it did not exist (admin: 403)."""
    refuse_admin(actor)
    job = session.get(ExtractionJob, job_id) if 0 < job_id <= MAX_ID else None
    if job is None or not may_access_case(session, actor, job.case_id):
        raise NotAssigned(f"job {job_id} does not exist or is not assigned to you")
    return job


def require_release_for_caseworker(session: Session, actor: Actor, case_id: int) -> None:
    """LEGAL 4: findings, map and report reach a caseworker only after a legal reviewer released them."""
    if not sees_released_only(actor):
        return
    released = session.scalar(
        select(FindingSet.id)
        .where(FindingSet.case_id == case_id, FindingSet.released_at.is_not(None))
        .limit(1)
    )
    if released is None:
        raise _not_released()


def _not_released() -> services.NotPermitted:
    return services.NotPermitted(
        "the findings of this case have not been released by a legal reviewer yet", ["not_released"]
    )


def require_reading(
    session: Session, policy: Policy, actor: Actor, case_id: int, *evaluations: Evaluation
) -> None:
    """The case exists, its grounds permit every one of ``evaluations`` for this actor's role, and a caseworker
    reads only what a legal reviewer released.

    In a read transaction the release and the grounds come from the gate's one statement (``_read_gate``);
    a write transaction may have changed either since, so it asks again."""
    gate = _admit(session, actor, case_id)
    reading = bool(session.info.get(SEQUENCED))
    for evaluation in evaluations:
        require_evaluation(
            session,
            policy,
            case_id,
            evaluation,
            role=str(actor.role),
            job_grounds=gate.job_grounds if reading else None,
        )
    if not reading:
        require_release_for_caseworker(session, actor, case_id)
    elif sees_released_only(actor) and not gate.released:
        raise _not_released()


# --- the release gate per route version (issue 13, finding 4) ---------------------------------------------
# A legal reviewer releases a finding set, and with it the route version that set was matched against.
# A rebuilt route (a new version) reaches the caseworker only once a finding set on it is released; until
# then the caseworker keeps seeing the released version.


def released_route_version_ids(case_id: int | BindParameter[int]) -> Select[Any]:
    """The ids of the case's route versions that a released finding set was matched against."""
    return select(FindingSet.route_version_id).where(
        FindingSet.case_id == case_id,
        FindingSet.released_at.is_not(None),
        FindingSet.route_version_id.is_not(None),
    )


def route_version_filter(actor: Actor, case_id: int) -> ColumnElement[bool] | None:
    """A condition on ``RouteVersion`` that keeps a caseworker to released versions (None: no limit)."""
    if not sees_released_only(actor):
        return None
    return RouteVersion.id.in_(released_route_version_ids(case_id))


def refuse_unreleased_route_version(session: Session, actor: Actor, case_id: int, version: int) -> None:
    """Raise NotPermitted when ``version`` exists but is not released for this caseworker (else return)."""
    if not sees_released_only(actor):
        return
    exists = session.scalar(
        select(RouteVersion.id).where(RouteVersion.case_id == case_id, RouteVersion.version == version)
    )
    if exists is not None:
        raise services.NotPermitted(
            f"route version {version} of case {case_id} has not been released by a legal reviewer: the "
            "caseworker sees the released version until a finding set on the new one is released",
            ["route_version_not_released"],
        )
