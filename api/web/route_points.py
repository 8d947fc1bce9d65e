"""The route's individual location points for the map (source, accuracy, time zone), columnar JSON.

The route GeoJSON carries stays, legs, crossings and gaps only; the map also draws every point coloured by
its source, with its accuracy circle, and highlights the records a finding cites. Same gate as the route:
caseworkers only after a legal reviewer released findings (LEGAL 4); every read is audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from api.deps import FINDINGS_READERS, SessionDep, StateDep
from api.routers.route import route_version
from casework import access
from legal_basis import services
from legal_basis.services import Actor

router = APIRouter(prefix="/api/v1", tags=["route"])

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
)


def points_payload(route: dict[str, Any]) -> dict[str, Any]:
    """Columnar points of a stored route (``routing.route.route_to_dict``) with a time zone per point."""
    points = route.get("points")
    if not points:
        raise services.NotFound("this route was stored without its points; rebuild the route")
    zones = points.get("time_zones") or []
    zone_index = points.get("time_zone_index") or []
    columns = {name: points.get(name) or [] for name in POINT_COLUMNS}
    columns["time_zone"] = [zones[i] if 0 <= i < len(zones) else "" for i in zone_index]
    return {
        "count": len(columns["record_id"]),
        "columns": columns,
        "flag_bits": route.get("flag_bits") or {},
    }


@router.get("/cases/{case_id}/route/points")
def read_route_points(
    case_id: int,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(FINDINGS_READERS)],
    version: int | None = None,
) -> dict[str, Any]:
    """Every point of the route (latest version unless ``version``): record id, UTC time in seconds,
    lat/lon (WGS84), accuracy radius in metres (null: unknown), fix kind, clock, own/received, artifact,
    cleaning flags (0 = usable), country and IANA time zone."""
    access.require_reading(session, state.policy, actor, case_id, access.ROUTE)
    row = route_version(session, case_id, version)
    payload = points_payload(row.route)
    services.record(
        session,
        actor,
        "route.points.read",
        case_id=case_id,
        object_type="route_version",
        object_id=row.id,
        details={"points": payload["count"]},
    )
    return {"version": row.version, **payload}
