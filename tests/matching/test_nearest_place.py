"""The nearest-place index names a route's stays: the same answer as a plain reading of the index file."""

from __future__ import annotations

import math
import sqlite3

import numpy as np
import pytest

from matching.gazetteer import Gazetteer
from matching.nearest_place import NearestPlaceIndex
from routing.geodesy import METRES_PER_DEGREE


def reference_nearest(rows: list[tuple], lat: float, lon: float, max_distance_m: float) -> str | None:
    """Straight from the rule: within the window, the least distance minus the bonus (curated 2 km, else
    400 m per power of ten of the population, at most 2.4 km); none beyond the radius."""
    best: tuple[float, float, str] | None = None
    for name, country, plat, plon, population, curated in rows:
        if abs(plat - lat) >= 0.5 or abs(plon - lon) >= 0.7:
            continue
        dy = (plat - lat) * METRES_PER_DEGREE
        dx = (plon - lon) * METRES_PER_DEGREE * math.cos(math.radians(lat))
        distance = math.hypot(dx, dy)
        bonus = 2_000.0 if curated else min(math.log10(max(population, 1)) * 400.0, 2_400.0)
        if best is None or distance - bonus < best[0]:
            best = (distance - bonus, distance, f"{name} ({country})" if country else name)
    if best is None or best[1] > max_distance_m:
        return None
    return best[2]


@pytest.fixture(scope="module")
def index(gazetteer: Gazetteer) -> NearestPlaceIndex:
    return NearestPlaceIndex(gazetteer.path)


def test_the_index_answers_as_the_rule_read_from_the_file(
    gazetteer: Gazetteer, index: NearestPlaceIndex
) -> None:
    with sqlite3.connect(gazetteer.path) as connection:
        rows = connection.execute(
            "SELECT name, country, lat, lon, COALESCE(population, 0), curated FROM places "
            "WHERE kind NOT IN ('country', 'region') ORDER BY rowid"
        ).fetchall()
    assert len(index) == len(rows) > 100_000
    rng = np.random.default_rng(20261204)
    # along the routes (Middle East, Balkans, central Europe) and some open sea
    probes = list(zip(rng.uniform(30.0, 54.0, 60), rng.uniform(-5.0, 50.0, 60), strict=True))
    probes += [(37.98, 23.73), (39.10, 26.55), (41.12, 22.51), (36.20, 37.15), (34.0, 20.0)]
    named = 0
    for lat, lon in probes:
        expected = reference_nearest(rows, lat, lon, index.max_distance_m)
        assert index(lat, lon) == expected, (lat, lon)
        named += expected is not None
    assert named >= 20  # the probes reach land, not only sea


def test_named_carries_population_and_kind(index: NearestPlaceIndex) -> None:
    athens = index.named(37.98, 23.73)
    assert athens is not None and athens.name.endswith("(GR)")
    assert athens.population is not None and athens.population > 100_000
    assert athens.kind in index.kind_labels
    assert index.named(34.0, 20.0) is None  # the Ionian Sea, far from any place


def test_the_index_holds_numbers_not_names(index: NearestPlaceIndex) -> None:
    held = sum(
        getattr(index, name).nbytes for name in ("rowid", "lat", "lon", "population", "kind_code", "bonus_m")
    )
    assert held < 12 * 1024 * 1024
    assert not any(isinstance(value, list) and len(value) > 1_000 for value in vars(index).values())
