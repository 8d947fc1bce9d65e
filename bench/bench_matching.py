"""Benchmark: claims matched against a long route (target: 1,000 claims vs 1e6 points in < 1 s).

A synthetic route of N points (one fix every ~15 s for 1e6 points over ~180 days) wanders between
the cities of bench/evaluate_matching.py; 1,000 claims with a realistic mix of time phrases (days,
3–10 day ranges, clock times ± 30 min, months, seasons) and kinds are matched against it. Prints the
median of several runs: the one-off preparation (filtering, isolated-jump check over all points) and
the per-claim work, as a table.

    /work/venv/bin/python bench/bench_matching.py [--points 1000000] [--claims 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from datetime import UTC, date, datetime, timedelta

import numpy as np

from matching.claim_rows import prepare as prepare_points
from matching.claims import Claim, ClaimKind
from matching.matcher import MatchParameters, match_claims
from matching.places import Place, PlaceKind
from matching.points import MatchPoints
from matching.time_phrases import Granularity, TimeInterval

CITIES = [
    ("Aleppo", 36.202, 37.159),
    ("Gaziantep", 37.066, 37.383),
    ("Izmir", 38.413, 27.138),
    ("Mytilene", 39.108, 26.555),
    ("Athens", 37.984, 23.728),
    ("Thessaloniki", 40.640, 22.944),
    ("Belgrade", 44.804, 20.465),
    ("Vienna", 48.208, 16.372),
    ("Berlin", 52.524, 13.411),
    ("Ter Apel", 52.872, 7.072),
]
START = datetime(2022, 9, 1, tzinfo=UTC)


def make_route(n_points: int, seed: int) -> MatchPoints:
    rng = np.random.default_rng(seed)
    days = 180
    times = np.sort(START.timestamp() + rng.uniform(0, days * 86_400, n_points))
    # the device stays ~18 days in each city in turn, with noise
    city_index = np.minimum(((times - times[0]) / (days * 86_400) * len(CITIES)).astype(int), len(CITIES) - 1)
    lat = np.array([c[1] for c in CITIES])[city_index] + rng.normal(0, 0.02, n_points)
    lon = np.array([c[2] for c in CITIES])[city_index] + rng.normal(0, 0.02, n_points)
    accuracy = rng.choice([15.0, 30.0, 150.0, 1500.0], n_points)
    return MatchPoints.from_arrays(
        time_utc_s=times,
        lat=lat,
        lon=lon,
        accuracy_m=accuracy,
        record_id=np.arange(n_points),
        clock_uncertainty_s=5.0,
    )


def make_claims(n_claims: int, seed: int) -> list[Claim]:
    rng = np.random.default_rng(seed + 1)
    places = [
        Place(
            f"bench:{name}",
            name,
            PlaceKind.CITY,
            None,
            lat,
            lon,
            12_000.0,
            None,
            "bench",
            name,
            timezone="UTC",
        )
        for name, lat, lon in CITIES
    ]
    kinds = list(ClaimKind)
    claims = []
    for i in range(n_claims):
        first = date(2022, 9, 1) + timedelta(days=int(rng.integers(0, 175)))
        roll = rng.random()
        if roll < 0.5:
            interval = TimeInterval(first, first, Granularity.DAY, "", "")
        elif roll < 0.7:
            interval = TimeInterval(
                first, first + timedelta(days=int(rng.integers(3, 11))), Granularity.RANGE, "", ""
            )
        elif roll < 0.8:
            moment = datetime(first.year, first.month, first.day, int(rng.integers(0, 23)))
            interval = TimeInterval(moment, moment + timedelta(hours=1), Granularity.MINUTE, "", "")
        elif roll < 0.95:
            month_start = first.replace(day=1)
            month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            interval = TimeInterval(month_start, month_end, Granularity.MONTH, "", "")
        else:
            interval = TimeInterval(first, first + timedelta(days=91), Granularity.SEASON, "", "")
        kind = kinds[int(rng.integers(len(kinds)))]
        if kind is ClaimKind.CROSSED_BORDER:
            kind = ClaimKind.PASSED_THROUGH
        claims.append(Claim(f"c{i}", kind, places[int(rng.integers(len(places)))], interval))
    return claims


def run(n_points: int, n_claims: int, repeat: int, seed: int) -> dict[str, float]:
    points = make_route(n_points, seed)
    claims = make_claims(n_claims, seed)
    params = MatchParameters()
    prepare_s, total_s, cpu_s = [], [], []
    statuses: dict[str, int] = {}
    for _ in range(repeat):
        started = time.perf_counter()
        prepare_points(points, params)
        prepare_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        started_cpu = time.process_time()
        findings = match_claims(claims, points, params=params)
        total_s.append(time.perf_counter() - started)
        cpu_s.append(time.process_time() - started_cpu)
    for finding in findings:
        statuses[finding.status.value] = statuses.get(finding.status.value, 0) + 1
    total = statistics.median(total_s)
    prepare = statistics.median(prepare_s)
    return {
        "points": n_points,
        "claims": n_claims,
        "total_s": total,
        "cpu_s": statistics.median(cpu_s),
        "prepare_s": prepare,
        "per_claim_ms": (total - prepare) / n_claims * 1000,
        **{f"n_{k}": v for k, v in sorted(statuses.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--points", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--claims", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}"
    )
    print(f"median of {args.repeat} runs; target: 1,000 claims vs 1e6 points < 1 s\n")
    print(
        f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (other processes slow wall time)"
    )
    print("| points    | claims | wall s | CPU s | prepare s | per claim ms | statuses |")
    print("|-----------|--------|--------|-------|-----------|--------------|----------|")
    for n_points in args.points:
        row = run(n_points, args.claims, args.repeat, args.seed)
        statuses = ", ".join(f"{k[2:]} {v}" for k, v in row.items() if k.startswith("n_"))
        print(
            f"| {n_points:>9,} | {args.claims:>6} | {row['total_s']:>6.3f} | {row['cpu_s']:>5.3f} | {row['prepare_s']:>9.3f} | "
            f"{row['per_claim_ms']:>12.3f} | {statuses} |"
        )


if __name__ == "__main__":
    main()
