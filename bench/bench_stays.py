"""Stay detection: reisroute vs trackintel vs MovingPandas on the same synthetic journeys, in one run.

Each (method, size) runs in its own subprocess: the input is loaded and converted to the method's own
format first (not timed), then the call is timed and the process RSS is sampled every 5 ms during it;
*peak memory* is the highest RSS during the call minus the RSS just before it.

Calls compared, all with a 200 m radius (MovingPandas: 400 m diameter) and 20 min minimum duration:
- reisroute: ``routing.stays.detect_stays_arrays(time_s, lat, lon, accuracy_m)`` (numpy arrays in).
- trackintel: ``generate_staypoints(pfs, method="sliding", dist_threshold=200, time_threshold=20,
  gap_threshold=18 h)`` — the gap matches our ``merge_max_gap_s`` so a night with the phone off does
  not by itself end its stays (trackintel's default 15 min would fragment even more).
- MovingPandas: ``TrajectoryStopDetector(traj).get_stop_points(max_diameter=400, min_duration=20 min)``.
  It takes minutes at 1e6 points, so by default it only runs up to ``--movingpandas-max-points``.

Quality against the known stays is computed in :mod:`stay_metrics` (1:1 F1, fragmentation, ...).

Usage: ``python bench/bench_stays.py [--sizes 100000 1000000] [--seed 7] [--movingpandas-max-points N]``
(needs the optional ``bench`` dependencies: ``pip install -e .[bench]``).
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(BENCH_DIR.parent))

RADIUS_M = 200.0
MIN_DURATION_MIN = 20.0
GAP_H = 18.0
METHODS = ("reisroute", "trackintel", "movingpandas")


class PeakRss:
    """Samples this process's RSS every 5 ms between start() and stop()."""

    def __init__(self) -> None:
        import psutil

        self.process = psutil.Process()
        self.baseline = 0
        self.peak = 0
        self._running = False

    def __enter__(self) -> PeakRss:
        self.baseline = self.process.memory_info().rss
        self.peak = self.baseline
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while self._running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.005)

    def __exit__(self, *exc: object) -> None:
        self._running = False
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)

    @property
    def peak_mb(self) -> float:
        return (self.peak - self.baseline) / 2**20


def _worker(method: str, input_path: Path, output_path: Path) -> None:
    data = np.load(input_path)
    t, lat, lon, acc = data["time_s"], data["lat"], data["lon"], data["accuracy_m"]
    if method == "reisroute":
        from routing.stays import detect_stays_arrays

        with PeakRss() as memory:
            start = time.perf_counter()
            result = detect_stays_arrays(time_s=t, lat=lat, lon=lon, accuracy_m=acc)
            elapsed = time.perf_counter() - start
        detected = (result.start_s, result.end_s, result.lat, result.lon)
    elif method == "trackintel":
        import geopandas as gpd
        import pandas as pd
        import trackintel as ti
        from trackintel.preprocessing import generate_staypoints

        frame = gpd.GeoDataFrame(
            {
                "user_id": np.zeros(len(t), dtype=np.int64),
                "tracked_at": pd.to_datetime(t, unit="s", utc=True),
            },
            geometry=gpd.points_from_xy(lon, lat),
            crs="EPSG:4326",
        )
        positionfixes = ti.Positionfixes(frame)
        with PeakRss() as memory:
            start = time.perf_counter()
            _, staypoints = generate_staypoints(
                positionfixes,
                method="sliding",
                dist_threshold=RADIUS_M,
                time_threshold=MIN_DURATION_MIN,
                gap_threshold=GAP_H * 60,
            )
            elapsed = time.perf_counter() - start
        detected = (
            _epoch_s(staypoints["started_at"]),
            _epoch_s(staypoints["finished_at"]),
            staypoints.geometry.y.to_numpy(),
            staypoints.geometry.x.to_numpy(),
        )
    elif method == "movingpandas":
        import warnings
        from datetime import timedelta

        import geopandas as gpd
        import pandas as pd

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import movingpandas as mpd

        frame = gpd.GeoDataFrame(
            {"t": pd.to_datetime(t, unit="s")}, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326"
        ).set_index("t")
        trajectory = mpd.Trajectory(frame, traj_id=1)
        with PeakRss() as memory:
            start = time.perf_counter()
            stops = mpd.TrajectoryStopDetector(trajectory).get_stop_points(
                max_diameter=2 * RADIUS_M, min_duration=timedelta(minutes=MIN_DURATION_MIN)
            )
            elapsed = time.perf_counter() - start
        detected = (
            _epoch_s(stops["start_time"]),
            _epoch_s(stops["end_time"]),
            stops.geometry.y.to_numpy(),
            stops.geometry.x.to_numpy(),
        )
    else:
        raise SystemExit(f"unknown method {method}")
    output_path.write_text(
        json.dumps(
            {
                "seconds": elapsed,
                "peak_mb": memory.peak_mb,
                "start_s": np.asarray(detected[0], dtype=float).tolist(),
                "end_s": np.asarray(detected[1], dtype=float).tolist(),
                "lat": np.asarray(detected[2], dtype=float).tolist(),
                "lon": np.asarray(detected[3], dtype=float).tolist(),
            }
        )
    )


def _epoch_s(series) -> np.ndarray:  # noqa: ANN001
    """Datetimes (naive = UTC, or tz-aware; any pandas unit) to epoch seconds."""
    import pandas as pd

    times = pd.to_datetime(series)
    if times.dt.tz is not None:
        times = times.dt.tz_convert("UTC").dt.tz_localize(None)
    return times.dt.as_unit("ns").astype("int64").to_numpy() / 1e9


def machine_description() -> str:
    import os

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory_gb:.0f} GiB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )


def run(args: argparse.Namespace) -> str:
    from generate_journey import generate_journey
    from stay_metrics import stay_quality

    args.data_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in args.sizes:
        input_path = args.data_dir / f"journey_{size}_seed{args.seed}.npz"
        if not input_path.exists():
            np.savez(input_path, **generate_journey(size, args.seed))
        truth = np.load(input_path)
        for method in args.methods:
            if method == "movingpandas" and size > args.movingpandas_max_points:
                rows.append((size, method, None, f"skipped (> {args.movingpandas_max_points} points)"))
                continue
            output_path = args.data_dir / f"result_{method}_{size}.json"
            command = [
                sys.executable,
                __file__,
                "--worker",
                method,
                "--input",
                str(input_path),
                "--output",
                str(output_path),
            ]
            print(f"running {method} on {size} points ...", file=sys.stderr, flush=True)
            subprocess.run(command, check=True)
            result = json.loads(output_path.read_text())
            quality = stay_quality(
                true_start_s=truth["truth_start_s"],
                true_end_s=truth["truth_end_s"],
                true_lat=truth["truth_lat"],
                true_lon=truth["truth_lon"],
                detected_start_s=np.array(result["start_s"]),
                detected_end_s=np.array(result["end_s"]),
                detected_lat=np.array(result["lat"]),
                detected_lon=np.array(result["lon"]),
            )
            rows.append((size, method, (result, quality), ""))
    return _table(rows, args)


def _table(rows: list, args: argparse.Namespace) -> str:
    lines = [
        f"Machine: {machine_description()}",
        f"Journeys: bench/generate_journey.py, seed {args.seed}; radius {RADIUS_M:.0f} m, min duration "
        f"{MIN_DURATION_MIN:.0f} min.",
        "",
        "| points | method | time s | × reisroute time | peak MB | true stays | detected | precision 1:1 | "
        "recall 1:1 | **F1 1:1** | precision lenient | recall lenient | fragmentation |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    ours = {size: r[0]["seconds"] for size, method, r, _ in rows if method == "reisroute" and r}
    for size, method, result, note in rows:
        if result is None:
            lines.append(f"| {size:,} | {method} | {note} | | | | | | | | | | |")
            continue
        timing, q = result
        ratio = timing["seconds"] / ours[size] if size in ours else float("nan")
        lines.append(
            f"| {size:,} | {method} | {timing['seconds']:.2f} | {ratio:.1f}× | {timing['peak_mb']:.0f} | {q.n_true} | "
            f"{q.n_detected} | {q.precision_1to1:.3f} | {q.recall_1to1:.3f} | **{q.f1_1to1:.3f}** | "
            f"{q.precision_lenient:.3f} | {q.recall_lenient:.3f} | {q.fragmentation:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--movingpandas-max-points", type=int, default=100_000)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/reisroute-bench"))
    parser.add_argument("--worker", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker, args.input, args.output)
        return
    print(run(args))


if __name__ == "__main__":
    main()
