"""Which of a route's points a map draws: a time window and a bounding box at full detail, or — when that
holds more points than a map can usefully draw — one representative per screen cell.

Pure functions over the route's point columns (sorted by time). Binning works on the Web Mercator pixel
grid of a zoom level (256 × 2**zoom pixels around the world, as slippy maps use): points of the same
*class* (fix kind, set aside or not, own or received) falling into the same ``cell_px`` × ``cell_px``
pixel cell are drawn as their first point in time, which carries how many points it stands for and the
time of the last of them. A class never swallows another, so set-aside and received points stay visible
next to the device's own fixes. Coarser zoom levels are tried until the result fits ``max_points``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_ZOOM = 22
DEFAULT_CELL_PX = 4
OVERVIEW_EXTRA_ZOOM = 2
WORLD_PX_AT_ZOOM_0 = 256.0
MAX_MERCATOR_LAT = 85.05112878


@dataclass(frozen=True, eq=False)
class BoundingBox:
    """WGS84 degrees; ``west > east`` means the box crosses the antimeridian."""

    west: float
    south: float
    east: float
    north: float

    def contains(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        inside_lat = (lat >= self.south) & (lat <= self.north)
        if self.west <= self.east:
            return inside_lat & (lon >= self.west) & (lon <= self.east)
        return inside_lat & ((lon >= self.west) | (lon <= self.east))


@dataclass(frozen=True, eq=False)
class MapSelection:
    """Rows (indices into the columns, time order) a map should draw.

    ``represents[i]`` is how many points row ``rows[i]`` stands for and ``last_time_s[i]`` the time of the
    last of them (both None at full detail). ``total`` counts the points in the window and box;
    ``zoom`` is the grid's zoom level when binned.
    """

    rows: np.ndarray
    represents: np.ndarray | None
    last_time_s: np.ndarray | None
    total: int
    zoom: int | None

    @property
    def simplified(self) -> bool:
        return self.represents is not None


def window_rows(time_s: np.ndarray, *, start_s: float | None, end_s: float | None) -> tuple[int, int]:
    """[first, stop) of the rows with ``start_s <= time_s <= end_s`` (``time_s`` sorted, UTC seconds)."""
    first = 0 if start_s is None else int(np.searchsorted(time_s, start_s, side="left"))
    stop = len(time_s) if end_s is None else int(np.searchsorted(time_s, end_s, side="right"))
    return first, max(first, stop)


def mercator_pixels(lat: np.ndarray, lon: np.ndarray, zoom: int) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator pixel coordinates (x east, y south) at ``zoom``."""
    size = WORLD_PX_AT_ZOOM_0 * 2.0**zoom
    phi = np.radians(np.clip(lat, -MAX_MERCATOR_LAT, MAX_MERCATOR_LAT))
    x = (np.asarray(lon, dtype=np.float64) + 180.0) / 360.0 * size
    y = (1.0 - np.log(np.tan(phi) + 1.0 / np.cos(phi)) / np.pi) / 2.0 * size
    return x, y


def fitting_zoom(lat: np.ndarray, lon: np.ndarray, *, viewport_px: float = 1024.0) -> int:
    """The zoom level at which the points' extent spans about ``viewport_px`` pixels."""
    if len(lat) == 0:
        return 0
    span_deg = max(float(np.ptp(lon)), float(np.ptp(lat)) * 1.5, 1e-6)
    zoom = np.log2(viewport_px * 360.0 / (span_deg * WORLD_PX_AT_ZOOM_0))
    return int(np.clip(np.floor(zoom), 0, MAX_ZOOM))


def _cells_per_axis(zoom: int, cell_px: int) -> int:
    return int(WORLD_PX_AT_ZOOM_0 * 2**zoom // cell_px) + 1


@dataclass(frozen=True, eq=False)
class _Cells:
    """Groups of points, one per (class, pixel cell) at ``zoom``, in time order of their first point."""

    zoom: int
    first: np.ndarray  # position of the group's first point
    count: np.ndarray
    last: np.ndarray  # position of its last point
    classes: np.ndarray
    cx: np.ndarray
    cy: np.ndarray


def _group(
    zoom: int,
    cell_px: int,
    classes: np.ndarray,
    cx: np.ndarray,
    cy: np.ndarray,
    first: np.ndarray | None,
    count: np.ndarray | None,
    last: np.ndarray | None,
) -> _Cells:
    """Merge items that share a class and cell — points in time order (``first`` None), or the groups of a
    finer level — by one stable sort by cell key, then the first, count and last of each run."""
    cells = _cells_per_axis(zoom, cell_px)
    key = (classes * cells + cy) * cells + cx
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_key[1:] != sorted_key[:-1])))
    sample = order[starts]
    if first is None or count is None or last is None:  # points in time order: a stable sort keeps runs so
        ends = np.append(starts[1:], len(order))
        group_first, group_count, group_last = sample, ends - starts, order[ends - 1]
    else:
        group_first = np.minimum.reduceat(first[order], starts)
        group_count = np.add.reduceat(count[order], starts)
        group_last = np.maximum.reduceat(last[order], starts)
    by_time = np.argsort(group_first, kind="stable")
    return _Cells(
        zoom,
        group_first[by_time],
        group_count[by_time],
        group_last[by_time],
        classes[sample][by_time],
        cx[sample][by_time],
        cy[sample][by_time],
    )


def _bin(lat: np.ndarray, lon: np.ndarray, classes: np.ndarray, *, zoom: int, cell_px: int) -> _Cells:
    x, y = mercator_pixels(lat, lon, zoom)
    top = _cells_per_axis(zoom, cell_px) - 1
    cx = np.clip((x // cell_px).astype(np.int64), 0, top)
    cy = np.clip((y // cell_px).astype(np.int64), 0, top)
    return _group(zoom, cell_px, np.asarray(classes, dtype=np.int64), cx, cy, None, None, None)


def _coarser(cells: _Cells, cell_px: int) -> _Cells:
    """The groups one zoom level out, from this level's groups instead of the points: at the next level out
    every pixel coordinate halves, so a cell's parent is (cx // 2, cy // 2) — the same groups as binning
    the points there, at the cost of the (far fewer) groups."""
    return _group(
        cells.zoom - 1,
        cell_px,
        cells.classes,
        cells.cx // 2,
        cells.cy // 2,
        cells.first,
        cells.count,
        cells.last,
    )


def bin_rows(
    lat: np.ndarray, lon: np.ndarray, classes: np.ndarray, *, zoom: int, cell_px: int = DEFAULT_CELL_PX
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(first position, count, last position) of each (class, pixel cell) group; positions index the
    given arrays, which are in time order, and come back in time order of their first point."""
    if len(lat) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    cells = _bin(lat, lon, classes, zoom=zoom, cell_px=cell_px)
    return cells.first, cells.count, cells.last


def select_map_points(
    time_s: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    classes: np.ndarray,
    *,
    start_s: float | None = None,
    end_s: float | None = None,
    bbox: BoundingBox | None = None,
    zoom: int | None = None,
    max_points: int,
    cell_px: int = DEFAULT_CELL_PX,
    always: np.ndarray | None = None,
) -> MapSelection:
    """The points of the window and box, at full detail when at most ``max_points``, else binned at
    ``zoom`` (or the zoom that fits their extent) and coarser until they fit. ``always`` lists rows that
    are returned in any case at full detail (e.g. the records a finding cites), inside the budget."""
    first, stop = window_rows(time_s, start_s=start_s, end_s=end_s)
    rows = np.arange(first, stop, dtype=np.int64)
    if bbox is not None and len(rows):
        rows = rows[bbox.contains(lat[first:stop], lon[first:stop])]
    total = len(rows)
    pinned = np.zeros(0, dtype=np.int64) if always is None else np.unique(np.asarray(always, dtype=np.int64))
    if total <= max_points:
        return MapSelection(np.union1d(rows, pinned), None, None, total, None)
    sub_lat, sub_lon, sub_class = lat[rows], lon[rows], classes[rows]
    # without a zoom: a little finer than the zoom that shows the whole selection, so that zooming in
    # once or twice still shows detail before the map asks again
    level = (
        min(fitting_zoom(sub_lat, sub_lon) + OVERVIEW_EXTRA_ZOOM, MAX_ZOOM)
        if zoom is None
        else int(np.clip(zoom, 0, MAX_ZOOM))
    )
    budget = max(max_points - len(pinned), 1)
    cells = _bin(sub_lat, sub_lon, sub_class, zoom=level, cell_px=cell_px)
    while len(cells.first) > budget and cells.zoom > 0:
        cells = _coarser(cells, cell_px)
    level = cells.zoom
    positions, counts, last = cells.first, cells.count, cells.last
    if len(positions) > budget:  # even one world tile holds too many classes and cells: keep the biggest
        keep = np.sort(np.argsort(-counts, kind="stable")[:budget])
        positions, counts, last = positions[keep], counts[keep], last[keep]
    chosen = rows[positions]
    represents = counts
    last_time = time_s[rows[last]]
    if len(pinned):
        extra = np.setdiff1d(pinned, chosen)
        chosen = np.concatenate([chosen, extra])
        represents = np.concatenate([represents, np.ones(len(extra), dtype=np.int64)])
        last_time = np.concatenate([last_time, time_s[extra]])
        order = np.argsort(chosen, kind="stable")
        chosen, represents, last_time = chosen[order], represents[order], last_time[order]
    return MapSelection(chosen, represents, last_time, total, level)
