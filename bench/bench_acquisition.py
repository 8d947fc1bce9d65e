"""Acquisition benchmark (Android): metadata-only acquisition vs a full ``adb pull`` of the same folder.

A simulated phone (real ADB wire protocol on loopback) holds N camera photos of a realistic size (sparse
files: the pixels are zeros after the EXIF, which costs no disk but is transferred like real data). We
compare, on the same phone:

- reisroute: AdbSource (adb-shell) + the generic runner with the photo EXIF artifact — heads only
  (``head -c``), whole-file SHA-256 computed on the device, batched per shell round-trip;
- the official client: ``adb pull /sdcard/DCIM/Camera`` (Debian's adb, private HOME and server port).

Bytes are what the phone sent on the wire (ADB headers included), counted by the simulator.
Run: ``python bench/bench_acquisition.py --photos 5000 --photo-bytes 3000000``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extractor.artifacts import default_registry  # noqa: E402
from extractor.runner import run_acquisition  # noqa: E402
from extractor.simulator.adb_server import start_adb_simulator  # noqa: E402
from extractor.simulator.phone_builder import build_phone  # noqa: E402
from extractor.sources.android import AdbSource, android_parse_context  # noqa: E402
from tests.extractor.job_sink import MemoryJobSink  # noqa: E402


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--photos", type=int, default=5000)
    parser.add_argument(
        "--photo-bytes", type=int, default=3_000_000, help="size of each photo (typical 12 MP JPEG)"
    )
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="reisroute-bench-"))
    started = time.monotonic()
    phone = build_phone(
        workdir / "phone",
        photos=args.photos,
        timeline_points=0,
        seed=1,
        photo_bytes=args.photo_bytes,
        received_fraction=0.0,
    )
    build_s = time.monotonic() - started
    simulator = start_adb_simulator(phone.root)
    exif = default_registry().get("android.dcim_exif")
    try:
        # --- reisroute metadata-only -----------------------------------------------------------------
        sink = MemoryJobSink(workdir / "sink")
        before = simulator.bytes_sent_total
        started = time.monotonic()
        with AdbSource.connect_tcp("127.0.0.1", simulator.port, key_dir=workdir / "key") as source:
            context = android_parse_context(source, elapsed_anchor=False)
            outcomes = run_acquisition(
                source,
                artifacts=[exif],
                sink=sink,
                window_start=None,
                window_end=None,
                parse_context=context,
                clock_offset_s=0.0,
            )
        meta_s = time.monotonic() - started
        meta_bytes = simulator.bytes_sent_total - before
        items = outcomes[0].items
        records = outcomes[0].records
        # --- official adb pull -----------------------------------------------------------------------
        adb = shutil.which("adb")
        pull_s = pull_bytes = None
        if adb is not None:
            home = workdir / "home"
            home.mkdir(exist_ok=True)
            port = str(_free_port())
            env = {"HOME": str(home), "PATH": os.environ.get("PATH", ""), "ANDROID_ADB_SERVER_PORT": port}

            def run(*command: str) -> subprocess.CompletedProcess[str]:
                return subprocess.run(
                    [adb, "-P", port, *command], env=env, capture_output=True, text=True, timeout=3600
                )

            try:
                run("connect", simulator.serial)
                run("connect", simulator.serial)
                before = simulator.bytes_sent_total
                started = time.monotonic()
                result = run("-s", simulator.serial, "pull", "/sdcard/DCIM/Camera", str(workdir / "pulled"))
                pull_s = time.monotonic() - started
                pull_bytes = simulator.bytes_sent_total - before
                if result.returncode != 0:
                    raise SystemExit(f"adb pull failed: {result.stderr}")
            finally:
                run("kill-server")
                shutil.rmtree(workdir / "pulled", ignore_errors=True)
    finally:
        simulator.stop()
    print(
        f"phone: {args.photos} photos x {args.photo_bytes:,} bytes, built in {build_s:.1f} s; "
        f"metadata-only acquired {items} items, {records} records"
    )
    print()
    print("| method | bytes from phone | time (s) | ms per photo |")
    print("| --- | ---: | ---: | ---: |")
    print(
        f"| reisroute metadata-only (head -c 131072 + on-device sha256, batched) | {meta_bytes:,} | {meta_s:.1f} | {1000 * meta_s / args.photos:.2f} |"
    )
    if pull_s is not None and pull_bytes is not None:
        print(
            f"| official `adb pull` of DCIM/Camera | {pull_bytes:,} | {pull_s:.1f} | {1000 * pull_s / args.photos:.2f} |"
        )
        print(f"| ratio pull / metadata-only | {pull_bytes / meta_bytes:.1f}x | {pull_s / meta_s:.2f}x | |")
    else:
        print("| official `adb pull` | not installed (apt-get install adb) | | |")
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
