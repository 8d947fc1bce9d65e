"""The nearest named place to a position, for naming a route's stays: curated places and GeoNames towns."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import numpy as np

from routing.geodesy import METRES_PER_DEGREE
from routing.visits import NamedPlace

_BATCH = 20_000


class NearestPlaceIndex:
    """Nearest named place (gazetteer) to a position: curated places and GeoNames towns, within a radius.

    Brute force over ~235,000 places with a flat-earth distance in a small window: ~1 ms a query, which is
    ample for a route's stays. Only numeric columns are held (positions, the ranking bonus, population and
    a coded kind: ~9 MB); the name of the place found is read from the index file by its row id, so the
    serving process does not keep a quarter of a million strings (about 100 MB with their tuples).
    """

    def __init__(self, gazetteer_path: Path, *, max_distance_m: float = 25_000.0) -> None:
        self.path = Path(gazetteer_path)
        self.max_distance_m = max_distance_m
        connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            (count,) = connection.execute(
                "SELECT count(*) FROM places WHERE kind NOT IN ('country', 'region')"
            ).fetchone()
            self.rowid = np.empty(count, dtype=np.int64)
            self.lat = np.empty(count, dtype=np.float64)
            self.lon = np.empty(count, dtype=np.float64)
            self.population = np.empty(count, dtype=np.int64)
            curated = np.empty(count, dtype=bool)
            self.kind_code = np.empty(count, dtype=np.int16)
            self.kind_labels: list[str] = []
            codes: dict[str, int] = {}
            cursor = connection.execute(
                "SELECT rowid, lat, lon, COALESCE(population, 0), curated, kind FROM places "
                "WHERE kind NOT IN ('country', 'region') ORDER BY rowid"
            )
            at = 0
            while rows := cursor.fetchmany(_BATCH):
                end = min(at + len(rows), count)  # the file is read-only: the count cannot move
                rows = rows[: end - at]
                block = np.asarray([r[:5] for r in rows], dtype=np.float64)
                self.rowid[at:end] = block[:, 0]
                self.lat[at:end] = block[:, 1]
                self.lon[at:end] = block[:, 2]
                self.population[at:end] = block[:, 3]
                curated[at:end] = block[:, 4] != 0
                self.kind_code[at:end] = [codes.setdefault(r[5], len(codes)) for r in rows]
                at = end
            self.kind_labels = [kind for kind, _ in sorted(codes.items(), key=lambda item: item[1])]
        finally:
            connection.close()
        # a curated place (camp, crossing) or a bigger town wins over a hamlet a little closer
        self.bonus_m = np.where(
            curated, 2_000.0, np.minimum(np.log10(np.maximum(self.population, 1)) * 400.0, 2_400.0)
        )
        self._local = threading.local()

    def __len__(self) -> int:
        return len(self.rowid)

    def __call__(self, lat: float, lon: float) -> str | None:
        best = self._nearest(lat, lon)
        return None if best is None else self._name(best)

    def named(self, lat: float, lon: float) -> NamedPlace | None:
        """The nearest place with its population and kind (routing sizes a visit's radius by them)."""
        best = self._nearest(lat, lon)
        if best is None:
            return None
        population = int(self.population[best])
        return NamedPlace(
            name=self._name(best),
            population=population or None,
            kind=self.kind_labels[int(self.kind_code[best])],
        )

    def _name(self, index: int) -> str:
        connection = getattr(self._local, "connection", None)
        if connection is None:  # one read-only connection per thread (the worker and request threads)
            connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            self._local.connection = connection
        name, country = connection.execute(
            "SELECT name, country FROM places WHERE rowid = ?", (int(self.rowid[index]),)
        ).fetchone()
        return f"{name} ({country})" if country else str(name)

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
