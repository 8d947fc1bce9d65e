"""How fast a device could have travelled: surface travel, flights between airports, and the speed a claim needs.

Two models decide what a claim that needs travel is (LEGAL 13, 19):

- **Surface** (road, rail, boat): at most ``max_surface_speed_mps`` door to door, no overhead.
- **Flight**: needs an airport near each end. The door-to-door time is at least: surface travel from the
  record to the airport nearest to it, ``airport_departure_s`` (check-in, security, boarding, taxi and
  take-off), the flight at ``cruise_speed_mps``, ``airport_arrival_s`` (landing, taxi, leaving the
  airport) and surface travel from the airport nearest to the place. The airport list is the IATA list
  of the ``airportsdata`` package (MIT licence, pinned in pyproject.toml) — airports with scheduled or
  charter service; landing strips without an IATA code are left out.

Using the *nearest* airport at each end gives a lower bound of any real itinerary: a farther airport
means more surface travel, which is slower than flying. So "impossible even by air" under this model is
impossible by any ordinary means. Units: metres, seconds, WGS84 degrees.
"""

from __future__ import annotations

import enum
import functools
import math
from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_M = 6_371_008.8


class TravelMode(enum.StrEnum):
    """The slowest means that reaches a given average speed (what a speed implies)."""

    NONE = "none"  # no travel needed
    ON_FOOT = "on_foot"  # up to 6 km/h
    ROAD_OR_RAIL = "road_or_rail"  # up to 130 km/h door to door
    FAST_SURFACE = "fast_surface"  # up to the surface maximum (high-speed rail, non-stop motorway)
    AIR = "air"  # faster than any surface travel


WALKING_MPS = 6.0 / 3.6
ROAD_OR_RAIL_MPS = 130.0 / 3.6


@functools.lru_cache(maxsize=32)
def mode_words(mode: TravelMode, language: str) -> str:
    """The words for a mode (from the one catalogue, ``catalogue/labels.toml``: group ``travel_mode``),
    lower-case, for use inside a sentence."""
    from catalogue import label

    text = label("travel_mode", mode.value, "nl" if language == "nl" else "en", long=True)
    return text[:1].lower() + text[1:]


def mode_for_speed(speed_mps: float, max_surface_speed_mps: float) -> TravelMode:
    """The mode a minimum average speed implies."""
    if speed_mps <= 0.0:
        return TravelMode.NONE
    if speed_mps <= WALKING_MPS:
        return TravelMode.ON_FOOT
    if speed_mps <= ROAD_OR_RAIL_MPS:
        return TravelMode.ROAD_OR_RAIL
    if speed_mps <= max_surface_speed_mps:
        return TravelMode.FAST_SURFACE
    return TravelMode.AIR


@dataclass(frozen=True, slots=True)
class Airport:
    iata: str
    name: str
    country_iso2: str
    lat: float
    lon: float


@dataclass(frozen=True, eq=False)
class _AirportTable:
    airports: tuple[Airport, ...]
    unit: np.ndarray  # (n, 3) unit vectors


def _unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))


@functools.cache
def _airport_table() -> _AirportTable:
    import airportsdata

    rows = sorted(airportsdata.load("IATA").values(), key=lambda row: row["iata"])
    airports = tuple(
        Airport(str(row["iata"]), str(row["name"]), str(row["country"]), float(row["lat"]), float(row["lon"]))
        for row in rows
    )
    lat = np.array([airport.lat for airport in airports])
    lon = np.array([airport.lon for airport in airports])
    return _AirportTable(airports, _unit(lat, lon))


def nearest_airports(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index of the nearest airport, great-circle distance to it in metres) for each position."""
    table = _airport_table()
    lat = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    lon = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    index = np.zeros(len(lat), dtype=np.int64)
    distance = np.zeros(len(lat))
    chunk = 2_048
    for start in range(0, len(lat), chunk):
        unit = _unit(lat[start : start + chunk], lon[start : start + chunk])
        dots = unit @ table.unit.T
        best = dots.argmax(axis=1)
        index[start : start + chunk] = best
        closest = np.clip(dots[np.arange(len(best)), best], -1.0, 1.0)
        distance[start : start + chunk] = np.arccos(closest) * EARTH_RADIUS_M
    return index, distance


def airport(index: int) -> Airport:
    return _airport_table().airports[int(index)]


@dataclass(frozen=True, slots=True)
class FlightModel:
    """Parameters of the door-to-door flight time (generous towards the applicant; units in names)."""

    cruise_speed_mps: float = 250.0  # 900 km/h
    airport_departure_s: float = 3_600.0  # check-in, security, boarding, taxi, take-off: at least 1 h
    airport_arrival_s: float = 1_800.0  # descent, landing, taxi, leaving the airport: at least 30 min
    ground_speed_mps: float = 90.0  # to and from the airports, at the surface maximum

    @property
    def overhead_s(self) -> float:
        return self.airport_departure_s + self.airport_arrival_s

    def door_to_door_s(
        self, distance_m: np.ndarray, record_airport_m: np.ndarray, place_airport_m: float
    ) -> np.ndarray:
        """Lower bound of a flight's door-to-door time in seconds between a record and a place.

        ``distance_m``: (widened) distance record → place; ``record_airport_m``: record → its nearest
        airport; ``place_airport_m``: place → its nearest airport. Distance 0 needs no flight (0 s).
        """
        distance = np.asarray(distance_m, dtype=np.float64)
        ground = np.asarray(record_airport_m, dtype=np.float64) + place_airport_m
        air = np.maximum(distance - ground, 0.0)
        time = ground / self.ground_speed_mps + air / self.cruise_speed_mps + self.overhead_s
        return np.where(distance > 0.0, time, 0.0)


def minimum_speed_between(
    time_before_s: float, distance_before_m: float, time_after_s: float, distance_after_m: float,
    start_s: float, end_s: float,
) -> float:  # fmt: skip
    """Lowest average speed (m/s) to leave a record at ``time_before_s`` (``distance_before_m`` from
    the place), be at the place at some moment of [start_s, end_s] and reach the next record at
    ``time_after_s``. Either side may be missing (time ±inf). inf when the moment cannot fit."""
    low = max(start_s, time_before_s)
    high = min(end_s, time_after_s)
    if low > high:
        return math.inf

    def needed(moment: float) -> float:
        speeds = [0.0]
        if math.isfinite(time_before_s) and distance_before_m > 0:
            elapsed = moment - time_before_s
            speeds.append(math.inf if elapsed <= 0 else distance_before_m / elapsed)
        if math.isfinite(time_after_s) and distance_after_m > 0:
            elapsed = time_after_s - moment
            speeds.append(math.inf if elapsed <= 0 else distance_after_m / elapsed)
        return max(speeds)

    if (
        math.isfinite(time_before_s)
        and math.isfinite(time_after_s)
        and distance_before_m + distance_after_m > 0
    ):
        balanced = time_before_s + (time_after_s - time_before_s) * distance_before_m / (
            distance_before_m + distance_after_m
        )
        candidates = [min(max(balanced, low), high), low, high]
    else:
        candidates = [low, high]
    return min(needed(moment) for moment in candidates)
