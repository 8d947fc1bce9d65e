"""The phone builder writes real formats that agree with its ground truth."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image
from PIL.ExifTags import IFD

from extractor.simulator.phone_builder import PhoneManifest, build_phone


def _dms(values: tuple[float, float, float]) -> float:
    return float(values[0]) + float(values[1]) / 60 + float(values[2]) / 3600


def test_photos_carry_real_exif_matching_the_truth(small_phone: PhoneManifest) -> None:
    own = [p for p in small_phone.photos if p.own]
    received = [p for p in small_phone.photos if not p.own]
    assert own and received and any(p.lat is None for p in own)
    for truth in small_phone.photos:
        with Image.open(small_phone.host_path(truth.device_path)) as image:
            image.load()  # the pixels decode: a real JPEG
            exif = image.getexif()
            assert (exif[0x010F], exif[0x0110]) == (truth.make, truth.model)
            gps = exif.get_ifd(IFD.GPSInfo)
            details = exif.get_ifd(IFD.Exif)
        assert (0x9011 in details) == truth.has_offset_time
        if truth.lat is None:
            assert not gps
            continue
        assert abs(_dms(gps[2]) - truth.lat) < 1e-6 and abs(_dms(gps[4]) - truth.lon) < 1e-6
        if truth.has_gps_time:
            hours, minutes, seconds = (int(v) for v in gps[7])
            assert (gps[29], hours, minutes, seconds) == (
                truth.time_utc.strftime("%Y:%m:%d"),
                truth.time_utc.hour,
                truth.time_utc.minute,
                truth.time_utc.second,
            )


def test_timeline_and_ground_truth_files(small_phone: PhoneManifest) -> None:
    timeline = json.loads(small_phone.host_path(small_phone.timeline_device_path or "").read_text("utf-8"))
    points = [p for s in timeline["semanticSegments"] for p in s.get("timelinePath", [])]
    assert len(points) == small_phone.timeline_points
    assert points[0]["point"].endswith("°") and ", " in points[0]["point"]
    first = datetime.fromisoformat(points[0]["time"])
    assert first == small_phone.timeline_start_utc and first.utcoffset() is not None
    assert any("visit" in s for s in timeline["semanticSegments"]) and timeline["rawSignals"]
    truth = json.loads(small_phone.ground_truth_path.read_text("utf-8"))
    assert truth["country_sequence"] == ["SY", "TR", "GR", "MK", "RS", "HU", "AT", "DE", "NL"]
    assert len(truth["photos"]) == len(small_phone.photos)
    device = json.loads((small_phone.simulator_dir / "device.json").read_text("utf-8"))
    assert device["properties"]["ro.product.model"] == small_phone.model


@pytest.mark.slow
def test_a_larger_phone_builds(tmp_path: Path) -> None:
    """Sizes scale (the 20,000-photo, 1e6-point phone is built and timed in bench/bench_acquisition.py)."""
    manifest = build_phone(tmp_path / "big", photos=2_000, timeline_points=100_000, seed=5)
    assert len(manifest.photos) == 2_000
    assert len({p.device_path for p in manifest.photos}) == 2_000
    assert manifest.host_path(manifest.timeline_device_path or "").stat().st_size > 5_000_000
