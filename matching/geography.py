"""Country shapes for country places, from ``routing.geography.country_polygons()``.

Distances to a country are computed in degrees with shapely and converted to metres as a *lower
bound* (a degree of longitude is never longer than at the lowest latitude involved), which can only
make the matcher more careful, never harsher.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from matching.errors import GeographyUnavailableError
from routing.geodesy import METRES_PER_DEGREE


@functools.cache
def country_shape(iso2: str):  # type: ignore[no-untyped-def]
    """The (prepared) shapely geometry of a country by ISO 3166-1 alpha-2."""
    try:
        from routing.geography import country_polygons  # type: ignore[attr-defined]
    except ImportError as exc:
        raise GeographyUnavailableError(
            "matching a claim at a country needs routing.geography.country_polygons(), which is not available"
        ) from exc
    import shapely

    frame = country_polygons()
    rows = frame[frame["iso_a2"].astype(str).str.upper() == iso2.upper()]
    if len(rows) == 0:
        raise GeographyUnavailableError(f"no country polygon for {iso2!r} in routing.geography")
    shape = shapely.union_all(np.asarray(rows.geometry.values))
    shapely.prepare(shape)
    return shape


def distance_to_country_m(iso2: str, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Lower bound of the distance in metres from each point to the country (0 inside)."""
    import shapely

    shape = country_shape(iso2)
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    result = np.zeros(len(lat))
    inside = shapely.contains_xy(shape, lon, lat)
    outside = np.flatnonzero(~inside)
    if len(outside):
        distance_deg = shapely.distance(shape, shapely.points(lon[outside], lat[outside]))
        highest_lat = np.minimum(np.abs(lat[outside]) + distance_deg, 89.0)
        # Euclidean degrees mix lat and lon degrees; scaling both by the smallest metres-per-degree
        # (longitude at the highest latitude involved) gives a lower bound.
        scale = METRES_PER_DEGREE * np.cos(np.radians(highest_lat))
        result[outside] = distance_deg * np.maximum(scale, METRES_PER_DEGREE * math.cos(math.radians(89.0)))
    return result


_BORDER_BUFFER_DEG = 0.05  # ~5 km: where the two countries' outlines (1:10m, 1–5 km off) meet
_BORDER_STEP_DEG = 0.02  # vertices of the shared border at most ~2 km apart


@functools.cache
def border_points(from_iso2: str, to_iso2: str) -> tuple[np.ndarray, np.ndarray, float] | None:
    """Points along the land border between two countries: (their unit vectors (n, 3), their lon/lat
    degrees (n, 2), the largest half-gap between consecutive points in metres), or None when the outlines
    do not meet (no land border). The border is where one country's outline runs within
    ``_BORDER_BUFFER_DEG`` of the other."""
    import shapely

    first = country_shape(from_iso2.upper())
    second = country_shape(to_iso2.upper())
    shared = shapely.intersection(first.boundary, shapely.buffer(second, _BORDER_BUFFER_DEG))
    if shared.is_empty:
        return None
    dense = shapely.segmentize(shared, _BORDER_STEP_DEG)
    coordinates = shapely.get_coordinates(dense)
    if len(coordinates) == 0:
        return None
    lon, lat = np.radians(coordinates[:, 0]), np.radians(coordinates[:, 1])
    unit = np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))
    half_gap_m = _BORDER_STEP_DEG * METRES_PER_DEGREE / 2 + 1.0
    return unit, np.asarray(coordinates), half_gap_m


def distance_to_border_m(from_iso2: str, to_iso2: str, lat: np.ndarray, lon: np.ndarray) -> np.ndarray | None:
    """Lower bound of the distance in metres from each point to the land border between two countries
    (nearest border point less the largest half-gap between border points, and less the
    ``_BORDER_BUFFER_DEG`` the outlines may be apart), or None when they share no land border."""
    border = border_points(from_iso2, to_iso2)
    if border is None:
        return None
    unit, _coordinates, half_gap_m = border
    phi, lam = np.radians(np.asarray(lat, dtype=np.float64)), np.radians(np.asarray(lon, dtype=np.float64))
    points = np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))
    nearest = np.empty(len(points))
    for start in range(0, len(points), 1_024):
        dots = points[start : start + 1_024] @ unit.T
        nearest[start : start + 1_024] = np.arccos(np.clip(dots.max(axis=1), -1.0, 1.0)) * 6_371_008.8
    slack = half_gap_m + _BORDER_BUFFER_DEG * METRES_PER_DEGREE
    return np.maximum(nearest - slack, 0.0)
