"""Map point selection: windows and boxes are exact, overviews stay within budget and keep every class."""

from __future__ import annotations

import json

import numpy as np
import pytest

from routing.map_points import (
    BoundingBox,
    _bin,
    _coarser,
    bin_rows,
    mercator_pixels,
    select_map_points,
    window_rows,
)


def _walk(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    time_s = np.sort(rng.random(n) * 90 * 86400.0)
    lat = 36.0 + np.cumsum(rng.normal(0, 0.002, n)) + time_s / (90 * 86400.0) * 16
    lon = 37.0 - time_s / (90 * 86400.0) * 24 + rng.normal(0, 0.001, n)
    classes = (rng.random(n) < 0.05).astype(np.int64) + 2 * (rng.random(n) < 0.3)
    return time_s, lat, lon, classes


def test_window_is_inclusive_and_exact() -> None:
    time_s = np.array([0.0, 1.0, 1.0, 2.0, 5.0])
    assert window_rows(time_s, start_s=1.0, end_s=2.0) == (1, 4)
    assert window_rows(time_s, start_s=None, end_s=None) == (0, 5)
    assert window_rows(time_s, start_s=6.0, end_s=None) == (5, 5)
    assert window_rows(time_s, start_s=3.0, end_s=1.0) == (4, 4)  # an empty window


def test_bounding_box_across_the_antimeridian() -> None:
    box = BoundingBox(west=170.0, south=-10.0, east=-170.0, north=10.0)
    inside = box.contains(np.array([0.0, 0.0, 0.0, 20.0]), np.array([175.0, -175.0, 0.0, 175.0]))
    assert inside.tolist() == [True, True, False, False]


def test_full_detail_when_the_selection_fits() -> None:
    time_s, lat, lon, classes = _walk(5_000)
    selection = select_map_points(
        time_s, lat, lon, classes, start_s=86400.0, end_s=2 * 86400.0, max_points=5_000
    )
    expected = np.flatnonzero((time_s >= 86400.0) & (time_s <= 2 * 86400.0))
    assert not selection.simplified and np.array_equal(selection.rows, expected)
    assert selection.total == len(expected)


def test_overview_fits_the_budget_counts_every_point_and_keeps_classes() -> None:
    time_s, lat, lon, classes = _walk(200_000)
    selection = select_map_points(time_s, lat, lon, classes, max_points=3_000)
    assert selection.simplified and 0 < len(selection.rows) <= 3_000
    assert selection.represents is not None and selection.last_time_s is not None
    assert int(selection.represents.sum()) == selection.total == 200_000
    assert set(classes[selection.rows].tolist()) == set(classes.tolist())  # rare classes stay visible
    assert np.all(np.diff(selection.rows) > 0)  # time order
    assert np.all(selection.last_time_s >= time_s[selection.rows])
    # a finer zoom on a window gives more detail there than the overview had
    start, end = 10 * 86400.0, 11 * 86400.0
    window = select_map_points(time_s, lat, lon, classes, start_s=start, end_s=end, zoom=12, max_points=3_000)
    in_overview = np.count_nonzero((time_s[selection.rows] >= start) & (time_s[selection.rows] <= end))
    assert len(window.rows) > in_overview


def test_pinned_rows_are_always_returned_at_full_detail() -> None:
    time_s, lat, lon, classes = _walk(50_000)
    pinned = np.array([7, 31_337, 49_999])
    selection = select_map_points(time_s, lat, lon, classes, max_points=500, always=pinned)
    assert set(pinned.tolist()) <= set(selection.rows.tolist()) and len(selection.rows) <= 500
    assert selection.represents is not None
    assert all(selection.represents[selection.rows == p][0] >= 1 for p in pinned)


def test_bins_group_by_class_and_cell() -> None:
    lat = np.array([10.0, 10.0000001, 10.0, 40.0])
    lon = np.array([20.0, 20.0000001, 20.0, 20.0])
    first, count, last = bin_rows(lat, lon, np.array([0, 0, 1, 0]), zoom=10)
    assert first.tolist() == [0, 2, 3] and count.tolist() == [2, 1, 1] and last.tolist() == [1, 2, 3]


def test_overview_of_a_million_points_is_under_five_megabytes() -> None:
    time_s, lat, lon, classes = _walk(1_000_000, seed=4)
    selection = select_map_points(time_s, lat, lon, classes, max_points=20_000)
    rows = selection.rows
    assert selection.represents is not None
    # the columns the points endpoint sends, with its rounding and typical strings
    payload = {
        "record_id": (rows + 10_000_000).tolist(),
        "time_s": np.round(time_s[rows] + 1.7e9, 3).tolist(),
        "lat": np.round(lat[rows], 6).tolist(),
        "lon": np.round(lon[rows], 6).tolist(),
        "accuracy_m": np.round(np.full(len(rows), 123.4), 1).tolist(),
        "fix_kind": ["gnss"] * len(rows),
        "time_source": ["device_clock"] * len(rows),
        "observation": ["own"] * len(rows),
        "artifact_id": ["android.google_timeline"] * len(rows),
        "flags": [0] * len(rows),
        "country": ["TR"] * len(rows),
        "time_zone": ["Europe/Istanbul"] * len(rows),
        "represents": selection.represents.tolist(),
        "last_time_s": np.round(time_s[rows] + 1.7e9, 3).tolist(),
    }
    size = len(json.dumps(payload, separators=(",", ":")))
    assert len(rows) <= 20_000 and size < 5_000_000, (len(rows), size)


def _reference_bins(
    lat: np.ndarray, lon: np.ndarray, classes: np.ndarray, zoom: int
) -> tuple[list[int], list[int], list[int]]:
    """Binning written the plain way, point by point: first, count and last of each (class, cell)."""
    x, y = mercator_pixels(lat, lon, zoom)
    groups: dict[tuple[int, int, int], list[int]] = {}
    for position, (cls, px, py) in enumerate(
        zip(classes.tolist(), (x // 4).tolist(), (y // 4).tolist(), strict=True)
    ):
        group = groups.setdefault((cls, int(px), int(py)), [position, 0, position])
        group[1] += 1
        group[2] = position
    ordered = sorted(groups.values())
    return [g[0] for g in ordered], [g[1] for g in ordered], [g[2] for g in ordered]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_coarser_levels_from_groups_equal_binning_the_points_there(seed: int) -> None:
    """The selection coarsens from the finer level's groups (a cell's parent is (cx // 2, cy // 2)): every
    level must give exactly the groups of binning the points at that level, checked point by point."""
    time_s, lat, lon, classes = _walk(20_000, seed=seed)
    cells = _bin(lat, lon, classes, zoom=14, cell_px=4)
    while cells.zoom > 6:
        expected = _reference_bins(lat, lon, classes, cells.zoom)
        assert (cells.first.tolist(), cells.count.tolist(), cells.last.tolist()) == expected, cells.zoom
        assert [a.tolist() for a in bin_rows(lat, lon, classes, zoom=cells.zoom)] == list(expected)
        cells = _coarser(cells, 4)
