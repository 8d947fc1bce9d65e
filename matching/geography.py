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
