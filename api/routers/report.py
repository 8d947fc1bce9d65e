"""The case report as PDF, for the case file. Caseworkers get it only after a legal reviewer released the
findings; reviewers and auditors may ask for a draft of the latest, unreleased set (watermarked)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from api.deps import ReadRoute, SessionDep, StateDep, allow
from api.params import PathId, QueryId
from api.reports import NothingToReport, produce_case_report
from casework import access
from legal_basis import services
from legal_basis.roles import Role
from legal_basis.services import Actor

router = APIRouter(route_class=ReadRoute, prefix="/api/v1", tags=["report"])
REPORT_READERS = allow(Role.CASEWORKER, Role.LEGAL_REVIEWER, Role.COMPLIANCE_AUDITOR)


@router.get(
    "/cases/{case_id}/report.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The case report (PDF)"}},
)
def case_report_pdf(
    case_id: PathId,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(REPORT_READERS)],
    finding_set_id: QueryId = None,
    language: Literal["nl", "en"] = "nl",
    draft: Annotated[
        bool, Query(description="Reviewers and auditors: report the latest set even if not yet released")
    ] = False,
) -> Response:
    access.require_reading(session, state.policy, actor, case_id, access.ROUTE, access.MATCHING)
    if draft and actor.role == Role.CASEWORKER:
        raise services.NotPermitted(
            "caseworkers receive released findings only; ask a legal reviewer to release them",
            ["not_released"],
        )
    # The report reads in its own session; end this request's transaction first so that SQLite's write lock
    # (every transaction begins IMMEDIATE) is not held across it.
    session.commit()
    try:
        report = produce_case_report(
            state, case_id, finding_set_id=finding_set_id, language=language, released_only=not draft
        )
    except NothingToReport as exc:
        raise services.NotFound(str(exc)) from exc
    services.record(
        session,
        actor,
        "report.pdf",
        case_id=case_id,
        object_type="finding_set",
        object_id=report.finding_set_id,
        details={
            "sha256": report.sha256,
            "bytes": len(report.pdf),
            "language": language,
            "released": report.released,
            "audit_head_seq": report.audit_head_seq,
        },
    )
    return Response(
        content=report.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{report.file_name}"',
            "X-Report-SHA256": report.sha256,
            "Cache-Control": "no-store",
        },
    )
