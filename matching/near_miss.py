"""Near misses: when the device was last / next at the claimed place, and how near it came during the period.

People misremember dates (LEGAL 19): a caseworker must see at a glance that the device was at the place
"until 30 June, 1 day before the stated period". For each claim ``NearMissSearch`` finds

- the last record at the place before the claimed period and the first one after it (at the place: within
  ``at_place_accuracy_factor`` × accuracy plus the place's extent — the same test as "consistent"), and
- the record nearest to the place during the period (distance to the place's edge, 0 = inside; exact
  to within ``NEAREST_SLACK_M``: blocks that could hold a record nearer by less than that are not read).

Searches use the block summaries of ``claim_rows.prepare`` (a cap around every 32 records) to skip blocks
that cannot hold an answer: the records at a place are found once per place, in the blocks that can hold
one, and each claim then looks up its neighbours in that sorted list. Country places are
searched record by record within ``country_search_s`` of the period. Units: metres, seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from matching.claim_rows import BLOCK_SIZE, EARTH_RADIUS_M, Prepared, _radius_edge_distance_m
from matching.places import Place, PlaceKind

COUNTRY_SEARCH_S = 60 * 86_400.0
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
        self._hits: dict[tuple[float, float, float], np.ndarray] = {}

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
    def _place_hits(self, place: Place) -> np.ndarray:
        """Sorted rows of every record at the place (computed once per place, only in candidate blocks)."""
        key = (place.lat, place.lon, float(place.extent_radius_m or 0.0))
        hits = self._hits.get(key)
        if hits is None:
            data = self._data
            full = len(data.blocks) * BLOCK_SIZE
            blocks = self._candidate_blocks(place)
            rows = np.r_[
                (blocks[:, None] * BLOCK_SIZE + np.arange(BLOCK_SIZE)).ravel(), np.arange(full, len(data.t))
            ]
            rows = rows.astype(np.int64)
            at = (
                self._distance(place, rows) <= data.at_tolerance_m[rows]
                if len(rows)
                else np.zeros(0, dtype=bool)
            )
            hits = rows[at]
            self._hits[key] = hits
        return hits

    def last_at_place_before(self, place: Place, end_row: int) -> int | None:
        """Index of the last record at the place among rows [0, end_row), or None."""
        data = self._data
        if end_row <= 0:
            return None
        if place.kind is PlaceKind.COUNTRY:
            first = int(np.searchsorted(data.t, data.t[end_row - 1] - COUNTRY_SEARCH_S, "left"))
            found = np.flatnonzero(self._at_place(place, slice(first, end_row)))
            return int(first + found[-1]) if len(found) else None
        hits = self._place_hits(place)
        position = int(np.searchsorted(hits, end_row, "left"))
        return int(hits[position - 1]) if position else None

    def first_at_place_after(self, place: Place, start_row: int) -> int | None:
        """Index of the first record at the place among rows [start_row, n), or None."""
        data = self._data
        n = len(data.t)
        if start_row >= n:
            return None
        if place.kind is PlaceKind.COUNTRY:
            last = int(np.searchsorted(data.t, data.t[start_row] + COUNTRY_SEARCH_S, "right"))
            found = np.flatnonzero(self._at_place(place, slice(start_row, last)))
            return int(start_row + found[0]) if len(found) else None
        hits = self._place_hits(place)
        position = int(np.searchsorted(hits, start_row, "left"))
        return int(hits[position]) if position < len(hits) else None

    def nearest_in(
        self,
        place: Place,
        first_row: int,
        end_row: int,
        known: tuple[int, float] | None = None,
        known_exact: bool = False,
    ) -> tuple[int, float] | None:
        """(row, edge distance in metres) of the record nearest to the place among [first_row, end_row).

        ``known``: the nearest among the records the claim evaluated (every record of the partial blocks
        at the ends; full blocks may be reduced to their ends): then only full blocks that could hold a
        nearer record are read; ``known_exact``: it is already the nearest."""
        if end_row <= first_row:
            return None
        if known is not None and (known[1] <= 0.0 or known_exact):
            return known
        if place.kind is PlaceKind.COUNTRY or end_row - first_row <= 8 * BLOCK_SIZE:
            distance = self._distance(place, slice(first_row, end_row))
            best = int(np.argmin(distance))
            return first_row + best, float(distance[best])
        bounds = self._block_lower_bounds(place)
        best_row, best_distance = known if known is not None else (-1, np.inf)
        if known is None:  # read the partial blocks at the ends, then the full blocks in between
            first_block = -(-first_row // BLOCK_SIZE)
            end_block = min(end_row // BLOCK_SIZE, len(bounds))
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
        else:  # every full block touching the range may have been reduced; the tail never is
            first_block = first_row // BLOCK_SIZE
            end_block = min(-(-end_row // BLOCK_SIZE), len(bounds))
        if end_block > first_block:
            block_bounds = bounds[first_block:end_block]
            nearer = np.flatnonzero(block_bounds < best_distance - NEAREST_SLACK_M)
            order = nearer[np.argsort(block_bounds[nearer], kind="stable")]
            for chunk_start in range(0, len(order), 16):
                chunk = order[chunk_start : chunk_start + 16]
                if block_bounds[chunk[0]] >= best_distance - NEAREST_SLACK_M:
                    break
                rows = ((chunk + first_block)[:, None] * BLOCK_SIZE + np.arange(BLOCK_SIZE)).ravel()
                rows = rows[(rows >= first_row) & (rows < end_row)]
                if not len(rows):
                    continue
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
