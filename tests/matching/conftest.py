"""Fixtures for matching tests: one gazetteer index per machine, cached between runs by its build key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from matching.gazetteer import Gazetteer, build_gazetteer
from matching.places import Place, PlaceKind
from matching.points import MatchPoints
from matching.zones import zone_at


@pytest.fixture(scope="session")
def gazetteer(gazetteer_dir: Path) -> Gazetteer:
    # One index (~15 s to build) for the whole session, shared with the API tests (tests/conftest.py).
    return Gazetteer(build_gazetteer(gazetteer_dir))


def make_place(name: str, lat: float, lon: float, *, radius_m: float = 10_000.0, country: str = "") -> Place:
    return Place(
        id=f"test:{name}",
        name=name,
        kind=PlaceKind.CITY,
        country_iso2=country or None,
        lat=lat,
        lon=lon,
        extent_radius_m=radius_m,
        population=None,
        source="test",
        matched_name=name,
        timezone=zone_at(lat, lon),
    )


ATHENS = (37.98376, 23.72784)
IZMIR = (38.41273, 27.13838)
BERLIN = (52.52437, 13.41053)
LESBOS_MYTILENE = (39.10797, 26.55463)
T0 = datetime(2023, 3, 12, 8, 0, tzinfo=UTC)


def make_points(
    rows: list[tuple[datetime, tuple[float, float]]], *, accuracy_m: float = 30.0, clock_s: float = 1.0
) -> MatchPoints:
    """Points from (time, (lat, lon)) rows; record ids 1..n in time order."""
    rows = sorted(rows, key=lambda row: row[0])
    return MatchPoints.from_arrays(
        time_utc_s=[when.timestamp() for when, _ in rows],
        lat=[position[0] for _, position in rows],
        lon=[position[1] for _, position in rows],
        accuracy_m=[accuracy_m] * len(rows),
        record_id=list(range(1, len(rows) + 1)),
        clock_uncertainty_s=clock_s,
    )


def every(start: datetime, end: datetime, step: timedelta, position: tuple[float, float]) -> list:
    rows = []
    when = start
    while when <= end:
        rows.append((when, position))
        when += step
    return rows
