"""PostgreSQL: what the location records' integrity checks cost, before and after migration h18_0001, side by side.

For each schema — ``before`` (migrated to h15_0001: three foreign keys on ``location_records``, checked per
row) and ``after`` (head: one check per statement against the custody item) — a fresh database is
migrated, one case with one job and ``--items`` custody items is seeded, and ``--rows`` records are written
through ``store.location_rows.insert_location_rows`` (binary COPY) in transactions of 50,000 (as the
extraction commits a Timeline export). Then the case's data is deleted the way ``legal_basis.retention``
does: its records, then its custody items. Reported per schema, alternating, ``--repeats`` times:
insert wall, the database backend's CPU for the insert (``/proc``, same machine), and both deletes.
A delete that runs longer than ``--timeout-s`` is cancelled and reported as such.

    PYTHONPATH=. python bench/bench_record_checks.py --rows 1000000 --items 2000 --repeats 2
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, delete, insert, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from store.db import make_engine
from store.location_rows import insert_location_rows
from store.migrate import upgrade
from store.models import CustodyRecord, LocationRow
from tests.store.route_builders import make_case_with_job

PART = 50_000
SCHEMAS = {"before": "h15_0001", "after": "head"}


def backend_cpu_s(session: Session) -> float:
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(admin_url: str, revision: str, rows: int, items: int, timeout_s: float) -> dict[str, object]:
    name = f"reisroute_bench_checks_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(admin_url.rsplit("/", 1)[0] + f"/{name}")
    try:
        upgrade(engine, revision)
        factory = sessionmaker(engine)
        with factory.begin() as session:
            case_id, job_id, first = make_case_with_job(session, "BENCH-CHECKS")
            template = {
                c.name: getattr(session.get(CustodyRecord, first), c.name)
                for c in CustodyRecord.__table__.columns
                if c.name != "id"
            }
            session.execute(
                insert(CustodyRecord), [{**template, "item_key": f"item-{k}"} for k in range(1, items)]
            )
            custody_ids = [first, *range(first + 1, first + items)]
        start = datetime(2024, 1, 1, tzinfo=UTC)

        def records(begin: int, end: int):  # type: ignore[no-untyped-def]  # noqa: ANN202
            for i in range(begin, end):
                yield (case_id, job_id, custody_ids[i % items], start + timedelta(seconds=i), 36.0 + i * 1e-7,
                       37.0, 20.0, None, "gnss", "gnss", "point", "google_timeline", "/sdcard/Timeline.json",
                       "ab" * 32, f"semanticSegments[3].timelinePath[{i}]", None, 0.0)  # fmt: skip

        with factory() as session:
            cpu_before = backend_cpu_s(session)
            wall = time.perf_counter()
            for begin in range(0, rows, PART):
                insert_location_rows(session, records(begin, min(rows, begin + PART)))
                session.commit()
            insert_s = time.perf_counter() - wall
            insert_cpu_s = backend_cpu_s(session) - cpu_before
        result: dict[str, object] = {"insert_s": insert_s, "insert_backend_cpu_s": insert_cpu_s}
        with factory() as session:
            session.execute(text(f"SET statement_timeout = {int(timeout_s * 1000)}"))
            for label, statement in (
                ("delete_records_s", delete(LocationRow).where(LocationRow.case_id == case_id)),
                ("delete_custody_s", delete(CustodyRecord).where(CustodyRecord.case_id == case_id)),
            ):
                wall = time.perf_counter()
                try:
                    session.execute(statement)
                    result[label] = time.perf_counter() - wall
                except OperationalError:  # statement_timeout
                    session.rollback()
                    result[label] = f"> {timeout_s:.0f} (cancelled)"
                    break
            session.commit()
        return result
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=2_000, help="custody items the records are spread over")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--timeout-s", type=float, default=300.0, help="cancel a delete after this long")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("REISROUTE_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args()
    results: dict[str, list[dict[str, object]]] = {label: [] for label in SCHEMAS}
    for _ in range(args.repeats):
        for label, revision in SCHEMAS.items():
            load = os.getloadavg()[0]
            outcome = run(args.pg_url, revision, args.rows, args.items, args.timeout_s)
            outcome["load"] = (load, os.getloadavg()[0])
            results[label].append(outcome)
            print(label, outcome, flush=True)

    def span(values: list[object]) -> str:
        numbers = [v for v in values if isinstance(v, float)]
        others = sorted({str(v) for v in values if not isinstance(v, float)})
        text_ = f"{min(numbers):.2f}–{max(numbers):.2f}" if numbers else ""
        return ", ".join([t for t in (text_, *others) if t])

    print(f"\n{args.rows:,} records over {args.items:,} custody items, {args.repeats} runs per schema")
    print(
        "| schema | insert s | database CPU for the insert s | delete records s | delete custody items s | load 1-min |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for label, runs in results.items():
        loads = [x for r in runs for x in r["load"]]  # type: ignore[attr-defined]
        print(
            f"| {label} ({SCHEMAS[label]}) | {span([r['insert_s'] for r in runs])} | "
            f"{span([r['insert_backend_cpu_s'] for r in runs])} | {span([r.get('delete_records_s') for r in runs])} | "
            f"{span([r.get('delete_custody_s', 'not reached') for r in runs])} | {min(loads):.1f}–{max(loads):.1f} |"
        )


if __name__ == "__main__":
    main()
