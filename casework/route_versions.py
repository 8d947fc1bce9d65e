"""After an extraction: rebuild the case's route (a new version) and re-match its claims (a new finding set).

Versions are kept: a route version records its parameters and code version; a finding set records the route
version it used. Nothing here decides anything; it recomputes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.memory import release_freed_memory
from casework.route_parameters import route_parameters
from casework.state import AppState
from legal_basis.errors import NotPermitted
from legal_basis.policy import Evaluation
from legal_basis.purpose import require_evaluation
from store import audit
from store.db import open_session
from store.models import ExtractionJob, RouteVersion

log = logging.getLogger("reisroute.pipeline")


def load_point_columns(session: Session, case_id: int) -> dict[str, np.ndarray]:
    """The case's location records as columns (UTC seconds), in time order; read straight from the store."""
    from store.location_rows import load_location_columns

    return load_location_columns(session, case_id)


def load_point_table(session: Session, case_id: int):  # type: ignore[no-untyped-def]
    """The case's records as a PointTable, read as numeric columns and coded strings (no object per row)."""
    from routing.points import PointTable
    from store.location_rows import load_location_codes

    loaded = load_location_codes(session, case_id)
    if loaded is None:
        return None
    numbers, labelled = loaded
    return PointTable.from_labelled(
        time_s=numbers["time_s"],
        lat=numbers["lat"],
        lon=numbers["lon"],
        accuracy_m=numbers["accuracy_m"],
        altitude_m=numbers["altitude_m"],
        record_id=numbers["record_id"],
        fix_kind=labelled["fix_kind"],
        time_source=labelled["time_source"],
        observation=labelled["observation"],
        artifact=labelled["artifact"],
    )


def clock_evidence(session: Session, case_id: int) -> dict[str, Any]:
    """Clock readings of the case's jobs, for the cleaning step and the limitations section."""
    readings = []
    for job in session.scalars(select(ExtractionJob).where(ExtractionJob.case_id == case_id)):
        for phase in ("start", "end"):
            reading = (job.clock or {}).get(phase)
            if reading:
                readings.append({"job": job.id, "phase": phase, **reading})
    return {"readings": readings}


def reusable_point_table(session: Session, state: AppState, case_id: int):  # type: ignore[no-untyped-def]
    """The latest version's points when the case's records have not changed since it was built (records
    are only ever added, so the same count and the same highest id mean the same records), else None.
    A rebuild with other parameters then reads the columnar store instead of a million rows."""
    from sqlalchemy.orm import defer

    from store.models import LocationRow
    from store.route_store import RoutePointsError, load_points

    latest = session.scalars(
        select(RouteVersion)
        .where(RouteVersion.case_id == case_id)
        .options(defer(RouteVersion.route), defer(RouteVersion.geojson))
        .order_by(RouteVersion.version.desc())
        .limit(1)
    ).first()
    if latest is None or latest.points_blob is None:
        return None
    count, highest = session.execute(
        select(func.count(), func.max(LocationRow.id)).where(LocationRow.case_id == case_id)
    ).one()
    if not count or count != latest.records_count:
        return None
    try:
        points = load_points(session, state.evidence, latest)
    except RoutePointsError:
        return None
    if len(points) != count or int(points.record_id.max()) != int(highest):
        return None
    return points.point_table()


def rebuild_route(
    state: AppState,
    case_id: int,
    *,
    parameters: BaseModel | dict[str, Any] | None = None,
    actor: str = "pipeline",
) -> RouteVersion | None:
    try:
        return _rebuild_route(state, case_id, parameters=parameters, actor=actor)
    finally:
        release_freed_memory()  # the build's temporaries: hand their pages back before the next step


def _rebuild_route(
    state: AppState, case_id: int, *, parameters: BaseModel | dict[str, Any] | None, actor: str
) -> RouteVersion | None:
    from routing.route import build_route, route_to_geojson
    from store.route_store import add_route_version, seal_route_points

    # Everything up to the new version is reading: a read transaction (SQLite: no write lock while a
    # million records are loaded and the route is built, so other writers and the audit sequencer go on;
    # PostgreSQL: READ ONLY). The write transaction below only adds the version and its audit entry.
    with open_session(state.session_factory, read_only=True) as session:
        # LEGAL 21: only where the case's grounds permit a route
        require_evaluation(session, state.policy, case_id, Evaluation.ROUTE_RECONSTRUCTION)
        table = reusable_point_table(session, state, case_id) or load_point_table(session, case_id)
        extraction_times = [
            j.finished_at or j.created_at
            for j in session.scalars(select(ExtractionJob).where(ExtractionJob.case_id == case_id))
        ]
    if table is None:
        return None
    extracted_at = max(extraction_times) if extraction_times else datetime.now(UTC)
    params = route_parameters(parameters, extraction_time_utc=extracted_at)
    index = _nearest_place_function(state)
    # the named form carries population and kind, which size each visit's place radius
    nearest_place = getattr(index, "named", index)
    route = build_route(table, params=params, nearest_place=nearest_place)
    geojson = route_to_geojson(route, simplify_tolerance_m=50.0)
    with state.session_factory.begin() as session:
        key = state.evidence.ensure_case_key(session, case_id)
    sealed = seal_route_points(state.evidence, key, case_id, route)  # outside the write transaction
    with state.session_factory.begin() as session:
        version = (
            session.scalar(select(func.max(RouteVersion.version)).where(RouteVersion.case_id == case_id)) or 0
        ) + 1
        row = add_route_version(
            session,
            state.evidence,
            case_id=case_id,
            version=version,
            route=route,
            geojson=geojson,
            code_version=route.code_version,
            sealed=sealed,
        )
        audit.append(
            session,
            actor=actor,
            role="system",
            action="route.build",
            case_id=case_id,
            object_type="route_version",
            object_id=row.id,
            details={"version": version, "points": len(table)},
        )
    return row


def _nearest_place_function(state: AppState) -> Callable[[float, float], str | None] | None:
    from casework.places_index import nearest_place_index

    return nearest_place_index(state)  # type: ignore[no-any-return]


def after_job(state: AppState, case_id: int, job_id: int) -> None:
    from casework.device_signals import record_device_history
    from store.errors import StoreError

    release_freed_memory()  # what the acquisition freed (parsed records, batches) before the route build
    try:
        record_device_history(state, job_id)  # before matching: its signals are limitations of the findings
    except StoreError:  # evidence unreadable (integrity, key destroyed): the job keeps device_history = None
        log.exception("device history not computed for job %s", job_id)
    try:
        rebuild_route(state, case_id)
    except NotPermitted as refusal:  # the ground permits no route (e.g. identity and nationality only)
        log.info("no route built for case %s after job %s: %s", case_id, job_id, refusal)
        return
    except Exception:  # noqa: BLE001 - the job is done; a failed route build is logged and retried on demand
        log.exception("route build failed for case %s after job %s", case_id, job_id)
        return
    try:
        from casework.findings import rematch_case

        rematch_case(state, case_id, actor="pipeline")
    except ImportError:
        return
    except Exception:  # noqa: BLE001
        log.exception("re-matching failed for case %s", case_id)
    finally:
        release_freed_memory()
