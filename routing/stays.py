"""Stay detection that survives phone noise.

Where did the phone stay? A *stay* is a period of at least ``min_duration_s`` during which the device was
within ``radius_m`` of one place — allowing for position noise, single wild fixes and short gaps.

Why not the classic algorithm (Li et al. 2008, used by trackintel and scikit-mobility)? It anchors on one
fix and ends the stay at the first fix farther than the radius; with 100–300 m phone jitter and multipath
jumps a single noisy fix ends the stay, so one real stay comes out as many fragments (≈ 6 per stay in
our benchmark) and a night with the phone off splits it in two.

The method here, all numpy except one loop over time bins (thousands, not millions):

1. Points go to Earth-centred coordinates in metres (no projection zone, no antimeridian problem) and
   into fixed time bins of ``bin_s`` seconds.
2. Each bin gets a *robust centre*: an accuracy-weighted mean, recomputed after dropping points farther
   than ``trim_factor`` × the bin's median distance from a first estimate (one multipath fix cannot
   move it). Each bin also gets the standard error of its centre, from the observed scatter but never
   less than the points' accuracy or ``noise_floor_m`` (accuracy is a scale, not a bound).
3. One pass over the bins grows a run while each bin centre lies within
   ``radius_m + z × (standard error)`` of the run's centre. A bin out of place does not end the run if
   the position comes back within ``max_excursion_s`` (noise, a short walk to the shop). A gap without
   points does not end it either if the phone reappears at the same place within ``merge_max_gap_s``
   (phone off overnight in the same hotel is one stay; the unobserved time is reported).
4. Runs lasting at least ``min_duration_s`` become stays; consecutive stays at the same place are merged
   again across short interruptions.

Units: seconds (UTC epoch), metres, WGS84 degrees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from routing.cleaning import CleanedPoints
from routing.errors import ParameterError
from routing.geodesy import to_xyz_m, xyz_to_latlon
from routing.points import seconds_to_utc


@dataclass(frozen=True)
class StayParameters:
    """Stay detection thresholds (see module docstring)."""

    radius_m: float = 200.0
    min_duration_s: float = 1200.0
    bin_s: float = 300.0
    max_excursion_s: float = 900.0
    merge_max_gap_s: float = 18 * 3600.0
    tolerance_sigma: float = 2.5
    trim_factor: float = 2.5
    noise_floor_m: float = 50.0
    noise_ceiling_m: float = 400.0
    edge_sigma: float = 1.0
    unobserved_gap_s: float = 3600.0

    def __post_init__(self) -> None:
        if self.radius_m <= 0 or self.min_duration_s <= 0 or self.bin_s <= 0:
            raise ParameterError("radius_m, min_duration_s and bin_s must be positive")
        if self.bin_s > self.min_duration_s:
            raise ParameterError(
                f"bin_s ({self.bin_s}) must not exceed min_duration_s ({self.min_duration_s})"
            )
        if self.max_excursion_s < 0 or self.merge_max_gap_s < 0:
            raise ParameterError("max_excursion_s and merge_max_gap_s must be >= 0")


@dataclass(frozen=True, eq=False)
class StayArrays:
    """Detected stays, columnar. Indices refer to the arrays given to :func:`detect_stays_arrays`.

    ``lat``/``lon``: centre (WGS84 degrees); ``radius_m``: 80th percentile distance of the stay's points
    from the centre; ``centre_uncertainty_m``: standard error of the centre; ``start_s``/``end_s``: first
    and last point (UTC epoch seconds); ``first_index``/``last_index``: inclusive point index range;
    ``n_points``: points in that range; ``unobserved_s``: time inside the stay in gaps longer than
    ``unobserved_gap_s`` (phone off). ``point_stay``: stay number of each input point, -1 outside stays.
    """

    lat: np.ndarray
    lon: np.ndarray
    radius_m: np.ndarray
    centre_uncertainty_m: np.ndarray
    start_s: np.ndarray
    end_s: np.ndarray
    first_index: np.ndarray
    last_index: np.ndarray
    n_points: np.ndarray
    unobserved_s: np.ndarray
    point_stay: np.ndarray

    def __len__(self) -> int:
        return len(self.start_s)


@dataclass(frozen=True)
class Stay:
    """One stay, for people: centre, extent, time span and its evidence (row indices and record ids)."""

    lat: float
    lon: float
    radius_m: float
    centre_uncertainty_m: float
    start_utc: datetime
    end_utc: datetime
    n_points: int
    first_row: int
    last_row: int
    first_record_id: int
    last_record_id: int
    unobserved_s: float

    @property
    def duration_s(self) -> float:
        return (self.end_utc - self.start_utc).total_seconds()


def detect_stays(cleaned: CleanedPoints, *, parameters: StayParameters | None = None) -> tuple[Stay, ...]:
    """Stays from the usable points of a cleaned table (flagged points are ignored)."""
    usable = np.flatnonzero(cleaned.usable)
    points = cleaned.points
    arrays = detect_stays_arrays(
        time_s=points.time_s[usable],
        lat=points.lat[usable],
        lon=points.lon[usable],
        accuracy_m=points.accuracy_m[usable],
        parameters=parameters,
    )
    return stays_from_arrays(arrays, rows=usable, record_id=points.record_id)


def stays_from_arrays(arrays: StayArrays, *, rows: np.ndarray, record_id: np.ndarray) -> tuple[Stay, ...]:
    """Turn columnar stays into :class:`Stay` objects; ``rows`` maps array indices to table rows."""
    stays = []
    for k in range(len(arrays)):
        first_row = int(rows[arrays.first_index[k]])
        last_row = int(rows[arrays.last_index[k]])
        stays.append(
            Stay(
                lat=float(arrays.lat[k]),
                lon=float(arrays.lon[k]),
                radius_m=float(arrays.radius_m[k]),
                centre_uncertainty_m=float(arrays.centre_uncertainty_m[k]),
                start_utc=seconds_to_utc(float(arrays.start_s[k])),
                end_utc=seconds_to_utc(float(arrays.end_s[k])),
                n_points=int(arrays.n_points[k]),
                first_row=first_row,
                last_row=last_row,
                first_record_id=int(record_id[first_row]),
                last_record_id=int(record_id[last_row]),
                unobserved_s=float(arrays.unobserved_s[k]),
            )
        )
    return tuple(stays)


def detect_stays_arrays(
    *,
    time_s: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    accuracy_m: np.ndarray | None = None,
    parameters: StayParameters | None = None,
) -> StayArrays:
    """Detect stays in time-sorted points (UTC epoch seconds, WGS84 degrees, accuracy in metres)."""
    params = parameters or StayParameters()
    t = np.asarray(time_s, dtype=np.float64)
    n = len(t)
    if n and np.any(np.diff(t) < 0):
        raise ParameterError("time_s must be sorted ascending")
    if n == 0:
        return _empty(0)
    acc = np.full(n, 100.0) if accuracy_m is None else np.asarray(accuracy_m, dtype=np.float64)
    xyz = to_xyz_m(np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64))
    bins = _bin_centres(t, xyz, acc, params)
    runs = _grow_runs(bins, params)
    if not runs:
        return _empty(n)
    return _stay_statistics(t, xyz, bins, runs, params)


# ---------------------------------------------------------------------- step 2: robust bin centres
@dataclass(frozen=True, eq=False)
class _Bins:
    first: np.ndarray  # first point index of each bin
    last: np.ndarray  # last point index (inclusive)
    t_first: np.ndarray
    t_last: np.ndarray
    centre: np.ndarray  # (nb, 3) metres
    weight_sum: np.ndarray  # accuracy weights of kept points
    weighted_xyz: np.ndarray  # (nb, 3) sums of weight * xyz over kept points
    standard_error_m: np.ndarray  # per-axis standard error of the centre
    kept: np.ndarray  # per point: used for the centre


def _bin_centres(t: np.ndarray, xyz: np.ndarray, acc: np.ndarray, params: StayParameters) -> _Bins:
    n = len(t)
    x, y, z = xyz[:, 0].copy(), xyz[:, 1].copy(), xyz[:, 2].copy()
    bin_number = np.floor((t - t[0]) / params.bin_s).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, bin_number[1:] != bin_number[:-1]])
    ends = np.r_[starts[1:], n] - 1
    counts = ends - starts + 1
    point_bin = np.repeat(np.arange(len(starts)), counts)
    scale = np.maximum(acc, 5.0)
    weight = 1.0 / scale**2

    def weighted_centre(w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        total = np.add.reduceat(w, starts)
        safe = np.where(total > 0, total, 1.0)
        return (
            np.add.reduceat(x * w, starts) / safe,
            np.add.reduceat(y * w, starts) / safe,
            np.add.reduceat(z * w, starts) / safe,
            total,
        )

    def distance_to(cx: np.ndarray, cy: np.ndarray, cz: np.ndarray) -> np.ndarray:
        return np.sqrt((x - cx[point_bin]) ** 2 + (y - cy[point_bin]) ** 2 + (z - cz[point_bin]) ** 2)

    # two trimming passes: drop points farther than trim_factor x the bin's mean distance (robust to one
    # wild fix in a bin of several; tiny bins are handled by the run tolerance and excursion look-ahead)
    kept = np.ones(n, dtype=bool)
    for _ in range(2):
        cx, cy, cz, _total = weighted_centre(weight * kept)
        distance = distance_to(cx, cy, cz)
        kept_count = np.maximum(np.add.reduceat(kept.astype(np.int64), starts), 1)
        mean_distance = np.add.reduceat(distance * kept, starts) / kept_count
        limit = np.maximum(params.trim_factor * mean_distance, params.noise_floor_m)
        kept = distance <= limit[point_bin]

    kept_weight = weight * kept
    cx, cy, cz, weight_sum = weighted_centre(kept_weight)
    kept_count = np.add.reduceat(kept.astype(np.int64), starts)
    residual_sq = (x - cx[point_bin]) ** 2 + (y - cy[point_bin]) ** 2 + (z - cz[point_bin]) ** 2
    observed_var = np.add.reduceat(residual_sq * kept, starts) / np.maximum(kept_count, 1) / 2.0
    accuracy_var = np.add.reduceat(np.minimum(scale, 1e5) ** 2 * kept, starts) / np.maximum(kept_count, 1)
    noise_m = _typical_noise_m(t, x, y, z, params)
    point_var = np.maximum(np.maximum(observed_var, accuracy_var), noise_m**2)
    standard_error = np.sqrt(point_var / np.maximum(kept_count, 1))
    centre = np.column_stack((cx, cy, cz))
    return _Bins(
        first=starts,
        last=ends,
        t_first=t[starts],
        t_last=t[ends],
        centre=centre,
        weight_sum=weight_sum,
        weighted_xyz=centre * weight_sum[:, None],
        standard_error_m=standard_error,
        kept=kept,
    )


def _typical_noise_m(
    t: np.ndarray, x: np.ndarray, y: np.ndarray, z: np.ndarray, params: StayParameters
) -> float:
    """Per-axis position noise of this data set, from the median step between fixes close in time.

    Most of a journey is spent in place, so the median distance between consecutive fixes less than
    ``bin_s`` apart is dominated by noise: for Gaussian noise of per-axis sigma s it is 1.665 s. This is
    what makes accuracy a *scale* here: phones under-report their error (NFI: Google's radius held 52 %
    with GPS, 7 % with Wi-Fi), so the data's own scatter sets the floor. Clamped to
    [``noise_floor_m``, ``noise_ceiling_m``].
    """
    close = np.diff(t) <= params.bin_s
    if np.count_nonzero(close) < 10:
        return params.noise_floor_m
    sample = np.flatnonzero(close)
    sample = sample[:: max(1, len(sample) // 100_000)]  # the median of 1e5 steps is plenty
    step = np.sqrt(
        (x[sample + 1] - x[sample]) ** 2 + (y[sample + 1] - y[sample]) ** 2 + (z[sample + 1] - z[sample]) ** 2
    )
    estimate = float(np.median(step)) / 1.665
    return float(np.clip(estimate, params.noise_floor_m, params.noise_ceiling_m))


# ---------------------------------------------------------------------- step 3: grow runs of bins
def _grow_runs(bins: _Bins, params: StayParameters) -> list[tuple[int, int, list[int]]]:
    """Runs as (first bin, last bin, bins used for the centre); excursion bins are inside but unused."""
    nb = len(bins.first)
    cx, cy, cz = (bins.centre[:, k].tolist() for k in range(3))
    se = bins.standard_error_m.tolist()
    t_first = bins.t_first.tolist()
    t_last = bins.t_last.tolist()
    radius = params.radius_m
    z = params.tolerance_sigma
    runs: list[tuple[int, int, list[int]]] = []
    excursion_bins = max(1, int(params.max_excursion_s // params.bin_s))

    def start(b: int) -> list:
        inv = 1.0 / se[b] ** 2
        return [b, b, [b], cx[b] * inv, cy[b] * inv, cz[b] * inv, inv]

    def fits(run: list, b: int) -> bool:
        inv = run[6]
        dx = cx[b] - run[3] / inv
        dy = cy[b] - run[4] / inv
        dz = cz[b] - run[5] / inv
        tolerance = radius + z * (se[b] ** 2 + 1.0 / inv) ** 0.5
        return dx * dx + dy * dy + dz * dz <= tolerance * tolerance

    def add(run: list, b: int) -> None:
        inv = 1.0 / se[b] ** 2
        run[1] = b
        run[2].append(b)
        run[3] += cx[b] * inv
        run[4] += cy[b] * inv
        run[5] += cz[b] * inv
        run[6] += inv

    run = start(0)
    b = 1
    while b < nb:
        if t_first[b] - t_last[run[1]] > params.merge_max_gap_s:
            runs.append((run[0], run[1], run[2]))
            run = start(b)
        elif fits(run, b):
            add(run, b)
        else:
            # look ahead: does the position come back within max_excursion_s of observed time
            # out of place (or within the next few bins when fixes are sparse)?
            back = -1
            probe = b + 1
            while probe < nb and probe - b <= excursion_bins:
                if t_first[probe] - t_last[run[1]] > params.merge_max_gap_s:
                    break
                if fits(run, probe):
                    back = probe
                    break
                if t_last[probe] - t_first[b] > params.max_excursion_s:
                    break
                probe += 1
            if back >= 0:
                add(run, back)
                b = back
            else:
                runs.append((run[0], run[1], run[2]))
                run = start(b)
        b += 1
    runs.append((run[0], run[1], run[2]))

    runs = [_trim_edges(run, bins, params) for run in runs]
    long_enough = [r for r in runs if t_last[r[1]] - t_first[r[0]] >= params.min_duration_s]
    return _merge_same_place(long_enough, bins, params)


def _merge_same_place(runs: list, bins: _Bins, params: StayParameters) -> list:
    """Merge consecutive stays at the same place separated by a short interruption (step 4)."""
    if not runs:
        return runs
    merged = [runs[0]]
    for run in runs[1:]:
        previous = merged[-1]
        gap_s = bins.t_first[run[0]] - bins.t_last[previous[1]]
        c1, se1 = _run_centre(previous, bins)
        c2, se2 = _run_centre(run, bins)
        tolerance = params.radius_m + params.tolerance_sigma * float(np.hypot(se1, se2))
        same_place = float(np.linalg.norm(c1 - c2)) <= tolerance
        # time observed away from the place between the two stays (bins that do not fit the place)
        between = np.arange(previous[1] + 1, run[0])
        moving_s = 0.0
        if len(between) and same_place:
            centre = (c1 + c2) / 2
            distance = np.linalg.norm(bins.centre[between] - centre, axis=1)
            limit = params.radius_m + params.tolerance_sigma * np.hypot(bins.standard_error_m[between], se1)
            away = between[distance > limit]
            moving_s = float(np.maximum(bins.t_last[away] - bins.t_first[away], params.bin_s).sum())
        if same_place and gap_s <= params.merge_max_gap_s and moving_s <= params.max_excursion_s:
            merged[-1] = (previous[0], run[1], previous[2] + run[2])
        else:
            merged.append(run)
    return merged


def _trim_edges(run: tuple, bins: _Bins, params: StayParameters) -> tuple:
    """Drop leading/trailing bins that sit apart from the rest of the run (arrival and departure walks).

    A run can start while the person is still walking in: those bins fit the young run's tolerance but not
    the centre of the whole stay. Edge bins farther than ``radius_m + edge_sigma`` x their standard error
    from the centre of the other bins are removed, one at a time, from both ends.
    """
    used = list(run[2])
    if len(used) < 3:
        return run
    for from_start in (True, False):
        while len(used) >= 3:
            edge = used[0] if from_start else used[-1]
            rest = used[1:] if from_start else used[:-1]
            centre, _ = _run_centre((0, 0, rest), bins)
            distance = float(np.linalg.norm(bins.centre[edge] - centre))
            if distance <= params.radius_m + params.edge_sigma * float(bins.standard_error_m[edge]):
                break
            used = rest
    return (used[0], used[-1], used)


def _run_centre(run: tuple, bins: _Bins) -> tuple[np.ndarray, float]:
    used = np.asarray(run[2])
    inv = 1.0 / bins.standard_error_m[used] ** 2
    centre = (bins.centre[used] * inv[:, None]).sum(axis=0) / inv.sum()
    return centre, float(np.sqrt(1.0 / inv.sum()))


# ---------------------------------------------------------------------- step 5: per-stay statistics
def _stay_statistics(
    t: np.ndarray, xyz: np.ndarray, bins: _Bins, runs: list, params: StayParameters
) -> StayArrays:
    n = len(t)
    k = len(runs)
    first_index = np.array([bins.first[r[0]] for r in runs], dtype=np.int64)
    last_index = np.array([bins.last[r[1]] for r in runs], dtype=np.int64)
    centres = np.empty((k, 3))
    uncertainty = np.empty(k)
    for s, run in enumerate(runs):
        used = np.asarray(run[2])
        centres[s] = bins.weighted_xyz[used].sum(axis=0) / bins.weight_sum[used].sum()
        uncertainty[s] = _run_centre(run, bins)[1]
    counts = last_index - first_index + 1
    in_stay = np.zeros(n + 1, dtype=np.int64)
    np.add.at(in_stay, first_index, 1)
    np.add.at(in_stay, last_index + 1, -1)
    inside = np.cumsum(in_stay[:-1]) > 0
    point_stay = np.full(n, -1, dtype=np.int64)
    point_stay[inside] = np.repeat(np.arange(k), counts)
    radius = np.empty(k)
    for stay in range(k):
        lo, hi = first_index[stay], last_index[stay] + 1
        offset = xyz[lo:hi] - centres[stay]
        distance = np.sqrt(np.einsum("ij,ij->i", offset, offset))
        radius[stay] = np.quantile(distance, 0.8)
    gaps = np.diff(t)
    long_gap = np.where(gaps > params.unobserved_gap_s, gaps, 0.0)
    long_gap_cumulative = np.r_[0.0, np.cumsum(long_gap)]
    unobserved = long_gap_cumulative[last_index] - long_gap_cumulative[first_index]
    lat, lon = xyz_to_latlon(centres)
    return StayArrays(
        lat=lat,
        lon=lon,
        radius_m=radius,
        centre_uncertainty_m=uncertainty,
        start_s=t[first_index],
        end_s=t[last_index],
        first_index=first_index,
        last_index=last_index,
        n_points=counts,
        unobserved_s=unobserved,
        point_stay=point_stay,
    )


def _empty(n: int) -> StayArrays:
    empty_f = np.zeros(0)
    empty_i = np.zeros(0, dtype=np.int64)
    return StayArrays(
        lat=empty_f,
        lon=empty_f,
        radius_m=empty_f,
        centre_uncertainty_m=empty_f,
        start_s=empty_f,
        end_s=empty_f,
        first_index=empty_i,
        last_index=empty_i,
        n_points=empty_i,
        unobserved_s=empty_f,
        point_stay=np.full(n, -1, dtype=np.int64),
    )
