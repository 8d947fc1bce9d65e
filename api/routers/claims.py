"""Claims from the applicant's account, the gazetteer and time phrases, findings and their release."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import CASEWORK, FINDINGS_READERS, REVIEWER, SessionDep, StateDep, allow
from casework import access
from casework import findings as ms
from legal_basis import services
from legal_basis.roles import Role
from legal_basis.services import Actor
from store.models import ClaimRow, FindingRow, FindingSet
from store.types import utcnow

router = APIRouter(prefix="/api/v1", tags=["claims and findings"])
CLAIM_EDITORS = allow(Role.CASEWORKER)
CLAIM_READERS = allow(Role.CASEWORKER, Role.LEGAL_REVIEWER, Role.COMPLIANCE_AUDITOR)
MATCHERS = allow(Role.CASEWORKER, Role.LEGAL_REVIEWER)

ClaimKindText = Literal["stayed", "passed_through", "crossed_border", "departed", "arrived"]


class ClaimWrite(BaseModel):
    kind: ClaimKindText
    place_text: str = Field(min_length=1, description="The place as the applicant said it")
    time_text: str = Field(min_length=1, description="The time as the applicant said it (Dutch or English)")
    place_id: str | None = Field(default=None, description="The gazetteer candidate the caseworker confirmed")
    from_country: str | None = None
    to_country: str | None = None
    reference_year: int | None = Field(default=None, description="Year for phrases without one ('10 May')")
    position: int = 0


class ClaimRead(BaseModel):
    id: int
    case_id: int
    position: int
    kind: str
    place_text: str
    place: dict[str, Any] | None
    place_confirmed: bool
    candidates: list[dict[str, Any]]
    time_text: str
    interval: dict[str, Any] | None
    time_understood: dict[str, Any]
    from_country: str | None
    to_country: str | None


def _resolve(
    state: StateDep, session: Session, case_id: int, body: ClaimWrite
) -> tuple[dict[str, Any] | None, list[dict[str, Any]], bool]:
    gazetteer = ms.gazetteer(state)
    if body.place_id:
        return ms.place_to_dict(gazetteer.get(body.place_id)), [], True
    candidates = gazetteer.resolve(
        body.place_text, preferred_countries=ms.route_countries(session, case_id), limit=8
    )
    as_dicts = [ms.place_to_dict(c) for c in candidates]
    return (as_dicts[0] if as_dicts else None), as_dicts, False


def _read(row: ClaimRow) -> ClaimRead:
    extra = row.extra or {}
    return ClaimRead(
        id=row.id,
        case_id=row.case_id,
        position=row.position,
        kind=row.kind,
        place_text=row.place_text,
        place=row.place,
        place_confirmed=bool(extra.get("place_confirmed")),
        candidates=extra.get("candidates", []),
        time_text=row.time_text,
        interval=row.interval,
        time_understood=extra.get("time_understood", {}),
        from_country=extra.get("from_country"),
        to_country=extra.get("to_country"),
    )


def _apply(state: StateDep, session: Session, row: ClaimRow, body: ClaimWrite) -> None:
    place, candidates, confirmed = _resolve(state, session, row.case_id, body)
    understood = ms.understand_time(body.time_text, reference_year=body.reference_year)
    row.kind, row.place_text, row.time_text, row.position = (
        body.kind,
        body.place_text,
        body.time_text,
        body.position,
    )
    row.place = place
    row.interval = understood.get("interval")
    row.extra = {
        "place_confirmed": confirmed,
        "candidates": candidates,
        "time_understood": understood,
        "from_country": body.from_country.upper() if body.from_country else None,
        "to_country": body.to_country.upper() if body.to_country else None,
    }
    row.updated_at = utcnow()


@router.get("/gazetteer")
def search_places(
    state: StateDep,
    actor: Annotated[Actor, Depends(CASEWORK)],
    q: Annotated[str, Query(min_length=1)],
    countries: str = "",
) -> list[dict[str, Any]]:
    preferred = [c.strip().upper() for c in countries.split(",") if c.strip()]
    return [
        ms.place_to_dict(p) for p in ms.gazetteer(state).resolve(q, preferred_countries=preferred, limit=10)
    ]


@router.get("/time-phrase")
def understand_time(
    actor: Annotated[Actor, Depends(CASEWORK)],
    q: Annotated[str, Query(min_length=1)],
    reference_year: int | None = None,
) -> dict[str, Any]:
    return ms.understand_time(q, reference_year=reference_year)


@router.post("/cases/{case_id}/claims", response_model=ClaimRead, status_code=status.HTTP_201_CREATED)
def create_claim(
    case_id: int,
    body: ClaimWrite,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(CLAIM_EDITORS)],
) -> ClaimRead:
    case = services.get_case(session, case_id)
    if case.status != "open":
        raise services.Conflict(f"case {case_id} is {case.status}")
    row = ClaimRow(
        case_id=case_id,
        kind=body.kind,
        place_text=body.place_text,
        time_text=body.time_text,
        created_by=actor.user_id,
    )
    _apply(state, session, row, body)
    session.add(row)
    session.flush()
    services.record(
        session,
        actor,
        "claim.create",
        case_id=case_id,
        object_type="claim",
        object_id=row.id,
        details={"kind": body.kind, "place_text": body.place_text, "time_text": body.time_text},
    )
    return _read(row)


def _claim(session: Session, case_id: int, claim_id: int) -> ClaimRow:
    row = session.get(ClaimRow, claim_id)
    if row is None or row.case_id != case_id:
        raise services.NotFound(f"claim {claim_id} does not belong to case {case_id}")
    return row


@router.put("/cases/{case_id}/claims/{claim_id}", response_model=ClaimRead)
def update_claim(
    case_id: int,
    claim_id: int,
    body: ClaimWrite,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(CLAIM_EDITORS)],
) -> ClaimRead:
    row = _claim(session, case_id, claim_id)
    _apply(state, session, row, body)
    services.record(
        session,
        actor,
        "claim.update",
        case_id=case_id,
        object_type="claim",
        object_id=claim_id,
        details={
            "kind": body.kind,
            "place_text": body.place_text,
            "time_text": body.time_text,
            "place_id": body.place_id,
        },
    )
    return _read(row)


@router.delete("/cases/{case_id}/claims/{claim_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_claim(
    case_id: int, claim_id: int, session: SessionDep, actor: Annotated[Actor, Depends(CLAIM_EDITORS)]
) -> None:
    row = _claim(session, case_id, claim_id)
    if session.scalar(select(FindingRow.id).where(FindingRow.claim_id == claim_id).limit(1)) is not None:
        raise services.Conflict("this claim has findings on record; correct it instead of deleting it")
    session.delete(row)
    services.record(session, actor, "claim.delete", case_id=case_id, object_type="claim", object_id=claim_id)


@router.get("/cases/{case_id}/claims", response_model=list[ClaimRead])
def list_claims(
    case_id: int, session: SessionDep, actor: Annotated[Actor, Depends(CLAIM_READERS)]
) -> list[ClaimRead]:
    services.get_case(session, case_id)
    services.record(session, actor, "claim.list", case_id=case_id)
    rows = session.scalars(
        select(ClaimRow).where(ClaimRow.case_id == case_id).order_by(ClaimRow.position, ClaimRow.id)
    )
    return [_read(r) for r in rows]


@router.post("/cases/{case_id}/match")
def match(
    case_id: int, session: SessionDep, state: StateDep, actor: Annotated[Actor, Depends(MATCHERS)]
) -> dict[str, Any]:
    """Compare every understood claim with the latest route: a new finding set, unreleased."""
    services.get_case(session, case_id)
    services.record(session, actor, "findings.compute.request", case_id=case_id)
    session.commit()
    finding_set = ms.rematch_case(state, case_id, actor=actor.username)
    if finding_set is None:
        raise services.Conflict("the case has no claims to match")
    return {"finding_set_id": finding_set.id, "released": False}


def _set_read(session: Session, finding_set: FindingSet, include_findings: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": finding_set.id,
        "case_id": finding_set.case_id,
        "created_at": finding_set.created_at.isoformat(),
        "route_version_id": finding_set.route_version_id,
        "code_version": finding_set.code_version,
        "released": finding_set.released_at is not None,
        "released_at": finding_set.released_at.isoformat() if finding_set.released_at else None,
        "released_by": finding_set.released_by,
        "release_note": finding_set.release_note,
        "coverage": finding_set.coverage,
        "limitations": ms.limitation_lines(finding_set.limitations, "en"),
        "limitations_nl": ms.limitation_lines(finding_set.limitations, "nl"),
    }
    if include_findings:
        rows = session.scalars(
            select(FindingRow).where(FindingRow.finding_set_id == finding_set.id).order_by(FindingRow.id)
        )
        data["findings"] = [{**r.data, "claim_id": r.claim_id, "status": r.status} for r in rows]
    return data


@router.get("/cases/{case_id}/findings")
def read_findings(
    case_id: int,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(FINDINGS_READERS)],
    finding_set_id: int | None = None,
) -> dict[str, Any]:
    """Caseworkers see only released sets (403 before release); reviewers and auditors see the latest set."""
    access.require_reading(session, state.policy, actor, case_id, access.MATCHING)
    query = select(FindingSet).where(FindingSet.case_id == case_id)
    if finding_set_id is not None:
        query = query.where(FindingSet.id == finding_set_id)
    if actor.role == Role.CASEWORKER:
        query = query.where(FindingSet.released_at.is_not(None))
    finding_set = session.scalars(query.order_by(FindingSet.id.desc()).limit(1)).first()
    if finding_set is None:
        raise services.NotFound(f"case {case_id} has no findings yet")
    services.record(
        session, actor, "findings.read", case_id=case_id, object_type="finding_set", object_id=finding_set.id
    )
    return _set_read(session, finding_set)


@router.get("/cases/{case_id}/finding-sets")
def list_finding_sets(
    case_id: int,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(allow(Role.LEGAL_REVIEWER, Role.COMPLIANCE_AUDITOR))],
) -> list[dict[str, Any]]:
    access.require_reading(session, state.policy, actor, case_id, access.MATCHING)
    services.record(session, actor, "findings.history.read", case_id=case_id)
    rows = session.scalars(select(FindingSet).where(FindingSet.case_id == case_id).order_by(FindingSet.id))
    return [_set_read(session, r, include_findings=False) for r in rows]


class ReleaseBody(BaseModel):
    note: str = Field(min_length=1, description="What the reviewer checked; shown in the report")


@router.post("/cases/{case_id}/finding-sets/{finding_set_id}/release")
def release(
    case_id: int,
    finding_set_id: int,
    body: ReleaseBody,
    session: SessionDep,
    actor: Annotated[Actor, Depends(REVIEWER)],
) -> dict[str, Any]:
    finding_set = session.get(FindingSet, finding_set_id)
    if finding_set is None or finding_set.case_id != case_id:
        raise services.NotFound(f"finding set {finding_set_id} does not belong to case {case_id}")
    services.release_findings(session, actor, finding_set_id, note=body.note)
    return _set_read(session, finding_set, include_findings=False)
