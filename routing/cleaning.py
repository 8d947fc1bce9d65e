"""Cleaning with reasons: every point keeps its row; problems become flags, never deletions.

Flags (:class:`PointFlag`, a bit set per point) and what they mean:

- ``RECEIVED``: the position is not the device's own observation (LEGAL 15) — context only.
- ``DUPLICATE``: the same fix reached us through another artifact (same time within
  ``duplicate_max_dt_s`` and position within the larger accuracy). The group keeps one representative
  (best accuracy); the others point to it through ``duplicate_of`` so every source stays listed.
- ``OUTLIER_SPEED``: a run of at most ``max_outlier_run`` points reached and left at a speed no mode of
  travel allows (``max_speed_mps``, default 300 m/s ≈ a jet's ground speed), while the neighbours on both
  sides agree with each other. Distances are first reduced by ``accuracy_allowance`` × the two accuracies.
- ``OUTLIER_SPIKE``: an out-and-back excursion faster than ground travel (``spike_speed_mps``) whose
  neighbours agree with each other — the signature of a multipath or cell-tower jump. Only the excursion
  is flagged, never its neighbours.
- ``CLOCK_BEFORE_2007`` / ``CLOCK_BEFORE_DEVICE`` / ``CLOCK_FUTURE`` / ``CLOCK_SUSPECT_PERIOD``: the time
  cannot be trusted (before smartphones with location logging, before the device was first seen, after the
  extraction, or — for device-clock times only — inside a period that the clock evidence marks as wrong).

A point is *usable* for the route when it has no flag at all.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from routing.errors import ParameterError
from routing.geodesy import haversine_m, to_xyz_m
from routing.points import OBSERVATION_RECEIVED_CODE, TIME_SOURCE_DEVICE_CLOCK_CODE, PointTable


class PointFlag(enum.IntFlag):
    """Why a point is not used for the route (bits may combine)."""

    RECEIVED = 1
    DUPLICATE = 2
    OUTLIER_SPEED = 4
    OUTLIER_SPIKE = 8
    CLOCK_BEFORE_2007 = 16
    CLOCK_BEFORE_DEVICE = 32
    CLOCK_FUTURE = 64
    CLOCK_SUSPECT_PERIOD = 128


FLAG_REASONS: dict[PointFlag, str] = {
    PointFlag.RECEIVED: "received by the device, not its own position (context only)",
    PointFlag.DUPLICATE: "same fix from another artifact; merged into its representative",
    PointFlag.OUTLIER_SPEED: "reached and left at a speed no mode of travel allows",
    PointFlag.OUTLIER_SPIKE: "out-and-back jump faster than ground travel (multipath/cell jump)",
    PointFlag.CLOCK_BEFORE_2007: "time before 2007: device clock not set",
    PointFlag.CLOCK_BEFORE_DEVICE: "time before the device was first seen",
    PointFlag.CLOCK_FUTURE: "time after the extraction",
    PointFlag.CLOCK_SUSPECT_PERIOD: "device-clock time inside a period the clock evidence marks as wrong",
}

EARLIEST_PLAUSIBLE_UTC = datetime(2007, 1, 1, tzinfo=UTC)


def flag_reasons(flags: int) -> list[str]:
    """Plain-language reasons for a flag value, in bit order."""
    return [FLAG_REASONS[flag] for flag in PointFlag if flags & flag]


def flag_names(flags: int) -> list[str]:
    """Names of the flags set in ``flags`` (e.g. ``["DUPLICATE"]``)."""
    return [str(flag.name) for flag in PointFlag if flags & flag]


@dataclass(frozen=True)
class ClockEvidence:
    """What is known about the case's clock, all tz-aware UTC.

    ``device_first_seen_utc``: earliest time the device can have existed (e.g. manufacture or first
    activation); ``extraction_time_utc``: when the data was read (reference clock);
    ``suspect_intervals``: (start, end) periods in which device-clock times are known to be wrong.
    """

    device_first_seen_utc: datetime | None = None
    extraction_time_utc: datetime | None = None
    suspect_intervals: tuple[tuple[datetime, datetime], ...] = ()

    def __post_init__(self) -> None:
        moments = [self.device_first_seen_utc, self.extraction_time_utc]
        moments += [moment for interval in self.suspect_intervals for moment in interval]
        for moment in moments:
            if moment is not None and moment.tzinfo is None:
                raise ParameterError(f"clock evidence times must be tz-aware UTC, got {moment!r}")
        for start, end in self.suspect_intervals:
            if end < start:
                raise ParameterError(f"suspect interval ends before it starts: {start} .. {end}")


@dataclass(frozen=True)
class CleaningParameters:
    """Thresholds of the cleaning step (units in the names)."""

    duplicate_max_dt_s: float = 5.0
    duplicate_min_distance_m: float = 25.0
    max_speed_mps: float = 300.0
    spike_speed_mps: float = 10.0
    spike_return_ratio: float = 0.25
    accuracy_allowance: float = 2.0
    max_outlier_run: int = 3
    future_tolerance_s: float = 3600.0
    noise_window_s: float = 300.0
    noise_ceiling_m: float = 400.0

    def __post_init__(self) -> None:
        if self.duplicate_max_dt_s < 0 or self.max_speed_mps <= 0 or self.spike_speed_mps <= 0:
            raise ParameterError("cleaning thresholds must be positive")
        if not 1 <= self.max_outlier_run <= 10:
            raise ParameterError("max_outlier_run must be between 1 and 10")


@dataclass(frozen=True, eq=False)
class CleanedPoints:
    """Points with per-point flags. ``duplicate_of[i]`` is the row index of i's representative or -1."""

    points: PointTable
    flags: np.ndarray
    duplicate_of: np.ndarray
    parameters: CleaningParameters = field(default_factory=CleaningParameters)

    @property
    def usable(self) -> np.ndarray:
        """Boolean mask of points used for the route (no flag set)."""
        return self.flags == 0

    def counts(self) -> dict[str, int]:
        """Number of points per flag name (a point may count under several)."""
        return {str(flag.name): int(np.count_nonzero(self.flags & flag)) for flag in PointFlag}


def clean_points(
    points: PointTable,
    *,
    parameters: CleaningParameters | None = None,
    clock: ClockEvidence | None = None,
) -> CleanedPoints:
    """Flag received, duplicate, clock-suspect and outlier points (see module docstring)."""
    params = parameters or CleaningParameters()
    clock = clock or ClockEvidence()
    n = len(points)
    flags = np.zeros(n, dtype=np.uint16)
    flags[points.observation == OBSERVATION_RECEIVED_CODE] |= int(PointFlag.RECEIVED)
    flags |= _clock_flags(points, clock, params)
    duplicate_of = _find_duplicates(points, params, candidates=flags == 0)
    flags[duplicate_of >= 0] |= int(PointFlag.DUPLICATE)
    flags |= _outlier_flags(points, params, candidates=flags == 0)
    return CleanedPoints(points=points, flags=flags, duplicate_of=duplicate_of, parameters=params)


# ---------------------------------------------------------------------- clock
def _clock_flags(points: PointTable, clock: ClockEvidence, params: CleaningParameters) -> np.ndarray:
    t = points.time_s
    flags = np.zeros(len(t), dtype=np.uint16)
    flags[t < EARLIEST_PLAUSIBLE_UTC.timestamp()] |= int(PointFlag.CLOCK_BEFORE_2007)
    if clock.device_first_seen_utc is not None:
        flags[t < clock.device_first_seen_utc.timestamp()] |= int(PointFlag.CLOCK_BEFORE_DEVICE)
    if clock.extraction_time_utc is not None:
        flags[t > clock.extraction_time_utc.timestamp() + params.future_tolerance_s] |= int(
            PointFlag.CLOCK_FUTURE
        )
    device_clock = points.time_source == TIME_SOURCE_DEVICE_CLOCK_CODE
    for start, end in clock.suspect_intervals:
        inside = (t >= start.timestamp()) & (t <= end.timestamp()) & device_clock
        flags[inside] |= int(PointFlag.CLOCK_SUSPECT_PERIOD)
    return flags


# ---------------------------------------------------------------------- duplicates
def _find_duplicates(points: PointTable, params: CleaningParameters, *, candidates: np.ndarray) -> np.ndarray:
    """Row index of each duplicate's representative (-1 for none); vectorised over time-sorted rows."""
    n = len(points)
    duplicate_of = np.full(n, -1, dtype=np.int64)
    idx = np.flatnonzero(candidates)
    if len(idx) < 2:
        return duplicate_of
    t = points.time_s[idx]
    lat, lon = points.lat[idx], points.lon[idx]
    acc = points.accuracy_m[idx]
    art = points.artifact[idx]
    pairs_a: list[np.ndarray] = []
    pairs_b: list[np.ndarray] = []
    for step in range(1, len(idx)):
        a = np.arange(len(idx) - step)
        close = t[a + step] - t[a] <= params.duplicate_max_dt_s
        if not close.any():
            break
        a = a[close]
        b = a + step
        distance = haversine_m(lat[a], lon[a], lat[b], lon[b])
        tolerance = np.maximum(np.maximum(acc[a], acc[b]), params.duplicate_min_distance_m)
        exact = (t[a] == t[b]) & (lat[a] == lat[b]) & (lon[a] == lon[b])
        same = ((distance <= tolerance) & (art[a] != art[b])) | exact
        pairs_a.append(a[same])
        pairs_b.append(b[same])
    if not pairs_a:
        return duplicate_of
    a = np.concatenate(pairs_a)
    b = np.concatenate(pairs_b)
    if len(a) == 0:
        return duplicate_of
    root = np.arange(len(idx))
    while True:  # vectorised union-find: hook the larger root under the smaller until pairs agree
        ra, rb = root[a], root[b]
        differ = ra != rb
        if not differ.any():
            break
        low = np.minimum(ra[differ], rb[differ])
        high = np.maximum(ra[differ], rb[differ])
        np.minimum.at(root, high, low)
        while True:
            jumped = root[root]
            if np.array_equal(jumped, root):
                break
            root = jumped
    members = np.flatnonzero(np.bincount(root, minlength=len(idx))[root] > 1)
    # representative of each group: best accuracy, then earliest row
    order = members[np.lexsort((members, acc[members], root[members]))]
    first = np.ones(len(order), dtype=bool)
    first[1:] = root[order][1:] != root[order][:-1]
    representative_of_root = np.empty(len(idx), dtype=np.int64)
    representative_of_root[root[order[first]]] = order[first]
    rep = representative_of_root[root[members]]
    is_duplicate = rep != members
    duplicate_of[idx[members[is_duplicate]]] = idx[rep[is_duplicate]]
    return duplicate_of


# ---------------------------------------------------------------------- outliers
def _outlier_flags(points: PointTable, params: CleaningParameters, *, candidates: np.ndarray) -> np.ndarray:
    """Flag short runs reached and left impossibly fast while their neighbours agree (up to 3 passes)."""
    flags = np.zeros(len(points), dtype=np.uint16)
    remaining = np.flatnonzero(candidates)
    for _ in range(3):
        if len(remaining) < 3:
            break
        new_flags = _outlier_pass(points, params, remaining)
        hit = new_flags != 0
        if not hit.any():
            break
        flags[remaining[hit]] |= new_flags[hit]
        remaining = remaining[~hit]
    return flags


def _typical_noise_m(t: np.ndarray, lat: np.ndarray, lon: np.ndarray, params: CleaningParameters) -> float:
    """Typical position noise of the data: median step between fixes < ``noise_window_s`` apart / 1.665.

    Phones under-report their error (accuracy is a scale, not a bound), so the allowance for noise in the
    speed tests is never less than what the data themselves show.
    """
    close = np.flatnonzero(np.diff(t) <= params.noise_window_s)
    if len(close) < 10:
        return 0.0
    close = close[:: max(1, len(close) // 100_000)]
    step = haversine_m(lat[close], lon[close], lat[close + 1], lon[close + 1])
    return float(min(np.median(step) / 1.665, params.noise_ceiling_m))


def _outlier_pass(points: PointTable, params: CleaningParameters, idx: np.ndarray) -> np.ndarray:
    t = points.time_s[idx]
    lat, lon = points.lat[idx], points.lon[idx]
    acc = np.maximum(points.accuracy_m[idx], _typical_noise_m(t, lat, lon, params))
    m = len(idx)
    result = np.zeros(m, dtype=np.uint16)
    xyz = to_xyz_m(lat, lon)  # chord distances: equal to great-circle ones within 0.1 % below 1000 km

    def chord(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.sqrt(((xyz[a] - xyz[b]) ** 2).sum(axis=1))

    def effective_speed(a: np.ndarray, b: np.ndarray, distance: np.ndarray) -> np.ndarray:
        effective = np.maximum(distance - params.accuracy_allowance * (acc[a] + acc[b]), 0.0)
        return effective / np.maximum(np.abs(t[b] - t[a]), 1.0)

    steps = np.arange(m - 1)
    step_distance = np.sqrt((np.diff(xyz, axis=0) ** 2).sum(axis=1)) if m > 1 else np.zeros(0)
    step_speed = effective_speed(steps, steps + 1, step_distance)
    fast = step_speed > min(params.max_speed_mps, params.spike_speed_mps)
    for width in range(1, params.max_outlier_run + 1):
        # run = first .. first+width-1; its neighbours are first-1 and first+width
        first = np.arange(1, m - width)
        if len(first) == 0:
            break
        first = first[fast[first - 1] & fast[first + width - 1]]
        if len(first) == 0:
            continue
        last = first + width - 1
        before, after = first - 1, first + width
        distance_in, distance_out = step_distance[before], step_distance[last]
        speed_in, speed_out = step_speed[before], step_speed[last]
        distance_bridge = chord(before, after)
        speed_bridge = effective_speed(before, after, distance_bridge)
        impossible = (
            (speed_in > params.max_speed_mps)
            & (speed_out > params.max_speed_mps)
            & (speed_bridge <= params.max_speed_mps)
        )
        spike = (
            (speed_in > params.spike_speed_mps)
            & (speed_out > params.spike_speed_mps)
            & (distance_bridge <= params.spike_return_ratio * np.minimum(distance_in, distance_out))
        )
        for code, hit in (
            (PointFlag.OUTLIER_SPEED, impossible),
            (PointFlag.OUTLIER_SPIKE, spike & ~impossible),
        ):
            starts = first[hit & (result[first] == 0)]
            for offset in range(width):
                result[starts + offset] |= int(code)
    return result
