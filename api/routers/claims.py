"""Claims from the applicant's account, the gazetteer and time phrases, findings and their release."""

from __future__ import annotations

import functools
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import Integer, Select, bindparam, select
from sqlalchemy.orm import Session

from api.deps import CASEWORK, FINDINGS_READERS, REVIEWER, ReadRoute, SessionDep, StateDep, allow
from api.params import BodyId, BodyPosition, BodyYear, PathId, QueryId, QueryYear
from casework import access, claim_places
from casework import findings as ms
from legal_basis import services
from legal_basis.roles import Role
from legal_basis.services import Actor
from store.models import ClaimRow, FindingRow, FindingSet
from store.route_store import cached_finding_rows
from store.types import utcnow

router = APIRouter(route_class=ReadRoute, prefix="/api/v1", tags=["claims and findings"])
CLAIM_EDITORS = allow(Role.CASEWORKER)
CLAIM_READERS = allow(Role.CASEWORKER, Role.LEGAL_REVIEWER, Role.COMPLIANCE_AUDITOR)
MATCHERS = allow(Role.CASEWORKER, Role.LEGAL_REVIEWER)

ClaimKindText = Literal["stayed", "passed_through", "crossed_border", "departed", "arrived"]


CountryCode = Annotated[str, Field(min_length=2, max_length=2, pattern="^[A-Za-z]{2}$")]


class ClaimWrite(BaseModel):
    kind: ClaimKindText
    place_text: str = Field(min_length=1, description="The place as the applicant said it")
    time_text: str = Field(min_length=1, description="The time as the applicant said it (Dutch or English)")
    place_id: str | None = Field(default=None, description="The gazetteer candidate the caseworker confirmed")
    place_country: CountryCode | None = Field(
        default=None, description="ISO 3166-1 alpha-2 of the country the applicant named for the place"
    )
    from_country: str | None = None
    to_country: str | None = None
    reference_year: BodyYear | None = Field(
        default=None, description="Year for phrases without one ('10 May')"
    )
    position: BodyPosition = 0


class ClaimRead(BaseModel):
    id: int
    case_id: int
    position: int
    kind: str
    place_text: str
    place: dict[str, Any] | None = Field(
        description="The confirmed place, or while place_confirmed is false only the gazetteer's suggestion"
    )
    place_confirmed: bool
    place_confirmation: dict[str, Any] | None = Field(description="Who confirmed the place, when, which id")
    place_ambiguous: bool = Field(description="Candidates far apart score alike: a caseworker must choose")
    place_ambiguity_en: list[str]
    place_ambiguity_nl: list[str]
    place_country: str | None
    candidates: list[dict[str, Any]] = Field(
        description="Ranked gazetteer candidates with score, reasons (en, nl), kind, country, plausibility and "
        "their distance to the phone's route where the reader may see it"
    )
    time_text: str
    interval: dict[str, Any] | None
    time_understood: dict[str, Any]
    from_country: str | None
    to_country: str | None


class PlaceLookup(BaseModel):
    """A gazetteer lookup; in a body, so the applicant's words stay out of URLs and access logs."""

    text: str = Field(min_length=1, description="The place as the applicant said it")
    country: CountryCode | None = Field(
        default=None, description="The country the applicant named (ISO alpha-2)"
    )
    case_id: BodyId | None = Field(
        default=None, description="The case whose route gives context (only once its findings are released)"
    )


class PlaceConfirmation(BaseModel):
    place_id: str = Field(
        min_length=1, description="A gazetteer id: one of the claim's candidates or another"
    )


def _route_for(
    session: Session, state: StateDep, actor: Actor, case_id: int
) -> claim_places.RouteContext | None:
    """The route as lookup context, or None when the actor may not see the route (LEGAL 4 and 21)."""
    try:
        access.require_reading(session, state.policy, actor, case_id, access.ROUTE)
    except services.NotPermitted:
        return None
    return claim_places.route_context(session, case_id, released_only=access.sees_released_only(actor))


def _read(row: ClaimRow) -> ClaimRead:
    extra = row.extra or {}
    lookup = extra.get("place_lookup") or {}
    return ClaimRead(
        id=row.id,
        case_id=row.case_id,
        position=row.position,
        kind=row.kind,
        place_text=row.place_text,
        place=row.place,
        place_confirmed=bool(extra.get("place_confirmed")),
        place_confirmation=extra.get("place_confirmation"),
        place_ambiguous=bool(lookup.get("ambiguous")),
        place_ambiguity_en=list(lookup.get("ambiguity_en") or []),
        place_ambiguity_nl=list(lookup.get("ambiguity_nl") or []),
        place_country=extra.get("place_country"),
        candidates=lookup.get("candidates") or [],
        time_text=row.time_text,
        interval=row.interval,
        time_understood=extra.get("time_understood", {}),
        from_country=extra.get("from_country"),
        to_country=extra.get("to_country"),
    )


def _apply(state: StateDep, session: Session, actor: Actor, row: ClaimRow, body: ClaimWrite) -> None:
    ms.check_claim_entry(body.kind, body.time_text, body.from_country, body.to_country, body.reference_year)
    understood = ms.understand_time(body.time_text, reference_year=body.reference_year)
    row.kind, row.place_text, row.time_text, row.position = (
        body.kind,
        body.place_text,
        body.time_text,
        body.position,
    )
    extra: dict[str, Any] = {
        "time_understood": understood,
        "from_country": body.from_country.upper() if body.from_country else None,
        "to_country": body.to_country.upper() if body.to_country else None,
    }
    now = utcnow()
    claim_places.apply_place(
        state,
        row,
        extra,
        place_text=body.place_text,
        country=body.place_country.upper() if body.place_country else None,
        place_id=body.place_id,
        route=_route_for(session, state, actor, row.case_id),
        confirmed_by=actor.username,
        now=now,
    )
    row.interval = understood.get("interval")
    row.extra = extra
    row.updated_at = now


@router.get("/gazetteer")
def search_places(
    state: StateDep,
    actor: Annotated[Actor, Depends(CASEWORK)],
    q: Annotated[str, Query(min_length=1)],
    countries: str = "",
) -> list[dict[str, Any]]:
    """Places only (kept for the claim form); prefer POST /gazetteer/lookup, which keeps words out of URLs.

    ``countries`` is accepted for older callers and ignored: the route never ranks candidates.
    """
    del countries
    return [ms.place_to_dict(p) for p in ms.gazetteer(state).resolve(q, limit=10)]


@router.post("/gazetteer/lookup")
def lookup_place(
    body: PlaceLookup,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(CASEWORK)],
) -> dict[str, Any]:
    """Ranked candidates with their reasons, the ambiguity flag and ``best`` (a suggestion, not a choice)."""
    route = None
    if body.case_id is not None:
        access.require_case_access(session, actor, body.case_id)
        route = _route_for(session, state, actor, body.case_id)
        services.record(
            session, actor, "gazetteer.lookup", case_id=body.case_id, details={"route_context": bool(route)}
        )
    resolution = claim_places.lookup_place(
        state, body.text, country=body.country.upper() if body.country else None, route=route
    )
    return claim_places.resolution_to_dict(resolution)


@router.get("/time-phrase")
def understand_time(
    actor: Annotated[Actor, Depends(CASEWORK)],
    q: Annotated[str, Query(min_length=1)],
    reference_year: QueryYear = None,
) -> dict[str, Any]:
    return ms.understand_time(q, reference_year=reference_year)


@router.post("/cases/{case_id}/claims", response_model=ClaimRead, status_code=status.HTTP_201_CREATED)
def create_claim(
    case_id: PathId,
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
    _apply(state, session, actor, row, body)
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
    case_id: PathId,
    claim_id: PathId,
    body: ClaimWrite,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(CLAIM_EDITORS)],
) -> ClaimRead:
    row = _claim(session, case_id, claim_id)
    _apply(state, session, actor, row, body)
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


@router.post("/cases/{case_id}/claims/{claim_id}/confirm-place", response_model=ClaimRead)
def confirm_place(
    case_id: PathId,
    claim_id: PathId,
    body: PlaceConfirmation,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(CLAIM_EDITORS)],
) -> ClaimRead:
    """The caseworker confirms which place the applicant meant (one of the candidates, or another id)."""
    case = services.get_case(session, case_id)
    if case.status != "open":
        raise services.Conflict(f"case {case_id} is {case.status}")
    row = _claim(session, case_id, claim_id)
    extra = dict(row.extra or {})
    now = utcnow()
    claim_places.confirm(state, row, extra, place_id=body.place_id, confirmed_by=actor.username, now=now)
    row.extra = extra
    row.updated_at = now
    services.record(
        session,
        actor,
        "claim.place.confirm",
        case_id=case_id,
        object_type="claim",
        object_id=claim_id,
        details={
            "place_id": body.place_id,
            "from_candidates": extra["place_confirmation"]["from_candidates"],
        },
    )
    return _read(row)


@router.delete("/cases/{case_id}/claims/{claim_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_claim(
    case_id: PathId, claim_id: PathId, session: SessionDep, actor: Annotated[Actor, Depends(CLAIM_EDITORS)]
) -> None:
    row = _claim(session, case_id, claim_id)
    if session.scalar(select(FindingRow.id).where(FindingRow.claim_id == claim_id).limit(1)) is not None:
        raise services.Conflict("this claim has findings on record; correct it instead of deleting it")
    session.delete(row)
    services.record(session, actor, "claim.delete", case_id=case_id, object_type="claim", object_id=claim_id)


@router.get("/cases/{case_id}/claims", response_model=list[ClaimRead])
def list_claims(
    case_id: PathId, session: SessionDep, actor: Annotated[Actor, Depends(CLAIM_READERS)]
) -> list[ClaimRead]:
    services.get_case(session, case_id)
    services.record(session, actor, "claim.list", case_id=case_id)
    rows = session.scalars(
        select(ClaimRow).where(ClaimRow.case_id == case_id).order_by(ClaimRow.position, ClaimRow.id)
    )
    return [_read(r) for r in rows]


@router.post("/cases/{case_id}/match")
def match(
    case_id: PathId, session: SessionDep, state: StateDep, actor: Annotated[Actor, Depends(MATCHERS)]
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
        data["findings"] = _set_findings(session, finding_set)
    return data


def _set_findings(session: Session, finding_set: FindingSet) -> list[dict[str, Any]]:
    rows = session.execute(  # columns, not ORM objects: nothing here is changed or lazily loaded
        select(FindingRow.data, FindingRow.claim_id, FindingRow.status)
        .where(FindingRow.finding_set_id == finding_set.id)
        .order_by(FindingRow.id)
    )
    return [{**r.data, "claim_id": r.claim_id, "status": r.status} for r in rows]


@functools.cache
def _finding_set_query(by_id: bool, released_only: bool) -> Select[FindingSet]:
    """The case's latest (or named) finding set, built once per kind (parameters ``case_id``, ``set_id``)."""
    query = select(FindingSet).where(FindingSet.case_id == bindparam("case_id", type_=Integer))
    if by_id:
        query = query.where(FindingSet.id == bindparam("set_id", type_=Integer))
    if released_only:
        query = query.where(FindingSet.released_at.is_not(None))
    return query.order_by(FindingSet.id.desc()).limit(1)


@router.get("/cases/{case_id}/findings")
def read_findings(
    case_id: PathId,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(FINDINGS_READERS)],
    finding_set_id: QueryId = None,
) -> Response:
    """Caseworkers see only released sets (403 before release); reviewers and auditors see the latest set."""
    access.require_reading(session, state.policy, actor, case_id, access.MATCHING)
    query = _finding_set_query(finding_set_id is not None, access.sees_released_only(actor))
    finding_set = session.scalars(query, {"case_id": case_id, "set_id": finding_set_id}).first()
    if finding_set is None:
        raise services.NotFound(f"case {case_id} has no findings yet")
    services.record(
        session, actor, "findings.read", case_id=case_id, object_type="finding_set", object_id=finding_set.id
    )
    head = _set_read(session, finding_set, include_findings=False)

    def findings() -> bytes:
        return json.dumps(
            _set_findings(session, finding_set), separators=(",", ":"), ensure_ascii=False
        ).encode()

    # A set's findings never change once made: their JSON is built once per serving process (decoding the
    # rows and encoding the answer again was most of a findings read under fifty readers, issue 18); the
    # release fields and everything else in ``head`` are read fresh on every request.
    rows = cached_finding_rows(session, case_id, finding_set.id, finding_set.created_at.isoformat(), findings)
    body = json.dumps(head, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(body[:-1] + b',"findings":' + rows + b"}", media_type="application/json")


@router.get("/cases/{case_id}/finding-sets")
def list_finding_sets(
    case_id: PathId,
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
    case_id: PathId,
    finding_set_id: PathId,
    body: ReleaseBody,
    session: SessionDep,
    actor: Annotated[Actor, Depends(REVIEWER)],
) -> dict[str, Any]:
    finding_set = session.get(FindingSet, finding_set_id)
    if finding_set is None or finding_set.case_id != case_id:
        raise services.NotFound(f"finding set {finding_set_id} does not belong to case {case_id}")
    services.release_findings(session, actor, finding_set_id, note=body.note)
    return _set_read(session, finding_set, include_findings=False)
