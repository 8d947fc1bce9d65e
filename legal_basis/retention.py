"""Retention: deletion you can prove.

The case's evidence key is destroyed (crypto-erasure), its blobs and derived data are deleted, and the audit
log records the proof (key fingerprint, number of blobs and a digest of their names, row counts). The audit
trail itself is kept.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from legal_basis.services import Actor, get_case, record
from store.db import checkpoint_after_commit
from store.evidence import EvidenceStore
from store.models import (
    Authorisation,
    ClaimRow,
    ConsentRecord,
    CustodyRecord,
    Device,
    ExtractionJob,
    FindingRow,
    FindingSet,
    InformationNotice,
    LocationRow,
    RouteVersion,
)
from store.types import utcnow

ERASED = "[erased with the case data]"
# What a deleted case keeps (its tombstone): the case id and reference, its status and times and the proof;
# per job its kind, state, times and counts; per authorisation its ground, categories, window, status and who
# decided; per consent and notice whether and when. Everything that identifies the phone or its owner, or
# says why and how (free text, device paths, serials, job logs), goes with the data.
TOMBSTONE = (
    "case: id, reference, status, created/deleted at, deletion proof",
    "job: kind, state, times, item and byte counts, artifact outcome counts",
    "authorisation: ground, policy version, categories, window, status, requested/decided by and at",
    "consent and notice: given, withdrawn, times",
)


def _erase_identifying_rows(session: Session, case_id: int, *, keep_case_open: bool) -> dict[str, int]:
    """Blank what identifies the phone or its owner in the rows that stay (LEGAL 7; see ``TOMBSTONE``)."""
    erased: dict[str, int] = {}
    jobs = list(session.scalars(select(ExtractionJob).where(ExtractionJob.case_id == case_id)))
    for job in jobs:
        job.identity = None
        job.params = {}
        job.log = []
        job.clock = {}
        job.device_history = None
        job.scope = {"categories": list((job.scope or {}).get("categories") or [])}
        job.outcomes = [
            {k: v for k, v in dict(o).items() if k in ("artifact_id", "status", "items", "records")}
            for o in job.outcomes or []
            if isinstance(o, dict)
        ]
        if job.error:
            job.error = ERASED
    erased["jobs"] = len(jobs)
    if keep_case_open:
        return erased
    devices = list(session.scalars(select(Device).where(Device.case_id == case_id)))
    for device in devices:
        device.make, device.model, device.serial, device.seal_number, device.notes = "", "", None, None, ""
    erased["devices"] = len(devices)
    authorisations = list(session.scalars(select(Authorisation).where(Authorisation.case_id == case_id)))
    for authorisation in authorisations:
        authorisation.purpose = authorisation.necessity = ERASED
        authorisation.milder_means = []
        if authorisation.decision_reason:
            authorisation.decision_reason = ERASED
    erased["authorisations"] = len(authorisations)
    consents = list(session.scalars(select(ConsentRecord).where(ConsentRecord.case_id == case_id)))
    notices = list(session.scalars(select(InformationNotice).where(InformationNotice.case_id == case_id)))
    for consent in consents:
        consent.language, consent.interpreter = "-", None
    for notice in notices:
        notice.language, notice.interpreter = "-", None
    erased["consents"], erased["notices"] = len(consents), len(notices)
    return erased


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
    erased = _erase_identifying_rows(session, case_id, keep_case_open=keep_case_open)
    proof = evidence.destroy_case(session, case_id)
    proof.update(
        {
            "rows_deleted": counts,
            "finding_sets_deleted": len(set_ids),
            "rows_erased": erased,
            "reason": reason,
            "at": utcnow().isoformat(),
        }
    )
    if not keep_case_open:
        session.execute(delete(ClaimRow).where(ClaimRow.case_id == case_id))
        case.status = "deleted"
        case.title = ""
    case.deleted_at = utcnow()
    case.deletion_proof = proof
    checkpoint_after_commit(session)  # SQLite: no old page of the deleted rows stays in the WAL
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
