"""Synthetic journeys with known *visits* (time at one town, day trips included), dense or sparse.

Written for the visit evaluation only and independent of ``routing/`` (own distance and offset formulas),
so the code under test cannot share a mistake with its ground truth.

A journey is a chain of towns 40–300 km apart, inside central Anatolia (``BOX``). At each town the person arrives, sleeps at one lodging,
spends the days at 0–3 spots inside the town (1.5–6 km across) with walks in between, and on about a
quarter of the full days makes a day trip 12–40 km out (2–6 h there) and back. Visits last 6 h to 40 days
(30 % ≤ 2 days, 50 % 2–10 days, 20 % 10–40 days). Between towns: road travel at 12–25 m/s. The true
visit is [arrival, departure] at the town, day trips included; its position is the town centre.

Two phones observe the same journey:

- **dense** (Google Timeline raw signals, on-device): a fix every ``interval_s`` (chosen to reach
  ``--points``), 65 % GNSS (σ 10–50 m), 28 % Wi-Fi (σ 60–200 m), 7 % cell (σ 600–1500 m); 0.3 % multipath
  fixes thrown 1–5 km; on 30 % of nights the phone is off 5–9 h; 5 % of visits have a 30–60 h silence in
  the middle (battery, no charger).
- **sparse** (photos only): 1–5 photos a day (no photo on 10 % of days) at random times between 06:00 and
  20:00 UTC, EXIF GPS σ 10–40 m; a photo that would fall while travelling between towns is kept with
  probability 0.2 (a photo from the bus window).

Units: seconds (UTC epoch), metres, WGS84 degrees. Deterministic per seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

EARTH_M = 6_371_000.0
DAY_S = 86_400.0
START_S = 1_456_790_400.0  # 2016-03-01 00:00 UTC
START = (39.93, 32.86)  # Ankara


def _offset(lat: float, lon: float, east_m: float, north_m: float) -> tuple[float, float]:
    return (
        lat + math.degrees(north_m / EARTH_M),
        lon + math.degrees(east_m / (EARTH_M * math.cos(math.radians(lat)))),
    )


def _polar(
    rng: np.random.Generator, lat: float, lon: float, low_m: float, high_m: float
) -> tuple[float, float]:
    distance = rng.uniform(low_m, high_m)
    bearing = rng.uniform(0, 2 * math.pi)
    return _offset(lat, lon, distance * math.sin(bearing), distance * math.cos(bearing))


def _ground_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    north = math.radians(b[0] - a[0]) * EARTH_M
    east = math.radians(b[1] - a[1]) * EARTH_M * math.cos(math.radians((a[0] + b[0]) / 2))
    return math.hypot(east, north)


#: The journey stays inside central Anatolia (one country, away from its borders): the truth is "time at a
#: town", and a town cut by a border is a border crossing, not one visit.
BOX = (37.6, 40.6, 28.5, 41.0)  # lat min, lat max, lon min, lon max


def _next_town(rng: np.random.Generator, town: tuple[float, float]) -> tuple[float, float]:
    while True:
        candidate = _polar(rng, *town, 40_000, 300_000)
        if BOX[0] <= candidate[0] <= BOX[1] and BOX[2] <= candidate[1] <= BOX[3]:
            return candidate


@dataclass
class _Timeline:
    """Piecewise trajectory: segments [t0, t1) from (lat0, lon0) to (lat1, lon1); equal ends = at rest."""

    t0: list[float]
    t1: list[float]
    lat0: list[float]
    lon0: list[float]
    lat1: list[float]
    lon1: list[float]
    travelling: list[bool]
    now: float = START_S
    here: tuple[float, float] = START

    def rest(self, until_s: float) -> None:
        if until_s > self.now:
            self._add(until_s, self.here, travelling=False)

    def go(self, to: tuple[float, float], speed_mps: float, *, travelling: bool = False) -> None:
        duration = max(_ground_m(self.here, to) / speed_mps, 60.0)
        self._add(self.now + duration, to, travelling=travelling)

    def _add(self, until_s: float, to: tuple[float, float], *, travelling: bool) -> None:
        self.t0.append(self.now)
        self.t1.append(until_s)
        self.lat0.append(self.here[0])
        self.lon0.append(self.here[1])
        self.lat1.append(to[0])
        self.lon1.append(to[1])
        self.travelling.append(travelling)
        self.now, self.here = until_s, to


def _journey(rng: np.random.Generator, days: float) -> tuple[_Timeline, dict[str, np.ndarray], list[tuple]]:
    line = _Timeline([], [], [], [], [], [], [])
    visits: list[tuple[float, float, float, float]] = []
    nights: list[tuple[float, float]] = []
    town = START
    end_s = START_S + days * DAY_S
    line.here = town
    while line.now < end_s:
        extent = float(rng.choice([1_500.0, 3_000.0, 6_000.0]))
        kind = rng.uniform()
        if kind < 0.3:
            duration = rng.uniform(0.25, 2.0) * DAY_S
        elif kind < 0.8:
            duration = rng.uniform(2.0, 10.0) * DAY_S
        else:
            duration = rng.uniform(10.0, 40.0) * DAY_S
        arrival = line.now
        departure = min(arrival + duration, end_s)
        lodging = _polar(rng, *town, 0, extent / 2)
        spots = [_polar(rng, *town, 0, extent / 2) for _ in range(int(rng.integers(1, 4)))]
        line.go(lodging, 1.3)
        while line.now < departure - 1800:
            day_start = math.floor(line.now / DAY_S) * DAY_S
            wake = day_start + 6 * 3600 + rng.uniform(0, 2 * 3600)  # 06:00-08:00 UTC
            sleep = day_start + 18 * 3600 + rng.uniform(0, 3 * 3600)
            if line.now < wake:
                nights.append((line.now, min(wake, departure)))
                line.rest(min(wake, departure))
                continue
            if line.now >= sleep:
                nights.append((line.now, departure))
                line.rest(min(day_start + DAY_S + 6 * 3600 + rng.uniform(0, 2 * 3600), departure))
                continue
            full_day = line.now - arrival > 12 * 3600 and departure - line.now > 20 * 3600
            if full_day and rng.uniform() < 0.25:
                trip = _polar(rng, *town, 12_000, 40_000)
                line.go(trip, 12.0)
                line.rest(line.now + rng.uniform(2, 6) * 3600)
                line.go(lodging, 12.0)
                line.rest(min(max(sleep, line.now), departure))
                continue
            for spot in spots[: int(rng.integers(0, len(spots) + 1))]:
                line.go(spot, 1.3)
                line.rest(min(line.now + rng.uniform(1, 4) * 3600, departure))
                if line.now >= departure:
                    break
            line.go(lodging, 1.3)
            line.rest(min(max(sleep, line.now + 1800), departure))
        line.rest(departure)
        visits.append((arrival, line.now, town[0], town[1]))
        if line.now >= end_s:
            break
        town = _next_town(rng, town)
        line.go(town, rng.uniform(12.0, 25.0), travelling=True)
    truth = {
        "visit_start_s": np.array([v[0] for v in visits]),
        "visit_end_s": np.array([v[1] for v in visits]),
        "visit_lat": np.array([v[2] for v in visits]),
        "visit_lon": np.array([v[3] for v in visits]),
    }
    return line, truth, nights


def _positions(line: _Timeline, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t0, t1 = np.asarray(line.t0), np.asarray(line.t1)
    segment = np.clip(np.searchsorted(t0, t, side="right") - 1, 0, len(t0) - 1)
    span = np.maximum(t1[segment] - t0[segment], 1e-9)
    fraction = np.clip((t - t0[segment]) / span, 0.0, 1.0)
    lat = (
        np.asarray(line.lat0)[segment]
        + (np.asarray(line.lat1)[segment] - np.asarray(line.lat0)[segment]) * fraction
    )
    lon = (
        np.asarray(line.lon0)[segment]
        + (np.asarray(line.lon1)[segment] - np.asarray(line.lon0)[segment]) * fraction
    )
    return lat, lon, np.asarray(line.travelling)[segment]


def _jitter(
    rng: np.random.Generator, lat: np.ndarray, lon: np.ndarray, sigma_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    north = rng.normal(0, 1, len(lat)) * sigma_m
    east = rng.normal(0, 1, len(lat)) * sigma_m
    return (
        lat + np.degrees(north / EARTH_M),
        lon + np.degrees(east / (EARTH_M * np.cos(np.radians(lat)))),
    )


def generate(*, mode: str, seed: int, days: float = 180.0, points: int = 1_000_000) -> dict[str, np.ndarray]:
    """Columns ``time_s, lat, lon, accuracy_m, fix_kind`` and the true visits (``visit_*``)."""
    rng = np.random.default_rng(seed)
    line, truth, nights = _journey(rng, days)
    first, last = line.t0[0], line.t1[-1]
    if mode == "dense":
        interval = (last - first) * 0.9 / points
        t = np.arange(first, last, interval) + rng.uniform(
            0, interval * 0.5, int(np.ceil((last - first) / interval))
        )
        t = np.sort(t[t < last])
        keep = np.ones(len(t), dtype=bool)
        for start, end in nights:
            if end - start > 6 * 3600 and rng.uniform() < 0.3:
                off = start + rng.uniform(0, 1) * 3600
                keep[(t >= off) & (t < min(off + rng.uniform(5, 9) * 3600, end))] = False
        for start, end, *_ in zip(
            truth["visit_start_s"], truth["visit_end_s"], truth["visit_lat"], strict=True
        ):
            if end - start > 4 * DAY_S and rng.uniform() < 0.05:
                off = start + (end - start) * rng.uniform(0.3, 0.6)
                keep[(t >= off) & (t < off + rng.uniform(30, 60) * 3600)] = False
        t = t[keep]
        lat, lon, _ = _positions(line, t)
        kind = rng.choice(np.array(["gnss", "wifi", "cell"]), size=len(t), p=[0.65, 0.28, 0.07])
        sigma = np.where(
            kind == "gnss",
            rng.uniform(10, 50, len(t)),
            np.where(kind == "wifi", rng.uniform(60, 200, len(t)), rng.uniform(600, 1500, len(t))),
        )
        accuracy = sigma * rng.uniform(0.5, 1.2, len(t))
        lat, lon = _jitter(rng, lat, lon, sigma)
        wild = rng.uniform(0, 1, len(t)) < 0.003
        lat[wild], lon[wild] = _jitter(rng, lat[wild], lon[wild], rng.uniform(1000, 5000, int(wild.sum())))
    elif mode == "sparse":
        n_days = int(np.ceil((last - first) / DAY_S)) + 1
        day0 = math.floor(first / DAY_S) * DAY_S
        per_day = rng.integers(1, 6, n_days) * (rng.uniform(0, 1, n_days) >= 0.1)
        t = np.concatenate(
            [day0 + d * DAY_S + np.sort(rng.uniform(6 * 3600, 20 * 3600, k)) for d, k in enumerate(per_day)]
        )
        t = t[(t >= first) & (t < last)]
        lat, lon, travelling = _positions(line, t)
        keep = ~travelling | (rng.uniform(0, 1, len(t)) < 0.2)
        t, lat, lon = t[keep], lat[keep], lon[keep]
        sigma = rng.uniform(10, 40, len(t))
        lat, lon = _jitter(rng, lat, lon, sigma)
        kind = np.full(len(t), "exif")
        accuracy = np.full(len(t), np.nan)  # photos rarely record their accuracy
    else:
        raise ValueError(f"mode must be dense or sparse, not {mode!r}")
    return {"time_s": t, "lat": lat, "lon": lon, "accuracy_m": accuracy, "fix_kind": kind, **truth}
