"""The case's route as GeoJSON (versioned). Caseworkers see it only after a legal reviewer released findings."""

from __future__ import annotations

import functools
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy import Integer, Select, bindparam, select
from sqlalchemy.orm import Session, defer

from api.deps import FINDINGS_READERS, REVIEWER, ReadRoute, SessionDep, StateDep
from api.params import PathId, QueryVersion
from casework import access
from casework.route_parameters import RouteParametersInput
from legal_basis import services
from legal_basis.services import Actor
from store.models import RouteVersion
from store.route_store import LEGACY_JSON_FORMAT, cached_document

router = APIRouter(route_class=ReadRoute, prefix="/api/v1", tags=["route"])


@functools.cache
def _version_query(released_only: bool, by_number: bool) -> Select[RouteVersion]:
    """A version's row by case (and number), built once per kind (parameters ``case_id``, ``version``)."""
    case_id = bindparam("case_id", type_=Integer)
    query = (
        select(RouteVersion)
        .where(RouteVersion.case_id == case_id)
        .options(defer(RouteVersion.route), defer(RouteVersion.geojson))
    )
    if released_only:
        query = query.where(RouteVersion.id.in_(access.released_route_version_ids(case_id)))
    query = (
        query.where(RouteVersion.version == bindparam("version", type_=Integer))
        if by_number
        else query.order_by(RouteVersion.version.desc())
    )
    return query.limit(1)


def route_version(
    session: Session, case_id: int, version: int | None, actor: Actor | None = None
) -> RouteVersion:
    """The version's row; its JSON documents (summary, GeoJSON) load only when read. With ``actor``, a
    caseworker gets only released versions (the latest released one when no version is asked for)."""
    released_only = actor is not None and access.sees_released_only(actor)
    query = _version_query(released_only, bool(version))
    row = session.scalars(query, {"case_id": case_id, "version": version}).first()
    if row is None and version and actor is not None:
        access.refuse_unreleased_route_version(session, actor, case_id, version)
    if row is None:
        raise services.NotFound(f"case {case_id} has no route{f' version {version}' if version else ''} yet")
    return row


def _warm_overview(state: Any, row: RouteVersion) -> None:
    """The case page reads the route (or its summary), then the map's overview: start building that now."""
    from api.web.route_points import warm_overview  # the points router imports this module

    warm_overview(state, row)


@router.get("/cases/{case_id}/route")
def read_route(
    case_id: PathId,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(FINDINGS_READERS)],
    version: QueryVersion = None,
) -> Response:
    access.require_reading(session, state.policy, actor, case_id, access.ROUTE)
    row = route_version(session, case_id, version, actor)
    services.record(
        session, actor, "route.read", case_id=case_id, object_type="route_version", object_id=row.id
    )
    _warm_overview(state, row)

    def body() -> bytes:
        geojson = dict(row.geojson)
        geojson["properties"] = {
            **geojson.get("properties", {}),
            "version": row.version,
            "code_version": row.code_version,
            "parameters": row.parameters,
            "records": row.records_count,
            "created_at": row.created_at.isoformat(),
        }
        # serialised here: FastAPI's encoder walks every coordinate of every line
        return json.dumps(geojson, separators=(",", ":")).encode()

    # a version never changes: its answer is serialised once per process (store.route_store)
    return Response(cached_document(session, row, "geojson", body), media_type="application/json")


@router.get("/cases/{case_id}/route/summary", response_model=dict[str, Any])
def read_route_summary(
    case_id: PathId,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(FINDINGS_READERS)],
    version: QueryVersion = None,
) -> Response:
    """Stays, legs, countries, crossings and gaps as data (statistics from the full data)."""
    access.require_reading(session, state.policy, actor, case_id, access.ROUTE)
    row = route_version(session, case_id, version, actor)
    services.record(
        session, actor, "route.summary.read", case_id=case_id, object_type="route_version", object_id=row.id
    )
    _warm_overview(state, row)

    def body() -> bytes:
        summary = {k: v for k, v in row.route.items() if k != "points"}
        document = {"version": row.version, "created_at": row.created_at.isoformat(), **summary}
        return json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()

    return Response(cached_document(session, row, "summary", body), media_type="application/json")


def _released_only(actor: Actor, case_id: int) -> list[Any]:
    condition = access.route_version_filter(actor, case_id)
    return [] if condition is None else [condition]


@router.get("/cases/{case_id}/route/versions")
def list_route_versions(
    case_id: PathId, session: SessionDep, state: StateDep, actor: Annotated[Actor, Depends(FINDINGS_READERS)]
) -> list[dict[str, Any]]:
    access.require_reading(session, state.policy, actor, case_id, access.ROUTE)
    rows = session.execute(
        select(
            RouteVersion.version,
            RouteVersion.created_at,
            RouteVersion.parameters,
            RouteVersion.code_version,
            RouteVersion.records_count,
            RouteVersion.points_format,
            RouteVersion.points_bytes,
        )
        .where(RouteVersion.case_id == case_id, *_released_only(actor, case_id))
        .order_by(RouteVersion.version)
    ).all()
    services.record(session, actor, "route.versions.read", case_id=case_id)
    return [
        {
            "version": r.version,
            "created_at": r.created_at.isoformat(),
            "parameters": r.parameters,
            "code_version": r.code_version,
            "records": r.records_count,
            "points_format": r.points_format or LEGACY_JSON_FORMAT,
            "points_bytes": r.points_bytes,
        }
        for r in rows
    ]


@router.post("/cases/{case_id}/route/rebuild")
def rebuild(
    case_id: PathId,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(REVIEWER)],
    parameters: RouteParametersInput | None = None,  # type: ignore[valid-type]  # a model made at import
) -> dict[str, Any]:
    """Recompute the route (e.g. with other parameters): a new version; older versions stay.

    Parameters not given keep routing's defaults; an unknown or mistyped name is answered with 422."""
    from casework.route_versions import rebuild_route

    services.get_case(session, case_id)
    services.record(
        session,
        actor,
        "route.rebuild.request",
        case_id=case_id,
        details={"parameters": parameters.model_dump(exclude_none=True) if parameters else None},  # type: ignore[attr-defined]
    )
    session.commit()
    row = rebuild_route(state, case_id, parameters=parameters, actor=actor.username)
    if row is None:
        raise services.NotFound(f"case {case_id} has no location records to build a route from")
    return {"version": row.version, "records": row.records_count}
