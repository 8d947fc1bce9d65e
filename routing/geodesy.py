"""Distances on the sphere, vectorised. All inputs are WGS84 degrees, all outputs metres.

The mean Earth radius (IUGG, 6 371 008.8 m) gives great-circle distances within 0.5 % of the ellipsoid —
far below phone noise. Stay detection works on Earth-centred unit vectors scaled to metres (``to_xyz_m``):
chord lengths equal arc lengths to < 1 mm at the scale of a stay, with no projection zone or antimeridian
to worry about.
"""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_M = 6_371_008.8
# Metres in one degree of latitude (and of longitude at the equator) on that sphere: 2πR / 360.
METRES_PER_DEGREE = 2 * np.pi * EARTH_RADIUS_M / 360.0


def haversine_m(lat1, lon1, lat2, lon2) -> np.ndarray:  # noqa: ANN001 - arrays or floats
    """Great-circle distance in metres between (lat1, lon1) and (lat2, lon2), degrees, broadcasting."""
    p1 = np.radians(lat1)
    p2 = np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def to_xyz_m(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Earth-centred Cartesian coordinates in metres on the sphere, shape (n, 3)."""
    phi = np.radians(lat)
    lam = np.radians(lon)
    cos_phi = np.cos(phi)
    return np.column_stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi))) * EARTH_RADIUS_M


def xyz_to_latlon(xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`to_xyz_m` for any non-zero vectors (a mean of nearby points is fine)."""
    xyz = np.atleast_2d(xyz)
    x, y, z = xyz[:, 0], xyz[:, 1], xyz[:, 2]
    lat = np.degrees(np.arctan2(z, np.hypot(x, y)))
    lon = np.degrees(np.arctan2(y, x))
    return lat, lon


def consecutive_distance_m(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Distance in metres from each point to the next, length n-1."""
    return haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
