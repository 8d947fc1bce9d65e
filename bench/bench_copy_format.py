"""Text vs binary COPY of location-record rows into PostgreSQL, side by side in one run.

The rows have the shape ``store.location_rows.insert_location_rows`` writes (17 columns, the types of
``location_records``), into a temporary table of the same column types. Client CPU (``process_time``) and
wall time per format, alternating, ``--repeats`` times each; ranges min–max.

Usage: ``python bench/bench_copy_format.py [--rows 200000] [--repeats 3] [--pg-url postgresql://…]``
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime, timedelta

import psycopg

COLUMNS = (
    "case_id int4, job_id int4, custody_id int4, time_utc timestamptz, lat float8, lon float8, "
    "accuracy_m float8, altitude_m float8, fix_kind varchar(16), time_source varchar(16), "
    "observation varchar(16), artifact_id varchar(80), source_path text, source_sha256 varchar(64), "
    "row_ref text, note text, clock_offset_applied_s float8"
)


def rows(count: int) -> list[tuple[object, ...]]:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return [
        (1, 1, 5, start + timedelta(seconds=i), 36.0 + i * 1e-6, 37.0, None, None, "export", "utc",
         "position", "google_timeline", "/sdcard/Timeline.json", "ab" * 32,
         f"semanticSegments[3].timelinePath[{i}]", None, 0.0)
        for i in range(count)
    ]  # fmt: skip


def copy_once(conn: psycopg.Connection, data: list[tuple[object, ...]], binary: bool) -> tuple[float, float]:
    conn.execute("TRUNCATE bench_copy")
    cpu, wall = time.process_time(), time.perf_counter()
    with conn.cursor() as cursor:
        oids = cursor.execute(
            "SELECT atttypid::int FROM pg_attribute WHERE attrelid = 'bench_copy'::regclass "
            "AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
        ).fetchall()
        sql = "COPY bench_copy FROM STDIN" + (" (FORMAT BINARY)" if binary else "")
        with cursor.copy(sql) as copy:
            if binary:
                copy.set_types([oid for (oid,) in oids])
            for row in data:
                copy.write_row(row)
    conn.commit()
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    data = rows(args.rows)
    results: dict[str, list[tuple[float, float]]] = {"text": [], "binary": []}
    with psycopg.connect(args.pg_url) as conn:
        conn.execute(f"CREATE TEMP TABLE bench_copy ({COLUMNS})")
        for _ in range(args.repeats):
            for name in results:
                results[name].append(copy_once(conn, data, binary=name == "binary"))
    print(f"{args.rows:,} rows, {args.repeats} runs per format, load {os.getloadavg()[0]:.1f}")
    print("| format | client CPU s | wall s |\n|---|---:|---:|")
    for name, runs in results.items():
        cpus, walls = [c for c, _ in runs], [w for _, w in runs]
        print(f"| {name} | {min(cpus):.2f}–{max(cpus):.2f} | {min(walls):.2f}–{max(walls):.2f} |")


if __name__ == "__main__":
    main()
