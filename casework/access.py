"""Who may read a case's evaluations, and for what: the release gate and purpose binding together.

LEGAL 4: findings, map and report reach a caseworker only after a legal reviewer released them.
LEGAL 21: the case's legal grounds must permit the evaluation (route reconstruction, claim matching), and
where a ground names evaluator roles, only those roles see its results.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from legal_basis import services
from legal_basis.policy import Evaluation, Policy
from legal_basis.purpose import require_evaluation
from legal_basis.roles import Role
from legal_basis.services import Actor
from store.models import FindingSet, RouteVersion

ROUTE = Evaluation.ROUTE_RECONSTRUCTION
MATCHING = Evaluation.CLAIM_MATCHING


def require_release_for_caseworker(session: Session, actor: Actor, case_id: int) -> None:
    """LEGAL 4: findings, map and report reach a caseworker only after a legal reviewer released them."""
    if actor.role != Role.CASEWORKER:
        return
    released = session.scalar(
        select(FindingSet.id)
        .where(FindingSet.case_id == case_id, FindingSet.released_at.is_not(None))
        .limit(1)
    )
    if released is None:
        raise services.NotPermitted(
            "the findings of this case have not been released by a legal reviewer yet", ["not_released"]
        )


def require_reading(
    session: Session, policy: Policy, actor: Actor, case_id: int, *evaluations: Evaluation
) -> None:
    """The case exists, its grounds permit every one of ``evaluations`` for this actor's role, and a caseworker
    reads only what a legal reviewer released."""
    services.get_case(session, case_id)
    for evaluation in evaluations:
        require_evaluation(session, policy, case_id, evaluation, role=str(actor.role))
    require_release_for_caseworker(session, actor, case_id)


# --- the release gate per route version (issue 13, finding 4) ---------------------------------------------
# A legal reviewer releases a finding set, and with it the route version that set was matched against.
# A rebuilt route (a new version) reaches the caseworker only once a finding set on it is released; until
# then the caseworker keeps seeing the released version.


def released_route_version_ids(case_id: int) -> Select[Any]:
    """The ids of the case's route versions that a released finding set was matched against."""
    return select(FindingSet.route_version_id).where(
        FindingSet.case_id == case_id,
        FindingSet.released_at.is_not(None),
        FindingSet.route_version_id.is_not(None),
    )


def route_version_filter(actor: Actor, case_id: int) -> ColumnElement[bool] | None:
    """A condition on ``RouteVersion`` that keeps a caseworker to released versions (None: no limit)."""
    if actor.role != Role.CASEWORKER:
        return None
    return RouteVersion.id.in_(released_route_version_ids(case_id))


def refuse_unreleased_route_version(session: Session, actor: Actor, case_id: int, version: int) -> None:
    """Raise NotPermitted when ``version`` exists but is not released for this caseworker (else return)."""
    if actor.role != Role.CASEWORKER:
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
