"""Gaps: periods without any usable point longer than a threshold, listed explicitly.

Nothing is known about where the phone was during a gap. Anything drawn across it (a straight line on
the map, a leg through it) is *interpolated* and must be shown as such, never as observed.
Units: seconds, metres, WGS84 degrees, UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from routing.cleaning import CleanedPoints
from routing.errors import ParameterError
from routing.geodesy import haversine_m
from routing.points import seconds_to_utc


@dataclass(frozen=True)
class Gap:
    """No usable point between ``start_utc`` (last point before) and ``end_utc`` (first point after)."""

    start_utc: datetime
    end_utc: datetime
    duration_s: float
    start_lat: float
    start_lon: float
    end_lat: float
    end_lon: float
    distance_m: float  # between the last point before and the first point after
    start_record_id: int
    end_record_id: int
    same_stay: bool  # both ends inside the same stay: the phone was off at one place


def find_gaps(
    cleaned: CleanedPoints, *, min_gap_s: float = 6 * 3600.0, point_stay: np.ndarray | None = None
) -> tuple[Gap, ...]:
    """Gaps longer than ``min_gap_s`` between consecutive usable points.

    ``point_stay`` (optional, per table row: stay number or -1) marks gaps whose both ends lie in one stay.
    """
    if min_gap_s <= 0:
        raise ParameterError(f"min_gap_s must be positive, got {min_gap_s}")
    usable = np.flatnonzero(cleaned.usable)
    points = cleaned.points
    if len(usable) < 2:
        return ()
    t = points.time_s[usable]
    where = np.flatnonzero(np.diff(t) > min_gap_s)
    gaps = []
    for k in where:
        before, after = int(usable[k]), int(usable[k + 1])
        same = point_stay is not None and point_stay[before] >= 0 and point_stay[before] == point_stay[after]
        gaps.append(
            Gap(
                start_utc=seconds_to_utc(float(points.time_s[before])),
                end_utc=seconds_to_utc(float(points.time_s[after])),
                duration_s=float(points.time_s[after] - points.time_s[before]),
                start_lat=float(points.lat[before]),
                start_lon=float(points.lon[before]),
                end_lat=float(points.lat[after]),
                end_lon=float(points.lon[after]),
                distance_m=float(
                    haversine_m(points.lat[before], points.lon[before], points.lat[after], points.lon[after])
                ),
                start_record_id=int(points.record_id[before]),
                end_record_id=int(points.record_id[after]),
                same_stay=bool(same),
            )
        )
    return tuple(gaps)
