"""Speed shortcuts never change a finding.

``match_claims`` shares block classification and per-record quantities between claims at one place
(matching/claim_rows.py) and screens pairs of records before the exact impossible-jump check. Here
each shortcut is compared with a straightforward evaluation kept in this file: the row selection as
it was before sharing (per claim, every quantity gathered afresh) and the jump check over every pair.
Findings must be equal field by field: status, evidence, counts, uncertainty and explanations.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

import matching.claim_rows as claim_rows
from matching.claim_rows import BLOCK_SIZE, ClaimRows, Prepared, prepare
from matching.claims import Claim
from matching.matcher import MatchParameters, Status, _core_slices, _match_prepared, match_claims
from matching.places import PlaceKind
from routing.geodesy import haversine_m
from tests.matching.synthetic_journey import make_journey_claims, make_journey_points


def _distance_to_edge_m(claim: Claim, data: Prepared, rows: np.ndarray) -> np.ndarray:
    """Great-circle distance from the unit vectors, minus the place's radius (not below 0)."""
    phi, lam = math.radians(claim.place.lat), math.radians(claim.place.lon)
    dot = (
        data.unit_x[rows] * (math.cos(phi) * math.cos(lam))
        + data.unit_y[rows] * (math.cos(phi) * math.sin(lam))
        + data.unit_z[rows] * math.sin(phi)
    )
    distance = np.arccos(np.clip(dot, -1.0, 1.0)) * claim_rows.EARTH_RADIUS_M - float(
        claim.place.extent_radius_m
    )
    return np.maximum(distance, 0.0)


def straightforward_rows(data: Prepared, params: MatchParameters):  # noqa: ANN201
    """Row source as the matcher worked before sharing: per claim, classify its full blocks (far from /
    at the place), keep all records of other blocks and the first and last of classified ones, and
    gather every quantity for those records."""

    def source(index: int, claim: Claim, lo: int, hi: int, t0: float, t1: float) -> ClaimRows:
        del index
        block_count = len(data.blocks)
        first_block, end_block = -(-lo // BLOCK_SIZE), min(hi // BLOCK_SIZE, block_count)
        if (
            hi - lo < claim_rows.MIN_ROWS_FOR_BLOCKS
            or claim.place.kind is PlaceKind.COUNTRY
            or end_block <= first_block
        ):
            return claim_rows.rows_record_by_record(claim, data, lo, hi, params)
        blocks, k = data.blocks, slice(first_block, end_block)
        phi, lam = math.radians(claim.place.lat), math.radians(claim.place.lon)
        dot = (
            blocks.centre_x[k] * (math.cos(phi) * math.cos(lam))
            + blocks.centre_y[k] * (math.cos(phi) * math.sin(lam))
            + blocks.centre_z[k] * math.sin(phi)
        )
        centre_distance = np.arccos(np.clip(dot, -1.0, 1.0)) * claim_rows.EARTH_RADIUS_M
        radius = float(claim.place.extent_radius_m)
        lower_bound = np.maximum(
            centre_distance - blocks.cap_radius_m[k] - radius - blocks.max_widening_m[k], 0.0
        )
        far = (lower_bound > 0) & (
            2 * params.travel_time_s(lower_bound) > blocks.max_inner_step_s[k] + 2 * blocks.max_clock_s[k]
        )
        at = (centre_distance + blocks.cap_radius_m[k] - radius <= blocks.min_at_tolerance_m[k]) & (
            blocks.span_s[k] <= params.stay_max_unobserved_s
        )
        if not far.any() and not at.any():
            return claim_rows.rows_record_by_record(claim, data, lo, hi, params)
        rows, far_first = list(range(lo, first_block * BLOCK_SIZE)), []
        far_first = [False] * len(rows)
        for j in range(end_block - first_block):
            start = (first_block + j) * BLOCK_SIZE
            if far[j] or at[j]:
                rows += [start, start + BLOCK_SIZE - 1]
                far_first += [bool(far[j]), False]
            else:
                rows += list(range(start, start + BLOCK_SIZE))
                far_first += [False] * BLOCK_SIZE
        tail = list(range(end_block * BLOCK_SIZE, hi))
        rows, far_first = np.array(rows + tail), np.array(far_first + [False] * len(tail))
        inside_from = int(np.searchsorted(data.t, t0 - data.max_clock_s, "left"))
        inside_to = int(np.searchsorted(data.t, t1 + data.max_clock_s, "left"))

        def inner_inside(flags: np.ndarray) -> int:
            inner_from = (np.flatnonzero(flags) + first_block) * BLOCK_SIZE + 1
            overlap = np.minimum(inner_from + BLOCK_SIZE - 2, inside_to) - np.maximum(inner_from, inside_from)
            return int(np.maximum(overlap, 0).sum())

        distance = _distance_to_edge_m(claim, data, rows)
        return ClaimRows(
            rows=rows,
            t=data.t[rows],
            clock_s=data.clock_s[rows],
            accuracy_m=data.accuracy_m[rows],
            distance_m=distance,
            at_place=distance <= data.at_tolerance_m[rows],
            travel_s=params.travel_time_s(np.maximum(distance - data.impossibility_widening_m[rows], 0.0)),
            far_pair=far_first[:-1],
            far_skipped_in_interval=inner_inside(far),
            far_skipped=int(far.sum()) * (BLOCK_SIZE - 2),
            at_skipped_in_interval=inner_inside(at),
        )

    return source


@pytest.fixture(scope="module")
def journey():  # noqa: ANN201
    return make_journey_points(seed=3), make_journey_claims(seed=3, count=300)


def test_shared_rows_give_the_findings_of_the_straightforward_evaluation(journey) -> None:  # noqa: ANN001
    points, claims = journey
    params = MatchParameters()
    data = prepare(points, params)
    fast = match_claims(claims, points, params=params, route_version="route-1")
    slow = _match_prepared(claims, data, params, "route-1", straightforward_rows(data, params))
    assert len(fast) == len(slow) == 300
    for quick, reference in zip(fast, slow, strict=True):
        assert quick == reference, quick.claim_id
    # The journey exercises what the shortcuts could get wrong.
    statuses = Counter(finding.status for finding in fast)
    judged = (Status.CONSISTENT, Status.INCONSISTENT, Status.NO_DATA, Status.INCONCLUSIVE)
    assert all(statuses[status] >= 10 for status in judged), statuses
    assert any(finding.disregarded_record_ids for finding in fast)
    assert any("contradict each other" in finding.explanation_en for finding in fast)
    assert any(finding.evidence_for and finding.evidence_against for finding in fast)
    intervals = np.array([[when.timestamp() for when in claim.interval_utc()] for claim in claims])
    cores = _core_slices(intervals, data, params.near_window_s)
    shared = claim_rows.SharedRowSource(data, params)
    shared.plan(claims, cores, intervals)
    segments = Counter(shared._span_of.values())
    assert len(segments) >= 10 and max(segments.values()) >= 5  # many claims share a segment


@pytest.mark.parametrize("merge_gap_blocks", [0, 10**9])
def test_segment_merging_does_not_change_findings(journey, monkeypatch, merge_gap_blocks: int) -> None:  # noqa: ANN001
    points, claims = journey
    reference = match_claims(claims, points)
    monkeypatch.setattr(claim_rows, "SEGMENT_MERGE_GAP_BLOCKS", merge_gap_blocks)
    assert match_claims(claims, points) == reference
    one_by_one = [match_claims([claim], points)[0] for claim in claims[:15]]
    assert one_by_one == reference[:15]


def _all_pairs_conflicts(t, lat, lon, accuracy, clock, params: MatchParameters) -> np.ndarray:  # noqa: ANN001
    widen = params.impossibility_accuracy_factor * accuracy + params.impossibility_margin_m
    distance = haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:]) - widen[:-1] - widen[1:]
    needed = params.travel_time_s(np.maximum(distance, 0.0))
    return needed > (t[1:] - t[:-1]) + clock[:-1] + clock[1:]


def _destination(lat: np.ndarray, lon: np.ndarray, bearing: np.ndarray, distance_m: np.ndarray):  # noqa: ANN202
    delta = distance_m / claim_rows.EARTH_RADIUS_M
    phi1, lam1 = np.radians(lat), np.radians(lon)
    phi2 = np.arcsin(np.sin(phi1) * np.cos(delta) + np.cos(phi1) * np.sin(delta) * np.cos(bearing))
    lam2 = lam1 + np.arctan2(
        np.sin(bearing) * np.sin(delta) * np.cos(phi1), np.cos(delta) - np.sin(phi1) * np.sin(phi2)
    )
    return np.degrees(phi2), (np.degrees(lam2) + 540.0) % 360.0 - 180.0


@pytest.mark.parametrize(
    "params",
    [
        MatchParameters(),
        MatchParameters(impossibility_margin_m=0.0, accuracy_floor_m=0.0, impossibility_accuracy_factor=2.0),
        MatchParameters(max_surface_speed_mps=400.0, max_air_speed_mps=300.0, flight_overhead_s=0.0),
    ],
)
def test_pair_screen_equals_checking_every_pair(params: MatchParameters) -> None:
    """Pairs placed within metres of the impossibility threshold, across the antimeridian and near the poles."""
    rng = np.random.default_rng(17)
    n = 40_000
    step_s = rng.choice([0.0, 1.0, 15.0, 600.0, 7_200.0, 86_400.0], n) * rng.uniform(0.5, 1.5, n)
    t = np.cumsum(step_s)
    accuracy = np.maximum(rng.choice([0.0, 5.0, 50.0, 3_000.0, 5_000.0], n), params.accuracy_floor_m)
    clock = rng.choice([0.0, 1.0, 5.0, 90.0], n)
    widen = params.impossibility_accuracy_factor * accuracy + params.impossibility_margin_m
    available = (t[1:] - t[:-1]) + clock[:-1] + clock[1:]
    # The distance at which the fastest mode needs exactly the available time, then a few metres either side.
    reach = np.maximum(
        available * params.max_surface_speed_mps,
        np.maximum(available - params.flight_overhead_s, 0.0) * params.max_air_speed_mps,
    )
    target = np.minimum(widen[:-1] + widen[1:] + reach, 15_000_000.0) + rng.choice(
        [-3.0, -1.0, -0.01, 0.01, 1.0, 3.0], n - 1
    )
    # Pairs (2k, 2k+1) straddle the threshold; pairs (2k+1, 2k+2) join unrelated starts (mostly far apart).
    lat = rng.choice([0.0, 45.0, 70.0, 89.5, -89.5, -60.0], n) + rng.uniform(-0.2, 0.2, n)
    lon = rng.choice([179.95, -179.95, 0.0, 100.0], n) + rng.uniform(-0.04, 0.04, n)
    lat, lon = np.clip(lat, -89.99, 89.99), np.clip(lon, -180.0, 180.0)
    start = np.arange(0, n - 1, 2)
    lat[start + 1], lon[start + 1] = _destination(
        lat[start], lon[start], rng.uniform(0, 2 * np.pi, len(start)), target[start]
    )
    expected = _all_pairs_conflicts(t, lat, lon, accuracy, clock, params)
    got = claim_rows._pair_conflicts(t, lat, lon, accuracy, clock, params)  # noqa: SLF001
    assert 0.2 * n < expected.sum() < 0.8 * n  # the data straddles the threshold
    assert 0.3 * len(start) < expected[start].sum() < 0.7 * len(start)
    assert np.array_equal(got, expected)


def test_prepared_columns_match_their_definitions(journey) -> None:  # noqa: ANN001
    points, _ = journey
    params = MatchParameters()
    data = prepare(points, params)
    phi, lam = np.radians(data.lat), np.radians(data.lon)
    assert np.array_equal(data.unit_x, np.cos(phi) * np.cos(lam))
    assert np.array_equal(data.unit_y, np.cos(phi) * np.sin(lam))
    assert np.array_equal(data.unit_z, np.sin(phi))
    accuracy = data.accuracy_m
    conflicts = _all_pairs_conflicts(data.t, data.lat, data.lon, accuracy, data.clock_s, params)
    assert np.array_equal(data.conflict_pairs, np.flatnonzero(conflicts)) and len(data.conflict_pairs) > 0
    end = len(data.blocks) * BLOCK_SIZE
    for name in claim_rows.BlockEnds.COLUMNS:
        assert np.array_equal(data.block_ends.first[name], getattr(data, name)[0:end:BLOCK_SIZE])
        assert np.array_equal(
            data.block_ends.last[name], getattr(data, name)[BLOCK_SIZE - 1 : end : BLOCK_SIZE]
        )
    for first_pair, end_pair in (
        [(0, 0), (0, len(data.t) - 1), (5, 9)]
        + [(int(i) - 2, int(i) + 1) for i in data.conflict_pairs[:5]]
        + [(int(i) + 1, int(i) + 50) for i in data.conflict_pairs[:5]]
    ):
        assert data.any_conflict(first_pair, end_pair) == bool(conflicts[max(first_pair, 0) : end_pair].any())


def test_inner_rows_inside_counts_like_a_loop() -> None:
    rng = np.random.default_rng(2)
    flags = rng.random(40) < 0.5
    before = np.r_[0, np.cumsum(flags)]
    for _ in range(400):
        first, end = sorted(rng.integers(0, 41, 2))
        inside_from, inside_to = sorted(rng.integers(-40, 40 * BLOCK_SIZE + 40, 2))
        expected = sum(
            1
            for k in range(first, end)
            if flags[k]
            for row in range(k * BLOCK_SIZE + 1, k * BLOCK_SIZE + BLOCK_SIZE - 1)
            if inside_from <= row < inside_to
        )
        got = claim_rows._inner_rows_inside(before, int(first), int(end), int(inside_from), int(inside_to))  # noqa: SLF001
        assert got == expected
