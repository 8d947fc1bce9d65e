"""Acquisition benchmark on the simulated iPhone: AFC metadata-only reads vs whole-file reads.

Runs real pymobiledevice3 against the simulated usbmuxd/lockdown/AFC and measures, for the same camera
folder: bytes the phone sent (from the simulator's request log) and wall time for

- metadata-only: list + stat every photo, read its leading ``--head-bytes`` (EXIF lives there);
- whole files through our Source (``read_range`` of the full size, which also yields the whole-file hash);
- the peer: pymobiledevice3's own ``AfcService.pull`` of the folder (what ``pymobiledevice3 afc pull`` does).

    /work/venv/bin/python bench/bench_acquisition_ios.py --photos 300
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from extractor.simulator.ios_phone_builder import IphonePhoto, build_iphone_media
from extractor.simulator.iphone import start_iphone_simulator
from extractor.sources.base import walk
from extractor.sources.ios import IphoneConnectionSettings, LiveIphone


def _photos(count: int, width_px: int, height_px: int) -> list[IphonePhoto]:
    start = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    return [
        IphonePhoto(
            filename=f"IMG_{index + 1:04d}.JPG",
            taken_utc=start + timedelta(minutes=37 * index),
            lat=37.98 + index * 0.01,
            lon=23.72 + index * 0.005,
            utc_offset_minutes=120,
            width_px=width_px,
            height_px=height_px,
        )
        for index in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--width", type=int, default=800)
    parser.add_argument("--height", type=int, default=600)
    parser.add_argument("--head-bytes", type=int, default=64 * 1024)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-ios-"))
    try:
        started = time.perf_counter()
        media = build_iphone_media(work / "Media", _photos(args.photos, args.width, args.height))
        build_s = time.perf_counter() - started
        total_bytes = sum(media.photo_sizes)
        simulator = start_iphone_simulator(media.root, work / "mux.sock")
        phone = LiveIphone(
            IphoneConnectionSettings(
                pair_records_dir=work / "pair", usbmux_address=str(simulator.socket_path)
            )
        )
        source = phone.afc_source()
        rows: list[tuple[str, int, float]] = []

        simulator.requests.clear()
        started = time.perf_counter()
        entries = [entry for entry in walk(source, "/DCIM") if entry.size]
        for entry in entries:
            source.read_range(entry.path, 0, args.head_bytes)
        rows.append(
            (
                "AFC metadata-only (list+stat+head)",
                simulator.requests.bytes_sent("afc"),
                time.perf_counter() - started,
            )
        )

        simulator.requests.clear()
        started = time.perf_counter()
        for entry in entries:
            source.read_range(entry.path, 0, entry.size or 0)
        rows.append(
            (
                "AFC whole files via Source (+sha256)",
                simulator.requests.bytes_sent("afc"),
                time.perf_counter() - started,
            )
        )

        from pymobiledevice3.services.afc import AfcService

        async def pull() -> None:
            async with AfcService(phone.lockdown) as afc:
                await afc.pull("/DCIM", str(work / "pulled"), progress_bar=False)

        simulator.requests.clear()
        started = time.perf_counter()
        phone._run(pull(), timeout_s=3600)
        rows.append(
            (
                "peer: pymobiledevice3 AfcService.pull",
                simulator.requests.bytes_sent("afc"),
                time.perf_counter() - started,
            )
        )

        source.close()
        phone.close()
        simulator.stop()

        count = len(entries)
        base_bytes, base_s = rows[0][1], rows[0][2]
        print(
            f"simulated iPhone: {count} photos, {total_bytes / 1e6:.1f} MB on the phone (built in {build_s:.1f} s), head {args.head_bytes} B"
        )
        print(f"{'method':40} {'bytes sent':>14} {'time s':>8} {'ms/photo':>9} {'bytes x':>8} {'time x':>7}")
        for name, sent, seconds in rows:
            print(
                f"{name:40} {sent:>14,} {seconds:>8.2f} {1000 * seconds / count:>9.2f} "
                f"{sent / max(base_bytes, 1):>8.1f} {seconds / max(base_s, 1e-9):>7.1f}"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
