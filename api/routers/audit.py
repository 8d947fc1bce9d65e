"""The audit log, for compliance auditors: list and verify (entry MACs, links, signed checkpoints)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from api.deps import AUDITOR, ReadRoute, SessionDep
from api.params import MAX_DATABASE_INTEGER, QueryId
from api.schemas import AuditEntryRead, AuditVerifyRead
from legal_basis.services import Actor, record
from store import audit
from store.models import AuditEntry

router = APIRouter(route_class=ReadRoute, prefix="/api/v1/audit", tags=["audit"])


@router.get("", response_model=list[AuditEntryRead])
def list_entries(
    session: SessionDep,
    actor: Annotated[Actor, Depends(AUDITOR)],
    case_id: QueryId = None,
    after_seq: Annotated[int, Query(ge=0, le=MAX_DATABASE_INTEGER)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.seq > after_seq).order_by(AuditEntry.seq).limit(limit)
    if case_id is not None:
        query = query.where(AuditEntry.case_id == case_id)
    rows = list(session.scalars(query))
    session.expunge_all()
    record(
        session, actor, "audit.list", case_id=case_id, details={"after_seq": after_seq, "count": len(rows)}
    )
    return rows


@router.get("/verify", response_model=AuditVerifyRead)
def verify(session: SessionDep, actor: Annotated[Actor, Depends(AUDITOR)]) -> AuditVerifyRead:
    result = audit.audit_log_of(session).verify(session)
    record(session, actor, "audit.verify", details={"ok": result.ok, "head_seq": result.head_seq})
    return AuditVerifyRead(**{f: getattr(result, f) for f in AuditVerifyRead.model_fields})
