"""The records table and the exports of a case (issue 14).

- ``GET /cases/{id}/records``: every location record of a route version, filtered (time window, artifacts,
  largest accuracy, own/received, a claim's place and "at"/"away" from it) and paged by offset (a version
  never changes, so an offset stays valid); each row with UTC and local time, position, accuracy, artifact,
  device path and the acquired item's SHA-256. ``record_id`` instead of ``offset`` opens the page holding it.
- ``GET /cases/{id}/records/export``: the same rows as CSV, GeoJSON or KML (a file download).
- ``GET /cases/{id}/findings/export``: the finding set as CSV.

Same gates as the route and the findings (LEGAL 4: caseworkers only after release; LEGAL 21: the grounds
permit the evaluation); every read and every export is an audit entry.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

import catalogue
from api.deps import FINDINGS_READERS, ReadRoute, SessionDep, StateDep
from api.routers.route import route_version
from api.web.route_points import _load
from casework import access
from casework import records as rec
from legal_basis import services
from legal_basis.roles import Role
from legal_basis.services import Actor
from store.models import Case, ClaimRow, FindingRow, FindingSet

router = APIRouter(route_class=ReadRoute, prefix="/api/v1", tags=["records"])

MAX_PAGE = 2_000
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
    "kml": "application/vnd.google-earth.kml+xml",
}


def _visible_set(session: Session, actor: Actor, case_id: int, finding_set_id: int | None) -> FindingSet:
    query = select(FindingSet).where(FindingSet.case_id == case_id)
    if finding_set_id is not None:
        query = query.where(FindingSet.id == finding_set_id)
    if actor.role == Role.CASEWORKER:
        query = query.where(FindingSet.released_at.is_not(None))
    found = session.scalars(query.order_by(FindingSet.id.desc()).limit(1)).first()
    if found is None:
        raise services.NotFound(f"case {case_id} has no findings yet")
    return found


def _claim_place(
    session: Session, state: Any, actor: Actor, case_id: int, claim_id: int
) -> tuple[rec.ClaimPlace, dict[str, Any]]:
    """The claimed place and the finding's window (the visible finding set) of one claim."""
    access.require_reading(session, state.policy, actor, case_id, access.MATCHING)
    claim = session.get(ClaimRow, claim_id)
    if claim is None or claim.case_id != case_id:
        raise services.NotFound(f"claim {claim_id} does not belong to case {case_id}")
    if not claim.place:
        raise services.Conflict(f"claim {claim_id} has no place to measure from")
    finding_set = _visible_set(session, actor, case_id, None)
    row = session.scalars(
        select(FindingRow).where(FindingRow.finding_set_id == finding_set.id, FindingRow.claim_id == claim_id)
    ).first()
    data = dict(row.data) if row is not None else {}
    uncertainty = data.get("uncertainty") or {}
    extent = uncertainty.get("place_extent_m")
    place = rec.ClaimPlace(
        lat=float(claim.place["lat"]),
        lon=float(claim.place["lon"]),
        extent_m=float(extent if extent is not None else claim.place.get("extent_radius_m") or 0.0),
        accuracy_factor=float(uncertainty.get("at_place_accuracy_factor") or rec.DEFAULT_AT_PLACE_FACTOR),
    )
    return place, data


def _filter(
    session: Session,
    state: Any,
    actor: Actor,
    case_id: int,
    *,
    start_s: float | None,
    end_s: float | None,
    artifact: list[str] | None,
    max_accuracy_m: float | None,
    observation: str | None,
    claim_id: int | None,
    side: str | None,
    claim_window: bool,
) -> tuple[rec.RecordFilter, dict[str, Any]]:
    place = None
    finding: dict[str, Any] = {}
    if claim_id is not None:
        place, finding = _claim_place(session, state, actor, case_id, claim_id)
        if claim_window and finding.get("interval_start_utc") and finding.get("interval_end_utc"):
            from datetime import datetime

            start_s = datetime.fromisoformat(finding["interval_start_utc"].replace("Z", "+00:00")).timestamp()
            end_s = datetime.fromisoformat(finding["interval_end_utc"].replace("Z", "+00:00")).timestamp()
    selection = rec.RecordFilter(  # a filter that cannot apply raises RecordsError (422)
        start_s=start_s,
        end_s=end_s,
        artifacts=tuple(artifact or ()),
        max_accuracy_m=max_accuracy_m,
        observation=observation,
        place=place,
        side=side,
    )
    return selection, finding


def _filter_details(selection: rec.RecordFilter, claim_id: int | None) -> dict[str, Any]:
    return {
        "window": [selection.start_s, selection.end_s],
        "artifacts": list(selection.artifacts),
        "max_accuracy_m": selection.max_accuracy_m,
        "observation": selection.observation,
        "claim_id": claim_id,
        "side": selection.side,
    }


Artifacts = Annotated[list[str] | None, Query(description="keep only these artifacts (repeat the parameter)")]
Observation = Annotated[str | None, Query(pattern="^(own|received)$")]
Side = Annotated[str | None, Query(pattern="^(at|away)$", description="with claim_id: at the place or away")]


@router.get("/cases/{case_id}/records")
def read_records(
    case_id: int,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(FINDINGS_READERS)],
    version: Annotated[int | None, Query(ge=1)] = None,
    start_s: Annotated[float | None, Query(description="window start, UTC seconds")] = None,
    end_s: Annotated[float | None, Query(description="window end, UTC seconds")] = None,
    artifact: Artifacts = None,
    max_accuracy_m: Annotated[float | None, Query(gt=0)] = None,
    observation: Observation = None,
    claim_id: Annotated[int | None, Query(description="measure distance from this claim's place")] = None,
    side: Side = None,
    claim_window: Annotated[bool, Query(description="with claim_id: the finding's window")] = False,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    record_id: Annotated[int | None, Query(description="open the page that holds this record")] = None,
) -> Response:
    """One page of the case's records in time order with the filters applied; ``total`` counts every record
    the filters keep, ``next_offset`` is null on the last page."""
    access.require_reading(session, state.policy, actor, case_id, access.ROUTE)
    selection, finding = _filter(
        session, state, actor, case_id,
        start_s=start_s, end_s=end_s, artifact=artifact, max_accuracy_m=max_accuracy_m,
        observation=observation, claim_id=claim_id, side=side, claim_window=claim_window,
    )  # fmt: skip
    row = route_version(session, case_id, version)
    points = _load(session, state, row)
    page = rec.records_page(session, points, selection, offset=offset, limit=limit, record_id=record_id)
    if page is None:
        raise services.NotFound(f"record {record_id} is not among the filtered records of this case")
    offset = page.offset
    services.record(
        session,
        actor,
        "records.read",
        case_id=case_id,
        object_type="route_version",
        object_id=row.id,
        details={**_filter_details(selection, claim_id), "offset": offset, "rows": len(page.rows)},
    )
    body = {
        "version": row.version,
        "total": page.total,
        "of": len(points),
        "offset": page.offset,
        "limit": limit,
        "count": len(page.rows),
        "next_offset": page.next_offset,
        "window": [selection.start_s, selection.end_s],
        "artifacts": rec.artifact_counts(points),
        "rows": page.rows,
    }
    return Response(json.dumps(body, separators=(",", ":"), allow_nan=False), media_type="application/json")


def _attachment(content: bytes, filename: str, fmt: str) -> Response:
    return Response(
        content,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@router.get("/cases/{case_id}/records/export")
def export_records(
    case_id: int,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(FINDINGS_READERS)],
    format: Annotated[str, Query(pattern="^(csv|geojson|kml)$")] = "csv",  # noqa: A002 - the query name
    version: Annotated[int | None, Query(ge=1)] = None,
    start_s: float | None = None,
    end_s: float | None = None,
    artifact: Artifacts = None,
    max_accuracy_m: Annotated[float | None, Query(gt=0)] = None,
    observation: Observation = None,
    claim_id: int | None = None,
    side: Side = None,
    claim_window: bool = False,
) -> Response:
    """Every record the filters keep, as CSV, GeoJSON (RFC 7946 points) or KML; audited with the count."""
    access.require_reading(session, state.policy, actor, case_id, access.ROUTE)
    selection, _ = _filter(
        session, state, actor, case_id,
        start_s=start_s, end_s=end_s, artifact=artifact, max_accuracy_m=max_accuracy_m,
        observation=observation, claim_id=claim_id, side=side, claim_window=claim_window,
    )  # fmt: skip
    row = route_version(session, case_id, version)
    points = _load(session, state, row)
    case = session.get(Case, case_id)
    reference = case.reference if case is not None else str(case_id)
    content, count = rec.export_records(
        session, case_id, points, selection, format, title=f"{reference} v{row.version}"
    )
    services.record(
        session,
        actor,
        "records.export",
        case_id=case_id,
        object_type="route_version",
        object_id=row.id,
        details={**_filter_details(selection, claim_id), "format": format, "records": count},
    )
    return _attachment(content, f"{reference}-records-v{row.version}.{format}", format)


@router.get("/cases/{case_id}/findings/export")
def export_findings(
    case_id: int,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(FINDINGS_READERS)],
    finding_set_id: int | None = None,
    language: Annotated[str, Query(pattern="^(en|nl)$")] = "en",
) -> Response:
    """The finding set (caseworkers: the released one) as CSV, statuses in words and code."""
    access.require_reading(session, state.policy, actor, case_id, access.MATCHING)
    finding_set = _visible_set(session, actor, case_id, finding_set_id)
    claims = {
        c.id: {
            "kind": c.kind,
            "place_text": c.place_text,
            "time_text": c.time_text,
            "place_name": (c.place or {}).get("name"),
        }
        for c in session.scalars(select(ClaimRow).where(ClaimRow.case_id == case_id))
    }
    rows = session.scalars(
        select(FindingRow).where(FindingRow.finding_set_id == finding_set.id).order_by(FindingRow.id)
    )
    findings = [{**r.data, "claim_id": r.claim_id, "status": r.status} for r in rows]
    words: catalogue.Language = "nl" if language == "nl" else "en"
    content = rec.findings_csv(
        claims, findings, lambda code: catalogue.label("finding_status", code, words), words
    )
    services.record(
        session,
        actor,
        "findings.export",
        case_id=case_id,
        object_type="finding_set",
        object_id=finding_set.id,
        details={"format": "csv", "findings": len(findings), "language": language},
    )
    case = session.get(Case, case_id)
    reference = case.reference if case is not None else str(case_id)
    return _attachment(content, f"{reference}-findings-{finding_set.id}.csv", "csv")
