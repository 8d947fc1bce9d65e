"""Near misses: when the device was last / next at the claimed place, and how near it came during the period.

People misremember dates (LEGAL 19): a caseworker must see at a glance that the device was at the place
"until 30 June, 1 day before the stated period". For each claim ``NearMissSearch`` finds

- the last record at the place before the claimed period and the first one after it (at the place: within
  ``at_place_accuracy_factor`` × accuracy plus the place's extent — the same test as "consistent"), and
- the record nearest to the place during the period (distance to the place's edge, 0 = inside; exact
  to within ``NEAREST_SLACK_M``: blocks that could hold a record nearer by less than that are not read).

Searches use the block summaries of ``claim_rows.prepare`` (a cap around every 32 records) to skip blocks
that cannot hold an answer, so a search over 1e6 records costs a few block scans. Country places are
searched record by record within ``country_search_s`` of the period. Units: metres, seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from matching.claim_rows import BLOCK_SIZE, EARTH_RADIUS_M, Prepared, _radius_edge_distance_m
from matching.places import Place, PlaceKind

COUNTRY_SEARCH_S = 60 * 86_400.0
MAX_BLOCKS_SCANNED = 4_096
NEAREST_SLACK_M = 5_000.0  # the nearest distance in the period is exact to within this


@dataclass(frozen=True, slots=True)
class NearMiss:
    """Data for the near-miss line of a finding (times UTC; gaps in seconds, >= 0)."""

    last_at_place_before_utc: datetime | None
    last_at_place_before_record_id: int | None
    gap_before_period_s: float | None  # from that record to the start of the period
    first_at_place_after_utc: datetime | None
    first_at_place_after_record_id: int | None
    gap_after_period_s: float | None  # from the end of the period to that record
    nearest_in_period_m: float | None  # distance to the place's edge of the nearest record in the period
    nearest_in_period_record_id: int | None
    nearest_in_period_utc: datetime | None


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(float(seconds), tz=UTC)


class NearMissSearch:
    """Near-miss lookups against one set of prepared records; caches per-place block bounds."""

    def __init__(self, data: Prepared) -> None:
        self._data = data
        self._lower_bounds: dict[tuple[float, float, float], np.ndarray] = {}
        self._candidates: dict[tuple[float, float, float], np.ndarray] = {}
        self._with_tail: dict[tuple[float, float, float], np.ndarray] = {}
        self._block_hits: dict[tuple[float, float, float], dict[int, np.ndarray]] = {}

    # --- per-place block summaries -------------------------------------------------------------
    def _block_lower_bounds(self, place: Place) -> np.ndarray:
        """Lower bound of the edge distance of every record of each full block (metres, >= 0)."""
        key = (place.lat, place.lon, float(place.extent_radius_m or 0.0))
        cached = self._lower_bounds.get(key)
        if cached is None:
            blocks = self._data.blocks
            phi, lam = np.radians(place.lat), np.radians(place.lon)
            px, py, pz = np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)
            dot = blocks.centre_x * px + blocks.centre_y * py + blocks.centre_z * pz
            centre = np.arccos(np.clip(dot, -1.0, 1.0)) * EARTH_RADIUS_M
            cached = np.maximum(centre - blocks.cap_radius_m - key[2], 0.0)
            self._lower_bounds[key] = cached
            # a block can hold a record at the place only if its bound is within the at-place tolerance
            # (at most the impossibility widening, which is never smaller)
            self._candidates[key] = np.flatnonzero(cached <= blocks.max_widening_m)
        return cached

    def _candidate_blocks(self, place: Place) -> np.ndarray:
        self._block_lower_bounds(place)
        return self._candidates[(place.lat, place.lon, float(place.extent_radius_m or 0.0))]

    def _distance(self, place: Place, rows: slice | np.ndarray) -> np.ndarray:
        data = self._data
        if place.kind is PlaceKind.COUNTRY:
            from matching.geography import distance_to_country_m

            return distance_to_country_m(place.country_iso2 or "", data.lat[rows], data.lon[rows])
        return _radius_edge_distance_m(place, data.unit_x[rows], data.unit_y[rows], data.unit_z[rows])

    def _at_place(self, place: Place, rows: slice) -> np.ndarray:
        return self._distance(place, rows) <= self._data.at_tolerance_m[rows]

    # --- searches ---------------------------------------------------------------------------------
    def _hits(self, place: Place, key: tuple[float, float, float], block: int) -> np.ndarray:
        """Rows at the place in block ``block`` (the tail after the last full block is block n_blocks)."""
        cache = self._block_hits.setdefault(key, {})
        hits = cache.get(block)
        if hits is None:
            start = block * BLOCK_SIZE
            stop = (
                min(start + BLOCK_SIZE, len(self._data.t))
                if block < len(self._data.blocks)
                else len(self._data.t)
            )
            hits = start + np.flatnonzero(self._at_place(place, slice(start, stop)))
            cache[block] = hits
        return hits

    def _candidate_blocks_with_tail(self, place: Place) -> np.ndarray:
        key = (place.lat, place.lon, float(place.extent_radius_m or 0.0))
        cached = self._with_tail.get(key)
        if cached is None:
            blocks = len(self._data.blocks)
            tail = [blocks] if len(self._data.t) > blocks * BLOCK_SIZE else []
            cached = np.r_[self._candidate_blocks(place), tail].astype(np.int64)
            self._with_tail[key] = cached
        return cached

    def last_at_place_before(self, place: Place, end_row: int) -> int | None:
        """Index of the last record at the place among rows [0, end_row), or None."""
        data = self._data
        if end_row <= 0:
            return None
        if place.kind is PlaceKind.COUNTRY:
            first = int(np.searchsorted(data.t, data.t[end_row - 1] - COUNTRY_SEARCH_S, "left"))
            hits = np.flatnonzero(self._at_place(place, slice(first, end_row)))
            return int(first + hits[-1]) if len(hits) else None
        key = (place.lat, place.lon, float(place.extent_radius_m or 0.0))
        candidates = self._candidate_blocks_with_tail(place)
        last_block = min((end_row - 1) // BLOCK_SIZE, len(data.blocks))
        position = int(np.searchsorted(candidates, last_block, "right"))
        for block in candidates[max(position - MAX_BLOCKS_SCANNED, 0) : position][::-1].tolist():
            hits = self._hits(place, key, block)
            if len(hits) and hits[0] < end_row:
                return int(hits[np.searchsorted(hits, end_row, "left") - 1])
        return None

    def first_at_place_after(self, place: Place, start_row: int) -> int | None:
        """Index of the first record at the place among rows [start_row, n), or None."""
        data = self._data
        n = len(data.t)
        if start_row >= n:
            return None
        if place.kind is PlaceKind.COUNTRY:
            last = int(np.searchsorted(data.t, data.t[start_row] + COUNTRY_SEARCH_S, "right"))
            hits = np.flatnonzero(self._at_place(place, slice(start_row, last)))
            return int(start_row + hits[0]) if len(hits) else None
        key = (place.lat, place.lon, float(place.extent_radius_m or 0.0))
        candidates = self._candidate_blocks_with_tail(place)
        first_block = min(start_row // BLOCK_SIZE, len(data.blocks))
        position = int(np.searchsorted(candidates, first_block, "left"))
        for block in candidates[position : position + MAX_BLOCKS_SCANNED].tolist():
            hits = self._hits(place, key, block)
            if len(hits) and hits[-1] >= start_row:
                return int(hits[np.searchsorted(hits, start_row, "left")])
        return None

    def nearest_in(
        self,
        place: Place,
        first_row: int,
        end_row: int,
        known: tuple[int, float] | None = None,
        known_exact: bool = False,
    ) -> tuple[int, float] | None:
        """(row, edge distance in metres) of the record nearest to the place among [first_row, end_row).

        ``known``: a record of the range and its distance already computed (a starting bound: only
        blocks that could hold a nearer record are then read); ``known_exact``: it is already the nearest."""
        if end_row <= first_row:
            return None
        if known is not None and (known[1] <= 0.0 or known_exact):
            return known
        if place.kind is PlaceKind.COUNTRY or end_row - first_row <= 8 * BLOCK_SIZE:
            distance = self._distance(place, slice(first_row, end_row))
            best = int(np.argmin(distance))
            return first_row + best, float(distance[best])
        bounds = self._block_lower_bounds(place)
        first_block = -(-first_row // BLOCK_SIZE)
        end_block = min(end_row // BLOCK_SIZE, len(bounds))
        best_row, best_distance = known if known is not None else (-1, np.inf)
        pieces = [
            (first_row, min(first_block * BLOCK_SIZE, end_row)),
            (max(end_block * BLOCK_SIZE, first_row), end_row),
        ]
        for start, stop in pieces:
            if stop > start:
                distance = self._distance(place, slice(start, stop))
                index = int(np.argmin(distance))
                if distance[index] < best_distance:
                    best_row, best_distance = start + index, float(distance[index])
        if end_block > first_block:
            block_bounds = bounds[first_block:end_block]
            nearer = np.flatnonzero(block_bounds < best_distance - NEAREST_SLACK_M)
            order = nearer[np.argsort(block_bounds[nearer], kind="stable")]
            for chunk_start in range(0, len(order), 16):
                chunk = order[chunk_start : chunk_start + 16]
                if block_bounds[chunk[0]] >= best_distance - NEAREST_SLACK_M:
                    break
                rows = ((chunk + first_block)[:, None] * BLOCK_SIZE + np.arange(BLOCK_SIZE)).ravel()
                distance = self._distance(place, rows)
                index = int(np.argmin(distance))
                if distance[index] < best_distance:
                    best_row, best_distance = int(rows[index]), float(distance[index])
        return best_row, best_distance

    def near_miss(
        self,
        place: Place,
        start_s: float,
        end_s: float,
        *,
        known_nearest: tuple[int, float] | None = None,
        known_exact: bool = False,
    ) -> NearMiss:
        """The near miss for a claim at ``place`` over [start_s, end_s) (UTC seconds); ``known_nearest``:
        (row, distance) of a record in the period already measured."""
        data = self._data
        first_row = int(np.searchsorted(data.t, start_s, "left"))
        end_row = int(np.searchsorted(data.t, end_s, "left"))
        before = self.last_at_place_before(place, first_row)
        after = self.first_at_place_after(place, end_row)
        nearest = self.nearest_in(place, first_row, end_row, known_nearest, known_exact)
        return NearMiss(
            last_at_place_before_utc=_utc(data.t[before]) if before is not None else None,
            last_at_place_before_record_id=int(data.record_id[before]) if before is not None else None,
            gap_before_period_s=round(start_s - float(data.t[before]), 1) if before is not None else None,
            first_at_place_after_utc=_utc(data.t[after]) if after is not None else None,
            first_at_place_after_record_id=int(data.record_id[after]) if after is not None else None,
            gap_after_period_s=round(float(data.t[after]) - end_s, 1) if after is not None else None,
            nearest_in_period_m=round(nearest[1], 1) if nearest is not None else None,
            nearest_in_period_record_id=int(data.record_id[nearest[0]]) if nearest is not None else None,
            nearest_in_period_utc=_utc(data.t[nearest[0]]) if nearest is not None else None,
        )
