"""True journeys and the records a phone made of them (written for this evaluation only).

A journey is a run of consecutive stops of one corridor (``places.CORRIDORS``): a stay at each stop
(1–25 days, with day trips of 10–60 km now and then), and between stops a leg by bus (55 km/h) or boat
(Izmir → Mytilene) that passes the border crossing when the countries differ. The true position is
known at every moment (``Journey.position_at``).

The phone records some of it, by a profile drawn per journey: dense (every 5–20 min), medium (every
1–3 h) or sparse (2–6 fixes a day, daytime only); it is switched off for 1–3 gaps of 2–9 days; its
first own record comes 0–20 days after the journey starts (claims before it are outside what the phone
can say). Each fix has an accuracy radius (10 m – 2 km, sometimes unknown) and a position error drawn
within it. Units: UTC seconds, degrees, metres.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from bench.findings_eval.places import CORRIDORS, CROSSINGS, STOPS, EvalPlace
from matching.points import MatchPoints

DAY = 86_400.0
BUS_MPS = 55 / 3.6
BOAT_MPS = 25 / 3.6


def distance_m(lat1: float, lon1: float, lat2: np.ndarray | float, lon2: np.ndarray | float) -> np.ndarray:
    phi1, phi2 = math.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlmb = np.radians(lon2) - math.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + math.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * 6_371_000.0 * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


@dataclass(frozen=True, slots=True)
class Stay:
    place: EvalPlace
    start_s: float
    end_s: float
    trips: tuple[tuple[float, float, float, float], ...]  # (start, end, lat, lon) day trips


@dataclass(frozen=True, slots=True)
class Leg:
    origin: EvalPlace
    destination: EvalPlace
    crossing: EvalPlace | None
    start_s: float
    end_s: float
    crossing_s: float | None  # when the border is passed


@dataclass(frozen=True, slots=True)
class Journey:
    seed: int
    stays: tuple[Stay, ...]
    legs: tuple[Leg, ...]
    profile: str
    gaps: tuple[tuple[float, float], ...]
    first_record_s: float

    @property
    def start_s(self) -> float:
        return self.stays[0].start_s

    @property
    def end_s(self) -> float:
        return self.stays[-1].end_s

    def position_at(self, when: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """True (lat, lon) at each time (UTC seconds)."""
        when = np.asarray(when, dtype=np.float64)
        lat = np.full(len(when), np.nan)
        lon = np.full(len(when), np.nan)
        for stay in self.stays:
            inside = (when >= stay.start_s) & (when <= stay.end_s)
            lat[inside], lon[inside] = stay.place.lat, stay.place.lon
            for start, end, trip_lat, trip_lon in stay.trips:
                trip = (when >= start) & (when < end)
                lat[trip], lon[trip] = trip_lat, trip_lon
        for leg in self.legs:
            inside = (when > leg.start_s) & (when < leg.end_s)
            if not inside.any():
                continue
            points = [leg.origin] + ([leg.crossing] if leg.crossing else []) + [leg.destination]
            lengths = [
                float(distance_m(a.lat, a.lon, b.lat, b.lon))
                for a, b in zip(points[:-1], points[1:], strict=True)
            ]
            total = sum(lengths) or 1.0
            fraction = (when[inside] - leg.start_s) / (leg.end_s - leg.start_s) * total
            leg_lat = np.empty(int(inside.sum()))
            leg_lon = np.empty(int(inside.sum()))
            travelled = 0.0
            for (a, b), length in zip(zip(points[:-1], points[1:], strict=True), lengths, strict=True):
                part = (fraction >= travelled) & (fraction <= travelled + length)
                share = (fraction[part] - travelled) / (length or 1.0)
                leg_lat[part] = a.lat + (b.lat - a.lat) * share
                leg_lon[part] = a.lon + (b.lon - a.lon) * share
                travelled += length
            lat[inside], lon[inside] = leg_lat, leg_lon
        before = when < self.start_s
        lat[before], lon[before] = self.stays[0].place.lat, self.stays[0].place.lon
        after = when > self.end_s
        lat[after], lon[after] = self.stays[-1].place.lat, self.stays[-1].place.lon
        return lat, lon


def make_journey(seed: int) -> Journey:
    rng = np.random.default_rng(seed)
    corridor = CORRIDORS[int(rng.integers(len(CORRIDORS)))]
    length = int(rng.integers(7, len(corridor) + 1))
    first = int(rng.integers(0, len(corridor) - length + 1))
    keys = corridor[first : first + length]
    start = datetime(int(rng.integers(2015, 2024)), int(rng.integers(1, 13)), 1, tzinfo=UTC).timestamp()
    start += float(rng.uniform(0, 20 * DAY))
    when = start
    stays: list[Stay] = []
    legs: list[Leg] = []
    for index, key in enumerate(keys):
        place = STOPS[key]
        length_s = float(rng.uniform(1.0, 25.0)) * DAY
        trips = []
        day = when + DAY
        while day + DAY < when + length_s:
            if rng.random() < 0.12:
                bearing = rng.uniform(0, 2 * math.pi)
                reach_km = rng.uniform(10, 60)
                trip_lat = place.lat + reach_km / 111.2 * math.cos(bearing)
                trip_lon = place.lon + reach_km / (111.2 * math.cos(math.radians(place.lat))) * math.sin(
                    bearing
                )
                trip_start = day + rng.uniform(7, 11) * 3600
                trips.append((trip_start, trip_start + rng.uniform(3, 9) * 3600, trip_lat, trip_lon))
            day += DAY
        stays.append(Stay(place, when, when + length_s, tuple(trips)))
        when += length_s
        if index + 1 == len(keys):
            break
        destination = STOPS[keys[index + 1]]
        crossing = (
            CROSSINGS.get((place.country, destination.country))
            if place.country != destination.country
            else None
        )
        points = [place] + ([crossing] if crossing else []) + [destination]
        total = sum(
            float(distance_m(a.lat, a.lon, b.lat, b.lon))
            for a, b in zip(points[:-1], points[1:], strict=True)
        )
        speed = BOAT_MPS if (place.key, destination.key) == ("izmir", "mytilene") else BUS_MPS
        duration = total / speed + float(rng.uniform(1, 6)) * 3600
        crossing_s = None
        if crossing is not None:
            first_part = float(distance_m(place.lat, place.lon, crossing.lat, crossing.lon))
            crossing_s = when + duration * first_part / total
        legs.append(Leg(place, destination, crossing, when, when + duration, crossing_s))
        when += duration
    profile = str(rng.choice(["dense", "medium", "sparse"], p=[0.35, 0.4, 0.25]))
    end = when
    gaps = []
    for _ in range(int(rng.integers(1, 4))):
        gap_start = float(rng.uniform(start, end))
        gaps.append((gap_start, gap_start + float(rng.uniform(2, 9)) * DAY))
    first_record = start + float(rng.uniform(0, 20)) * DAY
    return Journey(seed, tuple(stays), tuple(legs), profile, tuple(sorted(gaps)), first_record)


def record_times(journey: Journey, rng: np.random.Generator) -> np.ndarray:
    start, end = journey.first_record_s, journey.end_s
    if journey.profile == "dense":
        steps = rng.uniform(300, 1_200, int((end - start) / 300) + 10)
        times = start + np.cumsum(steps)
    elif journey.profile == "medium":
        steps = rng.uniform(3_600, 3 * 3_600, int((end - start) / 3_600) + 10)
        times = start + np.cumsum(steps)
    else:
        days = np.arange(math.floor(start / DAY), math.ceil(end / DAY) + 1) * DAY
        counts = rng.integers(2, 7, len(days))
        times = np.concatenate(
            [
                day + np.sort(rng.uniform(7 * 3600, 21 * 3600, count))
                for day, count in zip(days, counts, strict=True)
            ]
        )
    times = times[(times >= start) & (times <= end)]
    for gap_start, gap_end in journey.gaps:
        times = times[(times < gap_start) | (times > gap_end)]
    return np.sort(times)


def make_records(journey: Journey) -> MatchPoints:
    rng = np.random.default_rng(journey.seed + 10_000)
    times = record_times(journey, rng)
    lat, lon = journey.position_at(times)
    accuracy = rng.choice([10.0, 25.0, 60.0, 300.0, 1_500.0], len(times), p=[0.3, 0.3, 0.2, 0.15, 0.05])
    error = np.abs(rng.normal(0, 0.5, len(times))) * accuracy
    bearing = rng.uniform(0, 2 * math.pi, len(times))
    lat = lat + error * np.cos(bearing) / 111_200.0
    lon = lon + error * np.sin(bearing) / (111_200.0 * np.cos(np.radians(lat)))
    reported = np.where(rng.random(len(times)) < 0.05, np.nan, accuracy)
    return MatchPoints.from_arrays(
        time_utc_s=times,
        lat=lat,
        lon=lon,
        accuracy_m=reported,
        record_id=np.arange(1, len(times) + 1),
        clock_uncertainty_s=2.0,
    )
