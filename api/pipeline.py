"""After an extraction: rebuild the case's route (a new version) and re-match its claims (a new finding set).

Versions are kept: a route version records its parameters and code version; a finding set records the route
version it used. Nothing here decides anything; it recomputes.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.state import AppState
from store import audit
from store.models import ExtractionJob, RouteVersion

log = logging.getLogger("reisroute.pipeline")
ROUTING_CODE_VERSION = "routing-0.1.0"


def load_point_columns(session: Session, case_id: int) -> dict[str, np.ndarray]:
    """The case's location records as columns (UTC seconds), in time order; read straight from the store."""
    from store.location_rows import load_location_columns

    return load_location_columns(session, case_id)


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
    state: AppState, case_id: int, *, parameters: dict[str, Any] | None = None, actor: str = "pipeline"
) -> RouteVersion | None:
    from routing.route import build_route, route_to_geojson
    from store.route_store import add_route_version, seal_route_points

    with state.session_factory() as session:
        table = load_point_table(session, case_id)
        extraction_times = [
            j.finished_at or j.created_at
            for j in session.scalars(select(ExtractionJob).where(ExtractionJob.case_id == case_id))
        ]
    if table is None:
        return None
    extracted_at = max(extraction_times) if extraction_times else datetime.now(UTC)
    params = route_parameters(parameters or {}, extraction_time_utc=extracted_at)
    route = build_route(table, params=params, nearest_place=_nearest_place_function(state))
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
            code_version=ROUTING_CODE_VERSION,
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


def route_parameters(overrides: dict[str, Any], *, extraction_time_utc: datetime):  # type: ignore[no-untyped-def]
    """RouteParameters from a JSON-like dict: top-level numbers and the nested groups cleaning/stays/legs."""
    import dataclasses

    from routing.route import ClockEvidence, RouteParameters

    defaults = RouteParameters()
    changes: dict[str, Any] = {}
    for name, value in overrides.items():
        if name in ("cleaning", "stays", "legs") and isinstance(value, dict):
            changes[name] = dataclasses.replace(getattr(defaults, name), **value)
        elif name in {f.name for f in dataclasses.fields(RouteParameters)} and name != "clock":
            changes[name] = value
        else:
            raise ValueError(f"unknown route parameter {name!r}")
    changes["clock"] = ClockEvidence(extraction_time_utc=extraction_time_utc)
    return dataclasses.replace(defaults, **changes)


class NearestPlaceIndex:
    """Nearest named place (gazetteer) to a position: curated places and GeoNames towns, within a radius.

    Brute force over ~235,000 places with a flat-earth distance in a small window: ~1 ms a query, which is
    ample for a route's stays.
    """

    def __init__(self, gazetteer_path: Path, *, max_distance_m: float = 25_000.0) -> None:
        import sqlite3

        connection = sqlite3.connect(f"file:{gazetteer_path}?mode=ro", uri=True)
        try:
            rows = connection.execute(
                "SELECT name, country, lat, lon, COALESCE(population, 0), curated FROM places "
                "WHERE kind NOT IN ('country', 'region')"
            ).fetchall()
        finally:
            connection.close()
        self.names = [f"{name} ({country})" if country else name for name, country, *_ in rows]
        self.lat = np.asarray([r[2] for r in rows], dtype=np.float64)
        self.lon = np.asarray([r[3] for r in rows], dtype=np.float64)
        # a curated place (camp, crossing) or a bigger town wins over a hamlet a little closer
        self.bonus_m = np.asarray(
            [2_000.0 if r[5] else min(np.log10(max(r[4], 1)) * 400.0, 2_400.0) for r in rows]
        )
        self.max_distance_m = max_distance_m

    def __call__(self, lat: float, lon: float) -> str | None:
        window = (np.abs(self.lat - lat) < 0.5) & (np.abs(self.lon - lon) < 0.7)
        index = np.flatnonzero(window)
        if index.size == 0:
            return None
        dy = (self.lat[index] - lat) * 111_195.0
        dx = (self.lon[index] - lon) * 111_195.0 * np.cos(np.radians(lat))
        distance = np.hypot(dx, dy)
        score = distance - self.bonus_m[index]
        best = int(np.argmin(score))
        if distance[best] > self.max_distance_m:
            return None
        return self.names[int(index[best])]


def _nearest_place_function(state: AppState) -> NearestPlaceIndex | None:
    cached = state.extras.get("nearest_place")
    if cached is None:
        try:
            from matching.gazetteer import Gazetteer
        except ImportError:
            return None
        gazetteer = state.extras.get("gazetteer") or Gazetteer.open(state.settings.resolved_gazetteer_dir())
        state.extras["gazetteer"] = gazetteer
        cached = NearestPlaceIndex(gazetteer.path)
        state.extras["nearest_place"] = cached
    return cached  # type: ignore[no-any-return]


def after_job(state: AppState, case_id: int, job_id: int) -> None:
    from api.device_history import record_device_history
    from store.errors import StoreError

    try:
        record_device_history(state, job_id)  # before matching: its signals are limitations of the findings
    except StoreError:  # evidence unreadable (integrity, key destroyed): the job keeps device_history = None
        log.exception("device history not computed for job %s", job_id)
    try:
        rebuild_route(state, case_id)
    except Exception:  # noqa: BLE001 - the job is done; a failed route build is logged and retried on demand
        log.exception("route build failed for case %s after job %s", case_id, job_id)
        return
    try:
        from api.matching_service import rematch_case

        rematch_case(state, case_id, actor="pipeline")
    except ImportError:
        return
    except Exception:  # noqa: BLE001
        log.exception("re-matching failed for case %s", case_id)
