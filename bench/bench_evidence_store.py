"""Evidence write and read throughput: the central store (sealed chunks in PostgreSQL) against the local
directory, side by side in one run, on a job of ``--photos`` items (default 20,000).

An item is what a photo costs the evidence store when the acquisition reads metadata only: ``--item-kb``
(default 131 KB, the 656 MB per 5,000 photos measured by ``bench_acquisition.py``) of incompressible bytes.
Each backend, ``--repeats`` times, in alternating order:

- write: every item staged as a file and put into the store as the job sink does (``put_file`` with
  ``durable=False``, one ``sync`` every 500 items, i.e. one batch) — AES-256-GCM sealing included;
- read: every blob decrypted and its SHA-256 recomputed, as ``GET …/evidence/verify`` does;
- delete: the case's blobs and key destroyed in one transaction (crypto-erasure as at retention).

MB/s is plaintext megabytes (10^6 bytes) per second. The staged files are a pool of ``--pool`` distinct files
reused in turn (the page cache holds them: the bench measures the store, not the staging disk). Both backends
run against one local PostgreSQL (127.0.0.1) and the same disk; the machine's 1-minute load is printed beside
each run.

Usage: ``python bench/bench_evidence_store.py [--photos 20000] [--item-kb 131] [--repeats 3]``
(needs PostgreSQL: ``--pg-url``, default the test server's ``postgres`` database; a scratch database is made
and dropped).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))

BATCH_ITEMS = 500  # store.job_sink.BATCH_ITEMS: one sync per batch


def _span(values: list[float], digits: int = 1) -> str:
    return (
        f"{min(values):.{digits}f}–{max(values):.{digits}f}" if len(values) > 1 else f"{values[0]:.{digits}f}"
    )


def _run_once(store: Any, factory: Any, reference: str, pool: list[Path], photos: int) -> dict[str, float]:
    from store.models import Case, CustodyRecord, User  # noqa: F401 - the case row the key belongs to

    with factory.begin() as session:
        user = User(username=f"bench-{reference}", password_hash="x", roles=["intake_officer"])
        session.add(user)
        session.flush()
        case = Case(reference=reference, created_by=user.id)
        session.add(case)
        session.flush()
        case_id = case.id
        key = store.ensure_case_key(session, case_id)
    load_before = os.getloadavg()[0]
    blobs: list[tuple[str, str]] = []
    total = 0
    started = time.perf_counter()
    for index in range(photos):
        name, digest, size = store.put_file(key, case_id, pool[index % len(pool)], durable=False)
        blobs.append((name, digest))
        total += size
        if (index + 1) % BATCH_ITEMS == 0:
            store.sync(case_id)
    store.sync(case_id)
    write_s = time.perf_counter() - started
    started = time.perf_counter()
    for name, expected in blobs:
        digest = hashlib.sha256()
        for chunk in store.iter_chunks(key, case_id, name):
            digest.update(chunk)
        if digest.hexdigest() != expected:
            raise SystemExit(f"blob {name} read back wrong")
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    with factory.begin() as session:
        proof = store.destroy_case(session, case_id)
    delete_s = time.perf_counter() - started
    if proof["blobs_deleted"] != photos:
        raise SystemExit(f"deleted {proof['blobs_deleted']} blobs, not {photos}")
    return {
        "mb": total / 1e6,
        "write_s": write_s,
        "read_s": read_s,
        "delete_s": delete_s,
        "write_mb_s": total / 1e6 / write_s,
        "read_mb_s": total / 1e6 / read_s,
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=20_000)
    parser.add_argument("--item-kb", type=float, default=131.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pool", type=int, default=64, help="distinct staged files reused in turn")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--json", type=Path, help="also write the runs as JSON here")
    args = parser.parse_args()

    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import sessionmaker

    from store.db import make_engine
    from store.evidence import DirectoryEvidenceStore
    from store.evidence_db import DatabaseEvidenceStore
    from store.keys import Keyring, LocalKeyWrapper
    from store.migrate import upgrade

    workdir = Path(tempfile.mkdtemp(prefix="bench-evidence-"))
    name = f"reisroute_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(args.pg_url.rsplit("/", 1)[0] + f"/{name}")
    runs: list[dict[str, Any]] = []
    try:
        upgrade(engine)
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        keyring = Keyring(current=LocalKeyWrapper(os.urandom(32)))
        stores = {
            "local directory": DirectoryEvidenceStore(workdir / "data", keyring),
            "central PostgreSQL": DatabaseEvidenceStore(engine, keyring),
        }
        item_bytes = int(args.item_kb * 1000)
        pool = []
        for index in range(args.pool):
            path = workdir / f"staged-{index}.bin"
            path.write_bytes(os.urandom(item_bytes))
            pool.append(path)
        order = list(stores)
        for repeat in range(args.repeats):
            for backend in order if repeat % 2 == 0 else list(reversed(order)):
                result = _run_once(
                    stores[backend], factory, f"V-BENCH-{backend[:5]}-{repeat}", pool, args.photos
                )
                result.update(backend=backend, repeat=repeat)
                runs.append(result)
                print(
                    f"{backend:18} run {repeat + 1}: write {result['write_mb_s']:.1f} MB/s, read "
                    f"{result['read_mb_s']:.1f} MB/s, delete {result['delete_s']:.2f} s "
                    f"({result['mb']:.0f} MB; load {result['load_before']:.1f}→{result['load_after']:.1f})",
                    flush=True,
                )
            if engine.dialect.name == "postgresql":  # deleted rows' space back before the next repeat
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                    connection.exec_driver_sql("VACUUM evidence_chunks")
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(
        f"{args.photos:,} items × {args.item_kb:g} KB ({runs[0]['mb']:.0f} MB a job), {args.repeats} runs per "
        f"backend, ranges min–max; {os.cpu_count()} CPUs"
    )
    print()
    print("| backend | write MB/s | read + verify MB/s | delete case s | write s | read s | load 1-min |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    summary: dict[str, dict[str, float]] = {}
    for backend in stores:
        mine = [r for r in runs if r["backend"] == backend]
        loads = [r["load_before"] for r in mine] + [r["load_after"] for r in mine]
        summary[backend] = {
            "write": statistics.median(r["write_mb_s"] for r in mine),
            "read": statistics.median(r["read_mb_s"] for r in mine),
        }
        print(
            f"| {backend} | {_span([r['write_mb_s'] for r in mine])} | {_span([r['read_mb_s'] for r in mine])} "
            f"| {_span([r['delete_s'] for r in mine], 2)} | {_span([r['write_s'] for r in mine])} "
            f"| {_span([r['read_s'] for r in mine])} | {_span(loads)} |"
        )
    central, local = summary["central PostgreSQL"], summary["local directory"]
    print()
    print(
        f"central / local (medians): write {central['write'] / local['write']:.2f}×, "
        f"read {central['read'] / local['read']:.2f}×"
    )
    if args.json:
        args.json.write_text(json.dumps(runs, indent=2))


if __name__ == "__main__":
    main()
