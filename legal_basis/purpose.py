"""Purpose binding (LEGAL 21): the data of a case is evaluated only for what its legal grounds permit.

The grounds of a case are those of its approved authorisations under which data was acquired (every approved
one while nothing has been acquired yet). An evaluation is permitted only when **every** such ground permits it
— data acquired for identity alone never feeds a route — and, where a ground names evaluator roles, only for
those roles. A ground that the policy in force no longer contains permits nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from legal_basis.errors import NotPermitted
from legal_basis.policy import Evaluation, LegalGround, Policy
from store.models import Authorisation, ExtractionJob

EVALUATION_WORDS = {
    Evaluation.IDENTITY_NATIONALITY: ("identity and nationality", "identiteit en nationaliteit"),
    Evaluation.ROUTE_RECONSTRUCTION: ("route reconstruction", "reconstructie van de route"),
    Evaluation.CLAIM_MATCHING: ("comparison with the applicant's account", "vergelijking met de verklaring"),
}


@dataclass(frozen=True, slots=True)
class CaseGround:
    ground_id: str
    ground: LegalGround | None  # None: the ground is not in the policy in force


def case_grounds(
    session: Session, policy: Policy, case_id: int, *, job_grounds: Iterable[str] | None = None
) -> list[CaseGround]:
    """The legal grounds the case's data was (or may be) acquired under: those of its extraction jobs'
    authorisations (``job_grounds``: already read by the caller, in this transaction), else its approved
    authorisations."""
    used = (
        set(job_grounds)
        if job_grounds is not None
        else set(
            session.scalars(
                select(Authorisation.ground_id)
                .join(ExtractionJob, ExtractionJob.authorisation_id == Authorisation.id)
                .where(ExtractionJob.case_id == case_id)
            )
        )
    )
    if not used:
        used = set(
            session.scalars(
                select(Authorisation.ground_id).where(
                    Authorisation.case_id == case_id, Authorisation.status == "approved"
                )
            )
        )
    return [CaseGround(ground_id, policy.ground(ground_id)) for ground_id in sorted(used)]


def evaluation_refusal(
    session: Session,
    policy: Policy,
    case_id: int,
    evaluation: Evaluation,
    *,
    role: str | None = None,
    job_grounds: Iterable[str] | None = None,
) -> NotPermitted | None:
    """Why ``evaluation`` of the case's data is not permitted (None: it is)."""
    en, nl = EVALUATION_WORDS[evaluation]
    for item in case_grounds(session, policy, case_id, job_grounds=job_grounds):
        if item.ground is None:
            return NotPermitted(
                f"the legal ground {item.ground_id!r} of this case is not in the policy in force "
                f"({policy.full_version}): no {en} / geen {nl}",
                ["ground_not_in_policy"],
            )
        ground = item.ground
        if evaluation not in ground.permitted_evaluations:
            permitted = (
                ", ".join(EVALUATION_WORDS[e][0] for e in sorted(ground.permitted_evaluations)) or "none"
            )
            return NotPermitted(
                f"the legal ground {ground.id} ({ground.statute}) does not permit {en} (it permits: {permitted}) "
                f"/ de rechtsgrond {ground.id} staat geen {nl} toe",
                ["evaluation_not_permitted"],
            )
        if role is not None and ground.evaluator_roles and role not in ground.evaluator_roles:
            return NotPermitted(
                f"under the legal ground {ground.id} ({ground.statute}) only "
                f"{', '.join(sorted(ground.evaluator_roles))} may see the {en} / onder deze rechtsgrond mag "
                f"alleen {', '.join(sorted(ground.evaluator_roles))} de {nl} inzien",
                ["evaluator_role_required"],
            )
    return None


def require_evaluation(
    session: Session,
    policy: Policy,
    case_id: int,
    evaluation: Evaluation,
    *,
    role: str | None = None,
    job_grounds: Iterable[str] | None = None,
) -> None:
    """Raise ``NotPermitted`` (403, naming the ground) unless the case's grounds permit ``evaluation``."""
    refusal = evaluation_refusal(session, policy, case_id, evaluation, role=role, job_grounds=job_grounds)
    if refusal is not None:
        raise refusal
