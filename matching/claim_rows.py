"""Which records the matcher evaluates for a claim, and their per-record quantities.

Preparation runs once per ``match_claims`` call (``prepare``): it drops unusable rows and isolated
impossible jumps, computes unit vectors and per-record tolerances, and summarises blocks of
``BLOCK_SIZE`` consecutive records. For each claim the matcher then needs, for the records around
the claimed interval, the distance to the place's edge, whether each record is at the place and the
shortest plausible travel time to the place (``ClaimRows``).

Blocks that are certainly far from the place, or certainly at it, are reduced to their first and
last record (see ``classify_blocks``); statuses and counts equal a record-by-record evaluation
(``tests/matching/test_matcher.py::test_block_skipping_gives_the_same_findings``). The block
classification depends only on the place, so ``SharedRowSource`` computes it, and the per-record
quantities of the records kept, once per place over the union of its claims' time ranges
(a ``PlaceSegment``) and hands each claim a slice of it. Every number is computed by the same
element-wise formula as for a single claim, so sharing never changes a finding
(``tests/matching/test_matcher_speedups.py``).

Units: times in UTC seconds, distances in metres, angles in degrees at the boundary.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from matching.claims import Claim
from matching.geography import distance_to_country_m
from matching.places import Place, PlaceKind
from matching.points import MatchPoints
from routing.geodesy import EARTH_RADIUS_M, haversine_m

if TYPE_CHECKING:
    from matching.matcher import MatchParameters

BLOCK_SIZE = 32
MIN_ROWS_FOR_BLOCKS = 16 * BLOCK_SIZE  # claims over fewer records are evaluated record by record
SEGMENT_MERGE_GAP_BLOCKS = 64  # claims at one place this close in blocks share one segment
# Screening pairs of consecutive records before the exact impossibility check: a chord shorter than
# this fraction of the reachable distance (capped, so that chord/arc >= 0.9997) can never be a jump.
_SCREEN_FACTOR = 0.998
_SCREEN_CAP_M = 500_000.0
_SCREEN_SLACK_M = 1.0


@dataclass(frozen=True, eq=False)
class Blocks:
    """Summaries of consecutive runs of BLOCK_SIZE points, to skip runs that are certainly far away.

    For block k (points k*B .. k*B+B-1): the centre (unit vector) and the angular radius in metres of a
    cap containing every point, the largest step between consecutive points inside it, and the largest
    clock uncertainty and impossibility widening of its points.
    """

    centre_x: np.ndarray
    centre_y: np.ndarray
    centre_z: np.ndarray
    cap_radius_m: np.ndarray
    max_inner_step_s: np.ndarray
    max_clock_s: np.ndarray
    max_widening_m: np.ndarray
    min_at_tolerance_m: np.ndarray
    span_s: np.ndarray

    def __len__(self) -> int:
        return len(self.centre_x)


@dataclass(frozen=True, eq=False)
class BlockEnds:
    """Per-record columns at the first and the last record of every full block, as contiguous arrays
    (a block certainly far from or at a place is evaluated at these two records only)."""

    first: dict[str, np.ndarray]
    last: dict[str, np.ndarray]

    COLUMNS = ("t", "clock_s", "accuracy_m", "unit_x", "unit_y", "unit_z", "at_tolerance_m",
               "impossibility_widening_m")  # fmt: skip

    @classmethod
    def of(cls, columns: dict[str, np.ndarray], block_count: int) -> BlockEnds:
        end = block_count * BLOCK_SIZE
        return cls(
            first={name: columns[name][0:end:BLOCK_SIZE].copy() for name in cls.COLUMNS},
            last={name: columns[name][BLOCK_SIZE - 1 : end : BLOCK_SIZE].copy() for name in cls.COLUMNS},
        )


@dataclass(frozen=True, eq=False)
class Prepared:
    """Usable points after disregarding isolated impossible jumps, with per-point tolerances."""

    t: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    accuracy_m: np.ndarray
    clock_s: np.ndarray
    record_id: np.ndarray
    conflict_pairs: np.ndarray  # i where the jump from point i to i+1 is itself impossible (sorted)
    disregarded_t: np.ndarray
    disregarded_id: np.ndarray
    max_clock_s: float
    unit_x: np.ndarray  # unit vectors on the sphere, for fast great-circle distances
    unit_y: np.ndarray
    unit_z: np.ndarray
    at_tolerance_m: np.ndarray  # at_place_accuracy_factor x accuracy
    impossibility_widening_m: np.ndarray  # impossibility_accuracy_factor x accuracy + margin
    blocks: Blocks
    block_ends: BlockEnds

    def any_conflict(self, first_pair: int, end_pair: int) -> bool:
        """Whether any pair i in [first_pair, end_pair) is an impossible jump."""
        if end_pair <= first_pair:
            return False
        position = int(np.searchsorted(self.conflict_pairs, first_pair, "left"))
        return position < len(self.conflict_pairs) and int(self.conflict_pairs[position]) < end_pair


def _block_summaries(
    t: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    clock: np.ndarray,
    widening: np.ndarray,
    at_tolerance: np.ndarray,
) -> Blocks:
    count = len(t) // BLOCK_SIZE  # only full blocks; the tail is always evaluated point by point
    size = count * BLOCK_SIZE
    shape = (count, BLOCK_SIZE)
    bx, by, bz = (a[:size].reshape(shape) for a in (x, y, z))
    cx, cy, cz = bx.mean(axis=1), by.mean(axis=1), bz.mean(axis=1)
    norm = np.sqrt(cx * cx + cy * cy + cz * cz)
    norm[norm == 0] = 1.0
    cx, cy, cz = cx / norm, cy / norm, cz / norm
    dots = bx * cx[:, None]  # = bx*cx + by*cy + bz*cz, summed in that order, without temporaries
    term = by * cy[:, None]
    dots += term
    np.multiply(bz, cz[:, None], out=term)
    dots += term
    del term
    cap = np.arccos(np.clip(dots.min(axis=1), -1.0, 1.0)) * EARTH_RADIUS_M + 1.0  # +1 m for rounding
    steps = np.diff(t[:size].reshape(shape), axis=1).max(axis=1) if count else np.zeros(0)
    return Blocks(
        centre_x=cx,
        centre_y=cy,
        centre_z=cz,
        cap_radius_m=cap,
        max_inner_step_s=steps,
        max_clock_s=clock[:size].reshape(shape).max(axis=1),
        max_widening_m=widening[:size].reshape(shape).max(axis=1),
        min_at_tolerance_m=at_tolerance[:size].reshape(shape).min(axis=1),
        span_s=t[BLOCK_SIZE - 1 : size : BLOCK_SIZE] - t[0:size:BLOCK_SIZE],
    )


def _effective_accuracy(points: MatchPoints, params: MatchParameters) -> np.ndarray:
    accuracy = np.where(np.isfinite(points.accuracy_m), points.accuracy_m, params.unknown_accuracy_m)
    return np.maximum(accuracy, params.accuracy_floor_m)


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    phi = np.radians(lat)
    lam = np.radians(lon)
    cos_phi = np.cos(phi)
    x = np.cos(lam)
    x *= cos_phi
    y = np.sin(lam, out=lam)
    y *= cos_phi
    return x, y, np.sin(phi, out=phi)


def _pair_conflicts(
    t: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    accuracy: np.ndarray,
    clock: np.ndarray,
    params: MatchParameters,
) -> np.ndarray:
    """conflict[i]: moving from point i to point i+1 is impossible even with every uncertainty widened.

    The exact check (haversine distance minus both widenings; shortest plausible travel time against
    the time step plus both clock uncertainties) runs only on pairs that pass a screen. The arc between
    two positions is at most R x (|dlat| + |dlon|) in radians (along a parallel, then a meridian), and
    a pair can only be a conflict when the arc exceeds both widenings plus the distance reachable at
    surface speed in the time step: a pair whose upper bound is below the smallest possible widenings
    plus that distance, minus ``_SCREEN_SLACK_M``, is no conflict. The result equals checking every pair.
    """
    if len(t) < 2:
        return np.zeros(max(len(t) - 1, 0), dtype=bool)
    smallest_widening = (
        params.impossibility_accuracy_factor * float(accuracy.min()) + params.impossibility_margin_m
    )
    reach_floor_m = 2 * smallest_widening - _SCREEN_SLACK_M
    upper_m = np.subtract(lat[1:], lat[:-1])
    np.abs(upper_m, out=upper_m)
    dlon = np.subtract(lon[1:], lon[:-1])
    np.abs(dlon, out=dlon)
    if dlon.max() > 180.0:
        np.minimum(dlon, 360.0 - dlon, out=dlon)
    upper_m += dlon
    del dlon
    upper_m *= math.radians(1.0) * EARTH_RADIUS_M
    step_reach_m = np.subtract(t[1:], t[:-1])
    step_reach_m *= params.max_surface_speed_mps
    upper_m -= step_reach_m
    del step_reach_m
    candidates = np.flatnonzero(upper_m > reach_floor_m)
    del upper_m
    conflict = np.zeros(len(t) - 1, dtype=bool)
    if len(candidates):
        after = candidates + 1
        widen_before = (
            params.impossibility_accuracy_factor * accuracy[candidates] + params.impossibility_margin_m
        )
        widen_after = params.impossibility_accuracy_factor * accuracy[after] + params.impossibility_margin_m
        distance = (
            haversine_m(lat[candidates], lon[candidates], lat[after], lon[after]) - widen_before - widen_after
        )
        needed = params.travel_time_s(np.maximum(distance, 0.0))
        available = (t[after] - t[candidates]) + clock[candidates] + clock[after]
        conflict[candidates] = needed > available
    return conflict


def prepare(points: MatchPoints, params: MatchParameters) -> Prepared:
    """Usable records, isolated impossible jumps disregarded, tolerances and block summaries (once per call)."""
    if points.usable.all():
        t, lat, lon = points.time_utc_s, points.lat, points.lon
        accuracy = _effective_accuracy(points, params)
        clock, record_id = points.clock_uncertainty_s, points.record_id
    else:
        keep = np.flatnonzero(points.usable)
        t, lat, lon = points.time_utc_s[keep], points.lat[keep], points.lon[keep]
        accuracy = _effective_accuracy(points, params)[keep]
        clock, record_id = points.clock_uncertainty_s[keep], points.record_id[keep]
    conflict = _pair_conflicts(t, lat, lon, accuracy, clock, params)
    spike = np.zeros(len(t), dtype=bool)
    candidates = (
        np.flatnonzero(conflict[:-1] & conflict[1:]) + 1 if len(t) >= 3 else np.zeros(0, dtype=np.int64)
    )
    if len(candidates):
        # A spike: impossible from both neighbours, while the neighbours agree with each other.
        before, after = candidates - 1, candidates + 1
        widen = params.impossibility_accuracy_factor * accuracy + params.impossibility_margin_m
        gap_m = haversine_m(lat[before], lon[before], lat[after], lon[after]) - widen[before] - widen[after]
        needed = params.travel_time_s(np.maximum(gap_m, 0.0))
        neighbours_agree = needed <= (t[after] - t[before]) + clock[before] + clock[after]
        spike[candidates[neighbours_agree]] = True
    if spike.any():
        disregarded_t, disregarded_id = t[spike], record_id[spike]
        kept = ~spike
        t, lat, lon, accuracy, clock, record_id = (a[kept] for a in (t, lat, lon, accuracy, clock, record_id))
        if np.any(spike[1:] & spike[:-1]):  # adjacent spikes: recompute every pair
            conflict = _pair_conflicts(t, lat, lon, accuracy, clock, params)
        else:
            # The pair bridging each removed spike is one whose neighbours agree: no conflict.
            spikes = np.flatnonzero(spike)
            bridged = conflict.copy()
            bridged[spikes - 1] = False
            keep_pair = np.ones(len(conflict), dtype=bool)
            keep_pair[spikes] = False
            conflict = bridged[keep_pair]
    else:
        disregarded_t, disregarded_id = np.empty(0), np.empty(0, dtype=np.int64)
    unit_x, unit_y, unit_z = _unit_vectors(lat, lon)
    widening = params.impossibility_accuracy_factor * accuracy + params.impossibility_margin_m
    at_tolerance = params.at_place_accuracy_factor * accuracy
    blocks = _block_summaries(t, unit_x, unit_y, unit_z, clock, widening, at_tolerance)
    columns = {"t": t, "clock_s": clock, "accuracy_m": accuracy, "unit_x": unit_x, "unit_y": unit_y,
               "unit_z": unit_z, "at_tolerance_m": at_tolerance, "impossibility_widening_m": widening}  # fmt: skip
    return Prepared(
        unit_x=unit_x,
        unit_y=unit_y,
        unit_z=unit_z,
        at_tolerance_m=at_tolerance,
        impossibility_widening_m=widening,
        blocks=blocks,
        block_ends=BlockEnds.of(columns, len(blocks)),
        t=t,
        lat=lat,
        lon=lon,
        accuracy_m=accuracy,
        clock_s=clock,
        record_id=record_id,
        conflict_pairs=np.flatnonzero(conflict),
        disregarded_t=disregarded_t,
        disregarded_id=disregarded_id,
        max_clock_s=float(clock.max()) if len(clock) else 0.0,
    )


def _place_unit(place: Place) -> tuple[float, float, float]:
    phi = math.radians(place.lat)
    lam = math.radians(place.lon)
    return math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)


def edge_distance_m(
    place: Place, data: Prepared, rows: slice | np.ndarray, params: MatchParameters
) -> np.ndarray:
    """Distance in metres from each point of ``rows`` to the edge of the place (0 inside)."""
    if place.kind is PlaceKind.COUNTRY:
        iso2 = place.country_iso2 or ""
        distance = distance_to_country_m(iso2, data.lat[rows], data.lon[rows])
        return np.maximum(distance - params.country_border_tolerance_m, 0.0)
    return _radius_edge_distance_m(place, data.unit_x[rows], data.unit_y[rows], data.unit_z[rows])


def _radius_edge_distance_m(place: Place, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    px, py, pz = _place_unit(place)
    dot = x * px + y * py + z * pz
    np.minimum(dot, 1.0, out=dot)  # clip to [-1, 1] (same values as np.clip, less call overhead)
    np.maximum(dot, -1.0, out=dot)
    distance = np.arccos(dot)
    distance *= EARTH_RADIUS_M
    distance -= float(place.extent_radius_m or 0.0)
    return np.maximum(distance, 0.0, out=distance)


def classify_blocks(
    place: Place, blocks: Blocks, first_block: int, end_block: int, params: MatchParameters
) -> tuple[np.ndarray, np.ndarray]:
    """(far, at) flags for blocks [first_block, end_block) relative to a place with a radius.

    - A *far* block: every point is so far from the place that no window between two consecutive
      points can be open (twice the smallest travel time exceeds the largest step plus twice the
      largest clock uncertainty). Only its first and last point are evaluated and the pair between
      them is closed: the same result as evaluating every point. Skipped points count as records away.
    - An *at* block: every point is at the place (upper bound of the distance within the smallest
      at-place tolerance) and the block spans at most ``stay_max_unobserved_s``. Only its first and
      last point are evaluated; the pair between them keeps its ordinary window (travel time 0 at both
      ends), which equals the union of the inner windows. Skipped points count as records at the place.
    """
    px, py, pz = _place_unit(place)
    k = slice(first_block, end_block)
    dot = blocks.centre_x[k] * px + blocks.centre_y[k] * py + blocks.centre_z[k] * pz
    centre_distance = np.arccos(np.clip(dot, -1.0, 1.0)) * EARTH_RADIUS_M
    radius = float(place.extent_radius_m or 0.0)
    nearest_edge = centre_distance - blocks.cap_radius_m[k] - radius
    farthest_edge = centre_distance + blocks.cap_radius_m[k] - radius
    lower_bound = np.maximum(nearest_edge - blocks.max_widening_m[k], 0.0)
    smallest_travel = params.travel_time_s(lower_bound)
    far = (lower_bound > 0) & (2 * smallest_travel > blocks.max_inner_step_s[k] + 2 * blocks.max_clock_s[k])
    at = (farthest_edge <= blocks.min_at_tolerance_m[k]) & (blocks.span_s[k] <= params.stay_max_unobserved_s)
    return far, at


@dataclass(frozen=True, eq=False)
class ClaimRows:
    """The records evaluated for one claim (time order) and their quantities.

    ``rows``: indices into the prepared arrays. ``distance_m``: to the place's edge. ``travel_s``:
    shortest plausible travel time to the place after widening every uncertainty. ``far_pair[i]``:
    the pair (rows[i], rows[i+1]) jumps over the inner records of a far block (no window between
    them); None when no block was skipped. The counts are records skipped inside far blocks (in the
    claimed interval widened by the largest clock uncertainty, and in all) and inside at-place blocks
    (in the widened interval).
    """

    rows: np.ndarray
    t: np.ndarray
    clock_s: np.ndarray
    accuracy_m: np.ndarray
    distance_m: np.ndarray
    at_place: np.ndarray
    travel_s: np.ndarray
    far_pair: np.ndarray | None = None
    far_skipped_in_interval: int = 0
    far_skipped: int = 0
    at_skipped_in_interval: int = 0


class RowSource(Protocol):
    """Gives the evaluated records of one claim whose core slice of records is [lo, hi)."""

    def __call__(
        self, index: int, claim: Claim, lo: int, hi: int, t0: float, t1: float
    ) -> ClaimRows: ...  # pragma: no cover


def rows_record_by_record(
    claim: Claim, data: Prepared, lo: int, hi: int, params: MatchParameters
) -> ClaimRows:
    """Every record of [lo, hi), no block skipped."""
    rows = slice(lo, hi)
    distance = edge_distance_m(claim.place, data, rows, params)
    lower_bound = np.maximum(distance - data.impossibility_widening_m[rows], 0.0)
    return ClaimRows(
        rows=np.arange(lo, hi),
        t=data.t[rows],
        clock_s=data.clock_s[rows],
        accuracy_m=data.accuracy_m[rows],
        distance_m=distance,
        at_place=distance <= data.at_tolerance_m[rows],
        travel_s=params.travel_time_s(lower_bound),
    )


def block_range(lo: int, hi: int, block_count: int) -> tuple[int, int]:
    """The full blocks inside [lo, hi): [first_block, end_block) (empty when end <= first)."""
    return -(-lo // BLOCK_SIZE), min(hi // BLOCK_SIZE, block_count)


def uses_blocks(claim: Claim, lo: int, hi: int, block_count: int) -> bool:
    """Whether block skipping applies to a claim with core slice [lo, hi)."""
    if hi - lo < MIN_ROWS_FOR_BLOCKS or claim.place.kind is PlaceKind.COUNTRY:
        return False
    first_block, end_block = block_range(lo, hi, block_count)
    return end_block > first_block


def _inner_rows_inside(
    flagged_before: np.ndarray, first_block: int, end_block: int, inside_from: int, inside_to: int
) -> int:
    """Inner records (all but first and last) of flagged blocks in [first_block, end_block) that lie in
    rows [inside_from, inside_to). ``flagged_before[j]``: flagged blocks among the segment's first j
    blocks; block numbers here are relative to the segment."""
    block_from = max(first_block, inside_from // BLOCK_SIZE)
    block_to = min(end_block, (inside_to - 1) // BLOCK_SIZE + 1)
    if inside_to <= inside_from or block_to <= block_from:
        return 0

    def overlap(k: int) -> int:
        if flagged_before[k + 1] == flagged_before[k]:
            return 0
        inner_from = k * BLOCK_SIZE + 1
        return max(min(inner_from + BLOCK_SIZE - 2, inside_to) - max(inner_from, inside_from), 0)

    total = overlap(block_from)
    if block_to - 1 > block_from:
        total += overlap(block_to - 1)
        total += (BLOCK_SIZE - 2) * int(flagged_before[block_to - 1] - flagged_before[block_from + 1])
    return total


_COLUMNS = ("rows", "t", "clock_s", "accuracy_m", "distance_m", "at_place", "travel_s")


def _quantities(
    place: Place, data: Prepared, rows: np.ndarray, params: MatchParameters
) -> dict[str, np.ndarray]:
    """Columns of ClaimRows for the given rows of a place with a radius (element-wise formulas)."""
    distance = _radius_edge_distance_m(place, data.unit_x[rows], data.unit_y[rows], data.unit_z[rows])
    lower_bound = np.maximum(distance - data.impossibility_widening_m[rows], 0.0)
    return {
        "rows": rows,
        "t": data.t[rows],
        "clock_s": data.clock_s[rows],
        "accuracy_m": data.accuracy_m[rows],
        "distance_m": distance,
        "at_place": distance <= data.at_tolerance_m[rows],
        "travel_s": params.travel_time_s(lower_bound),
    }


@dataclass(frozen=True, eq=False)
class PlaceSegment:
    """Block classification and evaluated records for one place over blocks [first_block, end_block).

    ``columns``: the evaluated records of the blocks in time order (see ``_COLUMNS``); ``offset[j]``
    is the position of the first evaluated record of block first_block + j. ``far_first[i]``: record
    i is the first of a far block. ``*_before[j]``: far / at blocks among the first j blocks.
    ``edge_columns``: every record of the blocks in ``edge_blocks`` (sorted), the partial blocks at
    the ends of the claims' slices; ``edge_offset[m]`` is where block edge_blocks[m] starts there.
    """

    first_block: int
    end_block: int
    offset: np.ndarray
    far_before: np.ndarray
    at_before: np.ndarray
    far_first: np.ndarray
    columns: dict[str, np.ndarray]
    edge_blocks: np.ndarray
    edge_offset: np.ndarray
    edge_columns: dict[str, np.ndarray]

    @classmethod
    def build(
        cls,
        place: Place,
        data: Prepared,
        first_block: int,
        end_block: int,
        edge_blocks: np.ndarray,
        params: MatchParameters,
    ) -> PlaceSegment:
        far, at = classify_blocks(place, data.blocks, first_block, end_block, params)
        skipped = far | at
        per_block = np.where(skipped, 2, BLOCK_SIZE)
        offset = np.zeros(len(per_block) + 1, dtype=np.int64)
        np.cumsum(per_block, out=offset[1:])
        total = int(offset[-1])
        n = len(data.t)
        # Evaluated rows: all of an ordinary block, the first and last of a skipped one. Skipped blocks
        # take their columns from the contiguous block ends; ordinary blocks and the edge blocks are
        # computed from the full columns in one go.
        skipped_blocks = np.flatnonzero(skipped)
        ordinary_blocks = np.flatnonzero(~skipped)
        within = np.arange(BLOCK_SIZE, dtype=np.int64)
        ordinary_rows = ((ordinary_blocks + first_block)[:, None] * BLOCK_SIZE + within).ravel()
        edge_length = np.minimum(n - edge_blocks * BLOCK_SIZE, BLOCK_SIZE)
        edge_offset = np.zeros(len(edge_blocks) + 1, dtype=np.int64)
        np.cumsum(edge_length, out=edge_offset[1:])
        edge_rows = np.repeat(edge_blocks * BLOCK_SIZE - edge_offset[:-1], edge_length) + np.arange(
            edge_offset[-1], dtype=np.int64
        )
        full = _quantities(place, data, np.concatenate((ordinary_rows, edge_rows)), params)
        split = len(ordinary_rows)
        ends = slice(first_block, end_block)
        first_distance = _radius_edge_distance_m(
            place, data.block_ends.first["unit_x"][ends], data.block_ends.first["unit_y"][ends],
            data.block_ends.first["unit_z"][ends],
        )  # fmt: skip
        last_distance = _radius_edge_distance_m(
            place, data.block_ends.last["unit_x"][ends], data.block_ends.last["unit_y"][ends],
            data.block_ends.last["unit_z"][ends],
        )  # fmt: skip
        first_position = offset[skipped_blocks]
        ordinary_position = (offset[ordinary_blocks][:, None] + within).ravel()
        block_row = np.arange(first_block, end_block, dtype=np.int64) * BLOCK_SIZE

        def fill(first: np.ndarray, last: np.ndarray, ordinary: np.ndarray) -> np.ndarray:
            out = np.empty(total, dtype=ordinary.dtype)
            out[first_position] = first[skipped_blocks]
            out[first_position + 1] = last[skipped_blocks]
            out[ordinary_position] = ordinary[:split]
            return out

        def ends_of(name: str) -> tuple[np.ndarray, np.ndarray]:
            return data.block_ends.first[name][ends], data.block_ends.last[name][ends]

        distance = fill(first_distance, last_distance, full["distance_m"])
        widening = fill(*ends_of("impossibility_widening_m"), data.impossibility_widening_m[ordinary_rows])
        at_tolerance = fill(*ends_of("at_tolerance_m"), data.at_tolerance_m[ordinary_rows])
        columns = {
            "rows": fill(block_row, block_row + (BLOCK_SIZE - 1), full["rows"]),
            "t": fill(*ends_of("t"), full["t"]),
            "clock_s": fill(*ends_of("clock_s"), full["clock_s"]),
            "accuracy_m": fill(*ends_of("accuracy_m"), full["accuracy_m"]),
            "distance_m": distance,
            "at_place": distance <= at_tolerance,
            "travel_s": params.travel_time_s(np.maximum(distance - widening, 0.0)),
        }
        far_first = np.zeros(total, dtype=bool)
        far_first[offset[np.flatnonzero(far)]] = True

        def before(flags: np.ndarray) -> np.ndarray:
            counts = np.zeros(len(flags) + 1, dtype=np.int64)
            np.cumsum(flags, out=counts[1:])
            return counts

        return cls(
            first_block=first_block,
            end_block=end_block,
            offset=offset,
            far_before=before(far),
            at_before=before(at),
            far_first=far_first,
            columns=columns,
            edge_blocks=edge_blocks,
            edge_offset=edge_offset,
            edge_columns={name: column[split:] for name, column in full.items()},
        )

    def _edge(self, block: int, start: int, stop: int) -> tuple[int, int]:
        """Positions in edge_columns of rows [start, stop) of an edge block."""
        base = int(self.edge_offset[int(np.searchsorted(self.edge_blocks, block))]) - block * BLOCK_SIZE
        return base + start, base + stop

    def claim_rows(
        self, data: Prepared, lo: int, hi: int, inside_from: int, inside_to: int
    ) -> ClaimRows | None:
        """The rows of a claim with core slice [lo, hi) whose full blocks lie inside this segment, or
        None when no block of it is skipped (then every record is evaluated). ``inside_from`` /
        ``inside_to``: rows within the claimed interval widened by the largest clock uncertainty."""
        first_block, end_block = block_range(lo, hi, len(data.blocks))
        j0, j1 = first_block - self.first_block, end_block - self.first_block
        far_count = int(self.far_before[j1] - self.far_before[j0])
        at_count = int(self.at_before[j1] - self.at_before[j0])
        if far_count == 0 and at_count == 0:
            return None
        a, b = int(self.offset[j0]), int(self.offset[j1])
        head_end, tail_start = first_block * BLOCK_SIZE, end_block * BLOCK_SIZE
        parts = [(self.columns, a, b)]
        if lo < head_end:
            parts.insert(0, (self.edge_columns, *self._edge(first_block - 1, lo, head_end)))
        if tail_start < hi:
            parts.append((self.edge_columns, *self._edge(end_block, tail_start, hi)))
        joined = {
            name: np.concatenate([source[name][start:stop] for source, start, stop in parts])
            for name in _COLUMNS
        }
        far_first = np.zeros(len(joined["t"]), dtype=bool)
        far_first[head_end - lo : head_end - lo + b - a] = self.far_first[a:b]
        base = self.first_block * BLOCK_SIZE
        return ClaimRows(
            **joined,
            far_pair=far_first[:-1],
            far_skipped_in_interval=_inner_rows_inside(
                self.far_before, j0, j1, inside_from - base, inside_to - base
            ),
            far_skipped=far_count * (BLOCK_SIZE - 2),
            at_skipped_in_interval=_inner_rows_inside(
                self.at_before, j0, j1, inside_from - base, inside_to - base
            ),
        )


def _place_key(place: Place) -> tuple[float, float, float]:
    return (place.lat, place.lon, float(place.extent_radius_m or 0.0))


class SharedRowSource:
    """Row source that shares block classification and per-record quantities between claims at one place.

    ``plan`` takes every claim's core slice (None for claims that need no rows) and, per place, merges
    the block ranges of its claims into segments (ranges closer than ``SEGMENT_MERGE_GAP_BLOCKS``
    share one). Claims without blocks are evaluated record by record. A segment is built when its
    first claim is evaluated and released after its last, so memory stays bounded by one segment.
    """

    def __init__(self, data: Prepared, params: MatchParameters) -> None:
        self._data = data
        self._params = params
        self._spans: list[tuple[Place, int, int, list[int]]] = []  # place, blocks, claim indices
        self._span_of: dict[int, int] = {}  # claim index -> segment number
        self._remaining: list[int] = []  # claims still to be evaluated per segment
        self._built: dict[int, PlaceSegment] = {}
        self._cores: Sequence[tuple[int, int] | None] = ()
        self._inside: dict[int, tuple[int, int]] = {}

    def plan(
        self, claims: Sequence[Claim], cores: Sequence[tuple[int, int] | None], intervals: np.ndarray
    ) -> list[int]:
        """Plan the segments; returns the order in which to evaluate the claims (grouped by segment,
        so that each segment is built once and released after its last claim). ``intervals``: (t0, t1)
        of each claim, shape (len(claims), 2)."""
        self._cores = cores
        ranges: dict[tuple[float, float, float], list[tuple[int, int, int]]] = {}
        place_of: dict[tuple[float, float, float], Place] = {}
        block_count = len(self._data.blocks)
        alone = []
        for index, (claim, core) in enumerate(zip(claims, cores, strict=True)):
            if core is None or not uses_blocks(claim, core[0], core[1], block_count):
                alone.append(index)
                continue
            key = _place_key(claim.place)
            place_of.setdefault(key, claim.place)
            ranges.setdefault(key, []).append((*block_range(core[0], core[1], block_count), index))
        order = alone
        for key, claim_ranges in ranges.items():
            claim_ranges.sort()
            group: list[int] = []
            group_first, group_end = claim_ranges[0][0], claim_ranges[0][1]
            for first_block, end_block, index in claim_ranges:
                if first_block > group_end + SEGMENT_MERGE_GAP_BLOCKS:
                    self._add_span(place_of[key], group_first, group_end, group)
                    group, group_first, group_end = [], first_block, end_block
                group.append(index)
                group_end = max(group_end, end_block)
            self._add_span(place_of[key], group_first, group_end, group)
            order.extend(index for _, _, index in claim_ranges)
        planned = np.array(sorted(self._span_of), dtype=np.int64)
        if len(planned):
            # Skipped rows within the interval (widened by the largest clock uncertainty: counts for the text).
            inside_from = np.searchsorted(
                self._data.t, intervals[planned, 0] - self._data.max_clock_s, "left"
            )
            inside_to = np.searchsorted(self._data.t, intervals[planned, 1] + self._data.max_clock_s, "left")
            self._inside = dict(
                zip(planned.tolist(), zip(inside_from.tolist(), inside_to.tolist(), strict=True), strict=True)
            )
        return order

    def _add_span(self, place: Place, first_block: int, end_block: int, indices: list[int]) -> None:
        for index in indices:
            self._span_of[index] = len(self._spans)
        self._spans.append((place, first_block, end_block, indices))
        self._remaining.append(len(indices))

    def _segment(self, span: int) -> PlaceSegment:
        segment = self._built.get(span)
        if segment is None:
            place, first_block, end_block, indices = self._spans[span]
            block_count = len(self._data.blocks)
            edges = set()
            for index in indices:
                lo, hi = self._cores[index]  # type: ignore[misc]
                claim_first, claim_end = block_range(lo, hi, block_count)
                if lo < claim_first * BLOCK_SIZE:
                    edges.add(claim_first - 1)
                if claim_end * BLOCK_SIZE < hi:
                    edges.add(claim_end)
            edge_blocks = np.array(sorted(edges), dtype=np.int64)
            segment = PlaceSegment.build(place, self._data, first_block, end_block, edge_blocks, self._params)
            self._built[span] = segment
        self._remaining[span] -= 1
        if self._remaining[span] == 0:
            del self._built[span]
        return segment

    def __call__(self, index: int, claim: Claim, lo: int, hi: int, t0: float, t1: float) -> ClaimRows:
        span = self._span_of.get(index)
        if span is not None:
            rows = self._segment(span).claim_rows(self._data, lo, hi, *self._inside[index])
            if rows is not None:
                return rows
        return rows_record_by_record(claim, self._data, lo, hi, self._params)
