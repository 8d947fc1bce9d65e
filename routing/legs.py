"""Legs: the travel between two consecutive stays, with distance, speed, a mode guess and its evidence.

Units: metres, seconds, metres per second, WGS84 degrees, UTC.

Mode guess (:class:`TravelMode`), from the usable points between the two stays:

- ``flight``: at least ``flight_min_distance_m`` (100 km) covered at an average of at least
  ``flight_min_speed_mps`` (50 m/s = 180 km/h, beyond any road or boat over such a distance), or points
  above ``flight_min_altitude_m`` moving faster than that.
- ``boat``: most of the leg is over water — the share of leg points at sea, or of the straight line
  sampled every kilometre when there are fewer than three points — and no faster than a ferry.
- ``walk``: cruising speed at most ``walk_max_speed_mps``.
- ``road``: cruising speed between walking and ``road_max_speed_mps`` over land.
- ``unknown``: not enough evidence (e.g. no points and not fast, or one gap covering more than
  ``max_unobserved_share`` of the leg), or the numbers fit no mode.

*Cruising speed* is the 80th percentile of speeds measured over baselines of ``speed_baseline_s``
(10 min), so 100–300 m of phone jitter adds well under 1 m/s.

Over-water test: a point is over water when it lies in no Natural Earth 1:10m admin-0 polygon (the
polygons already loaded for countries, see :mod:`routing.geography`; coast accurate to a few hundred
metres, lakes count as land). ``global-land-mask`` (1 km grid) was measured and rejected: it keeps a
933 MB boolean grid in memory and takes ~5 s to load, for a coarser coast.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from routing.cleaning import CleanedPoints
from routing.geodesy import haversine_m
from routing.geography import countries_of
from routing.stays import Stay


class TravelMode(enum.StrEnum):
    WALK = "walk"
    ROAD = "road"
    BOAT = "boat"
    FLIGHT = "flight"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class LegParameters:
    flight_min_distance_m: float = 100_000.0
    flight_min_speed_mps: float = 50.0
    flight_min_altitude_m: float = 3000.0
    boat_min_water_share: float = 0.5
    boat_max_speed_mps: float = 20.0
    walk_max_speed_mps: float = 2.5
    road_max_speed_mps: float = 45.0
    speed_baseline_s: float = 600.0
    max_unobserved_share: float = 0.5
    water_sample_step_m: float = 1000.0


@dataclass(frozen=True)
class Leg:
    """Travel from stay ``from_stay`` to stay ``to_stay`` (indices into the route's stays)."""

    from_stay: int
    to_stay: int
    start_utc: datetime
    end_utc: datetime
    distance_m: float  # great circle between the two stay centres
    path_length_m: float  # along the observed points (overstates with noise)
    duration_s: float
    speed_mps: float  # distance_m / duration_s
    cruising_speed_mps: float | None  # None without enough points
    water_share: float  # share of points (or of the straight line) over water
    max_altitude_m: float | None
    mode: TravelMode
    evidence_count: int  # usable points between the two stays
    longest_gap_s: float  # longest time without a point inside the leg
    first_row: int | None
    last_row: int | None
    reason: str  # why this mode


def is_water(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """True where the point lies in no country polygon, i.e. at sea (degrees WGS84)."""
    return countries_of(np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)) == ""


def build_legs(
    cleaned: CleanedPoints, stays: Sequence[Stay], *, parameters: LegParameters | None = None
) -> tuple[Leg, ...]:
    """One leg between each pair of consecutive stays, from the usable points between them."""
    params = parameters or LegParameters()
    usable = np.flatnonzero(cleaned.usable)
    points = cleaned.points
    t = points.time_s[usable]
    legs = []
    for k in range(len(stays) - 1):
        a, b = stays[k], stays[k + 1]
        start_s, end_s = a.end_utc.timestamp(), b.start_utc.timestamp()
        lo = np.searchsorted(t, start_s, side="right")
        hi = np.searchsorted(t, end_s, side="left")
        rows = usable[lo:hi]
        legs.append(_leg(k, a, b, rows, cleaned, params))
    return tuple(legs)


def _leg(k: int, a: Stay, b: Stay, rows: np.ndarray, cleaned: CleanedPoints, params: LegParameters) -> Leg:
    points = cleaned.points
    start_s, end_s = a.end_utc.timestamp(), b.start_utc.timestamp()
    duration = max(end_s - start_s, 0.0)
    distance = float(haversine_m(a.lat, a.lon, b.lat, b.lon))
    lat = np.r_[a.lat, points.lat[rows], b.lat]
    lon = np.r_[a.lon, points.lon[rows], b.lon]
    times = np.r_[start_s, points.time_s[rows], end_s]
    path = float(haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:]).sum())
    longest_gap = float(np.diff(times).max()) if len(times) > 1 else 0.0
    speed = distance / duration if duration > 0 else float("inf") if distance > 0 else 0.0
    cruising = _cruising_speed(points.time_s[rows], points.lat[rows], points.lon[rows], params)
    if len(rows) >= 3:
        water = float(is_water(points.lat[rows], points.lon[rows]).mean())
    else:
        steps = int(min(max(distance / params.water_sample_step_m, 1), 500))
        fractions = np.linspace(0.0, 1.0, steps + 2)[1:-1]
        water = float(
            is_water(a.lat + (b.lat - a.lat) * fractions, a.lon + (b.lon - a.lon) * fractions).mean()
        )
    altitude = points.altitude_m[rows]
    max_altitude = float(np.nanmax(altitude)) if len(altitude) and np.isfinite(altitude).any() else None
    mode, reason = _guess_mode(distance, speed, cruising, water, max_altitude, len(rows), params)
    if (
        mode is not TravelMode.FLIGHT
        and duration > 0
        and longest_gap > params.max_unobserved_share * duration
    ):
        mode = TravelMode.UNKNOWN
        reason = f"no points for {longest_gap / 3600:.1f} h of the {duration / 3600:.1f} h leg"
    return Leg(
        from_stay=k,
        to_stay=k + 1,
        start_utc=a.end_utc,
        end_utc=b.start_utc,
        distance_m=distance,
        path_length_m=path,
        duration_s=duration,
        speed_mps=speed,
        cruising_speed_mps=cruising,
        water_share=water,
        max_altitude_m=max_altitude,
        mode=mode,
        evidence_count=len(rows),
        longest_gap_s=longest_gap,
        first_row=int(rows[0]) if len(rows) else None,
        last_row=int(rows[-1]) if len(rows) else None,
        reason=reason,
    )


def _cruising_speed(t: np.ndarray, lat: np.ndarray, lon: np.ndarray, params: LegParameters) -> float | None:
    if len(t) < 2:
        return None
    partner = np.searchsorted(t, t + params.speed_baseline_s)
    valid = partner < len(t)
    if not valid.any():
        partner = np.full(len(t), len(t) - 1)
        valid = np.arange(len(t)) < len(t) - 1
    i = np.flatnonzero(valid)
    j = partner[valid]
    dt = t[j] - t[i]
    keep = dt > 0
    if not keep.any():
        return None
    speeds = haversine_m(lat[i[keep]], lon[i[keep]], lat[j[keep]], lon[j[keep]]) / dt[keep]
    return float(np.quantile(speeds, 0.8))


def _guess_mode(
    distance: float,
    speed: float,
    cruising: float | None,
    water: float,
    max_altitude: float | None,
    evidence: int,
    params: LegParameters,
) -> tuple[TravelMode, str]:
    if distance >= params.flight_min_distance_m and speed >= params.flight_min_speed_mps:
        return (
            TravelMode.FLIGHT,
            f"{distance / 1000:.0f} km at an average {speed:.0f} m/s: faster than ground travel",
        )
    if (
        max_altitude is not None
        and max_altitude >= params.flight_min_altitude_m
        and (cruising or 0) >= params.flight_min_speed_mps
    ):
        return TravelMode.FLIGHT, f"points at {max_altitude:.0f} m altitude moving at {cruising:.0f} m/s"
    moving = cruising if cruising is not None else speed
    if water >= params.boat_min_water_share and moving <= params.boat_max_speed_mps:
        basis = "of the points" if evidence >= 3 else "of the straight line"
        return TravelMode.BOAT, f"{water:.0%} {basis} over water at {moving:.1f} m/s"
    if cruising is None or evidence < 3:
        return TravelMode.UNKNOWN, f"only {evidence} points between the stays"
    if cruising <= params.walk_max_speed_mps:
        return TravelMode.WALK, f"cruising speed {cruising:.1f} m/s"
    if cruising <= params.road_max_speed_mps:
        return TravelMode.ROAD, f"cruising speed {cruising:.1f} m/s over land"
    return TravelMode.UNKNOWN, f"cruising speed {cruising:.0f} m/s fits no ground mode"
