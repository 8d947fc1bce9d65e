"""Country visits and border crossings from per-point countries.

A *visit* is a maximal run of usable points in one country (points at sea, country "", neither start nor
end a visit). Short runs — fewer than ``min_visit_points`` points or shorter than ``min_visit_s`` — that
lie between two runs of the same country are border jitter and are absorbed into them.

A *crossing* is the bracket between the last point in one country and the first point in the next: the
crossing happened somewhere in that interval, never at a more precise moment than the data allow. Each
crossing carries notes on what weakens it (time-zone correction near a border, a long bracket).
Units: seconds, metres, WGS84 degrees, UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from routing.geography import CountryConfidence, nearby_countries
from routing.points import seconds_to_utc


@dataclass(frozen=True)
class CountryVisit:
    iso_a2: str
    start_utc: datetime
    end_utc: datetime
    n_points: int
    first_record_id: int
    last_record_id: int


@dataclass(frozen=True)
class BorderCrossing:
    from_iso_a2: str
    to_iso_a2: str
    last_before_utc: datetime
    first_after_utc: datetime
    bracket_s: float
    last_before_lat: float
    last_before_lon: float
    first_after_lat: float
    first_after_lon: float
    last_before_record_id: int
    first_after_record_id: int
    confidence: str  # "normal" or "low"
    notes: tuple[str, ...]


def visits_and_crossings(
    *,
    time_s: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    iso_a2: np.ndarray,
    confidence: np.ndarray,
    record_id: np.ndarray,
    min_visit_points: int = 3,
    min_visit_s: float = 600.0,
    border_tolerance_m: float = 10_000.0,
    long_bracket_s: float = 6 * 3600.0,
) -> tuple[tuple[CountryVisit, ...], tuple[BorderCrossing, ...]]:
    """Visits and crossings from time-sorted usable points with their resolved countries."""
    on_land = np.flatnonzero(iso_a2 != "")
    if len(on_land) == 0:
        return (), ()
    codes = iso_a2[on_land]
    change = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    starts = np.r_[0, change]
    ends = np.r_[change, len(codes)] - 1
    runs = [[str(codes[s]), int(s), int(e)] for s, e in zip(starts, ends, strict=True)]

    def short(run: list) -> bool:
        first, last = on_land[run[1]], on_land[run[2]]
        return run[2] - run[1] + 1 < min_visit_points or time_s[last] - time_s[first] < min_visit_s

    merged: list[list] = []
    for run in runs:
        merged.append(run)
        while len(merged) >= 3 and merged[-3][0] == merged[-1][0] and short(merged[-2]):
            last = merged.pop()
            merged.pop()
            merged[-1][2] = last[2]
        if len(merged) >= 2 and merged[-2][0] == merged[-1][0]:
            last = merged.pop()
            merged[-1][2] = last[2]

    visits = []
    for code, first, last in merged:
        i, j = on_land[first], on_land[last]
        visits.append(
            CountryVisit(
                iso_a2=code,
                start_utc=seconds_to_utc(float(time_s[i])),
                end_utc=seconds_to_utc(float(time_s[j])),
                n_points=int(last - first + 1),
                first_record_id=int(record_id[i]),
                last_record_id=int(record_id[j]),
            )
        )
    crossings = []
    for before, after in zip(merged[:-1], merged[1:], strict=True):
        i, j = on_land[before[2]], on_land[after[1]]
        notes = []
        corrected = {CountryConfidence.TIME_ZONE_CORRECTED.value, CountryConfidence.TIME_ZONE_ONLY.value}
        if confidence[i] in corrected or confidence[j] in corrected:
            notes.append(
                "near a border: country taken from the time-zone second opinion (polygons are 1-5 km off)"
            )
        if (
            confidence[i] == CountryConfidence.DISAGREE.value
            or confidence[j] == CountryConfidence.DISAGREE.value
        ):
            notes.append("polygon and time zone disagree at a bracket point: check by hand")
        for index in (i, j):
            around = nearby_countries(float(lat[index]), float(lon[index]), within_m=border_tolerance_m)
            if before[0] in around and after[0] in around:
                notes.append(f"bracket point within {border_tolerance_m / 1000:.0f} km of both countries")
                break
        bracket = float(time_s[j] - time_s[i])
        if bracket > long_bracket_s:
            notes.append(
                f"no points for {bracket / 3600:.1f} h around the crossing: only the bracket is known"
            )
        crossings.append(
            BorderCrossing(
                from_iso_a2=before[0],
                to_iso_a2=after[0],
                last_before_utc=seconds_to_utc(float(time_s[i])),
                first_after_utc=seconds_to_utc(float(time_s[j])),
                bracket_s=bracket,
                last_before_lat=float(lat[i]),
                last_before_lon=float(lon[i]),
                first_after_lat=float(lat[j]),
                first_after_lon=float(lon[j]),
                last_before_record_id=int(record_id[i]),
                first_after_record_id=int(record_id[j]),
                confidence="low" if notes else "normal",
                notes=tuple(notes),
            )
        )
    return tuple(visits), tuple(crossings)
