"""Who may read a case's evaluations, and for what: the release gate and purpose binding together.

LEGAL 4: findings, map and report reach a caseworker only after a legal reviewer released them.
LEGAL 21: the case's legal grounds must permit the evaluation (route reconstruction, claim matching), and
where a ground names evaluator roles, only those roles see its results.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from legal_basis import services
from legal_basis.policy import Evaluation, Policy
from legal_basis.purpose import require_evaluation
from legal_basis.roles import Role
from legal_basis.services import Actor
from store.models import FindingSet

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
