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

from casework.route_parameters import route_parameters
from casework.state import AppState
from legal_basis.errors import NotPermitted
from legal_basis.policy import Evaluation
from legal_basis.purpose import require_evaluation
from store import audit
from store.models import ExtractionJob, LocationRow, RouteVersion

log = logging.getLogger("reisroute.pipeline")


def load_point_columns(session: Session, case_id: int) -> dict[str, np.ndarray]:
    """The case's location records as columns (UTC seconds), in time order; read straight from the store."""
    rows = session.execute(
        select(
            LocationRow.id,
            LocationRow.time_utc,
            LocationRow.lat,
            LocationRow.lon,
            LocationRow.accuracy_m,
            LocationRow.fix_kind,
            LocationRow.time_source,
            LocationRow.observation,
            LocationRow.artifact_id,
            LocationRow.altitude_m,
        )
        .where(LocationRow.case_id == case_id)
        .order_by(LocationRow.time_utc, LocationRow.id)
    ).all()
    if not rows:
        return {}
    ids, times, lat, lon, acc, fix, tsrc, obs, art, alt = zip(*rows, strict=True)
    return {
        "record_id": np.asarray(ids, dtype=np.int64),
        "time_s": np.asarray([t.timestamp() for t in times], dtype=np.float64),
        "lat": np.asarray(lat, dtype=np.float64),
        "lon": np.asarray(lon, dtype=np.float64),
        "accuracy_m": np.asarray([np.nan if a is None else a for a in acc], dtype=np.float64),
        "fix_kind": np.asarray(fix, dtype=object),
        "time_source": np.asarray(tsrc, dtype=object),
        "observation": np.asarray(obs, dtype=object),
        "artifact": np.asarray(art, dtype=object),
        "altitude_m": np.asarray([np.nan if a is None else a for a in alt], dtype=np.float64),
    }


def load_point_table(session: Session, case_id: int):  # type: ignore[no-untyped-def]
    from routing.points import PointTable

    columns = load_point_columns(session, case_id)
    if not columns:
        return None
    return PointTable.from_arrays(**columns)


def clock_evidence(session: Session, case_id: int) -> dict[str, Any]:
    """Clock readings of the case's jobs, for the cleaning step and the limitations section."""
    readings = []
    for job in session.scalars(select(ExtractionJob).where(ExtractionJob.case_id == case_id)):
        for phase in ("start", "end"):
            reading = (job.clock or {}).get(phase)
            if reading:
                readings.append({"job": job.id, "phase": phase, **reading})
    return {"readings": readings}


def rebuild_route(
    state: AppState,
    case_id: int,
    *,
    parameters: BaseModel | dict[str, Any] | None = None,
    actor: str = "pipeline",
) -> RouteVersion | None:
    from routing.route import build_route, route_to_dict, route_to_geojson

    with state.session_factory() as session:  # LEGAL 21: only where the case's grounds permit a route
        require_evaluation(session, state.policy, case_id, Evaluation.ROUTE_RECONSTRUCTION)
    with state.session_factory() as session:
        table = load_point_table(session, case_id)
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
    stored = route_to_dict(route)
    geojson = route_to_geojson(route, simplify_tolerance_m=50.0)
    with state.session_factory.begin() as session:
        version = (
            session.scalar(select(func.max(RouteVersion.version)).where(RouteVersion.case_id == case_id)) or 0
        ) + 1
        row = RouteVersion(
            case_id=case_id,
            version=version,
            parameters=stored.get("parameters", {}),
            code_version=route.code_version,
            records_count=len(table),
            route=stored,
            geojson=geojson,
        )
        session.add(row)
        session.flush()
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
    cached = state.extras.get("nearest_place")
    if cached is None:
        try:
            from matching.gazetteer import Gazetteer
        except ImportError:
            return None
        gazetteer = state.extras.get("gazetteer") or Gazetteer.open(state.settings.resolved_gazetteer_dir())
        state.extras["gazetteer"] = gazetteer
        from matching.nearest_place import NearestPlaceIndex

        cached = NearestPlaceIndex(gazetteer.path)
        state.extras["nearest_place"] = cached
    return cached  # type: ignore[no-any-return]


def after_job(state: AppState, case_id: int, job_id: int) -> None:
    from casework.device_signals import record_device_history
    from store.errors import StoreError

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
