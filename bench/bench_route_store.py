"""Route versions stored two ways, side by side in one run: today's JSON (every point in the ``route``
JSON column) and the columnar form (``store/route_store.py``: summary JSON + encrypted Arrow points blob).

For each size: the route is built once from a synthetic journey (``generate_journey.py``), then each
format is written and read ``--repeats`` times against a real SQLite database and evidence store:

- write: build the stored form from the Route, insert the row, commit (columnar: encode, encrypt, fsync);
- read summary: what ``GET /route/summary`` and ``/route/versions`` need (the row's summary JSON);
- read points: everything matching and the map need (JSON: decode the row and ``route_from_dict``;
  columnar: decrypt, check the hash, decode the Arrow columns and build the PointTable; cold cache);
- stored MB: bytes in the database row (JSON) or the row's JSON plus the encrypted blob (columnar).

Usage: ``python bench/bench_route_store.py --sizes 100000 1000000 5000000 --repeats 3``
(``--json-max-points`` skips the JSON form above that size; above ``--json-repeats-above`` it runs once:
at 5e6 points it needs ~10 GB and minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(BENCH_DIR.parent))


def _span(values: list[float], digits: int = 3) -> str:
    if not values:
        return "–"
    low, high = min(values), max(values)
    if len(values) == 1 or round(low, digits) == round(high, digits):
        return f"{low:.{digits}f}"
    return f"{low:.{digits}f}–{high:.{digits}f}"


def _route(points: int, seed: int, data_dir: Path):  # type: ignore[no-untyped-def]
    from generate_journey import generate_journey

    from routing.points import PointTable
    from routing.route import build_route

    path = data_dir / f"journey_{points}_seed{seed}.npz"
    if not path.exists():
        np.savez(path, **generate_journey(points, seed))
    data = np.load(path)
    table = PointTable.from_arrays(
        time_s=data["time_s"],
        lat=data["lat"],
        lon=data["lon"],
        accuracy_m=data["accuracy_m"],
        fix_kind=data["fix_kind"],
    )
    return build_route(table)


def _setup(workdir: Path) -> tuple[Any, Any, int]:
    from sqlalchemy.orm import sessionmaker

    from store.db import make_engine
    from store.evidence import DirectoryEvidenceStore
    from store.keys import Keyring, LocalKeyWrapper
    from store.migrate import upgrade
    from tests.store.route_builders import make_case_with_job

    engine = make_engine(f"sqlite:///{workdir / 'bench.sqlite3'}")
    upgrade(engine)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    evidence = DirectoryEvidenceStore(workdir, Keyring(current=LocalKeyWrapper(os.urandom(32))))
    with factory.begin() as session:
        case_id, _job, _custody = make_case_with_job(session, "V-BENCH")
        evidence.ensure_case_key(session, case_id)
    return factory, evidence, case_id


def bench_size(
    points: int, *, seed: int, repeats: int, json_repeats: int, data_dir: Path
) -> list[dict[str, Any]]:
    from sqlalchemy import func, select

    from routing.route import route_from_dict, route_to_dict, route_to_geojson
    from store.models import RouteVersion
    from store.route_store import forget_case, load_points, write_route_version

    route = _route(points, seed, data_dir)
    geojson = route_to_geojson(route)
    results: dict[str, dict[str, list[float]]] = {
        name: {"write": [], "summary": [], "read_points": [], "mb": []} for name in ("json", "columnar")
    }
    with tempfile.TemporaryDirectory(dir=data_dir) as temporary:
        factory, evidence, case_id = _setup(Path(temporary))
        version = 0
        for repeat in range(repeats):
            for name in ("json", "columnar") if repeat < json_repeats else ("columnar",):
                version += 1
                start = time.perf_counter()
                with factory.begin() as session:
                    if name == "json":
                        stored = route_to_dict(route)
                        row = RouteVersion(
                            case_id=case_id,
                            version=version,
                            parameters=stored["parameters"],
                            code_version="bench",
                            records_count=len(route.points),
                            route=stored,
                            geojson=geojson,
                        )
                        session.add(row)
                        session.flush()
                    else:
                        row = write_route_version(
                            session,
                            evidence,
                            case_id=case_id,
                            version=version,
                            route=route,
                            geojson=geojson,
                            code_version="bench",
                        )
                    row_id = row.id
                results[name]["write"].append(time.perf_counter() - start)
                del row
                forget_case(case_id)
                start = time.perf_counter()
                with factory() as session:
                    summary = session.scalar(select(RouteVersion.route).where(RouteVersion.id == row_id))
                    assert summary is not None and summary["statistics"]["points"] == points
                results[name]["summary"].append(time.perf_counter() - start)
                start = time.perf_counter()
                with factory() as session:
                    row = session.get(RouteVersion, row_id)
                    assert row is not None
                    if name == "json":
                        loaded = route_from_dict(row.route)
                        assert len(loaded.points) == points
                    else:
                        assert len(load_points(session, evidence, row).point_table()) == points
                results[name]["read_points"].append(time.perf_counter() - start)
                with factory() as session:
                    json_bytes = session.scalar(
                        select(func.length(RouteVersion.route) + func.length(RouteVersion.geojson)).where(
                            RouteVersion.id == row_id
                        )
                    )
                    blob = session.scalar(select(RouteVersion.points_bytes).where(RouteVersion.id == row_id))
                sealed = 0
                if blob:
                    blob_name = row.points_blob
                    sealed = evidence.blob_path(case_id, blob_name).stat().st_size
                results[name]["mb"].append((int(json_bytes or 0) + sealed) / 1e6)
                del row
    rows = []
    for name, measured in results.items():
        if not measured["write"]:
            continue
        rows.append({"points": points, "format": name, **measured})
    return rows


def main() -> None:
    from bench_stays import machine_description

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 5_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json-max-points", type=int, default=5_000_000)
    parser.add_argument(
        "--json-repeats-above", type=int, default=1_000_000, help="above this size the JSON form runs once"
    )
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/reisroute-bench"))
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    print(f"Machine: {machine_description()}")
    print(f"Load before: {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f}")
    table: list[dict[str, Any]] = []
    for size in args.sizes:
        table += bench_size(
            size,
            seed=args.seed,
            repeats=args.repeats,
            json_repeats=0
            if size > args.json_max_points
            else (1 if size > args.json_repeats_above else args.repeats),
            data_dir=args.data_dir,
        )
    print(f"Load after: {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f}")
    print(f"Repeats: {args.repeats} (ranges min–max)\n")
    print("| points | format | write s | read summary s | read points s | stored MB | × JSON read points |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for row in table:
        reference = next((r for r in table if r["points"] == row["points"] and r["format"] == "json"), None)
        ratio = (
            f"{statistics.median(reference['read_points']) / statistics.median(row['read_points']):.0f}×"
            if reference and row["format"] == "columnar"
            else ""
        )
        print(
            f"| {row['points']:,} | {row['format']} | {_span(row['write'], 2)} | {_span(row['summary'])} | "
            f"{_span(row['read_points'])} | {_span(row['mb'], 1)} | {ratio} |"
        )
    print(json.dumps(table), file=sys.stderr)


if __name__ == "__main__":
    main()
