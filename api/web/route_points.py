"""The route's individual location points for the map and the records table (source, accuracy, time zone).

The route GeoJSON carries stays, legs, crossings and gaps only; the map also draws the points coloured by
their source, with their accuracy circle, and highlights the records a finding cites. Points come from the
version's columnar store (``store/route_store.py``) and are served the way a map needs them:

- ``GET /route/points``: the points of a time window and bounding box at full detail when they are at most
  ``max_points``, else one representative per screen cell (``routing/map_points.py``) with how many points
  it stands for — so the overview of a million-point case is a few MB. ``record_ids`` are always included
  at full detail (the records the open finding cites).
- ``GET /route/points/page``: every point of a window in time order, paged by ``offset``/``limit`` (a
  version never changes, so an offset is a stable cursor), for the records table.

Columns are JSON arrays (``encoding=plain``) or, with ``encoding=dictionary``, string columns as
``{"labels": [...], "codes": [...]}``. Coordinates are rounded to 1e-6° (about 0.1 m), times to 1 ms,
accuracy to 0.1 m. Same gate as the route: caseworkers only after a legal reviewer released findings
(LEGAL 4); every read is audited.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from api.deps import FINDINGS_READERS, ReadRoute, SessionDep, StateDep
from api.params import PathId, QueryVersion
from api.routers.route import route_version
from casework import access
from legal_basis import services
from legal_basis.services import Actor
from routing.map_points import MAX_ZOOM, BoundingBox, select_map_points
from store.db import unit_of_work
from store.models import RouteVersion
from store.route_store import RoutePointsError, StoredPoints, cached_answer, load_points

router = APIRouter(route_class=ReadRoute, prefix="/api/v1", tags=["route"])

POINT_COLUMNS = (
    "record_id",
    "time_s",
    "lat",
    "lon",
    "accuracy_m",
    "fix_kind",
    "time_source",
    "observation",
    "artifact_id",
    "flags",
    "country",
    "time_zone",
)
LABEL_COLUMNS = ("fix_kind", "time_source", "observation", "artifact_id", "country", "time_zone")
DEFAULT_MAX_POINTS = 20_000
MAX_RECORD_IDS = 1_000
MAX_PAGE = 5_000


def point_columns(points: StoredPoints, rows: np.ndarray, *, dictionary: bool) -> dict[str, Any]:
    """The columns of ``rows`` (see module docstring for the encoding)."""
    accuracy = np.round(points.accuracy_m[rows], 1)
    known = points.accuracy_known[rows]
    columns: dict[str, Any] = {
        "record_id": points.record_id[rows].tolist(),
        "time_s": np.round(points.time_s[rows], 3).tolist(),
        "lat": np.round(points.lat[rows], 6).tolist(),
        "lon": np.round(points.lon[rows], 6).tolist(),
        "accuracy_m": [a if k else None for a, k in zip(accuracy.tolist(), known.tolist(), strict=True)],
        "flags": points.flags[rows].astype(np.int64).tolist(),
    }
    for name in LABEL_COLUMNS:
        column = getattr(points, name)
        if dictionary:
            columns[name] = {"labels": list(column.labels), "codes": column.codes[rows].tolist()}
        else:
            columns[name] = column.values(rows)
    return {name: columns[name] for name in POINT_COLUMNS}


def _dumps(payload: dict[str, Any]) -> bytes:
    # serialised here: FastAPI's encoder walks every element of every list, which costs seconds at 1e5+
    return json.dumps(payload, separators=(",", ":"), allow_nan=False).encode()


def _json(payload: dict[str, Any]) -> Response:
    return Response(_dumps(payload), media_type="application/json")


def _bbox(
    west: float | None, south: float | None, east: float | None, north: float | None
) -> BoundingBox | None:
    given = [v is not None for v in (west, south, east, north)]
    if not any(given):
        return None
    if not all(given):
        raise HTTPException(status_code=422, detail="give all four of west, south, east and north, or none")
    assert west is not None and south is not None and east is not None and north is not None
    if south > north:
        raise HTTPException(status_code=422, detail="south must not lie north of north")
    return BoundingBox(west=west, south=south, east=east, north=north)


def _record_ids(text: str | None) -> np.ndarray | None:
    if not text:
        return None
    try:
        ids = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise HTTPException(
            status_code=422, detail="record_ids must be a comma-separated list of integers"
        ) from exc
    if len(ids) > MAX_RECORD_IDS:
        raise HTTPException(status_code=422, detail=f"at most {MAX_RECORD_IDS} record_ids at once")
    return np.asarray(ids, dtype=np.int64)


def _load(session: Any, state: Any, row: Any) -> StoredPoints:
    try:
        return load_points(session, state.evidence, row)
    except RoutePointsError as exc:
        raise services.NotFound(str(exc)) from exc


@dataclass(frozen=True, eq=False)
class Question:
    """What a map asks of a version's points (the query parameters of ``GET /route/points``)."""

    start_s: float | None = None
    end_s: float | None = None
    west: float | None = None
    south: float | None = None
    east: float | None = None
    north: float | None = None
    zoom: int | None = None
    max_points: int = DEFAULT_MAX_POINTS
    pinned_ids: np.ndarray | None = None
    encoding: str = "plain"

    def key(self) -> str:
        pinned = None if self.pinned_ids is None else sorted(set(self.pinned_ids.tolist()))
        return "points:" + json.dumps(
            [self.start_s, self.end_s, self.west, self.south, self.east, self.north, self.zoom,
             self.max_points, pinned, self.encoding]
        )  # fmt: skip


OVERVIEW = Question()  # what the case page asks first: the whole route, no window, the default budget


def answer_points(
    session: Any, state: Any, row: Any, question: Question, box: BoundingBox | None
) -> tuple[bytes, dict[str, Any]]:
    """The answer's bytes and what the read's audit entry records of it.

    A version never changes, so the same question gets the same answer: it is built once per serving
    process (the 1e6-point overview costs 0.1-0.3 s of CPU; fifty readers asking at once queued for
    seconds behind it) and kept in the route document cache. Access is checked and the read audited by the
    caller on every request, cached or not."""

    def build() -> tuple[bytes, dict[str, Any]]:
        points = _load(session, state, row)
        pinned_ids = question.pinned_ids
        pinned = None if pinned_ids is None else np.flatnonzero(np.isin(points.record_id, pinned_ids))
        selection = select_map_points(
            points.time_s,
            points.lat,
            points.lon,
            _classes(points),
            start_s=question.start_s,
            end_s=question.end_s,
            bbox=box,
            zoom=question.zoom,
            max_points=question.max_points,
            always=pinned,
        )
        columns = point_columns(points, selection.rows, dictionary=question.encoding == "dictionary")
        if selection.simplified:
            assert selection.represents is not None and selection.last_time_s is not None
            columns["represents"] = selection.represents.tolist()
            columns["last_time_s"] = np.round(selection.last_time_s, 3).tolist()
        payload = {
            "version": row.version,
            "count": len(selection.rows),
            "total": selection.total,
            "simplified": selection.simplified,
            "zoom": selection.zoom,
            "columns": columns,
            "flag_bits": (row.route or {}).get("flag_bits") or {},
        }
        return _dumps(payload), {
            "points": len(selection.rows),
            "of": selection.total,
            "simplified": selection.simplified,
        }

    return cached_answer(session, row, question.key(), build)


_warming: set[tuple[int, str, int]] = set()
_warming_lock = threading.Lock()


def warm_overview(state: Any, row: Any) -> None:
    """Start building the version's overview (``OVERVIEW``) in the background, once per serving process.

    Called when a reader reads a version (its summary or route): the case page asks for the overview next,
    and a build that starts then is done, or well on its way, when fifty readers ask for it at once (a
    build among them competes for the interpreter with every one of them). Nothing is returned to anyone
    here and nothing is audited: the answer is only served by ``GET /route/points``, through its gate and
    with its audit entry."""
    if row.points_sha256 is None:  # legacy JSON versions: nothing columnar to bin
        return
    key = (id(state.engine), str(row.points_sha256), int(row.id))  # per database: ids repeat across them
    with _warming_lock:
        if key in _warming:
            return
        _warming.add(key)
        if len(_warming) > 4096:  # a long-running process: forget old versions (a warm-up is only a hint)
            _warming.clear()
            _warming.add(key)
    threading.Thread(target=_warm, args=(state, row.id), name=f"warm-overview-{row.id}", daemon=True).start()


def _warm(state: Any, version_id: int) -> None:
    try:
        with unit_of_work(state.session_factory, read_only=True) as session:
            row = session.get(RouteVersion, version_id)
            if row is not None:
                answer_points(session, state, row, OVERVIEW, None)
    except Exception:  # noqa: BLE001 - a hint only: the reader's own request builds it if this failed
        logging.getLogger(__name__).warning(
            "warming the overview of version %s failed", version_id, exc_info=True
        )


def _classes(points: StoredPoints) -> np.ndarray:
    """fix kind × set aside × received: points of different classes never share a representative."""
    received = points.observation.codes_of("received")
    is_received = (
        np.zeros(len(points), dtype=np.int64)
        if received is None
        else (points.observation.codes == received).astype(np.int64)
    )
    set_aside = (points.flags != 0).astype(np.int64)
    return (points.fix_kind.codes.astype(np.int64) * 2 + set_aside) * 2 + is_received


@router.get("/cases/{case_id}/route/points")
def read_route_points(
    case_id: PathId,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(FINDINGS_READERS)],
    version: QueryVersion = None,
    start_s: Annotated[float | None, Query(description="window start, UTC seconds since the epoch")] = None,
    end_s: Annotated[float | None, Query(description="window end, UTC seconds since the epoch")] = None,
    west: Annotated[float | None, Query(ge=-180, le=180)] = None,
    south: Annotated[float | None, Query(ge=-90, le=90)] = None,
    east: Annotated[float | None, Query(ge=-180, le=180)] = None,
    north: Annotated[float | None, Query(ge=-90, le=90)] = None,
    zoom: Annotated[int | None, Query(ge=0, le=MAX_ZOOM, description="the map's zoom level")] = None,
    max_points: Annotated[int, Query(ge=1, le=100_000)] = DEFAULT_MAX_POINTS,
    record_ids: Annotated[str | None, Query(description="records always included, comma-separated")] = None,
    encoding: Annotated[str, Query(pattern="^(plain|dictionary)$")] = "plain",
) -> Response:
    """Points of the route (latest version unless ``version``) for the map: record id, UTC time in
    seconds, lat/lon (WGS84), accuracy radius in metres (null: unknown), fix kind, clock, own/received,
    artifact, cleaning flags (0 = usable), country and IANA time zone. When ``simplified`` is true each
    point stands for ``represents`` points of its class in its screen cell, the last at ``last_time_s``."""
    access.require_reading(session, state.policy, actor, case_id, access.ROUTE)
    box = _bbox(west, south, east, north)
    pinned_ids = _record_ids(record_ids)
    row = route_version(session, case_id, version, actor)

    question = Question(start_s, end_s, west, south, east, north, zoom, max_points, pinned_ids, encoding)
    body, facts = answer_points(session, state, row, question, box)
    services.record(
        session,
        actor,
        "route.points.read",
        case_id=case_id,
        object_type="route_version",
        object_id=row.id,
        details={**facts, "window": [start_s, end_s]},
    )
    return Response(body, media_type="application/json")


@router.get("/cases/{case_id}/route/points/page")
def read_route_points_page(
    case_id: PathId,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(FINDINGS_READERS)],
    version: QueryVersion = None,
    start_s: Annotated[float | None, Query()] = None,
    end_s: Annotated[float | None, Query()] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 500,
    encoding: Annotated[str, Query(pattern="^(plain|dictionary)$")] = "plain",
) -> Response:
    """One page of the window's points in time order, at full detail. ``next_offset`` is null on the
    last page; a version never changes, so offsets stay valid."""
    access.require_reading(session, state.policy, actor, case_id, access.ROUTE)
    row = route_version(session, case_id, version, actor)
    points = _load(session, state, row)
    first = 0 if start_s is None else int(np.searchsorted(points.time_s, start_s, side="left"))
    stop = len(points) if end_s is None else int(np.searchsorted(points.time_s, end_s, side="right"))
    stop = max(first, stop)
    begin = min(first + offset, stop)
    end = min(begin + limit, stop)
    rows = np.arange(begin, end, dtype=np.int64)
    services.record(
        session,
        actor,
        "route.points.read",
        case_id=case_id,
        object_type="route_version",
        object_id=row.id,
        details={"points": len(rows), "offset": offset, "window": [start_s, end_s]},
    )
    return _json(
        {
            "version": row.version,
            "offset": offset,
            "count": len(rows),
            "total": stop - first,
            "next_offset": offset + len(rows) if end < stop else None,
            "columns": point_columns(points, rows, dictionary=encoding == "dictionary"),
            "flag_bits": (row.route or {}).get("flag_bits") or {},
        }
    )
