"""The nearest named place to a position, for naming a route's stays: curated places and GeoNames towns."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from routing.geodesy import METRES_PER_DEGREE
from routing.visits import NamedPlace


class NearestPlaceIndex:
    """Nearest named place (gazetteer) to a position: curated places and GeoNames towns, within a radius.

    Brute force over ~235,000 places with a flat-earth distance in a small window: ~1 ms a query, which is
    ample for a route's stays.
    """

    def __init__(self, gazetteer_path: Path, *, max_distance_m: float = 25_000.0) -> None:
        import sqlite3

        connection = sqlite3.connect(f"file:{gazetteer_path}?mode=ro", uri=True)
        try:
            rows = connection.execute(
                "SELECT name, country, lat, lon, COALESCE(population, 0), curated, kind FROM places "
                "WHERE kind NOT IN ('country', 'region')"
            ).fetchall()
        finally:
            connection.close()
        self.names = [f"{name} ({country})" if country else name for name, country, *_ in rows]
        self.population = [int(r[4]) if r[4] else None for r in rows]
        self.kinds = [str(r[6]) for r in rows]
        self.lat = np.asarray([r[2] for r in rows], dtype=np.float64)
        self.lon = np.asarray([r[3] for r in rows], dtype=np.float64)
        # a curated place (camp, crossing) or a bigger town wins over a hamlet a little closer
        self.bonus_m = np.asarray(
            [2_000.0 if r[5] else min(np.log10(max(r[4], 1)) * 400.0, 2_400.0) for r in rows]
        )
        self.max_distance_m = max_distance_m

    def __call__(self, lat: float, lon: float) -> str | None:
        best = self._nearest(lat, lon)
        return None if best is None else self.names[best]

    def named(self, lat: float, lon: float) -> NamedPlace | None:
        """The nearest place with its population and kind (routing sizes a visit's radius by them)."""
        best = self._nearest(lat, lon)
        if best is None:
            return None
        return NamedPlace(name=self.names[best], population=self.population[best], kind=self.kinds[best])

    def _nearest(self, lat: float, lon: float) -> int | None:
        window = (np.abs(self.lat - lat) < 0.5) & (np.abs(self.lon - lon) < 0.7)
        index = np.flatnonzero(window)
        if index.size == 0:
            return None
        dy = (self.lat[index] - lat) * METRES_PER_DEGREE
        dx = (self.lon[index] - lon) * METRES_PER_DEGREE * np.cos(np.radians(lat))
        distance = np.hypot(dx, dy)
        score = distance - self.bonus_m[index]
        best = int(np.argmin(score))
        if distance[best] > self.max_distance_m:
            return None
        return int(index[best])
