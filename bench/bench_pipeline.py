"""Full route pipeline on a synthetic journey: time per stage and peak memory.

Stages, as ``routing.route.build_route`` runs them: clean → stays → legs → countries and time zones (stay
centres, then the points outside stays) → country visits and crossings → gaps → visits (time at one
place); then the GeoJSON rendering.
Geodata (country polygon index, time-zone finder) loads once per process and is reported separately.
Peak memory is the highest RSS during the pipeline minus the RSS before it (sampled every 5 ms).

Usage: ``python bench/bench_pipeline.py [--points 1000000] [--seed 7]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(BENCH_DIR.parent))


def main() -> None:
    from bench_stays import PeakRss, machine_description
    from generate_journey import generate_journey

    from routing import geography
    from routing.borders import visits_and_crossings
    from routing.cleaning import clean_points
    from routing.gaps import find_gaps
    from routing.legs import build_legs
    from routing.points import PointTable
    from routing.route import (
        RouteParameters,
        _point_countries,
        _route_stays,
        _route_visits,
        build_route,
        route_to_geojson,
    )
    from routing.stays import detect_stays_arrays, stays_from_arrays

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/reisroute-bench"))
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    path = args.data_dir / f"journey_{args.points}_seed{args.seed}.npz"
    if not path.exists():
        np.savez(path, **generate_journey(args.points, args.seed))
    data = np.load(path)
    points = PointTable.from_arrays(
        time_s=data["time_s"],
        lat=data["lat"],
        lon=data["lon"],
        accuracy_m=data["accuracy_m"],
        fix_kind=data["fix_kind"],
    )
    params = RouteParameters()

    start = time.perf_counter()
    geography._piece_index()
    geography._timezone_finder()
    geodata_s = time.perf_counter() - start

    timings: dict[str, float] = {}

    def timed(name: str, function, *a, **k):  # noqa: ANN001, ANN002, ANN003, ANN202
        begin = time.perf_counter()
        value = function(*a, **k)
        timings[name] = time.perf_counter() - begin
        return value

    with PeakRss() as memory:
        cleaned = timed("clean", clean_points, points, parameters=params.cleaning, clock=params.clock)
        usable = np.flatnonzero(cleaned.usable)
        arrays = timed(
            "stays",
            detect_stays_arrays,
            time_s=points.time_s[usable],
            lat=points.lat[usable],
            lon=points.lon[usable],
            accuracy_m=points.accuracy_m[usable],
            parameters=params.stays,
        )
        stays = stays_from_arrays(arrays, rows=usable, record_id=points.record_id)
        point_stay = np.full(len(points), -1, dtype=np.int64)
        point_stay[usable] = arrays.point_stay
        legs = timed("legs", build_legs, cleaned, stays, parameters=params.legs)
        begin = time.perf_counter()
        route_stays = _route_stays(stays, [None] * len(stays), params)
        country, zone, confidence = _point_countries(points, usable, point_stay, route_stays, params)
        timings["countries + time zones"] = time.perf_counter() - begin
        timed(
            "country visits + crossings",
            visits_and_crossings,
            time_s=points.time_s[usable],
            lat=points.lat[usable],
            lon=points.lon[usable],
            iso_a2=country[usable],
            confidence=confidence[usable],
            record_id=points.record_id[usable],
        )
        timed("gaps", find_gaps, cleaned, min_gap_s=params.gap_min_s, point_stay=point_stay)
        timed(
            "visits (time at one place)",
            _route_visits,
            points,
            usable,
            arrays,
            route_stays,
            [None] * len(stays),
            country,
            params,
            None,
        )
    staged_total = sum(timings.values())

    with PeakRss() as whole:
        begin = time.perf_counter()
        route = build_route(points, params=params)
        build_s = time.perf_counter() - begin
    begin = time.perf_counter()
    collection = route_to_geojson(route, simplify_tolerance_m=50)
    geojson_s = time.perf_counter() - begin

    print(f"Machine: {machine_description()}")
    print(
        f"Input: {len(points):,} points, {len(stays)} stays, {len(legs)} legs, {len(route.gaps)} gaps, "
        f"{len(route.border_crossings)} border crossings"
    )
    print()
    print("| stage | time s |")
    print("|---|---:|")
    print(f"| geodata load (once per process) | {geodata_s:.2f} |")
    for name, seconds in timings.items():
        print(f"| {name} | {seconds:.2f} |")
    print(f"| **pipeline, stages above** | **{staged_total:.2f}** (peak +{memory.peak_mb:.0f} MB) |")
    print(f"| build_route (same, one call) | {build_s:.2f} (peak +{whole.peak_mb:.0f} MB) |")
    print(
        f"| route_to_geojson (50 m simplification, {len(collection['features'])} features) | {geojson_s:.2f} |"
    )


if __name__ == "__main__":
    main()
