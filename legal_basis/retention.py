"""Retention: deletion you can prove.

The case's evidence key is destroyed (crypto-erasure), its blobs and derived data are deleted, and the audit
log records the proof (key fingerprint, number of blobs and a digest of their names, row counts). The audit
trail itself is kept.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from legal_basis.services import Actor, get_case, record
from store.evidence import EvidenceStore
from store.models import (
    ClaimRow,
    CustodyRecord,
    ExtractionJob,
    FindingRow,
    FindingSet,
    LocationRow,
    RouteVersion,
)
from store.types import utcnow


def delete_case_data(
    session: Session,
    actor: Actor,
    evidence: EvidenceStore,
    case_id: int,
    *,
    reason: str,
    keep_case_open: bool = False,
) -> dict[str, object]:
    case = get_case(session, case_id)
    counts: dict[str, int] = {}
    for model in (LocationRow, CustodyRecord, RouteVersion):
        counts[model.__tablename__] = (
            session.scalar(
                select(func.count()).select_from(model).where(model.case_id == case_id)  # type: ignore[attr-defined]
            )
            or 0
        )
    set_ids = list(session.scalars(select(FindingSet.id).where(FindingSet.case_id == case_id)))
    if set_ids:
        session.execute(delete(FindingRow).where(FindingRow.finding_set_id.in_(set_ids)))
    session.execute(delete(FindingSet).where(FindingSet.case_id == case_id))
    session.execute(delete(LocationRow).where(LocationRow.case_id == case_id))
    session.execute(delete(CustodyRecord).where(CustodyRecord.case_id == case_id))
    session.execute(delete(RouteVersion).where(RouteVersion.case_id == case_id))
    for job in session.scalars(select(ExtractionJob).where(ExtractionJob.case_id == case_id)):
        job.cancel_requested = True
        if job.state in ("queued", "running", "interrupted"):
            job.state = "cancelled"
    proof = evidence.destroy_case(session, case_id)
    proof.update(
        {
            "rows_deleted": counts,
            "finding_sets_deleted": len(set_ids),
            "reason": reason,
            "at": utcnow().isoformat(),
        }
    )
    if not keep_case_open:
        session.execute(delete(ClaimRow).where(ClaimRow.case_id == case_id))
        case.status = "deleted"
    case.deleted_at = utcnow()
    case.deletion_proof = proof
    record(
        session,
        actor,
        "case.delete_data",
        case_id=case_id,
        object_type="case",
        object_id=case_id,
        reason=reason,
        details=proof,
    )
    return proof
