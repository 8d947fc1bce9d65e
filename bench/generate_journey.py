"""Synthetic multi-month journeys with KNOWN stays and realistic phone noise, deterministic per seed.

The journey follows a common route: Aleppo → Azaz → (walk) Kilis → Gaziantep → Istanbul → two weeks with
the phone off → Izmir → Ayvalık → (boat at night) Lesbos → Moria → Mytilene → (overnight ferry) Piraeus →
Athens → Thessaloniki → Idomeni → (walk across the border) Gevgelija → Skopje → Belgrade → (flight, no
points) Berlin. In each town the person moves between places (a lodging revisited often, other places
within a few km) on foot; the *true stays* are the periods spent at one place for at least 30 minutes.

Phone noise (all drawn from the seeded generator):
- jitter: each stay has its own noise level J drawn from 100–300 m (RMS distance of a fix from the true
  position; Gaussian, per-axis sigma J/√2); fixes while moving have 20–80 m.
- fix kinds: 70 % "gnss" reporting 10–60 m accuracy (understating the real jitter, as NFI found), 25 %
  "wifi" reporting 80–250 m, 5 % "cell" reporting 800–2000 m with 800 m real error.
- multipath outliers: 0.3 % of fixes thrown 1–5 km in a random direction.
- missing fixes: sampling is a Poisson process whose rate drops five-fold in 30 % of the segments.
- phone-off gaps: 40 % of stays longer than 8 h contain 5–10 h without any fix (a night, phone off; still
  ONE true stay); one 14-day gap with the phone off between Istanbul and Izmir.
- a night ferry (moving, points present) and a flight (no points at all between two airports).

Usage: ``python bench/generate_journey.py --points 1000000 --seed 7 --out /tmp/journey_1e6.npz``.
The .npz holds ``time_s, lat, lon, accuracy_m, fix_kind`` (points, time-sorted) and ``truth_start_s,
truth_end_s, truth_lat, truth_lon`` (true stays).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DAY_S = 86400.0
START_UTC_S = 1_441_065_600.0  # 2015-09-01T00:00:00Z
METRES_PER_DEGREE = 111_320.0

# (place, lat, lon, days spent, how the person travels to the NEXT place)
ITINERARY: tuple[tuple[str, float, float, float, str], ...] = (
    ("Aleppo", 36.2021, 37.1343, 10, "road"),
    ("Azaz", 36.5866, 37.0443, 3, "walk"),
    ("Kilis", 36.7184, 37.1212, 4, "road"),
    ("Gaziantep", 37.0662, 37.3833, 8, "road"),
    ("Istanbul", 41.0151, 28.9795, 20, "off"),
    ("Izmir", 38.4237, 27.1428, 10, "road"),
    ("Ayvalik", 39.3190, 26.6930, 3, "boat"),
    ("Skala Sikamineas", 39.3700, 26.3070, 0.4, "road"),
    ("Moria", 39.1270, 26.5120, 12, "road"),
    ("Mytilene", 39.1050, 26.5560, 1, "ferry"),
    ("Piraeus", 37.9420, 23.6460, 0.3, "road"),
    ("Athens", 37.9838, 23.7275, 15, "road"),
    ("Thessaloniki", 40.6401, 22.9444, 5, "road"),
    ("Idomeni", 41.1224, 22.5175, 6, "walk"),
    ("Gevgelija", 41.1418, 22.5030, 1, "road"),
    ("Skopje", 41.9981, 21.4254, 3, "road"),
    ("Belgrade", 44.7866, 20.4489, 8, "road"),
    ("Belgrade airport", 44.8184, 20.3091, 0.1, "flight"),
    ("Berlin BER", 52.3667, 13.5033, 0.05, "road"),
    ("Berlin", 52.5200, 13.4050, 10, "end"),
)
SPEED_MPS = {"road": 18.0, "walk": 1.3, "boat": 3.0, "ferry": 7.0, "flight": 220.0, "off": 0.0}
OFF_GAP_S = 14 * DAY_S


@dataclass
class Segment:
    t0: float
    t1: float
    kind: str  # stay | move | off
    lat0: float
    lon0: float
    lat1: float
    lon1: float
    jitter_m: float
    rate: float  # relative sampling rate (0 = no fixes)
    truth: int  # index of the true stay, -1 otherwise


def _offset(lat: float, lon: float, east_m: float, north_m: float) -> tuple[float, float]:
    return lat + north_m / METRES_PER_DEGREE, lon + east_m / (METRES_PER_DEGREE * np.cos(np.radians(lat)))


def _distance_m(lat0: float, lon0: float, lat1: float, lon1: float) -> float:
    dy = (lat1 - lat0) * METRES_PER_DEGREE
    dx = (lon1 - lon0) * METRES_PER_DEGREE * np.cos(np.radians((lat0 + lat1) / 2))
    return float(np.hypot(dx, dy))


def _on_land(lat: float, lon: float) -> bool:
    from routing.geography import countries_of

    return bool(countries_of(np.array([lat]), np.array([lon]))[0] != "")


def _place_near(rng: np.random.Generator, lat: float, lon: float, spread_m: float) -> tuple[float, float]:
    """A random place within spread_m of (lat, lon), on land (people do not lodge in the sea)."""
    for _ in range(200):
        place = _offset(lat, lon, *rng.uniform(-spread_m, spread_m, size=2))
        if _on_land(*place):
            return place
    return lat, lon


def build_timeline(rng: np.random.Generator) -> tuple[list[Segment], list[tuple[float, float, float, float]]]:
    """Segments of the journey and the true stays (start_s, end_s, lat, lon)."""
    segments: list[Segment] = []
    truth: list[tuple[float, float, float, float]] = []
    t = START_UTC_S

    def sparse_rate() -> float:
        return 0.2 if rng.random() < 0.3 else 1.0

    def add_stay(lat: float, lon: float, duration_s: float) -> None:
        nonlocal t
        index = len(truth)
        truth.append((t, t + duration_s, lat, lon))
        jitter = rng.uniform(100, 300)
        off_s = rng.uniform(5, 10) * 3600
        if duration_s > max(8 * 3600, off_s + 2 * 3600) and rng.random() < 0.4:
            before = rng.uniform(0.1, 0.9) * (duration_s - off_s)
            pieces = [(before, "stay"), (off_s, "off"), (duration_s - off_s - before, "stay")]
        else:
            pieces = [(duration_s, "stay")]
        for length, kind in pieces:
            rate = 0.0 if kind == "off" else sparse_rate()
            segments.append(Segment(t, t + length, kind, lat, lon, lat, lon, jitter, rate, index))
            t += length

    def add_move(lat0: float, lon0: float, lat1: float, lon1: float, mode: str) -> None:
        nonlocal t
        if mode == "off":
            segments.append(Segment(t, t + OFF_GAP_S, "off", lat0, lon0, lat1, lon1, 0.0, 0.0, -1))
            t += OFF_GAP_S
            return
        speed = SPEED_MPS[mode] * rng.uniform(0.8, 1.2)
        duration = max(_distance_m(lat0, lon0, lat1, lon1) / speed, 120.0)
        rate = 0.0 if mode == "flight" else sparse_rate()
        segments.append(
            Segment(t, t + duration, "move", lat0, lon0, lat1, lon1, rng.uniform(20, 80), rate, -1)
        )
        t += duration

    for number, (_, lat, lon, days, next_mode) in enumerate(ITINERARY):
        lodging = _place_near(rng, lat, lon, 800)
        here = lodging
        end_of_town = t + days * DAY_S
        if number:
            add_move(lat, lon, *here, "road")
        while True:
            remaining = end_of_town - t
            if remaining < 1800:
                break
            duration = float(min(np.exp(rng.uniform(np.log(1800), np.log(30 * 3600))), remaining))
            add_stay(*here, duration)
            if end_of_town - t < 1800:
                break
            if here != lodging and rng.random() < 0.6:
                target = lodging
            else:
                while True:
                    target = _place_near(rng, lat, lon, 3000)
                    if _distance_m(*here, *target) > 600:
                        break
            add_move(*here, *target, "walk")
            here = target
        if next_mode == "end":
            break
        next_lat, next_lon = ITINERARY[number + 1][1], ITINERARY[number + 1][2]
        add_move(*here, next_lat, next_lon, next_mode)
    return segments, truth


def generate_journey(n_points: int, seed: int) -> dict[str, np.ndarray]:
    """Points and true stays as arrays (see module docstring)."""
    rng = np.random.default_rng(seed)
    segments, truth = build_timeline(rng)
    t0 = np.array([s.t0 for s in segments])
    t1 = np.array([s.t1 for s in segments])
    weight = np.array([s.rate for s in segments]) * (t1 - t0)
    per_segment = rng.multinomial(n_points, weight / weight.sum())
    segment_of_point = np.repeat(np.arange(len(segments)), per_segment)
    time_s = t0[segment_of_point] + rng.random(n_points) * (t1 - t0)[segment_of_point]
    order = np.argsort(time_s, kind="stable")
    time_s = time_s[order]
    segment_of_point = segment_of_point[order]

    lat0 = np.array([s.lat0 for s in segments])[segment_of_point]
    lon0 = np.array([s.lon0 for s in segments])[segment_of_point]
    lat1 = np.array([s.lat1 for s in segments])[segment_of_point]
    lon1 = np.array([s.lon1 for s in segments])[segment_of_point]
    fraction = (time_s - t0[segment_of_point]) / np.maximum((t1 - t0)[segment_of_point], 1e-9)
    true_lat = lat0 + (lat1 - lat0) * fraction
    true_lon = lon0 + (lon1 - lon0) * fraction

    jitter = np.array([s.jitter_m for s in segments])[segment_of_point]
    kind_draw = rng.random(n_points)
    fix_kind = np.where(kind_draw < 0.70, "gnss", np.where(kind_draw < 0.95, "wifi", "cell"))
    accuracy = np.where(
        fix_kind == "gnss",
        rng.uniform(10, 60, n_points),
        np.where(fix_kind == "wifi", rng.uniform(80, 250, n_points), rng.uniform(800, 2000, n_points)),
    )
    sigma = np.where(fix_kind == "cell", 800.0, jitter) / np.sqrt(2)
    east = rng.normal(0, 1, n_points) * sigma
    north = rng.normal(0, 1, n_points) * sigma
    outlier = rng.random(n_points) < 0.003
    bearing = rng.uniform(0, 2 * np.pi, n_points)
    throw = rng.uniform(1000, 5000, n_points)
    east = np.where(outlier, throw * np.cos(bearing), east)
    north = np.where(outlier, throw * np.sin(bearing), north)
    lat = true_lat + north / METRES_PER_DEGREE
    lon = true_lon + east / (METRES_PER_DEGREE * np.cos(np.radians(true_lat)))

    truth_array = np.array(truth)
    return {
        "time_s": time_s,
        "lat": lat,
        "lon": lon,
        "accuracy_m": accuracy,
        "fix_kind": fix_kind.astype("U4"),
        "is_outlier": outlier,
        "truth_start_s": truth_array[:, 0],
        "truth_end_s": truth_array[:, 1],
        "truth_lat": truth_array[:, 2],
        "truth_lon": truth_array[:, 3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    journey = generate_journey(args.points, args.seed)
    np.savez(args.out, **journey)
    days = (journey["time_s"][-1] - journey["time_s"][0]) / DAY_S
    print(
        f"{args.points} points over {days:.0f} days, {len(journey['truth_start_s'])} true stays -> {args.out}"
    )


if __name__ == "__main__":
    main()
