"""Visit detection on sparse and dense phones, against known visits; and the route pipeline's cost of it.

Quality: journeys from ``generate_visits.py`` (its own ground truth) go through the whole route pipeline
(``routing.route.build_route``: cleaning, stays, countries, visits; no gazetteer, so every visit gets the
default place radius). Its visits, and for comparison its 200 m stays read as if they were visits, are
scored with ``visit_metrics.visit_quality`` (1:1 F1, fragmentation).

Seeds: tuning seeds 1–5 were used while choosing parameters, and so were seeds 1001–1005 once they had
been looked at (they were the first held-out seeds); ``--held-out`` runs seeds 2001–2005, which were run
only once, after the last change to ``routing/visits.py``, and are reported separately.

Speed: ``--pipeline-repeat N`` times ``build_route`` on the 1e6-point journey of ``bench_pipeline.py``
(``generate_journey.py``, seed 7) with the code of ``--base`` (a commit without visits, extracted with
``git archive``) and with this checkout, alternately, each run in its own subprocess, N times each.

Usage::

    python bench/bench_visits.py --seeds 1 2 3 4 5 --dense-points 100000 1000000
    python bench/bench_visits.py --seeds 1001 1002 1003 1004 1005 --dense-points 100000 1000000
    python bench/bench_visits.py --held-out --dense-points 100000 1000000   # seeds 2001-2005, once
    python bench/bench_visits.py --quality none --pipeline-repeat 5 --base 743298f --stage-repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(ROOT))

TUNING_SEEDS = (1, 2, 3, 4, 5)
FORMER_HELD_OUT_SEEDS = (1001, 1002, 1003, 1004, 1005)  # looked at since: tuning seeds now
HELD_OUT_SEEDS = (2001, 2002, 2003, 2004, 2005)


def _quality_rows(mode: str, seed: int, points: int, days: float) -> list[dict[str, object]]:
    from generate_visits import generate
    from visit_metrics import visit_quality

    from routing.points import PointTable
    from routing.route import build_route

    data = generate(mode=mode, seed=seed, days=days, points=points)
    table = PointTable.from_arrays(
        time_s=data["time_s"],
        lat=data["lat"],
        lon=data["lon"],
        accuracy_m=data["accuracy_m"],
        fix_kind=data["fix_kind"],
    )
    started = time.perf_counter()
    route = build_route(table)
    build_s = time.perf_counter() - started
    truth = {
        "record_time_s": table.time_s[route.usable],
        "true_start_s": data["visit_start_s"],
        "true_end_s": data["visit_end_s"],
        "true_lat": data["visit_lat"],
        "true_lon": data["visit_lon"],
    }
    rows = []
    for level, items in (
        ("stays", [s.stay for s in route.stays]),
        ("visits", [v.visit for v in route.visits]),
    ):
        quality = visit_quality(
            **truth,
            detected_start_s=np.array([i.start_utc.timestamp() for i in items]),
            detected_end_s=np.array([i.end_utc.timestamp() for i in items]),
            detected_lat=np.array([i.lat for i in items]),
            detected_lon=np.array([i.lon for i in items]),
        )
        rows.append(
            {
                "mode": mode,
                "seed": seed,
                "points": len(table),
                "level": level,
                "build_s": build_s,
                **quality.__dict__,
            }
        )
    return rows


def _pipeline_child(points_path: str) -> None:
    # import routing from PYTHONPATH (the code under measurement), not from this script's checkout
    code = Path(os.environ["PYTHONPATH"]).resolve()
    sys.path[:] = [str(code)] + [p for p in sys.path if p and Path(p).resolve() not in (ROOT, code)]
    import routing
    from routing.points import PointTable

    assert Path(routing.__file__).resolve().is_relative_to(code), routing.__file__
    from routing.route import build_route

    data = np.load(points_path)
    table = PointTable.from_arrays(
        time_s=data["time_s"],
        lat=data["lat"],
        lon=data["lon"],
        accuracy_m=data["accuracy_m"],
        fix_kind=data["fix_kind"],
    )
    from routing import geography

    geography._piece_index()  # geodata loads once per process; not timed (as in bench_pipeline.py)
    geography._timezone_finder()
    started = time.perf_counter()
    cpu_started = time.process_time()
    route = build_route(table)
    print(
        json.dumps(
            {
                "wall_s": time.perf_counter() - started,
                "cpu_s": time.process_time() - cpu_started,
                "stays": len(route.stays),
                "visits": len(getattr(route, "visits", ())),
                "routing": str(Path(routing.__file__).resolve().parent),
            }
        )
    )


def _visit_stage(repeat: int, data_dir: Path) -> None:
    """CPU time of the visit stage alone (``routing.route._route_visits``) against the whole build_route, in
    one process, same data: the least noisy measure of what visits add on a loaded machine."""
    from generate_journey import generate_journey

    from routing import geography
    from routing.cleaning import clean_points
    from routing.points import PointTable
    from routing.route import RouteParameters, _point_countries, _route_stays, _route_visits, build_route
    from routing.stays import detect_stays_arrays, stays_from_arrays

    path = data_dir / "journey_1000000_seed7.npz"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        np.savez(path, **generate_journey(1_000_000, 7))
    data = np.load(path)
    points = PointTable.from_arrays(
        time_s=data["time_s"],
        lat=data["lat"],
        lon=data["lon"],
        accuracy_m=data["accuracy_m"],
        fix_kind=data["fix_kind"],
    )
    geography._piece_index()
    geography._timezone_finder()
    params = RouteParameters()
    cleaned = clean_points(points, parameters=params.cleaning, clock=params.clock)
    usable = np.flatnonzero(cleaned.usable)
    arrays = detect_stays_arrays(
        time_s=points.time_s[usable],
        lat=points.lat[usable],
        lon=points.lon[usable],
        accuracy_m=points.accuracy_m[usable],
        parameters=params.stays,
    )
    stays = stays_from_arrays(arrays, rows=usable, record_id=points.record_id)
    places = [None] * len(stays)
    route_stays = _route_stays(stays, places, params)
    point_stay = np.full(len(points), -1, dtype=np.int64)
    point_stay[usable] = arrays.point_stay
    country, _zone, _confidence = _point_countries(points, usable, point_stay, route_stays, params)
    whole, stage = [], []
    for _ in range(repeat):
        started = time.process_time()
        build_route(points, params=params)
        whole.append(time.process_time() - started)
        started = time.process_time()
        visits = _route_visits(points, usable, arrays, route_stays, places, country, params, None)
        stage.append(time.process_time() - started)
    print(f"load average {os.getloadavg()}; {len(visits)} visits, {len(stays)} stays, {len(points):,} points")
    print("| measure (CPU s, process_time) | min | median | max |")
    print("|---|---:|---:|---:|")
    for label, values in (("build_route (with visits)", whole), ("visit stage alone", stage)):
        print(f"| {label} | {min(values):.3f} | {np.median(values):.3f} | {max(values):.3f} |")
    shares = [s / (w - s) for s, w in zip(stage, whole, strict=True)]
    print(
        f"visit stage / build_route without it: {min(shares):.1%}–{max(shares):.1%} (median {np.median(shares):.1%})"
    )


def _pipeline(repeat: int, base: str, data_dir: Path) -> None:
    from generate_journey import generate_journey

    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "journey_1000000_seed7.npz"
    if not path.exists():
        np.savez(path, **generate_journey(1_000_000, 7))
    base_dir = data_dir / f"base-{base}"
    if not base_dir.exists():
        base_dir.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", base], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(base_dir)], input=archive.stdout, check=True)
    results: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    for _ in range(repeat):
        for label, code in (("before", base_dir), ("after", ROOT)):
            load = os.getloadavg()[0]
            child = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--pipeline-child", str(path)],
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": str(code)},
                cwd=str(code),
            )
            row = json.loads(child.stdout.strip().splitlines()[-1])
            row["load_1min"] = load
            results[label].append(row)
            print(label, row, flush=True)
    print()
    print(f"build_route, 1,000,000 points (generate_journey seed 7), {repeat} runs each, alternating")
    print("| code | wall s (min–max) | CPU s (min–max) | stays | visits | load avg (1 min) |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, rows in results.items():
        wall = [r["wall_s"] for r in rows]
        cpu = [r["cpu_s"] for r in rows]
        loads = [r["load_1min"] for r in rows]
        print(
            f"| {label} ({base if label == 'before' else 'this checkout'}) | {min(wall):.2f}–{max(wall):.2f} | "
            f"{min(cpu):.2f}–{max(cpu):.2f} | {rows[0]['stays']} | {rows[0]['visits']} | "
            f"{min(loads):.1f}–{max(loads):.1f} |"
        )
    before_cpu = np.median([r["cpu_s"] for r in results["before"]])
    after_cpu = np.median([r["cpu_s"] for r in results["after"]])
    print(f"median CPU after/before: {after_cpu / before_cpu:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=list(TUNING_SEEDS))
    parser.add_argument("--held-out", action="store_true", help="run the held-out seeds (report separately)")
    parser.add_argument("--quality", choices=("all", "sparse", "dense", "none"), default="all")
    parser.add_argument("--days", type=float, default=365.0)
    parser.add_argument("--dense-points", type=int, nargs="*", default=[100_000])
    parser.add_argument("--pipeline-repeat", type=int, default=0)
    parser.add_argument("--base", default="d39a86e", help="commit without visits, for --pipeline-repeat")
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/reisroute-bench"))
    parser.add_argument("--stage-repeat", type=int, default=0, help="time the visit stage alone, N times")
    parser.add_argument("--pipeline-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pipeline_child:
        _pipeline_child(args.pipeline_child)
        return
    seeds = list(HELD_OUT_SEEDS) if args.held_out else args.seeds
    runs: list[tuple[str, int]] = []
    if args.quality in ("all", "sparse"):
        runs.append(("sparse", 0))
    if args.quality in ("all", "dense"):
        runs.extend(("dense", n) for n in args.dense_points)
    if runs:
        print(f"load average at start: {os.getloadavg()}; seeds {seeds}; {args.days:.0f} days per journey")
        print(
            "| phone | points per journey | level | true visits | detected | precision 1:1 | recall 1:1 "
            "| **F1 1:1** | fragmentation mean (min–max over seeds) | build_route s (per journey) |"
        )
        print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for mode, points in runs:
        rows = [row for seed in seeds for row in _quality_rows(mode, seed, points, args.days)]
        for level in ("stays", "visits"):
            mine = [r for r in rows if r["level"] == level]
            n_true = sum(int(r["n_true"]) for r in mine)
            n_det = sum(int(r["n_detected"]) for r in mine)
            matched = sum(round(float(r["recall"]) * int(r["n_true"])) for r in mine)
            precision = matched / n_det if n_det else 0.0
            recall = matched / n_true if n_true else 0.0
            f1 = 2 * precision * recall / (precision + recall) if matched else 0.0
            fragmentation = [float(r["fragmentation"]) for r in mine]
            points_range = f"{min(int(r['points']) for r in mine):,}–{max(int(r['points']) for r in mine):,}"
            builds = [float(r["build_s"]) for r in mine]
            print(
                f"| {mode} | {points_range} | {level} | {n_true} | {n_det} | {precision:.3f} | {recall:.3f} | "
                f"**{f1:.3f}** | {np.mean(fragmentation):.2f} ({min(fragmentation):.2f}–{max(fragmentation):.2f}) | "
                f"{min(builds):.2f}–{max(builds):.2f} |",
                flush=True,
            )
    if args.pipeline_repeat:
        _pipeline(args.pipeline_repeat, args.base, args.data_dir)
    if args.stage_repeat:
        _visit_stage(args.stage_repeat, args.data_dir)


if __name__ == "__main__":
    main()
